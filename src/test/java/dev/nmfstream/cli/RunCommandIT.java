package dev.nmfstream.cli;

import static dev.nmfstream.cli.MainTest.assertContains;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.nmfstream.kafka.EmbeddedKafka;
import dev.nmfstream.kafka.KafkaClients;
import dev.nmfstream.kafka.TopicSetup;
import dev.nmfstream.nmf.Basis;
import dev.nmfstream.nmf.synth.PlantedModel;
import dev.nmfstream.stream.NmfStreamConfig;
import dev.nmfstream.wire.internal.BasisMessage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code run} over a stored model of another rank: the service stops at once, and {@code run}
 * says why in one line (the key and both values) and exits 1, instead of "stopped after repeated
 * errors". Its whole output is kept in target/it-logs/RunCommandIT.log.
 */
class RunCommandIT {

    private static final int M = 30;
    private static final int R = 4;

    @Test
    void aModelOfAnotherRankStopsRunWithOneClearMessage(@TempDir Path dir) throws Exception {
        try (EmbeddedKafka broker = EmbeddedKafka.start(dir.resolve("kafka"), new Properties())) {
            Properties p = new Properties();
            p.setProperty("nmf.rank", "" + R);
            p.setProperty("nmf.dimension", "" + M);
            NmfStreamConfig config = NmfStreamConfig.from(p);
            TopicSetup.ensure(broker.bootstrapServers(), config, new Properties());
            Basis stored = new Basis(M, R + 1, new PlantedModel(M, R + 1, 0.4, 0.1, 0.02, 2).trueBasis(), 12);
            List<byte[]> records = BasisMessage.records(stored);
            try (KafkaProducer<String, byte[]> producer = KafkaClients.producer(broker.bootstrapServers(), 0)) {
                for (int i = 0; i < records.size(); i++) {
                    producer.send(new ProducerRecord<>(config.topics().basis(), BasisMessage.key(config.model(), i),
                            records.get(i))).get();
                }
            }
            MainTest.Run r = MainTest.run("run", "--data-dir", dir.resolve("data").toString(),
                    "--set", "bootstrap.servers=" + broker.bootstrapServers(), "--set", "nmf.rank=" + R,
                    "--set", "nmf.dimension=" + M, "--set", "application.id=nmf-run-it", "--duration", "120");
            Path log = Path.of("target", "it-logs", "RunCommandIT.log");
            Files.createDirectories(log.getParent());
            Files.writeString(log, r.describe(), StandardCharsets.UTF_8);
            assertEquals(1, r.exitCode(), r.describe());
            List<String> runLines = r.err().lines().filter(l -> l.startsWith("run: ")).toList();
            assertEquals(1, runLines.size(), r.describe());
            assertContains(runLines.get(0), "nmf.rank = " + (R + 1) + " (configured: " + R + ")", "; exiting with 1");
            assertFalse(r.err().contains("stopped after repeated errors"), r.describe());
        }
    }
}
