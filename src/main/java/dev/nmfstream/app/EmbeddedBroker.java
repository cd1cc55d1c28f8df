package dev.nmfstream.app;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.MetadataVersion;

/**
 * A single-node KRaft broker (combined broker and controller) in this JVM, from Kafka's own
 * server jars: no Docker, no separate installation. Listens on 127.0.0.1 on two free ports;
 * keeps its data in a given directory (or a temporary one, deleted on close).
 */
public final class EmbeddedBroker implements AutoCloseable {

    private final KafkaRaftServer server;
    private final Path dataDir;
    private final boolean temporary;
    private final String bootstrap;
    private boolean closed;

    private EmbeddedBroker(KafkaRaftServer server, Path dataDir, boolean temporary, String bootstrap) {
        this.server = server;
        this.dataDir = dataDir;
        this.temporary = temporary;
        this.bootstrap = bootstrap;
    }

    /** A broker on a temporary directory, deleted on close. */
    public static EmbeddedBroker start() {
        try {
            return start(Files.createTempDirectory("nmf-kafka"), true, new Properties());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a temporary directory for the embedded broker", e);
        }
    }

    /**
     * Formats {@code dataDir} (unless it holds a broker already) and starts the broker there; waits
     * until it answers (at most 60 s).
     *
     * @param extra broker properties that override the defaults (e.g. retention)
     * @throws IllegalStateException if it cannot start, with the cause
     */
    public static EmbeddedBroker start(Path dataDir, boolean deleteOnClose, Properties extra) {
        KafkaRaftServer server = null;
        try {
            Files.createDirectories(dataDir);
            Path logDir = dataDir.resolve("kraft-logs");
            int brokerPort = freePort();
            int controllerPort = freePort();
            Properties props = new Properties();
            props.setProperty("process.roles", "broker,controller");
            props.setProperty("node.id", "1");
            props.setProperty("controller.quorum.voters", "1@127.0.0.1:" + controllerPort);
            props.setProperty("listeners", "PLAINTEXT://127.0.0.1:" + brokerPort + ",CONTROLLER://127.0.0.1:" + controllerPort);
            props.setProperty("advertised.listeners", "PLAINTEXT://127.0.0.1:" + brokerPort);
            props.setProperty("controller.listener.names", "CONTROLLER");
            props.setProperty("inter.broker.listener.name", "PLAINTEXT");
            props.setProperty("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
            props.setProperty("log.dirs", logDir.toString());
            // one node: internal topics with one replica, or groups and transactions hang
            props.setProperty("offsets.topic.replication.factor", "1");
            props.setProperty("offsets.topic.num.partitions", "4");
            props.setProperty("transaction.state.log.replication.factor", "1");
            props.setProperty("transaction.state.log.min.isr", "1");
            props.setProperty("transaction.state.log.num.partitions", "4");
            props.setProperty("share.coordinator.state.topic.replication.factor", "1");
            props.setProperty("share.coordinator.state.topic.min.isr", "1");
            props.setProperty("group.initial.rebalance.delay.ms", "0");
            props.setProperty("auto.create.topics.enable", "false");
            props.setProperty("num.partitions", "1");
            props.setProperty("log.segment.bytes", String.valueOf(64 * 1024 * 1024));
            props.setProperty("log.retention.bytes", String.valueOf(1024L * 1024 * 1024));
            props.setProperty("log.retention.hours", "24");
            props.putAll(extra);
            boolean formatted = Files.exists(logDir.resolve("meta.properties"));
            if (!formatted) {
                Formatter formatter = new Formatter()
                        .setPrintStream(new PrintStream(OutputStream.nullOutputStream()))
                        .setClusterId(Uuid.randomUuid().toString())
                        .setNodeId(1)
                        .setReleaseVersion(MetadataVersion.latestProduction())
                        .setControllerListenerName("CONTROLLER")
                        .setMetadataLogDirectory(logDir.toString())
                        .setDirectories(List.of(logDir.toString()));
                formatter.run();
            }
            server = new KafkaRaftServer(KafkaConfig.fromProps(props, false), Time.SYSTEM);
            server.startup();
            String bootstrap = "127.0.0.1:" + brokerPort;
            awaitReady(bootstrap);
            return new EmbeddedBroker(server, dataDir, deleteOnClose, bootstrap);
        } catch (Exception e) {
            if (server != null) {
                try {
                    server.shutdown();
                    server.awaitShutdown();
                } catch (RuntimeException ignored) {
                    // already failing
                }
            }
            if (deleteOnClose) {
                delete(dataDir);
            }
            throw new IllegalStateException("the embedded Kafka broker did not start in " + dataDir + ": " + e, e);
        }
    }

    private static void awaitReady(String bootstrap) throws Exception {
        Properties p = new Properties();
        p.setProperty(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        Exception last = null;
        try (Admin admin = Admin.create(p)) {
            while (System.nanoTime() < deadline) {
                try {
                    admin.describeCluster().nodes().get(5, TimeUnit.SECONDS);
                    return;
                } catch (Exception e) {
                    last = e;
                    Thread.sleep(100);
                }
            }
        }
        throw new IllegalStateException("no answer from " + bootstrap + " within 60 s", last);
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        }
    }

    /** "127.0.0.1:port". */
    public String bootstrapServers() {
        return bootstrap;
    }

    /** Where the broker keeps its data. */
    public Path dataDir() {
        return dataDir;
    }

    /** Stops the broker (and deletes a temporary data directory). Safe to call twice. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        server.shutdown();
        server.awaitShutdown();
        if (temporary) {
            delete(dataDir);
        }
    }

    private static void delete(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // best effort
        }
    }
}
