package dev.nmfstream.stream;

import dev.nmfstream.nmf.Basis;
import dev.nmfstream.nmf.Projection;
import dev.nmfstream.nmf.Projector;
import dev.nmfstream.nmf.SufficientStatistics;
import dev.nmfstream.wire.ColumnDecoder;
import dev.nmfstream.wire.DeadLetter;
import dev.nmfstream.wire.DecodedItem;
import dev.nmfstream.wire.InputFormat;
import dev.nmfstream.wire.WeightsEncoder;
import dev.nmfstream.wire.WireSerdes;
import dev.nmfstream.wire.internal.Internal;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.SplittableRandom;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A projector, one per input partition: validates each record (anything invalid becomes one
 * dead letter and touches nothing else), projects it on the newest basis this instance has
 * received (the global basis store) and publishes its weights; gathers the mini-batch's
 * statistics and sends them to the updater every {@code nmf.batch.size} items (or after
 * {@code nmf.stats.flush.ms}).
 *
 * <p>Before the first basis exists valid items are held in a changelogged store (at most
 * {@code nmf.warmup.max.items}; beyond that they are dead-lettered with that reason) and sent
 * to the updater as the bootstrap sample; they are projected, in arrival order, as soon as the
 * basis arrives.
 *
 * <p>Bounded staleness: a task projects at most {@code batch · max(1, v / (2 · nmf.partitions))}
 * items with basis version v before it waits (holding the items) for a newer one. In a backlog
 * the projectors otherwise run hundreds of versions ahead of the updater, and half of the runs on
 * a planted model ended at 4.7 × batch NMF's error instead of 1.05 × (BENCHMARKS.md, "Scale-out
 * and crash safety"); the price is about a quarter of the backlog throughput. The wait is short:
 * after {@value #STALENESS_WAIT_MS} ms without a newer version (the updater moving after a
 * crash, the stats topic held by a dead instance's open transaction) the task projects freely
 * with what it has until the next version arrives. Each statistics message also names the basis
 * version it was made with, and the updater weighs it as if it had arrived when that basis was
 * current ({@code OnlineNmf.staleWeight}).
 *
 * <p>Across crashes and moves between instances (a per-task changelogged progress store):
 * <ul>
 *   <li>the basis version in this partition's weights never goes back: the task remembers the
 *       newest version it has read and, on an instance whose global store is still behind it,
 *       holds the items (as in the warm-up) until that version arrives;
 *   <li>a crash loses at most this task's unsent mini-batch of statistics (never weights: those
 *       are transactional with the input offsets). The task remembers the input offset its last
 *       statistics covered; the first record after a restart shows how many committed records
 *       came after it, and that count travels to the updater with the next statistics
 *       ({@code itemsLost} in the summary).
 * </ul>
 */
final class ProjectorProcessor implements Processor<byte[], byte[], Object, byte[]> {

    private final NmfStreamConfig config;
    private ProcessorContext<Object, byte[]> context;
    private KeyValueStore<Long, byte[]> warmup;
    private KeyValueStore<String, Long> progress;
    private KeyValueStore<String, byte[]> basisStore;
    private ColumnDecoder decoder;
    /** The record being processed, and a held one being drained meanwhile: each decoded into its own. */
    private DecodedItem current;
    private DecodedItem drained;
    private Projector projector;
    private Projection projection;
    private SufficientStatistics stats;
    private double residualSq;
    private double normSq;
    private Basis basis;
    private long held;
    private long nextHeld;
    private int samplesSent;
    private long sender;
    private long seq;
    private long lastFlush;
    /** The newest basis version this partition has used or read: never project with an older one. */
    private long floor = -1;
    /** The input offset the last statistics (or the warm-up store) covered, as stored; null if none. */
    private Long covered;
    private boolean gapChecked;
    /** The last input record fully handled (projected, held or dead-lettered), and the one being projected. */
    private long doneOffset = -1;
    private long inFlightOffset = -1;
    private long lost;
    /** Items projected with the current basis version, and whether they reached its allowance. */
    private long projectedWithBasis;
    private boolean throttled;
    private long throttledSince;
    private boolean freeRunning;
    private long statsBasisVersion = -1;
    static final long STALENESS_WAIT_MS = 1000;
    private WeightsEncoder weights;
    private Serializer<DeadLetter> deadLetters;

