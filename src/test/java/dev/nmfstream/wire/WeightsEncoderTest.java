package dev.nmfstream.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** WeightsEncoder writes the same bytes as the Jackson serde of WeightsMessage; DoubleText as Double.toString. */
class WeightsEncoderTest {

    private final WeightsEncoder encoder = new WeightsEncoder();

    private static String text(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8);
    }

    private void assertSameAsJackson(String id, long version, double[] h, double residual, long event, long processed) {
        byte[] jackson = WireSerdes.weights().serializer().serialize(Topics.WEIGHTS,
                new WeightsMessage(id, version, h, residual, event, processed));
        byte[] utf8 = id.getBytes(StandardCharsets.UTF_8);
        byte[] padded = Arrays.copyOf(utf8, utf8.length + 7); // the id may sit in a longer buffer
        byte[] ours = encoder.encode(padded, utf8.length, version, h, residual, event, processed);
        assertEquals(text(jackson), text(ours));
        assertArrayEquals(jackson, ours);
    }

    @Test
    void theSchemaExampleAsMessagesTestHasIt() {
        byte[] bytes = encoder.encode("frame-1".getBytes(StandardCharsets.UTF_8), 7, 412, new double[] {0, 1.25, 0.031},
                0.0412, 1763900000000L, 1763900000012L);
        assertEquals("{\"id\":\"frame-1\",\"basisVersion\":412,\"weights\":[0.0,1.25,0.031],\"relativeResidual\":0.0412,"
                + "\"eventTimestamp\":1763900000000,\"processedTimestamp\":1763900000012}", text(bytes));
        assertEquals("{\"id\":\"a\",\"basisVersion\":1,\"weights\":[1.0],\"relativeResidual\":0.0,"
                + "\"eventTimestamp\":null,\"processedTimestamp\":5}",
                text(encoder.encode(new byte[] {'a'}, 1, 1, new double[] {1}, 0, -1, 5)));
    }

    @Test
    void idsAreEscapedAsJacksonEscapesThem() {
        StringBuilder every = new StringBuilder();
        for (char c = 1; c < 0x80; c++) {
            every.append(c);
            assertSameAsJackson("x" + c + "y", 3, new double[] {0.5}, 0.25, 10, 11);
        }
        assertSameAsJackson(every.toString(), 3, new double[] {0.5}, 0.25, 10, 11);
        assertSameAsJackson("\u0000", 0, new double[] {0}, 0, 0, 0);
        assertSameAsJackson("fr\u00e9quence-\u4e2d\u6587-\ud83c\udfb5-\u2028\u2029-\u007f\u0080\u00ff\uffff", 9,
                new double[] {2, 3}, 0.5, -1, 1763900000012L);
    }

    @Test
    void numbersAreWrittenAsJacksonWritesThem() {
        SplittableRandom random = new SplittableRandom(17);
        for (int j = 0; j < 2000; j++) {
            double[] h = new double[1 + random.nextInt(12)];
            for (int k = 0; k < h.length; k++) {
                h[k] = switch (random.nextInt(6)) {
                    case 0 -> 0;
                    case 1 -> random.nextDouble();
                    case 2 -> random.nextDouble() * Math.pow(10, random.nextInt(-30, 30));
                    case 3 -> Math.scalb(1.0, random.nextInt(-1074, 1024));
                    case 4 -> random.nextInt(1_000_000);
                    default -> Double.longBitsToDouble(random.nextLong(0x7FF0000000000000L));
                };
            }
            assertSameAsJackson("item-" + j, random.nextLong(Long.MAX_VALUE), h, random.nextDouble(),
                    random.nextBoolean() ? -1 : random.nextLong(Long.MAX_VALUE), random.nextLong(Long.MAX_VALUE));
        }
        assertSameAsJackson("edges", 0, new double[] {-0.0, Double.MIN_VALUE, Double.MAX_VALUE, Double.MIN_NORMAL,
            1e-3, 9.999999999999998E-4, 1e7, 9999999.999999998, 1e16, 9.999999999999998E15, 1e23, 2e23}, 1, 0,
                Long.MAX_VALUE);
    }

    @Test
    void doubleTextIsDoubleToString() {
        DoubleText doubles = new DoubleText();
        byte[] out = new byte[DoubleText.MAX_CHARS];
        SplittableRandom random = new SplittableRandom(5);
        int checked = 0;
        for (int j = 0; j < 300_000; j++) {
            double any = Double.longBitsToDouble(random.nextLong() & 0x7FEFFFFFFFFFFFFFL);
            double decade = (1 + 9 * random.nextDouble()) * Math.pow(10, random.nextInt(-25, 25));
            double nearInt = random.nextInt(1 << 20) + random.nextInt(3) * 0.5;
            for (double v : new double[] {any, decade, nearInt, -decade, Math.nextUp(decade), Math.nextDown(decade)}) {
                int end = doubles.write(v, out, 0);
                String expected = Double.toString(v);
                if (expected.length() != end || !expected.equals(new String(out, 0, end, StandardCharsets.US_ASCII))) {
                    assertEquals(expected, new String(out, 0, end, StandardCharsets.US_ASCII), "bits " + Double.doubleToRawLongBits(v));
                }
                checked++;
            }
        }
        for (int e = -1074; e <= 1023; e++) {
            double v = Math.scalb(1.0, e);
            int end = doubles.write(v, out, 0);
            assertEquals(Double.toString(v), new String(out, 0, end, StandardCharsets.US_ASCII));
        }
        assertEquals(1_800_000, checked);
    }

    @Test
    void nonFiniteNumbersAreRefused() {
        byte[] id = {'a'};
        assertEquals("weights[1] = NaN, expected a finite number", assertThrows(IllegalArgumentException.class,
                () -> encoder.encode(id, 1, 1, new double[] {1, Double.NaN}, 0, -1, 5)).getMessage());
        assertEquals("relativeResidual = Infinity, expected a finite number", assertThrows(IllegalArgumentException.class,
                () -> encoder.encode(id, 1, 1, new double[] {1}, Double.POSITIVE_INFINITY, -1, 5)).getMessage());
    }

    @Test
    void longIdsGrowTheBuffer() {
        String id = "\u00e9".repeat(5000) + "\n";
        assertSameAsJackson(id, 1, new double[] {1, 2}, 0.5, 1, 2);
    }
}
