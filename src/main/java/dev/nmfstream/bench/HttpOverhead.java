package dev.nmfstream.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nmfstream.kafka.EmbeddedKafka;
import dev.nmfstream.kafka.KafkaClients;
import dev.nmfstream.kafka.TopicSetup;
import dev.nmfstream.nmf.DenseColumn;
import dev.nmfstream.nmf.synth.PlantedModel;
import dev.nmfstream.service.NmfService;
import dev.nmfstream.stream.NmfStreamConfig;
import dev.nmfstream.wire.ColumnEncoder;
import dev.nmfstream.wire.WireSerdes;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * {@code bench-stream --http-overhead N}: the service's throughput on a backlog with the HTTP
 * side on ({@code nmf.http.enabled=true}: metrics in the processors, the latest-weights store,
 * the model view, a page's event stream open and /metrics scraped every second) and off, N runs
 * of each in alternating order on one embedded broker; the rate between the weights of the
 * first 10% and the last record (start-up excluded), and the median of the on/off ratios; one
 * unmeasured run of each first (warm-up).
 */
final class HttpOverhead {

    private HttpOverhead() {}

    static void run(PrintWriter out, Path dir, int runs, int records, int dimension, int rank, Properties extra)
            throws Exception {
        ObjectMapper json = new ObjectMapper();
        List<Double> ratios = new ArrayList<>();
        List<Double> onRates = new ArrayList<>();
        List<Double> offRates = new ArrayList<>();
        try (EmbeddedKafka broker = EmbeddedKafka.start(dir.resolve("kafka"), new Properties())) {
            // one unmeasured run of each first: the JVM's first service run is several times slower (JIT)
            for (boolean on : new boolean[] {true, false}) {
                NmfStreamConfig warm = config("http-warm-" + on + "-", dir, on, dimension, rank, extra);
                TopicSetup.ensure(broker.bootstrapServers(), warm, new Properties());
                measure(broker, warm, (int) fill(broker, warm, records, dimension, rank), on);
            }
            for (int run = 0; run < runs; run++) {
                double[] rate = new double[2];
                for (int q = 0; q < 2; q++) {
                    boolean on = (q == 0) == (run % 2 == 0); // on first in even runs, off first in odd
                    String prefix = "http-" + run + "-" + (on ? "on" : "off") + "-";
                    NmfStreamConfig config = config(prefix, dir, on, dimension, rank, extra);
                    TopicSetup.ensure(broker.bootstrapServers(), config, new Properties());
                    long written = fill(broker, config, records, dimension, rank);
                    rate[on ? 1 : 0] = measure(broker, config, (int) written, on);
                }
                ratios.add(rate[1] / rate[0]);
                onRates.add(rate[1]);
                offRates.add(rate[0]);
                ObjectNode row = json.createObjectNode();
                row.put("run", run);
                row.put("records", records);
                row.put("offPerSecond", Math.round(rate[0]));
                row.put("onPerSecond", Math.round(rate[1]));
                row.put("onOverOff", rate[1] / rate[0]);
                out.println(json.writeValueAsString(row));
                out.flush();
            }
        }
        ObjectNode summary = json.createObjectNode();
        summary.put("runs", runs);
        summary.put("medianOffPerSecond", Math.round(median(offRates)));
        summary.put("medianOnPerSecond", Math.round(median(onRates)));
        summary.put("medianOnOverOff", median(ratios));
        out.println(json.writeValueAsString(summary));
        out.flush();
    }

    private static NmfStreamConfig config(String prefix, Path dir, boolean on, int dimension, int rank,
            Properties extra) {
        Properties p = new Properties();
        p.setProperty("nmf.rank", "" + rank);
        p.setProperty("nmf.dimension", "" + dimension);
        p.setProperty("nmf.input.format", "binary");
        for (String role : List.of("columns", "weights", "factors", "dead.letters", "stats", "basis")) {
            p.setProperty("nmf.topic." + role, prefix + role.replace('.', '-'));
        }
        p.setProperty("nmf.model", "bench");
        p.setProperty("nmf.http.enabled", "" + on);
        p.setProperty("nmf.http.port", "0");
        p.setProperty("nmf.snapshot.interval.ms", "1000");
        p.setProperty("application.id", prefix + UUID.randomUUID());
        p.setProperty("state.dir", dir.resolve("state-" + UUID.randomUUID()).toString());
        p.putAll(extra);
        return NmfStreamConfig.from(p);
    }

    /** Writes n records; returns how many the topic has (a producer on an overloaded broker may lose some). */
    private static long fill(EmbeddedKafka broker, NmfStreamConfig config, int n, int dimension, int rank) {
        PlantedModel planted = new PlantedModel(dimension, rank, 0.2, 0.1, 0.05, 5);
        double[] v = new double[dimension];
        try (KafkaProducer<String, byte[]> producer = KafkaClients.inputProducer(broker.bootstrapServers(), 20)) {
            for (int j = 0; j < n; j++) {
                planted.next(v, 0);
                producer.send(new ProducerRecord<>(config.topics().columns(), "f" + j,
                        ColumnEncoder.binary(DenseColumn.of(v), -1)));
            }
            producer.flush();
        }
        try (KafkaConsumer<String, byte[]> c = KafkaClients.committedConsumer(broker.bootstrapServers(), null, true)) {
            List<TopicPartition> parts = c.partitionsFor(config.topics().columns()).stream()
                    .map(i -> new TopicPartition(i.topic(), i.partition())).toList();
            return c.endOffsets(parts).values().stream().mapToLong(Long::longValue).sum();
        }
    }

    /** Weights per second between the first 10% and all n, with a page and a scraper attached when on. */
    private static double measure(EmbeddedKafka broker, NmfStreamConfig config, int n, boolean on) throws Exception {
        AtomicBoolean watching = new AtomicBoolean(true);
        List<Thread> watchers = new ArrayList<>();
        try (NmfService service = NmfService.start(config, broker.bootstrapServers());
                KafkaConsumer<String, byte[]> weights = KafkaClients.committedConsumer(broker.bootstrapServers(),
                        null, true)) {
            if (on) {
                String url = service.httpAddress().orElseThrow();
                watchers.add(watcher(() -> page(url + "api/events", watching)));
                watchers.add(watcher(() -> scrape(url + "metrics", watching)));
            }
            // the weights' own processedTimestamp, not when this reader sees them (it joins late)
            weights.subscribe(List.of(config.topics().weights()));
            long[] processed = new long[n];
            int seen = 0;
            long deadline = System.nanoTime() + Duration.ofMinutes(10).toNanos();
            while (seen < n && System.nanoTime() < deadline) {
                for (var r : weights.poll(Duration.ofMillis(100))) {
                    if (seen < n) {
                        processed[seen++] = WireSerdes.weights().deserializer().deserialize(r.topic(), r.value())
                                .processedTimestamp();
                    }
                }
            }
            if (seen < n) {
                throw new IllegalStateException("only " + seen + " of " + n + " weights within 10 minutes");
            }
            Arrays.sort(processed);
            return (n - n / 10) / ((processed[n - 1] - processed[n / 10] + 1) / 1e3);
        } finally {
            watching.set(false);
            for (Thread t : watchers) {
                t.interrupt();
                t.join(2_000);
            }
        }
    }

    private static Thread watcher(Runnable body) {
        Thread t = new Thread(body, "bench-http-watcher");
        t.setDaemon(true);
        t.start();
        return t;
    }

    /** Reads the event stream as a page would, until stopped. */
    private static void page(String url, AtomicBoolean watching) {
        HttpClient client = HttpClient.newHttpClient();
        AtomicLong events = new AtomicLong();
        try {
            HttpResponse<InputStream> r = client.send(HttpRequest.newBuilder(URI.create(url)).build(),
                    HttpResponse.BodyHandlers.ofInputStream());
            try (BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
                for (String line = in.readLine(); line != null && watching.get(); line = in.readLine()) {
                    if (line.startsWith("event:")) {
                        events.incrementAndGet();
                    }
                }
            }
        } catch (Exception e) {
            // stopped
        }
    }

    /** Scrapes /metrics every second, as a Prometheus with a 1 s interval would. */
    private static void scrape(String url, AtomicBoolean watching) {
        HttpClient client = HttpClient.newHttpClient();
        while (watching.get()) {
            try {
                client.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.discarding());
                Thread.sleep(1_000);
            } catch (InterruptedException e) {
                return;
            } catch (Exception e) {
                // the service is stopping
            }
        }
    }

    private static double median(List<Double> xs) {
        List<Double> s = new ArrayList<>(xs);
        Collections.sort(s);
        int n = s.size();
        return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
    }
}
