package dev.nmfstream.cli;

import static dev.nmfstream.cli.MainTest.assertContains;
import static dev.nmfstream.cli.MainTest.run;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nmfstream.cli.MainTest.Run;
import dev.nmfstream.io.Npy;
import dev.nmfstream.io.NpyArray;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@code generate}: planted data sets and their true basis as .npy files. */
class GenerateCommandTest {

    @TempDir
    Path dir;

    private Run generate(Path output, String... options) {
        List<String> args = new ArrayList<>(List.of("generate", "--output", output.toString()));
        args.addAll(Arrays.asList(options));
        return run(args.toArray(new String[0]));
    }

    private static Path truthOf(Path output) {
        return output.resolveSibling(output.getFileName().toString().replaceFirst("\\.npy$", "") + ".truth.npy");
    }

    @Test
    void writesDataAndTruthWithTheRequestedShapes() throws IOException {
        Path v = dir.resolve("v.npy");
        Run r = generate(v, "--rows", "30", "--columns", "200", "--rank", "3", "--seed", "5");
        assertEquals(0, r.exitCode(), r.describe());
        assertEquals("", r.err(), r.describe());

        List<String> lines = r.out().lines().toList();
        assertEquals(1, lines.size(), r.describe());
        JsonNode json = new ObjectMapper().readTree(lines.get(0));
        assertEquals(v.toString(), json.get("output").asText());
        assertEquals(truthOf(v).toString(), json.get("truth").asText());
        assertEquals(30, json.get("rows").asInt());
        assertEquals(200, json.get("columns").asInt());
        assertEquals(3, json.get("rank").asInt());

        NpyArray data = Npy.read(v);
        assertEquals("<f8", data.dtype());
        assertArrayEquals(new int[] {30, 200}, data.shape());
        assertFalse(data.fortranOrder());
        assertNonnegativeFinite(data.doubles());
        // every item carries signal
        for (int j = 0; j < 200; j++) {
            double s = 0;
            for (int i = 0; i < 30; i++) {
                s += data.doubles()[i * 200 + j];
            }
            assertTrue(s > 0, "column " + j + " is zero");
        }

        NpyArray truth = Npy.read(truthOf(v));
        assertEquals("<f8", truth.dtype());
        assertArrayEquals(new int[] {30, 3}, truth.shape());
        assertFalse(truth.fortranOrder());
        assertNonnegativeFinite(truth.doubles());
        // columns of W_true: unit length, at least two nonzeros
        for (int k = 0; k < 3; k++) {
            double s = 0;
            int nonzero = 0;
            for (int i = 0; i < 30; i++) {
                double x = truth.doubles()[i * 3 + k];
                s += x * x;
                nonzero += x != 0 ? 1 : 0;
            }
            assertEquals(1.0, s, 1e-12, "norm² of column " + k);
            assertTrue(nonzero >= 2, "column " + k + " has " + nonzero + " nonzeros");
        }
    }

    @Test
    void readableByFit() throws IOException {
        Path v = dir.resolve("small.npy");
        assertEquals(0, generate(v, "--rows", "10", "--columns", "50", "--rank", "2").exitCode());
        Path w = dir.resolve("w.npy");
        Run fit = run("fit", v.toString(), "--rank", "2", "--batch", "10", "-o", w.toString());
        assertEquals(0, fit.exitCode(), fit.describe());
        assertArrayEquals(new int[] {10, 2}, Npy.read(w).shape());
    }

    @Test
    void sameSeedSameFilesOtherSeedOtherFiles() throws IOException {
        Path a = dir.resolve("a.npy");
        Path b = dir.resolve("b.npy");
        Path c = dir.resolve("c.npy");
        String[] common = {"--rows", "20", "--columns", "100", "--rank", "4"};
        assertEquals(0, generate(a, concat(common, "--seed", "11")).exitCode());
        assertEquals(0, generate(b, concat(common, "--seed", "11")).exitCode());
        assertEquals(0, generate(c, concat(common, "--seed", "12")).exitCode());

        assertEquals(-1, Files.mismatch(a, b), "same seed, same V bytes");
        assertEquals(-1, Files.mismatch(truthOf(a), truthOf(b)), "same seed, same truth bytes");
        assertArrayEquals(Npy.read(a).doubles(), Npy.read(b).doubles(), 0.0);

        assertFalse(Arrays.equals(Npy.read(a).doubles(), Npy.read(c).doubles()), "other seed, other V");
        assertFalse(Arrays.equals(Npy.read(truthOf(a)).doubles(), Npy.read(truthOf(c)).doubles()),
                "other seed, other truth");
    }

