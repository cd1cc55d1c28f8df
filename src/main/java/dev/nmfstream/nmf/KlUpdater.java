package dev.nmfstream.nmf;

/**
 * Updates W (held as r component arrays {@code w[k][i]}, in place) from the KL statistics
 * ({@link KlStatistics}) by the online form of Lee–Seung's KL rule:
 *
 * <pre>
 *   W_ik ← max(floor, N_ik / S_k)
 * </pre>
 *
 * the exact minimiser over W ≥ floor of the surrogate Σ_ik W_ik S_k − N_ik ln W_ik, which
 * majorises the (decayed) sum of the items' divergences and touches it at the bases the items
 * were projected with (derivation: docs/design.md). With the statistics of one mini-batch only
 * (forgetting factor 0) it is exactly one Lee–Seung multiplicative step on that batch, so it
 * never increases the batch's divergence. A component with S_k = 0 keeps its column.
 *
 * <p>Afterwards columns are normalised to unit norm with S rescaled to match, and dead
 * components are re-seeded as under the Frobenius loss ({@link BasisUpdater#isDead},
 * {@link BasisUpdater#reseed}: the reset N_:k = τ w_k, S_k = τ makes the new column a fixed
 * point). Allocates nothing. Not thread-safe.
 */
public final class KlUpdater {

    private final int m;
    private final int r;
    private final double[] norms;

    /** An updater for W of m × r. */
    public KlUpdater(int m, int r) {
        this.m = m;
        this.r = r;
        this.norms = new double[r];
    }

    /**
     * W ← max(floor, N ⊘ S).
     *
     * @param w W as r component arrays of length m. Modified.
     * @param s the KL statistics. Not modified.
     * @param floor the lower bound for W's entries
     */
    public void update(double[][] w, SufficientStatistics s, double floor) {
        checkShape(w, s);
        for (int k = 0; k < r; k++) {
            double sk = s.a[k * r + k];
            double[] wk = w[k];
            if (!(sk > 0) || Double.isInfinite(sk)) {
                Kernels.raiseTo(floor, wk, m);
                continue;
            }
            double inv = 1.0 / sk;
            double[] nk = s.b[k];
            for (int i = 0; i < m; i++) {
                double x = nk[i] * inv;
                wk[i] = x > floor ? x : floor;
            }
        }
    }

    /**
     * Scales every column of W to unit norm and rescales the statistics to match
     * ({@link KlStatistics#rescale}).
     *
     * @param normsOut the norms before scaling, length ≥ r. Modified.
     */
    public void normalize(double[][] w, SufficientStatistics s, double[] normsOut) {
        checkShape(w, s);
        // W' = W D⁻¹ with D = diag(norms)
        BasisUpdater.unitColumns(w, m, r, norms, normsOut);
        KlStatistics.rescale(s, normsOut);
        System.arraycopy(norms, 0, normsOut, 0, r);
    }

    /**
     * Refines a first basis by passes of batch KL-NMF over a sample: each pass projects every
     * column under KL ({@link KlProjector}), gathers the KL statistics of the whole sample and
     * sets W ← N ⊘ S, then normalises (alternating minimisation of Σ D(x‖W h) over the sample).
     *
     * @param w row-major m × r, unit columns
     * @return the refined W, row-major, unit columns
     */
    public static double[] refine(double[] w, ColumnBuffer sample, int m, int r, int passes) {
        if (passes <= 0 || sample.size() == 0) {
            return w;
        }
        Basis basis = new Basis(m, r, w, 0);
        double[][] components = basis.toComponents();
        KlProjector projector = new KlProjector(r);
        Projection projection = new Projection(r);
        KlUpdater updater = new KlUpdater(m, r);
        BasisUpdater floors = new BasisUpdater(m, r);
        SufficientStatistics statistics = new SufficientStatistics(m, r);
        double[] norms = new double[r];
        for (int pass = 0; pass < passes; pass++) {
            statistics.clear();
            for (int q = 0; q < sample.size(); q++) {
                projector.project(basis, sample.get(q), projection);
                KlStatistics.add(statistics, basis, projector, projection.h, 1.0);
            }
            updater.update(components, statistics, floors.floorFor(components));
            updater.normalize(components, statistics, norms);
            basis = Basis.fromComponents(m, r, components, 0);
        }
        return basis.toRowMajor();
    }

    private void checkShape(double[][] w, SufficientStatistics s) {
        if (s.dim() != m || s.rank() != r || w.length != r || w[0].length != m) {
            throw new IllegalArgumentException("W of " + w.length + " columns and statistics of " + s.dim() + " × "
                    + s.rank() + " do not match an updater for " + m + " × " + r);
        }
    }
}
