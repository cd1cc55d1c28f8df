package dev.nmfstream.nmf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nmfstream.nmf.synth.PlantedModel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The stream's uniform sample ({@link Reservoir}) and the consolidation of W with it ({@link OnlineNmf#consolidate}). */
class ConsolidationTest {

    @Test
    void theSampleKeepsEveryColumnWithTheSameProbability() {
        int n = 1000;
        int capacity = 50;
        int runs = 200;
        int[] buckets = new int[10];
        for (int seed = 0; seed < runs; seed++) {
            Reservoir sample = new Reservoir(1, 1, capacity, seed);
            double[] value = new double[1];
            DenseColumn column = DenseColumn.of(value);
            for (int i = 0; i < n; i++) {
                value[0] = i;
                sample.offer(column);
            }
            assertEquals(capacity, sample.size());
            assertEquals(n, sample.seen());
            Set<Integer> kept = new HashSet<>();
            for (int q = 0; q < capacity; q++) {
                int i = (int) sample.columns()[q][0];
                assertEquals(i + 1, sample.position(q), "slot " + q + " holds the column of its position");
                assertTrue(kept.add(i), "column " + i + " kept twice");
                buckets[i / 100]++;
            }
        }
        // each bucket of 100 positions: 200 runs × 50 × 100 / 1000 = 1000 expected, sd ≈ 31
        for (int b = 0; b < buckets.length; b++) {
            assertEquals(1000, buckets[b], 150, "positions " + 100 * b + "–" + (100 * b + 99) + " kept " + buckets[b]
                    + " times; all buckets " + Arrays.toString(buckets));
        }
    }

    @Test
    void withEveryColumnInTheSampleTheEstimateIsTheStatisticsOfAllColumnsOnTheCurrentBasis() {
        int m = 60;
        int r = 5;
        int n = 700;
        PlantedModel model = new PlantedModel(m, r, 0.3, 0.5, 0.02, 11);
        List<double[]> columns = new ArrayList<>();
        OnlineNmf nmf = new OnlineNmf(NmfConfig.defaults(r).withSeed(2)).reservoir(n);
        for (int j = 0; j < n; j++) {
            double[] v = new double[m];
            model.next(v, 0);
            columns.add(v);
            nmf.partialFit(DenseColumn.of(v));
        }
        nmf.flush();
        assertTrue(nmf.batches() >= 4, "the weights were learned with several bases: " + nmf.batches());
        Basis basis = nmf.basis();
        SufficientStatistics expected = new SufficientStatistics(m, r);
        for (double[] v : columns) {
            expected.add(DenseColumn.of(v), nmf.project(DenseColumn.of(v)).h);
        }
        SufficientStatistics estimate = new SufficientStatistics(m, r);
        nmf.sampleEstimate(basis, estimate);
        double scaleA = 0;
        double scaleB = 0;
        for (int j = 0; j < r; j++) {
            for (int k = 0; k < r; k++) {
                scaleA = Math.max(scaleA, Math.abs(expected.a(j, k)));
            }
            for (int i = 0; i < m; i++) {
                scaleB = Math.max(scaleB, Math.abs(expected.b(i, j)));
            }
        }
        for (int j = 0; j < r; j++) {
            for (int k = 0; k < r; k++) {
                assertEquals(expected.a(j, k), estimate.a(j, k), 1e-9 * scaleA, "A[" + j + "][" + k + "]");
            }
            for (int i = 0; i < m; i++) {
                assertEquals(expected.b(i, j), estimate.b(i, j), 1e-9 * scaleB, "B[" + i + "][" + j + "]");
            }
        }
    }

    @Test
    void aSampleChangesNothingUntilConsolidationWhichLowersTheErrorOfATimeOrderedStream() {
        int r = TimeOrderedStreamTest.R;
        List<double[]> columns = new ArrayList<>();
        TimeOrderedStreamTest.twoSegments(20_000, v -> columns.add(v.clone()));
        OnlineNmf plain = new OnlineNmf(NmfConfig.defaults(r).withSeed(3));
        OnlineNmf sampled = new OnlineNmf(NmfConfig.defaults(r).withSeed(3)).reservoir(OnlineNmf.DEFAULT_RESERVOIR);
        for (double[] v : columns) {
            plain.partialFit(DenseColumn.of(v));
            sampled.partialFit(DenseColumn.of(v));
        }
        plain.flush();
        sampled.flush();
        assertArrayEquals(plain.basis().toRowMajor(), sampled.basis().toRowMajor(), "the sample changes no W");
        assertEquals(plain.prequentialError(), sampled.prequentialError());

        long version = sampled.basis().version();
        assertTrue(sampled.consolidate());
        assertEquals(version + 1, sampled.basis().version(), "a consolidation publishes one version");
        double before = relativeError(plain, columns);
        double after = relativeError(sampled, columns);
        // measured: 0.03595 → 0.02885 (the segment learned first had faded from the statistics)
        assertTrue(after < before * 0.9, "error " + before + " → " + after + " after consolidation");
    }

