package dev.nmfstream.wire;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import dev.nmfstream.nmf.Column;
import dev.nmfstream.nmf.DenseColumn;
import dev.nmfstream.nmf.SparseColumn;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;
import java.util.Objects;

/**
 * Decodes input records (key = item id) into columns, never throwing for bad input: every problem
 * becomes one {@link Decoded.Invalid} whose reason names the field, the value and what was
 * expected, e.g. {@code values[3] = -0.5, expected a finite nonnegative number}.
 *
 * <p>JSON ({@code schemas/nmf-columns.schema.json}) is read with Jackson's streaming parser straight
 * into {@code double[]}/{@code int[]}: no tree, no boxing, numbers parsed from the parser's own
 * character buffer (its fast double parser, correctly rounded like {@link Double#parseDouble}).
 * The parser accepts the tokens NaN and Infinity so that the reason can name them; the values are
 * then rejected. Unknown fields are ignored; {@code "id": null} and {@code "timestamp": null}
 * count as absent. The binary layout is {@code schemas/binary-column-format.md}.
 *
 * <p>Two ways to decode: {@link #decode(byte[], byte[], DecodedItem)} fills a reusable
 * {@link DecodedItem} (the stream path: a valid binary record allocates nothing, a JSON record
 * only the parser's own small state); {@link #decode(byte[], byte[])} returns a {@link Decoded}
 * whose column owns fresh arrays (the caller may keep it). Not thread-safe: one decoder per
 * stream task.
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

    /** The default longest item id, in UTF-8 bytes ({@code nmf.max.id.bytes}). */
    public static final int DEFAULT_MAX_ID_BYTES = 256;

    /** How much of a bad string or key a reason quotes. */
    private static final int QUOTE_CHARS = 40;

    private static final JsonFactory JSON = JsonFactory.builder()
            .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            .enable(StreamReadFeature.USE_FAST_DOUBLE_PARSER)
            .build();

    private static final VarHandle INT = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle SHORT = MethodHandles.byteArrayViewVarHandle(short[].class,
            ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle LONG = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle FLOAT = MethodHandles.byteArrayViewVarHandle(float[].class,
            ByteOrder.LITTLE_ENDIAN);

    private final int dim;
    private final InputFormat format;
    private final int maxValueBytes;
    private final int maxIdBytes;
    private final double maxValue;
    /** The vectoriser of text documents, or null for numeric input. */
    private final TextColumns textColumns;

    /**
     * A decoder for columns of one dimension, with ids of at most {@value #DEFAULT_MAX_ID_BYTES}
     * bytes, that accepts every finite nonnegative value.
     *
     * @param dim the dimension m every column must have ({@code nmf.dimension}), ≥ 1
     * @param format how values are encoded ({@code nmf.input.format})
     * @param maxValueBytes larger values are rejected unread ({@code nmf.max.value.bytes}), ≥ 1
     * @throws IllegalArgumentException if dim or maxValueBytes is not positive
     */
    public ColumnDecoder(int dim, InputFormat format, int maxValueBytes) {
        this(dim, format, maxValueBytes, DEFAULT_MAX_ID_BYTES, Double.MAX_VALUE);
    }

    /** The one constructor behind the public ones; textColumns is null for numeric input. */
    private ColumnDecoder(int dim, InputFormat format, int maxValueBytes, int maxIdBytes, double maxValue,
            TextColumns textColumns) {
        this.textColumns = textColumns;
        if (!(maxValue > 0) || maxValue == Double.POSITIVE_INFINITY) {
            throw new IllegalArgumentException("maxValue = " + maxValue
                    + ", expected a finite positive number (nmf.max.value)");
        }
        this.maxValue = maxValue;
        if (dim <= 0) {
            throw new IllegalArgumentException("dim = " + dim + ", expected a positive dimension (nmf.dimension)");
        }
        if (maxValueBytes <= 0) {
            throw new IllegalArgumentException("maxValueBytes = " + maxValueBytes
                    + ", expected a positive byte count (nmf.max.value.bytes)");
        }
        this.dim = dim;
        this.format = Objects.requireNonNull(format, "format");
        if (maxIdBytes <= 0) {
            throw new IllegalArgumentException("maxIdBytes = " + maxIdBytes
                    + ", expected a positive byte count (nmf.max.id.bytes)");
        }
        this.maxValueBytes = maxValueBytes;
        this.maxIdBytes = maxIdBytes;
    }

    /**
     * A decoder of text documents ({@code nmf.input.format=text}): JSON objects with an
     * {@code "id"} (or the record key), a {@code "text"} string, an optional {@code "title"}
     * string (its words are added to the text's) and an optional {@code "timestamp"}; other
     * fields are ignored. {@code columns} turns the words into a column of dimension m.
     *
     * @param dim m, the dimension of the columns {@code columns} makes
     * @param maxValueBytes larger values are rejected unread ({@code nmf.max.value.bytes}), ≥ 1
     * @param maxIdBytes longer item ids are rejected ({@code nmf.max.id.bytes}), ≥ 1
     * @param columns the vectoriser (one per decoder: it is not thread-safe)
     */
    public ColumnDecoder(int dim, int maxValueBytes, int maxIdBytes, TextColumns columns) {
        this(dim, InputFormat.TEXT, maxValueBytes, maxIdBytes, Double.MAX_VALUE, Objects.requireNonNull(columns,
                "columns"));
    }

    /**
     * A decoder for columns of one dimension whose values may be at most {@code maxValue}.
     *
     * @param dim the dimension m every column must have ({@code nmf.dimension}), ≥ 1
     * @param format how values are encoded ({@code nmf.input.format})
     * @param maxValueBytes larger values are rejected unread ({@code nmf.max.value.bytes}), ≥ 1
     * @param maxIdBytes longer item ids (UTF-8 bytes, key or JSON "id") are rejected ({@code nmf.max.id.bytes}), ≥ 1
     * @param maxValue the largest value accepted ({@code nmf.max.value}), finite and positive
     * @throws IllegalArgumentException if the format is TEXT (that takes a vectoriser), if dim, maxValueBytes,
     *     maxIdBytes or maxValue is not positive, or maxValue not finite
     */
    public ColumnDecoder(int dim, InputFormat format, int maxValueBytes, int maxIdBytes, double maxValue) {
        this(dim, format, maxValueBytes, maxIdBytes, maxValue, null);
        if (format == InputFormat.TEXT) {
            throw new IllegalArgumentException("format = TEXT needs the vectoriser: use ColumnDecoder(dim, "
                    + "maxValueBytes, maxIdBytes, columns)");
        }
    }

    /**
     * Decodes one record into a new {@link Decoded} whose column owns its arrays. Never throws for
     * bad input.
     *
     * @param key the record key (the item id as UTF-8), or null
     * @param value the record value, or null
     * @return the column, or the one reason it is not one
     */
    public Decoded decode(byte[] key, byte[] value) {
        DecodedItem item = new DecodedItem(dim);
        decode(key, value, item);
        return item.toDecoded();
    }

    /**
     * Decodes one record into a reusable item, replacing what it held. Never throws for bad
     * input. A valid item's column is a view over the item's own arrays and its id is the key
     * array itself when the key names the item: both are valid until the next decode into it.
     *
     * @param key the record key (the item id as UTF-8), or null
     * @param value the record value, or null
     * @param into the item to fill, of this decoder's dimension
     * @return whether the record is a valid item; if not, {@link DecodedItem#reason()} says why
     * @throws IllegalArgumentException if the item is of another dimension
     */
    public boolean decode(byte[] key, byte[] value, DecodedItem into) {
        if (into.dim() != dim) {
            throw new IllegalArgumentException("into: an item of dimension " + into.dim() + ", expected " + dim
                    + " (nmf.dimension)");
        }
        into.start();
        String reason = read(key, value, into);
        if (reason != null) {
            into.invalid(reason);
            return false;
        }
        into.valid();
        return true;
    }

    /** Reads one record into the item: null when it is a valid item, else the reason. */
    private String read(byte[] key, byte[] value, DecodedItem into) {
        if (value == null) {
            return "value: null (a tombstone), expected a column";
        }
        if (value.length > maxValueBytes) {
            return "value: " + value.length + " bytes, expected at most " + maxValueBytes + " (nmf.max.value.bytes)";
        }
        if (key != null && key.length > maxIdBytes) {
            return "key: " + key.length + " bytes, expected an item id of at most " + maxIdBytes
                    + " bytes of UTF-8 (nmf.max.id.bytes)";
        }
        if (key != null && !isUtf8(key)) {
            return "key: " + key.length + " bytes that are not UTF-8 (" + hex(key, 16) + "), expected a UTF-8 item id";
        }
        if (key != null) {
            int control = controlByte(key);
            if (control >= 0) {
                int c = key[control] == (byte) 0xC2 ? key[control + 1] & 0xFF : key[control] & 0xFF;
                return "key: the control character " + codePoint(c) + " at byte " + control
                        + ", expected an item id without control characters (U+0000-U+001F, U+007F-U+009F)";
            }
        }
        if (format == InputFormat.TEXT) {
            try {
                return text(key, value, into);
            } catch (IOException e) {
                return "value: cannot be read (" + e.getMessage() + ")";
            } catch (RuntimeException e) {
                return "value: cannot be read (" + e + ")";
            }
        }
        boolean binary = format == InputFormat.BINARY || format == InputFormat.AUTO && hasMagic(value);
        try {
            return binary ? binary(key, value, into) : json(key, value, into);
        } catch (RuntimeException e) {
            // a safety net: every problem this class knows of is reported above with a better reason
            return "value: cannot be read (" + e + ")";
        }
    }

    /**
     * Whether bytes are well-formed UTF-8 (Unicode's table 3-7: no overlong forms, no surrogates,
     * nothing above U+10FFFF), the same bytes Java's strict UTF-8 decoder accepts.
     */
    static boolean isUtf8(byte[] b) {
        int i = 0;
        int n = b.length;
        while (i < n) {
            int c = b[i] & 0xFF;
            if (c < 0x80) {
                i++;
                continue;
            }
            int more;
            int low = 0x80;
            int high = 0xBF;
            if (c >= 0xC2 && c <= 0xDF) {
                more = 1;
            } else if (c >= 0xE0 && c <= 0xEF) {
                more = 2;
                if (c == 0xE0) {
                    low = 0xA0;
                } else if (c == 0xED) {
                    high = 0x9F;
                }
            } else if (c >= 0xF0 && c <= 0xF4) {
                more = 3;
                if (c == 0xF0) {
                    low = 0x90;
                } else if (c == 0xF4) {
                    high = 0x8F;
                }
            } else {
                return false;
            }
            if (i + more >= n) { // the sequence is cut off
                return false;
            }
            int second = b[i + 1] & 0xFF;
            if (second < low || second > high) {
                return false;
            }
            for (int j = 2; j <= more; j++) {
                int cont = b[i + j] & 0xFF;
                if (cont < 0x80 || cont > 0xBF) {
                    return false;
                }
            }
            i += more + 1;
        }
        return true;
    }

    /**
     * The position of the first control character in well-formed UTF-8 (a C0 control, DEL, or a
     * C1 control: c2 80 … c2 9f), or −1.
     */
    static int controlByte(byte[] utf8) {
        for (int i = 0; i < utf8.length; i++) {
            int b = utf8[i] & 0xFF;
            if (b < 0x20 || b == 0x7F || b == 0xC2 && i + 1 < utf8.length && (utf8[i + 1] & 0xFF) <= 0x9F) {
                return i;
            }
        }
        return -1;
    }

    /** Whether a UTF-16 unit is a control character (C0, DEL, C1). */
    private static boolean isControl(char c) {
        return c < 0x20 || c >= 0x7F && c <= 0x9F;
    }

    /** U+XXXX. */
    private static String codePoint(int c) {
        return String.format(Locale.ROOT, "U+%04X", c);
    }

    /** Whether a value starts with the binary magic "NMFB". */
    public static boolean hasMagic(byte[] value) {
        return value.length >= MAGIC.length && value[0] == MAGIC[0] && value[1] == MAGIC[1] && value[2] == MAGIC[2]
                && value[3] == MAGIC[3];
    }

    private String binary(byte[] key, byte[] value, DecodedItem into) {
        if (key == null || key.length == 0) {
            return "key: " + (key == null ? "null" : "empty")
                    + ", expected the item id (binary values carry no id)";
        }
        if (value.length >= MAGIC.length && !hasMagic(value)) {
            return "magic = " + hex(Arrays.copyOf(value, MAGIC.length), MAGIC.length) + " (" + printable(value, MAGIC.length)
                    + "), expected 4e 4d 46 42 (\"NMFB\", the binary column format)"
                    + (value[0] == '{' ? "; this looks like JSON: set nmf.input.format to json or auto" : "");
        }
        if (value.length < HEADER_BYTES) {
            return "value: truncated binary column, " + value.length
                    + " bytes, expected at least the " + HEADER_BYTES + "-byte header";
        }
        int version = value[4] & 0xFF;
        if (version != VERSION) {
            return "version = " + version + ", expected " + VERSION;
        }
        int flags = value[5] & 0xFF;
        if ((flags & ~(FLAG_TIMESTAMP | FLAG_SPARSE)) != 0) {
            return "flags = " + flags + ", expected only bits 0 (timestamp) and 1 (sparse)";
        }
        int reserved = (short) SHORT.get(value, 6) & 0xFFFF;
        if (reserved != 0) {
            return "reserved = " + reserved + " (bytes 6-7), expected 0";
        }
        boolean hasTimestamp = (flags & FLAG_TIMESTAMP) != 0;
        boolean sparse = (flags & FLAG_SPARSE) != 0;
        int declaredDim = (int) INT.get(value, 8);
        int count = (int) INT.get(value, 12);
        if (declaredDim != dim) {
            return "dim = " + declaredDim + ", expected " + dim + " (nmf.dimension)";
        }
        if (count <= 0) {
            return "count = " + count + ", expected at least one value (an empty vector)";
        }
        if (!sparse && count != dim) {
            return "count = " + count + " for a dense column, expected dim = " + dim;
        }
        if (sparse && count > dim) {
            return "count = " + count + " nonzeros, expected at most dim = " + dim;
        }
        long expected = HEADER_BYTES + (hasTimestamp ? 8L : 0L) + (sparse ? 4L * count : 0L) + 4L * count;
        if (value.length < expected) {
            return "value: truncated binary column, " + value.length + " bytes, expected "
                    + expected + " " + parts(hasTimestamp, sparse, count);
        }
        if (value.length > expected) {
            return "value: " + (value.length - expected) + " trailing bytes, expected exactly "
                    + expected + " " + parts(hasTimestamp, sparse, count);
        }
        int at = HEADER_BYTES;
        long timestamp = -1;
        if (hasTimestamp) {
            timestamp = (long) LONG.get(value, at);
            at += 8;
            if (timestamp < 0) {
                return "timestamp = " + timestamp + ", expected epoch milliseconds ≥ 0";
            }
        }
        double[] values = into.valueArray();
        into.idFromKey(key);
        if (sparse) {
            int[] indices = into.indexArray();
            for (int j = 0; j < count; j++) {
                indices[j] = (int) INT.get(value, at + 4 * j);
            }
            at += 4 * count;
            for (int j = 0; j < count; j++) {
                values[j] = (float) FLOAT.get(value, at + 4 * j);
            }
            into.validSparse(count, timestamp);
            return check(into, true, -1, null);
        }
        for (int i = 0; i < count; i++) {
            values[i] = (float) FLOAT.get(value, at + 4 * i);
        }
        into.validDense(timestamp);
        return check(into, true, -1, null);
    }

    /** The binary layout's length as its parts, e.g. "(16 header + 8 timestamp + 4·3 values)". */
    private static String parts(boolean hasTimestamp, boolean sparse, int count) {
        return "(" + HEADER_BYTES + " header" + (hasTimestamp ? " + 8 timestamp" : "")
                + (sparse ? " + 4·" + count + " indices" : "") + " + 4·" + count + " values)";
    }

    private String json(byte[] key, byte[] value, DecodedItem into) {
        long timestamp = -1;
        int declaredDim = -1;
        double[] values = into.valueArray();
        int[] indices = into.indexArray();
        int capacity = values.length;
        int valueCount = -1; // -1: no "values" field
        int indexCount = -1; // -1: no "indices" field
        boolean seenId = false;
        boolean seenTimestamp = false;
        boolean seenDim = false;
        // the first value that is not a number in [0, maxValue], as written (text made only for a bad record)
        int badIndex = -1;
        String badText = null;
        try (JsonParser p = JSON.createParser(value)) {
            String start = jsonObjectStart(p, value, "a JSON object");
            if (start != null) {
                return start;
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
                        String reason = jsonId(p, v, into);
                        if (reason != null) {
                            return reason;
                        }
                    }
                    case "timestamp" -> {
                        if (seenTimestamp) {
                            return twice(field);
                        }
                        seenTimestamp = true;
                        String reason = jsonTimestamp(p, v);
                        if (reason != null) {
                            return reason;
                        }
                        if (v != JsonToken.VALUE_NULL) {
                            timestamp = p.getLongValue();
                        }
                    }
                    case "dim" -> {
                        if (seenDim) {
                            return twice(field);
                        }
                        seenDim = true;
                        if (v != JsonToken.VALUE_NUMBER_INT) {
                            return "dim: " + describe(v) + ", expected an integer (" + dim + ")"
                                    + found(p, v);
                        }
                        if (p.getNumberType() != JsonParser.NumberType.INT || p.getIntValue() < 0) {
                            return "dim = " + p.getText() + ", expected " + dim
                                    + " (nmf.dimension)";
                        }
                        declaredDim = p.getIntValue();
                    }
                    case "values" -> {
                        if (valueCount >= 0) {
                            return twice(field);
                        }
                        if (v != JsonToken.START_ARRAY) {
                            return "values: " + describe(v) + ", expected an array of numbers"
                                    + found(p, v);
                        }
                        int n = 0;
                        for (JsonToken e = p.nextToken(); e != JsonToken.END_ARRAY; e = p.nextToken()) {
                            if (e != JsonToken.VALUE_NUMBER_FLOAT && e != JsonToken.VALUE_NUMBER_INT) {
                                return "values[" + n + "]: " + describe(e) + ", expected a number"
                                        + found(p, e);
                            }
                            // beyond m + 1 values the record is invalid whatever they are: count them only
                            double x = p.getDoubleValue();
                            if (badIndex < 0 && !(x >= 0 && x <= maxValue)) {
                                badIndex = n;
                                badText = shorten(p.getText());
                            }
                            if (n < capacity) {
                                values[n] = x;
                            }
                            n++;
                        }
                        valueCount = n;
                    }
                    case "indices" -> {
                        if (indexCount >= 0) {
                            return twice(field);
                        }
                        if (v != JsonToken.START_ARRAY) {
                            return "indices: " + describe(v) + ", expected an array of integers"
                                    + found(p, v);
                        }
                        int n = 0;
                        for (JsonToken e = p.nextToken(); e != JsonToken.END_ARRAY; e = p.nextToken()) {
                            if (e != JsonToken.VALUE_NUMBER_INT) {
                                return "indices[" + n + "]: " + describe(e)
                                        + ", expected an integer index in [0, " + dim + ")" + found(p, e);
                            }
                            if (p.getNumberType() != JsonParser.NumberType.INT) {
                                return "indices[" + n + "] = " + p.getText()
                                        + ", expected an index in [0, " + dim + ")";
                            }
                            if (n < capacity) {
                                indices[n] = p.getIntValue();
                            }
                            n++;
                        }
                        indexCount = n;
                    }
                    default -> p.skipChildren(); // other fields are allowed and ignored
                }
            }
            JsonToken trailing;
            try {
                trailing = p.nextToken();
            } catch (JsonProcessingException e) {
                return "value: text after the JSON object at " + where(e)
                        + " (" + message(e).replace(", expected a JSON value", "") + "), expected nothing";
            }
            if (trailing != null) {
                return "value: " + describe(trailing) + " after the JSON object at line "
                        + p.currentTokenLocation().getLineNr() + ", column " + p.currentTokenLocation().getColumnNr()
                        + ", expected nothing";
            }
        } catch (JsonProcessingException e) {
            if (looksBinary(value)) {
                int n = Math.min(8, value.length);
                return "value: not JSON: starts with bytes " + hex(Arrays.copyOf(value, n), n) + " ("
                        + printable(value, n) + "), expected a JSON object" + (hasMagic(value)
                        ? "; this is the binary column format: set nmf.input.format to binary or auto"
                        : format == InputFormat.AUTO ? " or a binary column (magic \"NMFB\")" : "");
            }
            return "value: not JSON, at " + where(e) + ": " + message(e);
        } catch (IOException e) {
            return "value: cannot be read (" + e.getMessage() + ")";
        }
        String idReason = idAgainstKey(key, into);
        if (idReason != null) {
            return idReason;
        }
        if (valueCount < 0) {
            return "values: missing, expected an array of numbers";
        }
        if (indexCount < 0) {
            if (declaredDim >= 0 && declaredDim != dim) {
                return "dim = " + declaredDim + ", expected " + dim + " (nmf.dimension)";
            }
            if (valueCount == 0) {
                return "values: empty vector, expected " + dim + " numbers";
            }
            if (valueCount != dim) {
                return "values: " + valueCount + " numbers, expected " + dim
                        + " (nmf.dimension)" + (declaredDim >= 0 ? "; a sparse column also needs \"indices\"" : "");
            }
            into.validDense(timestamp);
            return check(into, false, badIndex, badText);
        }
        if (declaredDim < 0) {
            return "dim: missing, expected the dimension of a sparse column (" + dim + ")";
        }
        if (declaredDim != dim) {
            return "dim = " + declaredDim + ", expected " + dim + " (nmf.dimension)";
        }
        if (indexCount != valueCount) {
            return "indices has " + indexCount + " entries and values " + valueCount + ", expected the same count";
        }
        if (valueCount == 0) {
            return "values: empty vector, expected at least one nonzero entry";
        }
        // more than m entries cannot be strictly increasing in [0, m): the first m + 1 show the fault
        into.validSparse(Math.min(valueCount, capacity), timestamp);
        return check(into, false, badIndex, badText);
    }

    /**
     * Reads a text document ({@code nmf.input.format=text}) and vectorises it: null when it is a
     * valid item, else the reason. The title's and text's characters go to the vectoriser as
     * the parser holds them.
     */
    private String text(byte[] key, byte[] value, DecodedItem into) throws IOException {
        long timestamp = -1;
        boolean seenId = false;
        boolean seenTimestamp = false;
        boolean seenTitle = false;
        int textChars = -1; // -1: no "text" field
        boolean blank = true;
        textColumns.start();
        try (JsonParser p = JSON.createParser(value)) {
            String start = jsonObjectStart(p, value, "a JSON document {\"id\", \"text\"}");
            if (start != null) {
                return start;
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
                        String reason = jsonId(p, v, into);
                        if (reason != null) {
                            return reason;
                        }
                    }
                    case "text", "title" -> {
                        boolean isText = field.equals("text");
                        if (isText ? textChars >= 0 : seenTitle) {
                            return twice(field);
                        }
                        if (!isText) {
                            seenTitle = true;
                            if (v == JsonToken.VALUE_NULL) {
                                break; // no title
                            }
                        }
                        if (v != JsonToken.VALUE_STRING) {
                            return field + ": " + describe(v) + ", expected a string" + found(p, v);
                        }
                        char[] chars = p.getTextCharacters();
                        int offset = p.getTextOffset();
                        int length = p.getTextLength();
                        if (isText) {
                            textChars = length;
                            blank = isBlank(chars, offset, length);
                        }
                        textColumns.add(chars, offset, length);
                    }
                    case "timestamp" -> {
                        if (seenTimestamp) {
                            return twice(field);
                        }
                        seenTimestamp = true;
                        String reason = jsonTimestamp(p, v);
                        if (reason != null) {
                            return reason;
                        }
                        if (v != JsonToken.VALUE_NULL) {
                            timestamp = p.getLongValue();
                        }
                    }
                    default -> p.skipChildren(); // other fields are kept out of the vector
                }
            }
            JsonToken trailing;
            try {
                trailing = p.nextToken();
            } catch (JsonProcessingException e) {
                return "value: text after the JSON object at " + where(e) + ", expected nothing";
            }
            if (trailing != null) {
                return "value: " + describe(trailing) + " after the JSON object, expected nothing";
            }
        } catch (JsonProcessingException e) {
            if (looksBinary(value)) {
                int n = Math.min(8, value.length);
                return "value: not JSON: starts with bytes " + hex(Arrays.copyOf(value, n), n) + " ("
                        + printable(value, n) + "), expected a JSON document {\"id\", \"text\"} (nmf.input.format = text)";
            }
            return "value: not JSON, at " + where(e) + ": " + message(e);
        }
        String idReason = idAgainstKey(key, into);
        if (idReason != null) {
            return idReason;
        }
        if (textChars < 0) {
            return "text: missing, expected the document's text as a string (nmf.input.format = text)";
        }
        if (blank) {
            return "text: empty" + (textChars > 0 ? " (" + textChars + " chars of white space)" : "")
                    + ", expected a document with words";
        }
        int[] indices = into.indexArray();
        double[] values = into.valueArray();
        int nnz = textColumns.finish(indices, values);
        if (nnz == 0) {
            return "text: no words after analysis (" + textChars + " chars: only stop words, numbers, one-letter"
                    + " words or punctuation), expected at least one word";
        }
        into.validSparse(nnz, timestamp);
        return check(into, false, -1, null);
    }

    private static boolean isBlank(char[] chars, int offset, int length) {
        for (int i = 0; i < length; i++) {
            if (!Character.isWhitespace(chars[offset + i])) {
                return false;
            }
        }
        return true;
    }

    /** Reads the value's first token: null when it opens an object, else the reason (expecting {@code what}). */
    private static String jsonObjectStart(JsonParser p, byte[] value, String what) throws IOException {
        JsonToken first = p.nextToken();
        if (first == null) {
            return "value: empty (" + value.length + " bytes"
                    + (value.length > 0 ? " of white space" : "") + "), expected " + what;
        }
        if (first != JsonToken.START_OBJECT) {
            return "value: " + describe(first) + ", expected " + what + found(p, first);
        }
        return null;
    }

    /** Reads a JSON "id" value into the item: null, or the reason it is not an id. */
    private String jsonId(JsonParser p, JsonToken v, DecodedItem into) throws IOException {
        if (v == JsonToken.VALUE_NULL) {
            return null; // absent: the record key is the id
        }
        if (v != JsonToken.VALUE_STRING) {
            return "id: " + describe(v) + ", expected a string" + found(p, v);
        }
        int length = p.getTextLength();
        if (length == 0) {
            return "id = \"\", expected a nonempty item id";
        }
        if (length > maxIdBytes) { // every char is at least one byte of UTF-8
            return "id: " + length + " chars, expected an item id of at most " + maxIdBytes
                    + " bytes of UTF-8 (nmf.max.id.bytes)";
        }
        char[] text = p.getTextCharacters();
        int offset = p.getTextOffset();
        for (int i = 0; i < length; i++) {
            if (isControl(text[offset + i])) {
                return "id: char " + i + " is the control character " + codePoint(text[offset + i])
                        + ", expected an item id without control characters (U+0000-U+001F, U+007F-U+009F)";
            }
        }
        int lone = into.idFromChars(text, offset, length);
        if (lone >= 0) {
            int c = text[offset + lone];
            return "id: char " + lone + " is a lone surrogate \\u" + Integer.toHexString(c).toUpperCase(Locale.ROOT)
                    + ", expected Unicode text (the id becomes a UTF-8 record key)";
        }
        if (into.idLengthSoFar() > maxIdBytes) {
            return "id: " + into.idLengthSoFar() + " bytes of UTF-8, expected at most " + maxIdBytes
                    + " (nmf.max.id.bytes)";
        }
        return null;
    }

    /**
     * Checks a JSON "timestamp" value: null when it is null (absent) or epoch milliseconds that
     * {@link JsonParser#getLongValue()} then reads, else the reason.
     */
    private static String jsonTimestamp(JsonParser p, JsonToken v) throws IOException {
        if (v == JsonToken.VALUE_NULL) {
            return null;
        }
        if (v != JsonToken.VALUE_NUMBER_INT) {
            return "timestamp: " + describe(v) + ", expected an integer (epoch milliseconds)" + found(p, v);
        }
        if (p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
            return "timestamp = " + p.getText() + ", expected epoch milliseconds ≥ 0 (a 64-bit integer)";
        }
        long timestamp = p.getLongValue();
        if (timestamp < 0) {
            return "timestamp = " + timestamp + ", expected epoch milliseconds ≥ 0";
        }
        return null;
    }

    /** The id against the record key: null when they agree (the key then serves as the id), else the reason. */
    private static String idAgainstKey(byte[] key, DecodedItem into) {
        if (key != null && into.hasId()
                && !Arrays.equals(key, 0, key.length, into.idSoFar(), 0, into.idLengthSoFar())) {
            String id = new String(into.idSoFar(), 0, into.idLengthSoFar(), StandardCharsets.UTF_8);
            return "id = " + quote(id) + " but the record key is " + quote(new String(key, StandardCharsets.UTF_8))
                    + ", expected them equal (or no id)";
        }
        if (!into.hasId() && key == null) {
            return "id: missing and the record key is null, expected an \"id\" field or a key";
        }
        if (!into.hasId() && key.length == 0) {
            return "key: empty and no \"id\" field, expected a nonempty item id";
        }
        if (key != null) {
            into.idFromKey(key); // the same bytes as the id: the key array serves as the id, uncopied
        }
        return null;
    }

    /**
     * Runs the column's own checks (finite, nonnegative, indices in range and strictly increasing)
     * and then the range {@code nmf.max.value}: null or the reason. A value is quoted as it was
     * sent: a float32 of the binary layout as a float, a JSON number as its literal
     * ({@code badText}, the first value at {@code badIndex} outside [0, maxValue]).
     */
    private String check(DecodedItem item, boolean float32, int badIndex, String badText) {
        Column column = item.columnSoFar();
        try {
            column.validate();
        } catch (IllegalArgumentException e) {
            String reason = e.getMessage();
            String prefix = "values[" + badIndex + "] = ";
            if (badText != null && reason.startsWith(prefix)) {
                int end = reason.indexOf(", expected", prefix.length());
                return prefix + badText + reason.substring(end);
            }
            return reason;
        }
        double[] values;
        int from;
        int n;
        if (column instanceof DenseColumn dense) {
            values = dense.data();
            from = dense.offset();
            n = dense.dim();
        } else {
            SparseColumn sparse = (SparseColumn) column;
            values = sparse.values();
            from = sparse.offset();
            n = sparse.nnz();
        }
        for (int j = 0; j < n; j++) {
            double x = values[from + j];
            if (x > maxValue) {
                String text = j == badIndex ? badText : float32 ? Float.toString((float) x) : Double.toString(x);
                return "values[" + j + "] = " + text + ", expected at most " + maxValue + " (nmf.max.value)";
            }
        }
        return null;
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

    private static String twice(String field) {
        return field + ": appears twice, expected once";
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

    /** The first QUOTE_CHARS chars (not cutting a surrogate pair in two), and the length when longer. */
    private static String shorten(String s) {
        if (s.length() <= QUOTE_CHARS) {
            return s;
        }
        int end = Character.isHighSurrogate(s.charAt(QUOTE_CHARS - 1)) ? QUOTE_CHARS - 1 : QUOTE_CHARS;
        return s.substring(0, end) + "… (" + s.length() + " chars)";
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
