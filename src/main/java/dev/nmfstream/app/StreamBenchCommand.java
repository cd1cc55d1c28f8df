package dev.nmfstream.app;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nmfstream.nmf.DenseColumn;
import dev.nmfstream.nmf.PlantedModel;
import dev.nmfstream.stream.NmfStreamConfig;
import dev.nmfstream.stream.NmfTopology;
import dev.nmfstream.wire.ColumnEncoder;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Produced;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code bench-stream}: the service end to end on an embedded broker against a passthrough
 * topology (bytes in, the same bytes out) on the same input records, partitions and broker, in
 * one run; then latency from produce to weights at half the measured rate.
 */
@Command(name = "bench-stream", mixinStandardHelpOptions = true,
        description = "End-to-end throughput of the service as a ratio to a passthrough topology (same broker, "
                + "partitions, records and run), for binary and JSON audio-like frames (m = 1025, r = 20), and "
                + "p50/p99 latency from produce to weights at half that rate, under exactly-once and at-least-once.")
final class StreamBenchCommand implements Callable<Integer> {

    @Option(names = "--records", defaultValue = "40000", description = "Records per run. Default: ${DEFAULT-VALUE}.")
    int records;

    @Option(names = "--dimension", defaultValue = "1025", description = "m. Default: ${DEFAULT-VALUE}.")
    int dimension;

    @Option(names = "--rank", defaultValue = "20", description = "r. Default: ${DEFAULT-VALUE}.")
    int rank;

    @Option(names = "--latency-seconds", defaultValue = "15", description = "Length of each latency run. Default: ${DEFAULT-VALUE}.")
    int latencySeconds;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        Path dir = Files.createTempDirectory("nmf-bench-stream");
        ObjectMapper json = new ObjectMapper();
        try (EmbeddedKafka broker = EmbeddedKafka.start(dir.resolve("kafka"), new Properties())) {
            for (String format : List.of("binary", "json")) {
                String input = "bench-in-" + format;
                NmfStreamConfig config = config(input, format, dir, "exactly_once_v2");
                TopicSetup.ensure(broker.bootstrapServers(), config, new Properties());
                long bytes = fill(broker, input, format, records);
                double pass = passthrough(broker, input, dir, records);
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

    private NmfStreamConfig config(String input, String format, Path dir, String guarantee) {
        Properties p = new Properties();
        p.setProperty("nmf.rank", "" + rank);
        p.setProperty("nmf.dimension", "" + dimension);
        p.setProperty("nmf.input.format", format);
        p.setProperty("nmf.topic.columns", input);
        p.setProperty("nmf.topic.weights", input + "-weights");
        p.setProperty("nmf.topic.factors", input + "-factors");
        p.setProperty("nmf.topic.dead.letters", input + "-dead");
        p.setProperty("nmf.topic.stats", input + "-stats");
        p.setProperty("nmf.topic.basis", input + "-basis");
        p.setProperty("nmf.model", "bench");
        p.setProperty("application.id", "bench-" + UUID.randomUUID());
        p.setProperty("state.dir", dir.resolve("state-" + UUID.randomUUID()).toString());
        p.setProperty("processing.guarantee", guarantee);
        return NmfStreamConfig.from(p);
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

    /** Seconds for a passthrough topology to copy the n records (exactly-once, same partitions). */
    private double passthrough(EmbeddedKafka broker, String input, Path dir, int n) throws Exception {
        String output = input + "-copy";
        Properties admin = new Properties();
        try (var a = org.apache.kafka.clients.admin.Admin.create(java.util.Map.of("bootstrap.servers",
                broker.bootstrapServers()))) {
            a.createTopics(List.of(new org.apache.kafka.clients.admin.NewTopic(output, 4, (short) 1))).all().get();
        }
        StreamsBuilder builder = new StreamsBuilder();
        builder.stream(input, Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()))
                .to(output, Produced.with(Serdes.ByteArray(), Serdes.ByteArray()));
        Properties p = new Properties();
        p.putAll(admin);
        p.setProperty(StreamsConfig.APPLICATION_ID_CONFIG, "passthrough-" + UUID.randomUUID());
        p.setProperty(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        p.setProperty(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        p.setProperty(StreamsConfig.STATE_DIR_CONFIG, dir.resolve("pass-" + UUID.randomUUID()).toString());
        p.setProperty(StreamsConfig.producerPrefix("linger.ms"), "5");
        try (KafkaStreams streams = new KafkaStreams(builder.build(), p)) {
            long start = System.nanoTime();
            streams.start();
            count(broker, output, n);
            return (System.nanoTime() - start) / 1e9;
        }
    }

    /** Seconds for the service to publish the weights of the n records. */
    private double service(EmbeddedKafka broker, NmfStreamConfig config, int n) throws Exception {
        try (KafkaStreams streams = new KafkaStreams(NmfTopology.build(config, null),
                NmfService.streamsProperties(config, broker.bootstrapServers()))) {
            long start = System.nanoTime();
            streams.start();
            count(broker, config.topics().weights(), n);
            return (System.nanoTime() - start) / 1e9;
        }
    }

    private static void count(EmbeddedKafka broker, String topic, int n) {
        try (KafkaConsumer<String, byte[]> consumer = consumer(broker)) {
            consumer.subscribe(List.of(topic));
            long seen = 0;
            long deadline = System.nanoTime() + Duration.ofMinutes(10).toNanos();
            while (seen < n && System.nanoTime() < deadline) {
                seen += consumer.poll(Duration.ofMillis(200)).count();
            }
            if (seen < n) {
                throw new IllegalStateException(topic + ": " + seen + " of " + n + " records within 10 minutes");
            }
        }
    }

    /** p50, p99 (ms) of produce-to-weights latency at the given rate, and the records measured. */
    private double[] latency(EmbeddedKafka broker, NmfStreamConfig config, double rate) throws Exception {
        List<Double> latencies = new ArrayList<>();
        PlantedModel planted = new PlantedModel(dimension, rank, 0.2, 0.1, 0.05, 9);
        try (KafkaStreams streams = new KafkaStreams(NmfTopology.build(config, null),
                NmfService.streamsProperties(config, broker.bootstrapServers()));
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
            long start = System.nanoTime();
            long end = start + Duration.ofSeconds(latencySeconds).toNanos();
            long j = 0;
            while (System.nanoTime() < end) {
                long due = start + (long) (j * 1e9 / rate);
                while (System.nanoTime() < due) {
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
        return KafkaClients.producer(broker.bootstrapServers(), 5);
    }

    private static KafkaConsumer<String, byte[]> consumer(EmbeddedKafka broker) {
        return KafkaClients.committedConsumer(broker.bootstrapServers(), null, true);
    }
}
