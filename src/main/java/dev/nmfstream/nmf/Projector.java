package dev.nmfstream.nmf;

import java.util.Arrays;

/**
 * Projects columns onto a basis: h = argmin over h ≥ 0 of ‖v − W h‖², exactly (see
 * {@link NnlsSolver}). The cost is one product c = Wᵀv (O(m·r) dense, O(nnz·r) sparse) plus
 * an r-dimensional problem on (G, c) that never looks at m again.
 *
 * <p>Any scale of v is safe. When ‖v‖² lies in [2⁻⁹⁰⁰, 2⁹⁰⁰] (or v = 0) every product, square
 * and sum in the solve stays a normal double and v is used as it is. Otherwise (subnormal values,
 * squares that would overflow) v is first multiplied by the power of two 2⁻ᵉ that brings its
 * largest entry into [1, 2): exact, since only exponents change. The weights are scaled back by
 * 2ᵉ, and the relative residual is computed in the scaled space, so it is right even where
 * ‖v‖² is not representable.
 *
 * <p>Each projector owns its scratch memory; {@link #project} allocates nothing (a column outside
 * the safe range allocates its scaled copy's buffer once). Not thread-safe: give every thread
 * (every stream task) its own.
 */
public final class Projector {

    private final int r;
    private final NnlsSolver solver;
    /** c = Wᵀv. */
    private final double[] c;
    /** G h. */
    private final double[] gh;
    /** c for four columns. */
    private final double[][] c4;
    /** {@link #projectBlock}'s scratch: the block's rows (m × BLOCK), products (r × BLOCK) and squared norms. */
    private double[][] vt;
    private double[][] ct;
    private double[] nt;
    /** A column scaled into the safe range: values (and a sparse column's indices), grown on demand. */
    private double[] scaled = new double[0];
    private int[] scaledIndices = new int[0];
    /** Views over {@link #scaled}, and over one of {@link #project4}'s columns. */
    private final DenseColumn scaledDense = new DenseColumn(new double[0], 0, 0);
    private final SparseColumn scaledSparse = SparseColumn.of(1, new int[0], new double[0]);
    private final DenseColumn groupColumn = new DenseColumn(new double[0], 0, 0);

    /** ‖v‖² at or above this (and at or below {@link #SAFE_MAX}) is projected unscaled. */
    static final double SAFE_MIN = 0x1p-900;
    /** ‖v‖² at or below this is projected unscaled. */
    static final double SAFE_MAX = 0x1p900;
    private static final double LN2 = Math.log(2);

    /** A projector for bases of rank r. */
    public Projector(int r) {
        this.r = r;
        this.solver = new NnlsSolver(r);
        this.c = new double[r];
        this.gh = new double[r];
        this.c4 = new double[4][r];
    }

    /**
     * Projects v onto the basis.
     *
     * @param basis W and G. Not modified.
     * @param v the column; its dimension must be the basis's. Not modified.
     * @param out h, residual, ‖v‖², pivots and basis version. Modified.
     * @return {@code out}
     */
    public Projection project(Basis basis, Column v, Projection out) {
        if (basis.rank() != r) {
            throw new IllegalArgumentException("basis of rank " + basis.rank() + ", this projector is for rank " + r);
        }
        if (v.dim() != basis.dim()) {
            throw new IllegalArgumentException("column of dimension " + v.dim() + ", expected the basis dimension "
                    + basis.dim());
        }
        double normSq = v.squaredNorm();
        if (!safe(normSq) && maxValue(v) > 0) {
            return projectScaled(basis, v, out);
        }
        // c = Wᵀv
        products(basis, v);
        out.normSq = normSq;
        solveFromProducts(basis, out);
        return out;
    }

    /** Whether a column of this squared norm is projected unscaled (v = 0 is checked apart). */
    static boolean safe(double normSq) {
        return normSq >= SAFE_MIN && normSq <= SAFE_MAX;
    }

