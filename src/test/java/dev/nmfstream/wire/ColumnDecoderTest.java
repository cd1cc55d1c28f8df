package dev.nmfstream.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.nmfstream.nmf.DenseColumn;
import dev.nmfstream.nmf.SparseColumn;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every kind of bad input gives its one exact reason; good input decodes. Dimension 4 throughout. */
class ColumnDecoderTest {

    private static final int DIM = 4;
    private static final int MAX_BYTES = 200;

    private final ColumnDecoder auto = new ColumnDecoder(DIM, InputFormat.AUTO, MAX_BYTES);
    private final ColumnDecoder json = new ColumnDecoder(DIM, InputFormat.JSON, MAX_BYTES);
    private final ColumnDecoder binary = new ColumnDecoder(DIM, InputFormat.BINARY, MAX_BYTES);

    private static byte[] utf8(String s) {
        return s == null ? null : s.getBytes(StandardCharsets.UTF_8);
    }

    private static String reason(ColumnDecoder decoder, byte[] key, byte[] value) {
        Decoded d = decoder.decode(key, value);
        return assertInstanceOf(Decoded.Invalid.class, d, () -> "expected a rejection, got " + d).reason();
    }

    private static Decoded.Valid valid(ColumnDecoder decoder, byte[] key, byte[] value) {
        Decoded d = decoder.decode(key, value);
        return assertInstanceOf(Decoded.Valid.class, d, () -> "expected a column, got " + d);
    }

