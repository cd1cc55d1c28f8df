package dev.nmfstream.nmf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nmfstream.nmf.synth.PlantedModel;
import dev.nmfstream.nmf.synth.PlantedTopics;
import dev.nmfstream.nmf.synth.Recovery;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The learner on several threads: bitwise the same model as on one. */
class ThreadsTest {

    /**
     * A planted stream with what makes the batched path branch: a mini-batch that is not a multiple
     * of four, outsized items (they enter the statistics column by column, scaled), sparse columns
     * among the dense ones (the waiting columns are projected before each), a state round trip
     * mid-batch, and a partial last batch.
     */
    private static OnlineNmf run(NmfConfig config, int threads) {
        PlantedModel planted = new PlantedModel(300, 8, 0.3, 0.1, 0.05, 11);
        SplittableRandom random = new SplittableRandom(5);
        OnlineNmf nmf = new OnlineNmf(config).threads(threads, false);
        double[] v = new double[300];
        for (int j = 0; j < 6_003; j++) {
            planted.next(v, 0);
            if (j % 997 == 500) {
                for (int i = 0; i < v.length; i++) {
                    v[i] *= 1e3;
                }
            }
            if (j % 211 == 7) {
                int[] idx = {random.nextInt(100), 100 + random.nextInt(100), 200 + random.nextInt(100)};
                nmf.partialFit(SparseColumn.of(300, idx, new double[] {1, 2, 3}));
            } else {
                nmf.partialFit(DenseColumn.of(v));
            }
            if (j == 3_333) {
                OnlineNmf resumed = OnlineNmf.fromBytes(nmf.toBytes()).threads(threads, false);
                nmf.close();
                nmf = resumed;
            }
        }
        nmf.flush();
        return nmf;
    }

    @ParameterizedTest
    @EnumSource(UpdateRule.class)
    void oneTwoAndThreeThreadsLearnBitwiseTheSameModel(UpdateRule rule) {
        NmfConfig config = NmfConfig.defaults(8).withBatchSize(50).withRule(rule).withSeed(2);
        OnlineNmf one = run(config, 1);
        for (int threads : new int[] {2, 3}) {
            try (OnlineNmf many = run(config, threads)) {
                assertEquals(threads, many.threads());
                assertSameModel(one, many, threads);
            }
        }
        assertTrue(one.basis().version() > 100, "the stream made " + one.basis().version() + " versions");
    }

    /** The learner on several threads did part of the work and learned bitwise the one-thread model. */
    private static void assertSameModel(OnlineNmf one, OnlineNmf many, int threads) {
        assertTrue(many.unitsByOtherThreads() > 0, "the other threads did no work");
        assertArrayEquals(one.basis().toRowMajor(), many.basis().toRowMajor(), 0.0, threads + " threads");
        assertEquals(one.basis().version(), many.basis().version());
        assertEquals(one.items(), many.items());
        assertEquals(one.prequentialError(), many.prequentialError(), 0.0);
        assertArrayEquals(one.statistics().aMatrix(), many.statistics().aMatrix(), 0.0);
        assertEquals(one.reseeds(), many.reseeds());
    }

    /**
     * A sparse stream (planted topics, m = 2,000: the mini-batches update only the rows they
     * touched, and every fourth batch's worth of items all of them) with outsized documents, a
     * state round trip while sparse columns wait for their mini-batch, and a partial last batch.
     */
    private static OnlineNmf runSparse(NmfConfig config, int threads) {
        PlantedTopics topics = new PlantedTopics(2_000, 6, 150, 30, 0.1, 3);
        int[] idx = new int[2_000];
        double[] val = new double[2_000];
        OnlineNmf nmf = new OnlineNmf(config).threads(threads, false);
        for (int j = 0; j < 5_001; j++) {
            int nnz = topics.next(idx, val);
            if (j % 613 == 100) {
                for (int q = 0; q < nnz; q++) {
                    val[q] *= 1e4;
                }
            }
            // a fresh column each time, its arrays changed after the call: the learner keeps copies
            nmf.partialFit(new SparseColumn(2_000, idx, val, 0, nnz));
            Arrays.fill(val, 0, nnz, -1.0);
            if (j == 1_500) {
                nmf.threads(1); // while columns wait: they enter before the next ones
            } else if (j == 2_000) {
                nmf.threads(threads, false);
            }
            // the last lanes get ~1,700 columns to share (a parked lane may miss a few jobs on a busy machine)
            if (j == 3_333) {
                OnlineNmf resumed = OnlineNmf.fromBytes(nmf.toBytes()).threads(threads, false);
                nmf.close();
                nmf = resumed;
            }
        }
        nmf.flush();
        return nmf;
    }

