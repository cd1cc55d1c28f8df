package dev.nmfstream.bench;

import static dev.nmfstream.cli.MainTest.assertContains;
import static dev.nmfstream.cli.MainTest.fixture;
import static dev.nmfstream.cli.MainTest.run;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nmfstream.bench.StreamBenchCommand.FactorSnapshots;
import dev.nmfstream.bench.StreamBenchCommand.PublishedWeights;
import dev.nmfstream.cli.MainTest.Run;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bench-stream --data}: what it computes from the published weights and factors (without a
 * broker), and its input checks, which fail before any broker starts. The broker runs themselves
 * are the benchmark (bench/run.sh), not a test.
 */
class StreamBenchCommandTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void prequentialErrorWeighsEachItemsPublishedResidualByItsNorm() {
        // ‖v‖² = 1, 4, 9; published relative residuals 0.5, 0.25, 0 → residuals² 0.25, 0.25, 0
        PublishedWeights w = new PublishedWeights(new double[] {1, 4, 9}, 2);
        w.accept("i2", 0.0, 7);
        w.accept("i0", 0.5, 1);
        w.accept("i1", 0.25, 3);
        assertEquals(3, w.records());
        assertEquals(3, w.distinct());
        assertEquals(Math.sqrt(0.5 / 14), w.prequentialError(), 1e-15);
        assertEquals(11.0 / 3, w.meanBasisVersion(), 1e-15);
        assertEquals("items,residualSq,normSq,basisVersionSum\n2,0.5,5.0,4\n3,0.5,14.0,11\n", w.traceCsv());
    }

    @Test
    void aRepeatedItemCountsAsARecordButOnceInTheError() {
        PublishedWeights w = new PublishedWeights(new double[] {1, 1}, 10);
        w.accept("i0", 0.5, 1);
        w.accept("i0", 0.9, 2);
        assertEquals(2, w.records());
        assertEquals(1, w.distinct());
        // only the items that have weights count: item 1 is missing
        assertEquals(0.5, w.prequentialError(), 1e-15);
        assertEquals("items,residualSq,normSq,basisVersionSum\n2,0.25,1.0,1\n", w.traceCsv());
    }

    @Test
    void unexpectedWeightsKeysAreRejected() {
        PublishedWeights w = new PublishedWeights(new double[] {1, 1}, 10);
        assertThrows(IllegalArgumentException.class, () -> w.accept("i2", 0, 0));
        assertThrows(IllegalArgumentException.class, () -> w.accept("item-0", 0, 0));
        assertThrows(IllegalArgumentException.class, () -> w.accept(null, 0, 0));
    }

    private static JsonNode component(long version, double... vector) throws Exception {
        return JSON.readTree(JSON.writeValueAsString(Map.of("version", version, "vector", vector)));
    }

    private static JsonNode summary(long version, long itemsSeen) throws Exception {
        return JSON.readTree("{\"version\":" + version + ",\"itemsSeen\":" + itemsSeen + ",\"rank\":2}");
    }

    @Test
    void factorsAreTheNewestSnapshotWhoseSummaryAndComponentsAreAllThere() throws Exception {
        FactorSnapshots f = new FactorSnapshots("bench", 2, 3);
        assertNull(f.newestComplete());
        assertEquals(-1, f.newestItemsSeen());
        f.accept("bench/0", component(4, 1, 0, 0));
        f.accept("bench/1", component(4, 0, 0.6, 0.8));
        assertNull(f.newestComplete(), "no summary yet");
        f.accept("bench", summary(4, 100));
        // row-major m × r
        assertArrayEquals(new double[] {1, 0, 0, 0.6, 0, 0.8}, f.newestComplete(), 0);
        assertEquals(4, f.newestVersion());
        assertEquals(100, f.newestItemsSeen());
        // a newer version with one component of two: the complete one stays
        f.accept("bench", summary(5, 200));
        f.accept("bench/1", component(5, 0, 1, 0));
        assertEquals(4, f.newestVersion());
        f.accept("bench/0", component(5, 0, 0, 1));
        assertEquals(5, f.newestVersion());
        assertArrayEquals(new double[] {0, 0, 0, 1, 1, 0}, f.newestComplete(), 0);
        assertEquals(200, f.newestItemsSeen());
        // another model's records are not ours
        f.accept("other", summary(9, 900));
        f.accept("benchmark/0", component(9, 1, 1, 1));
        assertEquals(5, f.newestVersion());
    }

    @Test
    void aComponentOfTheWrongShapeIsRejected() throws Exception {
        FactorSnapshots f = new FactorSnapshots("bench", 2, 3);
        assertThrows(IllegalArgumentException.class, () -> f.accept("bench/0", component(1, 1, 0)));
        assertThrows(IllegalArgumentException.class, () -> f.accept("bench/2", component(1, 1, 0, 0)));
    }

    @Test
    void pacedFilesGetASuffixBeforeTheExtension() {
        assertEquals(Path.of("out/W.paced.npy"), StreamBenchCommand.withSuffix(Path.of("out/W.npy"), ".paced"));
        assertEquals(Path.of("trace.paced"), StreamBenchCommand.withSuffix(Path.of("trace"), ".paced"));
        assertNull(StreamBenchCommand.withSuffix(null, ".paced"));
    }

    @Test
    void aMissingDataFileFailsBeforeAnyBrokerStarts() {
        Run r = run("bench-stream", "--data", dir.resolve("missing.npy").toString());
        assertEquals(1, r.exitCode(), r.describe());
        assertContains(r.err(), "bench-stream: ", "missing.npy");
        assertEquals("", r.out());
    }

    @Test
    void aRankAboveTheDimensionFails() {
        Run r = run("bench-stream", "--data", fixture("dense_f64_c.npy").toString(), "--rank", "8");
        assertEquals(1, r.exitCode(), r.describe());
        assertContains(r.err(), "7 × 5", "--rank = 8");
    }

    @Test
    void anUnknownFormatFails() {
        Run r = run("bench-stream", "--data", fixture("dense_f64_c.npy").toString(), "--format", "csv");
        assertEquals(2, r.exitCode(), r.describe());
        assertContains(r.err(), "--format csv", "binary or json");
    }

    @Test
    void warmUpAloneIsOneRoundAndTakesACount() {
        StreamBenchCommand none = new StreamBenchCommand();
        new picocli.CommandLine(none).parseArgs("--data", "x.npy");
        assertEquals(0, none.warmUps);
        StreamBenchCommand alone = new StreamBenchCommand();
        new picocli.CommandLine(alone).parseArgs("--data", "x.npy", "--warm-up");
        assertEquals(1, alone.warmUps);
        StreamBenchCommand three = new StreamBenchCommand();
        new picocli.CommandLine(three).parseArgs("--warm-up", "3", "--data", "x.npy");
        assertEquals(3, three.warmUps);
    }

    @Test
    void aNegativeWarmUpFails() {
        Run r = run("bench-stream", "--data", fixture("dense_f64_c.npy").toString(), "--warm-up", "-1");
        assertEquals(2, r.exitCode(), r.describe());
        assertContains(r.err(), "--warm-up -1", "≥ 0");
    }

    @Test
    void anUnwritableOutputFailsBeforeAnyBrokerStarts() {
        Path w = dir.resolve("no/such/W.npy");
        Run r = run("bench-stream", "--data", fixture("dense_f64_c.npy").toString(), "--rank", "2",
                "--out-w", w.toString());
        assertEquals(1, r.exitCode(), r.describe());
        assertContains(r.err(), "W.npy", "cannot write there");
        assertFalse(Files.exists(w));
    }
}
