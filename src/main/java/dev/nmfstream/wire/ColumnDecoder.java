package dev.nmfstream.wire;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import dev.nmfstream.nmf.Column;
import dev.nmfstream.nmf.DenseColumn;
import dev.nmfstream.nmf.SparseColumn;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

/**
 * Decodes input records (key = item id) into columns, never throwing for bad input: every problem
 * becomes one {@link Decoded.Invalid} whose reason names the field, the value and what was
 * expected, e.g. {@code values[3] = -0.5, expected a finite nonnegative number}.
 *
 * <p>JSON ({@code schemas/nmf-columns.schema.json}) is read with Jackson's streaming parser straight
 * into {@code double[]}/{@code int[]}: no tree, no boxing. The parser accepts the tokens NaN and
 * Infinity so that the reason can name them; the values are then rejected. Unknown fields are
 * ignored; {@code "id": null} and {@code "timestamp": null} count as absent. The binary layout is
 * {@code schemas/binary-column-format.md}.
 *
 * <p>A valid column owns fresh arrays (the caller may keep it, e.g. while no basis exists yet).
 * Not thread-safe (reuses its number buffers): one decoder per stream task.
 */
public final class ColumnDecoder {

    /** The binary layout's magic, "NMFB". */
    public static final byte[] MAGIC = {'N', 'M', 'F', 'B'};
    /** The binary layout's version. */
    public static final int VERSION = 1;
    /** Length of the binary header, before the optional timestamp. */
    public static final int HEADER_BYTES = 16;
    /** Binary flag bit 0: an int64 timestamp follows the header. */
    public static final int FLAG_TIMESTAMP = 1;
    /** Binary flag bit 1: the column is sparse (indices precede the values). */
    public static final int FLAG_SPARSE = 2;

    /** How much of a bad string or key a reason quotes. */
    private static final int QUOTE_CHARS = 40;

    private static final JsonFactory JSON = JsonFactory.builder()
            .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            .build();

    private final int dim;
    private final InputFormat format;
    private final int maxValueBytes;
    private final CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
    private double[] numbers = new double[64];
    private int[] ints = new int[64];

    /**
     * A decoder for columns of one dimension.
     *
     * @param dim the dimension m every column must have ({@code nmf.dimension}), ≥ 1
     * @param format how values are encoded ({@code nmf.input.format})
     * @param maxValueBytes larger values are rejected unread ({@code nmf.max.value.bytes}), ≥ 1
     * @throws IllegalArgumentException if dim or maxValueBytes is not positive
     */
    public ColumnDecoder(int dim, InputFormat format, int maxValueBytes) {
        if (dim <= 0) {
            throw new IllegalArgumentException("dim = " + dim + ", expected a positive dimension (nmf.dimension)");
        }
        if (maxValueBytes <= 0) {
            throw new IllegalArgumentException("maxValueBytes = " + maxValueBytes
                    + ", expected a positive byte count (nmf.max.value.bytes)");
        }
        this.dim = dim;
        this.format = Objects.requireNonNull(format, "format");
        this.maxValueBytes = maxValueBytes;
    }

    /**
     * Decodes one record. Never throws for bad input.
     *
     * @param key the record key (the item id as UTF-8), or null
     * @param value the record value, or null
     * @return the column, or the one reason it is not one
     */
    public Decoded decode(byte[] key, byte[] value) {
        if (value == null) {
            return new Decoded.Invalid("value: null (a tombstone), expected a column");
        }
        if (value.length > maxValueBytes) {
            return new Decoded.Invalid("value: " + value.length + " bytes, expected at most " + maxValueBytes
                    + " (nmf.max.value.bytes)");
        }
        String keyText = null;
        if (key != null) {
            try {
                keyText = utf8.reset().decode(ByteBuffer.wrap(key)).toString();
            } catch (CharacterCodingException e) {
                return new Decoded.Invalid("key: " + key.length + " bytes that are not UTF-8 (" + hex(key, 16)
                        + "), expected a UTF-8 item id");
            }
        }
        boolean binary = format == InputFormat.BINARY || format == InputFormat.AUTO && hasMagic(value);
        try {
            return binary ? binary(keyText, value) : json(keyText, value);
        } catch (RuntimeException e) {
            // a safety net: every problem this class knows of is reported above with a better reason
            return new Decoded.Invalid("value: cannot be read (" + e + ")");
        }
    }

