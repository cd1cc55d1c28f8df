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
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Decodes input records into columns, never throwing for bad input: every problem becomes one
 * {@link Decoded.Invalid} whose reason names the field, the value and what was expected.
 *
 * <p>JSON is read with Jackson's streaming parser straight into {@code double[]}/{@code int[]};
 * NaN and Infinity tokens are accepted by the parser so that the reason can name them. The
 * binary layout is documented in {@code schemas/binary-column-format.md}. Not thread-safe
 * (reuses its number buffers); one decoder per stream task.
 */
public final class ColumnDecoder {

    /** The binary layout's magic, "NMFB". */
    public static final byte[] MAGIC = {'N', 'M', 'F', 'B'};
    /** The binary layout's version. */
    public static final int VERSION = 1;

    private static final JsonFactory JSON = JsonFactory.builder()
            .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            .build();

    private final int dim;
    private final InputFormat format;
    private final int maxValueBytes;
    private double[] numbers = new double[64];
    private int[] ints = new int[64];

    /**
     * @param dim the dimension every column must have
     * @param format how values are encoded
     * @param maxValueBytes larger values are rejected unread
     */
    public ColumnDecoder(int dim, InputFormat format, int maxValueBytes) {
        if (dim <= 0 || maxValueBytes <= 0) {
            throw new IllegalArgumentException("dimension " + dim + " and maxValueBytes " + maxValueBytes
                    + ", expected both positive");
        }
        this.dim = dim;
        this.format = format;
        this.maxValueBytes = maxValueBytes;
    }

