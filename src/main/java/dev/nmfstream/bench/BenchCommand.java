package dev.nmfstream.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.management.ThreadMXBean;
import dev.nmfstream.nmf.Basis;
import dev.nmfstream.nmf.Column;
import dev.nmfstream.nmf.DenseColumn;
import dev.nmfstream.nmf.Kernels;
import dev.nmfstream.nmf.ModelState;
import dev.nmfstream.nmf.NmfConfig;
import dev.nmfstream.nmf.OnlineNmf;
import dev.nmfstream.nmf.Projection;
import dev.nmfstream.nmf.Projector;
import dev.nmfstream.nmf.SparseColumn;
import dev.nmfstream.nmf.SufficientStatistics;
import dev.nmfstream.nmf.synth.PlantedModel;
import dev.nmfstream.nmf.synth.PlantedTopics;
import dev.nmfstream.wire.internal.Chunk;
import dev.nmfstream.wire.internal.Chunker;
import dev.nmfstream.wire.internal.StatisticsMessage;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code bench}: the engine's single-thread figures on synthetic data of the three reference
 * shapes, medians of several repeats in one JVM, every ratio against a baseline measured in the
 * same run.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {
            "Measures the engine, single thread, on dense m=1025 r=20 (audio-like), dense m=500 r=20 and sparse "
                    + "m=12,000 (~30 nonzeros per column) r=50 (documents-like) planted data:",
            "projection rate and its ratio to the bare c = Wᵀv product, bytes allocated per projected column, "
                    + "the one-pass learning rate (project every column, update W every mini-batch), and the time the "
                    + "service's updater takes for its first basis (NNDSVDa and 30 refinement passes over its sample of "
                    + "max(batch, 2r) columns).",
            "Prints one JSON line per case and a Markdown table."})
public final class BenchCommand implements Callable<Integer> {

    /** Projections (and products) run before any is measured, however few columns a case has. */
    static final int WARM_UP_COLUMNS = 50_000;
    /** Bytes of B that each measured repetition of the statistics message encodes (and decodes), at least. */
    static final int STATISTICS_MESSAGE_BYTES = 64 << 20;

    @Option(names = "--repeats", defaultValue = "5", description = "Timed repeats per figure (median). Default: ${DEFAULT-VALUE}.")
    int repeats;

    @Option(names = "--columns", defaultValue = "50000", description = "Columns per data set. Default: ${DEFAULT-VALUE}.")
    int columns;

    @Option(names = "--case", split = ",", description = "Cases to run (dense1025, dense500, sparse12000). Default: all.")
    List<String> cases = List.of("dense1025", "dense500", "sparse12000");

    @Option(names = "--markdown", paramLabel = "FILE", description = "Also write the table to FILE.")
    Path markdown;

    @Spec
    CommandSpec spec;

