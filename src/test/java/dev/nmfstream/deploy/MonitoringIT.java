package dev.nmfstream.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nmfstream.bench.InstanceProcess;
import dev.nmfstream.kafka.EmbeddedKafka;
import dev.nmfstream.kafka.KafkaClients;
import dev.nmfstream.nmf.DenseColumn;
import dev.nmfstream.nmf.synth.PlantedModel;
import dev.nmfstream.wire.ColumnEncoder;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The monitoring files against a running instance ({@code run} in its own JVM on the embedded
 * broker, its HTTP server at {@code nmf.http.port}), fed planted columns (and a few bad records,
 * for the dead letters) all along: every metric the Grafana dashboard and the alert rules read is
 * in its {@code /metrics}; and a real Prometheus (Debian's binary, .ci/install-packages)
 * scraping it answers a PromQL query with a non-zero rate of projected items and has loaded the
 * alert rules, each evaluated without error. Logs in target/it-logs/MonitoringIT-*.log.
 */
class MonitoringIT {

    private static final int M = 30;
    private static final int R = 4;
    private static final Path LOGS = Path.of("target", "it-logs");
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;
    static EmbeddedKafka broker;
    static InstanceProcess instance;
    static int httpPort;
    static Thread feeder;
    static volatile boolean feeding = true;

    @BeforeAll
    static void startAnInstanceAndFeedIt() throws Exception {
        Files.createDirectories(LOGS);
        broker = EmbeddedKafka.start(dir.resolve("kafka"), new Properties());
        httpPort = freePort();
        Map<String, String> settings = InstanceProcess.settings(broker.bootstrapServers(), "mon-", R, M, 2);
        settings.put("nmf.batch.size", "64");
        settings.put("nmf.stats.flush.ms", "300");
        settings.put("nmf.snapshot.interval.ms", "500");
        settings.put("nmf.http.host", "127.0.0.1");
        settings.put("nmf.http.port", "" + httpPort);
        Path log = LOGS.resolve("MonitoringIT-instance.log");
        Files.deleteIfExists(log);
        instance = InstanceProcess.start("mon-1", dir.resolve("mon-1"), settings, log);
        instance.awaitRunning(Duration.ofSeconds(90));
        String topic = settings.get("nmf.topic.columns");
        feeder = new Thread(() -> feed(topic), "monitoring-it-feed");
        feeder.setDaemon(true);
        feeder.start();
    }

    /** Planted columns at about 200 a second, and every 500th record one that is not JSON. */
    private static void feed(String topic) {
        PlantedModel planted = new PlantedModel(M, R, 0.3, 0.1, 0.03, 11);
        double[] v = new double[M];
        try (KafkaProducer<String, byte[]> producer = KafkaClients.producer(broker.bootstrapServers(), 5)) {
            for (int j = 0; feeding; j++) {
                if (j % 500 == 0) {
                    producer.send(new ProducerRecord<>(topic, "bad" + j, "not json".getBytes(StandardCharsets.UTF_8)));
                }
                planted.next(v, 0);
                producer.send(new ProducerRecord<>(topic, "c" + j, ColumnEncoder.binary(DenseColumn.of(v.clone()), -1)));
                if (j % 20 == 19) {
                    Thread.sleep(100);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @AfterAll
    static void stop() throws Exception {
        feeding = false;
        if (feeder != null) {
            feeder.join(TimeUnit.SECONDS.toMillis(30));
        }
        if (instance != null) {
            instance.close();
        }
        if (broker != null) {
            broker.close();
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    private static HttpResponse<String> get(String url) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** The names of the samples of a Prometheus text exposition (histograms' _bucket, _sum, _count included). */
    static Set<String> sampleNames(String exposition) {
        Set<String> names = new TreeSet<>();
        for (String line : exposition.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            int end = 0;
            while (end < line.length() && line.charAt(end) != '{' && line.charAt(end) != ' ') {
                end++;
            }
            names.add(line.substring(0, end));
        }
        return names;
    }

    @Test
    void everyMetricOfTheDashboardAndTheAlertsIsExported() throws Exception {
        Set<String> wanted = DeployTools.monitoredNames();
        wanted.remove("up"); // Prometheus' own, per target
        Set<String> missing = new TreeSet<>(wanted);
        String metrics = "";
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        // counters with a reason or kind appear with their first item; wait until items flowed
        while (!missing.isEmpty() && System.nanoTime() < deadline) {
            try {
                HttpResponse<String> answer = get("http://127.0.0.1:" + httpPort + "/metrics");
                if (answer.statusCode() == 200) {
                    metrics = answer.body();
                    missing.removeAll(sampleNames(metrics));
                }
            } catch (IOException e) {
                metrics = e.toString();
            }
            if (!missing.isEmpty()) {
                Thread.sleep(1000);
            }
        }
        Files.writeString(LOGS.resolve("MonitoringIT-metrics.txt"), metrics, StandardCharsets.UTF_8);
        assertEquals(Set.of(), missing, "metrics the dashboard or the alert rules read but /metrics of the instance "
                + "does not export (its scrape: target/it-logs/MonitoringIT-metrics.txt; asked for: " + wanted + ")");
    }

    @Test
    void prometheusScrapesTheInstanceAndLoadsTheAlertRules() throws Exception {
        Path binary = DeployTools.require("prometheus", "prometheus");
        Path home = Path.of("target", "prometheus-it").toAbsolutePath();
        EmbeddedKafka.delete(home);
        Files.createDirectories(home);
        int port = freePort();
        Path config = home.resolve("prometheus.yml");
        Files.writeString(config, String.join("\n",
                "global:",
                "  scrape_interval: 1s",
                "  evaluation_interval: 1s",
                "rule_files:",
                "  - " + DeployTools.ALERTS,
                "scrape_configs:",
                "  - job_name: nmf-stream",
                "    static_configs:",
                "      - targets: [\"127.0.0.1:" + httpPort + "\"]",
                ""), StandardCharsets.UTF_8);
        Path log = LOGS.resolve("MonitoringIT-prometheus.log");
        Process prometheus = new ProcessBuilder(binary.toString(), "--config.file=" + config,
                "--storage.tsdb.path=" + home.resolve("data"), "--web.listen-address=127.0.0.1:" + port)
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        String api = "http://127.0.0.1:" + port;
        try {
            awaitReady(prometheus, api + "/-/ready", log);
            String query = "sum(rate(nmf_items_projected_total[10s]))";
            double rate = 0;
            JsonNode last = null;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
            while (!(rate > 0) && System.nanoTime() < deadline) {
                last = JSON.readTree(get(api + "/api/v1/query?query="
                        + URLEncoder.encode(query, StandardCharsets.UTF_8)).body());
                JsonNode result = last.path("data").path("result");
                rate = result.size() == 1 ? Double.parseDouble(result.get(0).path("value").get(1).asText()) : 0;
                if (!(rate > 0)) {
                    Thread.sleep(1000);
                }
            }
            assertTrue(rate > 0, query + " through Prometheus' API: " + last + " (its log: " + log + ")");

            Set<String> expected = DeployTools.alertExpressions().keySet();
            Set<String> healthy = new TreeSet<>();
            JsonNode rules = null;
            deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!healthy.equals(expected) && System.nanoTime() < deadline) {
                rules = JSON.readTree(get(api + "/api/v1/rules").body());
                healthy.clear();
                for (JsonNode group : rules.path("data").path("groups")) {
                    for (JsonNode rule : group.path("rules")) {
                        if ("alerting".equals(rule.path("type").asText()) && "ok".equals(rule.path("health").asText())) {
                            healthy.add(rule.path("name").asText());
                        }
                    }
                }
                if (!healthy.equals(expected)) {
                    Thread.sleep(500);
                }
            }
            assertEquals(new TreeSet<>(expected), healthy, "alert rules loaded and evaluated without error: " + rules);
        } finally {
            prometheus.destroy();
            if (!prometheus.waitFor(30, TimeUnit.SECONDS)) {
                prometheus.destroyForcibly();
            }
        }
    }

    private static void awaitReady(Process prometheus, String url, Path log) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            if (!prometheus.isAlive()) {
                fail("prometheus exited with " + prometheus.exitValue() + "; see " + log);
            }
            try {
                if (get(url).statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(200);
        }
        fail("prometheus was not ready within 60 s; see " + log);
    }
}
