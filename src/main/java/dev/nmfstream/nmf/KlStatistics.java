package dev.nmfstream.nmf;

/**
 * The statistics of the online Kullback–Leibler rule, kept in a {@link SufficientStatistics} of
 * the same shape so that they merge, decay, travel and are stored exactly as the least-squares
 * ones do:
 *
 * <pre>
 *   N_ik = Σₙ sₙ h_kn W⁽ⁿ⁾_ik vᵢₙ / (W⁽ⁿ⁾ hₙ)ᵢ   (m × r, in the place of B: {@code b[k][i]})
 *   S_k  = Σₙ sₙ h_kn                          (r, on the diagonal of A; A's other entries 0)
 * </pre>
 *
 * where W⁽ⁿ⁾ is the basis item n was projected with, hₙ its KL weights and sₙ ∈ [0, 1] its
 * influence scale (1 but for outsized items). Both are sums over items, so the statistics of
 * partitions {@link SufficientStatistics#merge merge} to those of the union and forgetting
 * ({@link SufficientStatistics#decay}) multiplies both. The update W_ik = N_ik / S_k minimises
 * their surrogate ({@link KlUpdater}; derivation in docs/design.md).
 *
 * <p>The item count grows by one per item and the weight by its scale s (the divergence is
 * 1-homogeneous: D(s v‖s W h) = s D(v‖W h)).
 */
public final class KlStatistics {

    private KlStatistics() {}

    /**
     * Adds the item the projector projected last, with its weights: N_ik += s h_k W_ik vᵢ / (W h)ᵢ,
     * S_k += s h_k. Allocates nothing; a sparse item touches only its nonzero rows.
     *
     * @param statistics the KL statistics. Modified.
     * @param basis the basis the item was projected with. Not modified.
     * @param projector the projector that projected it last (holds vᵢ / (W h)ᵢ). Not modified.
     * @param h the item's weights from that projection. Not modified.
     * @param s the item's scale in [0, 1]
     */
    public static void add(SufficientStatistics statistics, Basis basis, KlProjector projector, double[] h, double s) {
        if (!(s >= 0 && s <= 1)) {
            throw new IllegalArgumentException("item scale " + s + ", expected a number in [0, 1]");
        }
        int m = statistics.dim();
        int r = statistics.rank();
        if (basis.dim() != m || basis.rank() != r) {
            throw new IllegalArgumentException("basis of " + basis.dim() + " × " + basis.rank()
                    + " for statistics of " + m + " × " + r);
        }
        Column v = projector.lastColumn();
        double[] q = projector.ratios();
        double[] a = statistics.a;
        double[][] b = statistics.b;
        double[] wt = basis.wt;
        for (int k = 0; k < r; k++) {
            double hk = s * h[k];
            if (hk == 0) {
                continue;
            }
            a[k * r + k] += hk;
            double[] nk = b[k];
            if (v instanceof DenseColumn) {
                // N[:, k] += (s h_k) W[:, k] ∘ q
                int off = k * m;
                for (int i = 0; i < m; i++) {
                    nk[i] += hk * wt[off + i] * q[i];
                }
            } else {
                SparseColumn sparse = (SparseColumn) v;
                int[] idx = sparse.indices();
                int o = sparse.offset();
                int nnz = sparse.nnz();
                for (int j = 0; j < nnz; j++) {
                    int i = idx[o + j];
                    nk[i] += hk * wt[k * m + i] * q[j];
                }
            }
        }
        // the rows of N this item may have changed, so that the compact form sends them
        if (v instanceof SparseColumn sparse) {
            int[] idx = sparse.indices();
            int o = sparse.offset();
            for (int j = 0; j < sparse.nnz(); j++) {
                statistics.touch(idx[o + j]);
            }
        } else {
            statistics.touchAll();
        }
        statistics.countItem(s);
    }

    /**
     * Keeps the statistics consistent with a rescaled basis W' = W D, D = diag(d): the weights
     * become h' = D⁻¹ h, so S'_k = S_k / d_k, and N (a sum of h_k W_ik) is unchanged.
     *
     * @param d the positive scale of each component. Not modified.
     */
    public static void rescale(SufficientStatistics statistics, double[] d) {
        int r = statistics.rank();
        for (int k = 0; k < r; k++) {
            statistics.a[k * r + k] /= d[k];
        }
    }

    /**
     * The surrogate of W on these statistics, Σ_ik W_ik S_k − N_ik ln W_ik (terms with N_ik = 0
     * contribute W_ik S_k): up to a constant, the majorant of the items' divergences that the
     * update minimises.
     *
     * @param w W as r component arrays of length m. Not modified.
     */
    public static double surrogate(SufficientStatistics statistics, double[][] w) {
        int m = statistics.dim();
        int r = statistics.rank();
        double total = 0;
        for (int k = 0; k < r; k++) {
            double sk = statistics.a[k * r + k];
            double[] nk = statistics.b[k];
            double[] wk = w[k];
            for (int i = 0; i < m; i++) {
                total += wk[i] * sk;
                if (nk[i] > 0) {
                    total -= nk[i] * Math.log(wk[i]);
                }
            }
        }
        return total;
    }

    /** S_k, the decayed sum of component k's weights. */
    public static double weightSum(SufficientStatistics statistics, int k) {
        return statistics.a(k, k);
    }

    /** N_ik. */
    public static double numerator(SufficientStatistics statistics, int i, int k) {
        return statistics.b(i, k);
    }
}
