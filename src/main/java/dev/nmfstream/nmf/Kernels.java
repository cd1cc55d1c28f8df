package dev.nmfstream.nmf;

/**
 * The few dense loops everything else is built from, written so that HotSpot's C2 compiles
 * them to tight (and where it can, SIMD) code: plain counted loops over arrays with offsets,
 * several independent accumulators where a loop is a reduction. No allocation.
 *
 * <p>Storage conventions of the package: a basis W (m × r) is kept twice, row-major
 * ({@code w[i*r + k]}, used for sparse columns and for the row-separable updates) and
 * component-major ({@code wt[k*m + i]}, used for dense columns); statistics B are
 * component-major ({@code b[k*m + i]}).
 */
public final class Kernels {

    private Kernels() {}

    /** Σ a[aOff + i]·b[bOff + i] for i &lt; n, with four partial sums. */
    public static double dot(double[] a, int aOff, double[] b, int bOff, int n) {
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        int i = 0;
        for (; i + 3 < n; i += 4) {
            s0 += a[aOff + i] * b[bOff + i];
            s1 += a[aOff + i + 1] * b[bOff + i + 1];
            s2 += a[aOff + i + 2] * b[bOff + i + 2];
            s3 += a[aOff + i + 3] * b[bOff + i + 3];
        }
        for (; i < n; i++) {
            s0 += a[aOff + i] * b[bOff + i];
        }
        return (s0 + s1) + (s2 + s3);
    }

    /** y[yOff + i] += alpha·x[xOff + i] for i &lt; n. */
    public static void axpy(double alpha, double[] x, int xOff, double[] y, int yOff, int n) {
        for (int i = 0; i < n; i++) {
            y[yOff + i] += alpha * x[xOff + i];
        }
    }

    /**
     * y[i] += alpha·x[i] for i &lt; n. Both arrays start at 0: C2 (JDK 17) vectorises this form
     * but not the one with two different offsets (it cannot rule out an overlap), measured 58 ns
     * against 280 ns for n = 500.
     */
    public static void axpy(double alpha, double[] x, double[] y, int n) {
        for (int i = 0; i < n; i++) {
            y[i] += alpha * x[i];
        }
    }

    /**
     * c = Wᵀv for a dense v, with W component-major (r × m, {@code wt[k*m + i]}): four
     * components at a time so that each v[i] load serves four products.
     *
     * @param c output, length ≥ r. Modified.
     */
    public static void multTransDense(double[] wt, int m, int r, double[] v, int vOff, double[] c) {
        int k = 0;
        for (; k + 3 < r; k += 4) {
            double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
            int o0 = k * m, o1 = o0 + m, o2 = o1 + m, o3 = o2 + m;
            for (int i = 0; i < m; i++) {
                double vi = v[vOff + i];
                s0 += wt[o0 + i] * vi;
                s1 += wt[o1 + i] * vi;
                s2 += wt[o2 + i] * vi;
                s3 += wt[o3 + i] * vi;
            }
            c[k] = s0;
            c[k + 1] = s1;
            c[k + 2] = s2;
            c[k + 3] = s3;
        }
        for (; k < r; k++) {
            c[k] = dot(wt, k * m, v, vOff, m);
        }
    }

    /**
     * c = Wᵀv for a sparse v, with W row-major (m × r, {@code w[i*r + k]}): one short axpy of
     * W's row per nonzero of v.
     *
     * @param c output, length ≥ r. Modified.
     */
    public static void multTransSparse(double[] w, int r, int[] idx, double[] val, int off, int nnz, double[] c) {
        java.util.Arrays.fill(c, 0, r, 0.0);
        for (int j = 0; j < nnz; j++) {
            axpy(val[off + j], w, idx[off + j] * r, c, 0, r);
        }
    }

    /**
     * y = M x for a symmetric r × r row-major M, restricted to nothing: the full product.
     *
     * @param y output, length ≥ r. Modified.
     */
    public static void multSymmetric(double[] mat, int r, double[] x, double[] y) {
        for (int k = 0; k < r; k++) {
            y[k] = dot(mat, k * r, x, 0, r);
        }
    }

    /** Largest element of a[off .. off + n), or 0 for n = 0. */
    public static double max(double[] a, int off, int n) {
        double mx = n == 0 ? 0 : a[off];
        for (int i = 1; i < n; i++) {
            double x = a[off + i];
            if (x > mx) {
                mx = x;
            }
        }
        return mx;
    }

    /** a[off + i] *= s for i &lt; n. */
    public static void scale(double s, double[] a, int off, int n) {
        for (int i = 0; i < n; i++) {
            a[off + i] *= s;
        }
    }
}
