package dev.nmfstream.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nmfstream.kafka.EmbeddedKafka;
import dev.nmfstream.kafka.KafkaClients;
import dev.nmfstream.nmf.Basis;
import dev.nmfstream.nmf.Projection;
import dev.nmfstream.nmf.Projector;
import dev.nmfstream.nmf.SparseColumn;
import dev.nmfstream.stream.NmfStreamConfig;
import dev.nmfstream.stream.NmfTopology;
import dev.nmfstream.stream.TextInput;
import dev.nmfstream.wire.ColumnDecoder;
import dev.nmfstream.wire.ColumnEncoder;
import dev.nmfstream.wire.DecodedItem;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.SplittableRandom;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The projection floor of {@code bench-stream --floor} and {@code bench-text --floor} on a real
 * broker: every sparse JSON record, and every text document, gets one weights message, committed,
 * with the exact projection on the fixed basis that the engine's projector gives the column the
 * service decodes from it.
 */
class ProjectionFloorIT {

    @TempDir
    Path dir;

    @Test
    void everyRecordGetsItsExactWeightsOnce() throws Exception {
        int m = 300;
        int r = 6;
        int n = 400;
        SplittableRandom random = new SplittableRandom(5);
        double[] w = new double[m * r];
        for (int q = 0; q < w.length; q++) {
            w[q] = random.nextInt(3) == 0 ? 0 : random.nextDouble();
        }
        Basis basis = new Basis(m, r, w, 7);
        SparseColumn[] columns = new SparseColumn[n];
        for (int j = 0; j < n; j++) {
            int nnz = 1 + random.nextInt(12);
            int[] rows = random.ints(0, m).distinct().limit(nnz).sorted().toArray();
            double[] values = random.doubles(rows.length, 0.1, 3).toArray();
            columns[j] = SparseColumn.of(m, rows, values);
        }
        Properties p = BenchProperties.forInput("in", "floor-test", dir);
        p.setProperty("nmf.rank", String.valueOf(r));
        p.setProperty("nmf.dimension", String.valueOf(m));
        p.setProperty("nmf.input.format", "json");
        NmfStreamConfig config = NmfStreamConfig.from(p);

        try (EmbeddedKafka broker = EmbeddedKafka.start(dir.resolve("kafka"), new Properties())) {
            String bootstrap = broker.bootstrapServers();
            broker.createTopics(List.of(EmbeddedKafka.TopicSpec.deleted("in", 4)));
            byte[][] values = new byte[n][];
            for (int j = 0; j < n; j++) {
                values[j] = ColumnEncoder.json("i" + j, columns[j], -1);
            }
            produce(bootstrap, "in", "i", values);

            double seconds = ProjectionFloor.seconds(broker, "in", dir, n, config, basis);
            assertTrue(seconds > 0 && seconds < 600, "seconds = " + seconds);

            Map<String, JsonNode> weights = read(bootstrap, "in-floor", n);
            Projector projector = new Projector(r);
            Projection expected = new Projection(r);
            for (int j = 0; j < n; j++) {
                JsonNode message = weights.get("i" + j);
                assertEquals(7, message.get("basisVersion").asLong());
                projector.project(basis, columns[j], expected);
                JsonNode h = message.get("weights");
                assertEquals(r, h.size());
                for (int k = 0; k < r; k++) {
                    assertEquals(expected.h[k], h.get(k).asDouble(), 1e-12 * (1 + expected.h[k]),
                            "item " + j + ", component " + k);
                }
                assertEquals(expected.relativeResidual(), message.get("relativeResidual").asDouble(), 1e-12);
            }
        }
    }

    @Test
    void documentsAreVectorisedAsTheServiceDoes() throws Exception {
        int m = 1 << 12;
        int r = 4;
        String[] texts = {"The quick brown fox jumps over the lazy dog", "Streams of documents, topics and words",
            "A fox, a dog and a stream", "Kafka keeps every record in order", "Words first seen late enter topics"};
        int n = 200;
        SplittableRandom random = new SplittableRandom(9);
        double[] w = new double[m * r];
        for (int q = 0; q < w.length; q++) {
            w[q] = random.nextDouble();
        }
        Basis basis = new Basis(m, r, w, 3);
        Properties p = BenchProperties.forInput("docs", "floor-text-test", dir);
        p.setProperty("nmf.rank", String.valueOf(r));
        p.setProperty("nmf.dimension", String.valueOf(m));
        p.setProperty("nmf.input.format", "text");
        NmfStreamConfig config = NmfStreamConfig.from(p);
        byte[][] values = new byte[n][];
        for (int j = 0; j < n; j++) {
            values[j] = ("{\"id\":\"d" + j + "\",\"text\":\"" + texts[j % texts.length] + " " + j + "\"}")
                    .getBytes(StandardCharsets.UTF_8);
        }

        try (EmbeddedKafka broker = EmbeddedKafka.start(dir.resolve("kafka"), new Properties())) {
            String bootstrap = broker.bootstrapServers();
            broker.createTopics(List.of(EmbeddedKafka.TopicSpec.deleted("docs", 2)));
            produce(bootstrap, "docs", "d", values);
            ProjectionFloor.seconds(broker, "docs", dir, n, config, basis);
            Map<String, JsonNode> weights = read(bootstrap, "docs-floor", n);

            // the service's decoding of the same documents, projected here
            ColumnDecoder decoder = NmfTopology.decoder(config, new TextInput(config));
            DecodedItem item = new DecodedItem(m);
            Projector projector = new Projector(r);
            Projection expected = new Projection(r);
            for (int j = 0; j < n; j++) {
                assertTrue(decoder.decode(("d" + j).getBytes(StandardCharsets.UTF_8), values[j], item));
                projector.project(basis, item.column(), expected);
                JsonNode h = weights.get("d" + j).get("weights");
                for (int k = 0; k < r; k++) {
                    assertEquals(expected.h[k], h.get(k).asDouble(), 1e-12 * (1 + expected.h[k]),
                            "document " + j + ", component " + k);
                }
            }
        }
    }

    /** Record j of values under the key {@code keyPrefix + j}. */
    private static void produce(String bootstrap, String topic, String keyPrefix, byte[][] values) {
        Properties producer = new Properties();
        producer.setProperty(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        try (KafkaProducer<String, byte[]> out = new KafkaProducer<>(producer, new StringSerializer(),
                new ByteArraySerializer())) {
            for (int j = 0; j < values.length; j++) {
                out.send(new ProducerRecord<>(topic, keyPrefix + j, values[j]));
            }
        }
    }

    /** The committed weights messages of a topic by key, each key once. */
    private static Map<String, JsonNode> read(String bootstrap, String topic, int n) throws Exception {
        Map<String, JsonNode> weights = new HashMap<>();
        ObjectMapper json = new ObjectMapper();
        try (KafkaConsumer<String, byte[]> in = KafkaClients.committedConsumer(bootstrap, null, true)) {
            in.subscribe(List.of(topic));
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (weights.size() < n && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, byte[]> record : in.poll(Duration.ofMillis(200))) {
                    JsonNode message = json.readTree(record.value());
                    assertEquals(record.key(), message.get("id").asText(), "the weights' key is the item id");
                    assertEquals(null, weights.put(record.key(), message), "weights twice for " + record.key());
                }
            }
        }
        assertEquals(n, weights.size());
        return weights;
    }
}