    /** Whether a value starts with the binary magic "NMFB". */
    public static boolean hasMagic(byte[] value) {
        return value.length >= MAGIC.length && value[0] == MAGIC[0] && value[1] == MAGIC[1] && value[2] == MAGIC[2]
                && value[3] == MAGIC[3];
    }

    private Decoded binary(String key, byte[] value) {
        if (key == null || key.isEmpty()) {
            return new Decoded.Invalid("key: " + (key == null ? "null" : "empty")
                    + ", expected the item id (binary values carry no id)");
        }
        if (value.length >= MAGIC.length && !hasMagic(value)) {
            return new Decoded.Invalid("magic = " + hex(Arrays.copyOf(value, MAGIC.length), MAGIC.length) + " (" + printable(value, MAGIC.length)
                    + "), expected 4e 4d 46 42 (\"NMFB\", the binary column format)"
                    + (value[0] == '{' ? "; this looks like JSON: set nmf.input.format to json or auto" : ""));
        }
        if (value.length < HEADER_BYTES) {
            return new Decoded.Invalid("value: truncated binary column, " + value.length
                    + " bytes, expected at least the " + HEADER_BYTES + "-byte header");
        }
        ByteBuffer b = ByteBuffer.wrap(value).order(ByteOrder.LITTLE_ENDIAN);
        int version = value[4] & 0xFF;
        if (version != VERSION) {
            return new Decoded.Invalid("version = " + version + ", expected " + VERSION);
        }
        int flags = value[5] & 0xFF;
        if ((flags & ~(FLAG_TIMESTAMP | FLAG_SPARSE)) != 0) {
            return new Decoded.Invalid("flags = " + flags + ", expected only bits 0 (timestamp) and 1 (sparse)");
        }
        int reserved = b.getShort(6) & 0xFFFF;
        if (reserved != 0) {
            return new Decoded.Invalid("reserved = " + reserved + " (bytes 6-7), expected 0");
        }
        boolean hasTimestamp = (flags & FLAG_TIMESTAMP) != 0;
        boolean sparse = (flags & FLAG_SPARSE) != 0;
        int declaredDim = b.getInt(8);
        int count = b.getInt(12);
        if (declaredDim != dim) {
            return new Decoded.Invalid("dim = " + declaredDim + ", expected " + dim + " (nmf.dimension)");
        }
        if (count <= 0) {
            return new Decoded.Invalid("count = " + count + ", expected at least one value (an empty vector)");
        }
        if (!sparse && count != dim) {
            return new Decoded.Invalid("count = " + count + " for a dense column, expected dim = " + dim);
        }
        if (sparse && count > dim) {
            return new Decoded.Invalid("count = " + count + " nonzeros, expected at most dim = " + dim);
        }
        long expected = HEADER_BYTES + (hasTimestamp ? 8L : 0L) + (sparse ? 4L * count : 0L) + 4L * count;
        String parts = "(" + HEADER_BYTES + " header" + (hasTimestamp ? " + 8 timestamp" : "")
                + (sparse ? " + 4·" + count + " indices" : "") + " + 4·" + count + " values)";
        if (value.length < expected) {
            return new Decoded.Invalid("value: truncated binary column, " + value.length + " bytes, expected "
                    + expected + " " + parts);
        }
        if (value.length > expected) {
            return new Decoded.Invalid("value: " + (value.length - expected) + " trailing bytes, expected exactly "
                    + expected + " " + parts);
        }
        int at = HEADER_BYTES;
        long timestamp = -1;
        if (hasTimestamp) {
            timestamp = b.getLong(at);
            at += 8;
            if (timestamp < 0) {
                return new Decoded.Invalid("timestamp = " + timestamp + ", expected epoch milliseconds ≥ 0");
            }
        }
        double[] values = new double[count];
        if (sparse) {
            int[] indices = new int[count];
            for (int j = 0; j < count; j++) {
                indices[j] = b.getInt(at + 4 * j);
            }
            at += 4 * count;
            for (int j = 0; j < count; j++) {
                values[j] = b.getFloat(at + 4 * j);
            }
            return check(key, SparseColumn.of(dim, indices, values), timestamp);
        }
        for (int i = 0; i < count; i++) {
            values[i] = b.getFloat(at + 4 * i);
        }
        return check(key, DenseColumn.of(values), timestamp);
    }