    @Test
    void consolidationDoesNotHurtAStationaryStream() {
        PlantedModel model = PlantedModel.standard(5);
        int m = model.dim();
        List<double[]> columns = new ArrayList<>();
        OnlineNmf nmf = new OnlineNmf(NmfConfig.defaults(model.rank()).withSeed(1)).reservoir(OnlineNmf.DEFAULT_RESERVOIR);
        for (int j = 0; j < 20_000; j++) {
            double[] v = new double[m];
            model.next(v, 0);
            columns.add(v);
            nmf.partialFit(DenseColumn.of(v));
        }
        nmf.flush();
        double before = relativeError(nmf, columns);
        assertTrue(nmf.consolidate());
        double after = relativeError(nmf, columns);
        // measured: 0.028986 → 0.028980
        assertTrue(after <= before * 1.0005, "error " + before + " → " + after + " after consolidation");
    }

    @Test
    void twoThreadsConsolidateToBitwiseTheSameBasisAsOne() {
        PlantedModel model = new PlantedModel(300, 12, 0.25, 0.2, 0.05, 8);
        List<double[]> columns = new ArrayList<>();
        for (int j = 0; j < 6_000; j++) {
            double[] v = new double[300];
            model.next(v, 0);
            columns.add(v);
        }
        double[] one = null;
        for (int threads = 1; threads <= 2; threads++) {
            try (OnlineNmf nmf = new OnlineNmf(NmfConfig.defaults(12).withSeed(4)).threads(threads, false)
                    .reservoir(1000)) {
                for (double[] v : columns) {
                    nmf.partialFit(DenseColumn.of(v));
                }
                assertTrue(nmf.consolidate(3));
                if (threads == 1) {
                    one = nmf.basis().toRowMajor();
                } else {
                    assertArrayEquals(one, nmf.basis().toRowMajor());
                    assertTrue(nmf.unitsByOtherThreads() > 0, "the other thread worked");
                }
            }
        }
    }

    @Test
    void aSparseColumnEndsTheSampleAndARestoredLearnerKeepsNone() {
        OnlineNmf nmf = new OnlineNmf(NmfConfig.defaults(2).withSeed(0)).reservoir(100);
        assertTrue(nmf.keepsSample());
        SplittableRandom random = new SplittableRandom(3);
        double[] w = TestData.randomW(random, 30, 2, 0.2);
        for (int j = 0; j < 300; j++) {
            nmf.partialFit(DenseColumn.of(TestData.randomColumn(random, w, 30, 2, 0.01)));
        }
        assertTrue(nmf.keepsSample());
        OnlineNmf restored = OnlineNmf.fromBytes(nmf.toBytes());
        assertFalse(restored.keepsSample());
        assertFalse(restored.consolidate());
        nmf.partialFit(SparseColumn.of(30, new int[] {1, 4}, new double[] {1.0, 2.0}));
        assertFalse(nmf.keepsSample());
        long version = nmf.basis().version();
        assertFalse(nmf.consolidate(), "nothing to consolidate with");
        assertTrue(nmf.basis().version() >= version);
        assertThrows(IllegalStateException.class, () -> nmf.reservoir(10));
        // a warm start may keep one
        OnlineNmf warm = OnlineNmf.withBasis(NmfConfig.defaults(2).withSeed(0), nmf.basis()).reservoir(100);
        assertTrue(warm.keepsSample());
        for (int j = 0; j < 300; j++) {
            warm.partialFit(DenseColumn.of(TestData.randomColumn(random, w, 30, 2, 0.01)));
        }
        assertTrue(warm.consolidate());
        assertThrows(IllegalArgumentException.class, () -> new OnlineNmf(NmfConfig.defaults(2)).reservoir(-1));
    }

    @Test
    void theDefaultSampleHoldsAtMost64Megabytes() {
        assertEquals(2048, OnlineNmf.defaultReservoir(1025));
        assertEquals(2048, OnlineNmf.defaultReservoir(4096));
        assertEquals(419, OnlineNmf.defaultReservoir(20_000));
        assertEquals(1, OnlineNmf.defaultReservoir(1 << 30));
    }

    /** ‖V − W H‖ / ‖V‖ over the columns with the learner's basis and exact weights. */
    private static double relativeError(OnlineNmf nmf, List<double[]> columns) {
        double residual = 0;
        double norm = 0;
        Projection p = new Projection(nmf.rank());
        for (double[] v : columns) {
            nmf.project(DenseColumn.of(v), p);
            residual += p.residualSq;
            norm += p.normSq;
        }
        return Math.sqrt(residual / norm);
    }
}