    /** c = Wᵀv. */
    private void products(Basis basis, Column v) {
        if (v instanceof DenseColumn dense) {
            Kernels.multTransDense(basis.wt, basis.dim(), r, dense.data(), dense.offset(), c);
        } else {
            SparseColumn sparse = (SparseColumn) v;
            Kernels.multTransSparse(basis.w, r, sparse.indices(), sparse.values(), sparse.offset(), sparse.nnz(), c);
        }
    }

    /**
     * Projects v' = 2⁻ᵉ v (its largest entry in [1, 2)) and scales the results back:
     * h = 2ᵉ h', ‖v − W h‖² = 2²ᵉ ‖v' − W h'‖² (0 or ∞ where a double cannot hold it), and the
     * relative residual from the scaled problem.
     */
    private Projection projectScaled(Basis basis, Column v, Projection out) {
        int e = exponent(maxValue(v));
        int n = v.nnz();
        if (scaled.length < n) {
            scaled = new double[n];
        }
        Column scaledColumn;
        if (v instanceof DenseColumn dense) {
            for (int i = 0; i < n; i++) {
                scaled[i] = Math.scalb(dense.data()[dense.offset() + i], -e);
            }
            scaledColumn = scaledDense.set(scaled, 0, n);
        } else {
            SparseColumn sparse = (SparseColumn) v;
            if (scaledIndices.length < n) {
                scaledIndices = new int[n];
            }
            System.arraycopy(sparse.indices(), sparse.offset(), scaledIndices, 0, n);
            for (int j = 0; j < n; j++) {
                scaled[j] = Math.scalb(sparse.values()[sparse.offset() + j], -e);
            }
            scaledColumn = scaledSparse.set(sparse.dim(), scaledIndices, scaled, 0, n);
        }
        products(basis, scaledColumn);
        out.normSq = scaledColumn.squaredNorm();
        solveFromProducts(basis, out);
        for (int k = 0; k < r; k++) {
            out.h[k] = Math.scalb(out.h[k], e);
        }
        out.residualSq = Math.scalb(out.residualSq, 2 * e);
        out.normSq = Math.scalb(out.normSq, 2 * e);
        out.logNorm += e * LN2;
        return out;
    }

    /** The largest entry of a nonnegative column. */
    static double maxValue(Column v) {
        double max = 0;
        if (v instanceof DenseColumn dense) {
            double[] data = dense.data();
            for (int i = dense.offset(), end = dense.offset() + dense.dim(); i < end; i++) {
                max = Math.max(max, data[i]);
            }
        } else {
            SparseColumn sparse = (SparseColumn) v;
            double[] values = sparse.values();
            for (int j = sparse.offset(), end = sparse.offset() + sparse.nnz(); j < end; j++) {
                max = Math.max(max, values[j]);
            }
        }
        return max;
    }

    /** The binary exponent e of a positive double x (2ᵉ ≤ x < 2ᵉ⁺¹), subnormals included. */
    static int exponent(double x) {
        int e = Math.getExponent(x);
        return e >= Double.MIN_EXPONENT ? e : Math.getExponent(x * 0x1p54) - 54;
    }

    /**
     * Solves the projection from c = Wᵀv already known (left in this projector by the caller
     * through {@link #products()}, taken on W's stored values: the basis's factors are applied
     * here), with ‖v‖² in {@code out.normSq}.
     */
    void solveFromProducts(Basis basis, Projection out) {
        double[] h = out.h;
        // the products were taken on W's stored values: c_k = scale_k · (stored w_k)ᵀv (scale_k is mostly 1)
        double[] scale = basis.scale;
        for (int k = 0; k < r; k++) {
            c[k] *= scale[k];
        }
        out.iterations = solver.solve(basis.gramRows, basis.scaledInverseRows, c, h);
        out.basisVersion = basis.version();
        // ‖v − W h‖² = ‖v‖² − 2cᵀh + hᵀG h, O(r²) (G h over the support of h), clamped against round-off
        Arrays.fill(gh, 0.0);
        for (int k = 0; k < r; k++) {
            if (h[k] != 0) {
                Kernels.axpy(h[k], basis.gramRows[k], gh, r);
            }
        }
        double res = out.normSq - 2 * Kernels.dot(c, 0, h, 0, r) + Kernels.dot(h, 0, gh, 0, r);
        out.residualSq = res > 0 ? Math.min(res, out.normSq) : 0.0;
        out.relative = out.normSq > 0 ? Math.sqrt(out.residualSq / out.normSq) : 0.0;
        out.logNorm = 0.5 * Math.log(out.normSq);
    }

