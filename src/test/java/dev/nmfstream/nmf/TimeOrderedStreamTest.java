package dev.nmfstream.nmf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nmfstream.nmf.synth.PlantedModel;
import dev.nmfstream.nmf.synth.Recovery;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * A time-ordered stream whose character changes: the planted model's first half of the
 * components make every item of segment 1, the other half every item of segment 2 (as a new
 * piece of music starts with new sounds). One pass with the default settings must learn both.
 */
class TimeOrderedStreamTest {

    /** The stream's dimension and rank. */
    static final int M = 200;
    static final int R = 20;

    @Test
    void oneDefaultPassRecoversTheComponentsOfBothSegments() {
        int m = M;
        int r = R;
        int half = r / 2;
        int perSegment = 20_000;
        OnlineNmf nmf = new OnlineNmf(NmfConfig.defaults(r).withSeed(3));
        double[] truth = twoSegments(perSegment, v -> nmf.partialFit(DenseColumn.of(v)));
        nmf.flush();
        assertEquals(2L * perSegment, nmf.items());

        Recovery recovery = Recovery.match(truth, nmf.basis().toRowMajor(), m, r);
        for (int k = 0; k < r; k++) {
            assertTrue(recovery.cosines()[k] >= 0.99, "component " + k + " (segment " + (k < half ? 1 : 2)
                    + ") matched with cosine " + recovery.cosines()[k] + "; all: " + Arrays.toString(recovery.cosines()));
        }
    }

    /**
     * Draws the two segments of {@code perSegment} columns each (M × R; the array is reused:
     * copy it to keep it) and hands every column to {@code each}, in order.
     *
     * @return the planted W_true (row-major)
     */
    static double[] twoSegments(int perSegment, Consumer<double[]> each) {
        // only the planted W_true is used; the weights are drawn here, per segment
        double[] truth = new PlantedModel(M, R, 0.2, 0.1, 0.05, 42).trueBasis();
        SplittableRandom random = new SplittableRandom(7);
        double[] v = new double[M];
        double[] h = new double[R];
        for (int segment = 0; segment < 2; segment++) {
            for (int j = 0; j < perSegment; j++) {
                draw(truth, M, R, segment * (R / 2), R / 2, random, h, v);
                each.accept(v);
            }
        }
        return truth;
    }

    /** v = W_true h + 5% half-normal noise, h ~ Dirichlet(0.1) on components first … first + count − 1. */
    private static void draw(double[] truth, int m, int r, int first, int count, SplittableRandom random,
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