    ProjectorProcessor(NmfStreamConfig config) {
        this.config = config;
    }

    @Override
    public void init(ProcessorContext<Object, byte[]> context) {
        this.context = context;
        this.warmup = context.getStateStore(NmfTopology.WARMUP_STORE);
        this.progress = context.getStateStore(NmfTopology.PROGRESS_STORE);
        Long version = progress.get(VERSION);
        this.floor = version == null ? -1 : version;
        this.covered = progress.get(COVERED);
        this.basisStore = context.getStateStore(NmfTopology.BASIS_STORE);
        this.decoder = new ColumnDecoder(config.dimension(), InputFormat.valueOf(config.inputFormat().toUpperCase(
                Locale.ROOT)), config.maxValueBytes());
        this.projector = new Projector(config.rank());
        this.projection = new Projection(config.rank());
        this.stats = new SufficientStatistics(config.dimension(), config.rank());
        this.current = new DecodedItem(config.dimension());
        this.drained = new DecodedItem(config.dimension());
        this.weights = new WeightsEncoder();
        this.deadLetters = WireSerdes.deadLetter().serializer();
        this.sender = new SplittableRandom().nextLong();
        // Kafka Streams may init the same processor again (a task revived after an error): start clean
        this.basis = null;
        this.held = 0;
        this.nextHeld = 0;
        this.samplesSent = 0;
        this.seq = 0;
        this.residualSq = 0;
        this.normSq = 0;
        this.lost = 0;
        this.gapChecked = false;
        this.doneOffset = -1;
        this.inFlightOffset = -1;
        this.projectedWithBasis = 0;
        this.throttled = false;
        this.freeRunning = false;
        this.statsBasisVersion = -1;
        try (KeyValueIterator<Long, byte[]> all = warmup.all()) {
            while (all.hasNext()) {
                KeyValue<Long, byte[]> kv = all.next();
                held++;
                nextHeld = Math.max(nextHeld, kv.key + 1);
            }
        }
        this.lastFlush = context.currentSystemTimeMs();
        LOG.info("projector task {} started: {} items held, newest basis used {}, statistics sent up to offset {}",
                context.taskId(), held, floor, covered);
        context.schedule(Duration.ofMillis(100), PunctuationType.WALL_CLOCK_TIME, this::tick);
    }

    private static final String VERSION = "version";
    private static final String COVERED = "covered";
    private static final Logger LOG = LoggerFactory.getLogger(ProjectorProcessor.class);

    /** Every 100 ms: pick up a new basis, drain the warm-up buffer, send overdue statistics. */
    private void tick(long now) {
        refreshBasis();
        if (throttled && now - throttledSince >= STALENESS_WAIT_MS) {
            LOG.info("task {}: no basis newer than version {} after {} ms; projecting with it until one arrives",
                    context.taskId(), basis.version(), now - throttledSince);
            throttled = false;
            freeRunning = true;
        }
        if (ready() && held > 0) {
            drain(false);
        }
        if ((stats.items() > 0 || lost > 0) && now - lastFlush >= config.statsFlushMs()) {
            flushStats();
        }
    }

    /**
     * A basis exists here, is at least as new as any this partition has used, and has not yet
     * projected its allowance of items.
     */
    private boolean ready() {
        return basis != null && basis.version() >= floor && !throttled;
    }

    /** The items a task may project with basis version v before it waits for a newer one. */
    static long allowance(long version, int batch, int partitions) {
        return (long) batch * Math.max(1, version / (2L * partitions));
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        RecordMetadata meta = context.recordMetadata().orElse(null);
        long offset = meta == null ? -1 : meta.offset();
        if (!gapChecked) {
            gapChecked = true;
            countLost(offset);
        }
        if (!decoder.decode(record.key(), record.value(), current)) {
            deadLetter(record, current.reason());
            doneOffset = offset;
            return;
        }
        DecodedItem valid = current;
        if (!ready()) {
            refreshBasis();
        }
        if (ready() && held > 0) {
            drain(false); // the held items come first: arrival order
        }
        if (!ready() || held > 0) {
            hold(record, valid, offset);
            return;
        }
        projectCurrent(valid, record.timestamp(), offset);
    }

