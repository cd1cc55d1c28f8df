package dev.nmfstream.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nmfstream.TestDiagnostics;
import dev.nmfstream.kafka.EmbeddedKafka;
import dev.nmfstream.kafka.KafkaClients;
import dev.nmfstream.stream.NmfStreamConfig;
import dev.nmfstream.text.TextVectorizer;
import dev.nmfstream.wire.ComponentMessage;
import dev.nmfstream.wire.DeadLetter;
import dev.nmfstream.wire.TopFeature;
import dev.nmfstream.wire.WeightsMessage;
import dev.nmfstream.wire.WireSerdes;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.zip.GZIPInputStream;
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
 * Raw English text through the service on a real broker: ~3,000 documents cut from the license
 * texts Debian ships ({@code src/test/resources/text/make_license_documents.py}), sent by
 * {@code produce} from a folder of .txt files, each get their weights exactly once; the factors
 * are labelled with words of those documents; an empty text, a non-string text and a 10 MB text
 * are dead letters with their reasons.
 */
class TextIT {

    private static final int R = 8;

    @Test
    void licenseTextsInWeightsAndWordsOut(@TempDir Path dir) throws Exception {
        ObjectMapper json = new ObjectMapper();
        Map<String, String> documents = new HashMap<>();
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(new GZIPInputStream(
                TextIT.class.getResourceAsStream("/text/license-documents.jsonl.gz")), StandardCharsets.UTF_8))) {
            for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                JsonNode doc = json.readTree(line);
                documents.put(doc.get("id").asText(), doc.get("text").asText());
            }
        }
        assertTrue(documents.size() > 2000, documents.size() + " documents");
        // one .txt file per document: the id is its path relative to the folder
        Path folder = dir.resolve("documents");
        Map<String, String> byFileId = new HashMap<>();
        for (Map.Entry<String, String> d : documents.entrySet()) {
            String id = d.getKey().replace('#', '/') + ".txt";
            Files.createDirectories(folder.resolve(id).getParent());
            Files.writeString(folder.resolve(id), d.getValue());
            byFileId.put(id, d.getValue());
        }
        Set<String> corpusWords = new HashSet<>();
        TextVectorizer analysis = new TextVectorizer(dev.nmfstream.text.TextSettings.defaults());
        for (String text : documents.values()) {
            corpusWords.addAll(analysis.terms(text));
        }
        String[][] bad = {
            {"bad-empty", "{\"id\":\"bad-empty\",\"text\":\"\"}"},
            {"bad-number", "{\"id\":\"bad-number\",\"text\":12345}"},
            {"bad-huge", "{\"id\":\"bad-huge\",\"text\":\"" + "lorem ipsum ".repeat(10 * 1024 * 1024 / 12 + 1) + "\"}"},
        };
        try (EmbeddedKafka broker = EmbeddedKafka.start(dir.resolve("kafka"), new Properties())) {
            Properties p = new Properties();
            p.setProperty("nmf.rank", "" + R);
            p.setProperty("nmf.input.format", "text");
            // the default m = 2^15 (it ran at 2^13 while the first basis at 2^15 could outlast a transaction)
            p.setProperty("nmf.snapshot.interval.ms", "500");
            p.setProperty("nmf.stats.flush.ms", "300");
            p.setProperty("application.id", "nmf-text-it-" + UUID.randomUUID());
            p.setProperty("state.dir", dir.resolve("streams").toString());
            NmfStreamConfig config = NmfStreamConfig.from(p);
            try (NmfService service = NmfService.start(config, broker.bootstrapServers())) {
                ServiceRuns.awaitRunning(service);
                ServiceRuns.produce(folder.toString(), broker.bootstrapServers(), documents.size());
                Properties big = new Properties();
                big.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
                // the 10 MB text travels compressed (the broker's limit is on the compressed batch)
                big.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "gzip");
                big.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, "" + (16 << 20));
                try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(big, new StringSerializer(),
                        new ByteArraySerializer())) {
                    for (String[] b : bad) {
                        producer.send(new ProducerRecord<>(config.topics().columns(), b[0],
                                b[1].getBytes(StandardCharsets.UTF_8))).get();
                    }
                }
                Map<String, Integer> seen = new HashMap<>();
                Map<String, String> reasons = new HashMap<>();
                Map<String, ComponentMessage> factors = new HashMap<>();
                try (KafkaConsumer<String, byte[]> consumer = KafkaClients.committedConsumer(broker.bootstrapServers(),
                        null, true)) {
                    consumer.subscribe(List.of(config.topics().weights(), config.topics().deadLetters(),
                            config.topics().factors()));
                    long until = System.nanoTime() + Duration.ofSeconds(120).toNanos();
                    long settleFrom = Long.MAX_VALUE;
                    while (System.nanoTime() < until
                            && (settleFrom == Long.MAX_VALUE || System.nanoTime() - settleFrom < 3_000_000_000L)) {
                        for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                            if (r.topic().equals(config.topics().weights())) {
                                WeightsMessage w = WireSerdes.weights().deserializer().deserialize(r.topic(), r.value());
                                seen.merge(w.id(), 1, Integer::sum);
                            } else if (r.topic().equals(config.topics().deadLetters())) {
                                DeadLetter d = WireSerdes.deadLetter().deserializer().deserialize(r.topic(), r.value());
                                reasons.put(d.key(), d.reason());
                            } else if (r.key().contains("/")) {
                                factors.put(r.key(), WireSerdes.component().deserializer().deserialize(r.topic(),
                                        r.value()));
                            }
                        }
                        if (settleFrom == Long.MAX_VALUE && seen.size() >= byFileId.size()
                                && reasons.size() >= bad.length) {
                            settleFrom = System.nanoTime(); // a last snapshot, and nothing more
                        }
                    }
                }
                TestDiagnostics.record(TextIT.class, "%d documents: %d with weights, %d dead letters %s", byFileId.size(),
                        seen.size(), reasons.size(), reasons);
                assertEquals(byFileId.keySet(), seen.keySet(), "every document has weights");
                for (Map.Entry<String, Integer> e : seen.entrySet()) {
                    assertEquals(1, e.getValue(), "weights of " + e.getKey() + " once");
                }
                assertTrue(reasons.get("bad-empty").startsWith("text: empty"), reasons.toString());
                assertTrue(reasons.get("bad-number").startsWith("text: an integer, expected a string"),
                        reasons.toString());
                assertTrue(reasons.get("bad-huge").matches("value: \\d+ bytes, expected at most 4194304 "
                        + "\\(nmf\\.max\\.value\\.bytes\\)"), reasons.toString());
                assertEquals(R, factors.size(), "a snapshot of every component");
                for (ComponentMessage c : factors.values()) {
                    TestDiagnostics.record(TextIT.class, "component %d v%d: %s", c.component(), c.version(),
                            c.topFeatures());
                }
                StringBuilder topics = new StringBuilder();
                for (ComponentMessage c : factors.values()) {
                    assertEquals(10, c.topFeatures().size());
                    topics.append(c.component()).append(':');
                    for (TopFeature f : c.topFeatures()) {
                        assertNotNull(f.label(), "component " + c.component() + " row " + f.index() + ": a word");
                        assertTrue(corpusWords.contains(f.label()), "'" + f.label() + "' is a word of the documents");
                        assertEquals(TextVectorizer.bucketOf(f.label(), config.dimension()), f.index(),
                                "the word's row");
                        topics.append(' ').append(f.label());
                    }
                    topics.append('\n');
                }
                TestDiagnostics.record(TextIT.class, "topics:\n%s", topics);
                // run's status line: its first call finds the newest summary behind megabytes of snapshots
                NmfService.Status status = service.status();
                TestDiagnostics.record(TextIT.class, "status: %s", status);
                assertTrue(Double.isFinite(status.runningError()) && status.itemsSeen() > 0,
                        "the status shows the factors' running error: " + status);
            }
        }
    }
}