    private Decoded json(String key, byte[] value) {
        String id = null;
        long timestamp = -1;
        int declaredDim = -1;
        double[] values = null;
        int[] indices = null;
        boolean seenId = false;
        boolean seenTimestamp = false;
        boolean seenDim = false;
        try (JsonParser p = JSON.createParser(value)) {
            JsonToken first = p.nextToken();
            if (first == null) {
                return new Decoded.Invalid("value: empty (" + value.length + " bytes"
                        + (value.length > 0 ? " of white space" : "") + "), expected a JSON object");
            }
            if (first != JsonToken.START_OBJECT) {
                return new Decoded.Invalid("value: " + describe(first) + ", expected a JSON object" + found(p, first));
            }
            for (JsonToken t = p.nextToken(); t != JsonToken.END_OBJECT; t = p.nextToken()) {
                String field = p.currentName();
                JsonToken v = p.nextToken();
                switch (field) {
                    case "id" -> {
                        if (seenId) {
                            return twice(field);
                        }
                        seenId = true;
                        if (v == JsonToken.VALUE_NULL) {
                            break; // absent: the record key is the id
                        }
                        if (v != JsonToken.VALUE_STRING) {
                            return new Decoded.Invalid("id: " + describe(v) + ", expected a string" + found(p, v));
                        }
                        id = p.getText();
                        if (id.isEmpty()) {
                            return new Decoded.Invalid("id = \"\", expected a nonempty item id");
                        }
                    }
                    case "timestamp" -> {
                        if (seenTimestamp) {
                            return twice(field);
                        }
                        seenTimestamp = true;
                        if (v == JsonToken.VALUE_NULL) {
                            break; // absent
                        }
                        if (v != JsonToken.VALUE_NUMBER_INT) {
                            return new Decoded.Invalid("timestamp: " + describe(v)
                                    + ", expected an integer (epoch milliseconds)" + found(p, v));
                        }
                        if (p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
                            return new Decoded.Invalid("timestamp = " + p.getText()
                                    + ", expected epoch milliseconds ≥ 0 (a 64-bit integer)");
                        }
                        timestamp = p.getLongValue();
                        if (timestamp < 0) {
                            return new Decoded.Invalid("timestamp = " + timestamp + ", expected epoch milliseconds ≥ 0");
                        }
                    }
                    case "dim" -> {
                        if (seenDim) {
                            return twice(field);
                        }
                        seenDim = true;
                        if (v != JsonToken.VALUE_NUMBER_INT) {
                            return new Decoded.Invalid("dim: " + describe(v) + ", expected an integer (" + dim + ")"
                                    + found(p, v));
                        }
                        if (p.getNumberType() != JsonParser.NumberType.INT || p.getIntValue() < 0) {
                            return new Decoded.Invalid("dim = " + p.getText() + ", expected " + dim
                                    + " (nmf.dimension)");
                        }
                        declaredDim = p.getIntValue();
                    }
                    case "values" -> {
                        if (values != null) {
                            return twice(field);
                        }
                        if (v != JsonToken.START_ARRAY) {
                            return new Decoded.Invalid("values: " + describe(v) + ", expected an array of numbers"
                                    + found(p, v));
                        }
                        int n = 0;
                        for (JsonToken e = p.nextToken(); e != JsonToken.END_ARRAY; e = p.nextToken()) {
                            if (e != JsonToken.VALUE_NUMBER_FLOAT && e != JsonToken.VALUE_NUMBER_INT) {
                                return new Decoded.Invalid("values[" + n + "]: " + describe(e) + ", expected a number"
                                        + found(p, e));
                            }
                            if (n == numbers.length) {
                                numbers = Arrays.copyOf(numbers, 2 * n);
                            }
                            numbers[n++] = p.getDoubleValue();
                        }
                        values = Arrays.copyOf(numbers, n);
                    }
                    case "indices" -> {
                        if (indices != null) {
                            return twice(field);
                        }
                        if (v != JsonToken.START_ARRAY) {
                            return new Decoded.Invalid("indices: " + describe(v) + ", expected an array of integers"
                                    + found(p, v));
                        }
                        int n = 0;
                        for (JsonToken e = p.nextToken(); e != JsonToken.END_ARRAY; e = p.nextToken()) {
                            if (e != JsonToken.VALUE_NUMBER_INT) {
                                return new Decoded.Invalid("indices[" + n + "]: " + describe(e)
                                        + ", expected an integer index in [0, " + dim + ")" + found(p, e));
                            }
                            if (p.getNumberType() != JsonParser.NumberType.INT) {
                                return new Decoded.Invalid("indices[" + n + "] = " + p.getText()
                                        + ", expected an index in [0, " + dim + ")");
                            }
                            if (n == ints.length) {
                                ints = Arrays.copyOf(ints, 2 * n);
                            }
                            ints[n++] = p.getIntValue();
                        }
                        indices = Arrays.copyOf(ints, n);
                    }
                    default -> p.skipChildren(); // other fields are allowed and ignored
                }
            }
            JsonToken trailing;
            try {
                trailing = p.nextToken();
            } catch (JsonProcessingException e) {
                return new Decoded.Invalid("value: text after the JSON object at " + where(e)
                        + " (" + message(e).replace(", expected a JSON value", "") + "), expected nothing");
            }
            if (trailing != null) {
                return new Decoded.Invalid("value: " + describe(trailing) + " after the JSON object at line "
                        + p.currentTokenLocation().getLineNr() + ", column " + p.currentTokenLocation().getColumnNr()
                        + ", expected nothing");
            }
        } catch (JsonProcessingException e) {
            if (looksBinary(value)) {
                int n = Math.min(8, value.length);
                return new Decoded.Invalid("value: not JSON: starts with bytes " + hex(Arrays.copyOf(value, n), n) + " ("
                        + printable(value, n) + "), expected a JSON object" + (hasMagic(value)
                        ? "; this is the binary column format: set nmf.input.format to binary or auto"
                        : format == InputFormat.AUTO ? " or a binary column (magic \"NMFB\")" : ""));
            }
            return new Decoded.Invalid("value: not JSON, at " + where(e) + ": " + message(e));
        } catch (IOException e) {
            return new Decoded.Invalid("value: cannot be read (" + e.getMessage() + ")");
        }
        if (key != null && id != null && !key.equals(id)) {
            return new Decoded.Invalid("id = " + quote(id) + " but the record key is " + quote(key)
                    + ", expected them equal (or no id)");
        }
        String itemId = id != null ? id : key;
        if (itemId == null) {
            return new Decoded.Invalid("id: missing and the record key is null, expected an \"id\" field or a key");
        }
        if (itemId.isEmpty()) {
            return new Decoded.Invalid("key: empty and no \"id\" field, expected a nonempty item id");
        }
        if (values == null) {
            return new Decoded.Invalid("values: missing, expected an array of numbers");
        }
        if (indices == null) {
            if (declaredDim >= 0 && declaredDim != dim) {
                return new Decoded.Invalid("dim = " + declaredDim + ", expected " + dim + " (nmf.dimension)");
            }
            if (values.length == 0) {
                return new Decoded.Invalid("values: empty vector, expected " + dim + " numbers");
            }
            if (values.length != dim) {
                return new Decoded.Invalid("values: " + values.length + " numbers, expected " + dim
                        + " (nmf.dimension)" + (declaredDim >= 0 ? "; a sparse column also needs \"indices\"" : ""));
            }
            return check(itemId, DenseColumn.of(values), timestamp);
        }
        if (declaredDim < 0) {
            return new Decoded.Invalid("dim: missing, expected the dimension of a sparse column (" + dim + ")");
        }
        if (declaredDim != dim) {
            return new Decoded.Invalid("dim = " + declaredDim + ", expected " + dim + " (nmf.dimension)");
        }
        if (indices.length != values.length) {
            return new Decoded.Invalid("indices has " + indices.length + " entries and values " + values.length
                    + ", expected the same count");
        }
        if (values.length == 0) {
            return new Decoded.Invalid("values: empty vector, expected at least one nonzero entry");
        }
        return check(itemId, SparseColumn.of(dim, indices, values), timestamp);
    }