    /** Value (with the record key "k") and its exact reason. */
    static Stream<Arguments> badJson() {
        return Stream.of(
                // not JSON, and where
                Arguments.of("{\"id\":\"k\",\"values\":[1,2;3,4]}",
                        "value: not JSON, at line 1, column 24: Unexpected character (';' (code 59)): "
                                + "was expecting comma to separate Array entries"),
                Arguments.of("{\"id\":\"k\",\"values\":[1,2,3,4]",
                        "value: not JSON, at line 1, column 29: Unexpected end-of-input: expected close marker "
                                + "for Object (start marker at line 1, column 1)"),
                Arguments.of("id=k values=1,2,3,4",
                        "value: not JSON, at line 1, column 1: Unrecognized token 'id', expected a JSON value"),
                Arguments.of("{'id':'k'}", "value: not JSON, at line 1, column 2: Unexpected character (''' (code 39)): "
                        + "was expecting double-quote to start field name"),
                Arguments.of("", "value: empty (0 bytes), expected a JSON object"),
                Arguments.of("  \n", "value: empty (3 bytes of white space), expected a JSON object"),
                // not an object
                Arguments.of("[1,2,3,4]", "value: an array, expected a JSON object"),
                Arguments.of("\"k\"", "value: a string, expected a JSON object, found \"k\""),
                Arguments.of("42", "value: an integer, expected a JSON object, found 42"),
                Arguments.of("null", "value: null, expected a JSON object"),
                // wrong type of a field
                Arguments.of("{\"id\":\"k\",\"values\":\"1,2,3,4\"}",
                        "values: a string, expected an array of numbers, found \"1,2,3,4\""),
                Arguments.of("{\"id\":\"k\",\"values\":{\"0\":1}}", "values: an object, expected an array of numbers"),
                Arguments.of("{\"id\":7,\"values\":[1,2,3,4]}", "id: an integer, expected a string, found 7"),
                Arguments.of("{\"id\":\"k\",\"values\":[1,\"2\",3,4]}",
                        "values[1]: a string, expected a number, found \"2\""),
                Arguments.of("{\"id\":\"k\",\"values\":[1,2,[3],4]}", "values[2]: an array, expected a number"),
                Arguments.of("{\"id\":\"k\",\"values\":[1,2,3,null]}", "values[3]: null, expected a number"),
                Arguments.of("{\"id\":\"k\",\"values\":[true,2,3,4]}", "values[0]: a boolean, expected a number, found true"),
                Arguments.of("{\"values\":[1,2,3,4],\"timestamp\":\"2025-11-23T12:00:00Z\"}",
                        "timestamp: a string, expected an integer (epoch milliseconds), found \"2025-11-23T12:00:00Z\""),
                Arguments.of("{\"values\":[1,2,3,4],\"timestamp\":1.7639e12}",
                        "timestamp: a number, expected an integer (epoch milliseconds), found 1.7639e12"),
                Arguments.of("{\"dim\":\"4\",\"indices\":[1],\"values\":[1]}",
                        "dim: a string, expected an integer (4), found \"4\""),
                Arguments.of("{\"dim\":4,\"indices\":[1.5],\"values\":[1]}",
                        "indices[0]: a number, expected an integer index in [0, 4), found 1.5"),
                Arguments.of("{\"dim\":4,\"indices\":\"1\",\"values\":[1]}",
                        "indices: a string, expected an array of integers, found \"1\""),
                // missing field
                Arguments.of("{\"id\":\"k\"}", "values: missing, expected an array of numbers"),
                Arguments.of("{\"id\":\"k\",\"dim\":4,\"indices\":[1]}", "values: missing, expected an array of numbers"),
                Arguments.of("{\"indices\":[1],\"values\":[1]}",
                        "dim: missing, expected the dimension of a sparse column (4)"),
                // wrong dimension
                Arguments.of("{\"values\":[1,2,3]}", "values: 3 numbers, expected 4 (nmf.dimension)"),
                Arguments.of("{\"values\":[1,2,3,4,5]}", "values: 5 numbers, expected 4 (nmf.dimension)"),
                Arguments.of("{\"dim\":5,\"values\":[1,2,3,4,5]}", "dim = 5, expected 4 (nmf.dimension)"),
                Arguments.of("{\"dim\":4,\"values\":[1,2]}",
                        "values: 2 numbers, expected 4 (nmf.dimension); a sparse column also needs \"indices\""),
                Arguments.of("{\"dim\":12000,\"indices\":[1],\"values\":[1]}", "dim = 12000, expected 4 (nmf.dimension)"),
                Arguments.of("{\"dim\":30000000000,\"indices\":[1],\"values\":[1]}",
                        "dim = 30000000000, expected 4 (nmf.dimension)"),
                Arguments.of("{\"dim\":-4,\"indices\":[1],\"values\":[1]}", "dim = -4, expected 4 (nmf.dimension)"),
                // negative, NaN, infinite
                Arguments.of("{\"values\":[1,2,3,-0.5]}", "values[3] = -0.5, expected a finite nonnegative number"),
                Arguments.of("{\"values\":[1,NaN,3,4]}", "values[1] = NaN, expected a finite nonnegative number"),
                Arguments.of("{\"values\":[1,2,Infinity,4]}", "values[2] = Infinity, expected a finite nonnegative number"),
                Arguments.of("{\"values\":[-Infinity,2,3,4]}",
                        "values[0] = -Infinity, expected a finite nonnegative number"),
                // the literal as sent, not the double it overflows to
                Arguments.of("{\"values\":[1e400,2,3,4]}", "values[0] = 1e400, expected a finite nonnegative number"),
                Arguments.of("{\"values\":[1,2,3,1e309]}", "values[3] = 1e309, expected a finite nonnegative number"),
                Arguments.of("{\"values\":[1,-1.5E+999,3,4]}",
                        "values[1] = -1.5E+999, expected a finite nonnegative number"),
                Arguments.of("{\"values\":[1,2,3," + "9".repeat(100) + "e300]}", "values[3] = " + "9".repeat(40)
                        + "… (104 chars), expected a finite nonnegative number"),
                Arguments.of("{\"dim\":4,\"indices\":[0,3],\"values\":[1,-2]}",
                        "values[1] = -2, expected a finite nonnegative number"),
                // empty vector
                Arguments.of("{\"values\":[]}", "values: empty vector, expected 4 numbers"),
                Arguments.of("{\"dim\":4,\"indices\":[],\"values\":[]}",
                        "values: empty vector, expected at least one nonzero entry"),
                // sparse indices
                Arguments.of("{\"dim\":4,\"indices\":[1,4],\"values\":[1,2]}", "indices[1] = 4, expected an index in [0, 4)"),
                Arguments.of("{\"dim\":4,\"indices\":[-1],\"values\":[1]}", "indices[0] = -1, expected an index in [0, 4)"),
                Arguments.of("{\"dim\":4,\"indices\":[30000000000],\"values\":[1]}",
                        "indices[0] = 30000000000, expected an index in [0, 4)"),
                Arguments.of("{\"dim\":4,\"indices\":[1,1],\"values\":[1,2]}",
                        "indices[1] = 1 is repeated, expected strictly increasing indices"),
                Arguments.of("{\"dim\":4,\"indices\":[2,1],\"values\":[1,2]}",
                        "indices[1] = 1 is smaller than the one before it (2), expected strictly increasing indices"),
                Arguments.of("{\"dim\":4,\"indices\":[1,2],\"values\":[1]}",
                        "indices has 2 entries and values 1, expected the same count"),
                // id and timestamp
                Arguments.of("{\"id\":\"j\",\"values\":[1,2,3,4]}",
                        "id = \"j\" but the record key is \"k\", expected them equal (or no id)"),
                Arguments.of("{\"id\":\"\",\"values\":[1,2,3,4]}", "id = \"\", expected a nonempty item id"),
                Arguments.of("{\"values\":[1,2,3,4],\"timestamp\":-5}", "timestamp = -5, expected epoch milliseconds ≥ 0"),
                Arguments.of("{\"values\":[1,2,3,4],\"timestamp\":99999999999999999999}",
                        "timestamp = 99999999999999999999, expected epoch milliseconds ≥ 0 (a 64-bit integer)"),
                // a field twice
                Arguments.of("{\"values\":[1,2,3,4],\"values\":[1,2,3,4]}", "values: appears twice, expected once"),
                Arguments.of("{\"id\":\"k\",\"id\":\"k\",\"values\":[1,2,3,4]}", "id: appears twice, expected once"),
                // trailing garbage
                Arguments.of("{\"values\":[1,2,3,4]} x",
                        "value: text after the JSON object at line 1, column 22 (Unrecognized token 'x'), expected nothing"),
                Arguments.of("{\"values\":[1,2,3,4]}{\"values\":[1,2,3,4]}",
                        "value: an object after the JSON object at line 1, column 21, expected nothing"),
                Arguments.of("{\"values\":[1,2,3,4]}\n7", "value: an integer after the JSON object at line 2, column 1, "
                        + "expected nothing"));
    }

