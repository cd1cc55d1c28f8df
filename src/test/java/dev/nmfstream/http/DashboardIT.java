package dev.nmfstream.http;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nmfstream.io.DenseMatrix;
import dev.nmfstream.io.Npy;
import dev.nmfstream.kafka.EmbeddedKafka;
import dev.nmfstream.kafka.KafkaClients;
import dev.nmfstream.nmf.DenseColumn;
import dev.nmfstream.nmf.synth.PlantedModel;
import dev.nmfstream.service.NmfService;
import dev.nmfstream.stream.NmfStreamConfig;
import dev.nmfstream.wire.ColumnEncoder;
import dev.nmfstream.wire.WeightsMessage;
import dev.nmfstream.wire.WireSerdes;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The page, the JSON API and /metrics of real instances on one embedded broker: two instances of
 * a planted model (m = 64, r = 6, 4 partitions) and one instance of an image-shaped model
 * (8 × 8), fed continuously while the tests run; one instance of a text model (JSON documents of
 * four planted word topics, r = 4) and one of an audio-shaped model (spectrogram frames of two
 * harmonic tones, n_fft = 512, m = 257, r = 2), fed 600 items each at the start. The page is loaded in Debian's Chromium through
 * its chromedriver ({@code .ci/install-packages}); screenshots go to {@code target/}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DashboardIT {

    private static final int M = 64;
    private static final int R = 6;
    private static final Duration WAIT = Duration.ofSeconds(120);
    private static final ObjectMapper JSON = new ObjectMapper();

    private Path dir;
    private EmbeddedKafka broker;
    private NmfStreamConfig planted;
    private NmfStreamConfig image;
    private NmfService a;
    private NmfService b;
    private NmfService imageService;
    private NmfStreamConfig text;
    private NmfStreamConfig audio;
    private NmfService textService;
    private NmfService audioService;
    /** One browser for the text and the audio page (a Chromium start takes seconds on a busy machine). */
    private ChromeDriver shared;
    private final AtomicBoolean feeding = new AtomicBoolean(true);
    private Thread feeder;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    @BeforeAll
    void start() throws Exception {
        dir = Files.createDirectories(Path.of("target", "dashboard-it-" + UUID.randomUUID()));
        broker = EmbeddedKafka.start(dir.resolve("kafka"), new Properties());
        String id = UUID.randomUUID().toString().substring(0, 8);
        planted = config("planted-" + id, "p-", "");
        image = config("image-" + id, "i-", "8x8");
        a = NmfService.start(with(planted, "a"), broker.bootstrapServers());
        b = NmfService.start(with(planted, "b"), broker.bootstrapServers());
        imageService = NmfService.start(with(image, "i"), broker.bootstrapServers());
        text = config("text-" + id, "t-", "", "nmf.input.format", "text", "nmf.dimension", "4096",
                "nmf.rank", "" + TOPICS.length, "nmf.batch.size", "64", "nmf.partitions", "2");
        audio = config("audio-" + id, "s-", "", "nmf.dimension", "" + (AUDIO_N_FFT / 2 + 1), "nmf.rank", "2",
                "nmf.audio.sample.rate", "" + AUDIO_RATE, "nmf.audio.n.fft", "" + AUDIO_N_FFT,
                "nmf.batch.size", "32", "nmf.partitions", "2");
        textService = NmfService.start(with(text, "t"), broker.bootstrapServers());
        audioService = NmfService.start(with(audio, "s"), broker.bootstrapServers());
        feeder = new Thread(this::feed, "dashboard-it-feed");
        feeder.setDaemon(true);
        feeder.start();
        await("both planted instances RUNNING and the image model healthy", () -> health(a) && health(b)
                && health(imageService) && health(textService) && health(audioService));
    }

    private NmfStreamConfig config(String app, String prefix, String shape, String... extra) {
        Properties p = new Properties();
        p.setProperty("application.id", app);
        p.setProperty("nmf.rank", "" + R);
        p.setProperty("nmf.dimension", "" + M);
        p.setProperty("nmf.partitions", "4");
        p.setProperty("nmf.snapshot.interval.ms", "500");
        p.setProperty("nmf.stats.flush.ms", "300");
        p.setProperty("nmf.http.port", "0");
        p.setProperty("nmf.image.shape", shape);
        for (String role : List.of("columns", "weights", "factors", "dead.letters", "stats", "basis")) {
            p.setProperty("nmf.topic." + role, prefix + role.replace('.', '-'));
        }
        for (int i = 0; i < extra.length; i += 2) {
            p.setProperty(extra[i], extra[i + 1]);
        }
        return NmfStreamConfig.from(p);
    }

    private NmfStreamConfig with(NmfStreamConfig config, String instance) {
        Properties p = new Properties();
        config.originalsStrings().forEach(p::setProperty);
        config.kafka().forEach((k, v) -> p.setProperty((String) k, (String) v));
        p.setProperty("state.dir", dir.resolve("state-" + instance).toString());
        return NmfStreamConfig.from(p);
    }

    /**
     * About 400 items/s into the planted and the image model until the class is done; 600 text
     * documents and 600 audio frames, one of each every other round, at the start.
     */
    private void feed() {
        PlantedModel p = new PlantedModel(M, R, 0.3, 0.1, 0.03, 11);
        SplittableRandom random = new SplittableRandom(12);
        SplittableRandom other = new SplittableRandom(13);
        double[] v = new double[M];
        double[] frame = new double[AUDIO_N_FFT / 2 + 1];
        try (KafkaProducer<String, byte[]> producer = KafkaClients.producer(broker.bootstrapServers(), 5)) {
            for (long j = 0; feeding.get(); j++) {
                if (j % 2 == 0 && j < 1200) {
                    producer.send(new ProducerRecord<>(text.topics().columns(), "t-" + j, document(other, "t-" + j)));
                    frame(other, frame);
                    producer.send(new ProducerRecord<>(audio.topics().columns(), "s-" + j,
                            ColumnEncoder.binary(DenseColumn.of(frame), -1)));
                }
                p.next(v, 0);
                producer.send(new ProducerRecord<>(planted.topics().columns(), "p-" + j,
                        ColumnEncoder.json("p-" + j, DenseColumn.of(v), -1)));
                bars(random, v);
                producer.send(new ProducerRecord<>(image.topics().columns(), "i-" + j,
                        ColumnEncoder.binary(DenseColumn.of(v), -1)));
                if (j % 20 == 19) {
                    Thread.sleep(50);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The text model's planted topics: each document draws its words from one of them. */
    private static final String[][] TOPICS = {
        {"violin", "cello", "orchestra", "sonata", "concerto", "symphony"},
        {"glacier", "fjord", "tundra", "permafrost", "iceberg", "avalanche"},
        {"compiler", "kernel", "bytecode", "register", "pointer", "linker"},
        {"saffron", "cumin", "turmeric", "cardamom", "paprika", "nutmeg"},
    };

    /** A short document {"id", "text"}: five to eight words of one topic. */
    private static byte[] document(SplittableRandom random, String id) {
        String[] topic = TOPICS[random.nextInt(TOPICS.length)];
        StringBuilder words = new StringBuilder();
        for (int n = 5 + random.nextInt(4); n > 0; n--) {
            words.append(words.length() == 0 ? "" : " ").append(topic[random.nextInt(topic.length)]);
        }
        try {
            return JSON.writeValueAsBytes(Map.of("id", id, "text", words.toString()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static final int AUDIO_RATE = 16_000;
    private static final int AUDIO_N_FFT = 512;
    /** The audio model's two tones (fundamentals in Hz); each sounds with three harmonics. */
    private static final double[] TONES = {440, 1000};

    /**
     * A magnitude spectrogram frame (n_fft/2 + 1 bins) of one or both tones, each with harmonics
     * of amplitude 1, 1/2, 1/3 and the main lobe of a Hann window around each, plus a little noise.
     */
    private static void frame(SplittableRandom random, double[] frame) {
        for (int k = 0; k < frame.length; k++) {
            frame[k] = 0.002 * random.nextDouble();
        }
        boolean first = random.nextDouble() < 0.6;
        boolean second = !first || random.nextDouble() < 0.5;
        for (int t = 0; t < TONES.length; t++) {
            if (t == 0 ? !first : !second) {
                continue;
            }
            double level = 0.5 + random.nextDouble();
            for (int h = 1; h <= 3; h++) {
                double bin = h * TONES[t] * AUDIO_N_FFT / AUDIO_RATE;
                for (int k = (int) Math.ceil(bin - 2); k <= (int) Math.floor(bin + 2); k++) {
                    if (k >= 0 && k < frame.length) {
                        frame[k] += level / h * hannLobe(k - bin);
                    }
                }
            }
        }
    }

    /** |W(d)| / |W(0)| of a periodic Hann window, d bins off the tone, for |d| < 2. */
    private static double hannLobe(double d) {
        if (Math.abs(d) < 1e-9) {
            return 1;
        }
        if (Math.abs(Math.abs(d) - 1) < 1e-9) {
            return 0.5;
        }
        return Math.abs(Math.sin(Math.PI * d) / (Math.PI * d) / (1 - d * d));
    }

    /** Rows and columns 1, 4 and 6 of an 8 × 8 image: the image model's planted parts. */
    private static final int[] BAR_LINES = {1, 4, 6};

    /** Bar k of the image model: a horizontal bar (k < 3) or a vertical one. */
    static double[] bar(int k) {
        double[] image = new double[M];
        for (int t = 0; t < 8; t++) {
            image[k < 3 ? BAR_LINES[k] * 8 + t : t * 8 + BAR_LINES[k - 3]] = 1;
        }
        return image;
    }

    /** An image of some bars (each present with probability 0.4, of weight in [0.5, 1.5)) and a little noise. */
    private static void bars(SplittableRandom random, double[] v) {
        for (int i = 0; i < M; i++) {
            v[i] = 0.01 * random.nextDouble();
        }
        boolean any = false;
        for (int k = 0; k < R; k++) {
            if (random.nextDouble() < 0.4 || (k == R - 1 && !any)) {
                double w = 0.5 + random.nextDouble();
                double[] b = bar(k);
                for (int i = 0; i < M; i++) {
                    v[i] += w * b[i];
                }
                any = true;
            }
        }
    }

    @AfterAll
    void stop() throws Exception {
        if (shared != null) {
            shared.quit();
        }
        feeding.set(false);
        if (feeder != null) {
            feeder.join(5_000);
        }
        for (NmfService s : new NmfService[] {a, b, imageService, textService, audioService}) {
            if (s != null) {
                s.close();
            }
        }
        if (broker != null) {
            broker.close();
        }
        EmbeddedKafka.delete(dir);
    }

    @Test
    void thePageDrawsEveryComponentAndUpdatesWithoutAReload() throws Exception {
        ChromeDriver driver = browser();
        try {
            driver.get(a.httpAddress().orElseThrow());
            WebDriverWait wait = new WebDriverWait(driver, WAIT);
            wait.until(d -> d.findElements(By.cssSelector("#components .component canvas")).size() == R
                    && !d.findElement(By.id("version")).getText().equals("–"));
            ((JavascriptExecutor) driver).executeScript("window.loadedOnce = 'yes';");
            long first = Long.parseLong(driver.findElement(By.id("version")).getText());
            assertEquals("(bars)", driver.findElement(By.id("display-kind")).getText(), "no labels, no image shape");
            wait.until(d -> Long.parseLong(d.findElement(By.id("version")).getText()) > first
                    && ((Number) ((JavascriptExecutor) d).executeScript("return window.nmfStats.factors")).intValue() >= 2
                    && !d.findElements(By.cssSelector("#latest tbody tr")).isEmpty());
            assertEquals("yes", ((JavascriptExecutor) driver).executeScript("return window.loadedOnce"),
                    "the same page, updated live: no reload");
            assertEquals(R, driver.findElements(By.cssSelector("#components .component")).size());
            assertFalse(driver.findElements(By.cssSelector("#error-chart .uplot")).isEmpty(), "the running error chart");
            assertTrue(Double.parseDouble(driver.findElement(By.id("running-error")).getText()) < 0.5,
                    driver.findElement(By.id("running-error")).getText());
            screenshot(driver, "dashboard-planted.png");
        } finally {
            driver.quit();
        }
    }

    @Test
    void anImageModelIsDrawnAsImages() throws Exception {
        ChromeDriver driver = browser();
        try {
            driver.get(imageService.httpAddress().orElseThrow());
            WebDriverWait wait = new WebDriverWait(driver, WAIT);
            wait.until(d -> d.findElements(By.cssSelector("#components .component.image canvas")).size() == R
                    && !d.findElement(By.id("version")).getText().equals("–")
                    && Long.parseLong(d.findElement(By.id("version")).getText()) >= 20);
            assertEquals("(image)", driver.findElement(By.id("display-kind")).getText());
            // each image canvas has dark (nonzero) pixels: the component drawn, not an empty canvas
            for (int k = 0; k < R; k++) {
                Number dark = (Number) ((JavascriptExecutor) driver).executeScript(
                        "const c = document.querySelectorAll('#components .component canvas')[arguments[0]];"
                                + "const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;"
                                + "let n = 0; for (let i = 0; i < d.length; i += 4) if (d[i] < 200) n++; return n;", k);
                assertTrue(dark.intValue() > 0, "component " + k + " has no dark pixel");
            }
            JsonNode factors = getJson(imageService, "/api/factors", 200);
            assertEquals("image", factors.get("display").asText());
            // the planted bars are learned: each bar has a component of cosine > 0.9 with it
            for (int k = 0; k < R; k++) {
                double[] bar = bar(k);
                double best = 0;
                for (JsonNode c : factors.get("components")) {
                    double dot = 0;
                    double norm = 0;
                    for (int i = 0; i < M; i++) {
                        double x = c.get("vector").get(i).asDouble();
                        dot += x * bar[i];
                        norm += x * x;
                    }
                    best = Math.max(best, dot / Math.sqrt(norm * 8));
                }
                assertTrue(best > 0.9, "bar " + k + ": best cosine " + best);
            }
            screenshot(driver, "dashboard-image.png");
        } finally {
            driver.quit();
        }
    }

    @Test
    void aTextModelIsDrawnAsWords() throws Exception {
        ChromeDriver driver = sharedBrowser();
        driver.get(textService.httpAddress().orElseThrow());
        WebDriverWait wait = new WebDriverWait(driver, WAIT);
        // each planted topic has a component whose three top words shown are all of that topic
        wait.until(d -> topicsShown(words(d)) == TOPICS.length);
        assertEquals("(words)", driver.findElement(By.id("display-kind")).getText());
        Set<String> fed = new HashSet<>();
        for (String[] topic : TOPICS) {
            fed.addAll(List.of(topic));
        }
        List<List<String>> components = words(driver);
        assertEquals(TOPICS.length, components.size(), "r components drawn as words");
        for (List<String> words : components) {
            assertFalse(words.isEmpty(), "a component without words");
            assertTrue(fed.contains(words.get(0)), "top word " + words.get(0) + " was not fed: " + words);
        }
        Number bars = (Number) ((JavascriptExecutor) driver).executeScript(
                "return document.querySelectorAll('#components .component.words .word .bar').length;");
        assertEquals(components.stream().mapToInt(List::size).sum(), bars.intValue(), "a bar per word");
        screenshot(driver, "dashboard-text.png");
    }

    /** The words each component shows, top first (one round trip to the browser). */
    @SuppressWarnings("unchecked")
    private static List<List<String>> words(WebDriver driver) {
        return (List<List<String>>) ((JavascriptExecutor) driver).executeScript(
                "return Array.from(document.querySelectorAll('#components .component.words')).map("
                        + "c => Array.from(c.querySelectorAll('.word .text')).map(e => e.textContent));");
    }

    /** How many planted topics have a component whose three top words shown are all of the topic. */
    private static int topicsShown(List<List<String>> components) {
        int found = 0;
        for (String[] topic : TOPICS) {
            List<String> words = List.of(topic);
            if (components.stream().anyMatch(c -> c.size() >= 3 && words.containsAll(c.subList(0, 3)))) {
                found++;
            }
        }
        return found;
    }

    @Test
    void anAudioModelIsDrawnAsSpectra() throws Exception {
        ChromeDriver driver = sharedBrowser();
        double binHz = (double) AUDIO_RATE / AUDIO_N_FFT;
        driver.get(audioService.httpAddress().orElseThrow());
        WebDriverWait wait = new WebDriverWait(driver, WAIT);
        // each tone is some component's peak, named in Hz within a bin of it
        wait.until(d -> d.findElements(By.cssSelector("#components .component.spectrum canvas")).size() == 2
                && TONES.length == (int) Arrays.stream(TONES).filter(tone -> d.findElements(
                        By.cssSelector("#components .component.spectrum .note")).stream()
                        .anyMatch(n -> Math.abs(peakHz(n.getText()) - tone) <= binHz)).count());
        assertEquals("(spectrum)", driver.findElement(By.id("display-kind")).getText());
        for (int k = 0; k < 2; k++) {
            Number drawn = (Number) ((JavascriptExecutor) driver).executeScript(
                    "const c = document.querySelectorAll('#components .component canvas')[arguments[0]];"
                            + "const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;"
                            + "let n = 0; for (let i = 0; i < d.length; i += 4) if (d[i + 3] > 0) n++; return n;", k);
            assertTrue(drawn.intValue() > 100, "component " + k + " is not drawn: " + drawn + " pixels");
        }
        JsonNode factors = getJson(audioService, "/api/factors", 200);
        assertEquals("spectrum", factors.get("display").asText());
        screenshot(driver, "dashboard-audio.png");
    }

    /** The peak frequency a component's note names ("peak 440.2 Hz A4 · f₀ …" → 440.2), or NaN. */
    private static double peakHz(String note) {
        Matcher m = Pattern.compile("^peak ([0-9]+(?:\\.[0-9]+)?) Hz").matcher(note);
        return m.find() ? Double.parseDouble(m.group(1)) : Double.NaN;
    }

    @Test
    void anItemsWeightsAreAnsweredByEitherInstance() throws Exception {
        // items fed from now on: both instances hold their partitions
        Map<String, double[]> published = new LinkedHashMap<>();
        try (KafkaConsumer<String, byte[]> consumer = KafkaClients.committedConsumer(broker.bootstrapServers(),
                "dashboard-it-" + UUID.randomUUID(), false)) {
            consumer.subscribe(List.of(planted.topics().weights()));
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (published.size() < 40 && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    WeightsMessage w = WireSerdes.weights().deserializer().deserialize(r.topic(), r.value());
                    published.put(w.id(), w.weights());
                }
            }
        }
        assertTrue(published.size() >= 40, "weights read: " + published.size());
        int forwarded = 0;
        for (Map.Entry<String, double[]> e : published.entrySet()) {
            String holder = null;
            for (NmfService asked : List.of(a, b)) {
                HttpResponse<String> r = get(asked, "/api/items/" + e.getKey());
                assertEquals(200, r.statusCode(), r.body());
                JsonNode item = JSON.readTree(r.body());
                assertEquals(e.getKey(), item.get("id").asText());
                double[] h = new double[R];
                for (int k = 0; k < R; k++) {
                    h[k] = item.get("weights").get(k).asDouble();
                }
                assertArrayEquals(e.getValue(), h, 0.0, "the weights the topic has for " + e.getKey());
                assertTrue(holder == null || holder.equals(item.get("heldBy").asText()), "one holder");
                holder = item.get("heldBy").asText();
                if (r.headers().firstValue("X-Nmf-Forwarded-To").isPresent()) {
                    forwarded++;
                    assertEquals(holder, r.headers().firstValue("X-Nmf-Forwarded-To").get());
                }
            }
        }
        assertEquals(published.size(), forwarded, "each item is held by one instance; the other forwards");
        for (NmfService asked : List.of(a, b)) {
            JsonNode missing = getJson(asked, "/api/items/no-such-item", 404);
            assertTrue(missing.get("error").asText().contains("no-such-item"), missing.toString());
        }
    }

    @Test
    void everySeriesTheReadmeListsIsExportedAndMovesWhenItemsFlow() throws Exception {
        List<String> listed = readmeMetrics();
        assertTrue(listed.size() >= 14, "README lists " + listed);
        Map<String, Double> before = sum(parse(scrape(a)), parse(scrape(b)));
        // dead letters of two kinds, into the planted model
        try (KafkaProducer<String, byte[]> producer = KafkaClients.producer(broker.bootstrapServers(), 0)) {
            double[] negative = new double[M];
            negative[3] = -1;
            producer.send(new ProducerRecord<>(planted.topics().columns(), "bad-negative",
                    ColumnEncoder.json("bad-negative", DenseColumn.of(new double[M]), -1))).get();
            producer.send(new ProducerRecord<>(planted.topics().columns(), "bad-negative-2",
                    ("{\"id\":\"bad-negative-2\",\"values\":" + List.of(-1.0, 2.0) + "}")
                            .getBytes(StandardCharsets.UTF_8))).get();
            StringBuilder values = new StringBuilder("[-1");
            for (int i = 1; i < M; i++) {
                values.append(",1");
            }
            producer.send(new ProducerRecord<>(planted.topics().columns(), "bad-sign",
                    ("{\"id\":\"bad-sign\",\"values\":" + values + "]}").getBytes(StandardCharsets.UTF_8))).get();
        }
        String[] moving = {
            "nmf_items_projected_total{kind=\"dense\"}", "nmf_projection_seconds_count", "nmf_nnls_iterations_count",
            "nmf_relative_residual_count", "nmf_model_version", "nmf_basis_update_seconds_count",
            "nmf_update_items_count", "nmf_statistics_bytes_total", "nmf_basis_bytes_total",
            "nmf_dead_letters_total{reason=\"negative\"}", "nmf_dead_letters_total{reason=\"dimension\"}",
        };
        Map<String, Double>[] after = new Map[1];
        await("every moving series moves", () -> {
            after[0] = sum(parse(scrape(a)), parse(scrape(b)));
            for (String key : moving) {
                if (!(after[0].getOrDefault(key, Double.NaN) > before.getOrDefault(key, Double.NaN))) {
                    return false;
                }
            }
            return true;
        });
        Map<String, Double> now = after[0];
        for (String name : listed) {
            assertTrue(now.keySet().stream().anyMatch(k -> k.equals(name) || k.startsWith(name + "{")
                            || k.startsWith(name + "_bucket") || k.startsWith(name + "_count")),
                    name + " is listed in the README and missing from /metrics");
        }
        double error = now.get("nmf_running_error");
        assertTrue(error > 0 && error < 0.5, "running error " + error);
        assertTrue(now.containsKey("nmf_items_held{cause=\"warmup\"}") && now.containsKey("nmf_items_held{cause=\"throttle\"}"));
        for (String family : List.of("jvm_memory_used_bytes", "kafka_stream_thread_process_rate",
                "kafka_stream_thread_commit_latency_avg", "kafka_consumer_fetch_manager_records_lag_max")) {
            assertTrue(now.keySet().stream().anyMatch(k -> k.startsWith(family)), family + " missing");
        }
        assertTrue(scrape(a).contains("nmf_instance=\"" + a.httpAddress().orElseThrow().replace("http://", "")
                .replace("/", "") + "\""), "the common instance tag");
    }

    @Test
    void badRequestsGetAJsonErrorAndTheServerBindsOnlyItsHost() throws Exception {
        assertTrue(getJson(a, "/api/health", 200).get("status").asText().equals("UP"));
        getJson(a, "/no/such/path", 404);
        getJson(a, "/api/items/an-unknown-item", 404);
        getJson(a, "/api/" + "x".repeat(20_000), 414);
        for (String method : List.of("POST", "PUT", "DELETE", "PATCH")) {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri(a, "/api/model"))
                    .method(method, HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(405, r.statusCode(), method);
            assertEquals("GET, HEAD", r.headers().firstValue("Allow").orElse(null));
            checkError(r.body(), 405);
        }
        JsonNode model = getJson(a, "/api/model", 200);
        assertEquals(R, model.get("rank").asInt());
        JsonNode dead = getJson(a, "/api/dead-letters", 200);
        assertTrue(dead.get("count").asLong() >= 0);
        // W as numpy, the same as the JSON's components
        JsonNode factors = getJson(a, "/api/factors", 200);
        HttpResponse<byte[]> npy = http.send(HttpRequest.newBuilder(uri(a, "/api/factors?format=npy")).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(200, npy.statusCode());
        Path file = dir.resolve("W.npy");
        Files.write(file, npy.body());
        DenseMatrix w = Npy.readDense(file, false);
        assertEquals(M, w.rows());
        assertEquals(R, w.columns());
        for (int k = 0; k < R; k++) {
            double norm = 0;
            for (int i = 0; i < M; i++) {
                assertTrue(w.get(i, k) >= 0);
                norm += w.get(i, k) * w.get(i, k);
            }
            assertEquals(1, Math.sqrt(norm), 1e-9, "W's columns have unit norm");
        }
        long version = factors.get("version").asLong();
        assertTrue(version >= 0);
        // the port is bound on 127.0.0.1 only: another loopback address is refused
        int port = URI.create(a.httpAddress().orElseThrow()).getPort();
        try (Socket s = new Socket()) {
            assertThrows(ConnectException.class, () -> s.connect(new InetSocketAddress("127.0.0.2", port), 2_000));
        }
        // a taken port is a clear error
        IllegalStateException taken = assertThrows(IllegalStateException.class,
                () -> DashboardServer.start(planted, "127.0.0.1", port, false));
        assertTrue(taken.getMessage().contains("nmf.http.port"), taken.getMessage());
    }

    // ---- helpers

    private static ChromeDriver browser() throws IOException {
        ChromeOptions options = new ChromeOptions();
        options.setBinary("/usr/bin/chromium");
        Path profile = Files.createTempDirectory(Path.of("target"), "chromium-");
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--window-size=1400,1600", "--user-data-dir=" + profile.toAbsolutePath());
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(new File("/usr/bin/chromedriver")).usingAnyFreePort().build();
        return new ChromeDriver(service, options);
    }

    private ChromeDriver sharedBrowser() throws IOException {
        if (shared == null) {
            shared = browser();
        }
        return shared;
    }

    private static void screenshot(ChromeDriver driver, String name) throws IOException {
        Files.write(Path.of("target", name), ((TakesScreenshot) driver).getScreenshotAs(OutputType.BYTES));
    }

    private boolean health(NmfService s) {
        try {
            return s.state() == KafkaStreams.State.RUNNING && get(s, "/api/health").statusCode() == 200;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    private static URI uri(NmfService s, String path) {
        String base = s.httpAddress().orElseThrow();
        return URI.create(base.substring(0, base.length() - 1) + path);
    }

    private HttpResponse<String> get(NmfService s, String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(uri(s, path)).timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private JsonNode getJson(NmfService s, String path, int status) throws Exception {
        HttpResponse<String> r = get(s, path);
        assertEquals(status, r.statusCode(), path + ": " + r.body());
        assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("application/json"));
        if (status >= 400) {
            checkError(r.body(), status);
        }
        return JSON.readTree(r.body());
    }

    private static void checkError(String body, int status) throws IOException {
        JsonNode node = JSON.readTree(body);
        assertEquals(status, node.get("status").asInt(), body);
        assertNotNull(node.get("error"), body);
        assertFalse(body.contains("Exception") || body.contains("\tat ") || body.contains(".java:"),
                "no stack trace: " + body);
    }

    private String scrape(NmfService s) {
        try {
            HttpResponse<String> r = get(s, "/metrics");
            assertEquals(200, r.statusCode());
            return r.body();
        } catch (IOException | InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    private static final Pattern SAMPLE = Pattern.compile(
            "([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{((?:[a-zA-Z_][a-zA-Z0-9_]*=\"(?:[^\"\\\\\\n]|\\\\[\"\\\\n])*\",?)*)\\})?"
                    + " (NaN|[+-]Inf|[-+]?[0-9.]+(?:[eE][-+]?[0-9]+)?)( -?[0-9]+)?");
    private static final Pattern META = Pattern.compile("# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) ?(.*)");

    /**
     * A strict reader of the Prometheus text format 0.0.4: every line a HELP/TYPE comment or a
     * sample of a family with a TYPE; the samples keyed as {@code name{labels}} without the
     * common instance tag and without {@code le}/quantile buckets.
     */
    static Map<String, Double> parse(String text) {
        Map<String, Double> out = new HashMap<>();
        Map<String, String> types = new HashMap<>();
        for (String line : text.split("\n")) {
            if (line.isEmpty()) {
                continue;
            }
            Matcher meta = META.matcher(line);
            if (meta.matches()) {
                if (meta.group(1).equals("TYPE")) {
                    assertTrue(List.of("counter", "gauge", "histogram", "summary", "untyped").contains(meta.group(3)), line);
                    types.put(meta.group(2), meta.group(3));
                }
                continue;
            }
            assertFalse(line.startsWith("#"), "unknown comment: " + line);
            Matcher m = SAMPLE.matcher(line);
            assertTrue(m.matches(), "not a sample line: " + line);
            String name = m.group(1);
            String family = name.replaceAll("_(bucket|count|sum|total|max|created)$", "");
            assertTrue(types.containsKey(name) || types.containsKey(family), "a sample without a TYPE: " + line);
            List<String> labels = new ArrayList<>();
            boolean bucket = false;
            if (m.group(3) != null) {
                for (String label : m.group(3).split(",(?=[a-zA-Z_][a-zA-Z0-9_]*=\")")) {
                    if (label.isEmpty() || label.startsWith("nmf_instance=")) {
                        continue;
                    }
                    if (label.startsWith("le=") || label.startsWith("quantile=")) {
                        bucket = true;
                    }
                    labels.add(label);
                }
            }
            String value = m.group(4);
            double x = value.equals("+Inf") ? Double.POSITIVE_INFINITY : value.equals("-Inf")
                    ? Double.NEGATIVE_INFINITY : Double.parseDouble(value);
            String key = labels.isEmpty() ? name : name + "{" + String.join(",", labels) + "}";
            if (bucket) {
                key = name + "{" + String.join(",", labels) + "}";
            }
            out.merge(key, x, Double::sum);
        }
        return out;
    }

    /** The two instances' series added up (gauges too: only their movement is compared). */
    private static Map<String, Double> sum(Map<String, Double> x, Map<String, Double> y) {
        Map<String, Double> out = new HashMap<>(x);
        y.forEach((k, v) -> out.merge(k, v, (p, q) -> k.startsWith("nmf_model_version") ? Math.max(p, q) : p + q));
        return out;
    }

    /** The metric names in the README's "Metrics" table (first column, `nmf_…`). */
    private static List<String> readmeMetrics() throws IOException {
        String readme = Files.readString(Path.of("README.md"));
        int start = readme.indexOf("\n## Metrics");
        assertTrue(start >= 0, "README has a Metrics section");
        int end = readme.indexOf("\n## ", start + 5);
        List<String> names = new ArrayList<>();
        Matcher m = Pattern.compile("\\n\\| `(nmf_[a-z_]+)").matcher(readme.substring(start, end < 0 ? readme.length() : end));
        while (m.find()) {
            names.add(m.group(1));
        }
        return names;
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting: " + what);
            }
            Thread.sleep(250);
        }
    }
}
