package dev.nmfstream.stream;

import dev.nmfstream.nmf.Basis;
import dev.nmfstream.nmf.Column;
import dev.nmfstream.nmf.OnlineNmf;
import dev.nmfstream.nmf.SufficientStatistics;
import dev.nmfstream.wire.ComponentMessage;
import dev.nmfstream.wire.SummaryMessage;
import dev.nmfstream.wire.TopFeature;
import dev.nmfstream.wire.WireSerdes;
import dev.nmfstream.wire.internal.Internal;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
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
 * The updater: owns the model (W, A, B, version, counters) in a changelogged store, merges the
 * statistics the projectors send, updates W every mini-batch and publishes each version to the
 * basis topic; publishes the public factors at most every snapshot interval. Runs on the stats
 * topic's single partition, so exactly one instance owns the model at a time.
 *
 * <p>Before the first basis it collects the bootstrap sample the projectors send (kept in the
 * store too), or starts from the configured basis file.
 *
 * <p>Everything it has taken in is in the store before the stats offsets are committed: the
 * model after each update, the merged statistics not yet learned from, the chunks of a message
 * still arriving, and its counters. A crash of the updater therefore loses nothing; under
 * exactly-once the store, the basis versions it published and its input offsets commit together,
 * so a restarted updater continues the version sequence exactly.
 */
final class UpdaterProcessor implements Processor<String, byte[], String, byte[]> {

    private final NmfStreamConfig config;
    private final Basis initialBasis;
    private ProcessorContext<String, byte[]> context;
    private KeyValueStore<String, byte[]> store;
    private OnlineNmf model;
    private SufficientStatistics pending;
    private double pendingResidualSq;
    private double pendingNormSq;
    private final Map<String, List<byte[]>> partial = new HashMap<>();
    private long lost;
    private long pendingSince;
    private final List<Column> samples = new ArrayList<>();
    private double windowResidualSq;
    private double windowNormSq;
    private long lastSnapshotVersion = -1;
    private boolean basisUnpublished;
    private Serializer<ComponentMessage> components;
    private Serializer<SummaryMessage> summaries;

    UpdaterProcessor(NmfStreamConfig config, Basis initialBasis) {
        this.config = config;
        this.initialBasis = initialBasis;
    }

    @Override
    public void init(ProcessorContext<String, byte[]> context) {
        this.context = context;
        this.store = context.getStateStore(NmfTopology.MODEL_STORE);
        this.components = WireSerdes.component().serializer();
        this.summaries = WireSerdes.summary().serializer();
        // Kafka Streams may init the same processor again (a task revived after an error): start clean
        partial.clear();
        samples.clear();
        lost = 0;
        pendingResidualSq = 0;
        pendingNormSq = 0;
        windowResidualSq = 0;
        windowNormSq = 0;
        lastSnapshotVersion = -1;
        lastSnapshotAt = Long.MIN_VALUE / 2;
        basisUnpublished = false;
        byte[] state = readChunks("state");
        if (state != null) {
            model = OnlineNmf.fromBytes(state);
        } else if (initialBasis != null) {
            model = OnlineNmf.withBasis(config.engine(), initialBasis);
            basisUnpublished = true;
        } else {
            model = new OnlineNmf(config.engine());
            byte[] stored = readChunks("samples");
            if (stored != null) {
                ByteBuffer b = ByteBuffer.wrap(stored);
                while (b.hasRemaining()) {
                    byte[] one = new byte[b.getInt()];
                    b.get(one);
                    samples.add(Internal.sample(one));
                }
            }
        }
        // under at-least-once the store can be older than the versions already published: go on
        // after the newest of them, so that versions never repeat (a no-op under exactly-once)
        KeyValueStore<String, byte[]> published = context.getStateStore(NmfTopology.BASIS_STORE);
        byte[] first = published.get(Internal.basisKey(config.model(), 0));
        long newest = first == null ? -1 : Internal.basisChunkVersion(first);
        if (model.basis() != null) {
            if (newest > model.basis().version()) {
                LOG.warn("updater: the model store is at version {}, version {} was published; continuing after it",
                        model.basis().version(), newest);
                model.continueVersionsFrom(newest);
            }
        }
        pending = new SufficientStatistics(config.dimension(), config.rank());
        restorePending();
        restorePartial();
        LOG.info("updater task {} started: basis version {}, {} items learned, {} pending, {} lost, {} samples",
                context.taskId(), model.basis() == null ? -1 : model.basis().version(), model.items(), pending.items(),
                lost, samples.size());
        context.schedule(Duration.ofMillis(Math.min(200, config.snapshotIntervalMs())), PunctuationType.WALL_CLOCK_TIME,
                now -> {
                    if (basisUnpublished) {
                        saveState();
                        publishBasis(model.basis());
                        basisUnpublished = false;
                    }
                    if (pending.items() > 0 && model.basis() != null && now - pendingSince >= config.statsFlushMs()) {
                        learn(); // a partial mini-batch that waited long enough (a slow stream, a waiting task)
                        savePending();
                    }
                    if (model.basis() != null && model.basis().version() != lastSnapshotVersion
                            && now - lastSnapshotAt >= config.snapshotIntervalMs()) {
                        publishFactors(now);
                    }
                });
    }

