package dev.nmfstream.stream;

import dev.nmfstream.audio.FrequencyLabels;
import dev.nmfstream.nmf.Basis;
import dev.nmfstream.wire.ColumnDecoder;
import dev.nmfstream.wire.FeatureLabels;
import dev.nmfstream.wire.InputFormat;
import dev.nmfstream.wire.TextColumns;
import dev.nmfstream.wire.internal.BasisMessage;
import java.util.Locale;
import java.util.Map;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.ProcessorSupplier;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;

/**
 * The streaming service as a pure function of its configuration (DESIGN.md, "The topology"):
 *
 * <pre>
 *   columns ─► project ─► weights
 *                 ├─► dead-letters
 *                 └─► stats (internal, 1 partition) ─► update ─► basis (internal, compacted) ─► global store
 *                                                         └─► factors (compacted)
 * </pre>
 */
public final class NmfTopology {

    static final String COLUMNS_SOURCE = "columns-source";
    static final String PROJECT = "project";
    static final String WEIGHTS_SINK = "weights-sink";
    static final String DEAD_LETTERS_SINK = "dead-letters-sink";
    static final String STATS_SINK = "stats-sink";
    static final String STATS_SOURCE = "stats-source";
    static final String UPDATE = "update";
    static final String BASIS_SINK = "basis-sink";
    static final String FACTORS_SINK = "factors-sink";
    /** The held items of a projector task before its partition's first basis (RocksDB, changelogged). */
    public static final String WARMUP_STORE = "nmf-warmup";
    /**
     * The items a projector task holds after the first basis, for the throttle or for a newer
     * basis (in memory, changelogged; see {@link ProjectorProcessor}).
     */
    public static final String BACKLOG_STORE = "nmf-backlog";
    /** Per projector task: the newest basis version read and the input offset its statistics covered. */
    public static final String PROGRESS_STORE = "nmf-progress";
    /** The updater's model (W, A, B, counters), changelogged. */
    public static final String MODEL_STORE = "nmf-model";
    /** Every instance's copy of the basis topic. */
    public static final String BASIS_STORE = "nmf-basis-store";
    /**
     * Per projector task, the latest weights message of its most recent items by item id (UTF-8
     * bytes), for interactive queries ({@code /api/items/{id}}); only with {@code nmf.http.enabled}.
     * In memory, least recently written dropped beyond {@value #LATEST_WEIGHTS_KEPT} items, not
     * changelogged: the weights topic keeps every item's weights, this store the recent ones.
     */
    public static final String LATEST_WEIGHTS_STORE = "nmf-latest-weights";
    /** Items whose latest weights each projector task keeps for queries. */
    public static final int LATEST_WEIGHTS_KEPT = 10_000;

    /** The model changelog's topic settings: compacted (the default) in small, soon-cleaned segments. */
    static final Map<String, String> MODEL_CHANGELOG = Map.of(
            "segment.bytes", String.valueOf(16 * 1024 * 1024),
            "segment.ms", "60000",
            "min.cleanable.dirty.ratio", "0.1",
            "min.compaction.lag.ms", "0",
            "max.message.bytes", String.valueOf(2 * 1024 * 1024));

    /**
     * The backlog changelog's topic settings: every held item is soon deleted again, so small,
     * promptly compacted segments keep the replay into the in-memory store short; tombstones stay
     * ten minutes, far longer than any replay takes.
     */
    static final Map<String, String> BACKLOG_CHANGELOG = Map.of(
            "segment.bytes", String.valueOf(16 * 1024 * 1024),
            "segment.ms", "60000",
            "min.cleanable.dirty.ratio", "0.1",
            "min.compaction.lag.ms", "0",
            "delete.retention.ms", "600000");

    private NmfTopology() {}

    /**
     * The topology for a configuration that learns its first basis from the stream (no
     * {@code nmf.basis.file}); with a basis file, read it and call {@link #build(NmfStreamConfig, Basis)}.
     */
    public static Topology build(NmfStreamConfig config) {
        if (config.basisFile() != null && !config.basisFile().isEmpty()) {
            throw new IllegalArgumentException("nmf.basis.file is set: read the basis and pass it to build(config, basis)");
        }
        return build(config, null);
    }

    /**
     * The topology for a configuration whose input topic has {@code nmf.partitions} partitions
     * (this service created it).
     *
     * @param initialBasis the first basis (from {@code nmf.basis.file}), or null to learn it from
     *     a bootstrap sample of the stream
     */
    public static Topology build(NmfStreamConfig config, Basis initialBasis) {
        return build(config, initialBasis, config.partitions());
    }

    /**
     * The topology for a configuration.
     *
     * @param initialBasis the first basis (from {@code nmf.basis.file}), or null to learn it from
     *     a bootstrap sample of the stream
     * @param inputPartitions the input topic's real partition count (the number of projector
     *     tasks, which the backlog throttle's allowance depends on)
     */
    public static Topology build(NmfStreamConfig config, Basis initialBasis, int inputPartitions) {
        return build(config, initialBasis, inputPartitions, StreamMetrics.NONE);
    }

