package dev.nmfstream.nmf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class SufficientStatisticsTest {

    private static final int M = 60;
    private static final int R = 7;

    /** Adds n random items (half dense, half sparse) projected on a random basis. */
    private static void fill(SufficientStatistics s, SplittableRandom random, Basis basis, int n) {
        Projector projector = new Projector(R);
        Projection p = new Projection(R);
        double[] w = basis.toRowMajor();
        for (int t = 0; t < n; t++) {
            double[] v = TestData.randomColumn(random, w, M, R, 0.3);
            Column column;
            if (t % 2 == 0) {
                column = DenseColumn.of(v);
            } else {
                int nnz = 0;
                for (double x : v) {
                    nnz += x > 0.4 ? 1 : 0;
                }
                int[] idx = new int[nnz];
                double[] val = new double[nnz];
                int j = 0;
                for (int i = 0; i < M; i++) {
                    if (v[i] > 0.4) {
                        idx[j] = i;
                        val[j++] = v[i];
                    }
                }
                column = SparseColumn.of(M, idx, val);
            }
            projector.project(basis, column, p);
            s.add(column, p.h);
            s.offerCandidate(column, p.residualSq);
        }
    }

    private static Basis basis(long seed) {
        return new Basis(M, R, TestData.randomW(new SplittableRandom(seed), M, R, 0.3), 0);
    }

    @Test
    void mergeOfPartitionsEqualsTheUnion() {
        Basis basis = basis(1);
        SufficientStatistics union = new SufficientStatistics(M, R);
        SufficientStatistics left = new SufficientStatistics(M, R);
        SufficientStatistics right = new SufficientStatistics(M, R);
        fill(union, new SplittableRandom(2), basis, 30);
        fill(union, new SplittableRandom(3), basis, 45);
        fill(left, new SplittableRandom(2), basis, 30);
        fill(right, new SplittableRandom(3), basis, 45);
        left.merge(right);
        assertEquals(75, left.items());
        assertEquals(union.weight(), left.weight());
        assertArrayEquals(union.aMatrix(), left.aMatrix(), 1e-12 * max(union.aMatrix()));
        assertArrayEquals(union.bMatrix(), left.bMatrix(), 1e-12 * max(union.bMatrix()));
        // the candidates are the worst-explained items of the union
        assertEquals(SufficientStatistics.CANDIDATES, left.candidateCount());
        double[] expected = scores(union);
        double[] actual = scores(left);
        Arrays.sort(expected);
        Arrays.sort(actual);
        assertArrayEquals(expected, actual, 0);
    }

    @Test
    void decayIsExact() {
        SufficientStatistics s = new SufficientStatistics(M, R);
        fill(s, new SplittableRandom(4), basis(4), 20);
        double[] a = s.aMatrix();
        double[] b = s.bMatrix();
        double weight = s.weight();
        s.decay(0.75);
        double[] a2 = s.aMatrix();
        double[] b2 = s.bMatrix();
        for (int i = 0; i < a.length; i++) {
            assertEquals(0.75 * a[i], a2[i], 0);
        }
        for (int i = 0; i < b.length; i++) {
            assertEquals(0.75 * b[i], b2[i], 0);
        }
        assertEquals(0.75 * weight, s.weight(), 0);
        assertEquals(20, s.items());
        assertThrows(IllegalArgumentException.class, () -> s.decay(1.5));
        assertThrows(IllegalArgumentException.class, () -> s.decay(Double.NaN));
    }

    @Test
    void normalisationLeavesTheProductAndTheSurrogateUnchanged() {
        SplittableRandom random = new SplittableRandom(5);
        double[] raw = TestData.randomW(random, M, R, 0.3);
        for (int i = 0; i < raw.length; i++) {
            raw[i] *= 1 + 10 * (i % R); // columns of very different norms
        }
        Basis basis = new Basis(M, R, raw, 0);
        SufficientStatistics s = new SufficientStatistics(M, R);
        fill(s, random, basis, 40);
        double before = s.surrogate(raw);
        double[][] w = basis.toComponents();
        double[] norms = new double[R];
        new BasisUpdater(M, R).normalize(w, s, norms);
        double[] normalized = Basis.fromComponents(M, R, w, 1).toRowMajor();
        assertEquals(before, s.surrogate(normalized), 1e-10 * Math.abs(before));
        for (int k = 0; k < R; k++) {
            assertEquals(1, Math.sqrt(Basis.fromComponents(M, R, w, 1).gram()[k * R + k]), 1e-12);
        }
        // W h = W' h' with h' = D h
        double[] v = TestData.randomColumn(random, raw, M, R, 0.1);
        Projection p = new Projector(R).project(basis, DenseColumn.of(v), new Projection(R));
        Projection q = new Projector(R).project(Basis.fromComponents(M, R, w, 1), DenseColumn.of(v), new Projection(R));
        for (int k = 0; k < R; k++) {
            assertEquals(p.h[k] * norms[k], q.h[k], 1e-8 * (1 + q.h[k]));
        }
        assertEquals(p.residualSq, q.residualSq, 1e-9 * p.normSq);
    }

    @Test
    void surrogateEqualsTheWeightedLossUpToAConstant() {
        SplittableRandom random = new SplittableRandom(6);
        Basis basis = basis(6);
        double[] w = basis.toRowMajor();
        SufficientStatistics s = new SufficientStatistics(M, R);
        Projector projector = new Projector(R);
        Projection p = new Projection(R);
        double loss = 0;
        double norms = 0;
        for (int t = 0; t < 25; t++) {
            double[] v = TestData.randomColumn(random, w, M, R, 0.2);
            projector.project(basis, DenseColumn.of(v), p);
            s.add(DenseColumn.of(v), p.h);
            loss += 0.5 * TestData.directResidualSq(w, v, p.h, M, R);
            norms += 0.5 * p.normSq;
        }
        assertEquals(loss - norms, s.surrogate(w), 1e-9 * norms);
    }

    @Test
    void roundTripsThroughBytes() throws IOException {
        SufficientStatistics s = new SufficientStatistics(M, R);
        fill(s, new SplittableRandom(8), basis(8), 13);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        s.writeTo(new DataOutputStream(bytes));
        SufficientStatistics t = SufficientStatistics.readFrom(new DataInputStream(new ByteArrayInputStream(bytes.toByteArray())));
        assertArrayEquals(s.aMatrix(), t.aMatrix(), 0);
        assertArrayEquals(s.bMatrix(), t.bMatrix(), 0);
        assertEquals(s.items(), t.items());
        assertArrayEquals(scores(s), scores(t), 0);
        assertTrue(t.candidateCount() > 0);
    }

    private static double[] scores(SufficientStatistics s) {
        double[] out = new double[s.candidateCount()];
        for (int q = 0; q < out.length; q++) {
            out[q] = s.candidateScore(q);
        }
        return out;
    }

    private static double max(double[] a) {
        double mx = 0;
        for (double x : a) {
            mx = Math.max(mx, Math.abs(x));
        }
        return mx;
    }
    /**
     * Parts of groups of four dense items, added in order, give the statistics of adding the
     * items one by one (to rounding), leave B's columns alone for components no item used; a
     * part's first group writes exactly what adding it onto zeros would, and so do the groups
     * written straight into empty statistics.
     */
    @Test
    void partsOfFourDenseItemsAddUpToTheItems() {
        SplittableRandom random = new SplittableRandom(8);
        double[] w = basis(3).toRowMajor();
        SufficientStatistics direct = new SufficientStatistics(M, R);
        SufficientStatistics byParts = new SufficientStatistics(M, R);
        SufficientStatistics.Part part = new SufficientStatistics.Part(M, R);
        SufficientStatistics.Part empty = new SufficientStatistics.Part(M, R);
        byParts.add(empty); // nothing: no component started
        SufficientStatistics written = new SufficientStatistics(M, R);
        for (int half = 0; half < 2; half++) {
            part.clear();
            for (int g = 0; g < 3; g++) {
                double[][] v = new double[4][];
                double[][] h = new double[4][R];
                for (int q = 0; q < 4; q++) {
                    v[q] = TestData.randomColumn(random, w, M, R, 0.3);
                    for (int k = 0; k < R - 1; k++) {
                        h[q][k] = random.nextDouble() < 0.5 ? 0 : random.nextDouble();
                    }
                    direct.add(DenseColumn.of(v[q]), h[q]);
                }
                part.add4(v, h, 0, R);
                if (half == 0) {
                    written.add4(v, h, 0, 3);
                    written.add4(v, h, 3, R);
                }
            }
            if (half == 0) {
                SufficientStatistics added = new SufficientStatistics(M, R);
                added.add(part);
                assertArrayEquals(added.aMatrix(), written.aMatrix(), 0.0, "written into empty statistics");
                assertArrayEquals(added.bMatrix(), written.bMatrix(), 0.0, "written into empty statistics");
            }
            byParts.add(part);
            byParts.countDense4();
        }
        assertArrayEquals(direct.aMatrix(), byParts.aMatrix(), 1e-12);
        assertArrayEquals(direct.bMatrix(), byParts.bMatrix(), 1e-12);
        for (int i = 0; i < M; i++) {
            assertEquals(0.0, byParts.b(i, R - 1), 0.0, "component R − 1 had no weight");
        }
        assertEquals(8, byParts.items());

        double[][] x = new double[4][M];
        for (double[] column : x) {
            for (int i = 0; i < M; i++) {
                column[i] = random.nextDouble();
            }
        }
        double[] added = new double[M];
        double[] set = new double[M];
        Kernels.axpy4(0.3, x[0], 0.7, x[1], 0.0, x[2], 1.9, x[3], added, M);
        Kernels.set4(0.3, x[0], 0.7, x[1], 0.0, x[2], 1.9, x[3], set, M);
        assertArrayEquals(added, set, 0.0);
    }

    @Test
    void aPartOfAnotherShapeIsRefused() {
        SufficientStatistics s = new SufficientStatistics(M, R);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> s.add(new SufficientStatistics.Part(M + 1, R)));
        assertTrue(e.getMessage().contains("61 × 7"), e.getMessage());
    }
}