    @ParameterizedTest
    @MethodSource("badJson")
    void everyJsonRejectionHasItsReason(String value, String expected) {
        assertEquals(expected, reason(auto, utf8("k"), utf8(value)));
        assertEquals(expected, reason(json, utf8("k"), utf8(value)), "the same with nmf.input.format=json");
    }

    @Test
    void keysAndIds() {
        String dense = "{\"values\":[1,2,3,4]}";
        assertEquals("id: missing and the record key is null, expected an \"id\" field or a key",
                reason(auto, null, utf8(dense)));
        assertEquals("id: missing and the record key is null, expected an \"id\" field or a key",
                reason(auto, null, utf8("{\"id\":null,\"values\":[1,2,3,4]}")));
        assertEquals("key: empty and no \"id\" field, expected a nonempty item id", reason(auto, new byte[0], utf8(dense)));
        assertEquals("key: 2 bytes that are not UTF-8 (ff fe), expected a UTF-8 item id",
                reason(auto, new byte[] {(byte) 0xff, (byte) 0xfe}, utf8(dense)));
        String longId = "x".repeat(100);
        assertEquals("id = \"" + "x".repeat(40) + "… (100 chars)\" but the record key is \"k\", expected them equal (or no id)",
                reason(auto, utf8("k"), ColumnEncoder.json(longId, DenseColumn.of(1, 2, 3, 4), -1)));
        assertEquals("id = \"a\\\"b\" but the record key is \"k\", expected them equal (or no id)",
                reason(auto, utf8("k"), ColumnEncoder.json("a\"b", DenseColumn.of(1, 2, 3, 4), -1)));

        assertEquals("k", valid(auto, utf8("k"), utf8(dense)).id(), "the key names the item when the JSON has no id");
        assertEquals("j", valid(auto, null, utf8("{\"id\":\"j\",\"values\":[1,2,3,4]}")).id(), "the id when there is no key");
        assertEquals("k", valid(auto, utf8("k"), utf8("{\"id\":\"k\",\"values\":[1,2,3,4]}")).id());
        assertEquals("k", valid(auto, utf8("k"), utf8("{\"id\":null,\"values\":[1,2,3,4]}")).id());
        assertEquals("é✓", valid(auto, utf8("é✓"), utf8("{\"id\":\"\\u00e9✓\",\"values\":[1,2,3,4]}")).id());
    }

