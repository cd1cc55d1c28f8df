package dev.nmfstream.cli;

import static dev.nmfstream.cli.MainTest.assertContains;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nmfstream.kafka.EmbeddedKafka;
import dev.nmfstream.kafka.EmbeddedKafka.SaslUsers;
import dev.nmfstream.kafka.KafkaClients;
import dev.nmfstream.nmf.DenseColumn;
import dev.nmfstream.nmf.synth.PlantedModel;
import dev.nmfstream.service.ConfigLoader;
import dev.nmfstream.service.NmfService;
import dev.nmfstream.stream.NmfStreamConfig;
import dev.nmfstream.wire.ColumnEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The service against a broker that demands SASL/PLAIN (README, "Security"): with the right
 * credentials, given as the container gives them (KAFKA_* environment variables), every item
 * gets its weights; with a wrong password {@code run} stops at once with one line that says the
 * credentials were refused, no stack trace. The second run's output is kept in
 * target/it-logs/SaslRunIT.log.
 */
class SaslRunIT {

    private static final int M = 20;
    private static final int R = 3;
    private static final int ITEMS = 600;
    private static final String USER = "nmf-service";
    private static final String PASSWORD = "nmf-secret";

    @TempDir
    static Path dir;
    static EmbeddedKafka broker;

    @BeforeAll
    static void startBroker() {
        broker = EmbeddedKafka.startWithSasl(dir.resolve("kafka"), new Properties(),
                new SaslUsers(Map.of(USER, PASSWORD, "producer", "producer-secret")));
    }

    @AfterAll
    static void stopBroker() {
        if (broker != null) {
            broker.close();
        }
    }

    /** The variables a container would be given. */
    private static Map<String, String> environment(String password) {
        Properties client = SaslUsers.clientProperties(USER, password);
        return Map.of("KAFKA_BOOTSTRAP_SERVERS", broker.bootstrapServers(),
                "KAFKA_SECURITY_PROTOCOL", client.getProperty("security.protocol"),
                "KAFKA_SASL_MECHANISM", client.getProperty("sasl.mechanism"),
                "KAFKA_SASL_JAAS_CONFIG", client.getProperty("sasl.jaas.config"),
                "NMF_RANK", "" + R, "NMF_DIMENSION", "" + M);
    }

    @Test
    @Timeout(180)
    void theServiceRunsWithTheRightCredentials() throws Exception {
        // a plain client is turned away: the listener really demands SASL
        Properties plain = new Properties();
        plain.setProperty("bootstrap.servers", broker.bootstrapServers());
        IllegalStateException refused = assertThrows(IllegalStateException.class,
                () -> KafkaClients.requireReachable(broker.bootstrapServers(), new Properties(),
                        Duration.ofSeconds(3)));
        assertFalse(refused.getMessage().contains("refused this client's credentials"), refused.getMessage());

        Properties props = ConfigLoader.load(null, environment(PASSWORD), List.of("application.id=nmf-sasl-it",
                "state.dir=" + dir.resolve("streams"), "nmf.stats.flush.ms=300", "nmf.snapshot.interval.ms=500"));
        NmfStreamConfig config = NmfStreamConfig.from(props);
        try (NmfService service = NmfService.start(config, broker.bootstrapServers())) {
            Properties producerProps = SaslUsers.clientProperties("producer", "producer-secret");
            producerProps.setProperty("bootstrap.servers", broker.bootstrapServers());
            PlantedModel planted = new PlantedModel(M, R, 0.4, 0.1, 0.02, 5);
            try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(producerProps, new StringSerializer(),
                    new ByteArraySerializer())) {
                double[] v = new double[M];
                for (int j = 0; j < ITEMS; j++) {
                    planted.next(v, 0);
                    producer.send(new ProducerRecord<>(config.topics().columns(), "c" + j,
                            ColumnEncoder.binary(DenseColumn.of(v.clone()), -1)));
                }
                producer.flush();
            }
            Properties consumerProps = SaslUsers.clientProperties(USER, PASSWORD);
            consumerProps.setProperty("bootstrap.servers", broker.bootstrapServers());
            consumerProps.setProperty("group.id", "sasl-it-reader");
            consumerProps.setProperty("auto.offset.reset", "earliest");
            consumerProps.setProperty("isolation.level", "read_committed");
            Set<String> ids = new HashSet<>();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(consumerProps, new StringDeserializer(),
                    new ByteArrayDeserializer())) {
                consumer.subscribe(List.of(config.topics().weights()));
                while (ids.size() < ITEMS && System.nanoTime() < deadline) {
                    for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                        ids.add(r.key());
                    }
                }
            }
            assertEquals(ITEMS, ids.size(), "weights published over SASL");
        }
    }

    @Test
    @Timeout(120)
    void aWrongPasswordStopsRunWithOneClearLine() throws Exception {
        Map<String, String> env = environment("wrong-password");
        MainTest.Run r = MainTest.run("run", "--data-dir", dir.resolve("wrong").toString(),
                "--set", "bootstrap.servers=" + env.get("KAFKA_BOOTSTRAP_SERVERS"),
                "--set", "security.protocol=" + env.get("KAFKA_SECURITY_PROTOCOL"),
                "--set", "sasl.mechanism=" + env.get("KAFKA_SASL_MECHANISM"),
                "--set", "sasl.jaas.config=" + env.get("KAFKA_SASL_JAAS_CONFIG"),
                "--set", "nmf.rank=" + R, "--set", "nmf.dimension=" + M, "--set", "application.id=nmf-sasl-wrong",
                "--set", "nmf.connect.timeout.ms=20000", "--duration", "60");
        Path log = Path.of("target", "it-logs", "SaslRunIT.log");
        Files.createDirectories(log.getParent());
        Files.writeString(log, r.describe(), StandardCharsets.UTF_8);
        assertEquals(1, r.exitCode(), r.describe());
        List<String> runLines = r.err().lines().filter(l -> l.startsWith("run: ")).toList();
        assertEquals(1, runLines.size(), r.describe());
        assertContains(runLines.get(0), "refused this client's credentials", "Authentication failed",
                "sasl.jaas.config");
        assertTrue(r.err().lines().noneMatch(l -> l.startsWith("\tat ")), "no stack trace:\n" + r.describe());
        assertFalse(r.out().contains("-> RUNNING"), r.describe());
    }
}
