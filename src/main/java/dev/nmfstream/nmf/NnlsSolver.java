package dev.nmfstream.nmf;

import java.util.Arrays;

/**
 * Exact nonnegative least squares on the normal equations:
 *
 * <pre>  min over h ≥ 0 of  ½ hᵀG h − cᵀh       (G = WᵀW, c = Wᵀv: ½‖v − W h‖² up to a constant)</pre>
 *
 * <p>Lawson–Hanson's active-set method with a Cholesky factor of G restricted to the passive
 * (positive) set, grown by one row per added variable (O(p²)) and rebuilt only when a variable
 * leaves the set. Each round adds the most violating variable and, where the solution on the
 * larger set stays positive, up to {@link #GROUP} − 1 more with large gradients at once
 * ({@link #appendMore}), so a solution with many positive weights takes a few rounds rather than
 * one per weight. The problem is solved in the scaled variables y = D h / s with
 * D = diag(G)^½ and s = max_k c_k / √G_kk, so that the scaled Gram matrix has a unit diagonal
 * and the scaled c is at most 1: the tolerances below are then relative, and values of v
 * from 1e-30 to 1e30 solve alike. A component with G_kk = 0 (a zero column of W) gets
 * h_k = 0; a component that is linearly dependent on the passive set within
 * {@link #DEPENDENCE} is not added (a repeated column of W), so a rank-deficient W never
 * produces a singular solve, NaN or Inf.
 *
 * <p>On return the KKT conditions hold in the scaled problem: y ≥ 0, the scaled gradient
 * g' = G'y − c' satisfies g'_k ≥ −{@link #TOLERANCE} where y_k = 0 and |g'_k| ≤ about
 * 1e-12 where y_k &gt; 0 (the passive set is solved exactly). In the original variables the
 * gradient tolerance is {@code TOLERANCE · s · √G_kk}.
 *
 * <p>One solver owns its scratch memory (allocated for rank r at construction); {@link #solve}
 * allocates nothing. Not thread-safe.
 */
public final class NnlsSolver {

    /** Gradient tolerance of the KKT test in the scaled problem. */
    public static final double TOLERANCE = 1e-10;
    /**
     * A variable whose Cholesky pivot, relative to its (unit) diagonal, is below this is
     * linearly dependent on the passive set and is not added.
     */
    public static final double DEPENDENCE = 1e-10;
    /**
     * The fast path needs every Cholesky pivot of the scaled G above this (condition number
     * below about 1e8), so that its inverse is accurate.
     */
    public static final double CONDITIONED = 1e-8;
    /**
     * At most this many variables join P in one round of the active-set loop ({@link #violators}),
     * halved for the rest of a solve after each round whose larger P was not positive. Measured
     * (final bases of `fit`, exact weights of every item, median of 7 warm passes, µs per item;
     * one at a time → 8 with a share of 0.2): paragraphs r = 50 (16 positive weights) 11.0 → 7.8,
     * man-page documents r = 20 3.0 → 2.6, speech r = 20 9.4 → 8.9, planted m = 500 4.15 → 4.08.
     * A share of 0.1 was as fast on paragraphs and slower on speech (9.1); 0.5 slower on
     * paragraphs (9.6).
     */
    static final int GROUP = 8;
    /** A variable joins with the most violating one only if its gradient is at least this share of that one's. */
    static final double GROUP_SHARE = 0.2;

    /** A c'_k above this share of the largest counts towards {@link #likelyDense}. */
    static final double DENSE_LEVEL = 0.05;
    /** The share of the r components whose c' must be large for {@link #likelyDense}. */
    static final double DENSE_SHARE = 0.6;

    private final int r;
    private final int maxIterations;
    /** 1/√G_kk, or 0 for a zero column. */
    private final double[] d;
    /** The scaled c'. */
    private final double[] cs;
    /** The scaled solution y (dense). */
    private final double[] y;
    /** Candidate solution on the passive set, in passive order. */
    private final double[] z;
    /** Lower Cholesky factor of G'_PP, row-major with stride r, in passive order. */
    private final double[] chol;
    private final int[] passive;
    private final boolean[] inPassive;
    private final boolean[] blocked;
    private final double[] unconstrained;
    private final double[] mu;
    private final double[] schur;
    private final int[] nIdx;
    private final boolean[] inN;
    private final boolean[] violating;
    /** Σ_p G_{:,p} d_p y_p, then (in {@link #violators}) the scaled negative gradient. */
    private final double[] t;
    /** The variables {@link #violators} found, largest scaled negative gradient first, and those gradients. */
    private final int[] candidates = new int[GROUP];
    private final double[] candidateGrad = new double[GROUP];
    private final double[][] gScratch;
    private final double[][] invScratch;
    private int p;
    private int iterations;
    /** Variables infeasible in the current round of {@link #pivotWithInverse}. */
    private int infeasibleCount;

