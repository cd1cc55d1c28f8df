package dev.nmfstream.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.nmfstream.kafka.EmbeddedKafka.TopicSpec;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import kafka.server.KafkaConfig;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** The embedded single-node KRaft broker: transactions, read_committed, restarts, two brokers in one JVM. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class EmbeddedKafkaIT {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final int COMMITTED = 1_000;
    private static final int ABORTED = 100;
    private static final int PARTITIONS = 3;

    @Test
    void transactionalRecordsArriveExactlyOnceAndAbortedOnesNever(@TempDir Path dir) throws Exception {
        Set<String> sentinels = new TreeSet<>();
        EmbeddedKafka kafka = EmbeddedKafka.start(dir.resolve("kafka"));
        try (kafka) {
            assertTrue(kafka.bootstrapServers().matches("127\\.0\\.0\\.1:\\d+"), kafka.bootstrapServers());
            assertEquals(List.of("records"), kafka.createTopics(TopicSpec.deleted("records", PARTITIONS)));
            assertEquals(List.of(), kafka.createTopics(TopicSpec.deleted("records", PARTITIONS)),
                    "creating an existing topic again creates nothing");
            assertEquals(PARTITIONS, describe(kafka, "records").partitions().size());

            try (KafkaProducer<String, String> producer = transactionalProducer(kafka)) {
                producer.initTransactions();
                producer.beginTransaction();
                for (int i = 0; i < COMMITTED; i++) {
                    producer.send(new ProducerRecord<>("records", key(i), "v" + i));
                }
                producer.commitTransaction();

                producer.beginTransaction();
                for (int i = 0; i < ABORTED; i++) {
                    producer.send(new ProducerRecord<>("records", i % PARTITIONS, "aborted-" + i, "x"));
                }
                producer.flush();
                producer.abortTransaction();

                // One committed record per partition after the aborted ones: a reader that has
                // seen all of them has read past the aborted records of every partition.
                producer.beginTransaction();
                for (int p = 0; p < PARTITIONS; p++) {
                    sentinels.add("end-" + p);
                    producer.send(new ProducerRecord<>("records", p, "end-" + p, "end"));
                }
                producer.commitTransaction();
            }

            Map<String, Integer> committed = consume(kafka, "records", true, sentinels);
            List<String> wrong = new ArrayList<>();
            for (int i = 0; i < COMMITTED; i++) {
                Integer n = committed.get(key(i));
                if (n == null || n != 1) {
                    wrong.add(key(i) + "=" + n);
                }
            }
            assertEquals(List.of(), wrong, "committed keys not seen exactly once (key=times)");
            assertEquals(COMMITTED + PARTITIONS, committed.size(), "distinct keys under read_committed");
            assertEquals(0, committed.keySet().stream().filter(k -> k.startsWith("aborted-")).count(),
                    "aborted records visible to read_committed");

            Map<String, Integer> uncommitted = consume(kafka, "records", false, sentinels);
            assertEquals(ABORTED, uncommitted.keySet().stream().filter(k -> k.startsWith("aborted-")).count(),
                    "the aborted records were written (visible to read_uncommitted), so their absence above means something");

            kafka.close();
            assertRefused(kafka.bootstrapServers());
            assertTrue(Files.isDirectory(dir.resolve("kafka").resolve(EmbeddedKafka.LOG_DIR_NAME)),
                    "a given data directory is kept on close");
        }
        kafka.close();

        // What close must achieve: the port and the directory's lock released, the data on disk
        // complete. A broker on the same directory and the same port starts and serves exactly
        // the committed records.
        try (EmbeddedKafka again = EmbeddedKafka.restart(kafka, new Properties())) {
            assertEquals(kafka.bootstrapServers(), again.bootstrapServers(), "the port of the closed broker");
            assertEquals(kafka.clusterId(), again.clusterId(), "cluster id after a restart on the same directory");
            Map<String, Integer> afterRestart = consume(again, "records", true, sentinels);
            assertEquals(committedOnce(), afterRestart, "committed keys after the restart (key=times)");
        }
    }

    /** Each committed key and each sentinel once. */
    private static Map<String, Integer> committedOnce() {
        Map<String, Integer> expected = new TreeMap<>();
        for (int i = 0; i < COMMITTED; i++) {
            expected.put(key(i), 1);
        }
        for (int p = 0; p < PARTITIONS; p++) {
            expected.put("end-" + p, 1);
        }
        return expected;
    }

    @Test
    void twoBrokersSideBySideOnTemporaryDirectories() throws Exception {
        EmbeddedKafka first = EmbeddedKafka.start();
        EmbeddedKafka second;
        try {
            second = EmbeddedKafka.start();
        } catch (RuntimeException e) {
            first.close();
            throw e;
        }
        try (first; second) {
            assertNotEquals(first.bootstrapServers(), second.bootstrapServers());
            assertNotEquals(first.clusterId(), second.clusterId());
            assertNotEquals(first.dataDir(), second.dataDir());
            roundTrip(first, "first");
            roundTrip(second, "second");

            first.close();
            assertFalse(Files.exists(first.dataDir()), "a temporary data directory is deleted on close");
            assertRefused(first.bootstrapServers());
            roundTrip(second, "after-first-closed");
            assertThrows(IllegalStateException.class, () -> first.createTopics(TopicSpec.deleted("late", 1)));
        }
        assertFalse(Files.exists(second.dataDir()), "a temporary data directory is deleted on close");
        second.close();
    }

    @Test
    void restartsOnItsOwnData(@TempDir Path dir) throws Exception {
        String clusterId;
        try (EmbeddedKafka kafka = EmbeddedKafka.start(dir)) {
            clusterId = kafka.clusterId();
            kafka.createTopics(TopicSpec.compacted("kept", 1));
            produce(kafka, "kept", Set.of("a", "b", "c"));
            IllegalStateException busy = assertThrows(IllegalStateException.class, () -> EmbeddedKafka.start(dir));
            assertTrue(busy.getMessage().contains("in use"), busy.getMessage());
            assertEquals(List.of("after-refusal"), kafka.createTopics(TopicSpec.deleted("after-refusal", 1)),
                    "the running broker works after a second one was refused its directory");
        }
        try (EmbeddedKafka kafka = EmbeddedKafka.start(dir)) {
            assertEquals(clusterId, kafka.clusterId(), "cluster id after a restart on the same directory");
            assertEquals(List.of(), kafka.createTopics(TopicSpec.compacted("kept", 1)));
            assertEquals("compact", describeConfig(kafka, "kept", TopicConfig.CLEANUP_POLICY_CONFIG));
            assertEquals(Set.of("a", "b", "c"), consume(kafka, "kept", true, Set.of("a", "b", "c")).keySet());
        }
    }

    @Test
    void overridesReachTheBroker(@TempDir Path dir) throws Exception {
        Properties overrides = new Properties();
        overrides.setProperty("log.retention.bytes", String.valueOf(200L << 20));
        try (EmbeddedKafka kafka = EmbeddedKafka.start(dir, overrides)) {
            kafka.createTopics(TopicSpec.deleted("bounded", 1));
            assertEquals(String.valueOf(200L << 20), describeConfig(kafka, "bounded", TopicConfig.RETENTION_BYTES_CONFIG));
            assertEquals(String.valueOf(64 << 20), describeConfig(kafka, "bounded", TopicConfig.SEGMENT_BYTES_CONFIG));
        }
    }

    @Test
    void failuresNameTheCauseAndLeaveNothingBehind(@TempDir Path dir) throws Exception {
        Properties reserved = new Properties();
        reserved.setProperty("listeners", "PLAINTEXT://127.0.0.1:9092");
        IllegalArgumentException r = assertThrows(IllegalArgumentException.class,
                () -> EmbeddedKafka.start(dir.resolve("reserved"), reserved));
        assertTrue(r.getMessage().contains("'listeners'"), r.getMessage());

        Properties invalid = new Properties();
        invalid.setProperty("log.segment.bytes", "ten");
        Path badConfigDir = dir.resolve("bad-config");
        IllegalStateException c = assertThrows(IllegalStateException.class,
                () -> EmbeddedKafka.start(badConfigDir, invalid));
        assertTrue(c.getMessage().contains(badConfigDir.toString()), c.getMessage());
        assertTrue(hasCause(c, ConfigException.class), "cause: " + c.getCause());
        assertFalse(Files.exists(badConfigDir), "the data directory created by a failed start is removed");

        Path existing = Files.createDirectories(dir.resolve("existing"));
        assertThrows(IllegalStateException.class, () -> EmbeddedKafka.start(existing, invalid));
        assertTrue(Files.isDirectory(existing), "a failed start keeps a data directory it did not create");
        assertFalse(Files.exists(existing.resolve(EmbeddedKafka.LOG_DIR_NAME)),
                "the log directory formatted by a failed start is removed");

        Path file = Files.writeString(dir.resolve("a-file"), "not a directory");
        IllegalStateException f = assertThrows(IllegalStateException.class, () -> EmbeddedKafka.start(file));
        assertTrue(f.getMessage().contains(file.toString()), f.getMessage());
        assertEquals("not a directory", Files.readString(file), "a failed start leaves what it found");

        assertThrows(IllegalArgumentException.class, () -> TopicSpec.deleted("two words", 1));
        assertThrows(IllegalArgumentException.class, () -> TopicSpec.deleted("none", 0));
    }

    @Test
    void defaultsAreBrokerPropertiesAndTheBrokerLogsAtWarn(@TempDir Path dir) {
        Set<String> known = KafkaConfig.configDef().names();
        Set<String> unknown = new TreeSet<>(EmbeddedKafka.brokerProperties(dir, 1, 2).stringPropertyNames());
        unknown.removeAll(known);
        assertEquals(Set.of(), unknown, "default keys the broker does not know (typos?)");
        assertTrue(known.containsAll(EmbeddedKafka.RESERVED), "reserved keys the broker does not know");
        for (String logger : List.of("kafka.server.BrokerServer", "org.apache.kafka.controller.QuorumController",
                "org.apache.kafka.raft.KafkaRaftClient", "org.apache.kafka.storage.internals.log.LogManager")) {
            assertFalse(LoggerFactory.getLogger(logger).isInfoEnabled(), logger + " logs at info; expected warn");
        }
    }

    private static String key(int i) {
        return String.format("k%04d", i);
    }

    private static KafkaProducer<String, String> transactionalProducer(EmbeddedKafka kafka) {
        Properties p = new Properties();
        p.setProperty(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        p.setProperty(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "embedded-kafka-it-" + UUID.randomUUID());
        p.setProperty(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.setProperty(ProducerConfig.ACKS_CONFIG, "all");
        p.setProperty(ProducerConfig.MAX_BLOCK_MS_CONFIG, String.valueOf(WAIT.toMillis()));
        return new KafkaProducer<>(p, new StringSerializer(), new StringSerializer());
    }

    private static void produce(EmbeddedKafka kafka, String topic, Set<String> keys) {
        Properties p = new Properties();
        p.setProperty(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        p.setProperty(ProducerConfig.ACKS_CONFIG, "all");
        p.setProperty(ProducerConfig.MAX_BLOCK_MS_CONFIG, String.valueOf(WAIT.toMillis()));
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(p, new StringSerializer(),
                new StringSerializer())) {
            for (String key : keys) {
                producer.send(new ProducerRecord<>(topic, key, "v"));
            }
            producer.flush();
        }
    }

    private static void roundTrip(EmbeddedKafka kafka, String topic) {
        kafka.createTopics(TopicSpec.deleted(topic, 2));
        Set<String> keys = new HashSet<>();
        for (int i = 0; i < 10; i++) {
            keys.add(topic + "-" + i);
        }
        produce(kafka, topic, keys);
        assertEquals(keys, consume(kafka, topic, true, keys).keySet(), "round trip through " + kafka);
    }

    /**
     * Reads {@code topic} from the beginning until every key of {@code until} has arrived; counts
     * each key. read_committed in a consumer group of its own; read_uncommitted by assignment.
     */
    private static Map<String, Integer> consume(EmbeddedKafka kafka, String topic, boolean readCommitted,
            Set<String> until) {
        Properties p = new Properties();
        p.setProperty(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        p.setProperty(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.setProperty(ConsumerConfig.ISOLATION_LEVEL_CONFIG, readCommitted ? "read_committed" : "read_uncommitted");
        p.setProperty(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, String.valueOf(WAIT.toMillis()));
        if (readCommitted) {
            p.setProperty(ConsumerConfig.GROUP_ID_CONFIG, "embedded-kafka-it-" + UUID.randomUUID());
            p.setProperty(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        }
        Map<String, Integer> counts = new TreeMap<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(p, new StringDeserializer(),
                new StringDeserializer())) {
            if (readCommitted) {
                consumer.subscribe(List.of(topic));
            } else {
                List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                        .map(i -> new TopicPartition(topic, i.partition())).toList();
                consumer.assign(partitions);
            }
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (!counts.keySet().containsAll(until)) {
                if (System.nanoTime() > deadline) {
                    Set<String> missing = new TreeSet<>(until);
                    missing.removeAll(counts.keySet());
                    fail("within " + WAIT.toSeconds() + " s " + topic + " on " + kafka.bootstrapServers()
                            + " gave " + counts.size() + " keys, not " + missing);
                }
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(100))) {
                    counts.merge(r.key(), 1, Integer::sum);
                }
            }
            if (readCommitted) {
                consumer.commitSync();
            }
        }
        return counts;
    }

    private static TopicDescription describe(EmbeddedKafka kafka, String topic) throws Exception {
        try (Admin admin = admin(kafka)) {
            return admin.describeTopics(List.of(topic)).allTopicNames().get(WAIT.toSeconds(), TimeUnit.SECONDS)
                    .get(topic);
        }
    }

    private static String describeConfig(EmbeddedKafka kafka, String topic, String key) throws Exception {
        ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
        try (Admin admin = admin(kafka)) {
            return admin.describeConfigs(List.of(resource)).all().get(WAIT.toSeconds(), TimeUnit.SECONDS)
                    .get(resource).get(key).value();
        }
    }

    @Test
    void takesThePreferredPortWhenItIsFreeAndAnotherWhenNot(@TempDir Path dir) throws Exception {
        int preferred;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            preferred = probe.getLocalPort();
        }
        try (EmbeddedKafka first = EmbeddedKafka.start(dir.resolve("a"), new Properties(), preferred);
                EmbeddedKafka second = EmbeddedKafka.start(dir.resolve("b"), new Properties(), preferred)) {
            assertEquals(preferred, first.port());
            assertEquals("127.0.0.1:" + preferred, first.bootstrapServers());
            assertNotEquals(preferred, second.port(), "the preferred port is taken: another one");
            assertEquals(List.of("t"), second.createTopics(TopicSpec.deleted("t", 1)), "the second broker works");
            try (Admin admin = admin(first)) {
                short level = admin.describeFeatures().featureMetadata().get(30, TimeUnit.SECONDS).finalizedFeatures()
                        .get(EmbeddedKafka.TRANSACTION_VERSION_FEATURE).maxVersionLevel();
                assertEquals(EmbeddedKafka.TRANSACTION_VERSION, level, "transaction protocol of a new node");
            }
        }
        assertThrows(IllegalArgumentException.class, () -> EmbeddedKafka.start(dir.resolve("c"), new Properties(), 70000));
    }

    private static Admin admin(EmbeddedKafka kafka) {
        Properties p = new Properties();
        p.setProperty(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        return Admin.create(p);
    }

    private static void assertRefused(String bootstrap) {
        String[] hostPort = bootstrap.split(":");
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(hostPort[0], Integer.parseInt(hostPort[1])), 1000);
            fail(bootstrap + " still accepts connections after close");
        } catch (ConnectException expected) {
            // the listener is gone
        } catch (IOException e) {
            fail("connecting to " + bootstrap + " failed with " + e + "; expected a refused connection");
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
}
