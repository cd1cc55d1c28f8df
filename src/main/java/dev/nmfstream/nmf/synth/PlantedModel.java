package dev.nmfstream.nmf.synth;

import dev.nmfstream.nmf.Initializer;
import dev.nmfstream.nmf.Kernels;
import dev.nmfstream.nmf.Sampling;
import java.util.SplittableRandom;

/**
 * A synthetic stream with a known answer: V = W_true H + noise, for testing and demos.
 *
 * <ul>
 *   <li>W_true (m × r): each entry nonzero with probability {@code density}, values uniform on
 *       (0, 1], columns normalised to unit length (every column has at least two nonzeros
 *       when m ≥ 2);
 *   <li>h ~ Dirichlet(α) per column (α = 0.1: most columns use one to three components);
 *   <li>noise: half-normal |N(0, σ²)| per entry with σ = {@code noise}·‖W_true h‖/√m, so that the
 *       noise is about {@code noise} of the signal.
 * </ul>
 *
 * <p>Columns come one after another from {@link #next}, reproducibly: {@link #reset()} replays
 * the same stream. Allocates nothing per column.
 */
public final class PlantedModel extends PlantedStream {

    private final double noise;

    /**
     * @param m dimension
     * @param r rank
     * @param density fraction of nonzero entries of W_true
     * @param alpha Dirichlet concentration of the weights
     * @param noise noise level relative to the signal
     * @param seed seeds W_true and the stream
     */
    public PlantedModel(int m, int r, double density, double alpha, double noise, long seed) {
        super(m, r, alpha, seed ^ 0x5DEECE66DL);
        this.noise = noise;
        SplittableRandom init = new SplittableRandom(seed);
        for (int k = 0; k < r; k++) {
            int nonzero = 0;
            for (int i = 0; i < m; i++) {
                if (init.nextDouble() < density) {
                    wTrue[i * r + k] = 1.0 - init.nextDouble();
                    nonzero++;
                }
            }
            while (nonzero < Math.min(2, m)) {
                int i = init.nextInt(m);
                if (wTrue[i * r + k] == 0) {
                    wTrue[i * r + k] = 1.0 - init.nextDouble();
                    nonzero++;
                }
            }
        }
        Initializer.normalizeColumns(wTrue, m, r);
        reset();
    }

    /** The test's standard model: m = 500, r = 20, 20% dense W, Dirichlet(0.1), 5% noise. */
    public static PlantedModel standard(long seed) {
        return new PlantedModel(500, 20, 0.2, 0.1, 0.05, seed);
    }

    /** The true weights of the column last made by {@link #next} (not a copy). */
    public double[] lastWeights() {
        return h;
    }

    /**
     * Writes the next column into {@code out[off .. off + m)}.
     *
     * @param out destination. Modified.
     */
    public void next(double[] out, int off) {
        double sum = drawWeights();
        for (int k = 0; k < r; k++) {
            h[k] /= sum;
        }
        double sq = 0;
        for (int i = 0; i < m; i++) {
            double x = Kernels.dot(wTrue, i * r, h, 0, r);
            out[off + i] = x;
            sq += x * x;
        }
        double sigma = noise * Math.sqrt(sq / m);
        for (int i = 0; i < m; i++) {
            out[off + i] += sigma * Math.abs(Sampling.gaussian(random));
        }
    }
}