    /** The most columns {@link #projectBlock} multiplies at once. */
    static final int BLOCK = 128;

    /**
     * Projects dense columns v[from .. from + n) (each of length m from index 0) together: the
     * products C = Wᵀ V as one blocked matrix product, then an exact solve per column.
     *
     * <p>The product runs over V's rows (the block transposed, BLOCK columns per row) four rows of
     * W at a time: C[k, :] += Σ W[i, k] V[i, :] is a loop over the block's columns that HotSpot's
     * C2 compiles to SIMD code, which the dot products of {@link #project4} (reductions) are not:
     * measured 1.4–1.7× faster at m = 500 and 1025, r = 20, transposition included (blocks of 16;
     * longer blocks run more of that loop as SIMD). Each column's
     * products are summed in the same order whatever block it is in, so the results do not depend
     * on how columns are grouped into calls. Each column's ‖v‖² is summed as it is transposed
     * instead of by a dot product of its own (7 % of a warm pass at m = 1025).
     *
     * @param v columns. Not modified.
     * @param out results for v[from ..], out[from + j] for column from + j. Modified.
     */
    public void projectBlock(Basis basis, double[][] v, int from, int n, Projection[] out) {
        if (basis.rank() != r) {
            throw new IllegalArgumentException("basis of rank " + basis.rank() + ", this projector is for rank " + r);
        }
        int m = basis.dim();
        if (vt == null || vt.length != m) {
            vt = new double[m][BLOCK];
            ct = new double[r][BLOCK];
            nt = new double[BLOCK];
        }
        // one loop nest per method, so that HotSpot compiles each whole and early on a fresh JVM
        for (int start = from, end = from + n; start < end; start += BLOCK) {
            int b = Math.min(BLOCK, end - start);
            transposeBlock(v, start, b, m);
            multiplyBlock(basis.wt, m, b);
            solveBlock(basis, v, start, b, out);
        }
    }

    /**
     * vt = the rows of v[start .. start + b) and nt = each column's ‖v‖² (summed in the order of
     * its rows, whatever the block), eight columns at a time ({@link #transpose8}).
     */
    private void transposeBlock(double[][] v, int start, int b, int m) {
        int j = 0;
        for (; j + 7 < b; j += 8) {
            transpose8(v, start + j, vt, j, m, nt);
        }
        for (; j < b; j++) {
            transpose1(v[start + j], vt, j, m, nt);
        }
    }

    /**
     * Rows vt[i][j .. j + 8) = entry i of columns v[from .. from + 8), and their squared norms
     * into norms[j ..]: each row's eight entries are one cache line written at once, and as a
     * small method called per eight columns it is compiled by C2 early in a fresh JVM (the loop
     * nest over the whole block was compiled on-stack two thirds into a fit over speech).
     */
    private static void transpose8(double[][] v, int from, double[][] vt, int j, int m, double[] norms) {
        double[] c0 = v[from];
        double[] c1 = v[from + 1];
        double[] c2 = v[from + 2];
        double[] c3 = v[from + 3];
        double[] c4 = v[from + 4];
        double[] c5 = v[from + 5];
        double[] c6 = v[from + 6];
        double[] c7 = v[from + 7];
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
        for (int i = 0; i < m; i++) {
            double[] row = vt[i];
            double x0 = c0[i];
            double x1 = c1[i];
            double x2 = c2[i];
            double x3 = c3[i];
            double x4 = c4[i];
            double x5 = c5[i];
            double x6 = c6[i];
            double x7 = c7[i];
            row[j] = x0;
            row[j + 1] = x1;
            row[j + 2] = x2;
            row[j + 3] = x3;
            row[j + 4] = x4;
            row[j + 5] = x5;
            row[j + 6] = x6;
            row[j + 7] = x7;
            s0 += x0 * x0;
            s1 += x1 * x1;
            s2 += x2 * x2;
            s3 += x3 * x3;
            s4 += x4 * x4;
            s5 += x5 * x5;
            s6 += x6 * x6;
            s7 += x7 * x7;
        }
        norms[j] = s0;
        norms[j + 1] = s1;
        norms[j + 2] = s2;
        norms[j + 3] = s3;
        norms[j + 4] = s4;
        norms[j + 5] = s5;
        norms[j + 6] = s6;
        norms[j + 7] = s7;
    }

