package dev.nmfstream.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nmfstream.nmf.Basis;
import dev.nmfstream.nmf.DenseColumn;
import dev.nmfstream.nmf.KlProjector;
import dev.nmfstream.nmf.KlStatistics;
import dev.nmfstream.nmf.Projection;
import dev.nmfstream.nmf.synth.PlantedModel;
import dev.nmfstream.wire.ColumnEncoder;
import dev.nmfstream.wire.WeightsMessage;
import dev.nmfstream.wire.WireSerdes;
import dev.nmfstream.wire.internal.BasisMessage;
import dev.nmfstream.wire.internal.Chunk;
import dev.nmfstream.wire.internal.Chunker;
import dev.nmfstream.wire.internal.SampleMessage;
import dev.nmfstream.wire.internal.StatisticsMessage;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorSupplier;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.Test;

/** The projector by itself, on a mock context: punctuators fired and the wall clock moved by hand. */
class ProjectorProcessorTest {

    private static final int M = 20;
    private static final int R = 3;
    private static final int BATCH = 10;
    private static final String TOPIC = "nmf-columns";

    private final PlantedModel planted = new PlantedModel(M, R, 0.4, 0.1, 0.02, 5);

    private static NmfStreamConfig config(String... extra) {
        Properties p = new Properties();
        p.setProperty("nmf.rank", "" + R);
        p.setProperty("nmf.dimension", "" + M);
        p.setProperty("nmf.batch.size", "" + BATCH);
        for (int i = 0; i < extra.length; i += 2) {
            p.setProperty(extra[i], extra[i + 1]);
        }
        return NmfStreamConfig.from(p);
    }

    /** One instance's global basis store. */
    private static KeyValueStore<String, byte[]> basisStore() {
        return TestStores.keyValue(new MockProcessorContext<>(), NmfTopology.BASIS_STORE, Serdes.String(),
                Serdes.ByteArray());
    }

    /** Writes one basis version into a global basis store, as the basis topic would. */
    private void publish(KeyValueStore<String, byte[]> store, long version, int m, int r) {
        PlantedModel model = m == M && r == R ? planted : new PlantedModel(m, r, 0.4, 0.1, 0.02, 6);
        List<byte[]> records = BasisMessage.records(new Basis(m, r, model.trueBasis(), version));
        for (int i = 0; i < records.size(); i++) {
            store.put(BasisMessage.key("nmf", i), records.get(i));
        }
    }

    /** The stores of one projector task (one input partition): they survive restarts and moves. */
    private static final class TaskStores {
        final KeyValueStore<Long, byte[]> warmup;
        final KeyValueStore<Long, byte[]> backlog;
        final KeyValueStore<String, Long> progress;

        TaskStores() {
            MockProcessorContext<Object, byte[]> first = new MockProcessorContext<>();
            warmup = TestStores.keyValue(first, NmfTopology.WARMUP_STORE, Serdes.Long(), Serdes.ByteArray());
            backlog = TestStores.keyValue(first, NmfTopology.BACKLOG_STORE, Serdes.Long(), Serdes.ByteArray());
            progress = TestStores.keyValue(first, NmfTopology.PROGRESS_STORE, Serdes.String(), Serdes.Long());
        }
    }

    /** A projector task on a mock context, at a wall-clock time. */
    private final class Task {
        final MockProcessorContext<Object, byte[]> context = new MockProcessorContext<>();
        final ProjectorProcessor processor;
        long now;

        Task(NmfStreamConfig config, TaskStores stores, KeyValueStore<String, byte[]> basisStore, BasisCache bases,
                int inputPartitions, long now) {
            this((ProjectorProcessor) new ProjectorProcessor(config, inputPartitions, bases), stores, basisStore,
                    now);
        }

        Task(ProjectorProcessor processor, TaskStores stores, KeyValueStore<String, byte[]> basisStore, long now) {
            this.processor = processor;
            this.now = now;
            context.addStateStore(stores.warmup);
            context.addStateStore(stores.backlog);
            context.addStateStore(stores.progress);
            context.addStateStore(basisStore);
            context.setCurrentSystemTimeMs(now);
            processor.init(context);
        }

