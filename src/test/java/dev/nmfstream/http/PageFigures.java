package dev.nmfstream.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nmfstream.kafka.EmbeddedKafka;
import dev.nmfstream.kafka.KafkaClients;
import dev.nmfstream.kafka.RatePacer;
import dev.nmfstream.nmf.DenseColumn;
import dev.nmfstream.nmf.synth.PlantedModel;
import dev.nmfstream.service.NmfService;
import dev.nmfstream.stream.NmfStreamConfig;
import dev.nmfstream.wire.ColumnEncoder;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The page's figures under a live feed (a measurement, not a test; run from the test classpath):
 * the service on an embedded broker fed at a fixed rate, the page loaded in headless Chromium
 * {@code loads} times; per load the time from navigation to every component drawn, then the
 * live updates the page received over {@code window} seconds (ticks/s, factors redraws/s).
 * Prints one JSON line with the medians.
 *
 * <pre>
 * java -cp target/test-classes:target/classes:$(cat target/cp.txt) dev.nmfstream.http.PageFigures \
 *     [rate=10000] [m=200] [r=20] [loads=3] [window=20] [snapshotMs=1000]
 * </pre>
 */
public final class PageFigures {

    private PageFigures() {}

    public static void main(String[] args) throws Exception {
        Map<String, String> a = new HashMap<>(Map.of("rate", "10000", "m", "200", "r", "20", "loads", "3",
                "window", "20", "snapshotMs", "1000"));
        for (String arg : args) {
            a.put(arg.substring(0, arg.indexOf('=')), arg.substring(arg.indexOf('=') + 1));
        }
        int m = Integer.parseInt(a.get("m"));
        int r = Integer.parseInt(a.get("r"));
        double rate = Double.parseDouble(a.get("rate"));
        Path dir = Files.createDirectories(Path.of("target", "page-figures-" + UUID.randomUUID()));
        Properties p = new Properties();
        p.setProperty("nmf.rank", "" + r);
        p.setProperty("nmf.dimension", "" + m);
        p.setProperty("nmf.http.port", "0");
        p.setProperty("nmf.snapshot.interval.ms", a.get("snapshotMs"));
        p.setProperty("application.id", "page-figures-" + UUID.randomUUID());
        p.setProperty("state.dir", dir.resolve("state").toString());
        NmfStreamConfig config = NmfStreamConfig.from(p);
        AtomicBoolean feeding = new AtomicBoolean(true);
        AtomicLong fed = new AtomicLong();
        ObjectMapper json = new ObjectMapper();
        try (EmbeddedKafka broker = EmbeddedKafka.start(dir.resolve("kafka"), new Properties(), 0);
                NmfService service = NmfService.start(config, broker.bootstrapServers())) {
            Thread feeder = new Thread(() -> {
                PlantedModel planted = new PlantedModel(m, r, 0.2, 0.1, 0.05, 3);
                double[] v = new double[m];
                RatePacer pacer = new RatePacer(rate);
                try (KafkaProducer<String, byte[]> producer = KafkaClients.producer(broker.bootstrapServers(), 5)) {
                    for (long j = 0; feeding.get(); j++) {
                        pacer.await(j);
                        planted.next(v, 0);
                        producer.send(new ProducerRecord<>(config.topics().columns(), "f" + j,
                                ColumnEncoder.binary(DenseColumn.of(v), -1)));
                        fed.incrementAndGet();
                    }
                }
            }, "page-figures-feed");
            feeder.setDaemon(true);
            feeder.start();
            String url = service.httpAddress().orElseThrow();
            ChromeOptions options = new ChromeOptions();
            options.setBinary("/usr/bin/chromium");
            options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    "--disable-dev-shm-usage", "--window-size=1400,1600",
                    "--user-data-dir=" + Files.createTempDirectory(dir, "chromium-").toAbsolutePath());
            ChromeDriver driver = new ChromeDriver(new ChromeDriverService.Builder()
                    .usingDriverExecutable(new File("/usr/bin/chromedriver")).usingAnyFreePort().build(), options);
            ArrayNode loads = json.createArrayNode();
            List<Double> loadMs = new ArrayList<>();
            List<Double> ticksPerSecond = new ArrayList<>();
            List<Double> redrawsPerSecond = new ArrayList<>();
            double windowSeconds = Double.parseDouble(a.get("window"));
            try {
                // wait until the model has its first factors, then measure loads of a running model
                WebDriverWait wait = new WebDriverWait(driver, Duration.ofMinutes(5));
                driver.get(url);
                wait.until(d -> d.findElements(By.cssSelector("#components .component")).size() == r);
                for (int load = 0; load < Integer.parseInt(a.get("loads")); load++) {
                    driver.navigate().refresh();
                    wait.until(d -> d.findElements(By.cssSelector("#components .component")).size() == r
                            && js(d, "return window.nmfStats.firstFactorsAt") != null);
                    double ms = ((Number) js(driver, "return window.nmfStats.firstFactorsAt")).doubleValue();
                    long items0 = service.metrics().orElseThrow().projectedTotal();
                    long t0 = System.nanoTime();
                    long ticks0 = ((Number) js(driver, "return window.nmfStats.ticks")).longValue();
                    long factors0 = ((Number) js(driver, "return window.nmfStats.factors")).longValue();
                    Thread.sleep((long) (windowSeconds * 1000));
                    double s = (System.nanoTime() - t0) / 1e9;
                    double ticks = (((Number) js(driver, "return window.nmfStats.ticks")).longValue() - ticks0) / s;
                    double redraws = (((Number) js(driver, "return window.nmfStats.factors")).longValue() - factors0) / s;
                    double items = (service.metrics().orElseThrow().projectedTotal() - items0) / s;
                    ObjectNode row = loads.addObject();
                    row.put("loadMs", ms);
                    row.put("ticksPerSecond", ticks);
                    row.put("factorsRedrawsPerSecond", redraws);
                    row.put("itemsPerSecond", Math.round(items));
                    loadMs.add(ms);
                    ticksPerSecond.add(ticks);
                    redrawsPerSecond.add(redraws);
                }
            } finally {
                driver.quit();
                feeding.set(false);
            }
            ObjectNode out = json.createObjectNode();
            out.put("rate", rate);
            out.put("m", m);
            out.put("r", r);
            out.put("snapshotIntervalMs", Long.parseLong(a.get("snapshotMs")));
            out.put("medianLoadMs", median(loadMs));
            out.put("medianTicksPerSecond", median(ticksPerSecond));
            out.put("medianFactorsRedrawsPerSecond", median(redrawsPerSecond));
            out.set("loads", loads);
            System.out.println(json.writeValueAsString(out));
        } finally {
            EmbeddedKafka.delete(dir);
        }
        System.exit(0);
    }

    private static Object js(WebDriver d, String script) {
        return ((JavascriptExecutor) d).executeScript(script);
    }

    private static double median(List<Double> xs) {
        List<Double> s = new ArrayList<>(xs);
        Collections.sort(s);
        return s.isEmpty() ? Double.NaN : s.size() % 2 == 1 ? s.get(s.size() / 2)
                : (s.get(s.size() / 2 - 1) + s.get(s.size() / 2)) / 2;
    }
}
