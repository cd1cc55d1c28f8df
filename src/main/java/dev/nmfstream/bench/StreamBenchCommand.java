package dev.nmfstream.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nmfstream.cli.FitCommand;
import dev.nmfstream.cli.LayoutOption;
import dev.nmfstream.cli.ModelShapeOptions;
import dev.nmfstream.cli.SettingOptions;
import dev.nmfstream.io.ColumnCursor;
import dev.nmfstream.io.DataFileException;
import dev.nmfstream.io.DataFiles;
import dev.nmfstream.io.DataMatrix;
import dev.nmfstream.io.Npy;
import dev.nmfstream.io.SparseMatrix;
import dev.nmfstream.kafka.EmbeddedKafka;
import dev.nmfstream.kafka.KafkaClients;
import dev.nmfstream.kafka.RatePacer;
import dev.nmfstream.kafka.TopicSetup;
import dev.nmfstream.nmf.Basis;
import dev.nmfstream.nmf.Column;
import dev.nmfstream.nmf.DenseColumn;
import dev.nmfstream.nmf.synth.PlantedModel;
import dev.nmfstream.service.NmfService;
import dev.nmfstream.stream.NmfStreamConfig;
import dev.nmfstream.stream.NmfTopology;
import dev.nmfstream.wire.ColumnEncoder;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.LogDirDescription;
import org.apache.kafka.clients.admin.ReplicaInfo;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code bench-stream}: the service end to end on an embedded broker against a passthrough
 * topology (bytes in, the same bytes out) on the same input records, partitions and broker, in
 * one run; then latency from produce to weights at half the measured rate. With {@code --data}, a
 * data file's columns instead, and the quality of what the service published: the prequential
 * error of its weights and the error of its final factors.
 */
@Command(name = "bench-stream", mixinStandardHelpOptions = true,
        description = {"End-to-end throughput of the service as a ratio to a passthrough topology (same broker, "
                + "partitions, records and run), for binary and JSON audio-like frames (m = 1025, r = 20), and "
                + "p50/p99 latency from produce to weights at half that rate, under exactly-once and at-least-once.",
            "With --data FILE: the columns of a .npy/.npz file (keys i0, i1, … in file order) instead, one run "
                + "in --format, no latency runs; prints one JSON line with the throughput ratio, the prequential "
                + "error of the published weights (√(Σ relativeResidual²·‖v‖² / Σ‖v‖²)), and relativeError: "
                + "‖V − W H‖/‖V‖ of the final factors read from the factors topic, with exact weights."})
public final class StreamBenchCommand implements Callable<Integer> {

    @Option(names = "--records", defaultValue = "40000", description = "Records per run. Default: ${DEFAULT-VALUE}.")
    int records;

    @Mixin
    ModelShapeOptions shape = new ModelShapeOptions(1025, 20);

    /** m and r for this run (with --data, m is the file's). */
    private int dimension;
    private int rank;

    @Option(names = "--latency-seconds", defaultValue = "15", description = "Length of each latency run. Default: ${DEFAULT-VALUE}.")
    int latencySeconds;

    @Option(names = "--data", paramLabel = "FILE",
            description = "Stream this .npy (m × n, one item per column) or .npz sparse matrix instead of synthetic "
                    + "frames (--dimension and --records are then the file's).")
    Path data;

    @Mixin
    LayoutOption layout;

    @Option(names = "--format", defaultValue = "binary",
            description = "With --data: the input records' format, binary (float32) or json. Default: ${DEFAULT-VALUE}.")
    String format;

    @Mixin
    SettingOptions settings;

    @Option(names = "--paced", defaultValue = "0", paramLabel = "FRACTION",
            description = "With --data: then stream the records again, produced at this fraction of the measured rate "
                    + "while the service runs (a live stream rather than a backlog), and report its quality under "
                    + "\"paced\" (W and trace files get the suffix .paced). 0: off. Default: ${DEFAULT-VALUE}.")
    double paced;