    /** A data set of n columns held in memory, with the basis it was planted with. */
    private record Data(String name, int m, int r, int batch, Column[] columns, double[] truth, String note) {}

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (repeats < 1 || columns < 1000) {
            err.println("bench: expected --repeats ≥ 1 and --columns ≥ 1000");
            return 2;
        }
        for (String name : cases) {
            if (!List.of("dense1025", "dense500", "sparse12000").contains(name)) {
                err.println("bench: unknown case '" + name + "', expected dense1025, dense500 or sparse12000");
                return 2;
            }
        }
        ObjectMapper json = new ObjectMapper();
        List<ObjectNode> rows = new ArrayList<>();
        for (String name : cases) {
            Data data = switch (name) {
                case "dense1025" -> dense(name, 1025, 20);
                case "dense500" -> dense(name, 500, 20);
                case "sparse12000" -> sparse(name);
                default -> throw new IllegalStateException(name);
            };
            ObjectNode row = measure(data, json);
            out.println(json.writeValueAsString(row));
            out.flush();
            rows.add(row);
        }
        String table = table(rows);
        out.println();
        out.print(table);
        out.flush();
        if (markdown != null) {
            Files.writeString(markdown, table, StandardCharsets.UTF_8);
        }
        return 0;
    }

    private Data dense(String name, int m, int r) {
        PlantedModel planted = new PlantedModel(m, r, 0.2, 0.1, 0.05, 1);
        double[] all = new double[Math.multiplyExact(columns, m)];
        Column[] cols = new Column[columns];
        for (int j = 0; j < columns; j++) {
            planted.next(all, j * m);
            cols[j] = new DenseColumn(all, j * m, m);
        }
        return new Data(name, m, r, NmfConfig.DEFAULT_BATCH, cols, planted.trueBasis(),
                "planted: 20% dense W, Dirichlet(0.1), 5% noise");
    }

    private Data sparse(String name) {
        PlantedTopics topics = PlantedTopics.documents(1);
        int m = topics.dim();
        int[] idx = new int[m];
        double[] val = new double[m];
        Column[] cols = new Column[columns];
        long nnz = 0;
        for (int j = 0; j < columns; j++) {
            int n = topics.next(idx, val);
            cols[j] = SparseColumn.of(m, Arrays.copyOf(idx, n), Arrays.copyOf(val, n));
            nnz += n;
        }
        return new Data(name, m, topics.rank(), 1024, cols, topics.trueBasis(),
                String.format("planted topics, %.1f nonzeros per column", (double) nnz / columns));
    }

    /**
     * A projector's statistics message on the stats topic (the first mini-batch's columns projected
     * on the true basis, with its re-seeding candidates): microseconds to encode it into its records
     * and to join and decode them, as the service's projector and updater do, and its bytes.
     *
     * @return a sum of what was made, for the row's sink (so that the JIT cannot drop the work)
     */
    private double statisticsMessage(Data d, Basis basis, ObjectNode row) {
        int batch = Math.min(d.batch, d.columns.length);
        SufficientStatistics stats = new SufficientStatistics(d.m, d.r);
        Projector projector = new Projector(d.r);
        Projection p = new Projection(d.r);
        for (int j = 0; j < batch; j++) {
            projector.project(basis, d.columns[j], p);
            stats.add(d.columns[j], p.h);
            stats.offerCandidate(d.columns[j], p.residualSq);
        }
        StatisticsMessage message = new StatisticsMessage(stats, 1, 1, 0, 0);
        int rounds = Math.max(1, STATISTICS_MESSAGE_BYTES / (1 + stats.touchedRows() * d.r * 8));
        double[] encodeTimes = new double[repeats];
        double[] decodeTimes = new double[repeats];
        List<byte[]> records = null;
        double sink = 0;
        for (int rep = -1; rep < repeats; rep++) { // rep −1 warms up
            long t0 = System.nanoTime();
            for (int q = 0; q < rounds; q++) {
                records = message.records(1, q);
                sink += records.size();
            }
            long t1 = System.nanoTime();
            SufficientStatistics received = null; // as the updater decodes: into the last message's statistics
            for (int q = 0; q < rounds; q++) {
                List<Chunk> chunks = new ArrayList<>(records.size());
                for (byte[] record : records) {
                    chunks.add(Chunker.chunk(record));
                }
                received = StatisticsMessage.decode(Chunker.join(chunks), received).statistics();
                sink += received.items();
            }
            long t2 = System.nanoTime();
            if (rep >= 0) {
                encodeTimes[rep] = (t1 - t0) / 1e3 / rounds;
                decodeTimes[rep] = (t2 - t1) / 1e3 / rounds;
            }
        }
        long bytes = 0;
        for (byte[] record : records) {
            bytes += record.length;
        }
        row.put("statisticsMessageItems", batch);
        row.put("statisticsMessageBytes", bytes);
        row.put("statisticsMessageEncodeMicros", median(encodeTimes));
        row.put("statisticsMessageDecodeMicros", median(decodeTimes));
        return sink;
    }

    private ObjectNode measure(Data d, ObjectMapper json) {
        ThreadMXBean threads = (ThreadMXBean) ManagementFactory.getThreadMXBean();
        long tid = Thread.currentThread().getId();
        int m = d.m;
        int r = d.r;
        int n = d.columns.length;
        Basis basis = new Basis(m, r, normalized(d.truth, m, r), 0);
        double[] wRowMajor = basis.toRowMajor();
        double[] wt = new double[m * r];
        for (int i = 0; i < m; i++) {
            for (int k = 0; k < r; k++) {
                wt[k * m + i] = wRowMajor[i * r + k];
            }
        }
        double[] c = new double[r];
        Projector projector = new Projector(r);
        Projection out = new Projection(r);
        double[] productTimes = new double[repeats];
        double[] projectTimes = new double[repeats];
        long pivots = 0;
        long allocated = 0;
        double sink = 0;
        // The JIT first: with the Vector API the kernels allocate their vectors until C2 has compiled
        // them, and one pass of a small data set could end before that (2,000 columns: 1 run in 6
        // allocated 18 KB per projection). So the passes before rep 0, at least WARM_UP_COLUMNS
        // projections and products, are not measured.
        int warmUps = (WARM_UP_COLUMNS + n - 1) / n;
        for (int rep = -warmUps; rep < repeats; rep++) {
            long t0 = System.nanoTime();
            for (Column v : d.columns) {
                product(v, wt, wRowMajor, m, r, c);
                sink += c[0];
            }
            long t1 = System.nanoTime();
            long a0 = threads.getThreadAllocatedBytes(tid);
            long p = 0;
            for (Column v : d.columns) {
                projector.project(basis, v, out);
                p += out.iterations;
                sink += out.residualSq;
            }
            long t2 = System.nanoTime();
            long a1 = threads.getThreadAllocatedBytes(tid);
            if (rep >= 0) {
                productTimes[rep] = (t1 - t0) / 1e9;
                projectTimes[rep] = (t2 - t1) / 1e9;
                allocated += a1 - a0;
                pivots += p;
            }
        }
        NmfConfig config = NmfConfig.defaults(r).withBatchSize(d.batch);
        double[] learnTimes = new double[repeats];
        double[] learnPlainTimes = new double[repeats];
        double[] learnTwoTimes = new double[repeats];
        double prequential = 0;
        for (int rep = 0; rep < repeats; rep++) {
            learnTimes[rep] = learn(config, d.columns, 1);
            learnPlainTimes[rep] = learn(config.withRefineRounds(1), d.columns, 1);
            learnTwoTimes[rep] = learn(config, d.columns, 2);
        }
        // the service's first basis: its sample is the first max(batch, 2r) columns (as the projectors send them)
        List<Column> sample = Arrays.asList(d.columns).subList(0, Math.min(n, config.streamBootstrapSize()));
        double[] firstBasisTimes = new double[repeats];
        for (int rep = -1; rep < repeats; rep++) { // rep −1 warms up
            long t0 = System.nanoTime();
            new ModelState(config).initialize(sample);
            if (rep >= 0) {
                firstBasisTimes[rep] = (System.nanoTime() - t0) / 1e9;
            }
        }
        OnlineNmf check = new OnlineNmf(config);
        for (Column v : d.columns) {
            check.partialFit(v);
        }
        check.flush();
        prequential = check.prequentialError();
        ObjectNode row = json.createObjectNode();
        row.put("case", d.name);
        row.put("m", m);
        row.put("r", r);
        row.put("columns", n);
        row.put("data", d.note);
        row.put("productPerSecond", n / median(productTimes));
        row.put("projectionsPerSecond", n / median(projectTimes));
        row.put("projectionCostRatio", median(projectTimes) / median(productTimes));
        row.put("pivotsPerColumn", (double) pivots / ((long) n * repeats));
        row.put("bytesAllocatedPerProjection", (double) allocated / ((long) n * repeats));
        row.put("batch", d.batch);
        row.put("learnPerSecond", n / median(learnTimes));
        row.put("learnPerSecondRefine1", n / median(learnPlainTimes));
        row.put("learnPerSecond2Threads", n / median(learnTwoTimes));
        row.put("threadSpeedup", median(learnTimes) / median(learnTwoTimes));
        if (d.columns[0] instanceof DenseColumn) {
            double flops = OnlineNmf.denseFlopsPerColumn(m, config);
            row.put("flopsPerColumn", flops);
            row.put("learnGflopsPerSecond", flops * n / median(learnTimes) / 1e9);
            row.put("peakGflopsPerSecond", peak());
        }
        row.put("prequentialError", prequential);
        row.put("serviceFirstBasisSample", sample.size());
        row.put("serviceFirstBasisSeconds", median(firstBasisTimes));
        sink += statisticsMessage(d, basis, row);
        row.put("repeats", repeats);
        row.put("sink", sink == 0 ? 0 : 1);
        return row;
    }

    private static double learn(NmfConfig config, Column[] columns, int threads) {
        try (OnlineNmf nmf = new OnlineNmf(config).threads(threads)) {
            long t0 = System.nanoTime();
            for (Column v : columns) {
                nmf.partialFit(v);
            }
            nmf.flush();
            return (System.nanoTime() - t0) / 1e9;
        }
    }

    /**
     * The fastest multiply-add rate plain Java reaches on this core, GFLOP/s: the engine's own
     * four-column multiply-add ({@link Kernels#axpy4}, which C2 compiles to SIMD code) on arrays
     * that stay in the L1 cache, the median of {@link #repeats} timings after a warm-up. The
     * ceiling the learner's kernels can be compared with (the hardware's is higher: the loop
     * loads five numbers and stores one per four multiply-adds).
     */
    private double peak() {
        int n = 512;
        double[][] x = new double[4][n];
        double[] y = new double[n];
        for (int q = 0; q < 4; q++) {
            Arrays.fill(x[q], 1e-3 * (q + 1));
        }
        int loops = 20_000;
        double[] times = new double[repeats];
        for (int rep = -3; rep < repeats; rep++) {
            long t0 = System.nanoTime();
            for (int l = 0; l < loops; l++) {
                Kernels.axpy4(0.5, x[0], -0.25, x[1], 0.125, x[2], -0.0625, x[3], y, n);
            }
            if (rep >= 0) {
                times[rep] = (System.nanoTime() - t0) / 1e9;
            }
        }
        if (y[0] == 42) {
            throw new IllegalStateException("unreachable: keeps the loop alive");
        }
        return 8.0 * n * loops / median(times) / 1e9;
    }

    /** The bare c = Wᵀv: the baseline a projection is compared with. */
    private static void product(Column v, double[] wt, double[] w, int m, int r, double[] c) {
        if (v instanceof DenseColumn dense) {
            Kernels.multTransDense(wt, m, r, dense.data(), dense.offset(), c);
        } else {
            SparseColumn s = (SparseColumn) v;
            Kernels.multTransSparse(w, r, s.indices(), s.values(), s.offset(), s.nnz(), c);
        }
    }

    private static double[] normalized(double[] w, int m, int r) {
        double[] out = w.clone();
        for (int k = 0; k < r; k++) {
            double s = 0;
            for (int i = 0; i < m; i++) {
                s += out[i * r + k] * out[i * r + k];
            }
            double inv = s > 0 ? 1 / Math.sqrt(s) : 0;
            for (int i = 0; i < m; i++) {
                out[i * r + k] = s > 0 ? out[i * r + k] * inv : 1e-8;
            }
        }
        return out;
    }

    private static double median(double[] x) {
        double[] s = x.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : 0.5 * (s[s.length / 2 - 1] + s[s.length / 2]);
    }

    private static String table(List<ObjectNode> rows) {
        StringBuilder sb = new StringBuilder();
        sb.append("| case | m | r | c = Wᵀv /s | projections /s | projection / product | pivots | bytes/projection "
                + "| batch | learning /s (defaults) | learning /s (refine 1) | prequential error | service's first basis (s) |\n");
        sb.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        for (ObjectNode row : rows) {
            sb.append(String.format("| %s | %d | %d | %,.0f | %,.0f | %.2f | %.2f | %.3f | %d | %,.0f | %,.0f | %.4f | %.3f |%n",
                    row.get("case").asText(), row.get("m").asInt(), row.get("r").asInt(),
                    row.get("productPerSecond").asDouble(), row.get("projectionsPerSecond").asDouble(),
                    row.get("projectionCostRatio").asDouble(), row.get("pivotsPerColumn").asDouble(),
                    row.get("bytesAllocatedPerProjection").asDouble(), row.get("batch").asInt(),
                    row.get("learnPerSecond").asDouble(), row.get("learnPerSecondRefine1").asDouble(),
                    row.get("prequentialError").asDouble(), row.get("serviceFirstBasisSeconds").asDouble()));
        }
        return sb.toString();
    }

}