        /** A planted column as a binary frame, key "i&lt;offset&gt;", at this input offset. */
        void send(long offset) {
            double[] v = new double[M];
            planted.next(v, 0);
            context.setRecordMetadata(TOPIC, 0, offset);
            processor.process(new Record<>(("i" + offset).getBytes(StandardCharsets.UTF_8),
                    ColumnEncoder.binary(DenseColumn.of(v), -1), 1_000 + offset));
        }

        void sendRange(long from, long to) {
            for (long offset = from; offset < to; offset++) {
                send(offset);
            }
        }

        /** Moves the wall clock and fires the punctuators due, as a stream thread would. */
        void tickTo(long time) {
            now = time;
            context.setCurrentSystemTimeMs(time);
            for (MockProcessorContext.CapturedPunctuator p : context.scheduledPunctuators()) {
                p.getPunctuator().punctuate(time);
            }
        }

        /** The weights published since the last call. */
        List<WeightsMessage> weights() {
            List<WeightsMessage> out = new ArrayList<>();
            for (MockProcessorContext.CapturedForward<?, ?> f : context.forwarded(NmfTopology.WEIGHTS_SINK)) {
                out.add(WireSerdes.weights().deserializer().deserialize(TOPIC, (byte[]) f.record().value()));
            }
            return out;
        }

        /** The statistics messages sent (each one chunk at this size). */
        List<StatisticsMessage> stats() {
            List<StatisticsMessage> out = new ArrayList<>();
            for (MockProcessorContext.CapturedForward<?, ?> f : context.forwarded(NmfTopology.STATS_SINK)) {
                Chunk chunk = Chunker.chunk((byte[]) f.record().value());
                if (chunk.kind() == StatisticsMessage.KIND) {
                    assertEquals(1, chunk.count());
                    out.add(StatisticsMessage.decode(chunk.data()));
                }
            }
            return out;
        }

        /** The bootstrap samples sent. */
        int samples() {
            int n = 0;
            for (MockProcessorContext.CapturedForward<?, ?> f : context.forwarded(NmfTopology.STATS_SINK)) {
                n += Chunker.chunk((byte[]) f.record().value()).kind() == SampleMessage.KIND ? 1 : 0;
            }
            return n;
        }

        void clear() {
            context.resetForwards();
        }
    }

    private static List<String> ids(List<WeightsMessage> weights) {
        List<String> ids = new ArrayList<>();
        for (WeightsMessage w : weights) {
            ids.add(w.id());
        }
        return ids;
    }

    private static List<String> ids(long from, long to) {
        List<String> ids = new ArrayList<>();
        for (long i = from; i < to; i++) {
            ids.add("i" + i);
        }
        return ids;
    }

    @Test
    void theThrottleHoldsOnceTheAllowanceIsUsedAndReleasesAfterAtMostOneSecond() {
        KeyValueStore<String, byte[]> basis = basisStore();
        publish(basis, 0, M, R);
        TaskStores stores = new TaskStores();
        // one input partition, version 0: an allowance of one batch
        Task task = new Task(config(), stores, basis, new BasisCache(config()), 1, 10_000);
        task.tickTo(10_100);
        task.sendRange(0, BATCH);
        assertEquals(ids(0, BATCH), ids(task.weights()));
        assertEquals(1, task.stats().size(), "the batch's statistics are sent");
        task.clear();

        task.sendRange(BATCH, BATCH + 5);
        assertTrue(task.weights().isEmpty(), "the allowance is used: items wait for a newer basis");
        assertEquals(5, stores.backlog.approximateNumEntries(), "held in the backlog store");
        assertEquals(0, stores.warmup.approximateNumEntries());
        task.tickTo(10_100 + Throttle.MAX_WAIT_MS - 100);
        assertTrue(task.weights().isEmpty(), "still within the wait");
        task.tickTo(10_100 + Throttle.MAX_WAIT_MS);
        List<WeightsMessage> released = task.weights();
        assertEquals(ids(BATCH, BATCH + 5), ids(released), "released after the wait, in arrival order");
        for (WeightsMessage w : released) {
            assertEquals(0, w.basisVersion(), "projected with the version at hand");
        }
        assertEquals(0, stores.backlog.approximateNumEntries());
        task.clear();
        task.sendRange(BATCH + 5, 3 * BATCH);
        assertEquals(ids(BATCH + 5, 3 * BATCH), ids(task.weights()), "free running until a newer version");
    }

