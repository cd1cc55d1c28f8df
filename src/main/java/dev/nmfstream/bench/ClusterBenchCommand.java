package dev.nmfstream.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nmfstream.cli.ModelShapeOptions;
import dev.nmfstream.kafka.EmbeddedKafka;
import dev.nmfstream.kafka.KafkaClients;
import dev.nmfstream.nmf.DenseColumn;
import dev.nmfstream.nmf.synth.PlantedModel;
import dev.nmfstream.wire.ColumnEncoder;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code bench-cluster}: the service's throughput with 1, 2, 3… instances, each its own JVM
 * process ({@code run}) on one embedded broker, and the time a crashed updater takes to come back.
 */
@Command(name = "bench-cluster", mixinStandardHelpOptions = true,
        description = {
            "Throughput of the service with 1, 2, 3… instances (separate JVM processes, one application, an embedded "
                    + "broker): binary planted-model columns produced as fast as possible once every instance is "
                    + "running, timed until every weights record is committed. Then the restore: the instance that "
                    + "owns the model is killed (kill -9) and restarted; the model store's restore and the time "
                    + "until the updater runs again are read from its log.",
            "Prints a table and one JSON line (medians over --repeats)."})
public final class ClusterBenchCommand implements Callable<Integer> {

    @Option(names = "--instances", split = ",", defaultValue = "1,2,3", description = "Default: ${DEFAULT-VALUE}.")
    List<Integer> instances;

    @Option(names = "--records", defaultValue = "100000", description = "Records per run. Default: ${DEFAULT-VALUE}.")
    int records;

    @Mixin
    ModelShapeOptions shape = new ModelShapeOptions(1025, 20);

    private int dimension;
    private int rank;

    @Option(names = "--partitions", defaultValue = "6", description = "Input partitions. Default: ${DEFAULT-VALUE}.")
    int partitions;

    @Option(names = "--repeats", defaultValue = "3", description = "Runs per instance count. Default: ${DEFAULT-VALUE}.")
    int repeats;

    @Option(names = "--logs", paramLabel = "DIR", description = "Keep the instances' logs here (default: deleted).")
    Path logs;

    @Spec
    CommandSpec spec;

    private Path logFile(Path dir, String name) throws IOException {
        Path where = logs != null ? logs : dir;
        Files.createDirectories(where);
        return where.resolve(name + ".log");
    }

    @Override
    public Integer call() throws Exception {
        dimension = shape.dimension();
        rank = shape.rank();
        PrintWriter out = spec.commandLine().getOut();
        if (records < 1 || repeats < 1 || instances.isEmpty() || instances.stream().anyMatch(k -> k < 1)) {
            spec.commandLine().getErr().println("bench-cluster: expected positive --records, --repeats, --instances");
            return 2;
        }
        Path dir = Files.createTempDirectory("nmf-bench-cluster");
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("records", records);
        json.put("dimension", dimension);
        json.put("rank", rank);
        json.put("partitions", partitions);
        json.put("cores", Runtime.getRuntime().availableProcessors());
        try (EmbeddedKafka broker = EmbeddedKafka.start(dir.resolve("kafka"), new Properties());
                KafkaProducer<String, byte[]> producer = KafkaClients.inputProducer(broker.bootstrapServers(), 20)) {
            byte[][] values = values();
            Map<Integer, double[]> rates = new LinkedHashMap<>();
            for (int repeat = 0; repeat < repeats; repeat++) {
                for (int k : instances) {
                    String prefix = "r" + repeat + "k" + k + "-";
                    double rate = run(dir, broker, producer, values, prefix, k);
                    rates.computeIfAbsent(k, x -> new double[repeats])[repeat] = rate;
                    out.printf("run %d, %d instance(s): %,.0f records/s%n", repeat + 1, k, rate);
                    out.flush();
                }
            }
            double base = median(rates.get(instances.get(0)));
            List<Map<String, Object>> rows = new ArrayList<>();
            out.println();
            out.println("| instances | records/s (median) | runs | ratio to " + instances.get(0) + " |");
            out.println("|---|---|---|---|");
            for (var e : rates.entrySet()) {
                double med = median(e.getValue());
                out.printf("| %d | %,.0f | %s | %.2f |%n", e.getKey(), med, Arrays.toString(round(e.getValue())),
                        med / base);
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("instances", e.getKey());
                row.put("recordsPerSecond", Math.round(med));
                row.put("runs", round(e.getValue()));
                row.put("ratio", Math.round(med / base * 100) / 100.0);
                rows.add(row);
            }
            json.put("throughput", rows);
            json.put("restore", restore(dir, broker, producer, values, out));
        } finally {
            EmbeddedKafka.delete(dir);
        }
        out.println(new ObjectMapper().writeValueAsString(json));
        out.flush();
        return 0;
    }

