package dev.nmfstream.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** A component's vector is written byte for byte as Jackson writes a double[], repeated values or not. */
class RepeatedDoublesSerializerTest {

    /**
     * Mostly one floor value, as a learned topic is, among random values, a pool of 200 values that
     * repeat (more than the table's slots, so they keep evicting one another) and edge cases.
     */
    private static double[] componentLike(int m, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        double floor = 1.7320508075688772e-13;
        double[] pool = new double[200];
        for (int q = 0; q < pool.length; q++) {
            pool[q] = random.nextDouble() * Math.pow(10, random.nextInt(-12, 3));
        }
        double[] v = new double[m];
        for (int i = 0; i < m; i++) {
            double u = random.nextDouble();
            v[i] = u < 0.7 ? floor : u < 0.85 ? pool[random.nextInt(pool.length)] : random.nextDouble() / 7;
        }
        double[] edges = {0.0, -0.0, Double.MIN_VALUE, Double.MAX_VALUE, 1e-320, 0.1, 1.0 / 3, 100.0, 1e21, 1e-7};
        for (int q = 0; q < edges.length; q++) {
            v[q * 37] = edges[q];
            v[q * 37 + 1] = edges[q]; // again, from the table
        }
        return v;
    }

    private static String componentJson(double[] vector) {
        ComponentMessage message = new ComponentMessage("model", 3, 17, 1.0, vector,
                List.of(new TopFeature(5, "word", 0.25)));
        return new String(WireSerdes.component().serializer().serialize(Topics.FACTORS, message), StandardCharsets.UTF_8);
    }

    @Test
    void theVectorIsWhatJacksonWritesForTheArray() throws Exception {
        for (long seed = 0; seed < 5; seed++) {
            double[] vector = componentLike(5_000, seed);
            String expected = JsonSerde.FAST_DOUBLES.writeValueAsString(vector);
            String json = componentJson(vector);
            assertTrue(json.contains("\"vector\":" + expected + ","), "seed " + seed + ": the vector differs from "
                    + "Jackson's own text");
            ComponentMessage back = WireSerdes.component().deserializer().deserialize(Topics.FACTORS,
                    json.getBytes(StandardCharsets.UTF_8));
            assertArrayEquals(vector, back.vector(), "seed " + seed + ": reads back as the same doubles");
        }
    }

    @Test
    void nonFiniteValuesAndEmptyVectorsAreWrittenAsJacksonWritesThem() throws Exception {
        double[] odd = {Double.NaN, 1.5, Double.POSITIVE_INFINITY, 1.5, Double.NEGATIVE_INFINITY, Double.NaN};
        assertTrue(componentJson(odd).contains("\"vector\":" + JsonSerde.FAST_DOUBLES.writeValueAsString(odd) + ","),
                componentJson(odd));
        assertTrue(componentJson(new double[0]).contains("\"vector\":[],"), componentJson(new double[0]));
    }

    @Test
    void aFloorValueIsTextOnceAndTheSameTextEverywhere() {
        double[] vector = new double[1000];
        Arrays.fill(vector, 2.0e-12);
        vector[500] = 0.5;
        String json = componentJson(vector);
        String array = json.substring(json.indexOf("\"vector\":[") + 10, json.indexOf("]", json.indexOf("\"vector\":[")));
        String[] items = array.split(",");
        assertEquals(1000, items.length);
        assertEquals("0.5", items[500]);
        assertEquals(999, Arrays.stream(items).filter("2.0E-12"::equals).count(), array.substring(0, 80));
    }
}
