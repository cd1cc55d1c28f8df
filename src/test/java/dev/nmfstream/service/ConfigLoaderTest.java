package dev.nmfstream.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {

    @Test
    void fileThenEnvironmentThenSetOverride(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("nmf.properties");
        Files.writeString(file, "nmf.rank=10\nnmf.batch.size=64\nbootstrap.servers=file:9092\n");
        Properties p = ConfigLoader.load(file, Map.of("NMF_BATCH_SIZE", "256", "KAFKA_BOOTSTRAP_SERVERS", "env:9092",
                "HOME", "/root", "NMF_TOPIC_DEAD_LETTERS", "bad"), List.of("nmf.rank=20", "linger.ms = 5"));
        assertEquals("20", p.getProperty("nmf.rank"));
        assertEquals("256", p.getProperty("nmf.batch.size"));
        assertEquals("env:9092", p.getProperty("bootstrap.servers"));
        assertEquals("bad", p.getProperty("nmf.topic.dead.letters"));
        assertEquals("5", p.getProperty("linger.ms"));
        assertNull(p.getProperty("home"));
        assertThrows(IllegalArgumentException.class, () -> ConfigLoader.load(null, Map.of(), List.of("novalue")));
        assertThrows(IllegalArgumentException.class, () -> ConfigLoader.load(dir.resolve("missing"), Map.of(), List.of()));
    }

    private static Properties of(String... keys) {
        Properties p = new Properties();
        for (String key : keys) {
            p.setProperty(key, "1");
        }
        return p;
    }

    /** Kafka's own keys, bare or behind one of Kafka Streams' prefixes, and every nmf.* key pass without a word. */
    @Test
    void knownKeysPassQuietly() {
        assertEquals(List.of(), ConfigLoader.unknownKeys(of(
                "processing.guarantee", "application.id", "bootstrap.servers", "state.dir", "num.stream.threads",
                "linger.ms", "max.poll.records", "isolation.level", "group.instance.id", "session.timeout.ms",
                "security.protocol", "sasl.jaas.config", "ssl.truststore.location", "default.api.timeout.ms",
                "producer.linger.ms", "consumer.max.poll.records", "main.consumer.fetch.max.bytes",
                "restore.consumer.max.poll.records", "global.consumer.auto.offset.reset", "admin.retries",
                "topic.cleanup.policy", "topic.min.insync.replicas", "client.tag.zone",
                "nmf.rank", "nmf.anything")));
    }

    /** A typo is named, with the nearest known name. */
    @Test
    void unknownKeysAreNamedWithTheNearestKnownName() {
        assertEquals(List.of(
                new ConfigLoader.UnknownKey("consumer.max.pol.records", "consumer.max.poll.records"),
                new ConfigLoader.UnknownKey("nfm.rank", "nmf.rank"),
                new ConfigLoader.UnknownKey("procesing.guarantee", "processing.guarantee"),
                new ConfigLoader.UnknownKey("producer.processing.guarantee", null),
                new ConfigLoader.UnknownKey("topic.retention.msec", "topic.retention.ms"),
                new ConfigLoader.UnknownKey("zebra", null)),
                ConfigLoader.unknownKeys(of("zebra", "procesing.guarantee", "bootstrap.servers", "nfm.rank",
                        "consumer.max.pol.records", "topic.retention.msec", "producer.processing.guarantee")));
        assertEquals("zebra: not a setting of nmf-stream or Kafka. It is passed to Kafka as it is.",
                new ConfigLoader.UnknownKey("zebra", null).describe(null));
    }

    /** Loading logs each unknown key once, at WARN (slf4j-simple writes to the current System.err). */
    @Test
    void loadWarnsAboutEachUnknownKey() throws Exception {
        PrintStream err = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        Properties p;
        try {
            System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
            p = ConfigLoader.load(null, Map.of("KAFKA_LINGER_MSEC", "5"), List.of(
                    "procesing.guarantee=exactly_once_v2", "linger.ms=5", "nmf.rank=3"));
        } finally {
            System.setErr(err);
        }
        assertEquals("exactly_once_v2", p.getProperty("procesing.guarantee"), "the key is still passed on");
        List<String> lines = captured.toString(StandardCharsets.UTF_8).lines()
                .filter(l -> l.contains("ConfigLoader")).toList();
        assertEquals(2, lines.size(), lines.toString());
        assertTrue(lines.get(0).endsWith(" WARN dev.nmfstream.service.ConfigLoader - linger.msec (from the environment "
                + "variable KAFKA_LINGER_MSEC): not a setting of nmf-stream or Kafka, did you mean linger.ms? It is "
                + "passed to Kafka as it is."), lines.get(0));
        assertTrue(lines.get(1).endsWith(" WARN dev.nmfstream.service.ConfigLoader - procesing.guarantee (from --set): "
                + "not a setting of nmf-stream or Kafka, did you mean processing.guarantee? It is passed to Kafka as "
                + "it is."), lines.get(1));
    }

    /** The variables Kafka's launch scripts read for the JVM are not settings: no key, no warning. */
    @Test
    void kafkaLauncherVariablesAreNotSettings() throws Exception {
        List<String> launcher = List.of("KAFKA_HEAP_OPTS", "KAFKA_OPTS", "KAFKA_JVM_PERFORMANCE_OPTS", "KAFKA_LOG4J_OPTS",
                "KAFKA_JMX_OPTS", "KAFKA_GC_LOG_OPTS", "KAFKA_DEBUG");
        Map<String, String> env = new TreeMap<>();
        for (String variable : launcher) {
            assertNull(ConfigLoader.keyOf(variable), variable);
            env.put(variable, "-Xmx1g");
        }
        env.put("KAFKA_LINGER_MS", "7");
        Properties p = ConfigLoader.load(null, env, List.of());
        assertEquals(Set.of("linger.ms"), p.stringPropertyNames(), "only the setting among " + env.keySet());
        assertEquals(List.of(), ConfigLoader.unknownKeys(p));
    }
}