    /** {@link #transpose8} for one column. */
    private static void transpose1(double[] col, double[][] vt, int j, int m, double[] norms) {
        double sq = 0;
        for (int i = 0; i < m; i++) {
            double x = col[i];
            vt[i][j] = x;
            sq += x * x;
        }
        norms[j] = sq;
    }

    /** ct = Wᵀ V for the block in vt (b columns), W component-major. */
    private void multiplyBlock(double[] wt, int m, int b) {
        for (int k = 0; k < r; k++) {
            Arrays.fill(ct[k], 0, b, 0.0);
        }
        // four rows of V (in L1) against every component, then the next four
        int i = 0;
        for (; i + 3 < m; i += 4) {
            double[] x0 = vt[i];
            double[] x1 = vt[i + 1];
            double[] x2 = vt[i + 2];
            double[] x3 = vt[i + 3];
            for (int k = 0, o = 0; k < r; k++, o += m) {
                Kernels.axpy4(wt[o + i], x0, wt[o + i + 1], x1, wt[o + i + 2], x2, wt[o + i + 3], x3, ct[k], b);
            }
        }
        for (; i < m; i++) {
            for (int k = 0; k < r; k++) {
                Kernels.axpy(wt[k * m + i], vt[i], ct[k], b);
            }
        }
    }

    /** The exact solve of each column of the block from its products in ct. */
    private void solveBlock(Basis basis, double[][] v, int start, int b, Projection[] out) {
        int m = basis.dim();
        for (int j = 0; j < b; j++) {
            double[] col = v[start + j];
            Projection p = out[start + j];
            double normSq = nt[j];
            if (!safe(normSq) && maxValue(groupColumn.set(col, 0, m)) > 0) {
                projectScaled(basis, groupColumn, p);
                continue;
            }
            for (int k = 0; k < r; k++) {
                c[k] = ct[k][j];
            }
            p.normSq = normSq;
            solveFromProducts(basis, p);
        }
    }

    /**
     * Projects four dense columns (each of length m from index 0) at once: one pass over W for
     * the four products c_q = Wᵀv_q, then four exact solves. The same results as four
     * {@link #project} calls up to the summation order of the products.
     *
     * @param v four columns. Not modified.
     * @param out four results. Modified.
     */
    public void project4(Basis basis, double[][] v, Projection[] out) {
        if (basis.rank() != r) {
            throw new IllegalArgumentException("basis of rank " + basis.rank() + ", this projector is for rank " + r);
        }
        int m = basis.dim();
        Kernels.multTransDense4(basis.wt, m, r, v, c4);
        for (int q = 0; q < 4; q++) {
            double normSq = Kernels.dot(v[q], 0, v[q], 0, m);
            if (!safe(normSq) && maxValue(groupColumn.set(v[q], 0, m)) > 0) {
                projectScaled(basis, groupColumn, out[q]);
                continue;
            }
            System.arraycopy(c4[q], 0, c, 0, r);
            out[q].normSq = normSq;
            solveFromProducts(basis, out[q]);
        }
    }

    /** The scratch vector c = Wᵀv of the last projection. */
    double[] products() {
        return c;
    }
}