    @Test
    void theBacklogDivisorSetsHowFarATaskRunsAhead() {
        KeyValueStore<String, byte[]> basis = basisStore();
        publish(basis, 100, M, R);
        // one input partition, version 100: an allowance of 100 / 2 = 50 batches by default, of one with divisor 100
        Task free = new Task(config(), new TaskStores(), basis, new BasisCache(config()), 1, 0);
        free.tickTo(100);
        free.sendRange(0, 3 * BATCH);
        assertEquals(3 * BATCH, free.weights().size(), "within the default allowance");
        NmfStreamConfig strict = config("nmf.backlog.divisor", "100");
        TaskStores stores = new TaskStores();
        Task held = new Task(strict, stores, basis, new BasisCache(strict), 1, 0);
        held.tickTo(100);
        held.sendRange(0, 3 * BATCH);
        assertEquals(ids(0, BATCH), ids(held.weights()), "one batch, then the items wait for a newer basis");
        assertEquals(2 * BATCH, stores.backlog.approximateNumEntries());
    }

    @Test
    void aNewerBasisReleasesTheHeldItemsAtOnce() {
        KeyValueStore<String, byte[]> basis = basisStore();
        publish(basis, 0, M, R);
        TaskStores stores = new TaskStores();
        Task task = new Task(config(), stores, basis, new BasisCache(config()), 1, 0);
        task.tickTo(100);
        task.sendRange(0, BATCH + 4);
        assertEquals(BATCH, task.weights().size());
        task.clear();
        publish(basis, 1, M, R);
        task.send(BATCH + 4); // the next record finds the new version
        List<WeightsMessage> out = task.weights();
        assertEquals(ids(BATCH, BATCH + 5), ids(out), "the held items first, then the new one");
        for (WeightsMessage w : out) {
            assertEquals(1, w.basisVersion());
        }
        task.clear();
        task.sendRange(BATCH + 5, 2 * BATCH);
        assertEquals(5, task.weights().size());
        assertEquals(1, task.stats().size(), "ten items with version 1: its allowance is used");
        task.clear();
        task.sendRange(2 * BATCH, 2 * BATCH + 2);
        assertTrue(task.weights().isEmpty(), "held");
        publish(basis, 2, M, R);
        task.tickTo(200); // the tick finds the new version well within the wait
        List<WeightsMessage> next = task.weights();
        assertEquals(ids(2 * BATCH, 2 * BATCH + 2), ids(next));
        assertEquals(2, next.get(0).basisVersion());
    }

    @Test
    void aRestartCountsTheItemsWhoseStatisticsWereInMemory() {
        KeyValueStore<String, byte[]> basis = basisStore();
        publish(basis, 100, M, R); // an allowance of 50 batches: the throttle stays out of the way
        TaskStores stores = new TaskStores();
        NmfStreamConfig config = config();
        Task before = new Task(config, stores, basis, new BasisCache(config), 1, 0);
        before.tickTo(100);
        before.sendRange(0, BATCH + 5);
        assertEquals(1, before.stats().size(), "offsets 0..9 have their statistics sent; 10..14 are in memory");
        assertEquals(BATCH + 5, before.weights().size());
        // the task dies; a new processor takes over the same stores (Kafka Streams restores them)
        Task after = new Task(config, stores, basis, new BasisCache(config), 1, 5_000);
        after.sendRange(BATCH + 5, BATCH + 7);
        after.tickTo(5_000 + config.statsFlushMs());
        List<StatisticsMessage> stats = after.stats();
        assertEquals(1, stats.size());
        assertEquals(5, stats.get(0).lost(), "offsets 10..14");
        assertEquals(2, stats.get(0).statistics().items());
        assertEquals(ids(BATCH + 5, BATCH + 7), ids(after.weights()));
        // the mark moved on: a second restart finds nothing lost
        Task again = new Task(config, stores, basis, new BasisCache(config), 1, 9_000);
        again.sendRange(BATCH + 7, BATCH + 8);
        again.tickTo(9_000 + config.statsFlushMs());
        assertEquals(0, again.stats().get(0).lost());
    }

