package dev.nmfstream.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nmfstream.TestDiagnostics;
import dev.nmfstream.kafka.EmbeddedKafka;
import dev.nmfstream.kafka.KafkaClients;
import dev.nmfstream.kafka.TopicSetup;
import dev.nmfstream.stream.NmfStreamConfig;
import dev.nmfstream.wire.ComponentMessage;
import dev.nmfstream.wire.WireSerdes;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Text at m = 2^17 rows (what README advises for large vocabularies) on a real broker: a factor
 * snapshot's component is then about 3 MB of JSON, more than the broker's default record limit
 * (1 MB) and the 2 MiB the service's producer once had, and the service stopped at its first
 * snapshot. Here the factors topic already exists with the broker's default, as a version
 * before this one made it: the service raises its limit, and every component arrives whole. The
 * documents go in through {@code produce} of a gzipped JSON-lines file.
 */
class LargeDimensionIT {

    private static final int M = 1 << 17;
    private static final int R = 4;

    @Test
    void componentsOfTwoToTheSeventeenRowsArePublished(@TempDir Path dir) throws Exception {
        Path feed = dir.resolve("license-documents.jsonl.gz");
        try (InputStream in = LargeDimensionIT.class.getResourceAsStream("/text/license-documents.jsonl.gz")) {
            Files.copy(in, feed);
        }
        try (EmbeddedKafka broker = EmbeddedKafka.start(dir.resolve("kafka"), new Properties())) {
            Properties p = new Properties();
            p.setProperty("nmf.rank", "" + R);
            p.setProperty("nmf.input.format", "text");
            p.setProperty("nmf.dimension", "" + M);
            p.setProperty("nmf.snapshot.interval.ms", "500");
            p.setProperty("nmf.stats.flush.ms", "300");
            p.setProperty("application.id", "nmf-large-it-" + UUID.randomUUID());
            p.setProperty("state.dir", dir.resolve("streams").toString());
            NmfStreamConfig config = NmfStreamConfig.from(p);
            String factors = config.topics().factors();
            ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, factors);
            Properties adminProps = new Properties();
            adminProps.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
            try (Admin admin = Admin.create(adminProps)) {
                // the factors topic as earlier versions made it: compacted, the broker's record limit
                TopicSetup.create(admin, broker.bootstrapServers(), List.of(new NewTopic(factors, 1, (short) 1)
                        .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT))),
                        Duration.ofSeconds(30));
                long before = limit(admin, resource);
                assertTrue(before < ComponentMessage.maxBytes(M, config.topFeatures()) / 2,
                        "the broker's default limit, " + before + " bytes, is below a component's size");
                try (NmfService service = NmfService.start(config, broker.bootstrapServers())) {
                    assertEquals(config.recordBytes(), limit(admin, resource), "the service raised the limit");
                    ServiceRuns.awaitRunning(service);
                    ServiceRuns.produce(feed.toString(), broker.bootstrapServers(), 3077);

                    ComponentMessage[] seen = new ComponentMessage[R];
                    int largest = 0;
                    try (KafkaConsumer<String, byte[]> consumer = KafkaClients.committedConsumer(
                            broker.bootstrapServers(), null, true)) {
                        consumer.subscribe(List.of(factors));
                        long until = System.nanoTime() + Duration.ofSeconds(120).toNanos();
                        while (System.nanoTime() < until && !all(seen)) {
                            for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                                if (r.key().contains("/")) {
                                    ComponentMessage c = WireSerdes.component().deserializer().deserialize(r.topic(),
                                            r.value());
                                    seen[c.component()] = c;
                                    largest = Math.max(largest, r.serializedValueSize());
                                }
                            }
                            assertTrue(service.state() == KafkaStreams.State.RUNNING, "the service is "
                                    + service.state());
                        }
                    }
                    TestDiagnostics.record(LargeDimensionIT.class, "largest component record %d bytes, limit %d",
                            largest, config.recordBytes());
                    for (int k = 0; k < R; k++) {
                        assertNotNull(seen[k], "component " + k + " published");
                        assertEquals(M, seen[k].vector().length, "component " + k + " whole");
                    }
                    assertTrue(largest > before, largest + " bytes: larger than the broker's default");
                    assertTrue(largest <= config.recordBytes(), largest + " bytes: within the bound");
                }
            }
        }
    }

    private static boolean all(Object[] a) {
        for (Object x : a) {
            if (x == null) {
                return false;
            }
        }
        return true;
    }

    private static long limit(Admin admin, ConfigResource resource) throws Exception {
        Config c = admin.describeConfigs(List.of(resource)).all().get().get(resource);
        return Long.parseLong(c.get(TopicConfig.MAX_MESSAGE_BYTES_CONFIG).value());
    }
}