    /**
     * Block pivoting is tried (and continued) while at most this share of the variables is held
     * at zero, and at most {@link #BLOCK_PIVOT_MAX_ZEROS} of them unless that is under a quarter
     * ({@code blockPivotZeros}): beyond that the active set's appends cost less than the
     * O(|N|³) rounds.
     */
    static final double BLOCK_PIVOT_ZEROS = 0.75;
    /**
     * The most zeros for block pivoting at larger ranks: on paragraphs at r = 50 (16 positive
     * weights) rounds with |N| ≈ 34 made a fresh fit 13 % slower than the active set; with 24,
     * as fast, while audio frames at r = 50 (30 positive) keep most of the gain.
     */
    static final int BLOCK_PIVOT_MAX_ZEROS = 24;

    /**
     * The most zeros with which block pivoting starts at this rank, and with which it goes on
     * (at least r/3 along the way, as before).
     */
    private final double blockPivotZeros;
    private final double blockPivotZerosLater;

    /** A solver for rank r, with an iteration cap of 10·r + 20 (never reached in practice). */
    public NnlsSolver(int r) {
        this(r, 10 * r + 20);
    }

    /** A solver for rank r that stops after at most {@code maxIterations} pivots. */
    public NnlsSolver(int r, int maxIterations) {
        if (r <= 0) {
            throw new IllegalArgumentException("rank " + r + ", expected a positive rank");
        }
        this.r = r;
        this.blockPivotZeros = Math.max(r / 4.0, Math.min(BLOCK_PIVOT_ZEROS * r, BLOCK_PIVOT_MAX_ZEROS));
        this.blockPivotZerosLater = Math.max(r / 3.0, blockPivotZeros);
        this.maxIterations = maxIterations;
        this.d = new double[r];
        this.cs = new double[r];
        this.y = new double[r];
        this.z = new double[r];
        this.chol = new double[r * r];
        this.passive = new int[r];
        this.inPassive = new boolean[r];
        this.blocked = new boolean[r];
        this.unconstrained = new double[r];
        this.mu = new double[r];
        this.schur = new double[r * r];
        this.nIdx = new int[r];
        this.inN = new boolean[r];
        this.violating = new boolean[r];
        this.t = new double[r];
        this.gScratch = new double[r][r];
        this.invScratch = new double[r][r];
    }

    /** The rank this solver was built for. */
    public int rank() {
        return r;
    }

    /**
     * Solves min over h ≥ 0 of ½ hᵀG h − cᵀh.
     *
     * @param g G, r × r row-major, symmetric positive semidefinite. Not modified.
     * @param c c, length ≥ r. Not modified.
     * @param h the solution, length ≥ r. Modified.
     * @return the number of pivots (variables added or removed) used
     */
    public int solve(double[] g, double[] c, double[] h) {
        return solve(g, null, c, h);
    }

    /**
     * As {@link #solve(double[][], double[][], double[], double[])} with G (and the inverse)
     * given row-major in one array; copies them into this solver's scratch (O(r²)).
     */
    public int solve(double[] g, double[] inverse, double[] c, double[] h) {
        for (int k = 0; k < r; k++) {
            System.arraycopy(g, k * r, gScratch[k], 0, r);
            if (inverse != null) {
                System.arraycopy(inverse, k * r, invScratch[k], 0, r);
            }
        }
        return solve(gScratch, inverse == null ? null : invScratch, c, h);
    }