    private long lastSnapshotAt = Long.MIN_VALUE / 2;

    @Override
    public void process(Record<String, byte[]> record) {
        byte[] value = record.value();
        if (value == null || value.length == 0) {
            return;
        }
        if (value[0] == Internal.SAMPLE) {
            if (model.basis() == null) {
                samples.add(Internal.sample(value));
                if (samples.size() >= config.engine().effectiveBootstrapSize()) {
                    Basis first = model.initialize(samples);
                    samples.clear();
                    deleteChunks("samples");
                    saveState();
                    publishBasis(first);
                } else {
                    saveSamples();
                }
            }
            return;
        }
        Internal.StatsChunk chunk = Internal.statsChunk(value);
        byte[] payload;
        if (chunk.count() == 1) {
            payload = chunk.data();
        } else {
            payload = collect(chunk);
            if (payload == null) {
                return;
            }
        }
        Internal.Stats stats = Internal.stats(payload);
        lost += stats.lost();
        if (model.basis() == null || !config.learning()) {
            savePending();
            return;
        }
        if (pending.items() == 0) {
            pendingSince = context.currentSystemTimeMs();
        }
        if (stats.basisVersion() >= 0) {
            // as old as the basis they were made with (a backlog, a task that waited out an outage)
            stats.statistics().decay(model.staleWeight(stats.basisVersion()));
        }
        pending.merge(stats.statistics());
        pendingResidualSq += stats.residualSq();
        pendingNormSq += stats.normSq();
        if (pending.items() >= config.batchSize()) {
            learn();
        }
        savePending();
    }

    /** One update of W from the pending statistics; the new version goes to the store and the basis topic. */
    private void learn() {
        windowResidualSq += pendingResidualSq;
        windowNormSq += pendingNormSq;
        pendingResidualSq = 0;
        pendingNormSq = 0;
        Basis next = model.learnFromStatistics(pending);
        saveState();
        publishBasis(next);
    }

    /** Keeps one chunk of a multi-record message (in the store too); the whole payload once complete. */
    private byte[] collect(Internal.StatsChunk chunk) {
        String id = chunk.sender() + "/" + chunk.seq();
        List<byte[]> parts = partial.computeIfAbsent(id, k -> new ArrayList<>());
        if (chunk.index() != parts.size()) {
            // a chunk is missing (an at-least-once projector crashed mid-message): drop this message
            dropPartial(id, parts.size());
            return null;
        }
        parts.add(chunk.data());
        if (parts.size() < chunk.count()) {
            store.put(PARTIAL + id + "/" + chunk.index(), chunk.data());
            return null;
        }
        dropPartial(id, parts.size() - 1);
        return Internal.join(parts);
    }

    private void dropPartial(String id, int stored) {
        partial.remove(id);
        for (int i = 0; i < stored; i++) {
            store.delete(PARTIAL + id + "/" + i);
        }
    }

    private void restorePartial() {
        Map<String, TreeMap<Integer, byte[]>> found = new HashMap<>();
        try (var all = store.prefixScan(PARTIAL, new StringSerializer())) {
            while (all.hasNext()) {
                var kv = all.next();
                String rest = kv.key.substring(PARTIAL.length());
                int cut = rest.lastIndexOf('/');
                found.computeIfAbsent(rest.substring(0, cut), k -> new TreeMap<>())
                        .put(Integer.parseInt(rest.substring(cut + 1)), kv.value);
            }
        }
        found.forEach((id, parts) -> partial.put(id, new ArrayList<>(parts.values())));
    }

    private static final String PARTIAL = "partial/";
    private static final Logger LOG = LoggerFactory.getLogger(UpdaterProcessor.class);

