package dev.nmfstream.service;

import dev.nmfstream.http.DashboardServer;
import dev.nmfstream.http.ModelView;
import dev.nmfstream.http.RecentItems;
import dev.nmfstream.io.DataFiles;
import dev.nmfstream.io.DenseMatrix;
import dev.nmfstream.kafka.KafkaClients;
import dev.nmfstream.kafka.TopicSetup;
import dev.nmfstream.metrics.NmfMetrics;
import dev.nmfstream.nmf.Basis;
import dev.nmfstream.stream.ConfigurationMismatchException;
import dev.nmfstream.stream.NmfStreamConfig;
import dev.nmfstream.stream.NmfTopology;
import dev.nmfstream.stream.StreamMetrics;
import dev.nmfstream.wire.SummaryMessage;
import dev.nmfstream.wire.WireSerdes;
import dev.nmfstream.wire.internal.BasisMessage;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.apache.kafka.streams.processor.StateRestoreListener;
import org.apache.kafka.streams.state.HostInfo;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running service: Kafka Streams with the topology of {@link NmfTopology}, the settings'
 * Kafka properties and these defaults (each overridable): {@code application.id=nmf-stream},
 * {@code processing.guarantee=exactly_once_v2}, internal topics with {@code nmf.replication}
 * replicas, producers allowed records of 2 MiB (the internal records are at most 256 KiB plus a
 * header).
 *
 * <p>It logs (logger {@code dev.nmfstream.service}, info) every state change and every store
 * restore with its record count and duration. A stream thread that dies of an unexpected error
 * is replaced, at most {@value #MAX_REPLACEMENTS} times in ten minutes; after that the instance
 * stops in state ERROR ({@link #awaitFailure}), so that a supervisor restarts it. Settings that
 * do not fit the stored model ({@link ConfigurationMismatchException}) stop it at once.
 *
 * <p>The backlog throttle depends on the number of projector tasks: the input topic's real
 * partition count, read from the cluster once the topics exist ({@code nmf.partitions} is only
 * the count this service creates it with).
 */
public final class NmfService implements AutoCloseable {

    static final int MAX_REPLACEMENTS = 5;

    /**
     * Kafka Streams 4's switch that sends the global store's processing errors to the
     * processing-exception handler; deprecated there because Kafka 5 always does so, hence
     * spelled out here rather than through its deprecated constant.
     */
    static final String GLOBAL_PROCESSING_HANDLER = "processing.exception.handler.global.enabled";
    private static final Logger LOG = LoggerFactory.getLogger("dev.nmfstream.service");

    private final KafkaStreams streams;
    private final CountDownLatch failed = new CountDownLatch(1);
    private final ThreadFailures failures = new ThreadFailures();

    private final int inputPartitions;
    private final NmfStreamConfig config;
    private final String bootstrapServers;
    /** Reads the factors' summaries for {@link #status()}; made at its first call, used by its caller only. */
    private KafkaConsumer<String, byte[]> summaries;
    private SummaryMessage lastSummary;
    /** Whether the summaries' reader went back to the topic's beginning (the tail held no summary). */
    private boolean summariesRewound;
    /** Records per partition and per component (rank + 1 per snapshot) that the first status reads back. */
    static final int SUMMARY_TAIL_PER_COMPONENT = 2;
    /** The longest a status call reads the factors topic. */
    static final Duration SUMMARY_READ_BUDGET = Duration.ofSeconds(2);
    /** The HTTP side, when {@code nmf.http.enabled}: null otherwise. */
    private DashboardServer dashboard;
    private ModelView view;
    private NmfMetrics metrics;

    private NmfService(KafkaStreams streams, int inputPartitions, NmfStreamConfig config, String bootstrapServers) {
        this.inputPartitions = inputPartitions;
        this.config = config;
        this.bootstrapServers = bootstrapServers;
        this.streams = streams;
        long started = System.nanoTime();
        streams.setStateListener((now, before) -> {
            LOG.info("state {} -> {} ({} ms after start)", before, now, (System.nanoTime() - started) / 1_000_000);
            if (now == KafkaStreams.State.ERROR || now == KafkaStreams.State.PENDING_ERROR) {
                failed.countDown();
            }
        });
        streams.setGlobalStateRestoreListener(new RestoreLog());
        streams.setUncaughtExceptionHandler(failures);
    }

    /**
     * What to do when a stream thread dies. A {@link ConfigurationMismatchException} (the
     * settings do not fit the stored model) stops this instance at once with its message: no
     * retry can mend it. {@code SHUTDOWN_CLIENT} rather than {@code SHUTDOWN_APPLICATION}: the
     * other instances may be right and this one misconfigured. Any other fault may be transient:
     * the thread is replaced, at most {@value #MAX_REPLACEMENTS} times in ten minutes, and then
     * the instance stops.
     */
    static final class ThreadFailures implements StreamsUncaughtExceptionHandler {
        private final ArrayDeque<Long> replacements = new ArrayDeque<>();
        private volatile ConfigurationMismatchException stoppedFor;

        @Override
        public StreamThreadExceptionResponse handle(Throwable e) {
            ConfigurationMismatchException mismatch = mismatch(e);
            if (mismatch != null) {
                stoppedFor = mismatch;
                LOG.error("stopping: {}", mismatch.getMessage());
                return StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
            }
            synchronized (replacements) {
                long now = System.nanoTime();
                while (!replacements.isEmpty() && now - replacements.peekFirst() > Duration.ofMinutes(10).toNanos()) {
                    replacements.pollFirst();
                }
                if (replacements.size() < MAX_REPLACEMENTS) {
                    replacements.addLast(now);
                    LOG.error("a stream thread died; replacing it ({} of {} in ten minutes)", replacements.size(),
                            MAX_REPLACEMENTS, e);
                    return StreamThreadExceptionResponse.REPLACE_THREAD;
                }
            }
            LOG.error("a stream thread died again; stopping this instance", e);
            return StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
        }

        /** The configuration mismatch among the causes of a failure, or null. */
        private static ConfigurationMismatchException mismatch(Throwable e) {
            for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
                if (t instanceof ConfigurationMismatchException m) {
                    return m;
                }
            }
            return null;
        }
    }

    /** Logs each store restore: its records and how long it took. */
    private static final class RestoreLog implements StateRestoreListener {
        private final Map<String, Long> started = new ConcurrentHashMap<>();

        @Override
        public void onRestoreStart(TopicPartition partition, String store, long startingOffset,
                long endingOffset) {
            started.put(store + partition, System.nanoTime());
        }

        @Override
        public void onBatchRestored(TopicPartition partition, String store, long batchEndOffset,
                long numRestored) {}

        @Override
        public void onRestoreEnd(TopicPartition partition, String store, long totalRestored) {
            Long t0 = started.remove(store + partition);
            long ms = t0 == null ? -1 : (System.nanoTime() - t0) / 1_000_000;
            LOG.info("restored store {} from {}: {} records in {} ms", store, partition, totalRestored, ms);
        }
    }

    /**
     * Waits until the instance has failed for good (state ERROR) or the timeout passes.
     *
     * @return true if it failed
     */
    public boolean awaitFailure(long timeout, TimeUnit unit) throws InterruptedException {
        return failed.await(timeout, unit);
    }

    /** The restore consumer's fetch.max.wait.ms unless the configuration gives one (see {@link #streamsProperties}). */
    static final int RESTORE_FETCH_MAX_WAIT_MS = 50;

    /** The Kafka Streams properties for a configuration and a cluster. */
    public static Properties streamsProperties(NmfStreamConfig config, String bootstrapServers) {
        Properties p = new Properties();
        p.setProperty(StreamsConfig.APPLICATION_ID_CONFIG, "nmf-stream");
        p.setProperty(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        p.setProperty(StreamsConfig.REPLICATION_FACTOR_CONFIG, String.valueOf(config.replication()));
        // the largest record: a factor snapshot's component (its m values as JSON); its buffer too
        p.setProperty(StreamsConfig.producerPrefix("max.request.size"), String.valueOf(config.recordBytes()));
        p.setProperty(StreamsConfig.producerPrefix("buffer.memory"),
                String.valueOf(Math.max(32L << 20, 4L * config.recordBytes())));
        p.setProperty(StreamsConfig.producerPrefix("linger.ms"), "5");
        // A task is ready only when its restore consumer has found the end of every changelog
        // partition; a fetch at that end waits fetch.max.wait.ms (500 ms by default) for data that
        // does not come, and the next tasks' partitions wait behind it. With five tasks of empty
        // changelogs that took 0.85-1.6 s from assignment to RUNNING, 0.49-0.67 s with 50 ms
        // (BENCHMARKS.md, "twentieth session").
        p.setProperty(StreamsConfig.restoreConsumerPrefix(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG),
                String.valueOf(RESTORE_FETCH_MAX_WAIT_MS));
        // The global store's processing errors go to the same handler as the tasks' (Kafka 5's
        // default; Kafka 4 warns at every start while it is off). The partition assignor reads
        // its Streams settings back from the main consumer's configuration, which carries only
        // what is given to it, so the main consumer is given the key too.
        p.setProperty(GLOBAL_PROCESSING_HANDLER, "true");
        p.setProperty(StreamsConfig.mainConsumerPrefix(GLOBAL_PROCESSING_HANDLER), "true");
        p.putAll(config.kafka());
        p.setProperty(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        return p;
    }

    /** The first basis from {@code nmf.basis.file} (an m × r .npy), or null. */
    public static Basis initialBasis(NmfStreamConfig config) throws Exception {
        if (config.basisFile() == null || config.basisFile().isEmpty()) {
            return null;
        }
        var data = DataFiles.read(Path.of(config.basisFile()));
        if (!(data instanceof DenseMatrix dense) || dense.rows() != config.dimension() || dense.columns() != config.rank()) {
            throw new IllegalArgumentException("nmf.basis.file " + config.basisFile() + ": " + data.rows() + " × "
                    + data.columns() + ", expected a dense " + config.dimension() + " × " + config.rank() + " .npy");
        }
        data.validate();
        double[] rowMajor = new double[dense.rows() * dense.columns()];
        for (int i = 0; i < dense.rows(); i++) {
            for (int k = 0; k < dense.columns(); k++) {
                rowMajor[i * dense.columns() + k] = dense.get(i, k);
            }
        }
        return new Basis(dense.rows(), dense.columns(), rowMajor, 0);
    }

    /**
     * Creates the missing topics and starts the service.
     *
     * @param freeHttpPortIfTaken when {@code nmf.http.port} is in use, listen on a free port instead of failing
     * @throws IllegalStateException naming the address if the cluster does not answer within
     *     {@code nmf.connect.timeout.ms}, or if the HTTP port is taken
     */
    public static NmfService start(NmfStreamConfig config, String bootstrapServers, boolean freeHttpPortIfTaken)
            throws Exception {
        KafkaClients.requireReachable(bootstrapServers, config.kafka(), Duration.ofMillis(config.connectTimeoutMs()));
        int inputPartitions = TopicSetup.ensure(bootstrapServers, config, config.kafka())
                .partitionsOf(config.topics().columns());
        checkStoredModel(config, bootstrapServers);
        if (inputPartitions != config.partitions()) {
            LOG.info("input topic {} has {} partitions (nmf.partitions = {} applies only when this service creates it)",
                    config.topics().columns(), inputPartitions, config.partitions());
        }
        if (!config.httpEnabled()) {
            KafkaStreams streams = new KafkaStreams(NmfTopology.build(config, initialBasis(config), inputPartitions),
                    streamsProperties(config, bootstrapServers));
            NmfService service = new NmfService(streams, inputPartitions, config, bootstrapServers);
            streams.start();
            return service;
        }
        // the HTTP server first: its port is this instance's application.server, which the streams need
        DashboardServer dashboard = DashboardServer.start(config, config.httpHost(), config.httpPort(),
                freeHttpPortIfTaken);
        try {
            Properties props = streamsProperties(config, bootstrapServers);
            String advertised = props.getProperty(StreamsConfig.APPLICATION_SERVER_CONFIG);
            if (advertised == null || advertised.isBlank()) {
                advertised = advertisedHost(config.httpHost()) + ":" + dashboard.port();
                props.setProperty(StreamsConfig.APPLICATION_SERVER_CONFIG, advertised);
            }
            NmfMetrics metrics = new NmfMetrics(advertised);
            RecentItems items = new RecentItems(config.rank());
            KafkaStreams streams = new KafkaStreams(NmfTopology.build(config, initialBasis(config), inputPartitions,
                    StreamMetrics.of(metrics, items)), props);
            metrics.bind(streams);
            NmfService service = new NmfService(streams, inputPartitions, config, bootstrapServers);
            service.metrics = metrics;
            service.dashboard = dashboard;
            service.view = new ModelView(config, bootstrapServers, metrics);
            dashboard.attach(streams, service.view, HostInfo.buildFromEndpoint(advertised), metrics, items);
            streams.start();
            return service;
        } catch (RuntimeException e) {
            dashboard.close();
            throw e;
        }
    }

    /**
     * Creates the missing topics and starts the service, its HTTP server on {@code nmf.http.host}
     * and {@code nmf.http.port} unless {@code nmf.http.enabled=false}.
     *
     * @throws IllegalStateException naming the address if the cluster does not answer within
     *     {@code nmf.connect.timeout.ms}, or if the HTTP port is taken
     */
    public static NmfService start(NmfStreamConfig config, String bootstrapServers) throws Exception {
        return start(config, bootstrapServers, false);
    }

    /** The host other instances reach this one at: the HTTP host, or this machine's name when it listens on all. */
    static String advertisedHost(String httpHost) {
        if (httpHost.equals("0.0.0.0") || httpHost.equals("::") || httpHost.isEmpty()) {
            try {
                return InetAddress.getLocalHost().getHostName();
            } catch (UnknownHostException e) {
                return "localhost";
            }
        }
        return httpHost.contains(":") && !httpHost.startsWith("[") ? "[" + httpHost + "]" : httpHost;
    }

    /** The page's address ({@code http://host:port/}), when the instance serves HTTP. */
    public Optional<String> httpAddress() {
        return Optional.ofNullable(dashboard).map(DashboardServer::url);
    }

    /** The instance's metrics, when it serves HTTP. */
    public Optional<NmfMetrics> metrics() {
        return Optional.ofNullable(metrics);
    }

    /**
     * What this instance has done since it started, for an operator's status line.
     *
     * @param itemsIn input records its tasks have read
     * @param weightsOut weights records its tasks have sent (under exactly-once, sends of
     *     aborted transactions included)
     * @param deadLetters dead letters its tasks have sent
     * @param basisVersion the newest basis version in its global store; −1 before the first
     * @param runningError the running error of the newest factors summary; NaN before the first
     * @param itemsSeen items the model has learned from (the newest summary); −1 before the first
     * @param lag input records not yet read by its tasks, summed over their partitions
     */
    public record Status(long itemsIn, long weightsOut, long deadLetters, long basisVersion, double runningError,
            long itemsSeen, long lag) {}

    /**
     * This instance's figures now, from Kafka Streams' client metrics (records consumed from the
     * input topic, sent to the weights and dead-letter topics, the consumers' lag), the global
     * basis store and the newest summary on the factors topic (read by a consumer of its own,
     * without a group). Cheap enough to call every few seconds; call it from one thread.
     */
    public synchronized Status status() {
        String columns = metricTopic(config.topics().columns());
        String weights = metricTopic(config.topics().weights());
        String deadLetters = metricTopic(config.topics().deadLetters());
        double in = 0;
        double out = 0;
        double dead = 0;
        double lag = 0;
        for (Map.Entry<MetricName, ? extends Metric> e : streams.metrics().entrySet()) {
            MetricName name = e.getKey();
            String topic = name.tags().get("topic");
            if (topic == null) {
                continue;
            }
            topic = metricTopic(topic);
            boolean partitionLevel = name.tags().containsKey("partition");
            if (name.group().equals("consumer-fetch-manager-metrics") && topic.equals(columns)) {
                if (name.name().equals("records-consumed-total") && !partitionLevel) {
                    in += value(e.getValue());
                } else if (name.name().equals("records-lag") && partitionLevel) {
                    lag += value(e.getValue());
                }
            } else if (name.group().equals("producer-topic-metrics") && name.name().equals("record-send-total")) {
                if (topic.equals(weights)) {
                    out += value(e.getValue());
                } else if (topic.equals(deadLetters)) {
                    dead += value(e.getValue());
                }
            }
        }
        readSummaries();
        return new Status((long) in, (long) out, (long) dead, basisVersion(),
                lastSummary == null || lastSummary.runningError() == null ? Double.NaN : lastSummary.runningError(),
                lastSummary == null ? -1 : lastSummary.itemsSeen(), (long) lag);
    }

    /** Kafka's consumer metrics write a topic's dots as underscores: compare in that form. */
    private static String metricTopic(String topic) {
        return topic.replace('.', '_');
    }

    /** A metric's value, 0 when it is not a finite number (a lag not known yet is NaN). */
    private static double value(Metric metric) {
        Object v = metric.metricValue();
        return v instanceof Number n && Double.isFinite(n.doubleValue()) && n.doubleValue() > 0 ? n.doubleValue() : 0;
    }

    /** The newest basis version in the global store, or −1 (none yet, or the store is not queryable now). */
    private long basisVersion() {
        try {
            ReadOnlyKeyValueStore<String, byte[]> store = streams.store(StoreQueryParameters.fromNameAndType(
                    NmfTopology.BASIS_STORE, QueryableStoreTypes.<String, byte[]>keyValueStore()));
            return BasisMessage.version(store::get, config.model());
        } catch (InvalidStateStoreException e) {
            return -1;
        }
    }

    /**
     * Keeps the newest summary of this model on the factors topic. The first call starts each
     * partition {@value #SUMMARY_TAIL_PER_COMPONENT} × (rank + 1) records before its end (a snapshot
     * writes rank + 1 records, its summary last), not at its beginning: at m = 2^15 a snapshot is
     * megabytes, and a topic of many snapshots took minutes to read a fetch per call. Every call
     * reads up to the topic's end as it was when the call began, for at most
     * {@link #SUMMARY_READ_BUDGET}; if the tail held no summary (other models' records), the next
     * calls read the topic from its beginning.
     */
    private void readSummaries() {
        try {
            if (summaries == null) {
                summaries = readerOf(config, bootstrapServers, "nmf-status-" + config.model());
                List<TopicPartition> partitions = summaries.partitionsFor(config.topics().factors()).stream()
                        .map(info -> new TopicPartition(info.topic(), info.partition())).toList();
                summaries.assign(partitions);
                Map<TopicPartition, Long> begin = summaries.beginningOffsets(partitions, SUMMARY_READ_BUDGET);
                Map<TopicPartition, Long> end = summaries.endOffsets(partitions, SUMMARY_READ_BUDGET);
                long tail = (long) SUMMARY_TAIL_PER_COMPONENT * (config.rank() + 1);
                for (TopicPartition tp : partitions) {
                    summaries.seek(tp, Math.max(begin.get(tp), end.get(tp) - tail));
                }
            }
            Map<TopicPartition, Long> end = summaries.endOffsets(summaries.assignment(), SUMMARY_READ_BUDGET);
            long deadline = System.nanoTime() + SUMMARY_READ_BUDGET.toNanos();
            boolean atEnd = reached(end);
            while (!atEnd && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, byte[]> record : summaries.poll(Duration.ofMillis(100))) {
                    if (config.model().equals(record.key()) && record.value() != null) {
                        SummaryMessage summary = WireSerdes.summary().deserializer().deserialize(record.topic(),
                                record.value());
                        if (lastSummary == null || summary.version() >= lastSummary.version()) {
                            lastSummary = summary;
                        }
                    }
                }
                atEnd = reached(end);
            }
            if (atEnd && lastSummary == null && !summariesRewound) {
                summaries.seekToBeginning(summaries.assignment());
                summariesRewound = true;
            }
        } catch (KafkaException e) {
            LOG.debug("factors summary not read now: {}", e.toString()); // the status keeps what it had
        }
    }

    /** True if the summaries' reader is at or past {@code end} on every partition. */
    private boolean reached(Map<TopicPartition, Long> end) {
        for (Map.Entry<TopicPartition, Long> e : end.entrySet()) {
            if (summaries.position(e.getKey()) < e.getValue()) {
                return false;
            }
        }
        return true;
    }

    /**
     * A consumer of committed records that joins no group (it is assigned partitions), with the
     * service's client settings (security and the like).
     */
    private static KafkaConsumer<String, byte[]> readerOf(NmfStreamConfig config, String bootstrapServers,
            String clientId) {
        Properties p = new Properties();
        p.putAll(config.kafka());
        p.remove(ConsumerConfig.GROUP_ID_CONFIG);
        p.remove(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG);
        p.setProperty(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.setProperty(ConsumerConfig.CLIENT_ID_CONFIG, clientId);
        p.setProperty(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.setProperty(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        return new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer());
    }

    /** Records read back from the end of the basis topic to find the newest basis version. */
    static final int BASIS_TAIL = 1_000;

    /**
     * Stops the start with one message when the basis topic holds a model of another dimension or
     * rank than configured: the newest chunk 0 of this model among the topic's last records
     * (every version writes its chunks in order, so the newest chunk 0 is among them).
     *
     * @throws ConfigurationMismatchException naming the keys, both values and what to do
     */
    static void checkStoredModel(NmfStreamConfig config, String bootstrapServers) {
        Duration timeout = Duration.ofMillis(config.connectTimeoutMs());
        String key = BasisMessage.key(config.model(), 0);
        try (KafkaConsumer<String, byte[]> consumer = readerOf(config, bootstrapServers,
                "nmf-check-" + config.model())) {
            List<TopicPartition> partitions = consumer.partitionsFor(config.topics().basis(), timeout).stream()
                    .map(info -> new TopicPartition(info.topic(), info.partition())).toList();
            consumer.assign(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions, timeout);
            Map<TopicPartition, Long> begin = consumer.beginningOffsets(partitions, timeout);
            for (TopicPartition tp : partitions) {
                consumer.seek(tp, Math.max(begin.get(tp), end.get(tp) - BASIS_TAIL));
            }
            byte[] newest = null;
            long deadline = System.nanoTime() + timeout.toNanos();
            while (System.nanoTime() < deadline && partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(100))) {
                    if (key.equals(r.key()) && r.value() != null) {
                        newest = r.value();
                    }
                }
            }
            if (newest != null) {
                NmfTopology.checkStoredBasis(config, newest);
            }
        }
    }

    /** The input topic's partition count, read from the cluster at start: what the throttle divides by. */
    public int inputPartitions() {
        return inputPartitions;
    }

    /** The configuration mismatch this instance stopped for, if that is why it stopped. */
    public Optional<ConfigurationMismatchException> mismatch() {
        return Optional.ofNullable(failures.stoppedFor);
    }

    /** The Kafka Streams state. */
    public KafkaStreams.State state() {
        return streams.state();
    }

    /**
     * Stops the service and leaves the consumer group, so that an instance started again (or the
     * remaining ones) gets the partitions at once instead of after the session timeout.
     */
    @Override
    public void close() {
        if (dashboard != null) {
            dashboard.close();
        }
        if (view != null) {
            try {
                view.close();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        synchronized (this) {
            if (summaries != null) {
                summaries.close(); // no group to leave, no offsets to commit: quick
                summaries = null;
            }
        }
        boolean closed = streams.close(CloseOptions.timeout(Duration.ofSeconds(30))
                .withGroupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP));
        if (metrics != null) {
            metrics.close();
        }
        if (closed) {
            LOG.info("closed: committed, left the group");
        } else {
            LOG.warn("did not close within 30 s (state {}); the others take its partitions after the session timeout",
                    streams.state());
        }
    }
}
