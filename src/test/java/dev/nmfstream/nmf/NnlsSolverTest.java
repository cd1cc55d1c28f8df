package dev.nmfstream.nmf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.management.ThreadMXBean;
import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class NnlsSolverTest {

    static LongStream seeds() {
        return LongStream.range(0, 40);
    }

    /** The exact optimum by enumerating every support set: least squares on S, kept if positive. */
    private static double[] bruteForce(double[] g, double[] c, int r) {
        double best = 0; // h = 0
        double[] bestH = new double[r];
        for (int mask = 1; mask < (1 << r); mask++) {
            int[] s = new int[Integer.bitCount(mask)];
            int n = 0;
            for (int k = 0; k < r; k++) {
                if ((mask & (1 << k)) != 0) {
                    s[n++] = k;
                }
            }
            // Gaussian elimination with partial pivoting on G_SS x = c_S
            double[][] a = new double[n][n + 1];
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < n; j++) {
                    a[i][j] = g[s[i] * r + s[j]];
                }
                a[i][n] = c[s[i]];
            }
            boolean singular = false;
            for (int col = 0; col < n && !singular; col++) {
                int piv = col;
                for (int i = col + 1; i < n; i++) {
                    if (Math.abs(a[i][col]) > Math.abs(a[piv][col])) {
                        piv = i;
                    }
                }
                double[] t = a[col];
                a[col] = a[piv];
                a[piv] = t;
                if (Math.abs(a[col][col]) < 1e-12) {
                    singular = true;
                    break;
                }
                for (int i = 0; i < n; i++) {
                    if (i != col) {
                        double f = a[i][col] / a[col][col];
                        for (int j = col; j <= n; j++) {
                            a[i][j] -= f * a[col][j];
                        }
                    }
                }
            }
            if (singular) {
                continue;
            }
            double[] h = new double[r];
            boolean positive = true;
            for (int i = 0; i < n; i++) {
                double x = a[i][n] / a[i][i];
                positive &= x > 0;
                h[s[i]] = x;
            }
            if (!positive) {
                continue;
            }
            double f = TestData.objective(g, c, h, r);
            if (f < best) {
                best = f;
                bestH = h;
            }
        }
        return bestH;
    }

    @ParameterizedTest
    @MethodSource("seeds")
    void matchesTheEnumeratedOptimumForSmallRanks(long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        int r = 1 + (int) (seed % 10);
        int m = 30;
        double[] w = TestData.randomW(random, m, r, 0.3);
        double[] v = TestData.randomColumn(random, w, m, r, 0.5);
        Basis basis = new Basis(m, r, w, 0);
        double[] g = basis.gram();
        double[] c = TestData.wtv(w, v, m, r);
        double[] expected = bruteForce(g, c, r);
        for (double[] inverse : new double[][] {null, NnlsSolver.scaledInverse(g, r)}) {
            double[] h = new double[r];
            new NnlsSolver(r).solve(g, inverse, c, h);
            double scale = 1e-7 * (1 + max(expected));
            assertArrayEquals(expected, h, scale, "seed " + seed + (inverse == null ? " (active set)" : " (pivoting)"));
            assertEquals(TestData.objective(g, c, expected, r), TestData.objective(g, c, h, r),
                    1e-9 * (1 + Math.abs(TestData.objective(g, c, expected, r))));
        }
    }

    /**
     * Rank 12, items made of about half the components and noise of 0 to 2× the signal: rounds
     * that add several variables at once, some whose larger set stays positive and some that fall
     * back to one (the noisy items' gradients point at components outside the support), end at the
     * enumerated optimum.
     */
    @ParameterizedTest
    @MethodSource("seeds")
    void severalVariablesPerRoundStillReachTheEnumeratedOptimum(long seed) {
        SplittableRandom random = new SplittableRandom(5000 + seed);
        int r = 12;
        int m = 40;
        double[] w = TestData.randomW(random, m, r, 0.2);
        double[] v = TestData.randomColumn(random, w, m, r, 2 * random.nextDouble());
        double[] g = new Basis(m, r, w, 0).gram();
        double[] c = TestData.wtv(w, v, m, r);
        double[] expected = bruteForce(g, c, r);
        double[] h = new double[r];
        new NnlsSolver(r).solve(g, null, c, h);
        assertArrayEquals(expected, h, 1e-7 * (1 + max(expected)), "seed " + seed);
        assertKkt(g, c, h, r, "seed " + seed);
    }

    /** An exact mixture of 8 of 12 components (rounds of several variables): its weights, exactly. */
    @ParameterizedTest
    @ValueSource(longs = {11, 12, 13, 14, 15, 16, 17, 18})
    void anExactMixtureOfManyComponentsIsRecoveredExactly(long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        int r = 12;
        int m = 60;
        double[] w = TestData.randomW(random, m, r, 0.3);
        double[] truth = new double[r];
        for (int k : new int[] {0, 1, 3, 4, 6, 7, 9, 11}) {
            truth[k] = 0.5 + random.nextDouble();
        }
        double[] v = TestData.wh(w, truth, m, r);
        double[] g = new Basis(m, r, w, 0).gram();
        double[] h = new double[r];
        int pivots = new NnlsSolver(r).solve(g, null, TestData.wtv(w, v, m, r), h);
        assertArrayEquals(truth, h, 1e-9, "seed " + seed);
        assertTrue(pivots >= 8, "seed " + seed + ": " + pivots + " pivots for 8 positive weights");
    }

    /**
     * Rank 20, items made of 5 components and noise, which gives some of the others a little
     * weight: between a quarter and three quarters of the weights are zero, as on audio frames.
     * Block pivoting with the inverse solves these in a few rounds (before, beyond a quarter of zeros it left them to the active set, which adds the
     * positive weights a few at a time), to the active set's optimum.
     */
    @ParameterizedTest
    @MethodSource("seeds")
    void blockPivotingSolvesItemsWithUpToThreeQuartersOfTheirWeightsZeroInAFewRounds(long seed) {
        SplittableRandom random = new SplittableRandom(9000 + seed);
        int r = 20;
        int m = 200;
        double[] w = TestData.randomW(random, m, r, 0.5);
        double[] truth = weightsOfFive(random, r);
        double[] v = TestData.wh(w, truth, m, r);
        for (int i = 0; i < m; i++) {
            v[i] += 0.1 * (random.nextDouble() - 0.5);
        }
        double[] g = new Basis(m, r, w, 0).gram();
        double[] c = TestData.wtv(w, v, m, r);
        double[] byActiveSet = new double[r];
        int activeSetPivots = new NnlsSolver(r).solve(g, null, c, byActiveSet);
        double[] byPivoting = new double[r];
        int rounds = new NnlsSolver(r).solve(g, NnlsSolver.scaledInverse(g, r), c, byPivoting);
        long zeros = Arrays.stream(byPivoting).filter(x -> x == 0).count();
        assertTrue(zeros > r / 4 && zeros <= 3 * r / 4, "seed " + seed + ": " + zeros + " zero weights");
        assertKkt(g, c, byPivoting, r, "seed " + seed);
        assertArrayEquals(byActiveSet, byPivoting, 1e-9 * (1 + max(byActiveSet)), "seed " + seed);
        assertTrue(rounds <= 4 && rounds < activeSetPivots, "seed " + seed + ": " + rounds
                + " rounds of block pivoting against " + activeSetPivots + " active-set pivots");
    }

    /**
     * Document-like items: rank 20, topics over nearly disjoint words (each component's own 20
     * rows, a little of every other word), an item made of 5 topics. With W ≥ 0 and v ≥ 0 every
     * scaled c' is above 1 % of the largest, which the solver took until 6 December 2026 as the
     * sign of a dense solution and tried block pivoting first; yet three quarters of the weights
     * are zero, and the active set is the faster path (1.5 × on the man-page documents). The
     * solver must now take the active set at once: the same pivots and bitwise the same weights
     * as when it has no inverse at all.
     */
    @ParameterizedTest
    @MethodSource("seeds")
    void documentLikeItemsTakeTheActiveSetAtOnce(long seed) {
        SplittableRandom random = new SplittableRandom(11_000 + seed);
        int r = 20;
        int words = 20;
        int m = r * words;
        double[] w = new double[m * r];
        for (int i = 0; i < m; i++) {
            for (int k = 0; k < r; k++) {
                w[i * r + k] = i / words == k ? 0.5 + random.nextDouble() : 0.01 * random.nextDouble();
            }
        }
        double[] truth = weightsOfFive(random, r);
        double[] v = TestData.wh(w, truth, m, r);
        double[] g = new Basis(m, r, w, 0).gram();
        double[] c = TestData.wtv(w, v, m, r);
        double[] scaled = new double[r];
        double largest = 0;
        for (int k = 0; k < r; k++) {
            scaled[k] = c[k] / Math.sqrt(g[k * r + k]);
            largest = Math.max(largest, scaled[k]);
        }
        for (int k = 0; k < r; k++) {
            assertTrue(scaled[k] > 0.01 * largest, "seed " + seed + ": c'_" + k + " is small");
        }
        double[] withInverse = new double[r];
        int pivots = new NnlsSolver(r).solve(g, NnlsSolver.scaledInverse(g, r), c, withInverse);
        double[] byActiveSet = new double[r];
        int activeSetPivots = new NnlsSolver(r).solve(g, null, c, byActiveSet);
        assertKkt(g, c, withInverse, r, "seed " + seed);
        assertArrayEquals(truth, withInverse, 1e-9, "seed " + seed);
        assertEquals(activeSetPivots, pivots, "seed " + seed + ": pivots");
        assertArrayEquals(byActiveSet, withInverse, 0.0, "seed " + seed);
    }

    /** r weights of which 5, at random places, are positive (in [0.5, 1.5)). */
    private static double[] weightsOfFive(SplittableRandom random, int r) {
        double[] truth = new double[r];
        for (int placed = 0; placed < 5; ) {
            int k = random.nextInt(r);
            if (truth[k] == 0) {
                truth[k] = 0.5 + random.nextDouble();
                placed++;
            }
        }
        return truth;
    }

    @ParameterizedTest
    @MethodSource("seeds")
    void satisfiesKktConditionsUpToRank100(long seed) {
        SplittableRandom random = new SplittableRandom(1000 + seed);
        int r = 10 + random.nextInt(91);
        int m = r + 50 + random.nextInt(200);
        double zeros = random.nextDouble() * 0.9;
        double[] w = TestData.randomW(random, m, r, zeros);
        double[] v = TestData.randomColumn(random, w, m, r, random.nextDouble());
        Basis basis = new Basis(m, r, w, 0);
        Projection p = new Projector(r).project(basis, DenseColumn.of(v), new Projection(r));
        assertKkt(basis.gram(), TestData.wtv(w, v, m, r), p.h, r, "seed " + seed);
        double direct = TestData.directResidualSq(w, v, p.h, m, r);
        assertEquals(direct, p.residualSq, 1e-9 * p.normSq + 1e-12, "O(r²) residual, seed " + seed);
    }

    /**
     * KKT: h ≥ 0; gradient g = G h − c ≥ −tol where h = 0; |g| ≤ tol where h &gt; 0, with tol
     * relative to the problem's scale (max_k c_k/√G_kk times √G_kk).
     */
    static void assertKkt(double[] g, double[] c, double[] h, int r, String what) {
        double s = 0;
        for (int k = 0; k < r; k++) {
            if (g[k * r + k] > 0) {
                s = Math.max(s, c[k] / Math.sqrt(g[k * r + k]));
            }
        }
        for (int k = 0; k < r; k++) {
            assertTrue(h[k] >= 0 && Double.isFinite(h[k]), what + ": h[" + k + "] = " + h[k]);
            double grad = -c[k];
            for (int j = 0; j < r; j++) {
                grad += g[k * r + j] * h[j];
            }
            double tol = 1e-8 * s * Math.sqrt(g[k * r + k]) + 1e-300;
            if (h[k] > 0) {
                assertEquals(0, grad, tol, what + ": gradient at positive h[" + k + "]");
            } else {
                assertTrue(grad >= -tol, what + ": gradient " + grad + " at zero h[" + k + "], tolerance " + tol);
            }
        }
    }

    @Test
    void zeroColumnGivesZeroWeights() {
        int m = 20;
        int r = 5;
        double[] w = TestData.randomW(new SplittableRandom(1), m, r, 0);
        Projection p = new Projector(r).project(new Basis(m, r, w, 0), DenseColumn.of(new double[m]), new Projection(r));
        assertArrayEquals(new double[r], p.h);
        assertEquals(0, p.residualSq);
        assertEquals(0, p.relativeResidual());
        Projection sparse = new Projector(r).project(new Basis(m, r, w, 0),
                SparseColumn.of(m, new int[0], new double[0]), new Projection(r));
        assertArrayEquals(new double[r], sparse.h);
    }

    @ParameterizedTest
    @ValueSource(strings = {"zero", "repeated", "scaled"})
    void rankDeficientBasisStaysFiniteAndOptimal(String kind) {
        SplittableRandom random = new SplittableRandom(7);
        int m = 40;
        int r = 8;
        double[] w = TestData.randomW(random, m, r, 0.2);
        for (int i = 0; i < m; i++) {
            switch (kind) {
                case "zero" -> w[i * r + 3] = 0;
                case "repeated" -> w[i * r + 5] = w[i * r + 2];
                default -> w[i * r + 6] = 3 * w[i * r + 1];
            }
        }
        Basis basis = new Basis(m, r, w, 0);
        for (int t = 0; t < 50; t++) {
            double[] v = TestData.randomColumn(random, w, m, r, 0.3);
            Projection p = new Projector(r).project(basis, DenseColumn.of(v), new Projection(r));
            assertKkt(basis.gram(), TestData.wtv(w, v, m, r), p.h, r, kind + " column, trial " + t);
            assertEquals(TestData.directResidualSq(w, v, p.h, m, r), p.residualSq, 1e-9 * p.normSq);
        }
    }

    @ParameterizedTest
    @ValueSource(doubles = {1e-30, 1e-10, 1, 1e10, 1e30})
    void extremeScalesSolveAlike(double scale) {
        SplittableRandom random = new SplittableRandom(3);
        int m = 50;
        int r = 12;
        double[] w = TestData.randomW(random, m, r, 0.5);
        double[] v = TestData.randomColumn(random, w, m, r, 0.2);
        Basis basis = new Basis(m, r, w, 0);
        Projection unit = new Projector(r).project(basis, DenseColumn.of(v), new Projection(r));
        double[] scaled = v.clone();
        for (int i = 0; i < m; i++) {
            scaled[i] *= scale;
        }
        Projection p = new Projector(r).project(basis, DenseColumn.of(scaled), new Projection(r));
        for (int k = 0; k < r; k++) {
            assertTrue(Double.isFinite(p.h[k]) && p.h[k] >= 0, "h[" + k + "] = " + p.h[k]);
            assertEquals(unit.h[k] * scale, p.h[k], 1e-9 * scale * (1 + max(unit.h)), "h[" + k + "]");
        }
        assertEquals(unit.relativeResidual(), p.relativeResidual(), 1e-6);
        // mixed magnitudes in one column
        double[] mixed = v.clone();
        mixed[0] = 1e30;
        mixed[1] = 1e-30;
        Projection q = new Projector(r).project(basis, DenseColumn.of(mixed), new Projection(r));
        for (double x : q.h) {
            assertTrue(Double.isFinite(x) && x >= 0);
        }
        assertTrue(Double.isFinite(q.residualSq) && q.residualSq >= 0);
    }

    @Test
    void sparseAndDenseColumnsProjectAlike() {
        SplittableRandom random = new SplittableRandom(11);
        int m = 300;
        int r = 15;
        double[] w = TestData.randomW(random, m, r, 0.7);
        Basis basis = new Basis(m, r, w, 4);
        double[] dense = new double[m];
        int[] idx = {3, 17, 40, 41, 99, 150, 299};
        double[] val = {0.5, 2, 1e-3, 7, 0.25, 3, 1};
        for (int j = 0; j < idx.length; j++) {
            dense[idx[j]] = val[j];
        }
        Projection a = new Projector(r).project(basis, DenseColumn.of(dense), new Projection(r));
        Projection b = new Projector(r).project(basis, SparseColumn.of(m, idx, val), new Projection(r));
        assertArrayEquals(a.h, b.h, 1e-12);
        assertEquals(a.residualSq, b.residualSq, 1e-12);
        assertEquals(4, b.basisVersion);
    }

    @Test
    void projectionAllocatesNothingPerColumn() {
        ThreadMXBean threads = (ThreadMXBean) ManagementFactory.getThreadMXBean();
        SplittableRandom random = new SplittableRandom(5);
        int m = 200;
        int r = 20;
        double[] w = TestData.randomW(random, m, r, 0.3);
        Basis basis = new Basis(m, r, w, 0);
        int n = 500;
        double[] data = new double[n * m];
        for (int j = 0; j < n; j++) {
            System.arraycopy(TestData.randomColumn(random, w, m, r, 0.5), 0, data, j * m, m);
        }
        Projector projector = new Projector(r);
        Projection out = new Projection(r);
        DenseColumn view = new DenseColumn(data, 0, m);
        // each column's squared residual from a projector and output of its own: what the reused
        // projector, view and output must give again in every round below
        double[] expected = new double[n];
        for (int j = 0; j < n; j++) {
            expected[j] = new Projector(r).project(basis, DenseColumn.of(
                    Arrays.copyOfRange(data, j * m, (j + 1) * m)), new Projection(r)).residualSq;
        }
        long threadId = Thread.currentThread().getId();
        // warm up until the JIT has compiled the path: before that the SIMD kernels' vectors live on
        // the heap (a fixed 40 rounds were not always enough: 0.25–3 KB per column on a new machine);
        // a path that allocated per column would never get here, and the count below would say so
        int quiet = 0;
        for (int round = 0; round < 2000 && quiet < 3; round++) {
            long start = threads.getThreadAllocatedBytes(threadId);
            for (int j = 0; j < n; j++) {
                projector.project(basis, view.set(data, j * m, m), out);
            }
            quiet = threads.getThreadAllocatedBytes(threadId) - start < 1024 ? quiet + 1 : 0;
        }
        int rounds = 100;
        double[] residuals = new double[rounds * n]; // allocated before the count starts
        long before = threads.getThreadAllocatedBytes(threadId);
        for (int round = 0; round < rounds; round++) {
            for (int j = 0; j < n; j++) {
                residuals[round * n + j] = projector.project(basis, view.set(data, j * m, m), out).residualSq;
            }
        }
        long allocated = threads.getThreadAllocatedBytes(threadId) - before;
        // 50,000 projections; the counter itself may allocate a few bytes
        assertTrue(allocated < 1024, "projection path allocated " + allocated + " bytes for 50,000 columns");
        // the measured path computed the projections (nothing left for the compiler to drop) and
        // the reused objects carry nothing from one column to the next
        for (int round = 0; round < rounds; round++) {
            for (int j = 0; j < n; j++) {
                assertEquals(expected[j], residuals[round * n + j], 1e-9 * expected[j],
                        "squared residual of column " + j + " in round " + round);
            }
        }
    }

    private static double max(double[] a) {
        double mx = 0;
        for (double x : a) {
            mx = Math.max(mx, x);
        }
        return mx;
    }
}