    @Option(names = "--warm-up", arity = "0..1", fallbackValue = "1", defaultValue = "0", paramLabel = "ROUNDS",
            description = "With --data: first run a passthrough and the service on a copy of the records (their own "
            + "input topic and application) this many rounds (--warm-up alone: 1), and discard them, so that the "
            + "measured runs find the JVM's compiler further along with both, as in a service that has been running "
            + "for a while (in a fresh JVM the compiler threads take about a third of this 2-core machine during a "
            + "60,000-item run, and after one round still about a quarter).")
    int warmUps;

    @Option(names = "--floor", description = "With --data: then run the projection floor on the same records: a "
            + "topology that only decodes each record, projects it on the run's final factors and publishes its weights "
            + "(no stores, statistics or updater; the passthrough's settings), and report floorPerSecond and floorRatio "
            + "(passthrough ÷ floor time): the most that any way of learning could bring the service to.")
    boolean floor;

    @Option(names = "--out-w", paramLabel = "W.npy", description = "With --data: write the final factors (m × r, float64) here.")
    Path outW;

    @Option(names = "--trace", paramLabel = "FILE.csv",
            description = "With --data: the published weights' prequential sums by item index, every 1,000 items "
                    + "(CSV: items,residualSq,normSq).")
    Path trace;

    @Option(names = "--http-overhead", paramLabel = "RUNS", defaultValue = "0",
            description = "Instead: the service's backlog throughput with nmf.http.enabled on (a page's event stream "
                    + "open, /metrics scraped every second) and off, RUNS runs of each, and the median on/off ratio.")
    int httpOverhead;

