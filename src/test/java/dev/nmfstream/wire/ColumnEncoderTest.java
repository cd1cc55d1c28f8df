package dev.nmfstream.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import dev.nmfstream.nmf.Column;
import dev.nmfstream.nmf.DenseColumn;
import dev.nmfstream.nmf.SparseColumn;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** ColumnEncoder → ColumnDecoder gives the same columns: exactly for JSON, rounded to float32 for binary. */
class ColumnEncoderTest {

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** Values spanning many magnitudes, zeros included, so the text and float32 forms are exercised. */
    private static double value(Random random) {
        return switch (random.nextInt(4)) {
            case 0 -> 0.0;
            case 1 -> random.nextDouble();
            case 2 -> Math.pow(10, random.nextInt(40) - 20) * random.nextDouble();
            default -> random.nextInt(1000);
        };
    }

    private static SparseColumn randomSparse(Random random, int m) {
        int nnz = 1 + random.nextInt(Math.min(m, 50));
        int[] indices = random.ints(0, m).distinct().limit(nnz).sorted().toArray();
        double[] values = new double[indices.length];
        for (int j = 0; j < values.length; j++) {
            values[j] = value(random);
        }
        return SparseColumn.of(m, indices, values);
    }

    private static Decoded.Valid decode(int m, String key, byte[] value) {
        Decoded d = new ColumnDecoder(m, InputFormat.AUTO, 1 << 20).decode(key == null ? null : utf8(key), value);
        return assertInstanceOf(Decoded.Valid.class, d, () -> "expected a column, got " + d);
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 42})
    void denseRoundTrips(long seed) {
        Random random = new Random(seed);
        int m = 1 + random.nextInt(300);
        double[] v = new double[m];
        for (int i = 0; i < m; i++) {
            v[i] = value(random);
        }
        long timestamp = random.nextBoolean() ? -1 : random.nextLong() >>> 20;
        Decoded.Valid fromJson = decode(m, null, ColumnEncoder.json("item-" + seed, DenseColumn.of(v), timestamp));
        assertEquals("item-" + seed, fromJson.id());
        assertEquals(timestamp, fromJson.eventTimestamp());
        assertArrayEquals(v, ((DenseColumn) fromJson.column()).data(), "JSON keeps every double exactly");

        Decoded.Valid fromBinary = decode(m, "item-" + seed, ColumnEncoder.binary(DenseColumn.of(v), timestamp));
        assertEquals("item-" + seed, fromBinary.id());
        assertEquals(timestamp, fromBinary.eventTimestamp());
        DenseColumn column = (DenseColumn) fromBinary.column();
        for (int i = 0; i < m; i++) {
            assertEquals((double) (float) v[i], column.get(i), "binary rounds to float32, v[" + i + "]");
        }
    }

    @ParameterizedTest
    @ValueSource(longs = {5, 6, 7, 43})
    void sparseRoundTrips(long seed) {
        Random random = new Random(seed);
        int m = 1 + random.nextInt(20_000);
        SparseColumn s = randomSparse(random, m);
        long timestamp = random.nextBoolean() ? -1 : random.nextLong() >>> 20;
        SparseColumn fromJson = (SparseColumn) decode(m, "d", ColumnEncoder.json("d", s, timestamp)).column();
        assertArrayEquals(s.indices(), fromJson.indices());
        assertArrayEquals(s.values(), fromJson.values());
        Decoded.Valid binary = decode(m, "d", ColumnEncoder.binary(s, timestamp));
        assertEquals(timestamp, binary.eventTimestamp());
        SparseColumn fromBinary = (SparseColumn) binary.column();
        assertEquals(m, fromBinary.dim());
        assertArrayEquals(s.indices(), fromBinary.indices());
        for (int j = 0; j < s.nnz(); j++) {
            assertEquals((double) (float) s.values()[j], fromBinary.values()[j]);
        }
    }

    @Test
    void viewsWriteOnlyTheirSlice() {
        double[] data = {9, 9, 1, 2, 3, 9};
        Column dense = new DenseColumn(data, 2, 3);
        assertEquals("{\"id\":\"v\",\"values\":[1.0,2.0,3.0]}", new String(ColumnEncoder.json("v", dense, -1),
                StandardCharsets.UTF_8));
        assertArrayEquals(new double[] {1, 2, 3}, ((DenseColumn) decode(3, "v", ColumnEncoder.binary(dense, -1)).column())
                .data());
        Column sparse = new SparseColumn(10, new int[] {0, 4, 7, 9}, new double[] {5, 6, 7, 8}, 1, 2);
        assertEquals("{\"id\":\"s\",\"timestamp\":7,\"dim\":10,\"indices\":[4,7],\"values\":[6.0,7.0]}",
                new String(ColumnEncoder.json("s", sparse, 7), StandardCharsets.UTF_8));
        SparseColumn back = (SparseColumn) decode(10, "s", ColumnEncoder.binary(sparse, -1)).column();
        assertArrayEquals(new int[] {4, 7}, back.indices());
        assertArrayEquals(new double[] {6, 7}, back.values());
    }

    @Test
    void idsAndTimestamps() {
        Column c = DenseColumn.of(1, 2);
        assertEquals("{\"values\":[1.0,2.0]}", new String(ColumnEncoder.json(null, c, -1), StandardCharsets.UTF_8),
                "no id: the key names the item");
        String odd = "quote\" backslash\\ slash/ é ✓ 𝄞";
        assertEquals(odd, decode(2, null, ColumnEncoder.json(odd, c, -1)).id());
        assertEquals(odd, decode(2, odd, ColumnEncoder.binary(c, -1)).id(), "a UTF-8 key");
        // control characters are escaped in the JSON, and ids with them are refused by the decoder
        String controls = "tab\t newline\n bell\u0007";
        assertEquals("{\"id\":\"tab\\t newline\\n bell\\u0007\",\"values\":[1.0,2.0]}",
                new String(ColumnEncoder.json(controls, c, -1), StandardCharsets.UTF_8));
        assertEquals("id: char 3 is the control character U+0009, expected an item id without control characters "
                + "(U+0000-U+001F, U+007F-U+009F)", ((Decoded.Invalid) new ColumnDecoder(2, InputFormat.AUTO, 1 << 20)
                .decode(null, ColumnEncoder.json(controls, c, -1))).reason());
        assertEquals(0, decode(2, "k", ColumnEncoder.json("k", c, 0)).eventTimestamp());
        assertEquals(Long.MAX_VALUE, decode(2, "k", ColumnEncoder.binary(c, Long.MAX_VALUE)).eventTimestamp());
        assertEquals(-1, decode(2, "k", ColumnEncoder.json("k", c, -7)).eventTimestamp(), "negative: none");
    }

    @Test
    void binaryLengthIsHeaderTimestampIndicesValues() {
        assertEquals(16 + 4 * 1025, ColumnEncoder.binary(DenseColumn.of(new double[1025]), -1).length);
        assertEquals(16 + 8 + 4 * 1025, ColumnEncoder.binary(DenseColumn.of(new double[1025]), 5).length);
        assertEquals(16 + 8 + 8 * 3, ColumnEncoder.binary(SparseColumn.of(100, new int[] {1, 2, 3}, new double[3]), 5).length);
    }
}