    /**
     * The topology for a configuration, its processors telling {@code metrics} what they do.
     *
     * @param initialBasis the first basis (from {@code nmf.basis.file}), or null
     * @param inputPartitions the input topic's real partition count
     * @param metrics the observer of the processors (thread-safe)
     */
    public static Topology build(NmfStreamConfig config, Basis initialBasis, int inputPartitions,
            StreamMetrics metrics) {
        NmfStreamConfig.TopicNames topics = config.topics();
        Topology topology = new Topology();
        topology.addSource(COLUMNS_SOURCE, new ByteArrayDeserializer(), new ByteArrayDeserializer(), topics.columns());
        topology.addProcessor(PROJECT, projectors(config, inputPartitions, metrics), COLUMNS_SOURCE);
        if (config.httpEnabled()) {
            topology.addStateStore(Stores.keyValueStoreBuilder(Stores.lruMap(LATEST_WEIGHTS_STORE, LATEST_WEIGHTS_KEPT),
                    Serdes.ByteArray(), Serdes.ByteArray()).withLoggingDisabled(), PROJECT);
        }
        topology.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(WARMUP_STORE),
                Serdes.Long(), Serdes.ByteArray()), PROJECT);
        topology.addStateStore(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(BACKLOG_STORE),
                Serdes.Long(), Serdes.ByteArray()).withLoggingEnabled(BACKLOG_CHANGELOG), PROJECT);
        // written every mini-batch: the cache keeps one write per key per commit
        topology.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(PROGRESS_STORE),
                Serdes.String(), Serdes.Long()).withCachingEnabled(), PROJECT);
        // the weights key is the item id's UTF-8 bytes, as the input record's key carries them
        topology.addSink(WEIGHTS_SINK, topics.weights(), new ByteArraySerializer(), new ByteArraySerializer(), PROJECT);
        topology.addSink(DEAD_LETTERS_SINK, topics.deadLetters(), new StringSerializer(), new ByteArraySerializer(),
                PROJECT);
        topology.addSink(STATS_SINK, topics.stats(), new StringSerializer(), new ByteArraySerializer(), PROJECT);

        topology.addSource(STATS_SOURCE, new StringDeserializer(), new ByteArrayDeserializer(), topics.stats());
        topology.addProcessor(UPDATE, () -> new UpdaterProcessor(config, initialBasis, metrics), STATS_SOURCE);
        // The whole model is rewritten every mini-batch: the cache turns that into one write per
        // key per commit, and small, promptly compacted changelog segments keep restores short.
        topology.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(MODEL_STORE),
                Serdes.String(), Serdes.ByteArray()).withCachingEnabled().withLoggingEnabled(MODEL_CHANGELOG), UPDATE);
        topology.addSink(BASIS_SINK, topics.basis(), new StringSerializer(), new ByteArraySerializer(), UPDATE);
        topology.addSink(FACTORS_SINK, topics.factors(), new StringSerializer(), new ByteArraySerializer(), UPDATE);

        topology.addGlobalStore(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(BASIS_STORE),
                        Serdes.String(), Serdes.ByteArray()).withLoggingDisabled(),
                "basis-source", new StringDeserializer(), new ByteArrayDeserializer(), topics.basis(),
                "basis-global", BasisStoreUpdater::new);
        return topology;
    }

    /**
     * The names of W's rows: frequencies and notes for spectrogram frames
     * ({@code nmf.audio.sample.rate} set), else none.
     */
    static FeatureLabels labels(NmfStreamConfig config) {
        return config.audioSampleRate() > 0 ? new FrequencyLabels(config.audioSampleRate(), config.audioNFft())
                : FeatureLabels.NONE;
    }

    /**
     * The decoder of a projector task's input records: text documents through {@code text} when
     * the input is text ({@code text} non-null), else the numeric {@code nmf.input.format}.
     */
    public static ColumnDecoder decoder(NmfStreamConfig config, TextColumns text) {
        return text != null
                ? new ColumnDecoder(config.dimension(), config.maxValueBytes(), config.maxIdBytes(), text)
                : new ColumnDecoder(config.dimension(), InputFormat.valueOf(config.inputFormat().toUpperCase(
                        Locale.ROOT)), config.maxValueBytes(), config.maxIdBytes(), config.maxValue());
    }

    /**
     * The projector tasks of one instance (one topology): they share one {@link BasisCache}, so
     * each basis version is built once per instance.
     */
    static ProcessorSupplier<byte[], byte[], Object, byte[]> projectors(NmfStreamConfig config, int inputPartitions) {
        return projectors(config, inputPartitions, StreamMetrics.NONE);
    }

    static ProcessorSupplier<byte[], byte[], Object, byte[]> projectors(NmfStreamConfig config, int inputPartitions,
            StreamMetrics metrics) {
        if (inputPartitions < 1) {
            throw new IllegalArgumentException("input partitions = " + inputPartitions + ", expected at least 1");
        }
        BasisCache bases = new BasisCache(config);
        return () -> new ProjectorProcessor(config, inputPartitions, bases, metrics, config.httpEnabled());
    }

    /**
     * Checks the newest basis a basis topic holds against the configuration before anything
     * runs, so that a changed {@code nmf.rank} or {@code nmf.dimension} stops the start with one
     * message.
     *
     * @param firstChunk the newest record under chunk key 0 of this model on the basis topic
     * @throws ConfigurationMismatchException if its dimension or rank differ from the configuration
     */
    public static void checkStoredBasis(NmfStreamConfig config, byte[] firstChunk) {
        int[] shape = BasisMessage.shape(firstChunk);
        BasisCache.checkShape(config, shape[0], shape[1]);
    }

    /** Copies the basis topic into every instance's global store. */
    static final class BasisStoreUpdater implements Processor<String, byte[], Void, Void> {
        private KeyValueStore<String, byte[]> store;

        @Override
        public void init(ProcessorContext<Void, Void> context) {
            store = context.getStateStore(BASIS_STORE);
        }

        @Override
        public void process(Record<String, byte[]> record) {
            if (record.value() == null) {
                store.delete(record.key());
            } else {
                store.put(record.key(), record.value());
            }
        }
    }
}
