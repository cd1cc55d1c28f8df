package dev.nmfstream.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nmfstream.http.RecentItems;
import dev.nmfstream.io.ColumnCursor;
import dev.nmfstream.io.DataFileException;
import dev.nmfstream.io.DataFiles;
import dev.nmfstream.io.DataMatrix;
import dev.nmfstream.io.DenseMatrix;
import dev.nmfstream.io.Npy;
import dev.nmfstream.io.NpyColumns;
import dev.nmfstream.io.SparseMatrix;
import dev.nmfstream.nmf.Basis;
import dev.nmfstream.nmf.Column;
import dev.nmfstream.nmf.DenseColumn;
import dev.nmfstream.nmf.KlProjector;
import dev.nmfstream.nmf.Loss;
import dev.nmfstream.nmf.NmfConfig;
import dev.nmfstream.nmf.OnlineNmf;
import dev.nmfstream.nmf.Projection;
import dev.nmfstream.nmf.Projector;
import dev.nmfstream.nmf.SparseColumn;
import dev.nmfstream.nmf.UpdateRule;
import dev.nmfstream.stream.NmfStreamConfig;
import dev.nmfstream.text.BucketWords;
import dev.nmfstream.text.Language;
import dev.nmfstream.text.TextSettings;
import dev.nmfstream.text.Weighting;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code fit}: streams a data file's columns once, in file order, through {@link OnlineNmf},
 * writes W and prints one JSON line of figures.
 */
@Command(name = "fit", mixinStandardHelpOptions = true,
        description = {
            "Learns a basis W (m × r) from a data file in one pass and writes it as .npy.",
            "Input: a numpy .npy (2-D float32/float64, or integers, m × n with one item per column; "
                    + "--items-are-rows for n × m) "
                    + "or a scipy .npz sparse matrix (CSC or CSR, as scipy.sparse.save_npz writes it), "
                    + "or documents: JSON lines {\"id\", \"text\"} (.jsonl, or .jsonl.gz), vectorised as the service "
                    + "vectorises text (--buckets, --language, --stemming, --weighting), so that W can start the "
                    + "service (nmf.basis.file).",
            "Prints one JSON line with the keys " + FitCommand.OUTPUT_KEYS + " (seconds and columnsPerSecond: the "
                    + "learning pass alone; relativeError: ‖V − W H‖/‖V‖ with the final W and exact weights; "
                    + "prequentialError: each mini-batch scored with the W from before it; projectionSeconds and "
                    + "projectionsPerSecond: the final W's exact weights for every column, one column per call; "
                    + "basisVersion: W updates; reseeds: components re-seeded; output: the W file; threads: --threads; "
                    + "consolidated: whether the pass ended by consolidating W with its sample, --reservoir; "
                    + "consolidationSeconds: that consolidation's share of seconds; readSeconds: reading and checking "
                    + "DATA, which for a dense .npy file happens a chunk of columns at a time during the pass and the "
                    + "final projections, and is not part of seconds or projectionSeconds). "
                    + "For dense data with the HALS rule also " + FitCommand.DENSE_KEYS + " (flopsPerColumn: a model of the kernels' work per column, "
                    + "its mini-batch's W update shared; gflopsPerSecond: that × columnsPerSecond). With --loss kl "
                    + "also " + FitCommand.KL_KEYS + " (divergence: Σ D(v‖W h) with the final W and each column's KL "
                    + "weights; relativeDivergence: that ÷ Σ v; prequentialDivergence: each column scored on arrival, "
                    + "÷ Σ v; divergenceSeconds: that final pass).",
            "For documents also " + FitCommand.TEXT_KEYS + " (topics: each component's ten largest rows by the "
                    + "word most often seen in them, largest first; documentsWithoutWords: documents the analysis kept "
                    + "no word of, left out).",
            "Warns on stderr when --rank exceeds the number of columns n (at most n components can be told apart) "
                    + "or n is smaller than one mini-batch (--batch)."})
public final class FitCommand implements Callable<Integer> {

    /** The keys of the printed JSON line, in order (README and --help list them from here). */
    static final String OUTPUT_KEYS = "rank, rows, columns, seconds, columnsPerSecond, relativeError, "
            + "prequentialError, projectionSeconds, projectionsPerSecond, basisVersion, reseeds, output, threads, "
            + "consolidated, consolidationSeconds, readSeconds";

