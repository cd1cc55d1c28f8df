package dev.nmfstream.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import dev.nmfstream.nmf.Basis;
import dev.nmfstream.nmf.DenseColumn;
import dev.nmfstream.nmf.SparseColumn;
import dev.nmfstream.nmf.synth.PlantedModel;
import dev.nmfstream.wire.ColumnEncoder;
import dev.nmfstream.wire.ComponentMessage;
import dev.nmfstream.wire.DeadLetter;
import dev.nmfstream.wire.SummaryMessage;
import dev.nmfstream.wire.WeightsMessage;
import dev.nmfstream.wire.WireSerdes;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Every path of the topology, without a broker. */
class NmfTopologyTest {

    private static final int M = 40;
    private static final int R = 4;

    private static NmfStreamConfig config(String... extra) {
        Properties p = new Properties();
        p.setProperty("nmf.rank", "" + R);
        p.setProperty("nmf.dimension", "" + M);
        p.setProperty("nmf.batch.size", "50");
        p.setProperty("nmf.bootstrap.size", "60");
        p.setProperty("nmf.snapshot.interval.ms", "1000");
        p.setProperty("nmf.max.value.bytes", "20000");
        for (int i = 0; i < extra.length; i += 2) {
            p.setProperty(extra[i], extra[i + 1]);
        }
        return NmfStreamConfig.from(p);
    }

    /** Holds the state directory of each driver of a test; JUnit deletes it after the test. */
    @TempDir
    Path stateDirs;

