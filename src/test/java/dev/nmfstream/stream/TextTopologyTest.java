package dev.nmfstream.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import dev.nmfstream.PlantedText;
import dev.nmfstream.nmf.synth.PlantedTopics;
import dev.nmfstream.wire.ComponentMessage;
import dev.nmfstream.wire.DeadLetter;
import dev.nmfstream.wire.TopFeature;
import dev.nmfstream.wire.WeightsMessage;
import dev.nmfstream.wire.WireSerdes;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.function.IntFunction;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Text input through the whole topology (TopologyTestDriver): planted topics over made-up words,
 * fed as JSON text, are learned back with their words as labels; bad documents are dead letters
 * with a reason.
 */
class TextTopologyTest {

    private static final int TERMS = 1000;
    private static final int R = 5;

    private static final JsonSchema FACTORS_SCHEMA = schema("nmf-factors");

    @TempDir
    Path stateDirs;

    private static JsonSchema schema(String topic) {
        try {
            return JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012).getSchema(new ObjectMapper().readTree(
                    Files.readString(Path.of("schemas", topic + ".schema.json"))));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }


    private NmfStreamConfig config(String... extra) {
        Properties p = new Properties();
        p.setProperty("nmf.rank", "" + R);
        p.setProperty("nmf.input.format", "text");
        p.setProperty("nmf.dimension", "" + (1 << 14));
        p.setProperty("nmf.batch.size", "128");
        p.setProperty("nmf.snapshot.interval.ms", "1000");
        p.setProperty("nmf.max.value.bytes", "100000");
        for (int i = 0; i < extra.length; i += 2) {
            p.setProperty(extra[i], extra[i + 1]);
        }
        return NmfStreamConfig.from(p);
    }

