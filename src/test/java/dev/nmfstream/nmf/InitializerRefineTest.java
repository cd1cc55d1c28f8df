package dev.nmfstream.nmf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nmfstream.nmf.synth.PlantedModel;
import dev.nmfstream.nmf.synth.PlantedTopics;
import dev.nmfstream.nmf.synth.Recovery;
import org.junit.jupiter.api.Test;

/** {@link Initializer#refine}: batch NMF passes on the bootstrap sample. */
class InitializerRefineTest {

    private static final int M = 64;
    private static final int R = 5;

    private static ColumnBuffer sample(PlantedModel planted, int n) {
        ColumnBuffer buffer = new ColumnBuffer(M, n);
        double[] v = new double[M];
        for (int q = 0; q < n; q++) {
            planted.next(v, 0);
            buffer.add(DenseColumn.of(v.clone()));
        }
        return buffer;
    }

    /** ‖X − W H‖² over the sample, H the exact projections. */
    private static double residual(double[] w, ColumnBuffer sample) {
        Basis basis = new Basis(M, R, w, 0);
        Projector projector = new Projector(R);
        Projection p = new Projection(R);
        double sum = 0;
        for (int q = 0; q < sample.size(); q++) {
            sum += projector.project(basis, sample.get(q), p).residualSq;
        }
        return sum;
    }

    @Test
    void passesNeverIncreaseTheSampleResidualAndRecoverThePlantedParts() {
        PlantedModel planted = new PlantedModel(M, R, 0.2, 0.1, 0.05, 7);
        ColumnBuffer sample = sample(planted, 128);
        double[] w = Initializer.initialize(Initialization.NNDSVDA, sample, M, R, 18);
        double before = Recovery.match(planted.trueBasis(), w, M, R).worst();
        double previous = residual(w, sample);
        for (int pass = 0; pass < 30; pass++) {
            w = Initializer.refine(w, sample, M, R, UpdateRule.HALS, 1);
            double now = residual(w, sample);
            assertTrue(now <= previous * (1 + 1e-9), "pass " + pass + ": residual " + previous + " → " + now);
            previous = now;
        }
        for (int k = 0; k < R; k++) {
            double norm = 0;
            for (int i = 0; i < M; i++) {
                norm += w[i * R + k] * w[i * R + k];
            }
            assertEquals(1, Math.sqrt(norm), 1e-12, "unit column " + k);
        }
        double after = Recovery.match(planted.trueBasis(), w, M, R).worst();
        assertTrue(after >= 0.98 && after > before, "worst matched cosine " + before + " → " + after);
    }

    @Test
    void zeroPassesLeaveWAndTheSameInputGivesTheSameBits() {
        ColumnBuffer sample = sample(new PlantedModel(M, R, 0.2, 0.1, 0.05, 3), 40);
        double[] w = Initializer.initialize(Initialization.NNDSVDA, sample, M, R, 0);
        assertArrayEquals(w, Initializer.refine(w, sample, M, R, UpdateRule.HALS, 0), 0.0);
        assertArrayEquals(Initializer.refine(w, sample, M, R, UpdateRule.MU, 5),
                Initializer.refine(w.clone(), sample, M, R, UpdateRule.MU, 5), 0.0);
    }

    /**
     * A sparse sample touching a fraction of the rows is refined on those rows after the first
     * pass: the same W as passes on every row (to 1e-9 relative on the touched rows), the others at
     * the floor, for both rules; and the sample's rows are found exactly.
     */
    @Test
    void aSparseSampleIsRefinedOnTheRowsItTouchesWithTheSameResult() {
        int m = 3_000;
        int r = 8;
        PlantedTopics topics = new PlantedTopics(m, r, 60, 25, 0.1, 5);
        ColumnBuffer sample = new ColumnBuffer(m, 200);
        int[] idx = new int[200];
        double[] val = new double[200];
        boolean[] touched = new boolean[m];
        for (int q = 0; q < 200; q++) {
            int n = topics.next(idx, val);
            for (int j = 0; j < n; j++) {
                touched[idx[j]] = true;
            }
            sample.add(new SparseColumn(m, idx.clone(), val.clone(), 0, n));
        }
        int[] rows = Initializer.sampleRows(sample, m);
        int count = 0;
        for (int i = 0; i < m; i++) {
            count += touched[i] ? 1 : 0;
        }
        assertEquals(count, rows.length);
        assertTrue(rows.length < m / 4, rows.length + " rows touched");
        for (int x = 0; x < rows.length; x++) {
            assertTrue(touched[rows[x]] && (x == 0 || rows[x] > rows[x - 1]));
        }
        double[] w = Initializer.initialize(Initialization.NNDSVDA, sample, m, r, 4);
        for (UpdateRule rule : UpdateRule.values()) {
            double[] whole = Initializer.refine(w, sample, m, r, rule, 12, 0.0);
            double[] restricted = Initializer.refine(w, sample, m, r, rule, 12, 1.0);
            double maxW = 0;
            for (double x : whole) {
                maxW = Math.max(maxW, x);
            }
            for (int i = 0; i < m; i++) {
                for (int k = 0; k < r; k++) {
                    double a = whole[i * r + k];
                    double b = restricted[i * r + k];
                    if (touched[i]) {
                        assertEquals(a, b, 1e-9 * maxW, rule + ": W[" + i + "][" + k + "]");
                    } else {
                        // at the floor (1e-8 · max W) on both paths, up to the column norms
                        assertTrue(a <= 2e-8 * maxW && b <= 2e-8 * maxW && b > 0, rule + ": row " + i + ": " + a
                                + " and " + b);
                        assertEquals(a, b, 1e-3 * a, rule + ": untouched W[" + i + "][" + k + "]");
                    }
                }
            }
        }
    }
}
