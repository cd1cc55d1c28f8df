package dev.nmfstream.nmf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nmfstream.nmf.synth.PlantedModel;
import dev.nmfstream.nmf.synth.Recovery;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * A time-ordered stream whose character changes: the planted model's first half of the
 * components make every item of segment 1, the other half every item of segment 2 (as a new
 * piece of music starts with new sounds). One pass with the default settings must learn both.
 */
class TimeOrderedStreamTest {

    @Test
    void oneDefaultPassRecoversTheComponentsOfBothSegments() {
        int m = 200;
        int r = 20;
        int half = r / 2;
        int perSegment = 20_000;
        // only the planted W_true is used; the weights are drawn here, per segment
        double[] truth = new PlantedModel(m, r, 0.2, 0.1, 0.05, 42).trueBasis();
        SplittableRandom random = new SplittableRandom(7);
        double[] v = new double[m];
        double[] h = new double[r];
        DenseColumn column = DenseColumn.of(v);
        OnlineNmf nmf = new OnlineNmf(NmfConfig.defaults(r).withSeed(3));
        for (int segment = 0; segment < 2; segment++) {
            int first = segment * half;
            for (int j = 0; j < perSegment; j++) {
                draw(truth, m, r, first, half, random, h, v);
                nmf.partialFit(column);
            }
        }
        nmf.flush();
        assertEquals(2L * perSegment, nmf.items());

        Recovery recovery = Recovery.match(truth, nmf.basis().toRowMajor(), m, r);
        for (int k = 0; k < r; k++) {
            assertTrue(recovery.cosines()[k] >= 0.99, "component " + k + " (segment " + (k < half ? 1 : 2)
                    + ") matched with cosine " + recovery.cosines()[k] + "; all: " + Arrays.toString(recovery.cosines()));
        }
    }

    /** v = W_true h + 5% half-normal noise, h ~ Dirichlet(0.1) on components first … first + count − 1. */
    static void draw(double[] truth, int m, int r, int first, int count, SplittableRandom random,
            double[] h, double[] v) {
        Arrays.fill(h, 0);
        double sum = 0;
        for (int k = first; k < first + count; k++) {
            h[k] = Sampling.gamma(random, 0.1);
            sum += h[k];
        }
        if (!(sum > 0)) {
            h[first + random.nextInt(count)] = 1;
            sum = 1;
        }
        double sq = 0;
        for (int i = 0; i < m; i++) {
            double x = 0;
            for (int k = first; k < first + count; k++) {
                x += truth[i * r + k] * h[k] / sum;
            }
            v[i] = x;
            sq += x * x;
        }
        double sigma = 0.05 * Math.sqrt(sq / m);
        for (int i = 0; i < m; i++) {
            v[i] += sigma * Math.abs(Sampling.gaussian(random));
        }
    }
}
