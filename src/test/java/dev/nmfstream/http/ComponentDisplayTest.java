package dev.nmfstream.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nmfstream.stream.NmfStreamConfig;
import dev.nmfstream.wire.ComponentMessage;
import dev.nmfstream.wire.SummaryMessage;
import dev.nmfstream.wire.TopFeature;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.function.IntFunction;
import org.junit.jupiter.api.Test;

class ComponentDisplayTest {

    private static NmfStreamConfig config(int m, int r, String shape) {
        Properties p = new Properties();
        p.setProperty("nmf.rank", "" + r);
        p.setProperty("nmf.dimension", "" + m);
        p.setProperty("nmf.image.shape", shape);
        return NmfStreamConfig.from(p);
    }

    /** r components of m rows, each with a peak at row 7k + 3, labelled by {@code label}. */
    private static List<ComponentMessage> components(int m, int r, IntFunction<String> label) {
        List<ComponentMessage> out = new ArrayList<>();
        for (int k = 0; k < r; k++) {
            double[] v = new double[m];
            int peak = 7 * k + 3;
            v[peak] = 1;
            v[(peak + 1) % m] = 0.5;
            out.add(new ComponentMessage("nmf", k, 3, 1, v, List.of(new TopFeature(peak, label.apply(peak), 1),
                    new TopFeature((peak + 1) % m, label.apply((peak + 1) % m), 0.5))));
        }
        return out;
    }

    @Test
    void theDataDecidesHowComponentsAreDrawn() {
        NmfStreamConfig plain = config(64, 4, "");
        assertEquals("bars", ComponentDisplay.kindOf(plain, components(64, 4, i -> null)));
        assertEquals("words", ComponentDisplay.kindOf(plain, components(64, 4, i -> "word" + i)));
        // an audio adapter's labels: bin i of a 1024-point FFT at 16 kHz is 15.625 i Hz
        assertEquals("spectrum", ComponentDisplay.kindOf(plain,
                components(64, 4, i -> String.format(Locale.ROOT, "%.1f Hz A4", 15.625 * i))));
        assertEquals("spectrum", ComponentDisplay.kindOf(plain, components(64, 4, i -> "1.2 kHz")));
        assertEquals("image", ComponentDisplay.kindOf(config(64, 4, "8x8"), components(64, 4, i -> null)));
    }

    @Test
    void theFrequencyAxisIsFittedToTheLabels() {
        double[] axis = ComponentDisplay.frequencyAxis(
                components(64, 5, i -> String.format(Locale.ROOT, "%.3f Hz", 31.25 + 15.625 * i)));
        assertEquals(31.25, axis[0], 1e-6);
        assertEquals(15.625, axis[1], 1e-9);
        assertEquals(440.4, ComponentDisplay.hertz("440.4 Hz A4"), 0);
        assertEquals(1200, ComponentDisplay.hertz("1.2 kHz"), 1e-9);
        assertTrue(Double.isNaN(ComponentDisplay.hertz("guitar")));
    }

    /** m = 20,000 and r = 100: at most 256 points a component, and every peak is kept. */
    @Test
    void aLargeModelIsSentCompactWithItsPeaks() {
        int m = 20_000;
        int r = 100;
        NmfStreamConfig config = config(m, r, "");
        List<ComponentMessage> comps = new ArrayList<>();
        for (int k = 0; k < r; k++) {
            double[] v = new double[m];
            v[197 * k + 11] = 1;
            comps.add(new ComponentMessage("nmf", k, 9, 1, v, List.of(new TopFeature(197 * k + 11, null, 1))));
        }
        ModelView.Factors f = new ModelView.Factors(1, new SummaryMessage("nmf", 9, r, m, 1, 0, 0.1, 0), comps);
        JsonNode out = ComponentDisplay.compact(new ObjectMapper(), config, f);
        assertEquals(r, out.get("components").size());
        int step = out.get("rowsPerPoint").asInt();
        for (int k = 0; k < r; k++) {
            JsonNode curve = out.get("components").get(k).get("curve");
            assertTrue(curve.size() <= ComponentDisplay.CURVE_POINTS);
            assertEquals(1.0, curve.get((197 * k + 11) / step).asDouble(), "component " + k + "'s peak");
        }
        assertTrue(out.toString().length() < 400_000, "bytes: " + out.toString().length());
    }

    /** A spectrum's peak and fundamental go to the page (it names them); a component without them has neither. */
    @Test
    void aSpectrumCarriesItsPeakAndFundamental() {
        NmfStreamConfig config = config(257, 2, "");
        double[] v = new double[257];
        v[14] = 1;
        List<ComponentMessage> comps = List.of(
                new ComponentMessage("nmf", 0, 3, 1, v, List.of(new TopFeature(14, "437.5 Hz A4", 1)), 440.2, 440.0),
                new ComponentMessage("nmf", 1, 3, 1, v, List.of(new TopFeature(14, "437.5 Hz A4", 1))));
        JsonNode out = ComponentDisplay.compact(new ObjectMapper(), config,
                new ModelView.Factors(1, new SummaryMessage("nmf", 3, 2, 257, 1, 0, null, 0), comps));
        assertEquals("spectrum", out.get("kind").asText());
        assertEquals(440.2, out.get("components").get(0).get("peakHz").asDouble(), 0);
        assertEquals(440.0, out.get("components").get(0).get("fundamentalHz").asDouble(), 0);
        assertTrue(out.get("components").get(1).get("peakHz") == null);
        assertTrue(out.get("components").get(1).get("fundamentalHz") == null);
    }

    @Test
    void anImageIsSentAsPixelsOrBlockMeans() {
        NmfStreamConfig small = config(64, 1, "8x8");
        double[] v = new double[64];
        v[9] = 1;
        ComponentMessage c = new ComponentMessage("nmf", 0, 1, 1, v, List.of());
        JsonNode out = ComponentDisplay.compact(new ObjectMapper(), small,
                new ModelView.Factors(1, new SummaryMessage("nmf", 1, 1, 64, 1, 0, null, 0), List.of(c)));
        JsonNode node = out.get("components").get(0);
        assertEquals(8, node.get("height").asInt());
        assertEquals(1.0, node.get("pixels").get(9).asDouble());
        // 200 × 100 → block means of 4 × 4: 50 × 25
        NmfStreamConfig big = config(20_000, 1, "200x100");
        double[] w = new double[20_000];
        for (int i = 0; i < 4; i++) {
            for (int j = 0; j < 4; j++) {
                w[i * 100 + j] = 1;
            }
        }
        JsonNode bigOut = ComponentDisplay.compact(new ObjectMapper(), big, new ModelView.Factors(1,
                new SummaryMessage("nmf", 1, 1, 20_000, 1, 0, null, 0),
                List.of(new ComponentMessage("nmf", 0, 1, 1, w, List.of())))).get("components").get(0);
        assertEquals(50, bigOut.get("height").asInt());
        assertEquals(25, bigOut.get("width").asInt());
        assertEquals(1.0, bigOut.get("pixels").get(0).asDouble());
        assertEquals(0.0, bigOut.get("pixels").get(1).asDouble());
    }
}