    /**
     * Solves min over h ≥ 0 of ½ hᵀG h − cᵀh. With the inverse of the scaled G
     * ({@link #scaledInverse}) and an unconstrained solution that is at least half positive, by
     * block principal pivoting on the few zero variables (a positive unconstrained solution is
     * the answer in O(r²)); otherwise, or if that does not settle, by Lawson–Hanson's active set
     * grown from empty (few positive weights: few pivots). Exact in every case.
     *
     * @param g G's rows (r arrays of r), symmetric positive semidefinite. Not modified.
     * @param inverse the rows of (D G D)⁻¹, or null. Not modified.
     * @param c c, length ≥ r. Not modified.
     * @param h the solution, length ≥ r. Modified.
     * @return the number of pivots (variables added or removed) used
     */
    public int solve(double[][] g, double[][] inverse, double[] c, double[] h) {
        // Scaling: d_k = 1/√G_kk, c'_k = d_k c_k / s with s = max_k d_k c_k.
        double s = 0;
        for (int k = 0; k < r; k++) {
            double gkk = g[k][k];
            double dk = gkk > 0 && gkk < Double.POSITIVE_INFINITY ? 1.0 / Math.sqrt(gkk) : 0.0;
            d[k] = dk;
            double ck = dk * c[k];
            cs[k] = ck;
            if (ck > s) {
                s = ck;
            }
            y[k] = 0;
            inPassive[k] = false;
            blocked[k] = false;
        }
        p = 0;
        iterations = 0;
        if (!(s > 0) || s == Double.POSITIVE_INFINITY) {
            // c ≤ 0 everywhere: h = 0 satisfies the KKT conditions (gradient −c ≥ 0).
            for (int k = 0; k < r; k++) {
                h[k] = 0;
            }
            return 0;
        }
        double inv = 1.0 / s;
        for (int k = 0; k < r; k++) {
            cs[k] *= inv;
        }
        if (inverse != null && likelyDense()) {
            if (pivotWithInverse(inverse)) {
                return finish(s, h);
            }
            iterations = 0;
            Arrays.fill(y, 0.0);
        }
        int group = GROUP;
        while (iterations < maxIterations) {
            int found = violators(g, group);
            if (found == 0) {
                break;
            }
            int j = candidates[0];
            if (!append(g, j)) {
                blocked[j] = true;
                continue;
            }
            iterations++;
            if (found > 1) {
                if (appendMore(g, found)) {
                    continue;
                }
                group = Math.max(1, group / 2); // this problem's support is not where the gradient points: try fewer
            }
            innerLoop(g);
        }
        return finish(s, h);
    }

    /**
     * After the most violating variable joined P: the next candidates join too, and if the
     * least-squares solution on the larger P is positive it becomes y (as the inner loop would
     * make it) and true is returned; otherwise they leave again (P as before) and false is
     * returned. An optimum with many positive weights then takes a few rounds instead of one per
     * weight (16 on average for a paragraph at r = 50), and each round's solve and gradient cost
     * the same as one pivot's. The result is the same optimum: the loop still ends only when no
     * variable violates the KKT conditions, and a failed attempt leaves Lawson–Hanson's step.
     */
    private boolean appendMore(double[][] g, int found) {
        int base = p;
        for (int e = 1; e < found; e++) {
            append(g, candidates[e]); // one that depends on P is left out (not blocked)
        }
        if (p == base) {
            return false;
        }
        solvePassive();
        for (int q = 0; q < p; q++) {
            if (!(z[q] > 0)) {
                for (int x = base; x < p; x++) {
                    inPassive[passive[x]] = false;
                }
                p = base;
                return false;
            }
        }
        for (int q = 0; q < p; q++) {
            y[passive[q]] = z[q];
        }
        iterations += p - base;
        return true;
    }

    /**
     * The variables outside P whose scaled negative gradient exceeds the tolerance and at least
     * {@link #GROUP_SHARE} of the largest one, at most {@link #GROUP} of them, largest first (the
     * lower index first among equals), into {@link #candidates}; returns their count (0: the KKT
     * conditions hold).
     *
     * <p>Three short loops rather than one: the gradients of all r variables (those in P or
     * blocked set to −∞), their largest, then the few at or above the share of it sorted in. One
     * loop that sorted each variable in as it went took a branch per variable that the processor
     * could not predict; on paragraphs (r = 50) it was a quarter of a warm solve. The candidates
     * are the same: the largest {@code group} above the tolerance, cut at the share of the
     * largest, are the largest {@code group} of those at or above that share.
     */
    private int violators(double[][] g, int group) {
        Arrays.fill(t, 0.0);
        for (int q = 0; q < p; q++) {
            int pi = passive[q];
            Kernels.axpy(d[pi] * y[pi], g[pi], t, r);
        }
        double largest = TOLERANCE;
        for (int k = 0; k < r; k++) {
            double negGrad = inPassive[k] || blocked[k] ? Double.NEGATIVE_INFINITY : cs[k] - d[k] * t[k];
            t[k] = negGrad;
            largest = negGrad > largest ? negGrad : largest;
        }
        if (!(largest > TOLERANCE)) {
            return 0;
        }
        double floor = GROUP_SHARE * largest;
        int found = 0;
        for (int k = 0; k < r; k++) {
            double negGrad = t[k];
            if (negGrad >= floor && negGrad > TOLERANCE && (found < group || negGrad > candidateGrad[found - 1])) {
                int at = found < group ? found++ : found - 1;
                while (at > 0 && candidateGrad[at - 1] < negGrad) {
                    candidates[at] = candidates[at - 1];
                    candidateGrad[at] = candidateGrad[at - 1];
                    at--;
                }
                candidates[at] = k;
                candidateGrad[at] = negGrad;
            }
        }
        return found;
    }