    /** One run: k instances running, then the records produced; records per second end to end. */
    private double run(Path dir, EmbeddedKafka broker, KafkaProducer<String, byte[]> producer, byte[][] values,
            String prefix, int k) throws Exception {
        Map<String, String> settings = settings(broker, prefix);
        List<InstanceProcess> started = new ArrayList<>();
        try {
            for (int i = 1; i <= k; i++) {
                started.add(InstanceProcess.start(prefix + i, dir.resolve(prefix + i), settings,
                        logFile(dir, prefix + i)));
            }
            for (InstanceProcess p : started) {
                p.awaitRunning(Duration.ofSeconds(120));
            }
            long t0 = System.nanoTime();
            produce(producer, settings.get("nmf.topic.columns"), values);
            KafkaClients.awaitRecords(broker.bootstrapServers(), settings.get("nmf.topic.weights"), records,
                    Duration.ofMinutes(10));
            return records / ((System.nanoTime() - t0) / 1e9);
        } finally {
            for (InstanceProcess p : started) {
                p.close();
            }
        }
    }

    /**
     * One instance learns from the records, is killed (kill -9) and restarted on its state
     * directory: the model's restore from its changelog and the time until the updater runs.
     */
    private Map<String, Object> restore(Path dir, EmbeddedKafka broker, KafkaProducer<String, byte[]> producer,
            byte[][] values, PrintWriter out) throws Exception {
        Map<String, String> settings = settings(broker, "restore-");
        Path data = dir.resolve("restore-1");
        Path log = logFile(dir, "restore-1");
        InstanceProcess first = InstanceProcess.start("restore-1", data, settings, log);
        first.awaitRunning(Duration.ofSeconds(120));
        produce(producer, settings.get("nmf.topic.columns"), values);
        KafkaClients.awaitRecords(broker.bootstrapServers(), settings.get("nmf.topic.weights"), records,
                Duration.ofMinutes(10));
        Thread.sleep(2_000); // the last updates and snapshots
        long killed = System.nanoTime();
        first.kill();
        InstanceProcess second = InstanceProcess.start("restore-1", data, settings, log);
        try {
            second.awaitLines(l -> l.contains("updater task "), first.lines(l -> l.contains("updater task ")).size() + 1,
                    Duration.ofSeconds(120));
            double untilUpdater = (System.nanoTime() - killed) / 1e9;
            List<String> restored = second.linesOfThisRun(l -> l.contains("restored store " + "nmf-model"));
            String line = restored.isEmpty() ? "" : restored.get(restored.size() - 1);
            long recordsRestored = number(line, "records");
            long ms = number(line, "ms");
            String updater = second.linesOfThisRun(l -> l.contains("updater task ")).get(0);
            out.printf("%nrestore after kill -9: model store %,d records in %,d ms; updater running %.1f s after the "
                    + "kill (%s)%n", recordsRestored, ms, untilUpdater, updater.substring(updater.indexOf("updater task")));
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("modelStoreRecords", recordsRestored);
            r.put("modelStoreRestoreMs", ms);
            r.put("secondsFromKillToUpdater", Math.round(untilUpdater * 10) / 10.0);
            r.put("sessionTimeoutMs", Integer.parseInt(settings.get("session.timeout.ms")));
            return r;
        } finally {
            second.close();
        }
    }

    /** The number before a word in a log line ("… 312 records in 85 ms"), or −1. */
    static long number(String line, String word) {
        Matcher m = Pattern.compile("(\\d+) " + word).matcher(line);
        return m.find() ? Long.parseLong(m.group(1)) : -1;
    }

    private Map<String, String> settings(EmbeddedKafka broker, String prefix) {
        Map<String, String> s = InstanceProcess.settings(broker.bootstrapServers(), prefix, rank, dimension, partitions);
        s.put("nmf.snapshot.interval.ms", "1000");
        return s;
    }

    private byte[][] values() {
        PlantedModel planted = new PlantedModel(dimension, rank, 0.2, 0.1, 0.05, 7);
        double[] v = new double[dimension];
        byte[][] values = new byte[records][];
        for (int j = 0; j < records; j++) {
            planted.next(v, 0);
            values[j] = ColumnEncoder.binary(DenseColumn.of(v.clone()), -1);
        }
        return values;
    }

    private static void produce(KafkaProducer<String, byte[]> producer, String topic, byte[][] values) {
        for (int j = 0; j < values.length; j++) {
            producer.send(new ProducerRecord<>(topic, "c" + j, values[j]));
        }
        producer.flush();
    }

    private static double median(double[] x) {
        double[] s = x.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    private static long[] round(double[] x) {
        return Arrays.stream(x).mapToLong(Math::round).toArray();
    }
}