    /**
     * An id (the key, or the JSON "id") has at most nmf.max.id.bytes bytes of UTF-8 and no control
     * characters; a null key is accepted when the JSON carries the id, and rejected otherwise.
     */
    @Test
    void idsAreBoundedAndFreeOfControlCharacters() {
        ColumnDecoder short8 = new ColumnDecoder(DIM, InputFormat.AUTO, MAX_BYTES, 8, Double.MAX_VALUE);
        String dense = "{\"values\":[1,2,3,4]}";
        byte[] binaryValue = ColumnEncoder.binary(DenseColumn.of(1, 2, 3, 4), -1);
        assertEquals("12345678", valid(short8, utf8("12345678"), utf8(dense)).id());
        assertEquals("12345678", valid(short8, null, utf8("{\"id\":\"12345678\",\"values\":[1,2,3,4]}")).id());
        assertEquals("key: 9 bytes, expected an item id of at most 8 bytes of UTF-8 (nmf.max.id.bytes)",
                reason(short8, utf8("123456789"), utf8(dense)));
        assertEquals("key: 9 bytes, expected an item id of at most 8 bytes of UTF-8 (nmf.max.id.bytes)",
                reason(short8, utf8("123456789"), binaryValue));
        assertEquals("id: 9 chars, expected an item id of at most 8 bytes of UTF-8 (nmf.max.id.bytes)",
                reason(short8, null, utf8("{\"id\":\"123456789\",\"values\":[1,2,3,4]}")));
        assertEquals("id: 9 bytes of UTF-8, expected at most 8 (nmf.max.id.bytes)",
                reason(short8, null, utf8("{\"id\":\"ééé✓\",\"values\":[1,2,3,4]}")), "4 chars, 9 bytes");
        // the default: 256 bytes
        assertEquals("x".repeat(256), valid(auto, utf8("x".repeat(256)), utf8(dense)).id());
        assertEquals("key: 100000 bytes, expected an item id of at most 256 bytes of UTF-8 (nmf.max.id.bytes)",
                reason(auto, utf8("x".repeat(100_000)), utf8(dense)));
        assertEquals("id: 100000 chars, expected an item id of at most 256 bytes of UTF-8 (nmf.max.id.bytes)",
                reason(new ColumnDecoder(DIM, InputFormat.JSON, 1 << 20), null, ColumnEncoder.json("x".repeat(100_000), DenseColumn.of(1, 2, 3, 4), -1)));

        String noControls = ", expected an item id without control characters (U+0000-U+001F, U+007F-U+009F)";
        assertEquals("key: the control character U+001B at byte 1" + noControls,
                reason(auto, utf8("a\u001b]0;pwned\u0007"), utf8(dense)));
        assertEquals("key: the control character U+001B at byte 1" + noControls,
                reason(binary, utf8("a\u001b[31m"), binaryValue));
        assertEquals("key: the control character U+007F at byte 0" + noControls, reason(auto, utf8("\u007f"), utf8(dense)));
        assertEquals("key: the control character U+009B at byte 2" + noControls,
                reason(auto, utf8("é\u009b2J"), utf8(dense)), "C1 CSI, after a 2-byte character");
        assertEquals("key: the control character U+0000 at byte 0" + noControls, reason(auto, new byte[] {0}, utf8(dense)));
        assertEquals("id: char 1 is the control character U+001B" + noControls,
                reason(auto, null, utf8("{\"id\":\"a\\u001b[2J\",\"values\":[1,2,3,4]}")));
        assertEquals("id: char 0 is the control character U+0085" + noControls,
                reason(auto, null, utf8("{\"id\":\"\\u0085\",\"values\":[1,2,3,4]}")));
        assertEquals("é\u00a0✓", valid(auto, utf8("é\u00a0✓"), utf8(dense)).id(), "U+00A0 (c2 a0) is not a control");

        // a null key: the JSON's id names the item; without one (or in binary) it is rejected
        assertEquals("j", valid(auto, null, utf8("{\"id\":\"j\",\"values\":[1,2,3,4]}")).id());
        assertEquals("id: missing and the record key is null, expected an \"id\" field or a key",
                reason(auto, null, utf8(dense)));
        assertEquals("key: null, expected the item id (binary values carry no id)", reason(auto, null, binaryValue));
    }

