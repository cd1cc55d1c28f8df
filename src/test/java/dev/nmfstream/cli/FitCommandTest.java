package dev.nmfstream.cli;

import static dev.nmfstream.cli.MainTest.assertContains;
import static dev.nmfstream.cli.MainTest.fixture;
import static dev.nmfstream.cli.MainTest.run;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nmfstream.cli.MainTest.Run;
import dev.nmfstream.io.ColumnCursor;
import dev.nmfstream.io.DataFiles;
import dev.nmfstream.io.DataMatrix;
import dev.nmfstream.io.Npy;
import dev.nmfstream.io.NpyArray;
import dev.nmfstream.nmf.Basis;
import dev.nmfstream.nmf.NmfConfig;
import dev.nmfstream.nmf.Projection;
import dev.nmfstream.nmf.Projector;
import dev.nmfstream.nmf.synth.PlantedTopics;
import dev.nmfstream.nmf.synth.Recovery;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code fit} end to end: every fixture layout of the same 7 × 5 matrix, a planted data set with
 * a known basis, and bad input.
 */
class FitCommandTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** Settings for the tiny fixture: several mini-batches over 5 columns. */
    /** Tiny settings; no consolidation, so that sparse and dense layouts of a file learn the same W. */
    private static final String[] TINY = {"--rank", "2", "--batch", "2", "--bootstrap", "2", "--reservoir", "0"};

    @TempDir
    Path dir;

    /** A successful fit: its JSON line and W (row-major m × r). */
    private record Fit(JsonNode json, double[] w) {}

    /** A planted data set made by {@code generate} in the test's folder. */
    private Path generated(String name, int rows, int columns, int rank, int seed) {
        Path data = dir.resolve(name);
        Run made = run("generate", "-o", data.toString(), "--rows", "" + rows, "--columns", "" + columns,
                "--rank", "" + rank, "--seed", "" + seed);
        assertEquals(0, made.exitCode(), made.describe());
        return data;
    }

    private Fit fit(Path data, boolean itemsAreRows, String... options) throws IOException {
        Path out = dir.resolve("W-" + data.getFileName() + "-" + System.nanoTime() + ".npy");
        List<String> args = new ArrayList<>(List.of("fit", data.toString(), "--output", out.toString()));
        if (itemsAreRows) {
            args.add("--items-are-rows");
        }
        args.addAll(Arrays.asList(options));
        Run r = run(args.toArray(new String[0]));
        assertEquals(0, r.exitCode(), r.describe());
        assertEquals("", r.err(), r.describe());
        List<String> lines = r.out().lines().toList();
        assertEquals(1, lines.size(), "exactly one line: " + r.describe());
        JsonNode json = JSON.readTree(lines.get(0));
        assertEquals(out.toString(), json.get("output").asText());
        int m = json.get("rows").asInt();
        int rank = json.get("rank").asInt();
        NpyArray w = Npy.read(out);
        assertEquals("<f8", w.dtype());
        assertArrayEquals(new int[] {m, rank}, w.shape());
        assertFalse(w.fortranOrder());
        for (double x : w.doubles()) {
            assertTrue(x >= 0 && Double.isFinite(x), "W entry " + x);
        }
        return new Fit(json, w.doubles());
    }

    private static void assertFigures(JsonNode json, int rank, int rows, int columns) {
        assertEquals(rank, json.get("rank").asInt(), json.toString());
        assertEquals(rows, json.get("rows").asInt(), json.toString());
        assertEquals(columns, json.get("columns").asInt(), json.toString());
        assertTrue(json.get("seconds").isNumber() && json.get("seconds").asDouble() > 0, json.toString());
        double rate = json.get("columnsPerSecond").asDouble();
        assertTrue(rate > 0 && Double.isFinite(rate), json.toString());
        double err = json.get("relativeError").asDouble();
        assertTrue(err >= 0 && err <= 1, json.toString());
        assertTrue(json.get("prequentialError").isNumber()
                && Double.isFinite(json.get("prequentialError").asDouble()), json.toString());
        assertTrue(json.get("basisVersion").asLong() >= 1, json.toString());
        assertTrue(json.get("reseeds").asLong() >= 0, json.toString());
        double projections = json.get("projectionsPerSecond").asDouble();
        assertTrue(projections > 0 && Double.isFinite(projections), json.toString());
        assertEquals(columns / json.get("projectionSeconds").asDouble(), projections, 1e-9 * projections,
                json.toString());
    }

    // ---------------------------------------------------------------- fixture layouts

    @ParameterizedTest(name = "{0} itemsAreRows={1}")
    @CsvSource({
        "dense_f32_c.npy, false",
        "dense_f64_c.npy, false",
        "dense_f64_fortran.npy, false",
        "dense_f64_big_endian.npy, false",
        "dense_f64_v2.npy, false",
        "dense_f64_v3.npy, false",
        "dense_f64_items_rows.npy, true",
        "dense_f32_items_rows_fortran.npy, true",
        "sparse_csc.npz, false",
        "sparse_csr.npz, false",
        "sparse_csr_f32_int64.npz, false",
        "sparse_csc_unsorted.npz, false",
        "sparse_csc_duplicates.npz, false",
    })
    void fitsEveryLayout(String name, boolean itemsAreRows) throws IOException {
        Fit f = fit(fixture(name), itemsAreRows, TINY);
        assertFigures(f.json(), 2, 7, 5);
        assertEquals(14, f.w().length);
    }

    @Test
    void allLayoutsGiveTheSameBasis() throws IOException {
        Fit f64 = fit(fixture("dense_f64_c.npy"), false, TINY);
        // float64 dense, any order / byte order / header version / orientation: bitwise the same
        for (String name : List.of("dense_f64_fortran.npy", "dense_f64_big_endian.npy", "dense_f64_v2.npy",
                "dense_f64_v3.npy")) {
            assertSameFit(f64, fit(fixture(name), false, TINY), name);
        }
        assertSameFit(f64, fit(fixture("dense_f64_items_rows.npy"), true, TINY), "dense_f64_items_rows.npy");

        // float32: bitwise the same among themselves, close to float64
        Fit f32 = fit(fixture("dense_f32_c.npy"), false, TINY);
        assertSameFit(f32, fit(fixture("dense_f32_items_rows_fortran.npy"), true, TINY), "f32 items rows");
        assertClose(f64, f32, 1e-5, "float32 vs float64");

        // sparse float64: bitwise the same among themselves (sorted, summed), equal to dense up to round-off
        Fit csc = fit(fixture("sparse_csc.npz"), false, TINY);
        for (String name : List.of("sparse_csr.npz", "sparse_csc_unsorted.npz", "sparse_csc_duplicates.npz")) {
            assertSameFit(csc, fit(fixture(name), false, TINY), name);
        }
        assertClose(f64, csc, 1e-9, "sparse vs dense");
        assertClose(f32, fit(fixture("sparse_csr_f32_int64.npz"), false, TINY), 1e-9, "sparse f32 vs dense f32");
    }

    private static void assertSameFit(Fit expected, Fit actual, String what) {
        assertArrayEquals(expected.w(), actual.w(), 0.0, what);
        assertEquals(expected.json().get("relativeError").asDouble(), actual.json().get("relativeError").asDouble(),
                0.0, what);
        assertEquals(expected.json().get("prequentialError").asDouble(),
                actual.json().get("prequentialError").asDouble(), 0.0, what);
    }

    private static void assertClose(Fit expected, Fit actual, double tolerance, String what) {
        assertArrayEquals(expected.w(), actual.w(), tolerance, what);
        assertEquals(expected.json().get("relativeError").asDouble(), actual.json().get("relativeError").asDouble(),
                tolerance, what);
        assertEquals(expected.json().get("prequentialError").asDouble(),
                actual.json().get("prequentialError").asDouble(), tolerance, what);
    }

    @Test
    void sparseItemsAsRowsIsTheTranspose() throws IOException {
        Fit f = fit(fixture("sparse_csr.npz"), true, TINY);
        assertFigures(f.json(), 2, 5, 7);
        Fit dense = fit(fixture("dense_f64_c.npy"), true, TINY);
        assertFigures(dense.json(), 2, 5, 7);
        assertClose(dense, f, 1e-9, "transposed sparse vs transposed dense");
    }

    @Test
    void sameSeedSameBasis() throws IOException {
        Fit a = fit(fixture("dense_f64_c.npy"), false, "--rank", "3", "--batch", "2", "--init", "random_columns",
                "--seed", "7");
        Fit b = fit(fixture("dense_f64_c.npy"), false, "--rank", "3", "--batch", "2", "--init", "random_columns",
                "--seed", "7");
        assertSameFit(a, b, "same seed");
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "--rule=mu", "--rule=HALS", "--init=random_columns", "--forget=0.9", "--forget=1", "--forget=schedule:2",
        "--forget=auto", "--refine=0", "--steps=1", "--threads=1", "--batch=1", "--batch=1000", "--bootstrap=5"})
    void acceptsEngineOptions(String option) throws IOException {
        // 5 columns: every batch but 1 is more than the file holds, which fit warns about
        Path out = dir.resolve("W-options.npy");
        Run r = run("fit", fixture("dense_f64_c.npy").toString(), "-o", out.toString(), "--rank", "2", option);
        assertEquals(0, r.exitCode(), r.describe());
        if (option.equals("--batch=1")) {
            assertEquals("", r.err(), r.describe());
        } else {
            assertEquals(1, r.err().lines().count(), r.describe());
            assertContains(r.err(), "fit: warning:", "has 5 columns, fewer than one mini-batch");
        }
        assertFigures(JSON.readTree(r.out()), 2, 7, 5);
    }

    @Test
    void warnsWhenTheRankExceedsTheColumns() throws IOException {
        Path out = dir.resolve("W-rank.npy");
        Run r = run("fit", fixture("dense_f64_c.npy").toString(), "-o", out.toString(), "--rank", "6", "--batch", "2");
        assertEquals(0, r.exitCode(), r.describe());
        assertEquals(1, r.err().lines().count(), r.describe());
        assertContains(r.err(), "fit: warning: --rank = 6 exceeds the 5 columns of", "at most 5 components");
    }

    @Test
    void printedKeysAreTheOnesHelpAndReadmeList() throws IOException {
        Fit f = fit(fixture("dense_f64_c.npy"), false, TINY);
        List<String> printed = new ArrayList<>();
        f.json().fieldNames().forEachRemaining(printed::add);
        List<String> declared = Arrays.asList((FitCommand.OUTPUT_KEYS + ", " + FitCommand.DENSE_KEYS).split(", "));
        assertEquals(declared, printed, "the JSON line's keys, in order");
        Run help = run("fit", "--help");
        assertContains(help.out().replaceAll("\\s+", " "), "Prints one JSON line with the keys "
                + FitCommand.OUTPUT_KEYS + " (");
        String readme = Files.readString(Path.of("README.md"), StandardCharsets.UTF_8).replaceAll("\\s+", " ");
        String lead = "prints one JSON line with the keys ";
        int at = readme.indexOf(lead);
        assertTrue(at >= 0, "README's fit entry says '" + lead + "'");
        String listed = readme.substring(at + lead.length(), readme.indexOf(" (", at));
        assertEquals(printed, Arrays.asList(listed.replace("`", "").split(", ")), "README's list of fit's keys");
    }

    // ---------------------------------------------------------------- planted data

    @Test
    void recoversAPlantedBasis() throws IOException {
        Path v = dir.resolve("planted.npy");
        Run g = run("generate", "-o", v.toString(), "--rows", "60", "--columns", "6000", "--rank", "4", "--seed", "3");
        assertEquals(0, g.exitCode(), g.describe());
        Path truthFile = dir.resolve("planted.truth.npy");
        assertTrue(Files.exists(truthFile));

        Fit f = fit(v, false, "--rank", "4");
        assertFigures(f.json(), 4, 60, 6000);
        double[] truth = Npy.read(truthFile).doubles();
        Recovery rec = Recovery.match(truth, f.w(), 60, 4);
        assertTrue(rec.mean() >= 0.99, "mean matched cosine " + rec.mean() + " " + Arrays.toString(rec.cosines()));
        assertTrue(rec.worst() >= 0.95, "worst matched cosine " + Arrays.toString(rec.cosines()));

        double truthError = relativeError(DataFiles.read(v), new Basis(60, 4, truth, 0));
        double learned = f.json().get("relativeError").asDouble();
        assertTrue(learned <= 1.05 * truthError, "relative error " + learned + ", the truth's " + truthError);
        // the reported figure is the exact-weights error of the written W
        assertEquals(relativeError(DataFiles.read(v), new Basis(60, 4, f.w(), 0)), learned, 1e-9);
    }

    /**
     * A dense .npy file is read a chunk of columns at a time during the pass (m = 3000: 174
     * columns per chunk, six chunks): the same W, bitwise, and the same errors as the pass over the
     * whole matrix in memory.
     */
    @Test
    void aFileReadByChunksLearnsWhatTheWholeMatrixLearns() throws IOException {
        Path v = generated("tall.npy", 3000, 1000, 5, 4);
        Fit f = fit(v, false, "--rank", "5");
        FitCommand.Result whole = FitCommand.fit(DataFiles.read(v), NmfConfig.defaults(5));
        assertArrayEquals(whole.basis().toRowMajor(), f.w(), "W");
        assertEquals(whole.relativeError(), f.json().get("relativeError").asDouble());
        assertEquals(whole.prequentialError(), f.json().get("prequentialError").asDouble());
        assertTrue(f.json().get("readSeconds").asDouble() > 0, f.json().toString());
    }

    /** A bad value in a later chunk fails the command as a whole read did, and no W is written. */
    @Test
    void aNegativeValueInALaterChunkFailsTheFit() throws IOException {
        int m = 3000;
        int n = 400;
        double[] v = filled(m, n);
        v[17 * n + 350] = -2.5; // row 17, column 350: the third chunk
        Path file = dir.resolve("late-negative.npy");
        Npy.writeMatrix(file, m, n, v);
        dataFails(file, "column 350, row 17", "-2.5", "nonnegative");
    }

    @Test
    void traceRecordsThePrequentialSumsAfterEveryUpdate() throws IOException {
        Path v = dir.resolve("traced.npy");
        Run g = run("generate", "-o", v.toString(), "--rows", "30", "--columns", "1000", "--rank", "3", "--seed", "5");
        assertEquals(0, g.exitCode(), g.describe());
        Path trace = dir.resolve("trace.csv");
        // 1000 columns in batches of 64: the bootstrap sample (64) is learned from first, in
        // mini-batches that ramp up from 16 (NmfConfig.batchSizeAt; one line: they are learned
        // within one call), then a W update every batchSizeAt columns, the last one partial, by flush()
        NmfConfig config = NmfConfig.defaults(3).withBatchSize(64);
        Fit traced = fit(v, false, "--rank", "3", "--batch", "64", "--trace", trace.toString());
        List<String> lines = Files.readAllLines(trace);
        assertEquals("items,residualSq,normSq", lines.get(0));
        assertEquals(1 + config.batchesFor(1000) - (config.batchesFor(64) - 1), lines.size(), String.join("\n", lines));
        long previousItems = 0;
        double previousNorm = 0;
        double previousResidual = 0;
        for (int i = 1; i < lines.size(); i++) {
            String[] f = lines.get(i).split(",");
            long items = Long.parseLong(f[0]);
            double residual = Double.parseDouble(f[1]);
            double norm = Double.parseDouble(f[2]);
            assertEquals(i == 1 ? 64L : Math.min(1000L, previousItems + config.batchSizeAt(previousItems)), items,
                    lines.get(i));
            assertTrue(residual >= previousResidual && norm > previousNorm && residual < norm, lines.get(i));
            previousItems = items;
            previousResidual = residual;
            previousNorm = norm;
        }
        assertEquals(1000, previousItems);
        assertEquals(traced.json().get("prequentialError").asDouble(), Math.sqrt(previousResidual / previousNorm),
                1e-12);
        // tracing observes the pass without changing it
        Fit plain = fit(v, false, "--rank", "3", "--batch", "64");
        assertSameFit(plain, traced, "with and without --trace");
    }

    @Test
    void traceToAMissingDirectoryFails() throws IOException {
        Path out = dir.resolve("W.npy");
        Run r = run("fit", fixture("dense_f64_c.npy").toString(), "-o", out.toString(), "--rank", "2",
                "--trace", dir.resolve("no/such/dir/trace.csv").toString());
        assertEquals(1, r.exitCode(), r.describe());
        assertContains(r.err(), "trace.csv", "cannot write the trace");
        assertFalse(Files.exists(out), "checked before the pass: no W written");
    }

    /** ‖V − W H‖ / ‖V‖ with the exact nonnegative weights of every column. */
    private static double relativeError(DataMatrix data, Basis basis) {
        Projector projector = new Projector(basis.rank());
        Projection p = new Projection(basis.rank());
        ColumnCursor cursor = data.cursor();
        double residual = 0;
        double norm = 0;
        for (int j = 0; j < data.columns(); j++) {
            projector.project(basis, cursor.at(j), p);
            residual += p.residualSq;
            norm += p.normSq;
        }
        return Math.sqrt(residual / norm);
    }

    // ---------------------------------------------------------------- bad input

    /** Runs fit expecting failure with the given exit code; checks nothing was printed or written. */
    private Run fails(int exitCode, Path data, String... options) {
        Path out = dir.resolve("W-failed.npy");
        List<String> args = new ArrayList<>(List.of("fit", data.toString(), "--output", out.toString()));
        args.addAll(Arrays.asList(options));
        Run r = run(args.toArray(new String[0]));
        assertEquals(exitCode, r.exitCode(), r.describe());
        assertEquals("", r.out(), r.describe());
        assertFalse(Files.exists(out), "no W written on failure");
        return r;
    }

    /** A data-file problem: exit code 1, stderr "fit: FILE: problem". */
    private void dataFails(Path data, String... fragments) {
        Run r = fails(1, data, TINY);
        assertTrue(r.err().startsWith("fit: " + data), r.describe());
        assertContains(r.err(), fragments);
    }

    /** A bad option value: exit code 2, stderr names the option. */
    private void optionFails(String[] options, String... fragments) {
        Run r = fails(2, fixture("dense_f64_c.npy"), options);
        assertContains(r.err(), fragments);
    }

    @Test
    void missingFile() {
        dataFails(dir.resolve("nothere.npy"), "file not found");
    }

    @Test
    void directoryInsteadOfFile() {
        dataFails(dir, "is a directory");
    }

    @Test
    void textFileNamedNpy() throws IOException {
        dataFails(Files.writeString(dir.resolve("text.npy"), "1,2,3\n4,5,6\n"), "not an npy file", "\\x93NUMPY");
    }

    @Test
    void textFileNamedNpz() throws IOException {
        dataFails(Files.writeString(dir.resolve("text.npz"), "hello\n"), "not an npz file", "zip");
    }

    @Test
    void textFileOtherName() throws IOException {
        dataFails(Files.writeString(dir.resolve("data.csv"), "1,2,3\n"), "unrecognized data file", ".npy", ".npz");
    }

    @Test
    void emptyFile() throws IOException {
        dataFails(Files.write(dir.resolve("empty.npy"), new byte[0]), "not an npy file");
    }

    @Test
    void negativeValue() throws IOException {
        Path file = dir.resolve("negative.npy");
        double[] v = filled(3, 4);
        v[1 * 4 + 2] = -0.5; // row 1, column 2
        Npy.writeMatrix(file, 3, 4, v);
        dataFails(file, "column 2, row 1", "-0.5", "nonnegative");
    }

    @Test
    void nanValue() throws IOException {
        Path file = dir.resolve("nan.npy");
        double[] v = filled(3, 4);
        v[2 * 4 + 1] = Double.NaN; // row 2, column 1
        Npy.writeMatrix(file, 3, 4, v);
        dataFails(file, "column 1, row 2", "NaN", "finite");
    }

    @Test
    void infiniteValue() throws IOException {
        Path file = dir.resolve("inf.npy");
        double[] v = filled(3, 4);
        v[3] = Double.POSITIVE_INFINITY; // row 0, column 3
        Npy.writeMatrix(file, 3, 4, v);
        dataFails(file, "column 3, row 0", "Infinity", "finite");
    }

    @Test
    void negativeValueWithItemsAsRowsNamesTheItem() throws IOException {
        Path file = dir.resolve("negative-rows.npy");
        double[] v = filled(4, 3); // 4 items of dimension 3
        v[2 * 3 + 1] = -1; // item 2, feature 1
        Npy.writeMatrix(file, 4, 3, v);
        Run r = fails(1, file, "--items-are-rows", "--rank", "2", "--batch", "2");
        assertContains(r.err(), "column 2, row 1", "-1.0");
    }

    /** n planted documents (PlantedTopics: m = 400, r = 5) as a scipy CSC .npz and as a dense .npy. */
    private Path[] plantedDocuments(int n) throws IOException {
        int m = 400;
        PlantedTopics topics = new PlantedTopics(m, 5, 40, 30, 0.2, 3);
        int[] idx = new int[m];
        double[] val = new double[m];
        List<Integer> indices = new ArrayList<>();
        List<Double> data = new ArrayList<>();
        int[] indptr = new int[n + 1];
        double[] dense = new double[m * n];
        for (int j = 0; j < n; j++) {
            int nnz = topics.next(idx, val);
            for (int t = 0; t < nnz; t++) {
                indices.add(idx[t]);
                data.add(val[t]);
                dense[idx[t] * n + j] = val[t];
            }
            indptr[j + 1] = indices.size();
        }
        int nnz = indices.size();
        ByteBuffer ip = le(4 * (n + 1));
        for (int x : indptr) {
            ip.putInt(x);
        }
        ByteBuffer ix = le(4 * nnz);
        ByteBuffer dv = le(8 * nnz);
        for (int t = 0; t < nnz; t++) {
            ix.putInt(indices.get(t));
            dv.putDouble(data.get(t));
        }
        Map<String, byte[]> members = new LinkedHashMap<>();
        members.put("format.npy", npy("|S3", "()", "csc".getBytes(StandardCharsets.ISO_8859_1)));
        members.put("shape.npy", npy("<i8", "(2,)", le(16).putLong(m).putLong(n).array()));
        members.put("indptr.npy", npy("<i4", "(" + (n + 1) + ",)", ip.array()));
        members.put("indices.npy", npy("<i4", "(" + nnz + ",)", ix.array()));
        members.put("data.npy", npy("<f8", "(" + nnz + ",)", dv.array()));
        ByteBuffer d = le(8 * m * n);
        for (double x : dense) {
            d.putDouble(x);
        }
        Path npy = Files.write(dir.resolve("topics.npy"), npy("<f8", "(" + m + ", " + n + ")", d.array()));
        return new Path[] {zip(dir.resolve("topics.npz"), members), npy};
    }

    @Test
    void sparseInputTakesTheSparseMiniBatchUnlessOneIsGiven() throws IOException {
        // long enough for the ramp to pass 1024 (after 8,192 items), so the default is told from the service's 1024
        int n = 16_000;
        NmfConfig sparseDefaults = NmfConfig.defaults(5).withBatchSize(NmfConfig.DEFAULT_SPARSE_BATCH);
        assertNotEquals(NmfConfig.defaults(5).withBatchSize(1024).batchesFor(n), sparseDefaults.batchesFor(n));
        Path[] files = plantedDocuments(n);
        Fit sparse = fit(files[0], false, "--rank", "5");
        // one W update per mini-batch (the last one partial; the first ones ramp up to it)
        assertEquals(sparseDefaults.batchesFor(n), sparse.json().get("basisVersion").asLong(), sparse.json().toString());
        Fit dense = fit(files[1], false, "--rank", "5");
        // and one more for the dense file's consolidation
        assertEquals(NmfConfig.defaults(5).batchesFor(n) + 1, dense.json().get("basisVersion").asLong(),
                dense.json().toString());
        assertTrue(dense.json().get("consolidated").asBoolean());
        assertFalse(sparse.json().get("consolidated").asBoolean());
        Fit given = fit(files[0], false, "--rank", "5", "--batch", "500");
        assertEquals(NmfConfig.defaults(5).withBatchSize(500).batchesFor(n), given.json().get("basisVersion").asLong(),
                given.json().toString());
    }

    @Test
    void negativeValueInSparseFile() throws IOException {
        // 3 × 2 CSC: column 0 = {row 0: 1, row 2: 2}, column 1 = {row 1: -3}
        Map<String, byte[]> members = new LinkedHashMap<>();
        members.put("format.npy", npy("|S3", "()", "csc".getBytes(StandardCharsets.ISO_8859_1)));
        members.put("shape.npy", npy("<i8", "(2,)", le(16).putLong(3).putLong(2).array()));
        members.put("indptr.npy", npy("<i4", "(3,)", le(12).putInt(0).putInt(2).putInt(3).array()));
        members.put("indices.npy", npy("<i4", "(3,)", le(12).putInt(0).putInt(2).putInt(1).array()));
        members.put("data.npy", npy("<f8", "(3,)", le(24).putDouble(1).putDouble(2).putDouble(-3).array()));
        Path file = zip(dir.resolve("negative.npz"), members);
        Run r = fails(1, file, "--rank", "1");
        assertContains(r.err(), "negative.npz", "column 1, row 1", "-3.0", "nonnegative");
    }

    @Test
    void oneDimensionalArray() throws IOException {
        Path file = Files.write(dir.resolve("vector.npy"),
                npy("<f8", "(3,)", le(24).putDouble(1).putDouble(2).putDouble(3).array()));
        dataFails(file, "expected a 2-D array", "1-D", "(3,)");
    }

    @Test
    void byteStringArray() throws IOException {
        Path file = Files.write(dir.resolve("strings.npy"), npy("|S2", "(2, 1)", "abcd".getBytes(StandardCharsets.US_ASCII)));
        dataFails(file, "byte string", "numeric");
    }

    @Test
    void noItems() throws IOException {
        Path file = dir.resolve("empty-matrix.npy");
        Npy.writeMatrix(file, 3, 0, new double[0]);
        dataFails(file, "3 × 0", "at least one item");
    }

    @Test
    void rankZero() {
        optionFails(new String[] {"--rank", "0"}, "--rank", "rank = 0");
    }

    @Test
    void batchZero() {
        optionFails(new String[] {"--rank", "2", "--batch", "0"}, "--batch", "= 0");
    }

    @Test
    void stepsZero() {
        optionFails(new String[] {"--rank", "2", "--steps", "0"}, "--steps", "= 0");
    }

    @Test
    void negativeRefine() {
        optionFails(new String[] {"--rank", "2", "--refine", "-1"}, "--refine", "= -1");
    }

    @Test
    void bootstrapBelowRank() {
        optionFails(new String[] {"--rank", "3", "--bootstrap", "2"}, "--bootstrap", "at least the rank");
    }

    @Test
    void forgetOutOfRange() {
        optionFails(new String[] {"--rank", "2", "--forget", "1.5"}, "--forget", "1.5", "(0, 1]");
    }

    @Test
    void forgetZero() {
        optionFails(new String[] {"--rank", "2", "--forget", "0"}, "--forget", "(0, 1]");
    }

    @Test
    void forgetNonsense() {
        optionFails(new String[] {"--rank", "2", "--forget", "nonsense"}, "--forget", "'nonsense'", "auto");
    }

    @Test
    void forgetBadSchedule() {
        optionFails(new String[] {"--rank", "2", "--forget", "schedule:x"}, "--forget", "schedule:x");
    }

    @Test
    void zeroThreads() {
        optionFails(new String[] {"--rank", "2", "--threads", "0"}, "--threads", "at least 1");
    }

    @Test
    void negativeReservoir() {
        optionFails(new String[] {"--rank", "2", "--reservoir", "-1"}, "--reservoir", "0 or more");
    }

    @Test
    void aDensePassEndsConsolidatedUnlessTheSampleIsOff() throws IOException {
        Path data = generated("planted-consolidated.npy", 120, 4000, 6, 5);
        Fit on = fit(data, false, "--rank", "6");
        Fit off = fit(data, false, "--rank", "6", "--reservoir", "0");
        assertTrue(on.json().get("consolidated").asBoolean());
        assertFalse(off.json().get("consolidated").asBoolean());
        assertEquals(0.0, off.json().get("consolidationSeconds").asDouble(), 0.01);
        // the same pass, then one more W version; the prequential error is the pass's
        assertEquals(off.json().get("basisVersion").asLong() + 1, on.json().get("basisVersion").asLong());
        assertEquals(off.json().get("prequentialError").asDouble(), on.json().get("prequentialError").asDouble(), 0.0);
        assertTrue(on.json().get("relativeError").asDouble() <= off.json().get("relativeError").asDouble() * 1.001,
                on.json() + " against " + off.json());
    }

    @Test
    void twoAndThreeThreadsWriteBitwiseTheSameBasisAsOne() throws IOException {
        Path data = generated("planted.npy", 150, 3000, 6, 4);
        Fit one = fit(data, false, "--rank", "6", "--batch", "50");
        assertTrue(one.json().get("basisVersion").asLong() >= 59, one.json().toString());
        for (String threads : new String[] {"2", "3"}) {
            assertSameFit(one, fit(data, false, "--rank", "6", "--batch", "50", "--threads", threads), threads + " threads");
        }
    }

    @Test
    void rankNotANumber() {
        optionFails(new String[] {"--rank", "two"}, "--rank", "'two'");
    }

    @Test
    void unknownRule() {
        optionFails(new String[] {"--rank", "2", "--rule", "sgd"}, "--rule", "sgd");
    }

    @Test
    void missingRank() {
        optionFails(new String[0], "Missing required option", "--rank");
    }

    @Test
    void missingOutput() {
        Run r = run("fit", fixture("dense_f64_c.npy").toString(), "--rank", "2");
        assertEquals(2, r.exitCode(), r.describe());
        assertEquals("", r.out());
        assertContains(r.err(), "Missing required option", "--output");
    }

    @Test
    void missingData() {
        Run r = run("fit", "--rank", "2", "-o", dir.resolve("w.npy").toString());
        assertEquals(2, r.exitCode(), r.describe());
        assertEquals("", r.out());
        assertContains(r.err(), "DATA");
    }

    @Test
    void unwritableOutput() {
        Path out = dir.resolve("no-such-dir").resolve("W.npy");
        Run r = run("fit", fixture("dense_f64_c.npy").toString(), "-o", out.toString(), "--rank", "2");
        // Today this is a stack trace of NoSuchFileException (exit 1), see the report; it at least names the path.
        assertTrue(r.exitCode() != 0, r.describe());
        assertEquals("", r.out());
        assertContains(r.err(), out.toString());
    }

    // ---------------------------------------------------------------- helpers

    private static double[] filled(int rows, int cols) {
        double[] v = new double[rows * cols];
        for (int k = 0; k < v.length; k++) {
            v[k] = 1 + k % 3;
        }
        return v;
    }

    private static ByteBuffer le(int bytes) {
        return ByteBuffer.allocate(bytes).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** An .npy file's bytes (version 1.0, C order), the header padded as numpy pads it. */
    static byte[] npy(String descr, String shape, byte[] payload) {
        String dict = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shape + ", }";
        int unpadded = 10 + dict.length() + 1;
        String header = dict + " ".repeat((64 - unpadded % 64) % 64) + "\n";
        byte[] text = header.getBytes(StandardCharsets.ISO_8859_1);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0});
        out.writeBytes(le(2).putShort((short) text.length).array());
        out.writeBytes(text);
        out.writeBytes(payload);
        return out.toByteArray();
    }

    /** A zip archive (deflated) of the members. */
    static Path zip(Path file, Map<String, byte[]> members) throws IOException {
        try (OutputStream out = Files.newOutputStream(file); ZipOutputStream zip = new ZipOutputStream(out)) {
            for (Map.Entry<String, byte[]> e : members.entrySet()) {
                zip.putNextEntry(new ZipEntry(e.getKey()));
                zip.write(e.getValue());
                zip.closeEntry();
            }
        }
        return file;
    }
}