    /** h = s · D y. */
    private int finish(double s, double[] h) {
        for (int k = 0; k < r; k++) {
            h[k] = y[k] > 0 ? s * d[k] * y[k] : 0.0;
        }
        return iterations;
    }

    /**
     * The inverse of the scaled Gram matrix, M = (D G D)⁻¹ with D = diag(G)^-½ (r × r
     * row-major), or null when D G D is not comfortably positive definite (a Cholesky pivot
     * below {@link #CONDITIONED}: a zero, repeated or nearly repeated column of W). Computed
     * once per basis version; it is the NNLS solver's fast path. Allocates the result.
     */
    public static double[] scaledInverse(double[] g, int r) {
        double[] d = new double[r];
        for (int k = 0; k < r; k++) {
            double gkk = g[k * r + k];
            if (!(gkk > 0) || gkk == Double.POSITIVE_INFINITY) {
                return null;
            }
            d[k] = 1.0 / Math.sqrt(gkk);
        }
        // three small methods rather than one with three loop nests: HotSpot compiles each whole and
        // early (one method was compiled loop by loop, on-stack, and ran 5–50 µs a call for a long while)
        double[] l = scaledCholesky(g, d, r);
        if (l == null) {
            return null;
        }
        return gramOfTranspose(invertLower(l, r), r);
    }

    /** L with L Lᵀ = D G D, D = diag(d), row-major; null if D G D is not well conditioned. */
    private static double[] scaledCholesky(double[] g, double[] d, int r) {
        double[] l = new double[r * r];
        for (int j = 0; j < r; j++) {
            for (int k = 0; k <= j; k++) {
                double acc = d[j] * d[k] * g[j * r + k];
                for (int t = 0; t < k; t++) {
                    acc -= l[j * r + t] * l[k * r + t];
                }
                if (k < j) {
                    l[j * r + k] = acc / l[k * r + k];
                } else {
                    if (!(acc > CONDITIONED)) {
                        return null;
                    }
                    l[j * r + j] = Math.sqrt(acc);
                }
            }
        }
        return l;
    }

    /** X = L⁻¹ for a lower triangular L (row-major). */
    private static double[] invertLower(double[] l, int r) {
        double[] x = new double[r * r];
        for (int j = 0; j < r; j++) {
            x[j * r + j] = 1.0 / l[j * r + j];
            for (int i = j + 1; i < r; i++) {
                double acc = 0;
                for (int t = j; t < i; t++) {
                    acc -= l[i * r + t] * x[t * r + j];
                }
                x[i * r + j] = acc / l[i * r + i];
            }
        }
        return x;
    }

    /** M = Xᵀ X for a lower triangular X (row-major). */
    private static double[] gramOfTranspose(double[] x, int r) {
        double[] inv = new double[r * r];
        for (int a = 0; a < r; a++) {
            for (int b = a; b < r; b++) {
                double acc = 0;
                for (int t = b; t < r; t++) {
                    acc += x[t * r + a] * x[t * r + b];
                }
                inv[a * r + b] = acc;
                inv[b * r + a] = acc;
            }
        }
        return inv;
    }

