package dev.nmfstream.nmf.synth;

import java.util.Arrays;

/**
 * How well a learned basis recovers a known one, up to NMF's permutation and scaling
 * ambiguity: the cosines of the columns matched one to one (the Hungarian method on the
 * cosine matrix, maximising their sum).
 *
 * @param cosines for each true column k, the cosine to its matched learned column
 * @param assignment for each true column k, the index of its matched learned column
 */
public record Recovery(double[] cosines, int[] assignment) {

    /** Matches the columns of two bases of the same shape (row-major m × r each). */
    public static Recovery match(double[] trueW, double[] learnedW, int m, int r) {
        double[] cos = new double[r * r];
        double[] nt = norms(trueW, m, r);
        double[] nl = norms(learnedW, m, r);
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < r; j++) {
                double t = trueW[i * r + j];
                if (t != 0) {
                    for (int k = 0; k < r; k++) {
                        cos[j * r + k] += t * learnedW[i * r + k];
                    }
                }
            }
        }
        for (int j = 0; j < r; j++) {
            for (int k = 0; k < r; k++) {
                double d = nt[j] * nl[k];
                cos[j * r + k] = d > 0 ? cos[j * r + k] / d : 0;
            }
        }
        int[] assignment = hungarianMax(cos, r);
        double[] matched = new double[r];
        for (int j = 0; j < r; j++) {
            matched[j] = cos[j * r + assignment[j]];
        }
        return new Recovery(matched, assignment);
    }

    /** Mean matched cosine. */
    public double mean() {
        return Arrays.stream(cosines).average().orElse(0);
    }

    /** Worst matched cosine. */
    public double worst() {
        return Arrays.stream(cosines).min().orElse(0);
    }

    private static double[] norms(double[] w, int m, int r) {
        double[] n = new double[r];
        for (int i = 0; i < m; i++) {
            for (int k = 0; k < r; k++) {
                n[k] += w[i * r + k] * w[i * r + k];
            }
        }
        for (int k = 0; k < r; k++) {
            n[k] = Math.sqrt(n[k]);
        }
        return n;
    }

    /**
     * The assignment row → column maximising the sum of {@code score} (n × n, row-major):
     * the Hungarian method with potentials, O(n³).
     */
    static int[] hungarianMax(double[] score, int n) {
        // minimise cost = −score; 1-based arrays as in the textbook formulation
        double[] u = new double[n + 1];
        double[] v = new double[n + 1];
        int[] p = new int[n + 1];
        int[] way = new int[n + 1];
        for (int i = 1; i <= n; i++) {
            p[0] = i;
            int j0 = 0;
            double[] minv = new double[n + 1];
            Arrays.fill(minv, Double.POSITIVE_INFINITY);
            boolean[] used = new boolean[n + 1];
            do {
                used[j0] = true;
                int i0 = p[j0];
                double delta = Double.POSITIVE_INFINITY;
                int j1 = 0;
                for (int j = 1; j <= n; j++) {
                    if (!used[j]) {
                        double cur = -score[(i0 - 1) * n + (j - 1)] - u[i0] - v[j];
                        if (cur < minv[j]) {
                            minv[j] = cur;
                            way[j] = j0;
                        }
                        if (minv[j] < delta) {
                            delta = minv[j];
                            j1 = j;
                        }
                    }
                }
                for (int j = 0; j <= n; j++) {
                    if (used[j]) {
                        u[p[j]] += delta;
                        v[j] -= delta;
                    } else {
                        minv[j] -= delta;
                    }
                }
                j0 = j1;
            } while (p[j0] != 0);
            do {
                int j1 = way[j0];
                p[j0] = p[j1];
                j0 = j1;
            } while (j0 != 0);
        }
        int[] assignment = new int[n];
        for (int j = 1; j <= n; j++) {
            assignment[p[j] - 1] = j - 1;
        }
        return assignment;
    }
}
