package dev.nmfstream.nmf;

import java.util.SplittableRandom;

/** Seeded random problems for the tests. */
final class TestData {

    private TestData() {}

    /** A random nonnegative m × r matrix, row-major, with the given fraction of zeros. */
    static double[] randomW(SplittableRandom random, int m, int r, double zeros) {
        double[] w = new double[m * r];
        for (int i = 0; i < w.length; i++) {
            w[i] = random.nextDouble() < zeros ? 0 : random.nextDouble();
        }
        return w;
    }

    /** The largest |a[i] − b[i]|. */
    static double maxDifference(double[] a, double[] b) {
        double max = 0;
        for (int i = 0; i < a.length; i++) {
            max = Math.max(max, Math.abs(a[i] - b[i]));
        }
        return max;
    }

    /** v = W h + noise with a random sparse h ≥ 0 (row-major W). */
    static double[] randomColumn(SplittableRandom random, double[] w, int m, int r, double noise) {
        double[] h = new double[r];
        for (int k = 0; k < r; k++) {
            h[k] = random.nextDouble() < 0.5 ? 0 : random.nextDouble();
        }
        double[] v = wh(w, h, m, r);
        for (int i = 0; i < m; i++) {
            v[i] = Math.max(0, v[i] + noise * (random.nextDouble() - 0.5));
        }
        return v;
    }

    /** W h for row-major W (m × r). */
    static double[] wh(double[] w, double[] h, int m, int r) {
        double[] v = new double[m];
        for (int i = 0; i < m; i++) {
            double x = 0;
            for (int k = 0; k < r; k++) {
                x += w[i * r + k] * h[k];
            }
            v[i] = x;
        }
        return v;
    }

    /** ½ hᵀG h − cᵀh. */
    static double objective(double[] g, double[] c, double[] h, int r) {
        double q = 0;
        double l = 0;
        for (int j = 0; j < r; j++) {
            l += c[j] * h[j];
            for (int k = 0; k < r; k++) {
                q += h[j] * g[j * r + k] * h[k];
            }
        }
        return 0.5 * q - l;
    }

    /** c = Wᵀv for row-major W. */
    static double[] wtv(double[] w, double[] v, int m, int r) {
        double[] c = new double[r];
        for (int i = 0; i < m; i++) {
            for (int k = 0; k < r; k++) {
                c[k] += w[i * r + k] * v[i];
            }
        }
        return c;
    }

    /** ‖v − W h‖² computed directly. */
    static double directResidualSq(double[] w, double[] v, double[] h, int m, int r) {
        double s = 0;
        for (int i = 0; i < m; i++) {
            double x = v[i];
            for (int k = 0; k < r; k++) {
                x -= w[i * r + k] * h[k];
            }
            s += x * x;
        }
        return s;
    }
}