    @Test
    void aTaskThatStopsAfterItsPartitionsLastRecordCountsTheLostItemsWithoutAnotherRecord() {
        KeyValueStore<String, byte[]> basis = basisStore();
        publish(basis, 100, M, R);
        TaskStores stores = new TaskStores();
        NmfStreamConfig config = config();
        Task before = new Task(config, stores, basis, new BasisCache(config), 1, 0);
        before.tickTo(100);
        before.sendRange(0, BATCH + 3); // the feed ends with 3 items' statistics in memory; the task moves
        Task after = new Task(config, stores, basis, new BasisCache(config), 1, 5_000);
        after.tickTo(5_000 + config.statsFlushMs()); // no record arrives
        List<StatisticsMessage> stats = after.stats();
        assertEquals(1, stats.size(), "the lost count is sent by itself");
        assertEquals(3, stats.get(0).lost());
        assertEquals(0, stats.get(0).statistics().items());
    }

    @Test
    void itemsReleasedFromTheBacklogWhoseStatisticsWereInMemoryAreCountedLost() {
        KeyValueStore<String, byte[]> basis = basisStore();
        publish(basis, 0, M, R); // one partition, version 0: an allowance of one batch
        TaskStores stores = new TaskStores();
        NmfStreamConfig config = config();
        Task before = new Task(config, stores, basis, new BasisCache(config), 1, 10_000);
        before.tickTo(10_100);
        before.sendRange(0, BATCH + 4); // the last 4 are held in the backlog store (and covered there)
        assertEquals(4, stores.backlog.approximateNumEntries());
        before.tickTo(10_100 + Throttle.MAX_WAIT_MS); // released and projected: statistics in memory
        assertEquals(BATCH + 4, before.weights().size());
        assertEquals(0, stores.backlog.approximateNumEntries());
        Task after = new Task(config, stores, basis, new BasisCache(config), 1, 20_000); // the task died
        after.tickTo(20_000 + config.statsFlushMs());
        assertEquals(4, after.stats().get(0).lost(), "the released items' statistics were lost");
    }

    @Test
    void aPartitionMovedToAnInstanceThatIsBehindWaitsForItsNewestVersion() {
        NmfStreamConfig config = config();
        TaskStores stores = new TaskStores();
        KeyValueStore<String, byte[]> basisA = basisStore();
        publish(basisA, 100, M, R);
        Task onA = new Task(config, stores, basisA, new BasisCache(config), 1, 0);
        onA.tickTo(100);
        onA.sendRange(0, 5);
        assertEquals(5, onA.weights().size());

        // instance B's copy of the basis topic is still at version 98
        KeyValueStore<String, byte[]> basisB = basisStore();
        publish(basisB, 98, M, R);
        Task onB = new Task(config, stores, basisB, new BasisCache(config), 1, 1_000);
        onB.tickTo(1_100);
        onB.sendRange(5, 12);
        assertTrue(onB.weights().isEmpty(), "version 98 is older than the partition's 100: items wait");
        assertEquals(0, onB.samples(), "not a warm-up: no bootstrap samples");
        assertEquals(7, stores.backlog.approximateNumEntries());
        publish(basisB, 99, M, R);
        onB.tickTo(1_200);
        onB.tickTo(1_100 + 10 * Throttle.MAX_WAIT_MS);
        assertTrue(onB.weights().isEmpty(), "99 is still older, however long the wait");
        publish(basisB, 100, M, R);
        onB.tickTo(20_000);
        List<WeightsMessage> out = onB.weights();
        assertEquals(ids(5, 12), ids(out), "in arrival order once version 100 is here");
        for (WeightsMessage w : out) {
            assertEquals(100, w.basisVersion());
        }
        assertEquals(0, stores.backlog.approximateNumEntries());
    }