    /** The counters, the prequential sums and the statistics merged but not yet learned from. */
    private void savePending() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeLong(lost);
            out.writeDouble(pendingResidualSq);
            out.writeDouble(pendingNormSq);
            out.writeDouble(windowResidualSq);
            out.writeDouble(windowNormSq);
            out.writeBoolean(pending.items() > 0);
            if (pending.items() > 0) {
                pending.writeTo(out);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        writeChunks("pending", bytes.toByteArray());
    }

    private void restorePending() {
        byte[] bytes = readChunks("pending");
        if (bytes == null) {
            return;
        }
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
            lost = in.readLong();
            pendingResidualSq = in.readDouble();
            pendingNormSq = in.readDouble();
            windowResidualSq = in.readDouble();
            windowNormSq = in.readDouble();
            if (in.readBoolean()) {
                pending.merge(SufficientStatistics.readFrom(in));
            }
        } catch (IOException e) {
            throw new IllegalStateException("model store: corrupt pending statistics: " + e.getMessage(), e);
        }
    }

    private void publishBasis(Basis basis) {
        List<byte[]> chunks = Internal.basisRecords(basis);
        for (int i = 0; i < chunks.size(); i++) {
            context.forward(new Record<>(Internal.basisKey(config.model(), i), chunks.get(i), context.currentSystemTimeMs()),
                    NmfTopology.BASIS_SINK);
        }
    }

    private void publishFactors(long now) {
        Basis basis = model.basis();
        double[] norms = basis.columnNorms();
        String topic = config.topics().factors();
        for (int k = 0; k < basis.rank(); k++) {
            double[] vector = basis.component(k);
            ComponentMessage message = new ComponentMessage(config.model(), k, basis.version(), norms[k], vector,
                    top(vector, config.topFeatures()));
            context.forward(new Record<>(ComponentMessage.key(config.model(), k), components.serialize(topic, message), now),
                    NmfTopology.FACTORS_SINK);
        }
        Double error = windowNormSq > 0 ? Math.sqrt(windowResidualSq / windowNormSq) : null;
        SummaryMessage summary = new SummaryMessage(config.model(), basis.version(), basis.rank(), basis.dim(),
                model.items(), lost, error, now);
        context.forward(new Record<>(config.model(), summaries.serialize(topic, summary), now), NmfTopology.FACTORS_SINK);
        windowResidualSq = 0;
        windowNormSq = 0;
        lastSnapshotVersion = basis.version();
        lastSnapshotAt = now;
    }

    /** The n largest entries of a component, by weight. */
    static List<TopFeature> top(double[] vector, int n) {
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
            out.add(new TopFeature(best[q], null, vector[best[q]]));
        }
        out.sort((a, b) -> Double.compare(b.weight(), a.weight()));
        return out;
    }

    private void saveState() {
        writeChunks("state", model.toBytes());
    }

    private void saveSamples() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        for (Column c : samples) {
            byte[] one = Internal.sampleRecord(c);
            bytes.writeBytes(ByteBuffer.allocate(4).putInt(one.length).array());
            bytes.writeBytes(one);
        }
        writeChunks("samples", bytes.toByteArray());
    }

    /** Stores bytes as chunks "name/i" under a header "name" holding the count. */
    private void writeChunks(String name, byte[] all) {
        List<byte[]> chunks = Internal.cut(all);
        byte[] old = store.get(name);
        int oldCount = old == null ? 0 : ByteBuffer.wrap(old).getInt();
        for (int i = 0; i < chunks.size(); i++) {
            store.put(name + "/" + i, chunks.get(i));
        }
        for (int i = chunks.size(); i < oldCount; i++) {
            store.delete(name + "/" + i);
        }
        store.put(name, ByteBuffer.allocate(4).putInt(chunks.size()).array());
    }

    private void deleteChunks(String name) {
        byte[] header = store.get(name);
        if (header == null) {
            return;
        }
        int count = ByteBuffer.wrap(header).getInt();
        for (int i = 0; i < count; i++) {
            store.delete(name + "/" + i);
        }
        store.delete(name);
    }

    private byte[] readChunks(String name) {
        byte[] header = store.get(name);
        if (header == null) {
            return null;
        }
        int count = ByteBuffer.wrap(header).getInt();
        List<byte[]> parts = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            byte[] part = store.get(name + "/" + i);
            if (part == null) {
                throw new IllegalStateException("model store: chunk " + name + "/" + i + " of " + count + " is missing");
            }
            parts.add(part);
        }
        return Internal.join(parts);
    }
}
