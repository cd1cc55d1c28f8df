package dev.nmfstream.stream;

import dev.nmfstream.nmf.Basis;
import dev.nmfstream.nmf.DenseColumn;
import dev.nmfstream.nmf.synth.PlantedModel;
import dev.nmfstream.nmf.synth.Recovery;
import dev.nmfstream.wire.ColumnEncoder;
import dev.nmfstream.wire.WeightsMessage;
import dev.nmfstream.wire.WireSerdes;
import dev.nmfstream.wire.internal.BasisMessage;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * One fresh service on a backlog, without a broker and reproducibly: the real projector tasks
 * (one per input partition) and the real updater on mock contexts, driven by a seeded schedule
 * that stands in for what differs between two runs on a broker — which task the stream thread
 * serves next and how many records it takes from it, how long records take, when the
 * transactions commit (statistics and samples reach the updater only after their task's
 * commit) and how late each basis version reaches the instance's global store.
 *
 * <p>Every record is in the input topic before the service starts (a backlog), keyed by item id
 * and spread over the partitions as Kafka's default partitioner does (murmur2 of the key).
 */
final class BacklogSimulation {

    /** Kafka Streams' commit interval under exactly-once. */
    static final long COMMIT_MS = 100;

    private final NmfStreamConfig config;
    private final int partitions;
    private final SplittableRandom schedule;
    private final KeyValueStore<String, byte[]> basisStore;
    private final BasisCache bases;
    private final List<Task> tasks = new ArrayList<>();
    private final MockProcessorContext<String, byte[]> updaterContext;
    private final UpdaterProcessor updater;
    private final Map<Object, Long> lastFired = new HashMap<>();
    /** Stats-topic records committed and not yet read by the updater, in topic order. */
    private final ArrayDeque<byte[]> statsTopic = new ArrayDeque<>();
    /** Basis records published by the updater and the time each reaches the global store. */
    private final ArrayDeque<Object[]> basisInFlight = new ArrayDeque<>();
    /** Every basis version the updater made, in order. */
    private final List<Basis> versions = new ArrayList<>();
    /** Items projected with each basis version. */
    private final Map<Long, Integer> projectedWith = new TreeMap<>();
    private long now = 1_000_000;
    private long lastCommit = now;

    /** One projector task: its context, its processor and its partition's records not yet read. */
    private final class Task {
        final MockProcessorContext<Object, byte[]> context;
        final ProjectorProcessor processor;
        final ArrayDeque<byte[][]> input = new ArrayDeque<>();
        final int partition;
        long offset;
        /** Stats-topic records forwarded since this task's last commit. */
        final List<byte[]> uncommitted = new ArrayList<>();

        Task(int partition) {
            this.partition = partition;
            context = new MockProcessorContext<>(properties());
            context.addStateStore(TestStores.keyValue(context, NmfTopology.WARMUP_STORE, Serdes.Long(),
                    Serdes.ByteArray()));
            context.addStateStore(TestStores.keyValue(context, NmfTopology.BACKLOG_STORE, Serdes.Long(),
                    Serdes.ByteArray()));
            context.addStateStore(TestStores.keyValue(context, NmfTopology.PROGRESS_STORE, Serdes.String(),
                    Serdes.Long()));
            context.addStateStore(basisStore);
            context.setCurrentSystemTimeMs(now);
            processor = new ProjectorProcessor(config, partitions, bases);
            processor.init(context);
        }

        void processNext() {
            byte[][] record = input.poll();
            context.setRecordMetadata(config.topics().columns(), partition, offset++);
            context.setCurrentSystemTimeMs(now);
            processor.process(new Record<>(record[0], record[1], now));
            collect();
        }

        void collect() {
            for (MockProcessorContext.CapturedForward<?, ?> f : context.forwarded(NmfTopology.WEIGHTS_SINK)) {
                WeightsMessage w = WireSerdes.weights().deserializer().deserialize("w", (byte[]) f.record().value());
                projectedWith.merge(w.basisVersion(), 1, Integer::sum);
            }
            for (MockProcessorContext.CapturedForward<?, ?> f : context.forwarded(NmfTopology.STATS_SINK)) {
                uncommitted.add((byte[]) f.record().value());
            }
            context.resetForwards();
        }
    }

    /**
     * @param config the service's settings
     * @param partitions the input topic's partition count
     * @param scheduleSeed seeds the schedule (the interleaving), not the data
     */
    BacklogSimulation(NmfStreamConfig config, int partitions, long scheduleSeed) {
        this.config = config;
        this.partitions = partitions;
        this.schedule = new SplittableRandom(scheduleSeed);
        MockProcessorContext<String, byte[]> storeContext = new MockProcessorContext<>(properties());
        this.basisStore = TestStores.keyValue(storeContext, NmfTopology.BASIS_STORE, Serdes.String(),
                Serdes.ByteArray());
        this.bases = new BasisCache(config);
        for (int p = 0; p < partitions; p++) {
            tasks.add(new Task(p));
        }
        updaterContext = new MockProcessorContext<>(properties());
        updaterContext.addStateStore(TestStores.keyValue(updaterContext, NmfTopology.MODEL_STORE, Serdes.String(),
                Serdes.ByteArray()));
        updaterContext.addStateStore(basisStore);
        updaterContext.setCurrentSystemTimeMs(now);
        updater = new UpdaterProcessor(config, null);
        updater.init(updaterContext);
    }

