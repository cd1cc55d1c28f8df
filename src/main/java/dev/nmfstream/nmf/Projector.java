package dev.nmfstream.nmf;

import java.util.Arrays;

/**
 * Projects columns onto a basis: h = argmin over h ≥ 0 of ‖v − W h‖², exactly (see
 * {@link NnlsSolver}). The cost is one product c = Wᵀv (O(m·r) dense, O(nnz·r) sparse) plus
 * an r-dimensional problem on (G, c) that never looks at m again.
 *
 * <p>Each projector owns its scratch memory; {@link #project} allocates nothing. Not
 * thread-safe: give every thread (every stream task) its own.
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
        // c = Wᵀv
        if (v instanceof DenseColumn dense) {
            Kernels.multTransDense(basis.wt, basis.dim(), r, dense.data(), dense.offset(), c);
        } else {
            SparseColumn sparse = (SparseColumn) v;
            Kernels.multTransSparse(basis.w, r, sparse.indices(), sparse.values(), sparse.offset(), sparse.nnz(), c);
        }
        out.normSq = v.squaredNorm();
        solveFromProducts(basis, out);
        return out;
    }

    /**
     * Solves the projection from c = Wᵀv already known (left in this projector by the caller
     * through {@link #products()}), with ‖v‖² in {@code out.normSq}.
     */
    void solveFromProducts(Basis basis, Projection out) {
        double[] h = out.h;
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
            System.arraycopy(c4[q], 0, c, 0, r);
            out[q].normSq = Kernels.dot(v[q], 0, v[q], 0, m);
            solveFromProducts(basis, out[q]);
        }
    }

    /** The scratch vector c = Wᵀv of the last projection. */
    double[] products() {
        return c;
    }
}