    private TopologyTestDriver driver(NmfStreamConfig config) {
        Properties p = new Properties();
        p.setProperty(StreamsConfig.APPLICATION_ID_CONFIG, "nmf-text-test");
        p.setProperty(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "dummy:9092");
        try {
            p.setProperty(StreamsConfig.STATE_DIR_CONFIG, Files.createTempDirectory(stateDirs, "ttd").toString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new TopologyTestDriver(NmfTopology.build(config), p);
    }

    private static TestInputTopic<String, byte[]> columns(TopologyTestDriver driver, NmfStreamConfig config) {
        return driver.createInputTopic(config.topics().columns(), new StringSerializer(), new ByteArraySerializer());
    }

    private static TestOutputTopic<String, byte[]> factors(TopologyTestDriver driver, NmfStreamConfig config) {
        return driver.createOutputTopic(config.topics().factors(), new StringDeserializer(),
                new ByteArrayDeserializer());
    }

    /**
     * Pipes documents {"id": "doc-d", "text": text(d)} (plus {@code extra} fields), moving the
     * clock 300 ms every {@code every} documents, then 6 s more so that the last updates and a
     * snapshot happen.
     */
    private static void feed(TopologyTestDriver driver, TestInputTopic<String, byte[]> in, int documents, int every,
            IntFunction<String> text, String extra) {
        for (int d = 0; d < documents; d++) {
            in.pipeInput(null, ("{\"id\":\"doc-" + d + "\",\"text\":\"" + text.apply(d) + "\"" + extra + "}")
                    .getBytes(StandardCharsets.UTF_8));
            if (d % every == every - 1) {
                driver.advanceWallClockTime(Duration.ofMillis(300));
            }
        }
        for (int t = 0; t < 20; t++) {
            driver.advanceWallClockTime(Duration.ofMillis(300));
        }
    }

    @Test
    void plantedTopicsFedAsTextAreLearnedWithTheirWords() throws IOException {
        NmfStreamConfig config = config();
        PlantedTopics planted = new PlantedTopics(TERMS, R, 30, 60, 0.1, 11);
        int[] idx = new int[256];
        double[] val = new double[256];
        try (TopologyTestDriver driver = driver(config)) {
            TestInputTopic<String, byte[]> in = columns(driver, config);
            TestOutputTopic<String, byte[]> factors = factors(driver, config);
            TestOutputTopic<String, WeightsMessage> weights = driver.createOutputTopic(config.topics().weights(),
                    new StringDeserializer(), WireSerdes.weights().deserializer());
            int documents = 6000;
            feed(driver, in, documents, 500, d -> PlantedText.next(planted, idx, val), ",\"source\":\"planted\"");
            assertEquals(documents, weights.readRecordsToList().size(), "every document has its weights");
            Map<String, byte[]> snapshot = factors.readKeyValuesToMap();
            List<List<String>> learned = new ArrayList<>();
            for (int k = 0; k < R; k++) {
                byte[] value = snapshot.get(config.model() + "/" + k);
                assertNotNull(value, "component " + k + " published");
                ComponentMessage c = WireSerdes.component().deserializer().deserialize("f", value);
                assertEquals(Set.of(), FACTORS_SCHEMA.validate(new ObjectMapper().readTree(value)),
                        "component " + k + " against schemas/nmf-factors.schema.json");
                List<String> words = new ArrayList<>();
                for (TopFeature f : c.topFeatures()) {
                    assertNotNull(f.label(), "component " + k + ": row " + f.index() + " has a word");
                    words.add(f.label());
                }
                learned.add(words);
            }
            PlantedText.assertRecovered(planted, learned);
        }
    }

    /**
     * Words first seen late in the feed enter the topics: 4,000 documents of four planted topics,
     * then 3,000 of a fifth whose words ("y…") none of the earlier documents had; after the feed a
     * learned topic is named by at least 8 of the new topic's 10 words (the early topics' words do
     * not count). The clock moves every 100 documents, so that the model updates as a live feed's
     * would; with the other test's every 500, all documents are held and learned in a handful of
     * late updates (seven versions), too few for the new words' rows to grow.
     */
    @Test
    void wordsFirstSeenLateEnterTheTopics() throws IOException {
        NmfStreamConfig config = config();
        PlantedTopics early = new PlantedTopics(TERMS, R - 1, 30, 60, 0.1, 11);
        PlantedTopics late = new PlantedTopics(TERMS, 1, 30, 60, 0.1, 12);
        int[] idx = new int[256];
        double[] val = new double[256];
        try (TopologyTestDriver driver = driver(config)) {
            TestInputTopic<String, byte[]> in = columns(driver, config);
            TestOutputTopic<String, byte[]> factors = factors(driver, config);
            // the syllables have no x or y: the late topic's words are new
            feed(driver, in, 7000, 100, d -> d < 4000 ? PlantedText.next(early, idx, val)
                    : PlantedText.next(late, idx, val).replace('x', 'y'), "");
            Map<String, byte[]> snapshot = factors.readKeyValuesToMap();
            List<List<String>> learned = new ArrayList<>();
            for (int k = 0; k < R; k++) {
                ComponentMessage c = WireSerdes.component().deserializer().deserialize("f",
                        snapshot.get(config.model() + "/" + k));
                List<String> words = new ArrayList<>();
                for (TopFeature f : c.topFeatures()) {
                    // only the late words count, written as the planted stream's ("x…")
                    String label = f.label() == null ? "" : f.label();
                    words.add(label.startsWith("y") ? label.replace('y', 'x') : "early " + label);
                }
                learned.add(words);
            }
            PlantedText.assertRecovered(late, learned);
        }
    }

    @Test
    void badDocumentsAreDeadLettersWithAReason() {
        NmfStreamConfig config = config("nmf.max.value.bytes", "1000");
        try (TopologyTestDriver driver = driver(config)) {
            TestInputTopic<String, byte[]> in = columns(driver, config);
            TestOutputTopic<String, DeadLetter> dead = driver.createOutputTopic(config.topics().deadLetters(),
                    new StringDeserializer(), WireSerdes.deadLetter().deserializer());
            Map<String, String> cases = new HashMap<>();
            cases.put("{\"id\":\"empty\",\"text\":\"\"}", "text: empty");
            cases.put("{\"id\":\"blank\",\"text\":\" \\n \"}", "text: empty (3 chars of white space)");
            cases.put("{\"id\":\"number\",\"text\":42}", "text: an integer, expected a string, found 42");
            cases.put("{\"id\":\"object\",\"text\":{\"a\":1}}", "text: an object, expected a string");
            cases.put("{\"id\":\"missing\",\"body\":\"words here\"}", "text: missing");
            cases.put("{\"text\":\"no id anywhere\"}", "id: missing and the record key is null");
            cases.put("{\"id\":\"stop\",\"text\":\"the and of it 42\"}", "text: no words after analysis");
            cases.put("{\"id\":\"big\",\"text\":\"" + "word ".repeat(300) + "\"}", "bytes, expected at most 1000 "
                    + "(nmf.max.value.bytes)");
            cases.put("{\"id\":\"title\",\"title\":7,\"text\":\"words\"}", "title: an integer, expected a string");
            for (String value : cases.keySet()) {
                in.pipeInput(null, value.getBytes(StandardCharsets.UTF_8));
            }
            List<DeadLetter> letters = dead.readValuesToList();
            assertEquals(cases.size(), letters.size());
            Set<String> reasons = new HashSet<>();
            for (DeadLetter l : letters) {
                reasons.add(l.reason());
            }
            for (String expected : cases.values()) {
                assertTrue(reasons.stream().anyMatch(r -> r.contains(expected)), "a reason with '" + expected + "' in "
                        + reasons);
            }
        }
    }
}
