package dev.nmfstream.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nmfstream.nmf.DenseColumn;
import dev.nmfstream.nmf.SparseColumn;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * {@code nmf.max.value}: a record with a value above it is refused with a reason that names the
 * value as it was sent, its index and the setting; values up to it, subnormal values and
 * all-equal columns at any scale below it are accepted.
 */
class ColumnDecoderMaxValueTest {

    private static final int DIM = 4;
    private final ColumnDecoder decoder = new ColumnDecoder(DIM, InputFormat.AUTO, 1 << 16, ColumnDecoder.DEFAULT_MAX_ID_BYTES, 1e30);
    private final DecodedItem item = new DecodedItem(DIM);
    private static final byte[] KEY = "k".getBytes(StandardCharsets.UTF_8);

    private String reasonOf(String json) {
        assertTrue(!decoder.decode(KEY, json.getBytes(StandardCharsets.UTF_8), item), json + " was accepted");
        return item.reason();
    }

    private void accepts(byte[] value) {
        assertTrue(decoder.decode(KEY, value, item), () -> item.reason());
    }

    @Test
    void aJsonValueAboveTheMaximumIsQuotedAsWritten() {
        assertEquals("values[2] = 3e37, expected at most 1.0E30 (nmf.max.value)",
                reasonOf("{\"values\":[1,2,3e37,4]}"));
        assertEquals("values[0] = 1.5E+31, expected at most 1.0E30 (nmf.max.value)",
                reasonOf("{\"values\":[1.5E+31,2,3,4]}"));
        assertEquals("values[1] = 100000000000000000000000000000001, expected at most 1.0E30 (nmf.max.value)",
                reasonOf("{\"values\":[1,100000000000000000000000000000001,3,4]}"));
        // sparse: the entry's position in values
        assertEquals("values[1] = 2e300, expected at most 1.0E30 (nmf.max.value)",
                reasonOf("{\"dim\":4,\"indices\":[0,3],\"values\":[1,2e300]}"));
        // beyond a double: still quoted as written, and named as not finite
        assertEquals("values[3] = 1e309, expected a finite nonnegative number", reasonOf("{\"values\":[1,2,3,1e309]}"));
    }

    @Test
    void aBinaryValueAboveTheMaximumIsQuotedAsTheFloatItIs() {
        byte[] frame = ColumnEncoder.binary(DenseColumn.of(1, 2, 3e37, 4), -1);
        assertTrue(!decoder.decode(KEY, frame, item));
        assertEquals("values[2] = 3.0E37, expected at most 1.0E30 (nmf.max.value)", item.reason());
        byte[] sparse = ColumnEncoder.binary(SparseColumn.of(DIM, new int[] {1, 2}, new double[] {1, 2e38}), -1);
        assertTrue(!decoder.decode(KEY, sparse, item));
        assertEquals("values[1] = 2.0E38, expected at most 1.0E30 (nmf.max.value)", item.reason());
    }

    @Test
    void valuesUpToTheMaximumSubnormalAndAllEqualColumnsAreAccepted() {
        accepts(ColumnEncoder.json("k", DenseColumn.of(1e30, 1e30, 0, 1e-30), -1));
        accepts(ColumnEncoder.json("k", DenseColumn.of(1e-320, 1e-320, 1e-320, 1e-320), -1));
        accepts(ColumnEncoder.json("k", DenseColumn.of(1e-300, 1e-300, 1e-300, 1e-300), -1));
        accepts(ColumnEncoder.json("k", DenseColumn.of(1e29, 1e29, 1e29, 1e29), -1));
        accepts(ColumnEncoder.binary(DenseColumn.of(1e-44, 1e-44, 1e-44, 1e-44), -1));
        Decoded subnormal = decoder.decode(KEY, ColumnEncoder.json("k", DenseColumn.of(1e-320, 0, 1e-320, 1e-320),
                -1));
        DenseColumn column = (DenseColumn) ((Decoded.Valid) subnormal).column();
        assertTrue(Arrays.equals(new double[] {1e-320, 0, 1e-320, 1e-320},
                Arrays.copyOfRange(column.data(), column.offset(), column.offset() + DIM)), "read exactly");
    }

    @Test
    void withoutAMaximumEveryFiniteValueIsAccepted() {
        ColumnDecoder unbounded = new ColumnDecoder(DIM, InputFormat.AUTO, 1 << 16);
        assertTrue(unbounded.decode(KEY, ColumnEncoder.json("k", DenseColumn.of(1, 2, 1e300, 4), -1), item));
    }

    @Test
    void aMaximumThatIsNotAFinitePositiveNumberIsRefused() {
        for (double bad : new double[] {0, -1, Double.NaN, Double.POSITIVE_INFINITY}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> new ColumnDecoder(DIM, InputFormat.AUTO, 100, ColumnDecoder.DEFAULT_MAX_ID_BYTES, bad));
            assertTrue(e.getMessage().contains("nmf.max.value"), e.getMessage());
        }
    }
}
