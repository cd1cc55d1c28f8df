package dev.nmfstream.stream;

import dev.nmfstream.nmf.Basis;
import dev.nmfstream.nmf.Column;
import dev.nmfstream.nmf.Loss;
import dev.nmfstream.nmf.ModelState;
import dev.nmfstream.nmf.NmfConfig;
import dev.nmfstream.nmf.SufficientStatistics;
import dev.nmfstream.text.BucketVocabulary;
import dev.nmfstream.wire.ComponentMessage;
import dev.nmfstream.wire.FeatureLabels;
import dev.nmfstream.wire.SummaryMessage;
import dev.nmfstream.wire.TopFeature;
import dev.nmfstream.wire.WireSerdes;
import dev.nmfstream.wire.internal.BasisMessage;
import dev.nmfstream.wire.internal.ChunkStore;
import dev.nmfstream.wire.internal.Chunker;
import dev.nmfstream.wire.internal.Message;
import dev.nmfstream.wire.internal.PendingStatistics;
import dev.nmfstream.wire.internal.Reassembler;
import dev.nmfstream.wire.internal.SampleMessage;
import dev.nmfstream.wire.internal.StatisticsMessage;
import dev.nmfstream.wire.internal.VocabularyMessage;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The updater: owns the model ({@link ModelState}: W, A, B, version, counters) in a changelogged
 * store, merges the statistics the projectors send, updates W every mini-batch and publishes each
 * version to the basis topic; publishes the public factors at most every snapshot interval. Runs
 * on the stats topic's single partition, so exactly one instance owns the model at a time.
 *
 * <p>Before the first basis it collects the bootstrap sample the projectors send (kept in the
 * store too), or starts from the configured basis file.
 *
 * <p>Everything it has taken in is in the store before the stats offsets are committed: the
 * model as last saved, every statistics message merged since (each kept once, as it came, so the
 * store's writes grow with the messages, not with the merged statistics), the chunks of a message
 * still arriving, and its counters. With {@code nmf.update.min.interval.ms} = T &gt; 0 W is
 * updated, saved and published at most every T ms (a backlog's statistics gather in between and
 * make one larger update). A crash of the updater therefore loses nothing; under
 * exactly-once the store, the basis versions it published and its input offsets commit together,
 * so a restarted updater continues the version sequence exactly.
 *
 * <p>A stored model keeps its rank and dimension: other values in the configuration stop the
 * updater with a {@link ConfigurationMismatchException}. The other engine settings (steps, rule,
 * forgetting, …) are taken from the configuration on every start, each change logged.
 */
final class UpdaterProcessor implements Processor<String, byte[], String, byte[]> {

    /**
     * The store's names: the model, the statistics not yet learned from, the prefixes of the
     * bootstrap samples (one message each) and of the chunks of messages still arriving.
     */
    static final String STATE = "state";
    static final String PENDING = "pending";
    static final String SAMPLES = "samples/";
    static final String PARTIAL = "partial/";
    /** Text input: the word of row i under "vocab/i" (count int64, then the word's UTF-8). */
    static final String VOCAB = "vocab/";
    /** Prefix of the statistics messages merged since the model was last saved. */
    static final String PENDING_PARTS = "pending-part/";
    /** Beyond statsFlushMs, how long without statistics counts as settled ({@link #settled}). */
    static final long SETTLED_EXTRA_MS = 1_000;
    private static final byte STATE_KIND = 'M';
    private static final byte PENDING_KIND = 'P';
    private static final byte SAMPLES_KIND = 'L';
    private static final Logger LOG = LoggerFactory.getLogger(UpdaterProcessor.class);

    private final NmfStreamConfig config;
    private final String modelName;
    private final Basis initialBasis;
    /** The names of W's rows in the factors' top features (FeatureLabels.NONE: null labels). */
    private final FeatureLabels labels;
    /** Text input: the word of each hashed row, learned from the projectors' reports; else null. */
    private final BucketVocabulary vocabulary;
    /** Words arrived since the last factors snapshot: the next one is published even without a new version. */
    private boolean wordsChanged;
    private final StreamMetrics metrics;
    private ProcessorContext<String, byte[]> context;
    private KeyValueStore<String, byte[]> store;
    private ChunkStore chunks;
    private Reassembler incoming;
    private ModelState state;
    /** Statistics merged but not yet learned from, and their prequential sums. */
    private SufficientStatistics pending;
    private double pendingResidualSq;
    private double pendingNormSq;
    private long pendingSince;
    private long lost;
    private final List<Column> samples = new ArrayList<>();
    private double windowResidualSq;
    private double windowNormSq;
    private long lastSnapshotVersion = -1;
    private long lastSnapshotAt = Long.MIN_VALUE / 2;
    /** When the last statistics message arrived (wall clock, ms). */
    private long lastStatisticsAt = Long.MIN_VALUE / 2;
    private boolean basisUnpublished;
    private long lastUpdateAt = Long.MIN_VALUE / 2;
    /**
     * The statistics of the last message received, decoded into again by the next one (each is
     * merged and stored within {@link #takeStatistics}, nothing keeps it): no m·r arrays per message.
     */
    private SufficientStatistics received;
    /** Statistics messages kept in the store since the model was last saved. */
    private int pendingParts;
    /** The engine settings that differed from the stored model's at the last start, as logged. */
    private final List<String> settingChanges = new ArrayList<>();
    private Serializer<ComponentMessage> components;
    private Serializer<SummaryMessage> summaries;

    UpdaterProcessor(NmfStreamConfig config, Basis initialBasis) {
        this(config, initialBasis, StreamMetrics.NONE);
    }

    /**
     * The updater of a model. Its labels follow from the settings: for text input
     * ({@code nmf.input.format=text}) the words of its own vocabulary, which it learns from the
     * projectors' reports; else {@link NmfTopology#labels}.
     */
    UpdaterProcessor(NmfStreamConfig config, Basis initialBasis, StreamMetrics metrics) {
        this.config = config;
        this.modelName = config.model();
        this.initialBasis = initialBasis;
        this.vocabulary = config.text() != null ? new BucketVocabulary(config.dimension()) : null;
        this.labels = vocabulary != null ? vocabulary::word : NmfTopology.labels(config);
        this.metrics = metrics;
    }

    @Override
    public void init(ProcessorContext<String, byte[]> context) {
        this.context = context;
        this.store = context.getStateStore(NmfTopology.MODEL_STORE);
        this.chunks = ChunkStore.of(store::get, store::put, store::delete);
        this.incoming = new Reassembler(chunks, PARTIAL);
        this.components = WireSerdes.component().serializer();
        this.summaries = WireSerdes.summary().serializer();
        // Kafka Streams may init the same processor again (a task revived after an error): start clean
        samples.clear();
        settingChanges.clear();
        lost = 0;
        pendingResidualSq = 0;
        pendingNormSq = 0;
        windowResidualSq = 0;
        windowNormSq = 0;
        lastSnapshotVersion = -1;
        lastSnapshotAt = Long.MIN_VALUE / 2;
        basisUnpublished = false;
        lastUpdateAt = Long.MIN_VALUE / 2;
        pendingParts = 0;
        Message stored = Chunker.read(chunks, STATE);
        if (stored == null && Chunker.first(chunks, STATE) != null) {
            throw new IllegalStateException("model store: the stored model '" + STATE + "' is in "
                    + Chunker.first(chunks, STATE).count() + " chunks and one is missing or of another write;"
                    + " expected all of one write (delete the local state directory to restore it from the changelog)");
        }
        if (stored != null) {
            state = restore(stored.payload());
        } else if (initialBasis != null) {
            state = ModelState.withBasis(config.engine(), initialBasis);
            basisUnpublished = true;
        } else {
            state = new ModelState(config.engine());
            for (Message kept = Chunker.read(chunks, sampleName(0)); kept != null;
                    kept = Chunker.read(chunks, sampleName(samples.size()))) {
                samples.addAll(SampleMessage.decodeAll(kept.payload()));
            }
            if (!samples.isEmpty()) {
                mismatch("nmf.dimension", "dimension", samples.get(0).dim(), config.dimension());
            }
        }
        // under at-least-once the store can be older than the versions already published: go on
        // after the newest of them, so that versions never repeat (a no-op under exactly-once)
        KeyValueStore<String, byte[]> published = context.getStateStore(NmfTopology.BASIS_STORE);
        long newest = BasisMessage.version(published::get, modelName);
        if (state.basis() != null && newest > state.basis().version()) {
            LOG.warn("updater: the model store is at version {}, version {} was published; continuing after it",
                    state.basis().version(), newest);
            state.continueVersionsFrom(newest);
        }
        pending = new SufficientStatistics(config.dimension(), config.rank());
        restorePending();
        List<byte[]> partial = new ArrayList<>();
        try (var all = store.prefixScan(PARTIAL, new StringSerializer())) {
            while (all.hasNext()) {
                partial.add(all.next().value);
            }
        }
        incoming.restore(partial);
        if (vocabulary != null) {
            restoreVocabulary();
        }
        LOG.info("updater task {} started: basis version {}, {} items learned, {} pending, {} lost, {} samples,"
                + " {} messages arriving", context.taskId(), state.basis() == null ? -1 : state.basis().version(),
                state.items(), pending.items(), lost, samples.size(), incoming.incomplete());
        context.schedule(Duration.ofMillis(Math.min(200, config.snapshotIntervalMs())), PunctuationType.WALL_CLOCK_TIME,
                this::tick);
    }

    /**
     * The stored model under this configuration: the same rank and dimension, or a
     * {@link ConfigurationMismatchException}; the other engine settings from the configuration.
     */
    private ModelState restore(byte[] bytes) {
        ModelState restored = ModelState.fromBytes(bytes);
        mismatch("nmf.rank", "rank", restored.rank(), config.rank());
        mismatch("nmf.dimension", "dimension", restored.dim(), config.dimension());
        Loss storedLoss = restored.config().loss();
        if (storedLoss != config.loss()) {
            throw new ConfigurationMismatchException(mismatchText(NmfStreamConfig.LOSS, "loss",
                    storedLoss.label(), config.loss().label()));
        }
        for (NmfConfig.Change change : restored.applySettings(config.engine())) {
            String line = NmfStreamConfig.keyOfEngineSetting(change.setting()) + ": " + change.from() + " in the stored model, " + change.to()
                    + " now";
            settingChanges.add(line);
            LOG.info("updater: {}; the updates from now on use the new value", line);
        }
        return restored;
    }

    private void mismatch(String key, String what, int stored, int configured) {
        if (stored != configured) {
            throw new ConfigurationMismatchException(mismatchText(key, what, String.valueOf(stored),
                    String.valueOf(configured)));
        }
    }

    /** Why a stored model does not fit the configuration, and what to do. */
    private String mismatchText(String key, String what, String stored, String configured) {
        return key + " = " + configured + ", but the stored model of application '"
                + context.applicationId() + "' has " + what + " " + stored + ": a model cannot change its " + what
                + ". Give a new application.id to start a new model, or reset this one: stop every instance, run"
                + " kafka-streams-application-reset --application-id " + context.applicationId()
                + " --input-topics " + config.topics().columns() + "," + config.topics().stats()
                + " and delete the local state directory (state.dir) of each instance; or set " + key + " = "
                + stored + " again";
    }

    /** The store name of bootstrap sample q. */
    private static String sampleName(int q) {
        return SAMPLES + q;
    }

    /** The engine settings that differed from the stored model's at the last start (key, stored, new). */
    List<String> settingChanges() {
        return List.copyOf(settingChanges);
    }

    /** The model (for tests). */
    ModelState state() {
        return state;
    }

    /**
     * Every 200 ms: learn from statistics that waited long enough, save and publish a model not
     * yet saved and published (the update interval allowing), publish the factors.
     */
    private void tick(long now) {
        if (pending.items() > 0 && state.basis() != null && now - lastUpdateAt >= config.updateMinIntervalMs()
                && (now - pendingSince >= config.statsFlushMs() || pending.items() >= config.batchSize())) {
            learn(now); // a partial mini-batch that waited long enough, or a batch the update interval held
            savePending();
        }
        if (basisUnpublished) {
            saveState();
            publishBasis(state.basis());
            basisUnpublished = false;
        }
        if (state.basis() != null && (state.basis().version() != lastSnapshotVersion || wordsChanged)
                && (now - lastSnapshotAt >= config.snapshotIntervalMs() || settled(now))) {
            publishFactors(now);
        }
    }

    @Override
    public void process(Record<String, byte[]> record) {
        byte[] value = record.value();
        if (value == null || value.length == 0) {
            return;
        }
        Message message = incoming.accept(value);
        if (message == null) {
            return;
        }
        if (message.kind() == SampleMessage.KIND) {
            takeSample(SampleMessage.decode(message.payload()));
        } else if (message.kind() == StatisticsMessage.KIND || message.kind() == StatisticsMessage.KL_KIND) {
            Loss sent = message.kind() == StatisticsMessage.KL_KIND ? Loss.KL : Loss.FROBENIUS;
            if (sent != config.loss()) {
                throw new ConfigurationMismatchException(NmfStreamConfig.LOSS + " = " + config.loss().label()
                        + " here, but a projector of application '" + context.applicationId() + "' sends statistics of"
                        + " loss " + sent.label() + ": every instance of one application must have the same "
                        + NmfStreamConfig.LOSS);
            }
            StatisticsMessage stats = StatisticsMessage.decode(message.payload(), received);
            received = stats.statistics();
            takeStatistics(stats);
        } else if (message.kind() == VocabularyMessage.KIND) {
            takeWords(VocabularyMessage.decode(message.payload()));
        } else {
            throw new IllegalArgumentException("stats topic: a message of kind '" + (char) message.kind()
                    + "', expected '" + (char) StatisticsMessage.KIND + "', '" + (char) SampleMessage.KIND + "' or '"
                    + (char) VocabularyMessage.KIND + "'");
        }
    }

    /** Merges a projector's words into the vocabulary; each changed row is stored under its own key. */
    private void takeWords(VocabularyMessage words) {
        if (vocabulary == null) {
            return; // not text input: nothing names the rows
        }
        for (VocabularyMessage.Entry e : words.entries()) {
            String before = vocabulary.word(e.row());
            if (vocabulary.offer(e.row(), e.word(), e.count())) {
                wordsChanged |= !e.word().equals(before); // a new label, not only a larger count
                byte[] word = e.word().getBytes(StandardCharsets.UTF_8);
                store.put(VOCAB + e.row(), ByteBuffer.allocate(8 + word.length).putLong(e.count()).put(word).array());
            }
        }
    }

    private void restoreVocabulary() {
        try (var all = store.prefixScan(VOCAB, new StringSerializer())) {
            while (all.hasNext()) {
                var entry = all.next();
                ByteBuffer value = ByteBuffer.wrap(entry.value);
                long count = value.getLong();
                String word = new String(entry.value, 8, entry.value.length - 8, StandardCharsets.UTF_8);
                vocabulary.offer(Integer.parseInt(entry.key.substring(VOCAB.length())), word, count);
            }
        }
    }

    /** The vocabulary of text input, or null (for tests). */
    BucketVocabulary vocabulary() {
        return vocabulary;
    }

    private void takeSample(Column sample) {
        if (state.basis() != null) {
            return;
        }
        samples.add(sample);
        if (samples.size() >= config.engine().streamBootstrapSize()) {
            long t0 = System.nanoTime();
            Basis first = state.initialize(samples);
            LOG.info("updater: the first basis from {} samples in {} ms", samples.size(),
                    (System.nanoTime() - t0) / 1_000_000);
            for (int q = 0; q < samples.size() - 1; q++) {
                Chunker.delete(chunks, sampleName(q));
            }
            samples.clear();
            saveState();
            publishBasis(first);
        } else {
            // each sample under its own name: the store's writes grow with the sample, not its square
            Chunker.write(chunks, sampleName(samples.size() - 1), SAMPLES_KIND, SampleMessage.encodeAll(List.of(sample)));
        }
    }

    /**
     * Whether the stream has gone quiet with everything learned: no statistics for
     * {@link NmfStreamConfig#statsFlushMs()} + {@link #SETTLED_EXTRA_MS} (the projectors send a
     * partial mini-batch after statsFlushMs), none pending, and no snapshot in that time either.
     * The factors are then published without waiting out the snapshot interval, so a feed that
     * stops shows factors that learned from its last item within seconds, not a whole interval
     * later; a steady feed still gets at most one snapshot per interval.
     */
    private boolean settled(long now) {
        long quiet = config.statsFlushMs() + SETTLED_EXTRA_MS;
        return pending.items() == 0 && now - lastStatisticsAt >= quiet && now - lastSnapshotAt >= quiet;
    }

    private void takeStatistics(StatisticsMessage stats) {
        lastStatisticsAt = context.currentSystemTimeMs();
        lost += stats.lost();
        if (state.basis() == null || !config.learning()) {
            savePending();
            return;
        }
        if (pending.items() == 0) {
            pendingSince = context.currentSystemTimeMs();
        }
        if (stats.basisVersion() >= 0) {
            // as old as the basis they were made with (a backlog, a task that waited out an outage)
            stats.statistics().decay(Staleness.weight(state.config().forgetting(), state.batches(),
                    state.basis().version() - stats.basisVersion()));
        }
        pending.merge(stats.statistics());
        Chunker.write(chunks, partName(pendingParts++), PENDING_KIND, PendingStatistics.part(stats.statistics()));
        pendingResidualSq += stats.residualSq();
        pendingNormSq += stats.normSq();
        long now = context.currentSystemTimeMs();
        if (pending.items() >= config.batchSize() && now - lastUpdateAt >= config.updateMinIntervalMs()) {
            learn(now);
        }
        savePending();
    }

    /** The store name of the statistics message q merged since the model was last saved. */
    private static String partName(int q) {
        return PENDING_PARTS + q;
    }

    /** One update of W from the pending statistics; the new version goes to the store and the basis topic. */
    private void learn(long now) {
        windowResidualSq += pendingResidualSq;
        windowNormSq += pendingNormSq;
        pendingResidualSq = 0;
        pendingNormSq = 0;
        long items = pending.items();
        long t0 = System.nanoTime();
        Basis next = state.learnFromStatistics(pending);
        lastUpdateAt = now;
        metrics.basisUpdated(System.nanoTime() - t0, items);
        saveState();
        publishBasis(next);
    }

    /**
     * The counters and the prequential sums (the statistics merged but not yet learned from are
     * the parts kept since the last save, and those learned from are in the saved model).
     */
    private void savePending() {
        PendingStatistics kept = new PendingStatistics(lost, pendingResidualSq, pendingNormSq, windowResidualSq,
                windowNormSq, null);
        Chunker.write(chunks, PENDING, PENDING_KIND, kept.toBytes());
    }

    private void restorePending() {
        Message kept = Chunker.read(chunks, PENDING);
        if (kept == null) {
            return;
        }
        PendingStatistics restored = PendingStatistics.fromBytes(kept.payload());
        lost = restored.lost();
        pendingResidualSq = restored.residualSq();
        pendingNormSq = restored.normSq();
        windowResidualSq = restored.windowResidualSq();
        windowNormSq = restored.windowNormSq();
        if (restored.statistics() != null) {
            mismatch("nmf.rank", "rank", restored.statistics().rank(), config.rank());
            mismatch("nmf.dimension", "dimension", restored.statistics().dim(), config.dimension());
            pending.merge(restored.statistics());
        }
        // the messages merged since the model was last saved: not yet learned from by the saved model
        for (Message part = Chunker.read(chunks, partName(0)); part != null;
                part = Chunker.read(chunks, partName(pendingParts))) {
            SufficientStatistics s = PendingStatistics.fromPart(part.payload());
            mismatch("nmf.rank", "rank", s.rank(), config.rank());
            mismatch("nmf.dimension", "dimension", s.dim(), config.dimension());
            pending.merge(s);
            pendingParts++;
        }
    }

    private void publishBasis(Basis basis) {
        List<byte[]> records = BasisMessage.records(basis);
        for (int i = 0; i < records.size(); i++) {
            context.forward(new Record<>(BasisMessage.key(modelName, i), records.get(i), context.currentSystemTimeMs()),
                    NmfTopology.BASIS_SINK);
            metrics.basisSent(records.get(i).length);
        }
    }

    private void publishFactors(long now) {
        Basis basis = state.basis();
        double[] norms = basis.columnNorms();
        String topic = config.topics().factors();
        for (int k = 0; k < basis.rank(); k++) {
            double[] vector = basis.component(k);
            ComponentMessage message = new ComponentMessage(modelName, k, basis.version(), norms[k], vector,
                    top(vector, config.topFeatures(), labels), labels.peakHz(vector), labels.fundamentalHz(vector));
            context.forward(new Record<>(ComponentMessage.key(modelName, k), components.serialize(topic, message), now),
                    NmfTopology.FACTORS_SINK);
        }
        Double error = windowNormSq > 0 ? Math.sqrt(windowResidualSq / windowNormSq) : null;
        SummaryMessage summary = new SummaryMessage(modelName, basis.version(), basis.rank(), basis.dim(),
                state.items(), lost, error, now);
        context.forward(new Record<>(modelName, summaries.serialize(topic, summary), now), NmfTopology.FACTORS_SINK);
        windowResidualSq = 0;
        windowNormSq = 0;
        lastSnapshotVersion = basis.version();
        lastSnapshotAt = now;
        wordsChanged = false;
    }

    /** The n largest entries of a component, by weight. */
    static List<TopFeature> top(double[] vector, int n, FeatureLabels labels) {
        int count = Math.min(n, vector.length);
        int[] best = new int[count];
        int size = 0;
        for (int i = 0; i < vector.length; i++) {
            if (size < count) {
                best[size++] = i;
            } else {
                int worst = 0;
                for (int q = 1; q < count; q++) {
                    if (vector[best[q]] < vector[best[worst]]) {
                        worst = q;
                    }
                }
                if (vector[i] > vector[best[worst]]) {
                    best[worst] = i;
                }
            }
        }
        List<TopFeature> out = new ArrayList<>(size);
        for (int q = 0; q < size; q++) {
            out.add(new TopFeature(best[q], labels.label(best[q]), vector[best[q]]));
        }
        out.sort((a, b) -> Double.compare(b.weight(), a.weight()));
        return out;
    }

    /** Saves the model; the statistics messages it has learned from are then no longer kept. */
    private void saveState() {
        Chunker.write(chunks, STATE, STATE_KIND, state.toBytes());
        if (pending != null && pending.items() == 0) {
            for (int q = 0; q < pendingParts; q++) {
                Chunker.delete(chunks, partName(q));
            }
            pendingParts = 0;
        }
    }
}