    @Test
    void nullAndOversizedValuesAreRejectedUnread() {
        assertEquals("value: null (a tombstone), expected a column", reason(auto, utf8("k"), null));
        assertEquals("value: null (a tombstone), expected a column", reason(binary, utf8("k"), null));
        byte[] garbage = new byte[MAX_BYTES + 1];
        Arrays.fill(garbage, (byte) '{');
        assertEquals("value: 201 bytes, expected at most 200 (nmf.max.value.bytes)", reason(json, utf8("k"), garbage));
        assertEquals("value: 201 bytes, expected at most 200 (nmf.max.value.bytes)", reason(binary, utf8("k"), garbage));
        byte[] atLimit = new byte[MAX_BYTES];
        Arrays.fill(atLimit, (byte) ' ');
        assertEquals("value: empty (200 bytes of white space), expected a JSON object", reason(json, utf8("k"), atLimit));
    }

    @Test
    void unknownFieldsAreIgnoredAndNullTimestampIsAbsent() {
        Decoded.Valid v = valid(auto, utf8("k"), utf8("{\"source\":{\"mic\":[1,{\"x\":null}]},\"values\":[0,1.5,2,0.25],"
                + "\"note\":\"x\",\"timestamp\":null,\"n\":-1,\"dim\":4}"));
        assertEquals(-1, v.eventTimestamp());
        assertArrayEquals(new double[] {0, 1.5, 2, 0.25}, ((DenseColumn) v.column()).data());
        assertEquals(1763900000000L,
                valid(auto, utf8("k"), utf8("{\"values\":[1,2,3,4],\"timestamp\":1763900000000}")).eventTimestamp());
        Decoded.Valid s = valid(auto, utf8("k"), utf8(" {\"indices\":[0,3],\"values\":[1,2e-3],\"dim\":4} \n"));
        SparseColumn sparse = (SparseColumn) s.column();
        assertEquals(DIM, sparse.dim());
        assertArrayEquals(new int[] {0, 3}, sparse.indices());
        assertArrayEquals(new double[] {1, 0.002}, sparse.values());
    }

