package dev.nmfstream.nmf;

import java.util.Arrays;

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

    /**
     * Whether the SIMD kernels ({@link VectorKernels}) are in use: when the JVM runs with
     * {@code --add-modules jdk.incubator.vector} and the system property {@code nmf.kernels} is not
     * {@code scalar}. Otherwise plain Java loops (the same results up to summation order).
     */
    public static final boolean VECTOR = ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent()
            && !"scalar".equals(System.getProperty("nmf.kernels"));

    /** Below this length the scalar dot product is as fast. */
    private static final int VECTOR_MIN = 64;

    private Kernels() {}

    /** Σ a[aOff + i]·b[bOff + i] for i &lt; n, with four partial sums. */
    public static double dot(double[] a, int aOff, double[] b, int bOff, int n) {
        if (VECTOR && n >= VECTOR_MIN) {
            return VectorKernels.dot(a, aOff, b, bOff, n);
        }
        return dotScalar(a, aOff, b, bOff, n);
    }

    /** The scalar {@link #dot}. */
    static double dotScalar(double[] a, int aOff, double[] b, int bOff, int n) {
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
     * y[i] += a0·x0[i] + a1·x1[i] + a2·x2[i] + a3·x3[i] for i &lt; n: four axpys in one pass over
     * y (measured 2× faster than four single ones: y is read and written once).
     */
    public static void axpy4(double a0, double[] x0, double a1, double[] x1, double a2, double[] x2,
            double a3, double[] x3, double[] y, int n) {
        for (int i = 0; i < n; i++) {
            y[i] += a0 * x0[i] + a1 * x1[i] + a2 * x2[i] + a3 * x3[i];
        }
    }

    /** y[i] = a0·x0[i] + a1·x1[i] + a2·x2[i] + a3·x3[i] for i &lt; n: {@link #axpy4} onto a zero y, bitwise. */
    public static void set4(double a0, double[] x0, double a1, double[] x1, double a2, double[] x2,
            double a3, double[] x3, double[] y, int n) {
        for (int i = 0; i < n; i++) {
            y[i] = a0 * x0[i] + a1 * x1[i] + a2 * x2[i] + a3 * x3[i];
        }
    }

    /**
     * w[i] ← max(floor, w[i] + (b[i] − u[i])·inv) for i &lt; n: one HALS coordinate step. A
     * method of its own (not a loop inside the sweep), so that HotSpot compiles it with C2 early
     * in a fresh JVM: inside the sweep it ran as C1 code for two thirds of a fit over speech.
     *
     * <p>{@code Math.max}, which C2 compiles to SIMD code; the conditional it replaced
     * ({@code x > floor ? x : floor}) stayed scalar on JDK 17 and took 4 × as long per element.
     * The same value for every x that is not NaN (floor &gt; 0); a NaN stays NaN, where the
     * conditional floored it. W, B, A and 1/A_kk are finite whenever a step runs (every basis
     * and state that enters the engine is checked, and {@link BasisUpdater} skips a component
     * whose 1/A_kk is not), so no NaN can arise here.
     */
    public static void halsStep(double[] w, double[] b, double[] u, double inv, double floor, int n) {
        for (int i = 0; i < n; i++) {
            w[i] = Math.max(w[i] + (b[i] - u[i]) * inv, floor);
        }
    }

    /**
     * y[i] ← rho·y[i] + x[i], then x[i] ← 0, for i &lt; n: a batch's statistics taken into the
     * decayed ones. (This and {@link #raiseTo}: small methods that C2 compiles early in a fresh
     * JVM, where the loop nests they came from ran as C1 code for most of a fit.)
     */
    public static void decayAndTake(double rho, double[] y, double[] x, int n) {
        for (int i = 0; i < n; i++) {
            y[i] = rho * y[i] + x[i];
            x[i] = 0;
        }
    }

    /** out[t] = a_t · b (t &lt; 4) over n entries, in one sweep over b. */
    static void dot4(double[] a0, double[] a1, double[] a2, double[] a3, double[] b, int n, double[] out) {
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        for (int i = 0; i < n; i++) {
            double x = b[i];
            s0 += a0[i] * x;
            s1 += a1[i] * x;
            s2 += a2[i] * x;
            s3 += a3[i] * x;
        }
        out[0] = s0;
        out[1] = s1;
        out[2] = s2;
        out[3] = s3;
    }

    /**
     * y[i] ← max(y[i], floor) for i &lt; n, with {@code Math.max} (SIMD code; the conditional store
     * it replaced stayed scalar and took 3 × as long). A NaN stays NaN: W is finite (every basis
     * and state that enters the engine is checked).
     */
    public static void raiseTo(double floor, double[] y, int n) {
        for (int i = 0; i < n; i++) {
            y[i] = Math.max(y[i], floor);
        }
    }

    /**
     * y = Σ_j coef[j·stride + offset] · x[j] over j &lt; count (the combination of arrays that
     * HALS and MU need: W a_k), in blocks of four.
     *
     * @param y output, length ≥ n. Modified.
     */
    public static void combination(double[][] x, double[] coef, int offset, int stride, int count, double[] y, int n) {
        Arrays.fill(y, 0, n, 0.0);
        int j = 0;
        for (; j + 3 < count; j += 4) {
            axpy4(coef[j * stride + offset], x[j], coef[(j + 1) * stride + offset], x[j + 1],
                    coef[(j + 2) * stride + offset], x[j + 2], coef[(j + 3) * stride + offset], x[j + 3], y, n);
        }
        for (; j < count; j++) {
            double a = coef[j * stride + offset];
            if (a != 0) {
                axpy(a, x[j], y, n);
            }
        }
    }

    /**
     * c = Wᵀv for a dense v, with W component-major (r × m, {@code wt[k*m + i]}): four
     * components at a time so that each v[i] load serves four products.
     *
     * @param c output, length ≥ r. Modified.
     */
    public static void multTransDense(double[] wt, int m, int r, double[] v, int vOff, double[] c) {
        if (VECTOR) {
            VectorKernels.multTransDense(wt, m, r, v, vOff, c);
        } else {
            multTransDenseScalar(wt, m, r, v, vOff, c);
        }
    }

    /**
     * c_q = Wᵀv_q for four dense columns at once (each of length m from index 0), W
     * component-major.
     *
     * @param c four outputs, length ≥ r each. Modified.
     */
    public static void multTransDense4(double[] wt, int m, int r, double[][] v, double[][] c) {
        if (VECTOR) {
            VectorKernels.multTransDense4(wt, m, r, v, c);
        } else {
            for (int q = 0; q < 4; q++) {
                multTransDenseScalar(wt, m, r, v[q], 0, c[q]);
            }
        }
    }

    /** The scalar {@link #multTransDense}. */
    static void multTransDenseScalar(double[] wt, int m, int r, double[] v, int vOff, double[] c) {
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
            c[k] = dotScalar(wt, k * m, v, vOff, m);
        }
    }

    /**
     * c = Wᵀv for a sparse v, with W row-major (m × r, {@code w[i*r + k]}): one short axpy of
     * W's row per nonzero of v.
     *
     * @param c output, length ≥ r. Modified.
     */
    public static void multTransSparse(double[] w, int r, int[] idx, double[] val, int off, int nnz, double[] c) {
        Arrays.fill(c, 0, r, 0.0);
        int j = 0;
        // four rows of W per pass over c (C2 does not vectorise a row axpy at an offset, so each
        // pass was a scalar loop that loaded and stored all of c)
        for (; j + 3 < nnz; j += 4) {
            double v0 = val[off + j], v1 = val[off + j + 1], v2 = val[off + j + 2], v3 = val[off + j + 3];
            int b0 = idx[off + j] * r, b1 = idx[off + j + 1] * r, b2 = idx[off + j + 2] * r, b3 = idx[off + j + 3] * r;
            for (int k = 0; k < r; k++) {
                c[k] += (v0 * w[b0 + k] + v1 * w[b1 + k]) + (v2 * w[b2 + k] + v3 * w[b3 + k]);
            }
        }
        for (; j < nnz; j++) {
            axpy(val[off + j], w, idx[off + j] * r, c, 0, r);
        }
    }

    /**
     * Solves L Lᵀ x = b in place for a lower triangular L (n × n, row-major with row stride
     * {@code stride}): forward substitution, then back substitution.
     *
     * @param x b on entry, x on return (length ≥ n). Modified.
     */
    static void choleskySolve(double[] l, int stride, int n, double[] x) {
        // Forward: x_a = (b_a − L_a,<a · x_<a) / L_aa, the dot product with four partial sums (one
        // running sum made each step wait for the previous multiply-add: the solves of an active-set
        // NNLS at r = 50 were bound by that latency). Back, column by column: once x_a is final its
        // multiples of row a of L leave every earlier equation, independent updates of a contiguous row.
        for (int a = 0; a < n; a++) {
            int row = a * stride;
            x[a] = (x[a] - dotScalar(l, row, x, 0, a)) / l[row + a];
        }
        for (int a = n - 1; a >= 0; a--) {
            int row = a * stride;
            double xa = x[a] / l[row + a];
            x[a] = xa;
            for (int t = 0; t < a; t++) {
                x[t] -= l[row + t] * xa;
            }
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