    /** Projects the record being processed (a flush meanwhile covers it) and marks it handled. */
    private void projectCurrent(DecodedItem valid, long timestamp, long offset) {
        inFlightOffset = offset;
        project(valid, timestamp);
        inFlightOffset = -1;
        doneOffset = offset;
    }

    /**
     * On the first record after (re)start: the committed records between the last statistics this
     * task sent and this one were projected (their weights are committed) but their statistics
     * were still in memory when the task stopped.
     */
    private void countLost(long offset) {
        if (!config.learning() || covered == null || offset < 0 || offset <= covered + 1) {
            return;
        }
        long gap = offset - covered - 1;
        lost += gap;
        LOG.warn("task {}: the statistics of at most {} items (input offsets {}..{}) were lost when this task last "
                + "stopped; their weights are published", context.taskId(), gap, covered + 1, offset - 1);
    }

    private void project(DecodedItem valid, long recordTimestamp) {
        projector.project(basis, valid.column(), projection);
        long now = context.currentSystemTimeMs();
        long event = valid.eventTimestamp() >= 0 ? valid.eventTimestamp() : recordTimestamp;
        byte[] message = weights.encode(valid.idUtf8(), valid.idLength(), basis.version(), projection.h,
                projection.relativeResidual(), event, now);
        context.forward(new Record<>(valid.idKey(), message, recordTimestamp), NmfTopology.WEIGHTS_SINK);
        if (config.learning()) {
            if (stats.items() == 0) {
                statsBasisVersion = basis.version();
            }
            stats.add(valid.column(), projection.h);
            stats.offerCandidate(valid.column(), projection.residualSq);
            residualSq += projection.residualSq;
            normSq += projection.normSq;
            projectedWithBasis++;
            if (stats.items() >= config.batchSize()) {
                flushStats();
            }
        }
    }

    private void flushStats() {
        List<byte[]> records = Internal.statsRecords(sender, seq++,
                new Internal.Stats(stats, residualSq, normSq, lost, stats.items() > 0 ? statsBasisVersion : -1));
        long now = context.currentSystemTimeMs();
        for (byte[] value : records) {
            context.forward(new Record<>(config.model(), value, now), NmfTopology.STATS_SINK);
        }
        stats.clear();
        residualSq = 0;
        normSq = 0;
        lost = 0;
        lastFlush = now;
        // a flush while the current record is projected includes it; one while draining does not
        markCovered(inFlightOffset >= 0 ? inFlightOffset : doneOffset);
        // checked when everything projected so far has been sent, so the updater can move on
        if (!throttled && !freeRunning && basis != null
                && projectedWithBasis >= allowance(basis.version(), config.batchSize(), config.partitions())) {
            throttled = true;
            throttledSince = now;
        }
    }

    /** Every record up to this offset has its statistics sent, is held, or needs none. */
    private void markCovered(long offset) {
        if (offset >= 0 && (covered == null || offset > covered)) {
            covered = offset;
            progress.put(COVERED, offset);
        }
    }

