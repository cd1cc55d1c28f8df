package dev.nmfstream.nmf;

/**
 * The result of projecting one column v onto a basis W: the weights h ≥ 0 minimising
 * ‖v − W h‖, the squared residual, ‖v‖² and the solver's pivot count. Mutable and reused:
 * {@link Projector#project} overwrites it, so a caller that keeps results copies them.
 */
public final class Projection {

    /** The weights h, length r. */
    public final double[] h;
    /** ‖v − W h‖², from ‖v‖² − 2cᵀh + hᵀG h, clamped to [0, ‖v‖²]. */
    public double residualSq;
    /** ‖v‖². */
    public double normSq;
    /**
     * D(v‖W h), the generalised Kullback–Leibler divergence of the item, for a projection under
     * the KL loss ({@link KlProjector}); NaN for a least-squares projection.
     */
    public double divergence = Double.NaN;
    /** NNLS pivots used (multiplicative steps for a KL projection). */
    public int iterations;
    /** The version of the basis the weights were computed with. */
    public long basisVersion;
    /**
     * ‖v − W h‖ / ‖v‖, computed where v was scaled to a safe range: exact even when ‖v‖² itself
     * underflows or overflows a double (then {@link #residualSq} and {@link #normSq} are 0 or ∞).
     */
    double relative;
    /** ln ‖v‖ (−∞ for v = 0), exact at any scale. */
    double logNorm;

    /** An empty result for rank r. */
    public Projection(int r) {
        this.h = new double[r];
    }

    /** ‖v − W h‖ / ‖v‖, or 0 for v = 0; correct at any scale of v. */
    public double relativeResidual() {
        return relative;
    }

    /** ln ‖v‖, or −∞ for v = 0: the column's scale, exact even where ‖v‖² is not representable. */
    public double logNorm() {
        return logNorm;
    }

    /** ‖v − W h‖. */
    public double residual() {
        return Math.sqrt(residualSq);
    }

    /** Copies another result into this one (same rank). */
    public void copyFrom(Projection other) {
        System.arraycopy(other.h, 0, h, 0, h.length);
        residualSq = other.residualSq;
        normSq = other.normSq;
        iterations = other.iterations;
        divergence = other.divergence;
        basisVersion = other.basisVersion;
        relative = other.relative;
        logNorm = other.logNorm;
    }
}
