package dev.nmfstream.nmf;

import java.util.Arrays;

/**
 * Bounds one item's influence on the basis, however large it is. Projection is exact at any
 * scale ({@link Projector}), but the statistics A = Σ h hᵀ and B = Σ v hᵀ grow with ‖v‖²: one
 * item a thousand times larger than the rest (a bit flip in a float32 frame, a unit error)
 * would outweigh a million ordinary ones and pull every component toward itself.
 *
 * <p>The stream's scale is the median of ln ‖v‖ over the last {@value #WINDOW} items (robust:
 * half of them may be outliers). An item whose norm exceeds κ times that scale enters the
 * statistics scaled by s = κ · scale / ‖v‖ &lt; 1 ({@link SufficientStatistics#add(Column, double[], double)}),
 * so it weighs at most as much as an item of norm κ · scale; smaller items enter unchanged (their
 * influence is small by nature). Its published weights and residual are not affected. With the
 * default κ = {@value #DEFAULT_FACTOR} the items of an ordinary stream (norms within a few times
 * of each other) are never scaled. Until {@value #WARMUP} items have been seen nothing is scaled.
 *
 * <p>Not thread-safe; allocates nothing per item.
 */
public final class InfluenceCap {

    /** The default κ: items up to this many times the stream's typical norm enter unscaled. */
    public static final double DEFAULT_FACTOR = 4;
    /** Items whose log-norms make the stream's scale. */
    static final int WINDOW = 63;
    /** Items seen before any is scaled. */
    static final int WARMUP = 8;
    /** The median is recomputed after this many new items (always while the window fills). */
    static final int REFRESH = 8;

    private final double logFactor;
    private final double[] recent = new double[WINDOW];
    private final double[] sorted = new double[WINDOW];
    private int count;
    private int next;
    private int sinceRefresh;
    private double logScale = Double.NaN;

    /**
     * @param factor κ ≥ 1: items up to κ times the stream's typical norm enter unscaled
     */
    public InfluenceCap(double factor) {
        if (!(factor >= 1) || Double.isInfinite(factor)) {
            throw new IllegalArgumentException("influence cap " + factor + ", expected a finite number ≥ 1");
        }
        this.logFactor = Math.log(factor);
    }

    /**
     * The scale s ∈ [0, 1] an item of this log-norm enters the statistics with, and remembers the
     * item as part of the stream's scale.
     *
     * @param logNorm ln ‖v‖ ({@link Projection#logNorm()}); −∞ for v = 0
     */
    public double scaleOf(double logNorm) {
        if (logNorm == Double.NEGATIVE_INFINITY) {
            return 1.0; // v = 0 adds nothing anyway
        }
        double s = 1.0;
        if (count >= WARMUP) {
            double excess = logNorm - (logScale + logFactor);
            if (excess > 0) {
                s = Math.exp(-excess);
            }
        }
        remember(logNorm);
        return s;
    }

    /** The stream's typical ln ‖v‖ (the median of the recent items), or NaN before any item. */
    public double logScale() {
        return logScale;
    }

    private void remember(double logNorm) {
        recent[next] = logNorm;
        next = (next + 1) % WINDOW;
        if (count < WINDOW) {
            count++;
        }
        if (++sinceRefresh >= REFRESH || count < WINDOW) {
            sinceRefresh = 0;
            System.arraycopy(recent, 0, sorted, 0, count);
            Arrays.sort(sorted, 0, count);
            logScale = (count & 1) == 1 ? sorted[count / 2] : 0.5 * (sorted[count / 2 - 1] + sorted[count / 2]);
        }
    }

    /** Forgets the stream's scale (a restarted task learns it again from its next items). */
    public void clear() {
        count = 0;
        next = 0;
        sinceRefresh = 0;
        logScale = Double.NaN;
    }
}