    /**
     * Holds a valid item until the task may project it (before the first basis, also offered as a
     * bootstrap sample). With a full buffer: if there is a basis, everything held is projected with
     * it now (late statistics, or a version older than this partition's newest, rather than
     * nothing); without one the item is dead-lettered.
     */
    private void hold(Record<byte[], byte[]> record, DecodedItem valid, long offset) {
        if (held >= config.warmupMaxItems()) {
            if (basis != null) {
                LOG.warn("task {}: {} items held waiting for a newer basis than version {}; projecting them with it",
                        context.taskId(), held, basis.version());
                drain(true);
                projectCurrent(valid, record.timestamp(), offset);
                return;
            }
            deadLetter(record, "no basis yet and the warm-up buffer is full (" + config.warmupMaxItems()
                    + " items held); expected the first basis sooner: raise nmf.warmup.max.items or give nmf.basis.file");
            doneOffset = offset;
            return;
        }
        byte[] key = record.key() == null ? new byte[0] : record.key();
        byte[] value = record.value();
        ByteBuffer b = ByteBuffer.allocate(8 + 4 + key.length + value.length);
        b.putLong(record.timestamp()).putInt(record.key() == null ? -1 : key.length).put(key).put(value);
        warmup.put(nextHeld++, b.array());
        held++;
        doneOffset = offset;
        if (stats.items() == 0 && lost == 0) {
            // held items are in the store: nothing of theirs can be lost (a lost count not yet
            // sent keeps the mark where it is, so that a restart finds the gap again)
            markCovered(offset);
        }
        if (basis == null && floor < 0 && samplesSent < config.engine().effectiveBootstrapSize()) {
            context.forward(new Record<>(config.model(), Internal.sampleRecord(valid.column()),
                    context.currentSystemTimeMs()), NmfTopology.STATS_SINK);
            samplesSent++;
        }
    }

    /** Projects the held items in arrival order while the task may (all of them if forced). */
    private void drain(boolean force) {
        List<Long> done = new ArrayList<>();
        try (KeyValueIterator<Long, byte[]> all = warmup.all()) {
            while (all.hasNext() && (force || ready())) {
                KeyValue<Long, byte[]> kv = all.next();
                ByteBuffer b = ByteBuffer.wrap(kv.value);
                long timestamp = b.getLong();
                int keyLength = b.getInt();
                byte[] key = keyLength < 0 ? null : new byte[keyLength];
                if (key != null) {
                    b.get(key);
                }
                byte[] value = new byte[b.remaining()];
                b.get(value);
                if (decoder.decode(key, value, drained)) {
                    project(drained, timestamp);
                }
                done.add(kv.key);
            }
        }
        for (Long k : done) {
            warmup.delete(k);
        }
        held -= done.size();
    }

    /** Reads the newest complete basis from the global store, if its version is new. */
    private void refreshBasis() {
        byte[] first = basisStore.get(Internal.basisKey(config.model(), 0));
        long version = first == null ? -1 : Internal.basisChunkVersion(first);
        if (first == null || basis != null && version <= basis.version()) {
            return;
        }
        int count = Internal.basisChunkCount(first);
        List<byte[]> chunks = new ArrayList<>(count);
        chunks.add(first);
        for (int i = 1; i < count; i++) {
            byte[] chunk = basisStore.get(Internal.basisKey(config.model(), i));
            if (chunk == null || Internal.basisChunkVersion(chunk) != version) {
                return; // the next version is still arriving: keep the complete one we have
            }
            chunks.add(chunk);
        }
        Basis next = Internal.basis(chunks);
        if (next.dim() != config.dimension() || next.rank() != config.rank()) {
            throw new IllegalStateException("basis topic holds a " + next.dim() + " × " + next.rank()
                    + " basis, this service is configured for " + config.dimension() + " × " + config.rank());
        }
        basis = next;
        projectedWithBasis = 0;
        throttled = false;
        freeRunning = false;
        if (next.version() > floor) {
            floor = next.version();
            progress.put(VERSION, floor);
        }
    }

    private void deadLetter(Record<byte[], byte[]> record, String reason) {
        Optional<RecordMetadata> meta = context.recordMetadata();
        DeadLetter letter = DeadLetter.of(record.key(), record.value(), meta.map(RecordMetadata::topic).orElse(null),
                meta.map(RecordMetadata::partition).orElse(-1), meta.map(RecordMetadata::offset).orElse(-1L),
                reason, record.timestamp(), config.deadLetterPrefixBytes());
        String key = letter.key() != null ? letter.key() : "";
        context.forward(new Record<>(key, deadLetters.serialize(config.topics().deadLetters(), letter),
                record.timestamp()), NmfTopology.DEAD_LETTERS_SINK);
    }
}