    private static Properties properties() {
        Properties p = new Properties();
        p.setProperty(StreamsConfig.APPLICATION_ID_CONFIG, "nmf-simulation");
        p.setProperty(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "localhost:9092");
        return p;
    }

    /** Puts n planted columns into the input topic (binary frames, keys "c&lt;j&gt;"), before the run. */
    void backlog(PlantedModel planted, int n) {
        double[] v = new double[config.dimension()];
        for (int j = 0; j < n; j++) {
            planted.next(v, 0);
            byte[] key = ("c" + j).getBytes(StandardCharsets.UTF_8);
            tasks.get(Utils.toPositive(Utils.murmur2(key)) % partitions).input.add(
                    new byte[][] {key, ColumnEncoder.binary(DenseColumn.of(v), -1)});
        }
    }

    /**
     * Runs until every record is read, then {@code drainMillis} more (simulated) for the held
     * items, the last statistics and the last updates.
     *
     * @return the updater's newest basis
     */
    Basis run(long drainMillis) {
        long end = Long.MAX_VALUE;
        while (now < end) {
            if (end == Long.MAX_VALUE && inputRead()) {
                end = now + drainMillis;
            }
            // the stream thread serves one task a stretch of records, chosen at random
            int pick = schedule.nextInt(partitions + 1);
            if (pick < partitions) {
                Task t = tasks.get(pick);
                int n = 1 + schedule.nextInt(200);
                for (int q = 0; q < n && !t.input.isEmpty(); q++) {
                    t.processNext();
                    advance(schedule.nextInt(3) == 0 ? 1 : 0);
                }
            } else {
                int n = 1 + schedule.nextInt(20);
                for (int q = 0; q < n && !statsTopic.isEmpty(); q++) {
                    updaterContext.setCurrentSystemTimeMs(now);
                    updater.process(new Record<>(config.model(), statsTopic.poll(), now));
                    collectBasis();
                    advance(schedule.nextInt(2));
                }
            }
            advance(1 + schedule.nextInt(5));
        }
        return updater.state().basis();
    }

    private boolean inputRead() {
        for (Task t : tasks) {
            if (!t.input.isEmpty()) {
                return false;
            }
        }
        return true;
    }

    /** Moves the clock: punctuators, commits and the global store's reads of the basis topic. */
    private void advance(long ms) {
        for (long step = 0; step < ms; step++) {
            now++;
            for (Task t : tasks) {
                t.context.setCurrentSystemTimeMs(now);
                fire(t.context);
                t.collect();
            }
            updaterContext.setCurrentSystemTimeMs(now);
            fire(updaterContext);
            collectBasis();
            if (now - lastCommit >= COMMIT_MS) {
                lastCommit = now;
                for (Task t : tasks) {
                    statsTopic.addAll(t.uncommitted);
                    t.uncommitted.clear();
                }
            }
            while (!basisInFlight.isEmpty() && (long) basisInFlight.peek()[0] <= now) {
                Object[] r = basisInFlight.poll();
                basisStore.put((String) r[1], (byte[]) r[2]);
            }
        }
    }

    private void fire(MockProcessorContext<?, ?> context) {
        for (MockProcessorContext.CapturedPunctuator p : context.scheduledPunctuators()) {
            long last = lastFired.getOrDefault(p, 0L);
            if (now - last >= p.getInterval().toMillis()) {
                lastFired.put(p, now);
                p.getPunctuator().punctuate(now);
            }
        }
    }

    private void collectBasis() {
        Basis newest = updater.state().basis();
        if (newest != null && (versions.isEmpty() || versions.get(versions.size() - 1).version() != newest.version())) {
            versions.add(newest);
        }
        List<MockProcessorContext.CapturedForward<? extends String, ? extends byte[]>> out =
                updaterContext.forwarded(NmfTopology.BASIS_SINK);
        if (!out.isEmpty()) {
            // the updater's transaction commits, then the global thread reads the records
            long at = now + COMMIT_MS / 2 + schedule.nextInt((int) COMMIT_MS);
            for (MockProcessorContext.CapturedForward<? extends String, ? extends byte[]> f : out) {
                basisInFlight.add(new Object[] {at, f.record().key(), f.record().value()});
            }
        }
        updaterContext.resetForwards();
    }

    /** Items projected with each basis version, by version (for diagnostics). */
    Map<Long, Integer> projectedWith() {
        return projectedWith;
    }

    /** Every basis version the updater made, in order (for diagnostics). */
    List<Basis> versions() {
        return versions;
    }

    /** The updater's re-seeds so far, for diagnostics. */
    long reseeds() {
        return updater.state().reseeds();
    }

    /** The updater's model items, for diagnostics. */
    long itemsLearned() {
        return updater.state().items();
    }

    /** The basis version in the global store. */
    long publishedVersion() {
        return BasisMessage.version(basisStore::get, config.model());
    }

    /** How well a basis recovers the planted one. */
    static Recovery recovery(PlantedModel planted, Basis basis) {
        return Recovery.match(planted.trueBasis(), basis.toRowMajor(), basis.dim(), basis.rank());
    }
}
