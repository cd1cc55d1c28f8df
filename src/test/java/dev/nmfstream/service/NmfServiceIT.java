package dev.nmfstream.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nmfstream.kafka.EmbeddedKafka;
import dev.nmfstream.kafka.KafkaClients;
import dev.nmfstream.kafka.TopicSetup;
import dev.nmfstream.nmf.Basis;
import dev.nmfstream.nmf.synth.PlantedModel;
import dev.nmfstream.stream.ConfigurationMismatchException;
import dev.nmfstream.stream.NmfStreamConfig;
import dev.nmfstream.wire.internal.BasisMessage;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The service's start on a real (embedded) broker: topics that already exist, state that does not fit. */
class NmfServiceIT {

    private static final int M = 30;
    private static final int R = 4;

    @Test
    void anExistingInputTopicKeepsItsPartitionsAndABasisOfAnotherRankStopsTheService(@TempDir Path dir)
            throws Exception {
        try (EmbeddedKafka broker = EmbeddedKafka.start(dir.resolve("kafka"), new Properties())) {
            Properties p = new Properties();
            p.setProperty("nmf.rank", "" + R);
            p.setProperty("nmf.dimension", "" + M);
            p.setProperty("nmf.partitions", "4");
            p.setProperty("application.id", "nmf-it-" + UUID.randomUUID());
            p.setProperty("state.dir", dir.resolve("streams").toString());
            p.setProperty("nmf.http.port", "0"); // a free port: tests may run beside other services
            NmfStreamConfig config = NmfStreamConfig.from(p);
            broker.createTopics(EmbeddedKafka.TopicSpec.deleted(config.topics().columns(), 3));
            TopicSetup.ensure(broker.bootstrapServers(), config, config.kafka());

            try (NmfService service = NmfService.start(config, broker.bootstrapServers())) {
                assertEquals(3, service.inputPartitions(), "the topic's own count, not nmf.partitions");
            }

            // a model of rank R + 1 in the basis topic
            Basis stored = new Basis(M, R + 1, new PlantedModel(M, R + 1, 0.4, 0.1, 0.02, 2).trueBasis(), 12);
            List<byte[]> records = BasisMessage.records(stored);
            try (KafkaProducer<String, byte[]> producer = KafkaClients.producer(broker.bootstrapServers(), 0)) {
                for (int i = 0; i < records.size(); i++) {
                    producer.send(new ProducerRecord<>(config.topics().basis(), BasisMessage.key(config.model(), i),
                            records.get(i))).get();
                }
            }
            ConfigurationMismatchException e = assertThrows(ConfigurationMismatchException.class,
                    () -> NmfService.start(config, broker.bootstrapServers()), "the start stops, nothing runs");
            assertTrue(e.getMessage().contains("nmf.rank = " + (R + 1) + " (configured: " + R + ")"), e.getMessage());
        }
    }
}