    /** The keys added for dense data with the HALS rule, in order. */
    static final String DENSE_KEYS = "flopsPerColumn, gflopsPerSecond";

    /** The keys added for documents (.jsonl), in order. */
    static final String TEXT_KEYS = "topics, documentsWithoutWords";

    /** The keys added with --loss kl, in order. */
    static final String KL_KEYS = "loss, divergence, relativeDivergence, prequentialDivergence, divergenceSeconds";

    @Parameters(index = "0", paramLabel = "DATA", description = "The .npy, .npz or .jsonl[.gz] file.")
    Path input;

    @Option(names = "--buckets", paramLabel = "M",
            description = "Documents: the rows of W, words hashed into them as the service does (its nmf.dimension). "
                    + "Default: " + TextSettings.DEFAULT_BUCKETS + ".")
    Integer buckets;

    @Option(names = "--language", paramLabel = "NAME",
            description = "Documents: the analysis's language (nmf.text.language). Default: english.")
    String language;

    @Option(names = "--stemming", description = "Documents: reduce words to their stems (nmf.text.stemming).")
    boolean stemming;

    @Option(names = "--weighting", paramLabel = "W",
            description = "Documents: sublinear, tf or binary (nmf.text.weighting). Default: sublinear.")
    String weighting;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "W.npy",
            description = "Where to write W (m × r, float64).")
    Path output;

    @Mixin
    LayoutOption layout;

    @Option(names = "--trace", paramLabel = "FILE.csv",
            description = "Also write the prequential error's running sums after every W update, one CSV line each: "
                    + "items (columns seen), residualSq (Σ‖v − W_before h‖²), normSq (Σ‖v‖²).")
    Path trace;

    @Option(names = "--threads", defaultValue = "1",
            description = "Threads for the learning pass: each mini-batch's projections and its W update are shared "
                    + "among them (and, for dense input, its sums of A and B). W is bitwise the same for any number. "
                    + "Default: ${DEFAULT-VALUE}.")
    int threads;

    @Option(names = "--reservoir", paramLabel = "N",
            description = "Keep a uniform sample of N columns of the pass and end it by consolidating W with them "
                    + "(dense input; not with --loss kl or --refine): the sample, projected on the final W, "
                    + "corrects the statistics for the stale weights they were learned with ("
                    + OnlineNmf.DEFAULT_CONSOLIDATION_ROUNDS + " W updates, timed with the pass). 0: none. "
                    + "Default: " + OnlineNmf.DEFAULT_RESERVOIR + " columns, fewer when m is so large that they "
                    + "would take more than " + (OnlineNmf.MAX_SAMPLE_VALUES * 8 >> 20) + " MB.")
    Integer reservoir;

    @Mixin
    EngineOptions engine;

    @Option(names = "--max-value", paramLabel = "X",
            description = "Refuse the file (exit 1, naming the column) if a value exceeds X, as the service's "
                    + "nmf.max.value dead-letters such items. Default: no limit (outsized columns are learned from "
                    + "scaled down: --influence-cap).")
    Double maxValue;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        NmfConfig config;
        try {
            config = engine.config();
            if (maxValue != null) {
                NmfStreamConfig.check(NmfStreamConfig.MAX_VALUE, "--max-value", maxValue);
            }
            if (threads < 1) {
                throw new IllegalArgumentException("--threads = " + threads + ", expected at least 1");
            }
            if (reservoir != null && reservoir < 0) {
                throw new IllegalArgumentException("--reservoir = " + reservoir + ", expected 0 or more");
            }
        } catch (IllegalArgumentException e) {
            err.println("fit: " + e.getMessage());
            return 2;
        }
        Path parent = output.toAbsolutePath().getParent();
        if (parent == null || !Files.isDirectory(parent) || !Files.isWritable(parent)) {
            err.println("fit: " + output + ": cannot write the output there (no such directory, or not writable)");
            return 1;
        }
        Path traceParent = trace == null ? null : trace.toAbsolutePath().getParent();
        if (trace != null && (traceParent == null || !Files.isDirectory(traceParent) || !Files.isWritable(traceParent))) {
            err.println("fit: " + trace + ": cannot write the trace there (no such directory, or not writable)");
            return 1;
        }
        boolean documents = DataFiles.isJsonLines(input);
        TextSettings text = null;
        try {
            if (documents) {
                if (buckets != null && buckets < 2) {
                    throw new IllegalArgumentException("--buckets = " + buckets + ", expected at least 2");
                }
                text = new TextSettings(buckets != null ? buckets : TextSettings.DEFAULT_BUCKETS,
                        language != null ? Language.parse(language) : Language.ENGLISH, stemming,
                        weighting != null ? Weighting.parse(weighting) : Weighting.SUBLINEAR);
            } else if (buckets != null || language != null || stemming || weighting != null) {
                throw new IllegalArgumentException("--buckets, --language, --stemming and --weighting are for "
                        + "documents (.jsonl or .jsonl.gz), not " + input);
            }
        } catch (IllegalArgumentException e) {
            err.println("fit: " + e.getMessage());
            return 2;
        }
        DataMatrix matrix = null;
        NpyColumns chunks = null;
        TextDocuments.Read read = null;
        long readStart = System.nanoTime();
        try {
            if (documents) {
                read = TextDocuments.read(input, text);
                matrix = read.matrix();
                if (read.withoutWords() > 0) {
                    err.println("fit: warning: " + read.withoutWords() + " documents of " + input + " have no word "
                            + "the analysis keeps (empty, stop words, numbers), left out");
                }
            } else {
                // a dense .npy file is read a chunk of columns at a time as the pass goes (NpyColumns: no
                // m × n array of doubles to allocate), its values checked as each chunk is converted
                chunks = NpyColumns.open(input, layout.itemsAreRows());
                if (chunks == null) {
                    matrix = DataFiles.read(input, layout.itemsAreRows());
                    matrix.validate();
                    if (maxValue != null) {
                        requireAtMost(matrix, maxValue);
                    }
                } else if (maxValue != null) {
                    chunks.refuseAbove(maxValue);
                }
            }
        } catch (DataFileException e) {
            err.println("fit: " + e.getMessage());
            return 1;
        } catch (IllegalArgumentException e) {
            err.println("fit: " + input + ": " + e.getMessage());
            return 1;
        }
        long readNanos = System.nanoTime() - readStart;
        try (NpyColumns closing = chunks) {
            return fit(err, config, new Input(matrix, chunks, read), readNanos);
        }
    }

    /**
     * What a pass reads: a matrix read whole, or a dense .npy file's columns converted a chunk at a
     * time; for documents also what reading them found (the rows' words), else null.
     */
    record Input(DataMatrix matrix, NpyColumns chunks, TextDocuments.Read documents) {

        int rows() {
            return matrix != null ? matrix.rows() : chunks.rows();
        }

        int columns() {
            return matrix != null ? matrix.columns() : chunks.columns();
        }

        boolean sparse() {
            return matrix instanceof SparseMatrix;
        }

        /** A cursor over the items (for a .npy file read by chunks: the reader itself, best taken in order). */
        ColumnCursor cursor() {
            return matrix != null ? matrix.cursor() : chunks;
        }

        /** The time spent so far converting the file's chunks, in nanoseconds (0 for a matrix read whole). */
        long readNanos() {
            return chunks != null ? chunks.loadNanos() : 0;
        }
    }

    private int fit(PrintWriter err, NmfConfig config, Input data, long readNanos) throws Exception {
        if (data.sparse()) {
            config = engine.config(true); // the sparse defaults (the options given still win)
        }
        if (data.columns() == 0 || data.rows() == 0) {
            err.println("fit: " + input + ": " + data.rows() + " × " + data.columns()
                    + " matrix, expected at least one item and one feature");
            return 1;
        }
        if (config.rank() > data.rows()) {
            err.println("fit: --rank = " + config.rank() + ", expected at most the dimension m = " + data.rows()
                    + " of " + input);
            return 2;
        }
        if (config.rank() > data.columns()) {
            err.println("fit: warning: --rank = " + config.rank() + " exceeds the " + data.columns() + " columns of "
                    + input + ": at most " + data.columns() + " components can be told apart, the others will "
                    + "repeat them or fit noise");
        }
        if (data.columns() < config.batchSize()) {
            err.println("fit: warning: " + input + " has " + data.columns() + " columns, fewer than one mini-batch "
                    + "(--batch = " + config.batchSize() + "), so W gets few updates (the mini-batches ramp up from "
                    + Math.min(config.batchSize(), NmfConfig.RAMP_START) + "); a smaller --batch gives it more");
        }
        err.flush();
        Result result;
        try {
            result = fit(data, config, trace != null, threads,
                    reservoir != null ? reservoir : OnlineNmf.defaultReservoir(data.rows()));
        } catch (IllegalArgumentException e) {
            // a value a chunk of a .npy file read by chunks was refused for (a matrix read whole was checked before)
            if (data.chunks() == null) {
                throw e;
            }
            err.println("fit: " + input + ": " + e.getMessage());
            return 1;
        }
        try {
            Npy.writeMatrix(output, data.rows(), config.rank(), result.basis.toRowMajor());
        } catch (IOException e) {
            err.println("fit: " + output + ": cannot write: " + e.getMessage());
            return 1;
        }
        if (trace != null) {
            try {
                Files.writeString(trace, result.trace.toCsv(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                err.println("fit: " + trace + ": cannot write the trace: " + e.getMessage());
                return 1;
            }
        }
        ObjectNode json = new ObjectMapper().createObjectNode();
        json.put("rank", config.rank());
        json.put("rows", data.rows());
        json.put("columns", data.columns());
        json.put("seconds", result.seconds);
        json.put("columnsPerSecond", data.columns() / result.seconds);
        json.put("relativeError", result.relativeError);
        json.put("prequentialError", result.prequentialError);
        json.put("projectionSeconds", result.projectionSeconds);
        json.put("projectionsPerSecond", data.columns() / result.projectionSeconds);
        json.put("basisVersion", result.basis.version());
        json.put("reseeds", result.reseeds);
        json.put("output", output.toString());
        json.put("threads", threads);
        json.put("consolidated", result.consolidated);
        json.put("consolidationSeconds", result.consolidationSeconds);
        json.put("readSeconds", readNanos / 1e9 + result.readSeconds);
        if (!data.sparse() && config.loss() == Loss.FROBENIUS && config.rule() == UpdateRule.HALS) {
            double flops = OnlineNmf.denseFlopsPerColumn(data.rows(), config);
            json.put("flopsPerColumn", flops);
            json.put("gflopsPerSecond", flops * data.columns() / result.seconds / 1e9);
        }
        if (data.documents() != null) {
            BucketWords words = data.documents().words();
            ArrayNode topics = json.putArray("topics");
            for (int k = 0; k < config.rank(); k++) {
                double[] component = result.basis.component(k);
                ArrayNode topic = topics.addArray();
                for (int row : RecentItems.top(component, TOPIC_WORDS)) {
                    if (component[row] > 0 && words.word(row) != null) {
                        topic.add(words.word(row));
                    }
                }
            }
            json.put("documentsWithoutWords", data.documents().withoutWords());
        }
        if (config.loss() == Loss.KL) {
            long klStart = System.nanoTime();
            double[] kl = divergence(data.cursor(), data.columns(), result.basis);
            json.put("loss", config.loss().label());
            json.put("divergence", kl[0]);
            json.put("relativeDivergence", kl[1] > 0 ? kl[0] / kl[1] : 0.0);
            json.put("prequentialDivergence", result.prequentialDivergence);
            json.put("divergenceSeconds", (System.nanoTime() - klStart) / 1e9);
        }
        spec.commandLine().getOut().println(new ObjectMapper().writeValueAsString(json));
        spec.commandLine().getOut().flush();
        return 0;
    }

    /** Rows named per topic in the output for documents. */
    static final int TOPIC_WORDS = 10;

    /**
     * What one pass gives.
     *
     * @param seconds the learning pass alone
     * @param projectionSeconds the final pass that projects every column, one per call, on the final W
     * @param trace the prequential error's running sums after every W update (empty unless asked for)
     * @param consolidated whether the pass ended by consolidating W with its sample (--reservoir)
     * @param consolidationSeconds the time that took (part of {@code seconds})
     * @param readSeconds the time spent converting a .npy file read by chunks during the two passes
     *     (in neither {@code seconds} nor {@code projectionSeconds}); 0 for a matrix read whole
     */
    record Result(Basis basis, double seconds, double relativeError, double prequentialError, long reseeds,
            double projectionSeconds, Trace trace, double prequentialDivergence, boolean consolidated,
            double consolidationSeconds, double readSeconds) {}

    /**
     * Σ D(v‖W h) over the columns, each projected on the basis under KL ({@link KlProjector}), and
     * Σ Σᵢ vᵢ: {divergence, mass}.
     */
    public static double[] divergence(DataMatrix matrix, Basis basis) {
        return divergence(matrix.cursor(), matrix.columns(), basis);
    }

    /** {@link #divergence(DataMatrix, Basis)} over the first n items of a cursor, in order. */
    static double[] divergence(ColumnCursor cursor, int n, Basis basis) {
        KlProjector projector = new KlProjector(basis.rank());
        Projection p = new Projection(basis.rank());
        double divergence = 0;
        double mass = 0;
        for (int j = 0; j < n; j++) {
            projector.project(basis, cursor.at(j), p);
            divergence += p.divergence;
            mass += projector.lastMass();
        }
        return new double[] {divergence, mass};
    }

    /** The prequential error's running sums after each W update, in stream order. */
    static final class Trace {
        private long[] items = new long[64];
        private double[] residualSq = new double[64];
        private double[] normSq = new double[64];
        private int size;

        void add(long seen, double residual, double norm) {
            if (size == items.length) {
                items = Arrays.copyOf(items, 2 * size);
                residualSq = Arrays.copyOf(residualSq, 2 * size);
                normSq = Arrays.copyOf(normSq, 2 * size);
            }
            items[size] = seen;
            residualSq[size] = residual;
            normSq[size] = norm;
            size++;
        }

        int size() {
            return size;
        }

        long items(int i) {
            return items[i];
        }

        double residualSq(int i) {
            return residualSq[i];
        }

        double normSq(int i) {
            return normSq[i];
        }

        /** {@code items,residualSq,normSq} then one line per update (doubles in round-trip form). */
        String toCsv() {
            StringBuilder sb = new StringBuilder("items,residualSq,normSq\n");
            for (int i = 0; i < size; i++) {
                sb.append(items[i]).append(',').append(residualSq[i]).append(',').append(normSq[i]).append('\n');
            }
            return sb.toString();
        }
    }

    /** One pass over the columns in order, then the exact-weights error of the final basis. */
    static Result fit(DataMatrix data, NmfConfig config) {
        return fit(data, config, false, 1, OnlineNmf.defaultReservoir(data.rows()));
    }

    /**
     * One pass over the columns in order, then the exact-weights error of the final basis, one
     * column per projection call (timed: the one-item projection rate).
     *
     * @param traced whether to record the prequential sums after every W update (a counter
     *     comparison per column in the timed pass)
     */
    /** Fails naming the first value above {@code max}: its column, its row and the limit. */
    static void requireAtMost(DataMatrix data, double max) {
        ColumnCursor cursor = data.cursor();
        for (int j = 0; j < data.columns(); j++) {
            Column v = cursor.at(j);
            if (v instanceof DenseColumn dense) {
                for (int i = 0; i < dense.dim(); i++) {
                    NpyColumns.requireAtMost(dense.data()[dense.offset() + i], max, j, i);
                }
            } else {
                SparseColumn sparse = (SparseColumn) v;
                for (int q = 0; q < sparse.nnz(); q++) {
                    NpyColumns.requireAtMost(sparse.values()[sparse.offset() + q], max, j,
                            sparse.indices()[sparse.offset() + q]);
                }
            }
        }
    }

    /**
     * ‖V − W H‖ / ‖V‖ with the exact nonnegative weights of every column, one column per call.
     * The sums are kept relative to 2^(2S), S the largest column's binary exponent so far, so that
     * columns whose ‖v‖² a double cannot hold (subnormal or beyond 1e154) count exactly as well.
     */
    public static double relativeError(DataMatrix matrix, Basis basis) {
        return relativeError(matrix.cursor(), matrix.columns(), basis);
    }

    /** {@link #relativeError(DataMatrix, Basis)} over the first n items of a cursor, in order. */
    static double relativeError(ColumnCursor cursor, int n, Basis basis) {
        Projector projector = new Projector(basis.rank());
        Projection p = new Projection(basis.rank());
        double residual = 0;
        double norm = 0;
        int shift = Integer.MIN_VALUE;
        for (int j = 0; j < n; j++) {
            projector.project(basis, cursor.at(j), p);
            if (p.logNorm() == Double.NEGATIVE_INFINITY) {
                continue; // v = 0 adds nothing
            }
            int e = (int) Math.floor(p.logNorm() / LN2);
            if (e > shift) {
                if (shift != Integer.MIN_VALUE) {
                    residual = Math.scalb(residual, -2 * (e - shift));
                    norm = Math.scalb(norm, -2 * (e - shift));
                }
                shift = e;
            }
            double scaledNormSq = Math.exp(2 * (p.logNorm() - shift * LN2));
            double rel = p.relativeResidual();
            residual += rel * rel * scaledNormSq;
            norm += scaledNormSq;
        }
        return norm > 0 ? Math.sqrt(residual / norm) : 0;
    }

    private static final double LN2 = Math.log(2);

    static Result fit(DataMatrix data, NmfConfig config, boolean traced, int threads, int reservoir) {
        return fit(new Input(data, null, null), config, traced, threads, reservoir);
    }

    static Result fit(Input data, NmfConfig config, boolean traced, int threads, int reservoir) {
        try (OnlineNmf nmf = new OnlineNmf(config).threads(threads).reservoir(reservoir)) {
            return fit(nmf, data, traced);
        }
    }

    /**
     * The pass, timed without the time its input took to read: a .npy file read by chunks is
     * converted during the passes, and that share ({@code readSeconds}) is taken out of
     * {@code seconds} and {@code projectionSeconds}, so that they time the learning and the
     * projections alone, as when the file was read whole before the pass.
     */
    private static Result fit(OnlineNmf nmf, Input data, boolean traced) {
        ColumnCursor cursor = data.cursor();
        int n = data.columns();
        Trace trace = new Trace();
        long readBefore = data.readNanos();
        long start = System.nanoTime();
        if (traced) {
            long batches = 0;
            for (int j = 0; j < n; j++) {
                nmf.partialFit(cursor.at(j));
                if (nmf.batches() != batches) {
                    batches = nmf.batches();
                    trace.add(nmf.items(), nmf.prequentialResidualSq(), nmf.seenNormSq());
                }
            }
        } else if (data.matrix() instanceof DenseMatrix dense) {
            // in one call, so that each mini-batch's columns are copied by the thread that projects them
            nmf.partialFit(dense.data(), 0, dense.rows(), n);
        } else if (data.chunks() != null) {
            NpyColumns chunks = data.chunks();
            for (int j = 0; j < n; j += chunks.chunkCount()) {
                nmf.partialFit(chunks.chunkFrom(j), 0, chunks.rows(), chunks.chunkCount());
            }
        } else {
            for (int j = 0; j < n; j++) {
                nmf.partialFit(cursor.at(j));
            }
        }
        nmf.flush();
        long consolidationStart = System.nanoTime();
        boolean consolidated = nmf.consolidate();
        double consolidationSeconds = (System.nanoTime() - consolidationStart) / 1e9;
        long readInPass = data.readNanos() - readBefore;
        double seconds = (System.nanoTime() - start - readInPass) / 1e9;
        if (traced && (trace.size() == 0 || trace.items(trace.size() - 1) != nmf.items())) {
            trace.add(nmf.items(), nmf.prequentialResidualSq(), nmf.seenNormSq());
        }
        long readBeforeProjections = data.readNanos();
        long projectStart = System.nanoTime();
        double relative = relativeError(cursor, n, nmf.basis());
        long readInProjections = data.readNanos() - readBeforeProjections;
        double projectionSeconds = (System.nanoTime() - projectStart - readInProjections) / 1e9;
        return new Result(nmf.basis(), seconds, relative, nmf.prequentialError(), nmf.reseeds(),
                projectionSeconds, trace, nmf.prequentialDivergence(), consolidated, consolidationSeconds,
                (readInPass + readInProjections) / 1e9);
    }
}
