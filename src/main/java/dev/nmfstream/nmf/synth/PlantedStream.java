package dev.nmfstream.nmf.synth;

import dev.nmfstream.nmf.Sampling;
import java.util.SplittableRandom;

/**
 * What the synthetic streams with a known answer share: m, r, the planted basis W_true
 * (row-major m × r), the Dirichlet(α) weights of the item last made, and a seeded stream that
 * {@link #reset()} replays from its first item.
 */
public abstract sealed class PlantedStream permits PlantedModel, PlantedTopics {

    final int m;
    final int r;
    final double alpha;
    final double[] wTrue;
    final double[] h;
    private final long streamSeed;
    SplittableRandom random;

    /**
     * @param streamSeed seeds the stream of items (W_true is seeded by the subclass)
     */
    PlantedStream(int m, int r, double alpha, long streamSeed) {
        this.m = m;
        this.r = r;
        this.alpha = alpha;
        this.streamSeed = streamSeed;
        this.wTrue = new double[m * r];
        this.h = new double[r];
    }

    /** Restarts the stream from its first item. */
    public final void reset() {
        random = new SplittableRandom(streamSeed);
    }

    public final int dim() {
        return m;
    }

    public final int rank() {
        return r;
    }

    /** A copy of W_true, row-major (m × r). */
    public final double[] trueBasis() {
        return wTrue.clone();
    }

    /**
     * Draws the next item's weights h ~ Dirichlet(α) as Gamma(α) draws, not yet divided by their
     * sum (all zero, which Gamma draws of a tiny α can give: one component at random gets 1).
     *
     * @return the sum of h
     */
    final double drawWeights() {
        double sum = 0;
        for (int k = 0; k < r; k++) {
            h[k] = Sampling.gamma(random, alpha);
            sum += h[k];
        }
        if (!(sum > 0)) {
            h[random.nextInt(r)] = 1;
            sum = 1;
        }
        return sum;
    }
}