    @Test
    void optionsChangeTheData() throws IOException {
        Path base = dir.resolve("base.npy");
        Path noiseless = dir.resolve("noiseless.npy");
        String[] common = {"--rows", "20", "--columns", "100", "--rank", "4", "--seed", "2"};
        assertEquals(0, generate(base, common).exitCode());
        assertEquals(0, generate(noiseless, concat(common, "--noise", "0")).exitCode());
        // the same planted basis, different noise
        assertEquals(-1, Files.mismatch(truthOf(base), truthOf(noiseless)));
        assertNotEquals(-1, Files.mismatch(base, noiseless));
    }

    @Test
    void outputWithoutNpyExtension() throws IOException {
        Path v = dir.resolve("data");
        Run r = generate(v, "--rows", "5", "--columns", "10", "--rank", "2");
        assertEquals(0, r.exitCode(), r.describe());
        assertArrayEquals(new int[] {5, 10}, Npy.read(v).shape());
        assertArrayEquals(new int[] {5, 2}, Npy.read(dir.resolve("data.truth.npy")).shape());
    }

    @Test
    void rankAboveRows() throws IOException {
        Path v = dir.resolve("wide.npy");
        Run r = generate(v, "--rows", "3", "--columns", "10", "--rank", "5");
        assertEquals(0, r.exitCode(), r.describe());
        assertArrayEquals(new int[] {3, 5}, Npy.read(truthOf(v)).shape());
        assertNonnegativeFinite(Npy.read(v).doubles());
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({
        "--columns, 0, --columns",
        "--columns, -5, --columns",
        "--rows, 0, --rows",
        "--rank, 0, --rank",
        "--density, 2, --density",
        "--density, 0, --density",
        "--density, NaN, --density",
        "--alpha, 0, --alpha",
        "--noise, -1, --noise",
    })
    void badOptions(String option, String value, String named) {
        Path v = dir.resolve("bad.npy");
        Map<String, String> options = new LinkedHashMap<>(Map.of("--rows", "5", "--columns", "10", "--rank", "2"));
        options.put(option, value);
        List<String> args = new ArrayList<>();
        options.forEach((k, x) -> args.add(k + "=" + x));
        Run r = generate(v, args.toArray(new String[0]));
        assertEquals(2, r.exitCode(), r.describe());
        assertEquals("", r.out(), r.describe());
        assertTrue(r.err().startsWith("generate: "), r.describe());
        assertContains(r.err(), named);
        assertFalse(Files.exists(v));
        assertFalse(Files.exists(truthOf(v)));
    }

    @Test
    void tooLarge() {
        Run r = generate(dir.resolve("huge.npy"), "--rows", "100000", "--columns", "100000");
        assertEquals(2, r.exitCode(), r.describe());
        assertContains(r.err(), "2^31");
    }

    @Test
    void missingOutput() {
        Run r = run("generate", "--rows", "5");
        assertEquals(2, r.exitCode(), r.describe());
        assertContains(r.err(), "Missing required option", "--output");
    }

    @Test
    void notANumber() {
        Run r = generate(dir.resolve("x.npy"), "--columns", "many");
        assertEquals(2, r.exitCode(), r.describe());
        assertContains(r.err(), "--columns", "'many'");
    }

    private static void assertNonnegativeFinite(double[] values) {
        for (double x : values) {
            assertTrue(x >= 0 && Double.isFinite(x), "value " + x);
        }
    }

    private static String[] concat(String[] a, String... b) {
        String[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
