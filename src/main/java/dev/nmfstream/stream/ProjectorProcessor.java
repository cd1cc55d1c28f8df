package dev.nmfstream.stream;

import dev.nmfstream.nmf.Basis;
import dev.nmfstream.nmf.Projection;
import dev.nmfstream.nmf.Projector;
import dev.nmfstream.nmf.SufficientStatistics;
import dev.nmfstream.wire.ColumnDecoder;
import dev.nmfstream.wire.DeadLetter;
import dev.nmfstream.wire.Decoded;
import dev.nmfstream.wire.InputFormat;
import dev.nmfstream.wire.WeightsMessage;
import dev.nmfstream.wire.WireSerdes;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

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
 * basis arrives. A crash loses at most this task's unsent mini-batch of statistics (never
 * weights: those are transactional with the input offsets).
 */
final class ProjectorProcessor implements Processor<byte[], byte[], String, byte[]> {

    private final NmfStreamConfig config;
    private ProcessorContext<String, byte[]> context;
    private KeyValueStore<Long, byte[]> warmup;
    private KeyValueStore<String, byte[]> basisStore;
    private ColumnDecoder decoder;
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
    private Serializer<WeightsMessage> weights;
    private Serializer<DeadLetter> deadLetters;

    ProjectorProcessor(NmfStreamConfig config) {
        this.config = config;
    }

    @Override
    public void init(ProcessorContext<String, byte[]> context) {
        this.context = context;
        this.warmup = context.getStateStore(NmfTopology.WARMUP_STORE);
        this.basisStore = context.getStateStore(NmfTopology.BASIS_STORE);
        this.decoder = new ColumnDecoder(config.dimension(), InputFormat.valueOf(config.inputFormat().toUpperCase(
                java.util.Locale.ROOT)), config.maxValueBytes());
        this.projector = new Projector(config.rank());
        this.projection = new Projection(config.rank());
        this.stats = new SufficientStatistics(config.dimension(), config.rank());
        this.weights = WireSerdes.weights().serializer();
        this.deadLetters = WireSerdes.deadLetter().serializer();
        this.sender = new java.util.SplittableRandom().nextLong();
        try (KeyValueIterator<Long, byte[]> all = warmup.all()) {
            while (all.hasNext()) {
                KeyValue<Long, byte[]> kv = all.next();
                held++;
                nextHeld = Math.max(nextHeld, kv.key + 1);
            }
        }
        this.lastFlush = context.currentSystemTimeMs();
        context.schedule(Duration.ofMillis(100), PunctuationType.WALL_CLOCK_TIME, this::tick);
    }

    /** Every 100 ms: pick up a new basis, drain the warm-up buffer, send overdue statistics. */
    private void tick(long now) {
        refreshBasis();
        if (basis != null && held > 0) {
            drain();
        }
        if (stats.items() > 0 && now - lastFlush >= config.statsFlushMs()) {
            flushStats();
        }
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        Decoded decoded = decoder.decode(record.key(), record.value());
        if (decoded instanceof Decoded.Invalid invalid) {
            deadLetter(record, invalid.reason());
            return;
        }
        Decoded.Valid valid = (Decoded.Valid) decoded;
        if (basis == null) {
            refreshBasis();
        }
        if (basis == null) {
            hold(record, valid);
            return;
        }
        if (held > 0) {
            drain(); // the held items come first: arrival order
        }
        project(valid, record.timestamp());
    }

    private void project(Decoded.Valid valid, long recordTimestamp) {
        projector.project(basis, valid.column(), projection);
        long now = context.currentSystemTimeMs();
        long event = valid.eventTimestamp() >= 0 ? valid.eventTimestamp() : recordTimestamp;
        WeightsMessage message = new WeightsMessage(valid.id(), basis.version(), projection.h.clone(),
                projection.relativeResidual(), event, now);
        context.forward(new Record<>(valid.id(), weights.serialize(config.topics().weights(), message), recordTimestamp),
                NmfTopology.WEIGHTS_SINK);
        if (config.learning()) {
            stats.add(valid.column(), projection.h);
            stats.offerCandidate(valid.column(), projection.residualSq);
            residualSq += projection.residualSq;
            normSq += projection.normSq;
            if (stats.items() >= config.batchSize()) {
                flushStats();
            }
        }
    }

    private void flushStats() {
        List<byte[]> records = Internal.statsRecords(sender, seq++, new Internal.Stats(stats, residualSq, normSq));
        long now = context.currentSystemTimeMs();
        for (byte[] value : records) {
            context.forward(new Record<>(config.model(), value, now), NmfTopology.STATS_SINK);
        }
        stats.clear();
        residualSq = 0;
        normSq = 0;
        lastFlush = now;
    }

    /** Holds a valid item until the first basis exists, and offers it as a bootstrap sample. */
    private void hold(Record<byte[], byte[]> record, Decoded.Valid valid) {
        if (held >= config.warmupMaxItems()) {
            deadLetter(record, "no basis yet and the warm-up buffer is full (" + config.warmupMaxItems()
                    + " items held); expected the first basis sooner: raise nmf.warmup.max.items or give nmf.basis.file");
            return;
        }
        byte[] key = record.key() == null ? new byte[0] : record.key();
        byte[] value = record.value();
        ByteBuffer b = ByteBuffer.allocate(8 + 4 + key.length + value.length);
        b.putLong(record.timestamp()).putInt(record.key() == null ? -1 : key.length).put(key).put(value);
        warmup.put(nextHeld++, b.array());
        held++;
        if (samplesSent < config.engine().effectiveBootstrapSize()) {
            context.forward(new Record<>(config.model(), Internal.sampleRecord(valid.column()),
                    context.currentSystemTimeMs()), NmfTopology.STATS_SINK);
            samplesSent++;
        }
    }

    /** Projects every held item, in arrival order, and empties the buffer. */
    private void drain() {
        List<Long> done = new ArrayList<>();
        try (KeyValueIterator<Long, byte[]> all = warmup.all()) {
            while (all.hasNext()) {
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
                Decoded decoded = decoder.decode(key, value);
                if (decoded instanceof Decoded.Valid valid) {
                    project(valid, timestamp);
                }
                done.add(kv.key);
            }
        }
        for (Long k : done) {
            warmup.delete(k);
        }
        held = 0;
    }

    /** Reads the newest complete basis from the global store, if its version is new. */
    private void refreshBasis() {
        byte[] first = basisStore.get(Internal.basisKey(config.model(), 0));
        if (first == null) {
            return;
        }
        long version = Internal.basisChunkVersion(first);
        if (basis != null && version <= basis.version()) {
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
