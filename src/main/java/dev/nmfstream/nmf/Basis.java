package dev.nmfstream.nmf;

import java.util.Arrays;

/**
 * One published version of the basis W (m × r, W ≥ 0) with its Gram matrix G = WᵀW.
 *
 * <p>Immutable: the arrays are copied in and never handed out, so a projector can keep using
 * a version while the next one is built. W is kept row-major and component-major (see
 * {@link Kernels}); both copies, G and the column norms are computed once, here.
 */
public final class Basis {

    private final int m;
    private final int r;
    private final long version;
    /** W row-major: w[i*r + k]. */
    final double[] w;
    /** W component-major: wt[k*m + i]. */
    final double[] wt;
    /** G = WᵀW, r × r row-major. */
    final double[] g;
    /**
     * (D G D)⁻¹ with D = diag(G)^-½, r × r row-major, or null when G is (nearly) singular: the
     * NNLS solver's fast path (see {@link NnlsSolver#scaledInverse}).
     */
    final double[] scaledInverse;

    /**
     * A basis from W given row-major (m × r).
     *
     * @param rowMajorW W[i][k] at index i*r + k; copied. Not modified.
     * @throws IllegalArgumentException if a value is negative, NaN or infinite, or the sizes disagree
     */
    public Basis(int m, int r, double[] rowMajorW, long version) {
        if (m <= 0 || r <= 0) {
            throw new IllegalArgumentException("basis dimension " + m + " × rank " + r + ", expected both positive");
        }
        if (rowMajorW.length != (long) m * r) {
            throw new IllegalArgumentException("basis has " + rowMajorW.length + " values, expected m·r = " + m + "·" + r);
        }
        for (int i = 0; i < rowMajorW.length; i++) {
            double x = rowMajorW[i];
            if (!(x >= 0) || x == Double.POSITIVE_INFINITY) {
                throw new IllegalArgumentException("W[" + (i / r) + "][" + (i % r) + "] = " + x
                        + ", expected a finite nonnegative number");
            }
        }
        this.m = m;
        this.r = r;
        this.version = version;
        this.w = rowMajorW.clone();
        this.wt = new double[m * r];
        for (int i = 0; i < m; i++) {
            for (int k = 0; k < r; k++) {
                wt[k * m + i] = w[i * r + k];
            }
        }
        this.g = gram(components(), m, r);
        this.scaledInverse = NnlsSolver.scaledInverse(g, r);
    }

    /**
     * A basis from W given as r component arrays of length m ({@code w[k][i]} = W[i][k]).
     * Copied; not modified.
     */
    public static Basis fromComponents(int m, int r, double[][] components, long version) {
        if (components.length != r) {
            throw new IllegalArgumentException("basis has " + components.length + " components, expected rank " + r);
        }
        double[] rowMajor = new double[m * r];
        for (int k = 0; k < r; k++) {
            double[] wk = components[k];
            if (wk.length != m) {
                throw new IllegalArgumentException("component " + k + " has " + wk.length + " values, expected " + m);
            }
            for (int i = 0; i < m; i++) {
                rowMajor[i * r + k] = wk[i];
            }
        }
        return new Basis(m, r, rowMajor, version);
    }

    /** W as r new component arrays of length m. */
    public double[][] toComponents() {
        double[][] out = new double[r][];
        for (int k = 0; k < r; k++) {
            out[k] = component(k);
        }
        return out;
    }

    /** W's columns as arrays (copies of the component-major rows). */
    private double[][] components() {
        double[][] out = new double[r][];
        for (int k = 0; k < r; k++) {
            out[k] = Arrays.copyOfRange(wt, k * m, (k + 1) * m);
        }
        return out;
    }

    /** G = WᵀW (r × r row-major), four dot products per pass over a column. */
    static double[] gram(double[][] w, int m, int r) {
        double[] g = new double[r * r];
        double[] four = new double[4];
        for (int j = 0; j < r; j++) {
            int k = j;
            for (; k + 3 < r; k += 4) {
                Kernels.dot4(w[j], w[k], w[k + 1], w[k + 2], w[k + 3], m, four, 0);
                for (int q = 0; q < 4; q++) {
                    g[j * r + k + q] = four[q];
                    g[(k + q) * r + j] = four[q];
                }
            }
            for (; k < r; k++) {
                double s = Kernels.dot(w[j], 0, w[k], 0, m);
                g[j * r + k] = s;
                g[k * r + j] = s;
            }
        }
        return g;
    }

    /** The dimension m of the data columns. */
    public int dim() {
        return m;
    }

    /** The rank r (number of components). */
    public int rank() {
        return r;
    }

    /** The version this basis was published as (0 for an initial basis). */
    public long version() {
        return version;
    }

    /** W[i][k]. */
    public double get(int i, int k) {
        return w[i * r + k];
    }

    /** A copy of W, row-major (m × r). */
    public double[] toRowMajor() {
        return w.clone();
    }

    /** A copy of column k of W (length m). */
    public double[] component(int k) {
        return Arrays.copyOfRange(wt, k * m, (k + 1) * m);
    }

    /** A copy of G = WᵀW, row-major (r × r). */
    public double[] gram() {
        return g.clone();
    }

    /** ‖w_k‖ for every component k. */
    public double[] columnNorms() {
        double[] norms = new double[r];
        for (int k = 0; k < r; k++) {
            norms[k] = Math.sqrt(g[k * r + k]);
        }
        return norms;
    }
}