    /**
     * Sparse columns on several threads wait for their mini-batch and are projected on all of them
     * ({@code OnlineNmf.drainSparse}); the model is bitwise the one a single thread learns column by
     * column, and the other threads did part of the work.
     */
    @Test
    void sparseColumnsLearnBitwiseTheSameModelOnOneTwoAndThreeThreads() {
        NmfConfig config = NmfConfig.defaults(6).withBatchSize(256).withSeed(4);
        OnlineNmf one = runSparse(config, 1);
        for (int threads : new int[] {2, 3}) {
            try (OnlineNmf many = runSparse(config, threads)) {
                assertSameModel(one, many, threads);
            }
        }
        assertEquals(5_001, one.items());
        assertTrue(one.basis().version() > 20, "the stream made " + one.basis().version() + " versions");
        assertTrue(one.prequentialError() < 0.9, "prequential error " + one.prequentialError());
    }

    /**
     * Columns given as one block ({@link OnlineNmf#partialFit(double[], int, int, int)}, copied by
     * the lanes that project them) learn bitwise the model they learn one by one, on one thread
     * or two, with a mini-batch that is not a multiple of four and outsized items; a block that
     * does not fit in its array is refused.
     */
    @Test
    void aBlockOfColumnsLearnsBitwiseWhatTheColumnsLearnOneByOne() {
        int m = 300;
        int n = 4_003;
        PlantedModel planted = new PlantedModel(m, 8, 0.3, 0.1, 0.05, 13);
        double[] data = new double[7 + n * m];
        for (int j = 0; j < n; j++) {
            planted.next(data, 7 + j * m);
            if (j % 613 == 300) {
                data[7 + j * m + j % m] += 1e7;
            }
        }
        NmfConfig config = NmfConfig.defaults(8).withBatchSize(50).withSeed(4);
        OnlineNmf oneByOne = new OnlineNmf(config);
        DenseColumn view = new DenseColumn(data, 0, m);
        for (int j = 0; j < n; j++) {
            oneByOne.partialFit(view.set(data, 7 + j * m, m));
        }
        oneByOne.flush();
        for (int threads : new int[] {1, 2}) {
            try (OnlineNmf block = new OnlineNmf(config).threads(threads, false)) {
                block.partialFit(data, 7, m, 1_000);
                block.partialFit(data, 7 + 1_000 * m, m, n - 1_000); // a mini-batch spans the two calls
                block.flush();
                assertArrayEquals(oneByOne.basis().toRowMajor(), block.basis().toRowMajor(), 0.0, threads + " threads");
                assertEquals(oneByOne.prequentialError(), block.prequentialError(), 0.0);
                assertEquals(oneByOne.items(), block.items());
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                        () -> block.partialFit(data, 8, m, n));
                assertTrue(e.getMessage().contains("do not fit"), e.getMessage());
            }
        }
    }

    @Test
    void theThreadedModelStillRecoversThePlantedComponents() {
        PlantedModel planted = PlantedModel.standard(20261202L);
        int m = planted.dim();
        try (OnlineNmf nmf = new OnlineNmf(NmfConfig.defaults(planted.rank()).withSeed(1)).threads(2, false)) {
            double[] v = new double[m];
            for (int j = 0; j < 60_000; j++) {
                planted.next(v, 0);
                nmf.partialFit(DenseColumn.of(v));
            }
            nmf.flush();
            assertTrue(nmf.prequentialError() < 0.1, "prequential error " + nmf.prequentialError());
            Recovery recovery = Recovery.match(planted.trueBasis(), nmf.basis().toRowMajor(), m, planted.rank());
            assertTrue(recovery.worst() >= 0.99, "worst matched cosine " + recovery.worst());
        }
    }

    /**
     * Learning allocates nothing per column and no array of the basis's size per mini-batch (the
     * basis is refilled in place): after a warm-up, the bytes allocated per mini-batch stay under
     * a quarter of W's size (m·r doubles), whatever the batch's columns.
     */
    @Test
    void learningAllocatesNoBasisSizedArrayPerMiniBatch() {
        int m = 1025;
        int r = 20;
        PlantedModel planted = new PlantedModel(m, r, 0.2, 0.1, 0.05, 3);
        int n = 40 * 128;
        double[] data = new double[n * m];
        for (int j = 0; j < n; j++) {
            planted.next(data, j * m);
        }
        OnlineNmf nmf = new OnlineNmf(NmfConfig.defaults(r).withSeed(4));
        DenseColumn view = new DenseColumn(data, 0, m);
        com.sun.management.ThreadMXBean threads =
                (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        long tid = Thread.currentThread().getId();
        for (int pass = 0; pass < 3; pass++) {
            long before = threads.getThreadAllocatedBytes(tid);
            long batches = nmf.batches();
            for (int j = 0; j < n; j++) {
                nmf.partialFit(view.set(data, j * m, m));
            }
            long perBatch = (threads.getThreadAllocatedBytes(tid) - before) / (nmf.batches() - batches);
            if (pass == 2) {
                assertTrue(perBatch < (long) m * r * 8 / 4, perBatch + " bytes per mini-batch");
            }
        }
    }

    @Test
    void zeroThreadsIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new OnlineNmf(NmfConfig.defaults(3)).threads(0));
        assertTrue(e.getMessage().contains("at least 1"), e.getMessage());
    }
}