    /**
     * Block principal pivoting on the set N of variables held at zero, with M = G'⁻¹ known:
     * z = z₀ + M_{:,N} μ with μ = −(M_NN)⁻¹ z₀_N (z₀ = M c', the unconstrained solution) is
     * the least-squares solution with z_N = 0, and μ is the gradient on N. Optimal when z ≥ 0
     * and μ ≥ 0; otherwise the infeasible variables change sides (Kim and Park's full
     * exchange, with Murty's single exchange as the backup that guarantees termination).
     * Each round costs O(r·|N| + |N|³): used while few enough variables are zero
     * ({@link #BLOCK_PIVOT_ZEROS}), else the caller falls back to the active set, whose appends
     * cost O(|P|·r) each. On audio frames at r = 20 about 40 % of the weights are zero: with a
     * limit of a quarter, 60 % of the columns took the active set from an empty P (7.3 pivots per
     * column on speech); with three quarters, 1.75, and a warm learner ran 13 % faster
     * (BENCHMARKS.md, "the exact solver's block pivoting").
     *
     * @return true if it solved the problem (y holds the solution), false to fall back
     */
    private boolean pivotWithInverse(double[][] inv) {
        // One loop nest per small method: HotSpot compiles each whole and early. As one method of
        // 866 bytecodes it was compiled on-stack loop by loop (ten C2 compilations, 0.36 s of the
        // compiler's time during a fresh fit of 77,516 speech frames, while the learner waited).
        int zero = unconstrainedSolution(inv);
        // The Schur system costs O(|N|³): worth it only while not too many variables are zero.
        if (zero > blockPivotZeros) {
            return false;
        }
        int best = r + 1;
        int backup = 3;
        for (int round = 0; round < 5 * r + 10; round++) {
            iterations++;
            int n = gatherZeroSet();
            if (n > blockPivotZerosLater) {
                return false;
            }
            if (!factorSchur(inv, n)) {
                return false;
            }
            solveSchur(n);
            combine(inv, n);
            int largest = markViolations();
            if (largest < 0) {
                for (int k = 0; k < r; k++) {
                    if (y[k] < 0) {
                        y[k] = 0;
                    }
                }
                return true;
            }
            if (infeasibleCount < best) {
                best = infeasibleCount;
                backup = 3;
                exchangeAll();
            } else if (backup > 0) {
                backup--;
                exchangeAll();
            } else {
                inN[largest] = !inN[largest];
            }
        }
        return false;
    }

    /** z₀ = M c' = Σ_j M_{:,j} c'_j (M symmetric: its rows are its columns); N = {k : z₀_k ≤ 0}; returns |N|. */
    private int unconstrainedSolution(double[][] inv) {
        Arrays.fill(unconstrained, 0.0);
        for (int j = 0; j < r; j++) {
            if (cs[j] != 0) {
                Kernels.axpy(cs[j], inv[j], unconstrained, r);
            }
        }
        int zero = 0;
        for (int k = 0; k < r; k++) {
            boolean out = !(unconstrained[k] > 0);
            inN[k] = out;
            if (out) {
                zero++;
            }
        }
        return zero;
    }

    /** nIdx = the members of N in order; returns |N|. */
    private int gatherZeroSet() {
        int n = 0;
        for (int k = 0; k < r; k++) {
            if (inN[k]) {
                nIdx[n++] = k;
            }
        }
        return n;
    }

    /** S = M_NN, Cholesky in place (schur, row-major with stride r); false if S is not positive definite. */
    private boolean factorSchur(double[][] inv, int n) {
        for (int a = 0; a < n; a++) {
            for (int b = 0; b <= a; b++) {
                double acc = inv[nIdx[a]][nIdx[b]];
                for (int t = 0; t < b; t++) {
                    acc -= schur[a * r + t] * schur[b * r + t];
                }
                if (a > b) {
                    schur[a * r + b] = acc / schur[b * r + b];
                } else {
                    if (!(acc > 0)) {
                        return false;
                    }
                    schur[a * r + a] = Math.sqrt(acc);
                }
            }
        }
        return true;
    }

    /** μ = −S⁻¹ z₀_N with S's Cholesky factor. */
    private void solveSchur(int n) {
        for (int a = 0; a < n; a++) {
            mu[a] = -unconstrained[nIdx[a]];
        }
        Kernels.choleskySolve(schur, r, n, mu);
    }

    /** y = z₀ + M_{:,N} μ. */
    private void combine(double[][] inv, int n) {
        System.arraycopy(unconstrained, 0, y, 0, r);
        for (int a = 0; a < n; a++) {
            Kernels.axpy(mu[a], inv[nIdx[a]], y, r);
        }
    }

    /**
     * y_N = 0; marks the infeasible variables (y_k &lt; 0 off N, μ below −{@link #TOLERANCE} on N) in
     * {@code violating}, counts them in {@link #infeasibleCount}; returns the last one, or −1 if none.
     */
    private int markViolations() {
        int infeasible = 0;
        int largest = -1;
        int a = 0;
        for (int k = 0; k < r; k++) {
            boolean bad;
            if (inN[k]) {
                y[k] = 0;
                bad = mu[a++] < -TOLERANCE;
            } else {
                bad = y[k] < 0;
            }
            violating[k] = bad;
            if (bad) {
                infeasible++;
                largest = k;
            }
        }
        infeasibleCount = infeasible;
        return largest;
    }

