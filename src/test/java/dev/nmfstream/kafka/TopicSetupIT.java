package dev.nmfstream.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nmfstream.kafka.EmbeddedKafka.TopicSpec;
import dev.nmfstream.stream.NmfStreamConfig;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The one topic-creation path on a real broker: what it creates, and the partition counts it finds. */
class TopicSetupIT {

    @Test
    void createsTheMissingTopicsAndAnswersTheRealPartitionCounts(@TempDir Path dir) {
        try (EmbeddedKafka kafka = EmbeddedKafka.start(dir.resolve("kafka"))) {
            Properties p = new Properties();
            p.setProperty("nmf.rank", "3");
            p.setProperty("nmf.dimension", "8");
            p.setProperty("nmf.partitions", "6");
            NmfStreamConfig config = NmfStreamConfig.from(p);
            NmfStreamConfig.TopicNames t = config.topics();
            // an input topic made before, with fewer partitions than nmf.partitions
            assertEquals(List.of(t.columns()), kafka.createTopics(TopicSpec.deleted(t.columns(), 3)));

            TopicSetup.Ensured first = TopicSetup.ensure(kafka.bootstrapServers(), config, new Properties());
            assertEquals(List.of(t.weights(), t.deadLetters(), t.stats(), t.factors(), t.basis()), first.created());
            assertEquals(3, first.partitionsOf(t.columns()), "the existing input topic keeps its 3 partitions");
            assertEquals(6, first.partitionsOf(t.weights()));
            assertEquals(1, first.partitionsOf(t.stats()));
            assertEquals(List.of(t.columns(), t.weights(), t.deadLetters(), t.stats(), t.factors(), t.basis()),
                    List.copyOf(first.partitions().keySet()), "every planned topic, in the plan's order");

            TopicSetup.Ensured again = TopicSetup.ensure(kafka.bootstrapServers(), config, new Properties());
            assertEquals(List.of(), again.created(), "nothing is created twice");
            assertEquals(first.partitions(), again.partitions());

            IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
                    () -> again.partitionsOf("elsewhere"));
            assertTrue(unknown.getMessage().contains("'elsewhere'"), unknown.getMessage());
            IllegalArgumentException twice = assertThrows(IllegalArgumentException.class,
                    () -> TopicSetup.create(kafka.bootstrapServers(), new Properties(),
                            List.of(new NewTopic("x", 1, (short) 1), new NewTopic("x", 2, (short) 1))));
            assertTrue(twice.getMessage().contains("'x' is given twice"), twice.getMessage());
            assertEquals(Map.of("x", 2), TopicSetup.create(kafka.bootstrapServers(), new Properties(),
                    List.of(new NewTopic("x", 2, (short) 1))).partitions());
        }
    }
}
