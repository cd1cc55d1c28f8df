package dev.nmfstream.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nmfstream.nmf.DenseColumn;
import dev.nmfstream.nmf.SparseColumn;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class ColumnDecoderTest {

    private final ColumnDecoder decoder = new ColumnDecoder(4, InputFormat.AUTO, 1000);

    private String reason(byte[] key, byte[] value) {
        return assertInstanceOf(Decoded.Invalid.class, decoder.decode(key, value)).reason();
    }

    private static byte[] k(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void roundTripsThroughBothEncodings() {
        DenseColumn dense = DenseColumn.of(0, 1.5, 2.25, 0.125);
        SparseColumn sparse = SparseColumn.of(4, new int[] {1, 3}, new double[] {0.5, 8});
        for (byte[] value : new byte[][] {ColumnEncoder.json("a", dense, 5), ColumnEncoder.binary(dense, 5)}) {
            Decoded.Valid v = assertInstanceOf(Decoded.Valid.class, decoder.decode(k("a"), value));
            assertEquals("a", v.id());
            assertEquals(5, v.eventTimestamp());
            assertEquals(2.25, ((DenseColumn) v.column()).get(2));
        }
        for (byte[] value : new byte[][] {ColumnEncoder.json("b", sparse, -1), ColumnEncoder.binary(sparse, -1)}) {
            Decoded.Valid v = assertInstanceOf(Decoded.Valid.class, decoder.decode(k("b"), value));
            assertEquals(-1, v.eventTimestamp());
            assertEquals(8, ((SparseColumn) v.column()).values()[1]);
        }
        // the JSON id serves when there is no key; unknown fields are ignored
        Decoded.Valid v = assertInstanceOf(Decoded.Valid.class,
                decoder.decode(null, k("{\"id\":\"c\",\"extra\":{\"x\":[1]},\"values\":[1,2,3,4]}")));
        assertEquals("c", v.id());
        // a quote in an id survives the encoder
        Decoded.Valid q = assertInstanceOf(Decoded.Valid.class,
                decoder.decode(null, ColumnEncoder.json("a\"b\\c", dense, -1)));
        assertEquals("a\"b\\c", q.id());
    }

    @Test
    void binaryRejectionsNameTheProblem() {
        byte[] good = ColumnEncoder.binary(DenseColumn.of(1, 2, 3, 4), -1);
        byte[] magic = good.clone();
        magic[0] = 'X';
        ColumnDecoder binary = new ColumnDecoder(4, InputFormat.BINARY, 1000);
        assertTrue(assertInstanceOf(Decoded.Invalid.class, binary.decode(k("a"), magic)).reason().contains("magic"));
        byte[] version = good.clone();
        version[4] = 9;
        assertTrue(reason(k("a"), version).contains("version = 9, expected 1"));
        byte[] flags = good.clone();
        flags[5] = 8;
        assertTrue(reason(k("a"), flags).contains("flags = 8"));
        byte[] trailing = Arrays.copyOf(good, good.length + 2);
        assertTrue(reason(k("a"), trailing).contains("2 trailing bytes"));
        assertTrue(reason(k("a"), Arrays.copyOf(good, 10)).contains("at least the 16-byte header"));
        assertTrue(reason(k("a"), Arrays.copyOf(good, good.length - 1)).contains("truncated"));
        byte[] wrongDim = ColumnEncoder.binary(DenseColumn.of(1, 2, 3), -1);
        assertTrue(reason(k("a"), wrongDim).contains("dim = 3, expected 4"));
        byte[] negative = ColumnEncoder.binary(DenseColumn.of(1, -2, 3, 4), -1);
        assertTrue(reason(k("a"), negative).contains("values[1] = -2.0"));
        ByteBuffer nan = ByteBuffer.wrap(good.clone()).order(ByteOrder.LITTLE_ENDIAN);
        nan.putFloat(16 + 4, Float.NaN);
        assertTrue(reason(k("a"), nan.array()).contains("values[1] = NaN"));
        byte[] repeated = ColumnEncoder.binary(SparseColumn.of(4, new int[] {2, 2}, new double[] {1, 1}), -1);
        assertTrue(reason(k("a"), repeated).contains("is repeated"));
        assertTrue(reason(new byte[] {(byte) 0xff, (byte) 0xfe}, good).contains("not UTF-8"));
        assertTrue(reason(k(""), good).contains("key: empty"));
    }

    @Test
    void jsonIdAndKeyMustAgree() {
        String r = reason(k("x"), k("{\"id\":\"y\",\"values\":[1,2,3,4]}"));
        assertTrue(r.contains("id = \"y\" but the record key is \"x\""), r);
        assertTrue(reason(null, k("{\"values\":[1,2,3,4]}")).contains("id: missing"));
        assertTrue(reason(k("x"), k("{\"values\":[1,2,3,4],\"timestamp\":-5}")).contains("timestamp = -5"));
        assertTrue(reason(k("x"), k("{\"values\":[1,2,3,4],\"timestamp\":\"now\"}")).contains("timestamp: a string"));
        assertTrue(reason(k("x"), k("{\"dim\":4,\"indices\":[1],\"values\":[1]")).contains("not JSON"));
        assertTrue(reason(k("x"), k("{\"indices\":[1],\"values\":[1]}")).contains("dim: missing"));
    }
}