    /** Decodes one record. */
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
                keyText = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                        .decode(ByteBuffer.wrap(key)).toString();
            } catch (CharacterCodingException e) {
                return new Decoded.Invalid("key: " + key.length + " bytes that are not UTF-8, expected a UTF-8 item id");
            }
        }
        boolean binary = format == InputFormat.BINARY
                || format == InputFormat.AUTO && value.length >= 4 && value[0] == 'N' && value[1] == 'M'
                        && value[2] == 'F' && value[3] == 'B';
        try {
            return binary ? binary(keyText, value) : json(keyText, value);
        } catch (RuntimeException e) {
            return new Decoded.Invalid("value: cannot be read (" + e + ")");
        }
    }

    private Decoded binary(String key, byte[] value) {
        if (key == null || key.isEmpty()) {
            return new Decoded.Invalid("key: " + (key == null ? "null" : "empty")
                    + ", expected the item id (binary values carry no id)");
        }
        if (value.length < 16) {
            return new Decoded.Invalid("value: truncated binary column, " + value.length
                    + " bytes, expected at least the 16-byte header");
        }
        ByteBuffer b = ByteBuffer.wrap(value).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < 4; i++) {
            if (value[i] != MAGIC[i]) {
                return new Decoded.Invalid("value: magic " + Arrays.toString(Arrays.copyOf(value, 4))
                        + ", expected \"NMFB\" (binary column format)");
            }
        }
        int version = value[4] & 0xFF;
        if (version != VERSION) {
            return new Decoded.Invalid("version = " + version + ", expected " + VERSION);
        }
        int flags = value[5] & 0xFF;
        if ((flags & ~3) != 0) {
            return new Decoded.Invalid("flags = " + flags + ", expected only bits 0 (timestamp) and 1 (sparse)");
        }
        boolean hasTimestamp = (flags & 1) != 0;
        boolean sparse = (flags & 2) != 0;
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
        long expected = 16L + (hasTimestamp ? 8 : 0) + (sparse ? 4L * count : 0) + 4L * count;
        if (value.length < expected) {
            return new Decoded.Invalid("value: truncated binary column, " + value.length + " bytes, expected "
                    + expected);
        }
        if (value.length > expected) {
            return new Decoded.Invalid("value: " + (value.length - expected) + " trailing bytes after the "
                    + expected + " of the column");
        }
        int at = 16;
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
            int[] idx = new int[count];
            for (int j = 0; j < count; j++) {
                idx[j] = b.getInt(at + 4 * j);
            }
            at += 4 * count;
            for (int j = 0; j < count; j++) {
                values[j] = b.getFloat(at + 4 * j);
            }
            return check(key, SparseColumn.of(dim, idx, values), timestamp);
        }
        for (int j = 0; j < count; j++) {
            values[j] = b.getFloat(at + 4 * j);
        }
        return check(key, DenseColumn.of(values), timestamp);
    }

    private Decoded json(String key, byte[] value) {
        String id = null;
        long timestamp = -1;
        int declaredDim = -1;
        double[] values = null;
        int[] indices = null;
        try (JsonParser p = JSON.createParser(value)) {
            JsonToken first = p.nextToken();
            if (first != JsonToken.START_OBJECT) {
                return new Decoded.Invalid("value: " + describe(first) + ", expected a JSON object");
            }
            while (true) {
                JsonToken t = p.nextToken();
                if (t == JsonToken.END_OBJECT) {
                    break;
                }
                String field = p.currentName();
                JsonToken v = p.nextToken();
                switch (field) {
                    case "id" -> {
                        if (v != JsonToken.VALUE_STRING) {
                            return new Decoded.Invalid("id: " + describe(v) + ", expected a string");
                        }
                        id = p.getText();
                    }
                    case "timestamp" -> {
                        if (v != JsonToken.VALUE_NUMBER_INT) {
                            return new Decoded.Invalid("timestamp: " + describe(v) + ", expected epoch milliseconds");
                        }
                        timestamp = p.getLongValue();
                        if (timestamp < 0) {
                            return new Decoded.Invalid("timestamp = " + timestamp + ", expected epoch milliseconds ≥ 0");
                        }
                    }
                    case "dim" -> {
                        if (v != JsonToken.VALUE_NUMBER_INT) {
                            return new Decoded.Invalid("dim: " + describe(v) + ", expected an integer");
                        }
                        declaredDim = p.getIntValue();
                    }
                    case "values" -> {
                        if (v != JsonToken.START_ARRAY) {
                            return new Decoded.Invalid("values: " + describe(v) + ", expected an array of numbers");
                        }
                        int n = 0;
                        for (JsonToken e = p.nextToken(); e != JsonToken.END_ARRAY; e = p.nextToken()) {
                            if (e != JsonToken.VALUE_NUMBER_FLOAT && e != JsonToken.VALUE_NUMBER_INT) {
                                return new Decoded.Invalid("values[" + n + "]: " + describe(e) + ", expected a number");
                            }
                            if (n == numbers.length) {
                                numbers = Arrays.copyOf(numbers, 2 * n);
                            }
                            numbers[n++] = p.getDoubleValue();
                        }
                        values = Arrays.copyOf(numbers, n);
                    }
                    case "indices" -> {
                        if (v != JsonToken.START_ARRAY) {
                            return new Decoded.Invalid("indices: " + describe(v) + ", expected an array of integers");
                        }
                        int n = 0;
                        for (JsonToken e = p.nextToken(); e != JsonToken.END_ARRAY; e = p.nextToken()) {
                            if (e != JsonToken.VALUE_NUMBER_INT) {
                                return new Decoded.Invalid("indices[" + n + "]: " + describe(e) + ", expected an integer");
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
                return new Decoded.Invalid("value: text after the JSON object (" + e.getOriginalMessage()
                        + "), expected nothing");
            }
            if (trailing != null) {
                return new Decoded.Invalid("value: " + describe(trailing) + " after the JSON object, expected nothing");
            }
        } catch (JsonProcessingException e) {
            return new Decoded.Invalid("value: not JSON (" + e.getOriginalMessage() + " at line "
                    + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")");
        } catch (IOException e) {
            return new Decoded.Invalid("value: cannot be read (" + e.getMessage() + ")");
        }
        if (key != null && id != null && !key.equals(id)) {
            return new Decoded.Invalid("id = \"" + id + "\" but the record key is \"" + key + "\", expected them equal");
        }
        String itemId = id != null ? id : key;
        if (itemId == null || itemId.isEmpty()) {
            return new Decoded.Invalid("id: missing, expected an \"id\" field or a record key");
        }
        if (values == null) {
            return new Decoded.Invalid("values: missing, expected an array of numbers");
        }
        if (values.length == 0) {
            return new Decoded.Invalid("values: empty vector, expected at least one value");
        }
        if (indices == null) {
            if (declaredDim >= 0 && declaredDim != dim) {
                return new Decoded.Invalid("dim = " + declaredDim + ", expected " + dim + " (nmf.dimension)");
            }
            if (values.length != dim) {
                return new Decoded.Invalid("values: " + values.length + " numbers, expected " + dim
                        + " (nmf.dimension)");
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
        return check(itemId, SparseColumn.of(dim, indices, values), timestamp);
    }

    /** Runs the column's own checks (nonnegative, finite, indices in range and increasing). */
    private static Decoded check(String id, Column column, long timestamp) {
        try {
            column.validate();
        } catch (IllegalArgumentException e) {
            return new Decoded.Invalid(e.getMessage());
        }
        return new Decoded.Valid(id, column, timestamp);
    }

    private static String describe(JsonToken token) {
        if (token == null) {
            return "end of input";
        }
        return switch (token) {
            case START_OBJECT -> "an object";
            case START_ARRAY -> "an array";
            case VALUE_STRING -> "a string";
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "a number";
            case VALUE_TRUE, VALUE_FALSE -> "a boolean";
            case VALUE_NULL -> "null";
            default -> token.toString();
        };
    }
}
