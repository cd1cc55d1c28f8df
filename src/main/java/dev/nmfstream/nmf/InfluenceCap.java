package dev.nmfstream.nmf;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.Arrays;

/**
 * Bounds one item's influence on the basis, however large it is. Projection is exact at any
 * scale ({@link Projector}), but the statistics A = Σ h hᵀ and B = Σ v hᵀ grow with ‖v‖²: one
 * item a thousand times larger than the rest (a bit flip in a float32 frame, a unit error)
 * would outweigh a million ordinary ones and pull every component toward itself.
 *
 * <p>The stream's scale is the median of ln ‖v‖ over the last {@value #WINDOW} items (robust:
 * half of them may be outliers). Let L = κ · scale. An item whose norm exceeds L enters the
 * statistics scaled by s = (L / ‖v‖)² &lt; 1 ({@link SufficientStatistics#add(Column, double[], double)}),
 * i.e. as an item of norm L² / ‖v‖ ({@link #scale}): no item weighs more than one of norm L, and
 * the farther an item lies beyond L the less it counts (a redescending weight: an item a million
 * times the stream's scale counts as one a million times smaller). Measured on a planted stream
 * with 1% of such records, a plain cap (s = L / ‖v‖, each at most as heavy as an item of norm L)
 * still moved the basis (worst recovered cosine 0.990, final error +70%); the redescending
 * weight left it as the clean stream's ({@code PoisonedStreamTest}). Smaller items enter
 * unchanged (their influence is small by nature). The published weights and residual are not
 * affected. With the default κ = {@value #DEFAULT_FACTOR} the items of an ordinary stream (norms
 * within a few times of each other) are never scaled; a stream whose items legitimately differ
 * in norm by more (documents of very different lengths) needs a larger κ. Until {@value #WARMUP}
 * items have been seen nothing is scaled.
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

    /** Makes this cap the same as {@code other} (same κ): the same scales from here on. */
    void copyFrom(InfluenceCap other) {
        if (other.logFactor != logFactor) {
            throw new IllegalArgumentException("a cap of another factor");
        }
        System.arraycopy(other.recent, 0, recent, 0, WINDOW);
        System.arraycopy(other.sorted, 0, sorted, 0, WINDOW);
        count = other.count;
        next = other.next;
        sinceRefresh = other.sinceRefresh;
        logScale = other.logScale;
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
        double s = count >= WARMUP ? scale(logNorm, logScale + logFactor) : 1.0;
        remember(logNorm);
        return s;
    }

    /**
     * The scale an item of this log-norm would enter with now, without remembering it (a
     * mini-batch re-projected in a refinement round keeps the stream's scale as it is).
     */
    public double scaleAt(double logNorm) {
        if (logNorm == Double.NEGATIVE_INFINITY || count < WARMUP) {
            return 1.0;
        }
        return scale(logNorm, logScale + logFactor);
    }

    /**
     * The scale of an item of log-norm ln ‖v‖ against the limit ln L = ln(κ · scale): 1 up to L,
     * beyond it (L / ‖v‖)², so that the item enters with norm s ‖v‖ = L² / ‖v‖: the largest
     * influence is that of an item of norm L, and the farther an item lies beyond it the less it
     * counts (a redescending weight, as in robust M-estimation).
     */
    public static double scale(double logNorm, double logLimit) {
        double excess = logNorm - logLimit;
        return excess > 0 ? Math.exp(-2 * excess) : 1.0;
    }

    /**
     * Remembers an item as part of the stream's scale without scaling it: a streaming task
     * learns the scale from the items it holds before the first basis, so that the first items
     * it learns from are already capped.
     */
    public void observe(double logNorm) {
        if (logNorm != Double.NEGATIVE_INFINITY) {
            remember(logNorm);
        }
    }

    /**
     * ln ‖v‖ of a nonnegative column (−∞ for v = 0), exact at any scale: the sum of squares is
     * taken of v / 2ᵉ, its largest entry brought into [1, 2). Allocates nothing.
     */
    public static double logNorm(Column v) {
        double max = Projector.maxValue(v);
        if (max == 0) {
            return Double.NEGATIVE_INFINITY;
        }
        int e = Projector.exponent(max);
        double sum = 0;
        if (v instanceof DenseColumn dense) {
            double[] data = dense.data();
            for (int i = dense.offset(), end = dense.offset() + dense.dim(); i < end; i++) {
                double x = Math.scalb(data[i], -e);
                sum += x * x;
            }
        } else {
            SparseColumn sparse = (SparseColumn) v;
            double[] values = sparse.values();
            for (int j = sparse.offset(), end = sparse.offset() + sparse.nnz(); j < end; j++) {
                double x = Math.scalb(values[j], -e);
                sum += x * x;
            }
        }
        return 0.5 * Math.log(sum) + e * LN2;
    }

    private static final double LN2 = Math.log(2);

    /**
     * s²‖v‖² without overflow or underflow on the way: exp(2(ln ‖v‖ + ln s)); s = 1 with a
     * representable ‖v‖² is ‖v‖² itself, bit for bit.
     */
    public static double scaledNormSq(Projection p, double s) {
        if (s == 1 && Double.isFinite(p.normSq) && (p.normSq > 0 || p.logNorm() == Double.NEGATIVE_INFINITY)) {
            return p.normSq;
        }
        return s == 0 ? 0.0 : Math.exp(2 * (p.logNorm() + Math.log(s)));
    }

    /** s²‖v − W h‖², from the relative residual (right at any scale) and {@link #scaledNormSq}. */
    public static double scaledResidualSq(Projection p, double s) {
        if (s == 1 && Double.isFinite(p.normSq) && (p.normSq > 0 || p.logNorm() == Double.NEGATIVE_INFINITY)) {
            return p.residualSq;
        }
        double rel = p.relativeResidual();
        return rel * rel * scaledNormSq(p, s);
    }

    /** The stream's typical ln ‖v‖ (the median of the recent items), or NaN before any item. */
    public double logScale() {
        return logScale;
    }

    private void remember(double logNorm) {
        // the window kept sorted as it slides: the item leaving is taken out, the new one put in
        // (the same order as sorting the window, Double.compare's, so the median is the same)
        if (count == WINDOW) {
            int at = Arrays.binarySearch(sorted, 0, count, recent[next]);
            System.arraycopy(sorted, at + 1, sorted, at, count - at - 1);
            count--;
        }
        int at = Arrays.binarySearch(sorted, 0, count, logNorm);
        if (at < 0) {
            at = -at - 1;
        }
        System.arraycopy(sorted, at, sorted, at + 1, count - at);
        sorted[at] = logNorm;
        count++;
        recent[next] = logNorm;
        next = (next + 1) % WINDOW;
        if (++sinceRefresh >= REFRESH || count < WINDOW) {
            sinceRefresh = 0;
            logScale = (count & 1) == 1 ? sorted[count / 2] : 0.5 * (sorted[count / 2 - 1] + sorted[count / 2]);
        }
    }

    /** Writes the remembered items (the library learner's state continues bitwise after a restore). */
    void writeTo(DataOutput out) throws IOException {
        out.writeInt(count);
        out.writeInt(next);
        out.writeInt(sinceRefresh);
        out.writeDouble(logScale);
        for (int i = 0; i < count; i++) {
            out.writeDouble(recent[i]);
        }
    }

    /** Reads what {@link #writeTo} wrote into this (cleared) cap. */
    void readFrom(DataInput in) throws IOException {
        int n = in.readInt();
        int at = in.readInt();
        int since = in.readInt();
        if (n < 0 || n > WINDOW || at < 0 || at >= WINDOW || since < 0 || since > REFRESH) {
            throw new IOException("influence cap window of " + n + " items at " + at + ", expected at most " + WINDOW);
        }
        count = n;
        next = at;
        sinceRefresh = since;
        logScale = in.readDouble();
        for (int i = 0; i < n; i++) {
            recent[i] = in.readDouble();
        }
        System.arraycopy(recent, 0, sorted, 0, count);
        Arrays.sort(sorted, 0, count);
    }

    /** Forgets the stream's scale (a restarted task learns it again from its next items). */
    public void clear() {
        count = 0;
        next = 0;
        sinceRefresh = 0;
        logScale = Double.NaN;
    }
}
