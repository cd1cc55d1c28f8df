package dev.nmfstream.stream;

import dev.nmfstream.nmf.Basis;
import dev.nmfstream.nmf.InfluenceCap;
import dev.nmfstream.nmf.KlProjector;
import dev.nmfstream.nmf.KlStatistics;
import dev.nmfstream.nmf.Loss;
import dev.nmfstream.nmf.Projection;
import dev.nmfstream.nmf.Projector;
import dev.nmfstream.nmf.SparseColumn;
import dev.nmfstream.nmf.SufficientStatistics;
import dev.nmfstream.wire.ColumnDecoder;
import dev.nmfstream.wire.DeadLetter;
import dev.nmfstream.wire.DecodedItem;
import dev.nmfstream.wire.WeightsEncoder;
import dev.nmfstream.wire.WireSerdes;
import dev.nmfstream.wire.internal.BasisMessage;
import dev.nmfstream.wire.internal.SampleMessage;
import dev.nmfstream.wire.internal.StatisticsMessage;
import dev.nmfstream.wire.internal.VocabularyMessage;
import java.util.ArrayList;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A projector, one per input partition: validates each record (anything invalid becomes one
 * dead letter and touches nothing else), projects it on the newest basis this instance has
 * received (the global basis store, through the instance's {@link BasisCache}) and publishes its
 * weights; gathers the mini-batch's statistics and sends them to the updater every
 * {@code nmf.batch.size} items (or after {@code nmf.stats.flush.ms}).
 *
 * <p>A valid item is projected at once when the task is ready: it has a basis, that basis is not
 * older than the newest this partition has read ({@link NewestBasisVersion}), the
 * {@link Throttle} does not hold, and no earlier item is still held. Otherwise the item is held
 * ({@link HeldItems}) and projected, in arrival order, as soon as the task is ready again.
 * Held items live in one of two changelogged stores:
 * <ul>
 *   <li>{@link NmfTopology#WARMUP_STORE} (RocksDB) while the partition has never had a basis: up
 *       to {@code nmf.warmup.max.items} per task, held for as long as the first basis takes,
 *       so they may be many and stay long; they are also offered to the updater as the bootstrap
 *       sample. Beyond that limit items are dead-lettered with that reason.
 *   <li>{@link NmfTopology#BACKLOG_STORE} (in memory) afterwards: items waiting for the throttle
 *       (at most 1 s) or for a newer basis to reach this instance. A put is soon followed by its
 *       delete, so RocksDB's write path and local files buy nothing; the changelog alone keeps
 *       them safe, because under exactly-once it commits with the input offsets and is replayed
 *       into the empty store when the task starts anywhere. When more than
 *       {@code nmf.warmup.max.items} wait, all are projected with the basis at hand.
 * </ul>
 *
 * <p>Bounded staleness: a task projects at most {@link Staleness#allowance} items with basis
 * version v before it waits for a newer one (the {@link Throttle}). In a backlog the projectors
 * otherwise run hundreds of versions ahead of the updater, and half of the runs on a planted
 * model ended at 4.7 × batch NMF's error instead of 1.05 × (BENCHMARKS.md, "Scale-out and crash
 * safety"); the price is about a quarter of the backlog throughput. The allowance uses the input
 * topic's real partition count. Each statistics message also names the basis version it was made
 * with, and the updater weighs it as if it had arrived when that basis was current
 * ({@link Staleness#weight}).
 *
 * <p>Across crashes and moves between instances (the per-task changelogged progress store):
 * the basis version in this partition's weights never goes back ({@link NewestBasisVersion}),
 * and a crash loses at most this task's unsent mini-batch of statistics, never weights (those are
 * transactional with the input offsets); the {@link OffsetLedger} counts such items
 * ({@code itemsLost} in the summary).
 */
final class ProjectorProcessor implements Processor<byte[], byte[], Object, byte[]> {

    /** How often the task looks for a new basis, releases held items and sends overdue statistics. */
    static final Duration TICK = Duration.ofMillis(100);
    private static final Logger LOG = LoggerFactory.getLogger(ProjectorProcessor.class);

    private final NmfStreamConfig config;
    private final int inputPartitions;
    private final BasisCache bases;
    private final StreamMetrics metrics;
    private final boolean keepLatestWeights;
    /** This task's id as text, for {@link StreamMetrics#held} and {@link StreamMetrics#basisVersions}. */
    private String taskName;
    /** The store of the latest weights by item id, or null ({@code nmf.http.enabled=false}). */
    private KeyValueStore<byte[], byte[]> latestWeights;
    private ProcessorContext<Object, byte[]> context;
    private KeyValueStore<String, byte[]> basisStore;
    private HeldItems warmup;
    private HeldItems backlog;
    private NewestBasisVersion newestVersion;
    private OffsetLedger ledger;
    private Throttle throttle;
    private ColumnDecoder decoder;
    /** The text pipeline ({@code nmf.input.format = text}), or null. */
    private TextInput text;
    /**
     * Held items restored from the stores when this task started (first in each queue): their
     * words were counted by the task that received them, whose word table is gone, so they are
     * counted when released; items held since are counted on arrival.
     */
    private long restoredWarmup;
    private long restoredBacklog;
    private Projector projector;
    /** The KL projector under {@code nmf.loss=kl}, else null. */
    private KlProjector klProjector;
    private Projection projection;
    /** The task's stream scale: an outsized item enters the statistics scaled down ({@code nmf.influence.cap}). */
    private InfluenceCap cap;
    private Basis basis;
    /** The mini-batch: statistics, squared residuals and norms, and the basis version of its first item. */
    private SufficientStatistics stats;
    private double residualSq;
    private double normSq;
    private long statsBasisVersion = -1;
    private int bootstrapSize;
    private int samplesSent;
    private long sender;
    private long seq;
    private long lastFlush;
    private WeightsEncoder weights;
    /** The record being processed, and a held one being released meanwhile. */
    private DecodedItem current;
    private DecodedItem drained;
    private Serializer<DeadLetter> deadLetters;

    /**
     * @param inputPartitions the input topic's partition count (the throttle's allowance)
     * @param bases the basis cache shared by the projector tasks of this instance
     */
    ProjectorProcessor(NmfStreamConfig config, int inputPartitions, BasisCache bases) {
        this(config, inputPartitions, bases, StreamMetrics.NONE, false);
    }

    /**
     * @param inputPartitions the input topic's partition count (the throttle's allowance)
     * @param bases the basis cache shared by the projector tasks of this instance
     * @param metrics told of each item, dead letter and statistics message
     * @param keepLatestWeights whether to write each item's weights to {@link NmfTopology#LATEST_WEIGHTS_STORE}
     */
    ProjectorProcessor(NmfStreamConfig config, int inputPartitions, BasisCache bases, StreamMetrics metrics,
            boolean keepLatestWeights) {
        this.keepLatestWeights = keepLatestWeights;
        this.config = config;
        this.inputPartitions = inputPartitions;
        this.bases = bases;
        this.metrics = metrics;
    }

    /** Kafka Streams may init the same processor again (a task revived after an error): everything starts clean. */
    @Override
    public void init(ProcessorContext<Object, byte[]> context) {
        this.context = context;
        KeyValueStore<String, Long> progress = context.getStateStore(NmfTopology.PROGRESS_STORE);
        this.warmup = new HeldItems(context.getStateStore(NmfTopology.WARMUP_STORE));
        this.backlog = new HeldItems(context.getStateStore(NmfTopology.BACKLOG_STORE));
        this.newestVersion = new NewestBasisVersion(progress);
        this.ledger = new OffsetLedger(progress, config.learning());
        if (ledger.lost() > 0) {
            // counted now, not when the next record comes: it may never come (the feed has ended)
            metrics.itemsLost(ledger.lost());
            LOG.warn("task {}: the statistics of {} items were lost when this task last stopped (in memory, not yet "
                    + "sent); their weights are published", context.taskId(), ledger.lost());
        }
        this.throttle = new Throttle(throttleBatch(config), inputPartitions, config.backlogDivisor());
        this.basisStore = context.getStateStore(NmfTopology.BASIS_STORE);
        this.text = config.text() != null ? new TextInput(config) : null;
        this.restoredWarmup = warmup.count();
        this.restoredBacklog = backlog.count();
        this.decoder = NmfTopology.decoder(config, text);
        this.latestWeights = keepLatestWeights ? context.getStateStore(NmfTopology.LATEST_WEIGHTS_STORE) : null;
        this.taskName = context.taskId().toString();
        this.projector = new Projector(config.rank());
        this.klProjector = config.loss() == Loss.KL ? new KlProjector(config.rank()) : null;
        this.projection = new Projection(config.rank());
        this.cap = new InfluenceCap(config.influenceCap());
        this.stats = new SufficientStatistics(config.dimension(), config.rank());
        this.weights = new WeightsEncoder();
        this.current = new DecodedItem(config.dimension());
        this.drained = new DecodedItem(config.dimension());
        this.deadLetters = WireSerdes.deadLetter().serializer();
        this.sender = new SplittableRandom().nextLong();
        this.bootstrapSize = config.engine().streamBootstrapSize();
        this.basis = null;
        this.samplesSent = 0;
        this.seq = 0;
        this.residualSq = 0;
        this.normSq = 0;
        this.statsBasisVersion = -1;
        this.lastFlush = context.currentSystemTimeMs();
        LOG.info("projector task {} started: {} items held before the first basis, {} after it; newest basis "
                + "version read {}; statistics sent up to input offset {}", context.taskId(), warmup.count(),
                backlog.count(), newestVersion.value(), ledger.covered());
        context.schedule(TICK, PunctuationType.WALL_CLOCK_TIME, this::tick);
    }

    /**
     * The mini-batch the backlog throttle counts in: nmf.batch.size, times 1 + T / 250 ms when the
     * updater updates W at most every T = nmf.update.min.interval.ms (it then answers a task's
     * statistics only after up to T, and learns from that many more items per version).
     */
    static int throttleBatch(NmfStreamConfig config) {
        long factor = 1 + config.updateMinIntervalMs() / 250;
        return (int) Math.min(Integer.MAX_VALUE, config.batchSize() * factor);
    }

    /** Every {@link #TICK}: pick up a new basis, release held items, send overdue statistics. */
    private void tick(long now) {
        // the versions behind the newest this instance has, before this task picks it up
        metrics.basisVersions(taskName, basis == null ? -1 : basis.version(),
                BasisMessage.version(basisStore::get, config.model()));
        refreshBasis();
        if (throttle.releaseAfterWait(now)) {
            LOG.info("task {}: no basis newer than version {} after {} ms; projecting with it until one arrives",
                    context.taskId(), basis.version(), Throttle.MAX_WAIT_MS);
        }
        if (ready() && held() > 0) {
            release(false);
        }
        if ((stats.items() > 0 || ledger.lost() > 0) && now - lastFlush >= config.statsFlushMs()) {
            flushStats();
        }
        metrics.held(taskName, warmup.count(), backlog.count());
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        RecordMetadata meta = context.recordMetadata().orElse(null);
        long offset = meta == null ? -1 : meta.offset();
        long lost = ledger.arrived(offset);
        if (lost > 0) {
            metrics.itemsLost(lost);
            LOG.warn("task {}: the statistics of at most {} items (input offsets {}..{}) were lost when this task "
                    + "last stopped; their weights are published", context.taskId(), lost, offset - lost, offset - 1);
        }
        if (!decode(record.key(), record.value(), current)) {
            deadLetter(record, current.reason());
            ledger.handled(offset);
            return;
        }
        DecodedItem valid = current;
        if (!ready()) {
            refreshBasis();
        }
        if (ready() && held() > 0) {
            release(false); // the held items come first: arrival order
        }
        if (!ready() || held() > 0) {
            hold(record, valid, offset);
            return;
        }
        projectCurrent(valid, record.timestamp(), offset);
    }

    /**
     * A basis exists here, it is not older than any this partition has read, and the throttle
     * does not hold.
     */
    private boolean ready() {
        return basis != null && newestVersion.admits(basis.version()) && !throttle.holding();
    }

    /** The items held, before and after the first basis. */
    private long held() {
        return warmup.count() + backlog.count();
    }

    /** Decodes and validates one input record into {@code into}; false (with its reason) if it is not valid. */
    private boolean decode(byte[] key, byte[] value, DecodedItem into) {
        return decoder.decode(key, value, into);
    }

    /** Projects the record being processed (a flush meanwhile covers it) and marks it handled. */
    private void projectCurrent(DecodedItem valid, long timestamp, long offset) {
        ledger.projecting(offset);
        project(valid, timestamp);
        ledger.handled(offset);
    }

    private void project(DecodedItem valid, long recordTimestamp) {
        long t0 = System.nanoTime();
        if (klProjector != null) {
            klProjector.project(basis, valid.column(), projection);
        } else {
            projector.project(basis, valid.column(), projection);
        }
        metrics.projected(text != null ? StreamMetrics.TEXT
                        : valid.column() instanceof SparseColumn ? StreamMetrics.SPARSE : StreamMetrics.DENSE,
                System.nanoTime() - t0, projection.iterations, projection.relativeResidual());
        publishWeights(valid, recordTimestamp);
        if (config.learning()) {
            if (stats.items() == 0) {
                statsBasisVersion = basis.version();
            }
            // an item beyond κ times the stream's norm is learned from, and scored, scaled down (InfluenceCap)
            double s = cap.scaleOf(projection.logNorm());
            double itemResidualSq = InfluenceCap.scaledResidualSq(projection, s);
            if (klProjector != null) {
                // N += s h_k W_ik vᵢ/(W h)ᵢ, S += s h; the worst-explained items by their divergence
                KlStatistics.add(stats, basis, klProjector, projection.h, s);
                stats.offerCandidate(valid.column(), s * projection.divergence);
            } else {
                stats.add(valid.column(), projection.h, s);
                stats.offerCandidate(valid.column(), itemResidualSq);
            }
            residualSq += itemResidualSq;
            normSq += InfluenceCap.scaledNormSq(projection, s);
            throttle.projected();
            if (stats.items() >= config.batchSize()) {
                flushStats();
            } else {
                ledger.unsent(stats.items());
            }
        }
    }

    /** Sends the weights of the item just projected ({@link #projection}) to the weights topic. */
    private void publishWeights(DecodedItem valid, long recordTimestamp) {
        long now = context.currentSystemTimeMs();
        long event = valid.eventTimestamp() >= 0 ? valid.eventTimestamp() : recordTimestamp;
        byte[] message = klProjector != null
                ? weights.encode(valid.idUtf8(), valid.idLength(), basis.version(), projection.h,
                        projection.relativeResidual(), event, now, projection.divergence)
                : weights.encode(valid.idUtf8(), valid.idLength(), basis.version(), projection.h,
                        projection.relativeResidual(), event, now);
        byte[] key = valid.idKey();
        context.forward(new Record<>(key, message, recordTimestamp), NmfTopology.WEIGHTS_SINK);
        if (latestWeights != null) {
            latestWeights.put(key, message);
        }
        metrics.item(valid.idUtf8(), valid.idLength(), basis.version(), projection.h, projection.relativeResidual(),
                event);
    }

    private void flushStats() {
        List<byte[]> records = new StatisticsMessage(stats, residualSq, normSq, ledger.lost(),
                stats.items() > 0 ? statsBasisVersion : -1).records(sender, seq++,
                klProjector != null ? StatisticsMessage.KL_KIND : StatisticsMessage.KIND);
        long now = context.currentSystemTimeMs();
        long bytes = 0;
        for (byte[] value : records) {
            context.forward(new Record<>(config.model(), value, now), NmfTopology.STATS_SINK);
            bytes += value.length;
        }
        metrics.statisticsSent(bytes);
        if (text != null && text.words().changes() > 0) {
            sendWords(now);
        }
        stats.clear();
        residualSq = 0;
        normSq = 0;
        lastFlush = now;
        ledger.statisticsSent();
        // checked when everything projected so far has been sent, so the updater can move on
        throttle.statisticsSent(now);
    }

    /** Sends the updater the rows whose word is new or counted twice as often since last sent (text input). */
    private void sendWords(long now) {
        List<VocabularyMessage.Entry> entries = new ArrayList<>(text.words().changes());
        text.words().drainChanges((row, word, count) -> entries.add(new VocabularyMessage.Entry(row, word, count)));
        for (byte[] value : new VocabularyMessage(entries).records(sender, seq++)) {
            context.forward(new Record<>(config.model(), value, now), NmfTopology.STATS_SINK);
        }
    }

    /**
     * Holds a valid item until the task may project it (before the first basis, also offered as a
     * bootstrap sample). With {@code nmf.warmup.max.items} held: if there is a basis, everything
     * held is projected with it now (late statistics, or a version older than this partition's
     * newest, rather than nothing); without one the item is dead-lettered.
     */
    private void hold(Record<byte[], byte[]> record, DecodedItem valid, long offset) {
        if (held() >= config.warmupMaxItems()) {
            if (basis != null) {
                LOG.warn("task {}: {} items held waiting for a newer basis than version {}; projecting them with it",
                        context.taskId(), held(), basis.version());
                release(true);
                projectCurrent(valid, record.timestamp(), offset);
                return;
            }
            deadLetter(record, "no basis yet and the warm-up buffer is full (" + config.warmupMaxItems()
                    + " items held); expected the first basis sooner: raise nmf.warmup.max.items or give nmf.basis.file");
            ledger.handled(offset);
            return;
        }
        boolean warmingUp = newestVersion.none();
        if (warmingUp) {
            cap.observe(InfluenceCap.logNorm(valid.column())); // the first items learned from are capped already
        }
        (warmingUp ? warmup : backlog).add(record.timestamp(), record.key(), record.value());
        ledger.held(offset, stats.items() > 0);
        if (warmingUp && samplesSent < bootstrapSize) {
            for (byte[] sample : SampleMessage.records(sender, seq++, valid.column())) {
                context.forward(new Record<>(config.model(), sample, context.currentSystemTimeMs()),
                        NmfTopology.STATS_SINK);
                metrics.statisticsSent(sample.length);
            }
            samplesSent++;
        }
    }

    /**
     * Projects the held items in arrival order (those held before the first basis came first)
     * while the task is ready, or all of them if forced.
     */
    private void release(boolean force) {
        while (force || ready()) {
            HeldItems queue = warmup.isEmpty() ? backlog : warmup;
            HeldItems.Item item = queue.first();
            if (item == null) {
                return;
            }
            boolean restored = queue == warmup ? restoredWarmup > 0 : restoredBacklog > 0;
            if (text != null) {
                text.learnWords(restored); // the others' words were counted when they arrived
            }
            boolean valid = decode(item.key(), item.value(), drained);
            if (text != null) {
                text.learnWords(true);
            }
            if (restored) {
                if (queue == warmup) {
                    restoredWarmup--;
                } else {
                    restoredBacklog--;
                }
            }
            if (valid) {
                project(drained, item.timestamp());
            }
            queue.removeFirst();
        }
    }

    /** The task leaves this instance (or stops): it holds nothing here any more. */
    @Override
    public void close() {
        if (taskName != null) {
            metrics.held(taskName, 0, 0);
            metrics.basisVersions(taskName, -1, -1);
        }
    }

    /** Takes the newest basis of this instance if it is newer than the one in use. */
    private void refreshBasis() {
        Basis next = bases.newest(basisStore);
        if (next == null || basis != null && next.version() <= basis.version()) {
            return;
        }
        basis = next;
        throttle.newBasis(next.version());
        newestVersion.read(next.version());
    }

    /** The basis in use, or null (for tests). */
    Basis basis() {
        return basis;
    }

    private void deadLetter(Record<byte[], byte[]> record, String reason) {
        metrics.deadLetter(reason);
        Optional<RecordMetadata> meta = context.recordMetadata();
        DeadLetter letter = DeadLetter.of(record.key(), record.value(), meta.map(RecordMetadata::topic).orElse(null),
                meta.map(RecordMetadata::partition).orElse(-1), meta.map(RecordMetadata::offset).orElse(-1L),
                reason, record.timestamp(), config.deadLetterPrefixBytes());
        String key = letter.key() != null ? letter.key() : "";
        context.forward(new Record<>(key, deadLetters.serialize(config.topics().deadLetters(), letter),
                record.timestamp()), NmfTopology.DEAD_LETTERS_SINK);
    }
}
