package dev.nmfstream.service;

import dev.nmfstream.io.DataFiles;
import dev.nmfstream.io.DenseMatrix;
import dev.nmfstream.kafka.KafkaClients;
import dev.nmfstream.kafka.TopicSetup;
import dev.nmfstream.nmf.Basis;
import dev.nmfstream.stream.ConfigurationMismatchException;
import dev.nmfstream.stream.NmfStreamConfig;
import dev.nmfstream.stream.NmfTopology;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.apache.kafka.streams.processor.StateRestoreListener;
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
    private static final Logger LOG = LoggerFactory.getLogger("dev.nmfstream.service");

    private final KafkaStreams streams;
    private final CountDownLatch failed = new CountDownLatch(1);
    private final ThreadFailures failures = new ThreadFailures();

    private final int inputPartitions;

    private NmfService(KafkaStreams streams, int inputPartitions) {
        this.inputPartitions = inputPartitions;
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

    /** The Kafka Streams properties for a configuration and a cluster. */
    public static Properties streamsProperties(NmfStreamConfig config, String bootstrapServers) {
        Properties p = new Properties();
        p.setProperty(StreamsConfig.APPLICATION_ID_CONFIG, "nmf-stream");
        p.setProperty(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        p.setProperty(StreamsConfig.REPLICATION_FACTOR_CONFIG, String.valueOf(config.replication()));
        p.setProperty(StreamsConfig.producerPrefix("max.request.size"), String.valueOf(2 * 1024 * 1024));
        p.setProperty(StreamsConfig.producerPrefix("linger.ms"), "5");
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
     * @throws IllegalStateException naming the address if the cluster does not answer within
     *     {@code nmf.connect.timeout.ms}
     */
    public static NmfService start(NmfStreamConfig config, String bootstrapServers) throws Exception {
        KafkaClients.requireReachable(bootstrapServers, config.kafka(), Duration.ofMillis(config.connectTimeoutMs()));
        int inputPartitions = TopicSetup.ensure(bootstrapServers, config, config.kafka())
                .partitionsOf(config.topics().columns());
        if (inputPartitions != config.partitions()) {
            LOG.info("input topic {} has {} partitions (nmf.partitions = {} applies only when this service creates it)",
                    config.topics().columns(), inputPartitions, config.partitions());
        }
        KafkaStreams streams = new KafkaStreams(NmfTopology.build(config, initialBasis(config), inputPartitions),
                streamsProperties(config, bootstrapServers));
        NmfService service = new NmfService(streams, inputPartitions);
        streams.start();
        return service;
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
        boolean closed = streams.close(CloseOptions.timeout(Duration.ofSeconds(30))
                .withGroupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP));
        if (closed) {
            LOG.info("closed: committed, left the group");
        } else {
            LOG.warn("did not close within 30 s (state {}); the others take its partitions after the session timeout",
                    streams.state());
        }
    }
}