    @Test
    void itemsBeforeTheFirstBasisComeBeforeThoseHeldLater() {
        NmfStreamConfig config = config();
        TaskStores stores = new TaskStores();
        KeyValueStore<String, byte[]> basis = basisStore();
        Task task = new Task(config, stores, basis, new BasisCache(config), 1, 0);
        task.sendRange(0, 15);
        assertEquals(15, stores.warmup.approximateNumEntries());
        assertEquals(config.engine().effectiveBootstrapSize(), task.samples(), "the bootstrap sample, once");
        publish(basis, 0, M, R);
        task.tickTo(100); // one batch (the allowance), then the throttle holds
        assertEquals(ids(0, BATCH), ids(task.weights()));
        task.clear();
        task.sendRange(15, 18);
        assertEquals(15 - BATCH, stores.warmup.approximateNumEntries());
        assertEquals(3, stores.backlog.approximateNumEntries());
        assertEquals(0, task.samples(), "no samples once a basis exists");
        task.tickTo(100 + Throttle.MAX_WAIT_MS);
        assertEquals(ids(BATCH, 18), ids(task.weights()));
    }

    @Test
    void aBasisOfAnotherDimensionOrRankStopsTheTaskWithWhatToDo() {
        NmfStreamConfig config = config();
        KeyValueStore<String, byte[]> basis = basisStore();
        publish(basis, 4, M + 1, R);
        Task task = new Task(config, new TaskStores(), basis, new BasisCache(config), 1, 0);
        ConfigurationMismatchException e = assertThrows(ConfigurationMismatchException.class, () -> task.tickTo(100));
        String m = e.getMessage();
        assertTrue(m.contains("nmf.dimension = " + (M + 1) + " (configured: " + M + ")"), m);
        assertTrue(m.contains("application.id") && m.contains("kafka-streams-application-reset")
                && m.contains("state.dir"), m);
        assertTrue(m.contains("nmf-basis"), m);
        assertTrue(task.weights().isEmpty());

        KeyValueStore<String, byte[]> other = basisStore();
        publish(other, 4, M, R + 1);
        Task rank = new Task(config, new TaskStores(), other, new BasisCache(config), 1, 0);
        rank.context.setRecordMetadata(TOPIC, 0, 0);
        e = assertThrows(ConfigurationMismatchException.class, () -> rank.send(0));
        assertTrue(e.getMessage().contains("nmf.rank = " + (R + 1) + " (configured: " + R + ")"), e.getMessage());
    }

    @Test
    void theProjectorsOfOneInstanceShareEachBasisVersion() {
        NmfStreamConfig config = config();
        KeyValueStore<String, byte[]> basis = basisStore();
        publish(basis, 7, M, R);
        ProcessorSupplier<byte[], byte[], Object, byte[]> instance = NmfTopology.projectors(config, 2);
        Task p0 = new Task(project(instance), new TaskStores(), basis, 0);
        Task p1 = new Task(project(instance), new TaskStores(), basis, 0);
        p0.tickTo(100);
        p1.tickTo(100);
        assertNotNull(p0.processor.basis());
        assertEquals(7, p0.processor.basis().version());
        assertSame(p0.processor.basis(), p1.processor.basis(), "built once for both tasks");
        publish(basis, 8, M, R);
        p1.tickTo(200);
        p0.tickTo(200);
        assertEquals(8, p0.processor.basis().version());
        assertSame(p0.processor.basis(), p1.processor.basis());
        Task elsewhere = new Task(project(NmfTopology.projectors(config, 2)), new TaskStores(), basis, 0);
        elsewhere.tickTo(200);
        assertNotSame(p0.processor.basis(), elsewhere.processor.basis(), "another instance builds its own");
        assertEquals(8, elsewhere.processor.basis().version());
    }

