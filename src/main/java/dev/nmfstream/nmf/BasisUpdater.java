package dev.nmfstream.nmf;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Updates W (m × r, held as r component arrays {@code w[k][i]}, in place) from the sufficient
 * statistics by minimising the surrogate ½ Tr(WᵀW A) − Tr(WᵀB) over W ≥ floor.
 *
 * <p>Both rules are written column by column, so every inner loop is a long vectorising
 * {@link Kernels#axpy(double, double[], double[], int)} over m (measured 4–8× faster than the
 * same arithmetic row by row, whose loops are only r long). The surrogate still separates by
 * rows (row i of W sees only row i of B, and A), so a large model can later be sharded by row
 * blocks without changing a formula.
 *
 * <p>Numerics, as measured on the prototype: ε is relative, {@link #EPSILON} times an upper bound
 * of max(W A), max W · max_k Σ_j A_kj (max W taken as floor / {@link #FLOOR}), and W has
 * a floor ({@link #FLOOR}·max W) so that no entry is ever exactly zero (a zero never recovers
 * under MU); every update is followed by column normalisation with the statistics rescaled to
 * match, and by re-seeding of dead components.
 *
 * <p>Owns its scratch; the update allocates nothing. Not thread-safe.
 */
public final class BasisUpdater {

    /** ε of the multiplicative rule, relative to the bound max W · max_k Σ_j A_kj ≥ max(W A). */
    public static final double EPSILON = 1e-12;
    /** The floor on W's entries, relative to max W. */
    public static final double FLOOR = 1e-8;
    /**
     * A component is dead when its A_kk falls below this fraction of the largest A_jj, or its
     * column of W collapses to the floor.
     */
    public static final double DEAD = 1e-10;

    /** Scratch per row block (W, B and W A for r components) is kept near this size: L2-resident. */
    static final int BLOCK_BYTES = 512 * 1024;

    /**
     * Rows per unit of an {@link #update} that also takes G (at most a block): fixed, so that G is
     * summed the same way on any number of lanes, and small enough that m = 1,025 gives two lanes work.
     */
    static final int GRAM_ROWS = 256;

    /** Below twice this many rows the update runs on the calling thread alone. */
    static final int LANE_ROWS = 128;

    private final int m;
    private final int r;
    /** Rows per block. */
    private final int block;
    /** Scratch: the block of W, of B and of W A (or u = W a_k), r arrays of {@link #block}. */
    private final double[][] wBlock;
    private final double[][] bBlock;
    private final double[][] wa;
    private final double[] norms;
    /** Scratch: four dot products. */
    private final double[] four = new double[4];
    /**
     * Per block of {@link #updateRows} on lanes: the Gram products of its rows before and after
     * the update (per unit of {@link #update} with G on lanes: after only).
     */
    private double[][] blockBefore = new double[0][];
    private double[][] blockAfter = new double[0][];
    /** The lanes {@link #update} runs on (null: this thread), and an updater with its own scratch per lane. */
    private Lanes lanes;
    private BasisUpdater[] laneUpdaters;

    /** An updater for W of m × r. */
    public BasisUpdater(int m, int r) {
        this(m, r, m);
    }

    /** An updater whose blocks of rows hold at most {@code rows} rows (and fit in L2). */
    private BasisUpdater(int m, int r, int rows) {
        this.m = m;
        this.r = r;
        this.block = Math.min(Math.max(1, rows), Math.min(m, Math.max(64, BLOCK_BYTES / (3 * 8 * r))));
        this.wBlock = new double[r][block];
        this.bBlock = new double[r][block];
        this.wa = new double[r][block];
        this.norms = new double[r];
    }

    /** The floor for W: FLOOR·max W (or FLOOR if W is all zero). */
    public double floorFor(double[][] w) {
        return floorFor(w, null);
    }

    /** {@link #floorFor(double[][])} for W = {@code w} with column k times {@code factors[k]} (null: 1). */
    double floorFor(double[][] w, double[] factors) {
        double mx = 0;
        for (int k = 0; k < w.length; k++) {
            // a positive factor keeps the order of the values, rounding included
            mx = Math.max(mx, Kernels.max(w[k], 0, m) * (factors == null ? 1.0 : factors[k]));
        }
        return floorOf(mx);
    }

    /** The floor for a W whose largest entry is {@code maxW}: FLOOR·max W (or FLOOR if it is 0). */
    static double floorOf(double maxW) {
        return FLOOR * (maxW > 0 ? maxW : 1.0);
    }

    /**
     * Runs {@code steps} MU steps or HALS sweeps.
     *
     * <p>The surrogate separates by rows, so all steps run on one block of rows at a time, copied
     * into scratch that stays in the L2 cache ({@link #BLOCK_BYTES}): the same arithmetic as whole
     * sweeps (bitwise the same result for any block size), measured 3× faster at m = 12,000,
     * r = 50 where W does not fit in L2.
     *
     * @param w W as r component arrays of length m. Modified.
     * @param s the statistics. Not modified.
     * @param floor the lower bound for W's entries (W is first raised to it)
     */
    public void update(UpdateRule rule, double[][] w, SufficientStatistics s, int steps, double floor) {
        update(rule, w, null, s, steps, floor, null);
    }

    /**
     * {@link #update(UpdateRule, double[][], SufficientStatistics, int, double)} on W =
     * {@code w} with column k times {@code factors[k]} (null: 1), written back as W itself (the
     * caller's factors are 1 afterwards), and, unless
     * {@code gram} is null, the Gram matrix WᵀW of the updated W added to {@code gram}'s upper
     * triangle (r × r row-major; the lower triangle is not written): each block's products taken
     * while the block is in the cache, added block by block in row order, so G is bitwise the same
     * for any number of lanes. Measured on paragraphs (r = 50): G from the whole W afterwards
     * ({@link Basis}) read all of W r/8 times from memory and took 6 % of a warm pass.
     */
    void update(UpdateRule rule, double[][] w, double[] factors, SufficientStatistics s, int steps, double floor,
            double[] gram) {
        checkShape(w, s);
        double eps = epsilon(rule, s.a, floor);
        Lanes on = lanes;
        boolean shared = on != null && !on.alone() && m >= 2 * LANE_ROWS;
        if (gram == null) {
            if (shared) {
                // one range of rows per lane (rows are separable: W is bitwise the same for any ranges)
                int rows = (m + on.count() - 1) / on.count();
                on.run(on.count(), (lane, u) -> laneUpdaters[lane].updateRange(rule, w, factors, s, steps, floor, eps,
                        u * rows, Math.min(m, (u + 1) * rows), null));
            } else {
                updateRange(rule, w, factors, s, steps, floor, eps, 0, m, null);
            }
            return;
        }
        // units of GRAM_ROWS rows whatever the lanes, each unit's products added in row order
        int unit = Math.min(block, GRAM_ROWS);
        int units = (m + unit - 1) / unit;
        if (shared) {
            blockAfter = ensureBlockGrams(blockAfter, units);
            on.run(units, (lane, u) -> {
                Arrays.fill(blockAfter[u], 0.0);
                laneUpdaters[lane].updateRange(rule, w, factors, s, steps, floor, eps, u * unit,
                        Math.min(m, (u + 1) * unit), blockAfter[u]);
            });
            for (int u = 0; u < units; u++) {
                addUpper(blockAfter[u], gram);
            }
            return;
        }
        for (int from = 0; from < m; from += unit) {
            updateRange(rule, w, factors, s, steps, floor, eps, from, Math.min(m, from + unit), gram);
        }
    }

    /**
     * {@link #update} on rows from ≤ i &lt; to, block by block (blocks start at {@code from}), each
     * block's Gram products after the update added to {@code gram}'s upper triangle unless null.
     */
    private void updateRange(UpdateRule rule, double[][] w, double[] factors, SufficientStatistics s, int steps,
            double floor, double eps, int from, int to, double[] gram) {
        double[] a = s.a;
        for (int start = from; start < to; start += block) {
            int n = Math.min(block, to - start);
            for (int k = 0; k < r; k++) {
                double[] wk = wBlock[k];
                System.arraycopy(w[k], start, wk, 0, n);
                if (factors != null && factors[k] != 1) {
                    Kernels.scale(factors[k], wk, 0, n);
                }
                System.arraycopy(s.b[k], start, bBlock[k], 0, n);
                Kernels.raiseTo(floor, wk, n);
            }
            if (rule == UpdateRule.MU) {
                multiplicative(a, n, steps, eps, floor);
            } else {
                hals(a, n, steps, floor);
            }
            if (gram != null) {
                addBlockGram(n, 1.0, gram);
            }
            for (int k = 0; k < r; k++) {
                System.arraycopy(wBlock[k], 0, w[k], start, n);
            }
        }
    }

    /**
     * Runs {@link #update} on the given lanes from now on (null: on the calling thread alone), each
     * lane with its own scratch. The result is bitwise the same for any number of lanes.
     */
    void parallel(Lanes on) {
        this.lanes = on;
        if (on != null && (laneUpdaters == null || laneUpdaters.length != on.count())) {
            laneUpdaters = new BasisUpdater[on.count()];
            for (int lane = 0; lane < on.count(); lane++) {
                laneUpdaters[lane] = new BasisUpdater(m, r, m); // blocks of this updater's size: updateRows' units
            }
        }
    }

    /**
     * Runs {@code steps} MU steps or HALS sweeps on the given rows of W only (the others keep
     * their values): since the surrogate separates by rows, each of these rows gets exactly what
     * {@link #update} would give it.
     *
     * @param w W as r component arrays of length m. Modified (the given rows).
     * @param s the statistics. Not modified.
     * @param rows the rows to update, distinct, rows[0 … count). Not modified.
     */
    public void updateRows(UpdateRule rule, double[][] w, SufficientStatistics s, int steps, double floor, int[] rows,
            int count) {
        updateRows(rule, w, null, s, steps, floor, rows, count, null);
    }

    /**
     * {@link #updateRows(UpdateRule, double[][], SufficientStatistics, int, double, int[], int)} on
     * W = {@code w} with column k times {@code factors[k]} (null: 1), whose rows are written back
     * in those units (divided by the factors), and, unless {@code gramChange} is null, the change of the Gram matrix WᵀW that it makes added
     * to {@code gramChange}'s upper triangle (r × r row-major; the lower triangle is not written):
     * Σ over the rows of w_after w_afterᵀ − w_before w_beforeᵀ, each block's products taken while
     * the block is in the cache. Gathered again before and after the update and summed row by row,
     * they took longer than the sweeps (a pass over paragraphs, r = 50: ~215 ms against ~185 ms).
     */
    void updateRows(UpdateRule rule, double[][] w, double[] factors, SufficientStatistics s, int steps, double floor,
            int[] rows, int count, double[] gramChange) {
        checkShape(w, s);
        double eps = epsilon(rule, s.a, floor);
        int blocks = (count + block - 1) / block;
        Lanes on = lanes;
        if (on != null && !on.alone() && blocks >= 2) {
            // one block of rows per unit, each on one lane with its own scratch; the blocks' Gram
            // products are kept apart and added here in block order, as one thread adds them
            boolean gram = gramChange != null;
            if (gram) {
                blockBefore = ensureBlockGrams(blockBefore, blocks);
                blockAfter = ensureBlockGrams(blockAfter, blocks);
            }
            on.run(blocks, (lane, u) -> {
                if (gram) {
                    Arrays.fill(blockBefore[u], 0.0);
                    Arrays.fill(blockAfter[u], 0.0);
                }
                laneUpdaters[lane].updateBlock(rule, w, factors, s, steps, floor, eps, rows, u * block,
                        Math.min(count, (u + 1) * block), gram ? blockBefore[u] : null, gram ? blockAfter[u] : null);
            });
            if (gram) {
                for (int u = 0; u < blocks; u++) {
                    addUpper(blockBefore[u], gramChange);
                    addUpper(blockAfter[u], gramChange);
                }
            }
            return;
        }
        for (int start = 0; start < count; start += block) {
            updateBlock(rule, w, factors, s, steps, floor, eps, rows, start, Math.min(count, start + block),
                    gramChange, gramChange);
        }
    }

    /**
     * {@link #updateRows} on rows[from … to), at most {@link #block} of them, in this updater's
     * scratch: the Gram products of the rows before the update subtracted from {@code before}'s
     * upper triangle and those after it added to {@code after}'s (the caller's G change for both,
     * or a lane's two zeroed arrays for its block), unless null.
     */
    private void updateBlock(UpdateRule rule, double[][] w, double[] factors, SufficientStatistics s, int steps,
            double floor, double eps, int[] rows, int from, int to, double[] before, double[] after) {
        int n = to - from;
        for (int k = 0; k < r; k++) {
            double[] wk = wBlock[k];
            double[] bk = bBlock[k];
            double[] sourceW = w[k];
            double[] sourceB = s.b[k];
            double f = factors == null ? 1.0 : factors[k]; // 1·x is x exactly
            for (int x = 0; x < n; x++) {
                int i = rows[from + x];
                wk[x] = sourceW[i] * f;
                bk[x] = sourceB[i];
            }
        }
        if (before != null) {
            addBlockGram(n, -1.0, before);
        }
        for (int k = 0; k < r; k++) {
            Kernels.raiseTo(floor, wBlock[k], n);
        }
        if (rule == UpdateRule.MU) {
            multiplicative(s.a, n, steps, eps, floor);
        } else {
            hals(s.a, n, steps, floor);
        }
        if (after != null) {
            addBlockGram(n, 1.0, after);
        }
        for (int k = 0; k < r; k++) {
            double[] wk = wBlock[k];
            double[] target = w[k];
            double inverse = factors == null ? 1.0 : 1.0 / factors[k];
            for (int x = 0; x < n; x++) {
                target[rows[from + x]] = wk[x] * inverse;
            }
        }
    }

    /** {@code arrays} with room for at least {@code blocks} blocks' Gram products (r × r each). */
    private double[][] ensureBlockGrams(double[][] arrays, int blocks) {
        if (arrays.length >= blocks) {
            return arrays;
        }
        int old = arrays.length;
        double[][] out = Arrays.copyOf(arrays, blocks);
        for (int u = old; u < blocks; u++) {
            out[u] = new double[r * r];
        }
        return out;
    }

    /**
     * g's upper triangle += p's, entry by entry: with p a block's signed products added to zero,
     * bitwise what {@link #addBlockGram} adds to g directly (G's change never holds −0).
     */
    private void addUpper(double[] p, double[] g) {
        for (int j = 0; j < r; j++) {
            for (int k = j; k < r; k++) {
                g[j * r + k] += p[j * r + k];
            }
        }
    }

    /** g's upper triangle += sign · (the block's n rows of W)ᵀ(the same rows), four products per pass. */
    private void addBlockGram(int n, double sign, double[] g) {
        for (int j = 0; j < r; j++) {
            double[] wj = wBlock[j];
            int k = j;
            for (; k + 3 < r; k += 4) {
                Kernels.dot4(wBlock[k], wBlock[k + 1], wBlock[k + 2], wBlock[k + 3], wj, n, four);
                for (int q = 0; q < 4; q++) {
                    g[j * r + k + q] += sign * four[q];
                }
            }
            for (; k < r; k++) {
                g[j * r + k] += sign * Kernels.dot(wj, 0, wBlock[k], 0, n);
            }
        }
    }

    /** ε of the multiplicative rule for these statistics and floor (0 for HALS). */
    private double epsilon(UpdateRule rule, double[] a, double floor) {
        double eps = 0;
        if (rule == UpdateRule.MU) {
            // ε = EPSILON · max W · max_k Σ_j A_kj, an upper bound of EPSILON·max(W A) that costs O(r²)
            double rowSum = 0;
            for (int k = 0; k < r; k++) {
                double acc = 0;
                for (int j = 0; j < r; j++) {
                    acc += a[k * r + j];
                }
                rowSum = Math.max(rowSum, acc);
            }
            eps = EPSILON * (floor / FLOOR) * rowSum;
            if (!(eps > 0)) {
                eps = Double.MIN_NORMAL;
            }
        }
        return eps;
    }

    /** W ← max(floor, W ∘ B ⊘ (W A + ε)) on the block, all columns at once, {@code steps} times. */
    private void multiplicative(double[] a, int n, int steps, double eps, double floor) {
        for (int step = 0; step < steps; step++) {
            // (W A)_k = Σ_j A_jk w_j
            for (int k = 0; k < r; k++) {
                Kernels.combination(wBlock, a, k, r, r, wa[k], n);
            }
            for (int k = 0; k < r; k++) {
                double[] wk = wBlock[k];
                double[] bk = bBlock[k];
                double[] out = wa[k];
                for (int i = 0; i < n; i++) {
                    double x = wk[i] * bk[i] / (out[i] + eps);
                    wk[i] = x > floor ? x : floor;
                }
            }
        }
    }

    /**
     * HALS sweeps on the block: w_k ← max(floor, w_k + (b_k − W a_k) / A_kk) for k = 0 … r − 1,
     * each with the columns before it already updated (exact coordinate minimisation).
     */
    private void hals(double[] a, int n, int sweeps, double floor) {
        double[] u = wa[0];
        for (int sweep = 0; sweep < sweeps; sweep++) {
            for (int k = 0; k < r; k++) {
                double inverse = 1.0 / a[k * r + k];
                if (!(inverse > 0 && inverse < Double.POSITIVE_INFINITY)) {
                    continue; // A_kk ≤ 0 (an unused component) or so small that its inverse overflows
                }
                // u = W a_k
                Kernels.combination(wBlock, a, k, r, r, u, n);
                Kernels.halsStep(wBlock[k], bBlock[k], u, inverse, floor, n);
            }
        }
    }

    /**
     * Scales every column of W to unit norm and rescales the statistics so that W·H and the
     * surrogate are unchanged (A' = D A D, B' = B D for the norms D = diag(‖w_k‖)).
     *
     * @param w W as component arrays. Modified.
     * @param s the statistics. Modified.
     * @param normsOut the norms before scaling, length ≥ r. Modified.
     */
    public void normalize(double[][] w, SufficientStatistics s, double[] normsOut) {
        checkShape(w, s);
        // W' = W D⁻¹ with D = diag(norms): rescale takes the scale of W' relative to W.
        unitColumns(w, m, r, norms, normsOut);
        s.rescale(normsOut);
        System.arraycopy(norms, 0, normsOut, 0, r);
    }

    /**
     * Scales each column w_k (length m) of W to unit norm (a zero or non-finite norm counts as 1).
     *
     * @param w W as component arrays. Modified.
     * @param norms the norms before scaling, length ≥ r. Modified.
     * @param inverse their inverses, length ≥ r. Modified.
     */
    static void unitColumns(double[][] w, int m, int r, double[] norms, double[] inverse) {
        for (int k = 0; k < r; k++) {
            double n = Math.sqrt(Kernels.dot(w[k], 0, w[k], 0, m));
            n = n > 0 && n < Double.POSITIVE_INFINITY ? n : 1.0;
            norms[k] = n;
            Kernels.scale(1.0 / n, w[k], 0, m);
        }
        for (int k = 0; k < r; k++) {
            inverse[k] = 1.0 / norms[k];
        }
    }

    /**
     * True when component k is dead: its A_kk is below {@link #DEAD} times the largest diagonal
     * entry of A, or its column norm before normalisation was at most {@code collapsedNorm}.
     */
    public boolean isDead(SufficientStatistics s, int k, double normBefore, double collapsedNorm) {
        double maxDiag = 0;
        for (int j = 0; j < r; j++) {
            maxDiag = Math.max(maxDiag, s.a[j * r + j]);
        }
        return s.a[k * r + k] <= DEAD * maxDiag || normBefore <= collapsedNorm;
    }

    /**
     * Re-seeds component k of W from recent data: the chosen candidate column's positive
     * residual max(0, v − Σ_{j≠k} w_j h_j) (h its projection on the current W), normalised;
     * failing that the candidate itself, failing that a seeded random direction. Its statistics
     * are reset to a small weight that makes the new column a fixed point of the surrogate
     * (A_kk = τ, B_k = τ w_k, no cross terms), so data, not the reset, decides where it goes next.
     *
     * @param w W as component arrays, columns normalised. Modified (column k).
     * @param s the statistics. Modified (component k).
     * @param candidate which candidate of {@code s} to use, or −1 for none
     * @param tau the weight given to the new component's statistics
     */
    public void reseed(double[][] w, SufficientStatistics s, int k, int candidate, double tau, SplittableRandom random) {
        double[] col = new double[m];
        boolean done = false;
        if (candidate >= 0 && candidate < s.candidateCount()) {
            double[] v = s.candidate(candidate);
            Basis current = Basis.fromComponents(m, r, w, -1);
            Projection p = new Projector(r).project(current, DenseColumn.of(v), new Projection(r));
            System.arraycopy(v, 0, col, 0, m);
            for (int j = 0; j < r; j++) {
                if (j != k && p.h[j] != 0) {
                    Kernels.axpy(-p.h[j], w[j], col, m);
                }
            }
            double sq = 0;
            for (int i = 0; i < m; i++) {
                col[i] = col[i] > 0 ? col[i] : 0;
                sq += col[i] * col[i];
            }
            if (!(sq > 0)) {
                System.arraycopy(v, 0, col, 0, m);
                sq = Kernels.dot(col, 0, col, 0, m);
            }
            done = sq > 0;
        }
        if (!done) {
            for (int i = 0; i < m; i++) {
                col[i] = random.nextDouble();
            }
        }
        double inv = 1.0 / Math.sqrt(Kernels.dot(col, 0, col, 0, m));
        double[] wk = w[k];
        double[] bk = new double[m];
        for (int i = 0; i < m; i++) {
            double x = col[i] * inv;
            wk[i] = x > FLOOR ? x : FLOOR;
            bk[i] = tau * wk[i];
        }
        s.resetComponent(k, tau, bk);
    }

    private void checkShape(double[][] w, SufficientStatistics s) {
        if (s.dim() != m || s.rank() != r || w.length != r || w[0].length != m) {
            throw new IllegalArgumentException("W of " + w.length + " columns and statistics of " + s.dim() + " × "
                    + s.rank() + " do not match an updater for " + m + " × " + r);
        }
    }
}
