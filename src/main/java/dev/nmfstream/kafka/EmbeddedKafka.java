package dev.nmfstream.kafka;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.channels.FileChannel;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.internals.Topic;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.properties.MetaProperties;
import org.apache.kafka.metadata.properties.MetaPropertiesEnsemble;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.MetadataVersion;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A single-node KRaft Kafka cluster in this JVM: one {@link KafkaRaftServer} with the combined
 * roles {@code broker,controller}, node id 1, built from Kafka's own server jars (no Docker, no
 * separate installation).
 *
 * <p>{@link #start(Path)} formats the storage in-process (a random cluster id, the latest
 * production {@link MetadataVersion}) unless the directory holds a node already, in which case
 * the broker restarts on its data. It listens on two ports of 127.0.0.1: the broker's (a free
 * one, or the one asked for when it is free) and the controller's (a free one) and returns once an {@link Admin} {@code describeCluster} succeeds. Several
 * instances may run side by side in one JVM, each with its own ports and directory; a directory
 * in use by another broker (of this JVM or another) is refused before anything touches it.
 *
 * <p>The defaults suit one node: internal topics (offsets, transactions, share-group state) with
 * one replica, no rebalance delay, no automatic topic creation, and a bounded disk footprint
 * (1 GiB per partition in 64 MiB segments). Any broker property except the ones that define the
 * node and its listeners can be overridden with {@link #start(Path, Properties)}.
 *
 * <p>{@link #startWithSasl} makes the client listener demand SASL/PLAIN from a given set of users
 * (the service's security tests); {@link #clientSecurity()} gives the settings of the broker's
 * own user.
 *
 * <p>The broker logs through SLF4J; {@code simplelogger.properties} keeps it at warn. As in
 * {@code kafka-server-start}, a fatal metadata fault halts the JVM (Kafka's
 * {@code ProcessTerminatingFaultHandler}).
 */
public final class EmbeddedKafka implements AutoCloseable {

    /** How long {@link #start} waits for the broker to answer, and {@link #createTopics} for a topic. */
    public static final Duration READY_TIMEOUT = Duration.ofSeconds(30);

    /** The node id of the single node. */
    public static final int NODE_ID = 1;

    /** The subdirectory of the data directory that holds the logs and the metadata log. */
    static final String LOG_DIR_NAME = "kraft-logs";

    /** The file of the data directory locked while a broker uses it (in this JVM or another). */
    static final String LOCK_FILE_NAME = ".embedded-kafka.lock";

    /**
     * The broker port {@code run} and {@code demo} ask for by default (Kafka's usual port), so
     * that addresses in configs and commands stay the same across restarts.
     */
    public static final int DEFAULT_PORT = 9092;

    /**
     * The transaction protocol the node is formatted with: version 1 (KIP-98's, with explicit
     * AddPartitionsToTxn). Under version 2 (KIP-890, the default of a new cluster) the producer
     * adds partitions implicitly with its first produce request and bumps its epoch at every
     * commit, so the first batches of a transaction routinely come back as retriable
     * CONCURRENT_TRANSACTIONS (while the previous commit's markers are written) and
     * OUT_OF_ORDER_SEQUENCE_NUMBER (a later batch of the new epoch arrived before its first),
     * each logged as an ERROR by the broker and a WARN by the producer although nothing is wrong.
     * Version 1 gives the same exactly-once guarantees on one node without that noise: the
     * coordinator's CONCURRENT_TRANSACTIONS answers AddPartitionsToTxn, which the producer
     * retries quietly, before any batch is sent. A node formatted before keeps its version.
     */
    static final String TRANSACTION_VERSION_FEATURE = "transaction.version";
    static final short TRANSACTION_VERSION = 1;

    private static final String BROKER_LISTENER = "PLAINTEXT";
    private static final String CONTROLLER_LISTENER = "CONTROLLER";
    private static final String HOST = "127.0.0.1";
    private static final int START_ATTEMPTS = 3;
    private static final Duration ADMIN_CLOSE_TIMEOUT = Duration.ofSeconds(2);
    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedKafka.class);

    /** Properties that define the node and its listeners: set here, never by an override. */
    static final Set<String> RESERVED = Set.of(
            "process.roles", "node.id", "broker.id", "listeners", "advertised.listeners",
            "controller.listener.names", "inter.broker.listener.name", "listener.security.protocol.map",
            "controller.quorum.voters", "controller.quorum.bootstrap.servers",
            "log.dir", "log.dirs", "metadata.log.dir");

    /**
     * A topic to create: its name, its number of partitions (one replica each) and whether it is
     * compacted ({@code cleanup.policy=compact}) rather than deleted by retention.
     *
     * @param name a legal Kafka topic name (letters, digits, '.', '_', '-'; at most 249 characters)
     * @param partitions at least 1
     * @param compacted {@code true} for a compacted topic (latest value per key kept)
     */
    public record TopicSpec(String name, int partitions, boolean compacted) {

        /** @throws IllegalArgumentException if the name is not a legal topic name or partitions &lt; 1 */
        public TopicSpec {
            if (name == null) {
                throw new IllegalArgumentException("topic name is null; expected a legal Kafka topic name");
            }
            try {
                Topic.validate(name);
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("topic name '" + name + "' is not legal: " + e.getMessage(), e);
            }
            if (partitions < 1) {
                throw new IllegalArgumentException("partitions of topic '" + name + "' is " + partitions
                        + "; expected at least 1");
            }
        }

        /** A topic deleted by retention (the broker's {@code log.retention.*}). */
        public static TopicSpec deleted(String name, int partitions) {
            return new TopicSpec(name, partitions, false);
        }

        /** A compacted topic. */
        public static TopicSpec compacted(String name, int partitions) {
            return new TopicSpec(name, partitions, true);
        }

        NewTopic toNewTopic() {
            NewTopic topic = new NewTopic(name, partitions, (short) 1);
            if (compacted) {
                topic.configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT));
            }
            return topic;
        }
    }

    private final KafkaRaftServer server;
    private final Admin admin;
    private final Path dataDir;
    private final boolean temporary;
    private final String bootstrapServers;
    private final String clusterId;
    private final FileChannel lock;
    private final SaslUsers sasl;
    private volatile boolean closed;

    private EmbeddedKafka(KafkaRaftServer server, Admin admin, Path dataDir, boolean temporary,
            String bootstrapServers, String clusterId, FileChannel lock, SaslUsers sasl) {
        this.lock = lock;
        this.sasl = sasl;
        this.server = server;
        this.admin = admin;
        this.dataDir = dataDir;
        this.temporary = temporary;
        this.bootstrapServers = bootstrapServers;
        this.clusterId = clusterId;
    }

    /**
     * The users of a broker whose client listener demands SASL/PLAIN over plaintext
     * ({@code SASL_PLAINTEXT}): each user's name and password. The broker itself and this class's
     * admin client authenticate as an extra user of their own with a random password.
     *
     * @param passwords user name to password; names and passwords without '"' or '\\'
     * @param brokerPassword the password of the broker's own user
     */
    public record SaslUsers(Map<String, String> passwords, String brokerPassword) {

        /** The broker's own user (the listener's inter-broker identity). */
        static final String BROKER_USER = "embedded-broker";

        /** @throws IllegalArgumentException if a name or password is empty or holds '"' or '\\' */
        public SaslUsers {
            passwords = Map.copyOf(passwords);
            if (passwords.containsKey(BROKER_USER)) {
                throw new IllegalArgumentException("SASL user '" + BROKER_USER + "' is the broker's own; expected other names");
            }
            for (Map.Entry<String, String> e : passwords.entrySet()) {
                for (String s : List.of(e.getKey(), e.getValue())) {
                    if (s.isEmpty() || s.indexOf('"') >= 0 || s.indexOf('\\') >= 0) {
                        throw new IllegalArgumentException("SASL user '" + e.getKey() + "': a name or password is "
                                + "empty or holds '\"' or '\\'; expected plain text for the JAAS configuration");
                    }
                }
            }
        }

        /** The users, the broker's own with a random password. */
        public SaslUsers(Map<String, String> passwords) {
            this(passwords, Uuid.randomUuid().toString());
        }

        /** The user names only: no password in logs. */
        @Override
        public String toString() {
            return "SaslUsers" + new TreeSet<>(passwords.keySet());
        }

        /**
         * The settings of a client that logs in as {@code user}: {@code security.protocol},
         * {@code sasl.mechanism} and {@code sasl.jaas.config}, the ordinary Kafka client keys.
         */
        public static Properties clientProperties(String user, String password) {
            Properties p = new Properties();
            p.setProperty("security.protocol", "SASL_PLAINTEXT");
            p.setProperty("sasl.mechanism", "PLAIN");
            p.setProperty("sasl.jaas.config", "org.apache.kafka.common.security.plain.PlainLoginModule required "
                    + "username=\"" + user + "\" password=\"" + password + "\";");
            return p;
        }
    }

    /**
     * Starts a broker on a fresh temporary directory, deleted on {@link #close()}.
     *
     * @throws IllegalStateException if the broker does not start (with the cause)
     */
    public static EmbeddedKafka start() {
        Path dir;
        try {
            dir = Files.createTempDirectory("embedded-kafka-");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a temporary directory for the embedded Kafka broker", e);
        }
        return start(dir, new Properties(), true);
    }

    /**
     * Starts a broker that keeps its data in {@code dataDir} (created if needed, kept on close).
     *
     * @throws IllegalStateException if the broker does not start (with the cause)
     */
    public static EmbeddedKafka start(Path dataDir) {
        return start(dataDir, new Properties());
    }

    /**
     * Starts a broker that keeps its data in {@code dataDir} (created if needed, kept on close),
     * with broker properties that override the defaults, e.g. {@code log.retention.bytes}.
     *
     * @param dataDir where the broker keeps its data; a directory that holds node 1 of a cluster
     *     already is restarted on its data, anything else is formatted
     * @param overrides broker properties (not modified); must not set the node's identity,
     *     listeners or directories ({@code node.id}, {@code listeners}, {@code log.dirs}, ...)
     * @throws IllegalArgumentException if an override sets a reserved property
     * @throws IllegalStateException if the broker does not start (with the cause); directories
     *     this call created are removed again
     */
    public static EmbeddedKafka start(Path dataDir, Properties overrides) {
        return start(dataDir, overrides, 0);
    }

    /**
     * As {@link #start(Path, Properties)}, listening on {@code preferredPort} of 127.0.0.1 when
     * it is free and on a free port otherwise ({@link #port()} tells which it got).
     *
     * @param preferredPort the broker port to ask for, 1–65535; 0 for any free port
     * @throws IllegalArgumentException if an override sets a reserved property or the port is
     *     out of range
     * @throws IllegalStateException if the broker does not start (with the cause)
     */
    public static EmbeddedKafka start(Path dataDir, Properties overrides, int preferredPort) {
        checkOverrides(overrides, preferredPort);
        return start(dataDir, overrides, false, preferredPort, false, null);
    }

    private static void checkOverrides(Properties overrides, int preferredPort) {
        for (String key : overrides.stringPropertyNames()) {
            if (RESERVED.contains(key)) {
                throw new IllegalArgumentException("broker property '" + key + "' is set by EmbeddedKafka; "
                        + "expected overrides of other properties only (reserved: " + RESERVED + ")");
            }
        }
        if (preferredPort < 0 || preferredPort > 65535) {
            throw new IllegalArgumentException("broker port " + preferredPort + " is out of range; expected 1 to 65535, "
                    + "or 0 for any free port");
        }
    }

    /**
     * As {@link #start(Path, Properties)}, with a client listener that demands SASL/PLAIN
     * ({@code SASL_PLAINTEXT}) from {@code users}: a client connects with
     * {@link SaslUsers#clientProperties}, and one with a wrong password is refused at once
     * ({@code SaslAuthenticationException}). The controller listener stays plaintext.
     */
    public static EmbeddedKafka startWithSasl(Path dataDir, Properties overrides, SaslUsers users) {
        checkOverrides(overrides, 0);
        return start(dataDir, overrides, false, 0, false, users);
    }

    /**
     * The client settings this broker demands beyond {@code bootstrap.servers}: empty for a
     * plaintext broker, those of its own admin user for a SASL one ({@link #startWithSasl}).
     */
    public Properties clientSecurity() {
        return sasl == null ? new Properties() : SaslUsers.clientProperties(SaslUsers.BROKER_USER, sasl.brokerPassword());
    }

    /**
     * Starts a broker on its data again at the address it had, so that clients that were
     * connected to it find it again (the broker-outage tests): as {@link #start(Path, Properties)}
     * with the broker port of {@code before}, which must be closed.
     *
     * @throws IllegalStateException if the port is taken or the broker does not start
     */
    public static EmbeddedKafka restart(EmbeddedKafka before, Properties overrides) {
        String address = before.bootstrapServers();
        int port = Integer.parseInt(address.substring(address.lastIndexOf(':') + 1));
        return start(before.dataDir(), overrides, false, port, true, before.sasl);
    }

    private static EmbeddedKafka start(Path dataDir, Properties overrides, boolean temporary) {
        return start(dataDir, overrides, temporary, 0, false, null);
    }

    /**
     * @param port the broker port to listen on, or 0 for any free one
     * @param exact whether only {@code port} will do (a restart at the same address), or a free
     *     port may be taken instead when it is in use
     */
    private static EmbeddedKafka start(Path dataDir, Properties overrides, boolean temporary, int port,
            boolean exact, SaslUsers sasl) {
        Path logDir = dataDir.resolve(LOG_DIR_NAME);
        boolean createdDataDir = !Files.exists(dataDir);
        boolean createdLogDir = false;
        FileChannel lock = null;
        try {
            Files.createDirectories(dataDir);
            // Kafka locks the log directory only once the controller has opened the metadata log in it.
            lock = lock(dataDir);
            Optional<String> existingCluster = existingClusterId(logDir);
            String clusterId;
            if (existingCluster.isPresent()) {
                clusterId = existingCluster.get();
            } else {
                clusterId = Uuid.randomUuid().toString();
                createdLogDir = !Files.exists(logDir);
                format(logDir, clusterId);
            }
            return startServer(dataDir, logDir, overrides, temporary, clusterId, lock, port, exact, sasl);
        } catch (Exception e) {
            closeQuietly(lock);
            if (temporary || createdDataDir) {
                delete(dataDir);
            } else if (createdLogDir) {
                delete(logDir);
            }
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            throw new IllegalStateException("the embedded Kafka broker did not start in " + dataDir + ": " + e, e);
        }
    }

    /** Locks the data directory against a second broker, in this JVM or another. */
    private static FileChannel lock(Path dataDir) throws IOException {
        FileChannel channel = FileChannel.open(dataDir.resolve(LOCK_FILE_NAME),
                StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        try {
            if (channel.tryLock() != null) {
                return channel;
            }
            closeQuietly(channel);
            throw new IllegalStateException(dataDir + " is in use by a broker of another process; "
                    + "expected a data directory of its own");
        } catch (OverlappingFileLockException e) {
            closeQuietly(channel);
            throw new IllegalStateException(dataDir + " is in use by another embedded broker of this JVM; "
                    + "expected a data directory of its own", e);
        }
    }

    private static void closeQuietly(FileChannel channel) {
        if (channel == null) {
            return;
        }
        try {
            channel.close();
        } catch (IOException e) {
            LOG.warn("cannot release the lock of the embedded Kafka broker's data directory: {}", e.toString());
        }
    }

    /** The cluster id of a directory formatted for node 1, or empty if it is not formatted. */
    private static Optional<String> existingClusterId(Path logDir) throws IOException {
        if (!Files.isDirectory(logDir)) {
            return Optional.empty();
        }
        MetaPropertiesEnsemble ensemble = new MetaPropertiesEnsemble.Loader()
                .addLogDirs(List.of(logDir.toString()))
                .load();
        MetaProperties props = ensemble.logDirProps().get(logDir.toString());
        if (props == null) {
            return Optional.empty();
        }
        if (props.nodeId().isEmpty() || props.nodeId().getAsInt() != NODE_ID || props.clusterId().isEmpty()) {
            throw new IllegalStateException(logDir + " holds " + props + "; expected a cluster id and node.id="
                    + NODE_ID + " (or an empty directory)");
        }
        return props.clusterId();
    }

    private static void format(Path logDir, String clusterId) throws Exception {
        new Formatter()
                .setPrintStream(new PrintStream(OutputStream.nullOutputStream()))
                .setClusterId(clusterId)
                .setNodeId(NODE_ID)
                .setReleaseVersion(MetadataVersion.latestProduction())
                .setFeatureLevel(TRANSACTION_VERSION_FEATURE, TRANSACTION_VERSION)
                .setControllerListenerName(CONTROLLER_LISTENER)
                .setMetadataLogDirectory(logDir.toString())
                .setDirectories(List.of(logDir.toString()))
                .run();
    }

    /** Picks ports and starts the server; picks again if another process took a port meanwhile. */
    private static EmbeddedKafka startServer(Path dataDir, Path logDir, Properties overrides, boolean temporary,
            String clusterId, FileChannel lock, int port, boolean exact, SaslUsers sasl) throws Exception {
        for (int attempt = 1; ; attempt++) {
            int brokerPort = port > 0 && (exact || (attempt == 1 && isFree(port))) ? port : freePort();
            int controllerPort = freePort();
            while (controllerPort == brokerPort) {
                controllerPort = freePort();
            }
            Properties props = brokerProperties(logDir, brokerPort, controllerPort);
            if (sasl != null) {
                props.putAll(saslProperties(brokerPort, controllerPort, sasl));
            }
            props.putAll(overrides);
            KafkaConfig config = KafkaConfig.fromProps(props, false);
            String bootstrap = HOST + ":" + brokerPort;
            KafkaRaftServer server = null;
            Admin admin = null;
            try {
                server = new KafkaRaftServer(config, Time.SYSTEM);
                server.startup();
                Properties adminProps = adminProperties(bootstrap);
                if (sasl != null) {
                    adminProps.putAll(SaslUsers.clientProperties(SaslUsers.BROKER_USER, sasl.brokerPassword()));
                }
                admin = Admin.create(adminProps);
                awaitReady(admin, bootstrap, clusterId);
                return new EmbeddedKafka(server, admin, dataDir, temporary, bootstrap, clusterId, lock, sasl);
            } catch (Exception e) {
                if (admin != null) {
                    admin.close(ADMIN_CLOSE_TIMEOUT);
                }
                if (server != null) {
                    stop(server);
                }
                if (attempt < START_ATTEMPTS && hasCause(e, BindException.class) && !exact) {
                    LOG.warn("port {} or {} was taken before the broker bound it; trying other ports",
                            brokerPort, controllerPort);
                    continue;
                }
                throw e;
            }
        }
    }

    /** The broker configuration before overrides. */
    static Properties brokerProperties(Path logDir, int brokerPort, int controllerPort) {
        Properties p = new Properties();
        p.setProperty("process.roles", "broker,controller");
        p.setProperty("node.id", String.valueOf(NODE_ID));
        p.setProperty("controller.quorum.voters", NODE_ID + "@" + HOST + ":" + controllerPort);
        p.setProperty("listeners", BROKER_LISTENER + "://" + HOST + ":" + brokerPort + ","
                + CONTROLLER_LISTENER + "://" + HOST + ":" + controllerPort);
        p.setProperty("advertised.listeners", BROKER_LISTENER + "://" + HOST + ":" + brokerPort);
        p.setProperty("controller.listener.names", CONTROLLER_LISTENER);
        p.setProperty("inter.broker.listener.name", BROKER_LISTENER);
        p.setProperty("listener.security.protocol.map",
                BROKER_LISTENER + ":PLAINTEXT," + CONTROLLER_LISTENER + ":PLAINTEXT");
        p.setProperty("log.dirs", logDir.toString());
        // One node: every internal topic with one replica, or groups and transactions hang.
        p.setProperty("offsets.topic.replication.factor", "1");
        p.setProperty("offsets.topic.num.partitions", "4");
        p.setProperty("transaction.state.log.replication.factor", "1");
        p.setProperty("transaction.state.log.min.isr", "1");
        p.setProperty("transaction.state.log.num.partitions", "4");
        p.setProperty("share.coordinator.state.topic.replication.factor", "1");
        p.setProperty("share.coordinator.state.topic.min.isr", "1");
        p.setProperty("min.insync.replicas", "1");
        p.setProperty("default.replication.factor", "1");
        p.setProperty("num.partitions", "1");
        p.setProperty("group.initial.rebalance.delay.ms", "0");
        p.setProperty("auto.create.topics.enable", "false");
        // Bounded disk: per partition at most 1 GiB plus a segment (retention deletes whole segments).
        p.setProperty("log.retention.bytes", String.valueOf(1L << 30));
        p.setProperty("log.segment.bytes", String.valueOf(64 << 20));
        // The cleaner's dedupe buffer is allocated on the heap at start: 128 MiB by default.
        p.setProperty("log.cleaner.dedupe.buffer.size", String.valueOf(16 << 20));
        // Bounds startup() itself, not only the wait for an answer afterwards.
        p.setProperty("server.max.startup.time.ms", String.valueOf(READY_TIMEOUT.toMillis()));
        return p;
    }

    /**
     * The listener settings of a SASL broker (as Kafka's own SASL tests set them): the client
     * listener SASL_PLAINTEXT with the PLAIN mechanism, its users in the listener's JAAS
     * configuration, the broker itself among them as the inter-broker identity.
     */
    static Properties saslProperties(int brokerPort, int controllerPort, SaslUsers users) {
        String listener = "SASL_PLAINTEXT";
        Properties p = new Properties();
        p.setProperty("listeners", listener + "://" + HOST + ":" + brokerPort + ","
                + CONTROLLER_LISTENER + "://" + HOST + ":" + controllerPort);
        p.setProperty("advertised.listeners", listener + "://" + HOST + ":" + brokerPort);
        p.setProperty("inter.broker.listener.name", listener);
        p.setProperty("listener.security.protocol.map", listener + ":SASL_PLAINTEXT," + CONTROLLER_LISTENER + ":PLAINTEXT");
        p.setProperty("sasl.enabled.mechanisms", "PLAIN");
        p.setProperty("sasl.mechanism.inter.broker.protocol", "PLAIN");
        StringBuilder jaas = new StringBuilder("org.apache.kafka.common.security.plain.PlainLoginModule required")
                .append(" username=\"").append(SaslUsers.BROKER_USER).append("\" password=\"")
                .append(users.brokerPassword()).append('"')
                .append(" user_").append(SaslUsers.BROKER_USER).append("=\"").append(users.brokerPassword()).append('"');
        users.passwords().forEach((user, password) -> jaas.append(" user_").append(user).append("=\"")
                .append(password).append('"'));
        p.setProperty("listener.name." + listener.toLowerCase(Locale.ROOT) + ".plain.sasl.jaas.config", jaas.append(';')
                .toString());
        return p;
    }

    private static Properties adminProperties(String bootstrap) {
        Properties p = new Properties();
        p.setProperty(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.setProperty(AdminClientConfig.CLIENT_ID_CONFIG, "embedded-kafka-admin-" + bootstrap);
        p.setProperty(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, String.valueOf(READY_TIMEOUT.toMillis()));
        p.setProperty(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "5000");
        p.setProperty(AdminClientConfig.RETRY_BACKOFF_MS_CONFIG, "50");
        return p;
    }

    /** Waits until {@code describeCluster} answers with this node and cluster id. */
    private static void awaitReady(Admin admin, String bootstrap, String clusterId) throws InterruptedException {
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        Exception last = null;
        while (true) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                break;
            }
            try {
                var cluster = admin.describeCluster();
                String answered = cluster.clusterId().get(left, TimeUnit.NANOSECONDS);
                int nodes = cluster.nodes().get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS).size();
                if (clusterId.equals(answered) && nodes == 1) {
                    return;
                }
                last = new IllegalStateException("describeCluster answered cluster " + answered + " with " + nodes
                        + " nodes; expected cluster " + clusterId + " with 1 node");
            } catch (ExecutionException | TimeoutException e) {
                last = e;
            }
            TimeUnit.MILLISECONDS.sleep(50);
        }
        throw new IllegalStateException("the broker at " + bootstrap + " did not answer describeCluster within "
                + READY_TIMEOUT.toSeconds() + " s", last);
    }

    /** Whether a port of 127.0.0.1 can be bound now (another process may take it right after). */
    private static boolean isFree(int port) {
        try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getByName(HOST))) {
            return socket.isBound();
        } catch (IOException e) {
            return false;
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(HOST))) {
            return socket.getLocalPort();
        }
    }

    private static boolean hasCause(Throwable e, Class<? extends Throwable> type) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (type.isInstance(t)) {
                return true;
            }
        }
        return false;
    }

    /** "127.0.0.1:port", the bootstrap servers for clients. */
    public String bootstrapServers() {
        return bootstrapServers;
    }

    /** The broker's port on 127.0.0.1. */
    public int port() {
        return Integer.parseInt(bootstrapServers.substring(bootstrapServers.lastIndexOf(':') + 1));
    }

    /** The cluster id (random when the directory was formatted, kept across restarts). */
    public String clusterId() {
        return clusterId;
    }

    /** Where the broker keeps its data (the logs are in its subdirectory {@value #LOG_DIR_NAME}). */
    public Path dataDir() {
        return dataDir;
    }

    /**
     * Creates the topics that do not exist yet, each with one replica, and waits until every
     * partition of every given topic has a leader ({@link TopicSetup#create}). Existing topics are
     * left as they are (their partitions and configuration are not compared with the spec).
     *
     * @return the names of the topics created by this call, in the order given
     * @throws IllegalStateException if the broker refuses a topic or does not answer within
     *     {@link #READY_TIMEOUT}
     */
    public List<String> createTopics(List<TopicSpec> topics) {
        requireOpen();
        return TopicSetup.create(admin, bootstrapServers, topics.stream().map(TopicSpec::toNewTopic).toList(),
                READY_TIMEOUT).created();
    }

    /** Same as {@link #createTopics(List)}. */
    public List<String> createTopics(TopicSpec... topics) {
        return createTopics(List.of(topics));
    }

    private void requireOpen() {
        if (closed) {
            throw new IllegalStateException("the embedded Kafka broker at " + bootstrapServers + " is closed");
        }
    }

    /**
     * Shuts the broker down (controlled shutdown of the single node) and deletes a temporary data
     * directory. Calling it again does nothing.
     *
     * @throws IllegalStateException if the server does not shut down cleanly (the directory is
     *     deleted all the same)
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        RuntimeException failure = null;
        try {
            admin.close(ADMIN_CLOSE_TIMEOUT);
        } catch (RuntimeException e) {
            failure = e;
        }
        try {
            server.shutdown();
            server.awaitShutdown();
        } catch (RuntimeException e) {
            failure = e;
        }
        closeQuietly(lock);
        if (temporary) {
            delete(dataDir);
        }
        if (failure != null) {
            throw new IllegalStateException("the embedded Kafka broker at " + bootstrapServers
                    + " did not shut down cleanly: " + failure, failure);
        }
    }

    private static void stop(KafkaRaftServer server) {
        try {
            server.shutdown();
            server.awaitShutdown();
        } catch (RuntimeException e) {
            LOG.warn("shutting down a broker that failed to start failed too", e);
        }
    }

    /** Deletes a directory tree, best effort (a warning if something stays). */
    public static void delete(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) paths.sorted(Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(p);
            }
        } catch (IOException | UncheckedIOException e) {
            LOG.warn("cannot delete {} of the embedded Kafka broker: {}", dir, e.toString());
        }
    }

    @Override
    public String toString() {
        return "EmbeddedKafka[" + bootstrapServers + ", cluster " + clusterId + ", " + dataDir
                + (temporary ? " (temporary)" : "") + (closed ? ", closed" : "") + "]";
    }
}
