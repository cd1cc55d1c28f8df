package dev.nmfstream.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nmfstream.nmf.DenseColumn;
import dev.nmfstream.nmf.synth.PlantedModel;
import dev.nmfstream.nmf.synth.PoisonRecords;
import dev.nmfstream.nmf.synth.Recovery;
import dev.nmfstream.wire.ColumnEncoder;
import dev.nmfstream.wire.ComponentMessage;
import dev.nmfstream.wire.DeadLetter;
import dev.nmfstream.wire.SummaryMessage;
import dev.nmfstream.wire.WeightsMessage;
import dev.nmfstream.wire.WireSerdes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
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

/**
 * Issue 10, item 1, through the whole topology: a planted stream (m = 64, r = 5, 6,000 clean
 * items, JSON) with 1% of valid-looking hostile records interleaved ({@link PoisonRecords}; the
 * float32 kind as binary frames). Records with a value above {@code nmf.max.value} (default 1e30)
 * are dead-lettered with a reason naming the value, its index and the setting; the rest get
 * finite, nonnegative weights and are learned from, capped. The model ends as the clean stream's:
 * recovery ≥ 0.99 and running error within 10%. Figures go to {@code target/poisoned-topology.txt}.
 */
class PoisonedTopologyTest {

    private static final int M = 64;
    private static final int R = 5;
    private static final int CLEAN = 6_000;
    private static final int EVERY = 100;
    private static final double MAX_VALUE = 1e30;

    private record Outcome(Recovery recovery, double runningError, int weights, List<DeadLetter> deadLetters,
            int expectedDeadLetters) {

        /** The reason of the dead letter of a kind of poison, or "none". */
        String reasonFor(String kind) {
            for (DeadLetter d : deadLetters) {
                if (d.key().endsWith(kind)) {
                    return d.reason();
                }
            }
            return "none";
        }
    }

    private static NmfStreamConfig config() {
        Properties p = new Properties();
        p.setProperty("nmf.rank", "" + R);
        p.setProperty("nmf.dimension", "" + M);
        p.setProperty("nmf.seed", "3");
        p.setProperty("nmf.snapshot.interval.ms", "1000");
        return NmfStreamConfig.from(p);
    }