    /** A little-endian binary column of dim 4, written by hand (not by the encoder under test). */
    private static ByteBuffer header(int flags, int dim, int count, int extra) {
        ByteBuffer b = ByteBuffer.allocate(16 + extra).order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[] {'N', 'M', 'F', 'B', 1, (byte) flags, 0, 0}).putInt(dim).putInt(count);
        return b;
    }

    private static byte[] dense(float... values) {
        ByteBuffer b = header(0, values.length, values.length, 4 * values.length);
        for (float x : values) {
            b.putFloat(x);
        }
        return b.array();
    }

    private static byte[] sparse(long timestamp, int[] indices, float[] values) {
        int flags = 2 | (timestamp >= 0 ? 1 : 0);
        ByteBuffer b = header(flags, DIM, indices.length, (timestamp >= 0 ? 8 : 0) + 8 * indices.length);
        if (timestamp >= 0) {
            b.putLong(timestamp);
        }
        for (int i : indices) {
            b.putInt(i);
        }
        for (float x : values) {
            b.putFloat(x);
        }
        return b.array();
    }

    private static byte[] with(byte[] value, int at, int b) {
        byte[] copy = value.clone();
        copy[at] = (byte) b;
        return copy;
    }

    private static byte[] withInt(byte[] value, int at, int x) {
        byte[] copy = value.clone();
        ByteBuffer.wrap(copy).order(ByteOrder.LITTLE_ENDIAN).putInt(at, x);
        return copy;
    }

    static Stream<Arguments> badBinary() {
        byte[] good = dense(1, 2, 3, 4);
        byte[] sparse = sparse(5, new int[] {1, 3}, new float[] {1, 2});
        return Stream.of(
                Arguments.of("truncated header", Arrays.copyOf(good, 10),
                        "value: truncated binary column, 10 bytes, expected at least the 16-byte header"),
                Arguments.of("magic only", Arrays.copyOf(good, 4),
                        "value: truncated binary column, 4 bytes, expected at least the 16-byte header"),
                Arguments.of("truncated values", Arrays.copyOf(good, good.length - 1),
                        "value: truncated binary column, 31 bytes, expected 32 (16 header + 4·4 values)"),
                Arguments.of("truncated sparse", Arrays.copyOf(sparse, sparse.length - 3),
                        "value: truncated binary column, 37 bytes, expected 40 "
                                + "(16 header + 8 timestamp + 4·2 indices + 4·2 values)"),
                Arguments.of("header only", Arrays.copyOf(good, 16),
                        "value: truncated binary column, 16 bytes, expected 32 (16 header + 4·4 values)"),
                Arguments.of("trailing", Arrays.copyOf(good, good.length + 2),
                        "value: 2 trailing bytes, expected exactly 32 (16 header + 4·4 values)"),
                Arguments.of("version", with(good, 4, 9), "version = 9, expected 1"),
                Arguments.of("version 0", with(good, 4, 0), "version = 0, expected 1"),
                Arguments.of("flags", with(good, 5, 8), "flags = 8, expected only bits 0 (timestamp) and 1 (sparse)"),
                Arguments.of("reserved", with(good, 6, 1), "reserved = 1 (bytes 6-7), expected 0"),
                Arguments.of("reserved high byte", with(good, 7, 1), "reserved = 256 (bytes 6-7), expected 0"),
                Arguments.of("dimension", dense(1, 2, 3), "dim = 3, expected 4 (nmf.dimension)"),
                Arguments.of("count 0", withInt(good, 12, 0), "count = 0, expected at least one value (an empty vector)"),
                Arguments.of("count -1", withInt(good, 12, -1), "count = -1, expected at least one value (an empty vector)"),
                Arguments.of("dense count", withInt(good, 12, 3), "count = 3 for a dense column, expected dim = 4"),
                Arguments.of("sparse count", withInt(sparse, 12, 5), "count = 5 nonzeros, expected at most dim = 4"),
                Arguments.of("sparse huge count", withInt(sparse, 12, Integer.MAX_VALUE),
                        "count = 2147483647 nonzeros, expected at most dim = 4"),
                Arguments.of("timestamp", withLong(sparse, 16, -2), "timestamp = -2, expected epoch milliseconds ≥ 0"),
                Arguments.of("negative", dense(1, -2, 3, 4), "values[1] = -2.0, expected a finite nonnegative number"),
                Arguments.of("NaN", dense(1, Float.NaN, 3, 4), "values[1] = NaN, expected a finite nonnegative number"),
                Arguments.of("Inf", dense(1, 2, Float.POSITIVE_INFINITY, 4),
                        "values[2] = Infinity, expected a finite nonnegative number"),
                Arguments.of("index range", sparse(-1, new int[] {1, 4}, new float[] {1, 2}),
                        "indices[1] = 4, expected an index in [0, 4)"),
                Arguments.of("negative index", sparse(-1, new int[] {-7}, new float[] {1}),
                        "indices[0] = -7, expected an index in [0, 4)"),
                Arguments.of("repeated", sparse(-1, new int[] {2, 2}, new float[] {1, 1}),
                        "indices[1] = 2 is repeated, expected strictly increasing indices"),
                Arguments.of("unsorted", sparse(-1, new int[] {3, 0}, new float[] {1, 1}),
                        "indices[1] = 0 is smaller than the one before it (3), expected strictly increasing indices"),
                Arguments.of("sparse negative", sparse(-1, new int[] {0, 3}, new float[] {1, -0.5f}),
                        "values[1] = -0.5, expected a finite nonnegative number"));
    }

    private static byte[] withLong(byte[] value, int at, long x) {
        byte[] copy = value.clone();
        ByteBuffer.wrap(copy).order(ByteOrder.LITTLE_ENDIAN).putLong(at, x);
        return copy;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badBinary")
    void everyBinaryRejectionHasItsReason(String what, byte[] value, String expected) {
        assertEquals(expected, reason(auto, utf8("k"), value));
        assertEquals(expected, reason(binary, utf8("k"), value), "the same with nmf.input.format=binary");
    }

    @Test
    void binaryNeedsAKeyAndTheMagic() {
        byte[] good = dense(1, 2, 3, 4);
        assertEquals("key: null, expected the item id (binary values carry no id)", reason(auto, null, good));
        assertEquals("key: empty, expected the item id (binary values carry no id)", reason(binary, new byte[0], good));
        assertEquals("magic = 58 4d 46 42 (\"XMFB\"), expected 4e 4d 46 42 (\"NMFB\", the binary column format)",
                reason(binary, utf8("k"), with(good, 0, 'X')));
        assertEquals("magic = 7b 22 76 61 (\"{\"va\"), expected 4e 4d 46 42 (\"NMFB\", the binary column format); "
                        + "this looks like JSON: set nmf.input.format to json or auto",
                reason(binary, utf8("k"), utf8("{\"values\":[1,2,3,4]}")));
        assertEquals("value: truncated binary column, 0 bytes, expected at least the 16-byte header",
                reason(binary, utf8("k"), new byte[0]));
        // auto reads a value without the magic as JSON; json never reads binary
        assertEquals("value: not JSON: starts with bytes 58 4d 46 42 01 00 00 00 (\"XMFB....\"), expected a JSON object "
                + "or a binary column (magic \"NMFB\")", reason(auto, utf8("k"), with(good, 0, 'X')));
        assertEquals("value: not JSON: starts with bytes 4e 4d 46 42 01 00 00 00 (\"NMFB....\"), expected a JSON object; "
                + "this is the binary column format: set nmf.input.format to binary or auto", reason(json, utf8("k"), good));
        assertEquals("value: not JSON: starts with bytes 00 01 02 (\"...\"), expected a JSON object",
                reason(json, utf8("k"), new byte[] {0, 1, 2}));
        Decoded.Valid v = valid(binary, utf8("frame-1"), good);
        assertEquals("frame-1", v.id());
        assertEquals(-1, v.eventTimestamp());
        assertArrayEquals(new double[] {1, 2, 3, 4}, ((DenseColumn) v.column()).data());
        Decoded.Valid s = valid(auto, utf8("k"), sparse(1763900000000L, new int[] {0, 3}, new float[] {0.5f, 0}));
        assertEquals(1763900000000L, s.eventTimestamp());
        assertArrayEquals(new int[] {0, 3}, ((SparseColumn) s.column()).indices());
        assertArrayEquals(new double[] {0.5, 0}, ((SparseColumn) s.column()).values());
    }

    @Test
    void validColumnsOwnTheirArrays() {
        Decoded.Valid first = valid(auto, utf8("a"), utf8("{\"values\":[1,2,3,4]}"));
        Decoded.Valid second = valid(auto, utf8("a"), utf8("{\"dim\":4,\"indices\":[0],\"values\":[9]}"));
        for (int j = 0; j < 50; j++) {
            valid(auto, utf8("b"), utf8("{\"values\":[5,6,7,8]}"));
            valid(auto, utf8("b"), utf8("{\"dim\":4,\"indices\":[1,2],\"values\":[7,7]}"));
            assertFalse(auto.decode(utf8("b"), utf8("{\"values\":[1,2,3,-4]}")) instanceof Decoded.Valid);
        }
        assertArrayEquals(new double[] {1, 2, 3, 4}, ((DenseColumn) first.column()).data());
        assertArrayEquals(new int[] {0}, ((SparseColumn) second.column()).indices());
        assertArrayEquals(new double[] {9}, ((SparseColumn) second.column()).values());
    }

    @Test
    void longColumnsGrowTheBuffers() {
        int m = 5000;
        ColumnDecoder big = new ColumnDecoder(m, InputFormat.AUTO, 1 << 20);
        double[] values = new double[m];
        for (int i = 0; i < m; i++) {
            values[i] = i * 0.5;
        }
        Decoded.Valid v = valid(big, utf8("k"), ColumnEncoder.json("k", DenseColumn.of(values), -1));
        assertArrayEquals(values, ((DenseColumn) v.column()).data());
    }

    @Test
    void badConfigurationIsRefused() {
        assertEquals("dim = 0, expected a positive dimension (nmf.dimension)",
                assertThrows(IllegalArgumentException.class, () -> new ColumnDecoder(0, InputFormat.AUTO, 10)).getMessage());
        assertEquals("maxValueBytes = -1, expected a positive byte count (nmf.max.value.bytes)",
                assertThrows(IllegalArgumentException.class, () -> new ColumnDecoder(4, InputFormat.AUTO, -1)).getMessage());
        assertThrows(NullPointerException.class, () -> new ColumnDecoder(4, null, 10));
    }
}
