package dev.nmfstream.nmf;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * A uniform sample of a stream's dense columns and what {@link OnlineNmf#consolidate()} needs
 * to correct the staleness of the stream's statistics with it.
 *
 * <p>The sample (Vitter's algorithm R): the first {@code capacity} columns are kept, then the
 * i-th (counting from 1) replaces a random kept one with probability capacity / i, so that every
 * column seen so far is in the sample with the same probability. A column is copied only when
 * it enters (capacity · (1 + ln(n / capacity)) copies in n columns), into its slot's storage.
 *
 * <p>With each kept column it keeps the weights h and scale s the column was learned with, and
 * it sums every column's statistics without forgetting, U = Σ s² (h hᵀ, v hᵀ). Then
 * U + (n / K) Σ over the sample of s² (h' h'ᵀ − h hᵀ, v (h' − h)ᵀ), with h' the weights on the
 * current basis, is an unbiased estimate of the statistics of all n columns weighed equally and
 * projected on the current basis: the sample corrects the stale weights (computed with the bases
 * of the time), and its variance is that of the change h' − h, small where the basis has settled.
 *
 * <p>W's columns are normalised after every update, which rescales weights (h' = n ⊙ h). The
 * kept weights and U are stored in one fixed frame, {@code frame} ⊙ (stored) being the current
 * weights, so a normalisation costs r multiplications here rather than a pass over the sample.
 * Memory: capacity × (m + r) doubles and U (m × r + r²).
 */
final class Reservoir {

    /** The frame is renormalised when one of its entries leaves [1 / LIMIT, LIMIT]. */
    private static final double LIMIT = 0x1p200;

    private final int m;
    private final int r;
    private final int capacity;
    private final SplittableRandom random;
    private long seen;
    private int size;
    /** The kept columns (allocated as the sample fills), their stream positions, weights (stored frame) and scales. */
    private final double[][] columns;
    private final long[] positions;
    private final double[][] weights;
    private final double[] scales;
    /** Current weights = frame ⊙ stored weights. */
    private final double[] frame;
    private final double[] inverse;
    /** U, every column's statistics without forgetting, in the stored frame. */
    private final SufficientStatistics uniform;

    Reservoir(int m, int r, int capacity, long seed) {
        if (capacity < 1) {
            throw new IllegalArgumentException("a sample of " + capacity + " columns, expected at least 1");
        }
        this.m = m;
        this.r = r;
        this.capacity = capacity;
        this.random = new SplittableRandom(seed);
        this.columns = new double[capacity][];
        this.positions = new long[capacity];
        this.weights = new double[capacity][r];
        this.scales = new double[capacity];
        this.frame = new double[r];
        this.inverse = new double[r];
        Arrays.fill(frame, 1.0);
        Arrays.fill(inverse, 1.0);
        this.uniform = new SufficientStatistics(m, r);
    }

    /**
     * Offers the next column of the stream; it is copied if it enters the sample.
     *
     * @return its slot (for {@link #learned}), or -1 if it was not kept
     */
    int offer(DenseColumn v) {
        seen++;
        int slot;
        if (size < capacity) {
            slot = size++;
            columns[slot] = new double[m];
        } else {
            long j = random.nextLong(seen);
            if (j >= capacity) {
                return -1;
            }
            slot = (int) j;
        }
        System.arraycopy(v.data(), v.offset(), columns[slot], 0, m);
        positions[slot] = seen;
        scales[slot] = 0; // not learned from yet
        return slot;
    }

    /** The stream position (1, 2, …) of the column kept in this slot. */
    long position(int slot) {
        return positions[slot];
    }

    /** The column kept in this slot was learned from with weights h (current frame) and scale s. */
    void learned(int slot, double[] h, double s) {
        double[] stored = weights[slot];
        for (int k = 0; k < r; k++) {
            stored[k] = h[k] * inverse[k];
        }
        scales[slot] = s;
    }

    /** Adds a mini-batch's statistics (current frame) to U. */
    void absorb(SufficientStatistics batch) {
        uniform.addRescaled(batch, inverse, 1.0);
    }

    /** W's columns were divided by their norms n: weights are now n ⊙ h. */
    void followNorms(double[] norms) {
        boolean renormalise = false;
        for (int k = 0; k < r; k++) {
            frame[k] *= norms[k];
            inverse[k] = 1.0 / frame[k];
            renormalise |= !(frame[k] < LIMIT && frame[k] > 1 / LIMIT);
        }
        if (renormalise) {
            // store everything in the current frame again (far from overflow)
            for (int q = 0; q < size; q++) {
                for (int k = 0; k < r; k++) {
                    weights[q][k] *= frame[k];
                }
            }
            uniform.rescale(inverse); // A_jk · frame_j frame_k, B[:, k] · frame_k
            Arrays.fill(frame, 1.0);
            Arrays.fill(inverse, 1.0);
        }
    }

    /** Columns kept: min(seen, capacity). */
    int size() {
        return size;
    }

    /** Columns offered so far. */
    long seen() {
        return seen;
    }

    /** The kept columns, rows 0 … size − 1 (each of length m). */
    double[][] columns() {
        return columns;
    }

    /**
     * into ← U + (n / K) Σ over the sample of (s'² h' h'ᵀ − s² h hᵀ, v (s'² h' − s² h)ᵀ), in the
     * current frame: the estimate of the statistics of every column seen, weighed equally and
     * projected on the current basis. h' and s' are the sample's weights on that basis and their
     * scales; h and s those the columns were learned with. The weight is U's.
     */
    void estimate(Projection[] fresh, double[] freshScales, SufficientStatistics into) {
        double f = (double) seen / size;
        into.clear();
        into.addRescaled(uniform, frame, 1.0);
        double[][] four = new double[4][];
        // a short last group repeats the last column with zero differences, adding nothing
        double[][] differences = new double[4][r];
        double[] h = new double[r];
        for (int q0 = 0; q0 < size; q0 += 4) {
            for (int x = 0; x < 4; x++) {
                int q = Math.min(q0 + x, size - 1);
                four[x] = columns[q];
                double[] d = differences[x];
                if (q0 + x < size) {
                    double now = freshScales[q] * freshScales[q];
                    double then = scales[q] * scales[q];
                    double[] hNow = fresh[q].h;
                    for (int k = 0; k < r; k++) {
                        h[k] = weights[q][k] * frame[k];
                        d[k] = f * (now * hNow[k] - then * h[k]);
                    }
                    into.addOuterToA(hNow, f * now);
                    into.addOuterToA(h, -f * then);
                } else {
                    Arrays.fill(d, 0.0);
                }
            }
            into.addToB4(four, differences);
        }
    }
}
