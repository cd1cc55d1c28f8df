package dev.nmfstream.nmf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import java.util.stream.LongStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class BasisUpdaterTest {

    static LongStream seeds() {
        return LongStream.range(0, 30);
    }

    /** Statistics of random data under a random basis, and a different random starting W. */
    private static SufficientStatistics statistics(SplittableRandom random, int m, int r, double[] truth) {
        Basis basis = new Basis(m, r, truth, 0);
        SufficientStatistics s = new SufficientStatistics(m, r);
        Projector projector = new Projector(r);
        Projection p = new Projection(r);
        for (int t = 0; t < 3 * r; t++) {
            double[] v = TestData.randomColumn(random, truth, m, r, 0.5);
            projector.project(basis, DenseColumn.of(v), p);
            s.add(DenseColumn.of(v), p.h);
        }
        return s;
    }

    @ParameterizedTest
    @MethodSource("seeds")
    void surrogateNeverIncreasesUnderEitherRule(long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        int m = 20 + random.nextInt(80);
        int r = 2 + random.nextInt(15);
        SufficientStatistics s = statistics(random, m, r, TestData.randomW(random, m, r, 0.4));
        for (UpdateRule rule : UpdateRule.values()) {
            double[][] w = new Basis(m, r, TestData.randomW(new SplittableRandom(seed + 99), m, r, 0.3), 0).toComponents();
            BasisUpdater updater = new BasisUpdater(m, r);
            double floor = updater.floorFor(w);
            updater.update(rule, w, s, 1, floor); // brings W to the floor
            double previous = s.surrogate(Basis.fromComponents(m, r, w, 0).toRowMajor());
            for (int step = 0; step < 30; step++) {
                updater.update(rule, w, s, 1, floor);
                double current = s.surrogate(Basis.fromComponents(m, r, w, 0).toRowMajor());
                assertTrue(current <= previous + 1e-12 * Math.abs(previous),
                        rule + " step " + step + " raised the surrogate from " + previous + " to " + current + " (seed "
                                + seed + ")");
                previous = current;
                for (double[] wk : w) {
                    for (double x : wk) {
                        assertTrue(x >= floor && Double.isFinite(x), rule + ": W entry " + x);
                    }
                }
            }
        }
    }

    @ParameterizedTest
    @MethodSource("seeds")
    void halsReachesTheSurrogatesMinimumFasterThanMu(long seed) {
        SplittableRandom random = new SplittableRandom(500 + seed);
        int m = 40;
        int r = 6;
        SufficientStatistics s = statistics(random, m, r, TestData.randomW(random, m, r, 0.3));
        double[][] start = new Basis(m, r, TestData.randomW(random, m, r, 0.3), 0).toComponents();
        double[][] hals = copy(start);
        double[][] mu = copy(start);
        BasisUpdater updater = new BasisUpdater(m, r);
        double floor = updater.floorFor(start);
        updater.update(UpdateRule.HALS, hals, s, 500, floor);
        updater.update(UpdateRule.MU, mu, s, 5, floor);
        double[][] hals5 = copy(start);
        updater.update(UpdateRule.HALS, hals5, s, 5, floor);
        double best = s.surrogate(Basis.fromComponents(m, r, hals, 0).toRowMajor());
        double afterHals = s.surrogate(Basis.fromComponents(m, r, hals5, 0).toRowMajor());
        double afterMu = s.surrogate(Basis.fromComponents(m, r, mu, 0).toRowMajor());
        assertTrue(afterHals - best <= afterMu - best + 1e-12 * Math.abs(best),
                "5 HALS sweeps " + afterHals + " vs 5 MU steps " + afterMu + ", optimum " + best);
    }

    @ParameterizedTest
    @MethodSource("seeds")
    void deadComponentIsDetectedAndReseededFromTheWorstCandidate(long seed) {
        SplittableRandom random = new SplittableRandom(900 + seed);
        int m = 30;
        int r = 4;
        double[] truth = TestData.randomW(random, m, r, 0.2);
        SufficientStatistics s = statistics(random, m, r, truth);
        double[] v = TestData.randomColumn(random, truth, m, r, 0.5);
        s.offerCandidate(DenseColumn.of(v), 1e9);
        // kill component 2: its statistics vanish
        s.resetComponent(2, 0, new double[m]);
        double[][] w = new Basis(m, r, truth, 0).toComponents();
        BasisUpdater updater = new BasisUpdater(m, r);
        double[] norms = new double[r];
        updater.update(UpdateRule.MU, w, s, 3, updater.floorFor(w));
        updater.normalize(w, s, norms);
        assertTrue(updater.isDead(s, 2, norms[2], 2 * BasisUpdater.FLOOR * Math.sqrt(m)));
        assertTrue(!updater.isDead(s, 0, norms[0], 2 * BasisUpdater.FLOOR * Math.sqrt(m)));
        int worst = 0;
        for (int q = 1; q < s.candidateCount(); q++) {
            if (s.candidateScore(q) > s.candidateScore(worst)) {
                worst = q;
            }
        }
        updater.reseed(w, s, 2, worst, 0.5, new SplittableRandom(seed));
        double norm = Math.sqrt(Kernels.dot(w[2], 0, w[2], 0, m));
        assertEquals(1, norm, 1e-9);
        assertEquals(0.5, s.a(2, 2));
        // the re-seeded column is a fixed point of HALS on its reset statistics
        double[] before = w[2].clone();
        double[][] others = copy(w);
        updater.update(UpdateRule.HALS, others, s, 1, 0);
        for (int i = 0; i < m; i++) {
            assertEquals(before[i], others[2][i], 1e-9 + 1e-6 * before[i]);
        }
    }

    private static double[][] copy(double[][] w) {
        double[][] out = new double[w.length][];
        for (int k = 0; k < w.length; k++) {
            out[k] = w[k].clone();
        }
        return out;
    }
}