    private static ProjectorProcessor project(ProcessorSupplier<byte[], byte[], Object, byte[]> supplier) {
        Processor<byte[], byte[], Object, byte[]> p = supplier.get();
        return (ProjectorProcessor) p;
    }

    @Test
    void underTheKlLossTheWeightsCarryTheDivergenceAndTheStatisticsAreTheKlRules() {
        KeyValueStore<String, byte[]> basis = basisStore();
        publish(basis, 0, M, R);
        NmfStreamConfig kl = config("nmf.loss", "kl");
        Task task = new Task(kl, new TaskStores(), basis, new BasisCache(kl), 1, 10_000);
        task.tickTo(10_100);
        List<double[]> sent = new ArrayList<>();
        for (long offset = 0; offset < BATCH; offset++) {
            double[] v = new double[M];
            planted.next(v, 0);
            sent.add(v);
            task.context.setRecordMetadata(TOPIC, 0, offset);
            task.processor.process(new Record<>(("i" + offset).getBytes(StandardCharsets.UTF_8),
                    ColumnEncoder.binary(DenseColumn.of(v), -1), 1_000 + offset));
        }
        List<WeightsMessage> weights = task.weights();
        assertEquals(ids(0, BATCH), ids(weights));
        Basis w = new Basis(M, R, planted.trueBasis(), 0);
        KlProjector reference = new KlProjector(R);
        Projection p = new Projection(R);
        double[] weightSums = new double[R];
        for (int q = 0; q < BATCH; q++) {
            // the binary frame is float32: the same column as the projector saw
            double[] v = sent.get(q);
            for (int i = 0; i < M; i++) {
                v[i] = (float) v[i];
            }
            reference.project(w, DenseColumn.of(v), p);
            assertNotNull(weights.get(q).divergence(), "divergence of item " + q);
            assertEquals(p.divergence, weights.get(q).divergence(), 1e-12 * (1 + p.divergence));
            for (int k = 0; k < R; k++) {
                assertEquals(p.h[k], weights.get(q).weights()[k], 1e-12 * (1 + p.h[k]));
                weightSums[k] += p.h[k];
            }
        }
        // one statistics message of the KL kind: S_k = Σ h_k on A's diagonal
        List<StatisticsMessage> stats = new ArrayList<>();
        for (MockProcessorContext.CapturedForward<?, ?> f : task.context.forwarded(NmfTopology.STATS_SINK)) {
            Chunk chunk = Chunker.chunk((byte[]) f.record().value());
            assertTrue(chunk.kind() != StatisticsMessage.KIND, "no Frobenius statistics under KL");
            if (chunk.kind() == StatisticsMessage.KL_KIND) {
                stats.add(StatisticsMessage.decode(chunk.data()));
            }
        }
        assertEquals(1, stats.size());
        for (int k = 0; k < R; k++) {
            assertEquals(weightSums[k], KlStatistics.weightSum(stats.get(0).statistics(), k), 1e-9 * weightSums[k]);
        }

        // under the Frobenius loss the field is absent
        KeyValueStore<String, byte[]> basis2 = basisStore();
        publish(basis2, 0, M, R);
        Task frobenius = new Task(config(), new TaskStores(), basis2, new BasisCache(config()), 1, 10_000);
        frobenius.tickTo(10_100);
        frobenius.send(0);
        WeightsMessage one = frobenius.weights().get(0);
        assertEquals(null, one.divergence());
        String json = new String((byte[]) frobenius.context.forwarded(NmfTopology.WEIGHTS_SINK).get(0).record().value(),
                StandardCharsets.UTF_8);
        assertTrue(!json.contains("divergence"), json);
    }
}
