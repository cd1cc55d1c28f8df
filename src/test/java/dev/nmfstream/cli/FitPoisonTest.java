package dev.nmfstream.cli;

import static dev.nmfstream.cli.MainTest.assertContains;
import static dev.nmfstream.cli.MainTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nmfstream.cli.MainTest.Run;
import dev.nmfstream.io.Npy;
import dev.nmfstream.nmf.synth.PlantedModel;
import dev.nmfstream.nmf.synth.PoisonRecords;
import dev.nmfstream.nmf.synth.Recovery;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code fit} on a planted data set with 1% hostile columns ({@link PoisonRecords}): learned from
 * capped, the planted basis is recovered and every figure is finite; with {@code --max-value} the
 * file is refused naming the first column above it.
 */
class FitPoisonTest {

    private static final int M = 64;
    private static final int R = 5;
    private static final int CLEAN = 6_000;

    @TempDir
    Path dir;

    /** The planted columns with a hostile one (kinds in turn) after every 100th; m × n, row-major. */
    private static double[] poisonedMatrix(PlantedModel planted, int[] columns) {
        PoisonRecords[] kinds = PoisonRecords.values();
        int n = CLEAN + CLEAN / 100;
        double[] data = new double[M * n];
        double[] v = new double[M];
        int j = 0;
        for (int c = 0; c < CLEAN; c++) {
            planted.next(v, 0);
            put(data, n, j++, v);
            if (c % 100 == 10) {
                put(data, n, j++, kinds[(c / 100) % kinds.length].make(v));
            }
        }
        columns[0] = n;
        return data;
    }

    private static void put(double[] data, int n, int j, double[] v) {
        for (int i = 0; i < M; i++) {
            data[i * n + j] = v[i];
        }
    }

    @Test
    void hostileColumnsAreLearnedFromCappedOrRefusedWithMaxValue() throws IOException {
        PlantedModel planted = new PlantedModel(M, R, 0.3, 0.1, 0.05, 17);
        int[] n = new int[1];
        double[] data = poisonedMatrix(planted, n);
        Path file = dir.resolve("poisoned.npy");
        Npy.writeMatrix(file, M, n[0], data);
        Path out = dir.resolve("W.npy");

        Run r = run("fit", file.toString(), "-o", out.toString(), "--rank", "" + R, "--seed", "3");
        assertEquals(0, r.exitCode(), r.describe());
        JsonNode json = new ObjectMapper().readTree(r.out().lines().reduce((a, b) -> b).orElseThrow());
        for (String figure : new String[] {"relativeError", "prequentialError"}) {
            assertTrue(json.get(figure).isNumber() && Double.isFinite(json.get(figure).asDouble()),
                    figure + ": " + json.get(figure));
        }
        Recovery recovery = Recovery.match(planted.trueBasis(), Npy.read(out).doubles(), M, R);
        assertTrue(recovery.worst() >= 0.99, "worst matched cosine " + recovery.worst());
        assertTrue(json.get("prequentialError").asDouble() < 0.1, "prequential error " + json.get("prequentialError"));

        // a larger κ than any norm ratio: the same file wrecks the model (the cap is what protects it)
        Files.delete(out);
        Run uncapped = run("fit", file.toString(), "-o", out.toString(), "--rank", "" + R, "--seed", "3",
                "--influence-cap", "1e300");
        assertEquals(0, uncapped.exitCode(), uncapped.describe());
        Recovery wrecked = Recovery.match(planted.trueBasis(), Npy.read(out).doubles(), M, R);
        assertTrue(wrecked.worst() < 0.99, "without the cap: worst matched cosine " + wrecked.worst());

        // --max-value refuses the file, naming the first column above it (column 21: SPAN_300, after clean 110)
        Path refused = dir.resolve("W-refused.npy");
        Run strict = run("fit", file.toString(), "-o", refused.toString(), "--rank", "" + R, "--max-value", "1e30");
        assertEquals(1, strict.exitCode(), strict.describe());
        assertContains(strict.err(), "fit: " + file, "column 112, row ", "expected at most 1.0E30 (--max-value)");
        assertFalse(Files.exists(refused));
    }

    @Test
    void badCapAndMaxValueOptionsAreRefusedByName() throws IOException {
        Path file = dir.resolve("tiny.npy");
        Npy.writeMatrix(file, 3, 4, new double[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12});
        Run cap = run("fit", file.toString(), "-o", dir.resolve("W.npy").toString(), "--rank", "2",
                "--influence-cap", "0.5");
        assertEquals(2, cap.exitCode(), cap.describe());
        assertContains(cap.err(), "--influence-cap", "0.5");
        Run max = run("fit", file.toString(), "-o", dir.resolve("W.npy").toString(), "--rank", "2",
                "--max-value", "-1");
        assertEquals(2, max.exitCode(), max.describe());
        assertContains(max.err(), "--max-value", "-1");
    }
}