    /** When the last {@link #serviceWithFactors} run started (epoch ms). */
    private long startedAtMs;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        dimension = shape.dimension();
        rank = shape.rank();
        if (data != null) {
            return callWithData();
        }
        PrintWriter out = spec.commandLine().getOut();
        Path dir = Files.createTempDirectory("nmf-bench-stream");
        if (httpOverhead > 0) {
            try {
                HttpOverhead.run(out, dir, httpOverhead, records, dimension, rank, settings.properties());
            } finally {
                EmbeddedKafka.delete(dir);
            }
            return 0;
        }
        ObjectMapper json = new ObjectMapper();
        try (EmbeddedKafka broker = EmbeddedKafka.start(dir.resolve("kafka"), new Properties())) {
            for (String format : List.of("binary", "json")) {
                String input = "bench-in-" + format;
                NmfStreamConfig config = config(input, format, dir, "exactly_once_v2");
                TopicSetup.ensure(broker.bootstrapServers(), config, new Properties());
                long bytes = fill(broker, input, format, records);
                double pass = Passthrough.seconds(broker, input, dir, records);
                double nmf = service(broker, config, records);
                ObjectNode row = json.createObjectNode();
                row.put("format", format);
                row.put("records", records);
                row.put("bytesPerRecord", (double) bytes / records);
                row.put("passthroughPerSecond", records / pass);
                row.put("nmfPerSecond", records / nmf);
                row.put("ratio", pass / nmf);
                row.put("heapUsedMiB", usedHeapMiB());
                out.println(json.writeValueAsString(row));
                out.flush();
                if (format.equals("binary")) {
                    for (String guarantee : List.of("exactly_once_v2", "at_least_once")) {
                        NmfStreamConfig latencyConfig = config("lat-in-" + guarantee, format, dir, guarantee);
                        TopicSetup.ensure(broker.bootstrapServers(), latencyConfig, new Properties());
                        double rate = 0.5 * records / nmf;
                        double[] latency = latency(broker, latencyConfig, rate);
                        ObjectNode lat = json.createObjectNode();
                        lat.put("format", format);
                        lat.put("guarantee", guarantee);
                        lat.put("ratePerSecond", rate);
                        lat.put("records", (int) latency[2]);
                        lat.put("p50Ms", latency[0]);
                        lat.put("p99Ms", latency[1]);
                        lat.put("heapUsedMiB", usedHeapMiB());
                        out.println(json.writeValueAsString(lat));
                        out.flush();
                    }
                }
            }
        } finally {
            EmbeddedKafka.delete(dir);
        }
        return 0;
    }

    /** With --data: the file is sparse, so the service runs with the sparse defaults (nmf.input.sparse). */
    private boolean sparseInput;

    private NmfStreamConfig config(String input, String format, Path dir, String guarantee) {
        Properties p = BenchProperties.forInput(input, "bench", dir);
        p.setProperty("nmf.rank", "" + rank);
        p.setProperty("nmf.dimension", "" + dimension);
        p.setProperty("nmf.input.format", format);
        p.setProperty("nmf.model", "bench");
        p.setProperty("processing.guarantee", guarantee);
        p.putAll(settings.properties());
        return NmfStreamConfig.from(sparseInput ? NmfStreamConfig.withSparseDefaults(p) : p);
    }

    private long fill(EmbeddedKafka broker, String topic, String format, int n) {
        PlantedModel planted = new PlantedModel(dimension, rank, 0.2, 0.1, 0.05, 5);
        double[] v = new double[dimension];
        long bytes = 0;
        try (KafkaProducer<String, byte[]> producer = producer(broker)) {
            for (int j = 0; j < n; j++) {
                planted.next(v, 0);
                String id = "f" + j;
                byte[] value = format.equals("binary") ? ColumnEncoder.binary(DenseColumn.of(v), -1)
                        : ColumnEncoder.json(id, DenseColumn.of(v), -1);
                bytes += value.length;
                producer.send(new ProducerRecord<>(topic, id, value));
            }
            producer.flush();
        }
        return bytes;
    }

    /** The service of a configuration (its first basis from nmf.basis.file, if set) on the broker, not started. */
    private static KafkaStreams streams(EmbeddedKafka broker, NmfStreamConfig config) throws Exception {
        return new KafkaStreams(NmfTopology.build(config, NmfService.initialBasis(config)),
                NmfService.streamsProperties(config, broker.bootstrapServers()));
    }

    /** Seconds for the service to publish the weights of the n records. */
    private double service(EmbeddedKafka broker, NmfStreamConfig config, int n) throws Exception {
        try (KafkaStreams streams = streams(broker, config)) {
            long start = System.nanoTime();
            streams.start();
            count(broker, config.topics().weights(), n);
            return (System.nanoTime() - start) / 1e9;
        }
    }

    private static void count(EmbeddedKafka broker, String topic, int n) {
        KafkaClients.awaitRecords(broker.bootstrapServers(), topic, n, Duration.ofMinutes(10));
    }

    // ---------------------------------------------------------------- --data

    /** A data file through the passthrough and the service; one JSON line. */
    private Integer callWithData() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (!format.equals("binary") && !format.equals("json")) {
            err.println("bench-stream: --format " + format + ", expected binary or json");
            return 2;
        }
        if (warmUps < 0) {
            err.println("bench-stream: --warm-up " + warmUps + ", expected a number of rounds ≥ 0");
            return 2;
        }
        for (Path file : new Path[] {outW, trace}) {
            Path parent = file == null ? null : file.toAbsolutePath().getParent();
            if (file != null && (parent == null || !Files.isDirectory(parent) || !Files.isWritable(parent))) {
                err.println("bench-stream: " + file + ": cannot write there (no such directory, or not writable)");
                return 1;
            }
        }
        DataMatrix matrix;
        try {
            matrix = DataFiles.read(data, layout.itemsAreRows());
            matrix.validate();
        } catch (DataFileException e) {
            err.println("bench-stream: " + e.getMessage());
            return 1;
        } catch (IllegalArgumentException e) {
            err.println("bench-stream: " + data + ": " + e.getMessage());
            return 1;
        }
        int n = matrix.columns();
        int m = matrix.rows();
        sparseInput = matrix instanceof SparseMatrix;
        if (n == 0 || m == 0 || rank > m) {
            err.println("bench-stream: " + data + ": " + m + " × " + n + " matrix, expected at least one item and "
                    + "a dimension m ≥ --rank = " + rank);
            return 1;
        }
        dimension = m;
        double[] normSq = new double[n];
        ColumnCursor cursor = matrix.cursor();
        for (int j = 0; j < n; j++) {
            normSq[j] = cursor.at(j).squaredNorm();
        }
        Path dir = Files.createTempDirectory("nmf-bench-stream");
        ObjectMapper json = new ObjectMapper();
        try (EmbeddedKafka broker = EmbeddedKafka.start(dir.resolve("kafka"), new Properties())) {
            String input = "data-in";
            NmfStreamConfig config;
            try {
                config = config(input, format, dir, "exactly_once_v2");
            } catch (IllegalArgumentException e) {
                err.println("bench-stream: --set: " + e.getMessage());
                return 2;
            }
            TopicSetup.ensure(broker.bootstrapServers(), config, new Properties());
            for (int round = 0; round < warmUps; round++) {
                NmfStreamConfig warm = config("data-warm-up-" + round, format, dir, "exactly_once_v2");
                TopicSetup.ensure(broker.bootstrapServers(), warm, new Properties());
                fill(broker, warm.topics().columns(), matrix, 0);
                Passthrough.seconds(broker, warm.topics().columns(), dir, n);
                serviceWithFactors(broker, warm, n, new FactorSnapshots(warm.model(), rank, m), null, 0);
            }
            long bytes = fill(broker, input, matrix, 0);
            double pass = Passthrough.seconds(broker, input, dir, n);
            FactorSnapshots factors = new FactorSnapshots(config.model(), rank, m);
            double nmf = serviceWithFactors(broker, config, n, factors, null, 0);
            Map<String, Long> internal = internalTopicBytes(broker, config);
            PublishedWeights weights = new PublishedWeights(normSq, 1000);
            readWeights(broker, config.topics().weights(), weights);
            ObjectNode row = json.createObjectNode();
            row.put("data", data.toString());
            row.put("format", format);
            row.put("warmedUp", warmUps > 0);
            row.put("warmUpRounds", warmUps);
            row.put("rows", m);
            row.put("records", n);
            row.put("rank", rank);
            row.set("settings", json.valueToTree(new TreeMap<>(settings.properties())));
            row.put("bytesPerRecord", (double) bytes / n);
            row.put("passthroughPerSecond", n / pass);
            row.put("nmfPerSecond", n / nmf);
            row.put("ratio", pass / nmf);
            row.put("inputSparse", config.inputSparse());
            long internalTotal = 0;
            ObjectNode perTopic = row.putObject("internalBytesPer1000");
            for (Map.Entry<String, Long> e : internal.entrySet()) {
                perTopic.put(e.getKey(), 1000.0 * e.getValue() / n);
                internalTotal += e.getValue();
            }
            row.put("internalBytesPer1000Items", 1000.0 * internalTotal / n);
            boolean complete = quality(row, matrix, weights, factors, outW, trace);
            if (floor && factors.newestComplete() != null) {
                Basis basis = new Basis(m, rank, factors.newestComplete(), factors.newestVersion());
                double least = ProjectionFloor.seconds(broker, input, dir, n, config, basis);
                row.put("floorPerSecond", n / least);
                row.put("floorRatio", pass / least);
            }
            if (paced > 0) {
                // the same records again, produced at a fraction of the measured rate while the service runs
                NmfStreamConfig pacedConfig = config("data-paced", format, dir, "exactly_once_v2");
                TopicSetup.ensure(broker.bootstrapServers(), pacedConfig, new Properties());
                double rate = paced * n / nmf;
                FactorSnapshots pacedFactors = new FactorSnapshots(pacedConfig.model(), rank, m);
                serviceWithFactors(broker, pacedConfig, n, pacedFactors, matrix, rate);
                PublishedWeights pacedWeights = new PublishedWeights(normSq, 1000);
                readWeights(broker, pacedConfig.topics().weights(), pacedWeights);
                ObjectNode pacedRow = row.putObject("paced");
                pacedRow.put("fraction", paced);
                pacedRow.put("ratePerSecond", rate);
                complete &= quality(pacedRow, matrix, pacedWeights, pacedFactors, withSuffix(outW, ".paced"),
                        withSuffix(trace, ".paced"));
            }
            row.put("heapUsedMiB", usedHeapMiB());
            out.println(json.writeValueAsString(row));
            out.flush();
            return complete ? 0 : 1;
        } finally {
            EmbeddedKafka.delete(dir);
        }
    }

    /**
     * Bytes in the broker's log of each internal topic of a service run (the stats and basis topics,
     * the application's changelogs), as written (before any compaction), by topic name (the
     * changelogs without the application id).
     */
    private static Map<String, Long> internalTopicBytes(EmbeddedKafka broker, NmfStreamConfig config)
            throws Exception {
        String app = config.kafka().getProperty(StreamsConfig.APPLICATION_ID_CONFIG);
        Map<String, Long> bytes = new TreeMap<>();
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()))) {
            List<Integer> brokers = new ArrayList<>();
            for (Node node : admin.describeCluster().nodes().get()) {
                brokers.add(node.id());
            }
            for (Map<String, LogDirDescription> dirs : admin.describeLogDirs(brokers).allDescriptions().get().values()) {
                for (LogDirDescription dir : dirs.values()) {
                    for (Map.Entry<TopicPartition, ReplicaInfo> e : dir.replicaInfos().entrySet()) {
                        String topic = e.getKey().topic();
                        if (topic.equals(config.topics().stats()) || topic.equals(config.topics().basis())) {
                            bytes.merge(topic, e.getValue().size(), Long::sum);
                        } else if (topic.startsWith(app + "-")) {
                            bytes.merge(topic.substring(app.length() + 1), e.getValue().size(), Long::sum);
                        }
                    }
                }
            }
        }
        return bytes;
    }

    /** FILE.ext → FILE{suffix}.ext; null stays null. */
    static Path withSuffix(Path file, String suffix) {
        if (file == null) {
            return null;
        }
        String name = file.getFileName().toString();
        int dot = name.lastIndexOf('.');
        String renamed = dot > 0 ? name.substring(0, dot) + suffix + name.substring(dot) : name + suffix;
        return file.resolveSibling(renamed);
    }

    /** The published weights' and final factors' figures into row; W and the trace to their files. */
    private boolean quality(ObjectNode row, DataMatrix matrix, PublishedWeights weights, FactorSnapshots factors,
            Path wFile, Path traceFile) throws Exception {
        int m = matrix.rows();
        row.put("weightsRecords", weights.records());
        row.put("itemsWithWeights", weights.distinct());
        row.put("prequentialError", weights.prequentialError());
        row.put("meanBasisVersion", weights.meanBasisVersion());
        if (traceFile != null) {
            Files.writeString(traceFile, weights.traceCsv(), StandardCharsets.UTF_8);
        }
        double[] w = factors.newestComplete();
        if (w == null) {
            row.putNull("relativeError");
            row.putNull("factorsVersion");
            return false;
        }
        row.put("relativeError", relativeError(matrix, new Basis(m, rank, w, factors.newestVersion())));
        row.put("factorsVersion", factors.newestVersion());
        row.put("factorsItemsSeen", factors.newestItemsSeen());
        // from the last item's weights to the first factors snapshot that had learned from every item
        long caughtUp = factors.firstUpdatedAtWith(weights.distinct());
        // from the service's start to its first weights: joining, restoring, the first basis
        if (weights.firstProcessedAt() >= 0) {
            row.put("firstWeightsSeconds", (weights.firstProcessedAt() - startedAtMs) / 1000.0);
        }
        if (caughtUp >= 0 && weights.lastProcessedAt() >= 0) {
            row.put("factorsLagSeconds", (caughtUp - weights.lastProcessedAt()) / 1000.0);
        } else {
            row.putNull("factorsLagSeconds");
        }
        if (wFile != null) {
            Npy.writeMatrix(wFile, m, rank, w);
            row.put("outW", wFile.toString());
        }
        return true;
    }

    /** The matrix's columns into the topic, at the given rate (records/s), or as fast as possible (0). */
    private long fill(EmbeddedKafka broker, String topic, DataMatrix matrix, double rate) {
        ColumnCursor cursor = matrix.cursor();
        long bytes = 0;
        RatePacer pacer = new RatePacer(rate);
        try (KafkaProducer<String, byte[]> producer = producer(broker)) {
            for (int j = 0; j < matrix.columns(); j++) {
                pacer.await(j);
                String id = "i" + j;
                Column v = cursor.at(j);
                byte[] value = format.equals("binary") ? ColumnEncoder.binary(v, -1) : ColumnEncoder.json(id, v, -1);
                bytes += value.length;
                producer.send(new ProducerRecord<>(topic, id, value));
            }
            producer.flush();
        }
        return bytes;
    }

    /**
     * Seconds for the service to publish the weights of the n records (as {@link #service}); then,
     * untimed and with the service still running, reads the factors topic until a snapshot has
     * learned from all n items (or a minute has passed). With pacedInput, first produces its
     * columns at the given rate while the service runs.
     */
    private double serviceWithFactors(EmbeddedKafka broker, NmfStreamConfig config, int n, FactorSnapshots factors,
            DataMatrix pacedInput, double rate) throws Exception {
        try (KafkaStreams streams = streams(broker, config)) {
            startedAtMs = System.currentTimeMillis();
            long start = System.nanoTime();
            streams.start();
            if (pacedInput != null) {
                fill(broker, config.topics().columns(), pacedInput, rate);
            }
            count(broker, config.topics().weights(), n);
            double seconds = (System.nanoTime() - start) / 1e9;
            try (KafkaConsumer<String, byte[]> consumer = consumer(broker)) {
                consumer.subscribe(List.of(config.topics().factors()));
                ObjectMapper json = new ObjectMapper();
                long deadline = System.nanoTime() + Duration.ofMinutes(1).toNanos();
                // without learning (nmf.learning=false, a fixed nmf.basis.file) the factors are that basis, at once
                long items = config.learning() ? n : 0;
                while (System.nanoTime() < deadline && !(factors.newestComplete() != null && factors.newestItemsSeen() >= items)) {
                    for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                        if (r.value() != null) {
                            factors.accept(r.key(), json.readTree(r.value()));
                        }
                    }
                }
            }
            return seconds;
        }
    }

    private static void readWeights(EmbeddedKafka broker, String topic, PublishedWeights weights) throws Exception {
        ObjectMapper json = new ObjectMapper();
        try (KafkaConsumer<String, byte[]> consumer = consumer(broker)) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
            int idle = 0;
            // every item's weights are there already (counted); read until two quiet seconds
            while (System.nanoTime() < deadline && idle < 10) {
                var records = consumer.poll(Duration.ofMillis(200));
                idle = records.isEmpty() && weights.records() > 0 ? idle + 1 : 0;
                for (ConsumerRecord<String, byte[]> r : records) {
                    JsonNode message = json.readTree(r.value());
                    weights.accept(r.key(), message.get("relativeResidual").asDouble(),
                            message.get("basisVersion").asLong());
                    weights.processedAt(message.path("processedTimestamp").asLong(-1));
                }
            }
        }
    }

    static double relativeError(DataMatrix matrix, Basis basis) {
        return FitCommand.relativeError(matrix, basis);
    }

    /**
     * The weights the service published, item by item (key {@code i<j>}): their prequential error
     * √(Σ ρ_j²‖v_j‖² / Σ‖v_j‖²), ρ_j the relative residual published for item j with the basis of
     * its time, and how many records and distinct items there were.
     */
    static final class PublishedWeights {
        private final double[] normSq;
        private final double[] residualSq;
        private final long[] basisVersion;
        private final boolean[] seen;
        private final int window;
        private long records;
        private int distinct;
        private long lastProcessedAt = -1;
        private long firstProcessedAt = -1;

        /**
         * @param normSq ‖v_j‖² of every item j; not copied, not modified
         * @param window items per line of the trace
         */
        PublishedWeights(double[] normSq, int window) {
            this.normSq = normSq;
            this.residualSq = new double[normSq.length];
            this.basisVersion = new long[normSq.length];
            this.seen = new boolean[normSq.length];
            this.window = window;
        }

        /** One weights record; a repeated item counts as a record, not again in the error. */
        void accept(String key, double relativeResidual, long version) {
            records++;
            if (key == null || !key.startsWith("i")) {
                throw new IllegalArgumentException("weights key " + key + ", expected i<item index>");
            }
            int j = Integer.parseInt(key, 1, key.length(), 10);
            if (j < 0 || j >= normSq.length) {
                throw new IllegalArgumentException("weights key " + key + ", expected an item index in [0, "
                        + normSq.length + ")");
            }
            if (!seen[j]) {
                seen[j] = true;
                distinct++;
                residualSq[j] = relativeResidual * relativeResidual * normSq[j];
                basisVersion[j] = version;
            }
        }

        long records() {
            return records;
        }

        /** A weights record's processedTimestamp (epoch ms; −1 if absent). */
        void processedAt(long at) {
            lastProcessedAt = Math.max(lastProcessedAt, at);
            if (at >= 0 && (firstProcessedAt < 0 || at < firstProcessedAt)) {
                firstProcessedAt = at;
            }
        }

        /** The oldest processedTimestamp of any weights record (−1 if none). */
        long firstProcessedAt() {
            return firstProcessedAt;
        }

        /** The newest processedTimestamp of any weights record (−1 if none). */
        long lastProcessedAt() {
            return lastProcessedAt;
        }

        int distinct() {
            return distinct;
        }

        /** Over the items that have weights. */
        double prequentialError() {
            double r = 0;
            double v = 0;
            for (int j = 0; j < normSq.length; j++) {
                if (seen[j]) {
                    r += residualSq[j];
                    v += normSq[j];
                }
            }
            return v > 0 ? Math.sqrt(r / v) : 0;
        }

        /** Mean basis version the items were projected with. */
        double meanBasisVersion() {
            double s = 0;
            for (int j = 0; j < normSq.length; j++) {
                s += seen[j] ? basisVersion[j] : 0;
            }
            return distinct > 0 ? s / distinct : 0;
        }

        /**
         * {@code items,residualSq,normSq,basisVersionSum}: running sums by item index, every
         * window items and at the end.
         */
        String traceCsv() {
            StringBuilder sb = new StringBuilder("items,residualSq,normSq,basisVersionSum\n");
            double r = 0;
            double v = 0;
            long versions = 0;
            for (int j = 0; j < normSq.length; j++) {
                if (seen[j]) {
                    r += residualSq[j];
                    v += normSq[j];
                    versions += basisVersion[j];
                }
                if ((j + 1) % window == 0 || j == normSq.length - 1) {
                    sb.append(j + 1).append(',').append(r).append(',').append(v).append(',').append(versions)
                            .append('\n');
                }
            }
            return sb.toString();
        }
    }

    /**
     * Factor snapshots read from the factors topic (JSON: the summary under key {@code model}, the
     * components under {@code model/k}): the newest version whose summary and r components have
     * all been seen.
     */
    static final class FactorSnapshots {
        private final String model;
        private final int r;
        private final int m;
        private final Map<Long, double[]> byVersion = new HashMap<>();
        private final Map<Long, BitSet> componentsByVersion = new HashMap<>();
        /** Each version's summary: items learned from, and when it was made (epoch ms; −1 if absent). */
        private final Map<Long, Summary> summaryByVersion = new HashMap<>();
        private long newest = -1;

        FactorSnapshots(String model, int r, int m) {
            this.model = model;
            this.r = r;
            this.m = m;
        }

        void accept(String key, JsonNode value) {
            long version = value.get("version").asLong();
            if (key.equals(model)) {
                summaryByVersion.put(version,
                        new Summary(value.get("itemsSeen").asLong(), value.path("updatedAt").asLong(-1)));
            } else if (key.startsWith(model + "/")) {
                int k = Integer.parseInt(key.substring(model.length() + 1));
                JsonNode vector = value.get("vector");
                if (k < 0 || k >= r || vector == null || vector.size() != m) {
                    throw new IllegalArgumentException("factors record " + key + ": expected component k in [0, " + r
                            + ") with a vector of " + m + " values");
                }
                double[] w = byVersion.computeIfAbsent(version, x -> new double[m * r]);
                for (int i = 0; i < m; i++) {
                    w[i * r + k] = vector.get(i).asDouble();
                }
                componentsByVersion.computeIfAbsent(version, x -> new BitSet(r)).set(k);
            } else {
                return;
            }
            BitSet seen = componentsByVersion.get(version);
            if (summaryByVersion.containsKey(version) && seen != null && seen.cardinality() == r) {
                newest = Math.max(newest, version);
            }
        }

        /** The newest complete snapshot's W (row-major m × r), or null if none is complete. */
        double[] newestComplete() {
            return newest < 0 ? null : byVersion.get(newest);
        }

        long newestVersion() {
            return newest;
        }

        /**
         * When the first snapshot that had learned from at least {@code items} items was made
         * (its summary's updatedAt, epoch ms), or −1 if none was read.
         */
        long firstUpdatedAtWith(long items) {
            long first = -1;
            for (Summary summary : summaryByVersion.values()) {
                long at = summary.updatedAt();
                if (summary.itemsSeen() >= items && at >= 0 && (first < 0 || at < first)) {
                    first = at;
                }
            }
            return first;
        }

        /** Items the newest complete snapshot had learned from (−1 if none). */
        long newestItemsSeen() {
            return newest < 0 ? -1 : summaryByVersion.get(newest).itemsSeen();
        }

        private record Summary(long itemsSeen, long updatedAt) {}
    }

    /** p50, p99 (ms) of produce-to-weights latency at the given rate, and the records measured. */
    private double[] latency(EmbeddedKafka broker, NmfStreamConfig config, double rate) throws Exception {
        List<Double> latencies = new ArrayList<>();
        PlantedModel planted = new PlantedModel(dimension, rank, 0.2, 0.1, 0.05, 9);
        try (KafkaStreams streams = streams(broker, config);
                KafkaConsumer<String, byte[]> consumer = consumer(broker);
                KafkaProducer<String, byte[]> producer = producer(broker)) {
            streams.start();
            consumer.subscribe(List.of(config.topics().weights()));
            double[] v = new double[dimension];
            // warm up: the first basis and the JIT, not measured
            int warm = 3000;
            for (int j = 0; j < warm; j++) {
                planted.next(v, 0);
                producer.send(new ProducerRecord<>(config.topics().columns(), "w" + j, ColumnEncoder.binary(DenseColumn.of(v), -1)));
            }
            producer.flush();
            long got = 0;
            while (got < warm) {
                got += consumer.poll(Duration.ofMillis(200)).count();
            }
            RatePacer pacer = new RatePacer(rate);
            long end = System.nanoTime() + Duration.ofSeconds(latencySeconds).toNanos();
            long j = 0;
            while (System.nanoTime() < end) {
                while (!pacer.isDue(j)) {
                    for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ZERO)) {
                        latencies.add((System.currentTimeMillis() - r.timestamp()) * 1.0);
                    }
                }
                planted.next(v, 0);
                producer.send(new ProducerRecord<>(config.topics().columns(), null, System.currentTimeMillis(),
                        "l" + j, ColumnEncoder.binary(DenseColumn.of(v), -1)));
                j++;
            }
            producer.flush();
            long drain = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (latencies.size() < j && System.nanoTime() < drain) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(100))) {
                    latencies.add((System.currentTimeMillis() - r.timestamp()) * 1.0);
                }
            }
        }
        double[] sorted = latencies.stream().mapToDouble(Double::doubleValue).toArray();
        Arrays.sort(sorted);
        return new double[] {percentile(sorted, 0.5), percentile(sorted, 0.99), sorted.length};
    }

    private static double percentile(double[] sorted, double q) {
        return sorted.length == 0 ? Double.NaN : sorted[Math.min(sorted.length - 1, (int) Math.floor(q * sorted.length))];
    }

    private static double usedHeapMiB() {
        Runtime rt = Runtime.getRuntime();
        return (rt.totalMemory() - rt.freeMemory()) / (1024.0 * 1024.0);
    }

    private static KafkaProducer<String, byte[]> producer(EmbeddedKafka broker) {
        return KafkaClients.inputProducer(broker.bootstrapServers(), 5);
    }

    private static KafkaConsumer<String, byte[]> consumer(EmbeddedKafka broker) {
        return KafkaClients.committedConsumer(broker.bootstrapServers(), null, true);
    }
}