    /**
     * Whether the solution is likely to have many positive weights, so that block pivoting with
     * the inverse pays: at least {@link #DENSE_SHARE} of c' above {@link #DENSE_LEVEL} of its
     * maximum. Only chooses the path (both are exact). With W ≥ 0 and v ≥ 0 every c' is ≥ 0, and
     * on documents nearly all of them are above 1 % of the maximum while a document has 7 positive
     * weights of 20, so a lower bar sent documents to block pivoting at 1.5 × the active set's
     * time. The two constants were chosen on the exact solves of six data sets (BENCHMARKS.md,
     * "eighteenth session").
     */
    private boolean likelyDense() {
        int large = 0;
        for (int k = 0; k < r; k++) {
            if (cs[k] > DENSE_LEVEL) {
                large++;
            }
        }
        return large >= DENSE_SHARE * r;
    }

    private void exchangeAll() {
        for (int k = 0; k < r; k++) {
            if (violating[k]) {
                inN[k] = !inN[k];
            }
        }
    }

    /** Pivots used by the last {@link #solve}. */
    public int lastIterations() {
        return iterations;
    }

    /** G'_ab. */
    private double scaledGram(double[][] g, int a, int b) {
        return d[a] * d[b] * g[a][b];
    }

    /**
     * Appends variable j to the passive set, extending the Cholesky factor by one row:
     * L l = G'_{P,j}, l_jj = √(G'_jj − ‖l‖²). Returns false (and changes nothing) when the pivot
     * shows j to be dependent on the passive set.
     */
    private boolean append(double[][] g, int j) {
        int row = p * r;
        double sq = 0;
        for (int q = 0; q < p; q++) {
            int rq = q * r;
            double l = (scaledGram(g, passive[q], j) - Kernels.dotScalar(chol, rq, chol, row, q)) / chol[rq + q];
            chol[row + q] = l;
            sq += l * l;
        }
        double pivot = scaledGram(g, j, j) - sq;
        if (!(pivot > DEPENDENCE)) {
            return false;
        }
        chol[row + p] = Math.sqrt(pivot);
        passive[p] = j;
        inPassive[j] = true;
        p++;
        return true;
    }

    /** Rebuilds the Cholesky factor of G'_PP from scratch (after variables left P). */
    private void refactor(double[][] g) {
        int n = p;
        p = 0;
        for (int q = 0; q < n; q++) {
            int j = passive[q];
            inPassive[j] = false;
            // A subset of an independent set stays independent, so this succeeds; guard anyway.
            if (!append(g, j)) {
                y[j] = 0;
                blocked[j] = true;
            }
        }
    }

    /** z = G'_PP⁻¹ c'_P by forward and back substitution with the factor. */
    private void solvePassive() {
        for (int q = 0; q < p; q++) {
            z[q] = cs[passive[q]];
        }
        Kernels.choleskySolve(chol, r, p, z);
    }

    /**
     * Lawson–Hanson's inner loop: move from y toward the unconstrained solution on P, dropping
     * variables that reach zero, until that solution is positive.
     */
    private void innerLoop(double[][] g) {
        while (true) {
            solvePassive();
            double alpha = 1;
            int binding = -1;
            for (int q = 0; q < p; q++) {
                if (z[q] <= 0) {
                    double yq = y[passive[q]];
                    double step = yq / (yq - z[q]);
                    if (binding < 0 || step < alpha) {
                        alpha = step;
                        binding = q;
                    }
                }
            }
            if (binding < 0) {
                for (int q = 0; q < p; q++) {
                    y[passive[q]] = z[q];
                }
                return;
            }
            // y ← y + α(z − y): the binding variable reaches zero and leaves P, with any other
            // that reaches zero too.
            int kept = 0;
            for (int q = 0; q < p; q++) {
                int j = passive[q];
                double next = y[j] + alpha * (z[q] - y[j]);
                if (q == binding || next <= 0) {
                    y[j] = 0;
                    inPassive[j] = false;
                } else {
                    y[j] = next;
                    passive[kept++] = j;
                }
            }
            p = kept;
            iterations++;
            Arrays.fill(blocked, false);
            refactor(g);
            if (iterations >= maxIterations) {
                return;
            }
        }
    }
}