    private Properties driverProperties() {
        Properties p = new Properties();
        p.setProperty(StreamsConfig.APPLICATION_ID_CONFIG, "nmf-test");
        p.setProperty(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "dummy:9092");
        try {
            p.setProperty(StreamsConfig.STATE_DIR_CONFIG, Files.createTempDirectory(stateDirs, "ttd").toString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return p;
    }

    /** A driver with its topics. */
    private final class Harness implements AutoCloseable {
        final TopologyTestDriver driver;
        final TestInputTopic<String, byte[]> columns;
        final TestOutputTopic<String, WeightsMessage> weights;
        final TestOutputTopic<String, DeadLetter> deadLetters;
        final TestOutputTopic<String, byte[]> factors;
        final PlantedModel planted = new PlantedModel(M, R, 0.4, 0.1, 0.02, 3);
        int next;

        Harness(NmfStreamConfig config, Basis initial) {
            driver = new TopologyTestDriver(NmfTopology.build(config, initial), driverProperties());
            columns = driver.createInputTopic(config.topics().columns(), new StringSerializer(),
                    new ByteArraySerializer());
            weights = driver.createOutputTopic(config.topics().weights(), new StringDeserializer(),
                    WireSerdes.weights().deserializer());
            deadLetters = driver.createOutputTopic(config.topics().deadLetters(), new StringDeserializer(),
                    WireSerdes.deadLetter().deserializer());
            factors = driver.createOutputTopic(config.topics().factors(), new StringDeserializer(),
                    new ByteArrayDeserializer());
        }

        /** Sends n planted columns as JSON, ids "i<next>". */
        void sendJson(int n) {
            double[] v = new double[M];
            for (int j = 0; j < n; j++) {
                planted.next(v, 0);
                String id = "i" + next++;
                columns.pipeInput(id, ColumnEncoder.json(id, DenseColumn.of(v.clone()), -1));
            }
        }

        void tick(long ms) {
            driver.advanceWallClockTime(Duration.ofMillis(ms));
        }

        @Override
        public void close() {
            driver.close();
        }
    }

    @Test
    void itemsBeforeTheFirstBasisAreHeldAndProjectedOnceItExists() {
        try (Harness h = new Harness(config(), null)) {
            h.sendJson(30);
            h.tick(200);
            assertTrue(h.weights.isEmpty(), "no basis yet: items are held");
            h.sendJson(40); // the 60th sample makes the first basis
            h.tick(200);
            h.tick(200);
            List<TestRecord<String, WeightsMessage>> out = h.weights.readRecordsToList();
            assertEquals(70, out.size(), "every held item gets its weights");
            Set<String> ids = new HashSet<>();
            for (TestRecord<String, WeightsMessage> r : out) {
                assertTrue(ids.add(r.key()), "each id once: " + r.key());
                assertEquals(r.key(), r.value().id());
                assertEquals(R, r.value().weights().length);
                double res = r.value().relativeResidual();
                assertTrue(res >= 0 && res <= 1, "relative residual " + res);
            }
            // in arrival order
            assertEquals("i0", out.get(0).key());
            assertEquals("i69", out.get(69).key());
            assertTrue(h.deadLetters.isEmpty());
        }
    }

    @Test
    void aGivenBasisIsPublishedAndVersionsAdvanceEveryMiniBatch() {
        PlantedModel truth = new PlantedModel(M, R, 0.4, 0.1, 0.02, 3);
        Basis initial = new Basis(M, R, truth.trueBasis(), 0);
        try (Harness h = new Harness(config(), initial)) {
            h.tick(300); // the updater publishes the given basis
            h.sendJson(10);
            List<WeightsMessage> first = h.weights.readValuesToList();
            assertEquals(10, first.size());
            for (WeightsMessage w : first) {
                assertEquals(0, w.basisVersion());
            }
            h.sendJson(200); // 4 mini-batches of 50
            h.tick(200);
            h.sendJson(5);
            List<WeightsMessage> later = h.weights.readValuesToList();
            long newest = later.get(later.size() - 1).basisVersion();
            assertTrue(newest >= 3, "basis version after 210 items: " + newest);
            long previous = -1;
            for (WeightsMessage w : later) {
                assertTrue(w.basisVersion() >= previous, "versions never go back");
                previous = w.basisVersion();
            }
            // a snapshot of the factors: r components and a summary
            h.tick(1500);
            Map<String, byte[]> snapshot = h.factors.readKeyValuesToMap();
            assertEquals(R + 1, snapshot.size(), snapshot.keySet().toString());
            ComponentMessage c0 = WireSerdes.component().deserializer().deserialize("t", snapshot.get("nmf/0"));
            assertEquals(M, c0.vector().length);
            assertEquals(1, c0.norm(), 1e-9);
            assertFalse(c0.topFeatures().isEmpty());
            SummaryMessage summary = WireSerdes.summary().deserializer().deserialize("t", snapshot.get("nmf"));
            assertEquals(R, summary.rank());
            assertEquals(M, summary.dim());
            assertTrue(summary.itemsSeen() >= 200, "items seen " + summary.itemsSeen());
            assertNotNull(summary.runningError());
        }
    }

    @Test
    void aFeedThatStopsGetsItsFactorsWithoutWaitingOutTheSnapshotInterval() {
        PlantedModel truth = new PlantedModel(M, R, 0.4, 0.1, 0.02, 3);
        Basis initial = new Basis(M, R, truth.trueBasis(), 0);
        try (Harness h = new Harness(config("nmf.snapshot.interval.ms", "60000"), initial)) {
            h.tick(300);
            h.factors.readKeyValuesToMap(); // the given basis, published while nothing flows
            // a steady feed, a mini-batch every 500 ms: nothing before the interval (a minute)
            for (int t = 0; t < 10; t++) {
                h.sendJson(50);
                h.tick(500);
            }
            assertTrue(h.factors.isEmpty(), "a steady feed waits out the snapshot interval");
            h.tick(2_000); // 2.5 s without statistics: the projectors may still send a partial batch
            assertTrue(h.factors.isEmpty(), "not settled before statsFlushMs + 1 s");
            h.tick(1_400); // 3.9 s: settled
            Map<String, byte[]> snapshot = h.factors.readKeyValuesToMap();
            assertEquals(R + 1, snapshot.size(), snapshot.keySet().toString());
            SummaryMessage summary = WireSerdes.summary().deserializer().deserialize("t", snapshot.get("nmf"));
            assertEquals(500, summary.itemsSeen(), "the snapshot learned from every item");
            h.tick(5_000);
            assertTrue(h.factors.isEmpty(), "nothing new learned: no further snapshot");
        }
    }

    @Test
    void binaryAndSparseInputProjectAsJson() {
        PlantedModel truth = new PlantedModel(M, R, 0.4, 0.1, 0.02, 3);
        try (Harness h = new Harness(config(), new Basis(M, R, truth.trueBasis(), 0))) {
            h.tick(300);
            double[] v = new double[M];
            truth.next(v, 0);
            h.columns.pipeInput("json", ColumnEncoder.json("json", DenseColumn.of(v), -1));
            h.columns.pipeInput("binary", ColumnEncoder.binary(DenseColumn.of(v), 1234));
            h.columns.pipeInput("sparse", ColumnEncoder.json("sparse", SparseColumn.of(M, new int[] {0, 5},
                    new double[] {v[0] + 1, v[5] + 1}), -1));
            List<WeightsMessage> out = h.weights.readValuesToList();
            assertEquals(3, out.size());
            for (int k = 0; k < R; k++) {
                assertEquals(out.get(0).weights()[k], out.get(1).weights()[k], 1e-5, "float32 binary vs JSON");
            }
            assertEquals(1234, out.get(1).eventTimestamp());
            assertEquals("sparse", out.get(2).id());
        }
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "not json|value: not JSON",
        "[1,2]|expected a JSON object",
        "{\"id\":\"k\",\"values\":\"x\"}|values: a string, expected an array of numbers",
        "{\"id\":\"k\"}|values: missing",
        "{\"id\":\"k\",\"values\":[1,2,3]}|values: 3 numbers, expected 40",
        "{\"id\":\"k\",\"values\":[]}|empty vector",
        "{\"id\":\"k\",\"dim\":40,\"indices\":[3,3],\"values\":[1,2]}|is repeated",
        "{\"id\":\"k\",\"dim\":40,\"indices\":[5,3],\"values\":[1,2]}|strictly increasing",
        "{\"id\":\"k\",\"dim\":40,\"indices\":[40],\"values\":[1]}|indices[0] = 40, expected an index in [0, 40)",
        "{\"id\":\"k\",\"dim\":41,\"indices\":[1],\"values\":[1]}|dim = 41, expected 40",
        "{\"id\":\"k\",\"dim\":40,\"indices\":[1,2],\"values\":[1]}|expected the same count",
        "{\"id\":\"other\",\"dim\":40,\"indices\":[1],\"values\":[1]}|but the record key is",
        "{\"id\":\"k\",\"dim\":40,\"indices\":[1],\"values\":[-1]}|values[0] = -1, expected a finite nonnegative",
        "{\"id\":\"k\",\"dim\":40,\"indices\":[1],\"values\":[NaN]}|values[0] = NaN",
        "{\"id\":\"k\",\"dim\":40,\"indices\":[1],\"values\":[Infinity]}|values[0] = Infinity",
        "{\"id\":\"k\",\"dim\":40,\"indices\":[1],\"values\":[1]} x|after the JSON object"})
    void everyKindOfBadInputGivesOneDeadLetterAndNothingElse(String value, String reason) {
        PlantedModel truth = new PlantedModel(M, R, 0.4, 0.1, 0.02, 3);
        try (Harness h = new Harness(config(), new Basis(M, R, truth.trueBasis(), 0))) {
            h.tick(300);
            h.sendJson(3);
            h.columns.pipeInput("k", value.getBytes(StandardCharsets.UTF_8));
            h.sendJson(3);
            List<TestRecord<String, DeadLetter>> letters = h.deadLetters.readRecordsToList();
            assertEquals(1, letters.size());
            DeadLetter d = letters.get(0).value();
            assertTrue(d.reason().contains(reason), d.reason());
            assertEquals("k", d.key());
            assertEquals("nmf-columns", d.topic());
            assertEquals(3, d.offset());
            assertEquals(6, h.weights.readValuesToList().size(), "the valid stream is untouched");
        }
    }

    @Test
    void nullsOversizedAndTruncatedBinaryAreDeadLettered() {
        PlantedModel truth = new PlantedModel(M, R, 0.4, 0.1, 0.02, 3);
        try (Harness h = new Harness(config(), new Basis(M, R, truth.trueBasis(), 0))) {
            h.tick(300);
            h.columns.pipeInput("a", (byte[]) null);
            h.columns.pipeInput("b", new byte[30_000]);
            byte[] binary = ColumnEncoder.binary(DenseColumn.of(new double[M]), -1);
            h.columns.pipeInput("c", Arrays.copyOf(binary, binary.length - 3));
            h.columns.pipeInput((String) null, ColumnEncoder.binary(DenseColumn.of(new double[M]), -1));
            List<DeadLetter> letters = h.deadLetters.readValuesToList();
            assertEquals(4, letters.size());
            assertTrue(letters.get(0).reason().contains("null"), letters.get(0).reason());
            assertTrue(letters.get(1).reason().contains("expected at most 20000"), letters.get(1).reason());
            assertTrue(letters.get(1).valueTruncated());
            assertEquals(30_000, letters.get(1).valueLength());
            assertTrue(letters.get(2).reason().contains("truncated"), letters.get(2).reason());
            assertTrue(letters.get(3).reason().contains("key: null"), letters.get(3).reason());
            assertNull(letters.get(3).key());
            assertTrue(h.weights.isEmpty());
        }
    }

    @Test
    void realOutputsMatchThePublishedSchemas() throws Exception {
        PlantedModel truth = new PlantedModel(M, R, 0.4, 0.1, 0.02, 3);
        NmfStreamConfig config = config();
        try (TopologyTestDriver driver = new TopologyTestDriver(
                NmfTopology.build(config, new Basis(M, R, truth.trueBasis(), 0)), driverProperties())) {
            TestInputTopic<String, byte[]> in = driver.createInputTopic(config.topics().columns(),
                    new StringSerializer(), new ByteArraySerializer());
            driver.advanceWallClockTime(Duration.ofMillis(300));
            double[] v = new double[M];
            for (int j = 0; j < 120; j++) {
                truth.next(v, 0);
                in.pipeInput("a" + j, ColumnEncoder.json("a" + j, DenseColumn.of(v.clone()), 1000 + j));
            }
            in.pipeInput("bad", "{\"values\":[1]}".getBytes(StandardCharsets.UTF_8));
            driver.advanceWallClockTime(Duration.ofMillis(1500));
            Map<String, List<byte[]>> outputs = Map.of(
                    "nmf-weights", raw(driver, config.topics().weights()),
                    "nmf-factors", raw(driver, config.topics().factors()),
                    "nmf-dead-letters", raw(driver, config.topics().deadLetters()));
            ObjectMapper json = new ObjectMapper();
            for (Map.Entry<String, List<byte[]>> e : outputs.entrySet()) {
                JsonSchema schema = JsonSchemaFactory
                        .getInstance(SpecVersion.VersionFlag.V202012)
                        .getSchema(json.readTree(Files.readString(
                                Path.of("schemas", e.getKey() + ".schema.json"))));
                assertFalse(e.getValue().isEmpty(), "no output on " + e.getKey());
                for (byte[] record : e.getValue()) {
                    assertEquals(Set.of(), schema.validate(json.readTree(record)), e.getKey() + ": " + new String(record,
                            StandardCharsets.UTF_8));
                }
            }
        }
    }

    private static List<byte[]> raw(TopologyTestDriver driver, String topic) {
        return driver.createOutputTopic(topic, new StringDeserializer(),
                new ByteArrayDeserializer()).readValuesToList();
    }
}