    private static Outcome run(boolean poisoned, Path stateDir) {
        NmfStreamConfig config = config();
        Properties driverProperties = new Properties();
        driverProperties.setProperty(StreamsConfig.APPLICATION_ID_CONFIG, "nmf-poison-test");
        driverProperties.setProperty(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "dummy:9092");
        driverProperties.setProperty(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        PlantedModel planted = new PlantedModel(M, R, 0.3, 0.1, 0.05, 17);
        PoisonRecords[] kinds = PoisonRecords.values();
        Map<String, PoisonRecords> poison = new HashMap<>();
        Set<String> aboveMax = new HashSet<>();
        try (TopologyTestDriver driver = new TopologyTestDriver(NmfTopology.build(config, null, 1),
                driverProperties)) {
            TestInputTopic<String, byte[]> columns = driver.createInputTopic(config.topics().columns(),
                    new StringSerializer(), new ByteArraySerializer());
            TestOutputTopic<String, WeightsMessage> weights = driver.createOutputTopic(config.topics().weights(),
                    new StringDeserializer(), WireSerdes.weights().deserializer());
            TestOutputTopic<String, DeadLetter> deadLetters = driver.createOutputTopic(
                    config.topics().deadLetters(), new StringDeserializer(), WireSerdes.deadLetter().deserializer());
            TestOutputTopic<String, byte[]> factors = driver.createOutputTopic(config.topics().factors(),
                    new StringDeserializer(), new ByteArrayDeserializer());
            double[] v = new double[M];
            int weightsSeen = 0;
            for (int j = 0; j < CLEAN; j++) {
                planted.next(v, 0);
                String id = "i" + j;
                columns.pipeInput(id, ColumnEncoder.json(id, DenseColumn.of(v.clone()), -1));
                if (poisoned && j % EVERY == 10) {
                    PoisonRecords kind = kinds[poison.size() % kinds.length];
                    double[] record = kind.make(v);
                    String pid = "poison-" + poison.size() + "-" + kind;
                    poison.put(pid, kind);
                    if (kind.exceeds(record, MAX_VALUE)) {
                        aboveMax.add(pid);
                    }
                    columns.pipeInput(pid, kind == PoisonRecords.FLOAT32_3E37
                            ? ColumnEncoder.binary(DenseColumn.of(record), -1)
                            : ColumnEncoder.json(pid, DenseColumn.of(record), -1));
                }
                for (TestRecord<String, WeightsMessage> out : weights.readRecordsToList()) {
                    weightsSeen++;
                    checkWeights(out.value(), poison.containsKey(out.key()));
                }
            }
            // the last statistics are sent, learned from, and a snapshot of the factors published
            driver.advanceWallClockTime(Duration.ofMillis(2_500));
            driver.advanceWallClockTime(Duration.ofMillis(1_500));
            for (TestRecord<String, WeightsMessage> out : weights.readRecordsToList()) {
                weightsSeen++;
                checkWeights(out.value(), poison.containsKey(out.key()));
            }
            Map<String, byte[]> snapshot = factors.readKeyValuesToMap();
            double[] learned = new double[M * R];
            for (int k = 0; k < R; k++) {
                ComponentMessage c = WireSerdes.component().deserializer().deserialize("t",
                        snapshot.get(ComponentMessage.key(config.model(), k)));
                for (int i = 0; i < M; i++) {
                    learned[i * R + k] = c.vector()[i];
                }
            }
            SummaryMessage summary = WireSerdes.summary().deserializer().deserialize("t",
                    snapshot.get(config.model()));
            assertNotNull(summary.runningError());
            List<DeadLetter> letters = deadLetters.readValuesToList();
            for (DeadLetter d : letters) {
                assertTrue(aboveMax.contains(d.key()), "dead letter for " + d.key() + ": " + d.reason());
            }
            return new Outcome(Recovery.match(planted.trueBasis(), learned, M, R), summary.runningError(),
                    weightsSeen, letters, aboveMax.size());
        }
    }

    /** A projected item's weights are finite and nonnegative, its relative residual in [0, 1]. */
    private static void checkWeights(WeightsMessage w, boolean poison) {
        for (double x : w.weights()) {
            assertTrue(Double.isFinite(x) && x >= 0, w.id() + (poison ? " (poison)" : "") + ": weight " + x);
        }
        double res = w.relativeResidual();
        assertTrue(res >= 0 && res <= 1, w.id() + ": relative residual " + res);
    }

    @Test
    void hostileRecordsAreDeadLetteredOrCappedAndTheModelIsTheCleanStreams(@TempDir Path stateDir) throws IOException {
        Outcome clean = run(false, Files.createDirectories(stateDir.resolve("clean")));
        Outcome poisoned = run(true, Files.createDirectories(stateDir.resolve("poisoned")));
        Files.createDirectories(Path.of("target"));
        Files.writeString(Path.of("target", "poisoned-topology.txt"), String.format(Locale.ROOT,
                "clean:    recovery worst %.5f mean %.5f, running error %.5f, weights %d%n"
                        + "poisoned: recovery worst %.5f mean %.5f, running error %.5f, weights %d, dead letters %d%n",
                clean.recovery.worst(), clean.recovery.mean(), clean.runningError, clean.weights,
                poisoned.recovery.worst(), poisoned.recovery.mean(), poisoned.runningError, poisoned.weights,
                poisoned.deadLetters.size()), StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING);

        int poison = CLEAN / EVERY;
        assertTrue(poisoned.expectedDeadLetters > 0 && poisoned.expectedDeadLetters < poison,
                "some poison above nmf.max.value, some within it: " + poisoned.expectedDeadLetters);
        assertEquals(poisoned.expectedDeadLetters, poisoned.deadLetters.size(), "one dead letter per record above it");
        for (DeadLetter d : poisoned.deadLetters) {
            assertTrue(d.reason().matches("values\\[\\d+] = [0-9.eE+]+, expected at most 1\\.0E30 \\(nmf\\.max\\.value\\)"),
                    d.reason());
        }
        assertTrue(poisoned.reasonFor("FLOAT32_3E37").startsWith("values[21] = 3.0E37,"),
                poisoned.reasonFor("FLOAT32_3E37"));
        assertEquals(CLEAN, clean.weights);
        assertEquals(CLEAN + poison - poisoned.expectedDeadLetters, poisoned.weights, "every other record's weights");
        assertTrue(clean.recovery.worst() >= 0.99, "clean recovery " + clean.recovery.worst());
        assertTrue(poisoned.recovery.worst() >= 0.99, "poisoned recovery " + poisoned.recovery.worst());
        assertTrue(poisoned.runningError <= 1.1 * clean.runningError, "running error " + poisoned.runningError
                + ", the clean stream's " + clean.runningError);
    }
}