    /** Runs the column's own checks (finite, nonnegative, indices in range and strictly increasing). */
    private static Decoded check(String id, Column column, long timestamp) {
        try {
            column.validate();
        } catch (IllegalArgumentException e) {
            return new Decoded.Invalid(e.getMessage());
        }
        return new Decoded.Valid(id, column, timestamp);
    }

    /** Whether one of the first 8 bytes is a control character that JSON text never has. */
    private static boolean looksBinary(byte[] value) {
        for (int i = 0; i < Math.min(8, value.length); i++) {
            int c = value[i] & 0xFF;
            if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') {
                return true;
            }
        }
        return false;
    }

    private static Decoded twice(String field) {
        return new Decoded.Invalid(field + ": appears twice, expected once");
    }

    private static String describe(JsonToken token) {
        return switch (token) {
            case START_OBJECT -> "an object";
            case START_ARRAY -> "an array";
            case VALUE_STRING -> "a string";
            case VALUE_NUMBER_INT -> "an integer";
            case VALUE_NUMBER_FLOAT -> "a number";
            case VALUE_TRUE, VALUE_FALSE -> "a boolean";
            case VALUE_NULL -> "null";
            default -> token.toString();
        };
    }

    /** ", found …" with the offending scalar's text; nothing for containers and null (already named). */
    private static String found(JsonParser p, JsonToken token) throws IOException {
        if (!token.isScalarValue() || token == JsonToken.VALUE_NULL) {
            return "";
        }
        String text = p.getText();
        return ", found " + (token == JsonToken.VALUE_STRING ? quote(text) : shorten(text));
    }

    private static String where(JsonProcessingException e) {
        if (e.getLocation() == null) {
            return "an unknown position";
        }
        return "line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr();
    }

    /** Jackson's message without its "[Source: REDACTED …]" noise and its list of every JSON value. */
    private static String message(JsonProcessingException e) {
        String m = e.getOriginalMessage();
        return m == null ? e.getClass().getSimpleName()
                : m.replaceAll("\\[Source: [^;\\]]*; line: (\\d+), column: (\\d+)]", "line $1, column $2")
                        .replaceAll(": was expecting \\(JSON String, .*\\)$", ", expected a JSON value");
    }

    private static String quote(String s) {
        StringBuilder sb = new StringBuilder("\"");
        ColumnEncoder.escape(sb, shorten(s));
        return sb.append('"').toString();
    }

    private static String shorten(String s) {
        return s.length() <= QUOTE_CHARS ? s : s.substring(0, QUOTE_CHARS) + "… (" + s.length() + " chars)";
    }

    private static String hex(byte[] bytes, int max) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < Math.min(max, bytes.length); i++) {
            if (i > 0) {
                sb.append(' ');
            }
            sb.append(Character.forDigit((bytes[i] >> 4) & 0xF, 16)).append(Character.forDigit(bytes[i] & 0xF, 16));
        }
        return bytes.length > max ? sb.append(" …").toString() : sb.toString();
    }

    private static String printable(byte[] bytes, int n) {
        StringBuilder sb = new StringBuilder("\"");
        for (int i = 0; i < n; i++) {
            int c = bytes[i] & 0xFF;
            sb.append(c >= 0x20 && c < 0x7F ? (char) c : '.');
        }
        return sb.append('"').toString();
    }
}
