package dev.nmfstream.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nmfstream.kafka.EmbeddedKafka;
import dev.nmfstream.kafka.KafkaClients;
import dev.nmfstream.kafka.RatePacer;
import dev.nmfstream.nmf.DenseColumn;
import dev.nmfstream.nmf.synth.PlantedModel;
import dev.nmfstream.nmf.synth.Recovery;
import dev.nmfstream.service.ConfigLoader;
import dev.nmfstream.service.NmfService;
import dev.nmfstream.stream.NmfStreamConfig;
import dev.nmfstream.wire.ColumnEncoder;
import dev.nmfstream.wire.ComponentMessage;
import dev.nmfstream.wire.SummaryMessage;
import dev.nmfstream.wire.WireSerdes;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code demo}: the whole service on an embedded broker, fed with planted-model columns
 * (a known basis), with live progress: items/s, model version, running error, and how well the
 * planted parts are recovered.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Starts an embedded Kafka broker and the service, feeds it planted-model columns "
                + "(m × r with a known basis) and prints progress every second: weights/s, model version, "
                + "running error, and the matched cosines of the learned parts to the planted ones.")
final class DemoCommand implements Callable<Integer> {

    @Option(names = "--seconds", defaultValue = "30",
            description = "How long to feed. The demo then says that the feed stopped and runs on until every item "
                    + "fed has its weights (the backlog drains), so the whole run takes longer. Default: "
                    + "${DEFAULT-VALUE}.")
    int seconds;

    @Mixin
    RateOption rate;

    @Mixin
    ModelShapeOptions shape = new ModelShapeOptions(200, 10);

    @Option(names = "--binary", description = "Feed the compact binary float32 format instead of JSON.")
    boolean binary;

    @Option(names = "--port", paramLabel = "PORT",
            description = "Broker port of the embedded broker (sets nmf.embedded.port; default 9092, a free port when "
                    + "it is taken; 0: any free port).")
    Integer port;

    @Option(names = "--data-dir", paramLabel = "DIR",
            description = "Where the broker and the state stores keep their data while the demo runs (in DIR/nmf-demo, "
                    + "deleted at the end and on Ctrl-C). Default: a new directory under $XDG_CACHE_HOME/nmf-stream "
                    + "(~/.cache/nmf-stream).")
    Path dataDir;

    @Mixin
    SettingOptions settings;

    @Spec
    CommandSpec spec;

    /** Set by Ctrl-C / SIGTERM: the feed and the progress stop, and the demo cleans up. */
    private final AtomicBoolean stopping = new AtomicBoolean();

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        int dimension = shape.dimension();
        int rank = shape.rank();
        if (seconds < 1 || rate.perSecond() < 0 || dimension < 2 || rank < 1 || rank > dimension) {
            err.println("demo: expected --seconds ≥ 1, --rate ≥ 0, --dimension ≥ 2 and 1 ≤ --rank ≤ --dimension");
            return 2;
        }
        Properties props = ConfigLoader.load(null, Map.of(), settings.sets());
        props.putIfAbsent("nmf.rank", "" + rank);
        props.putIfAbsent("nmf.dimension", "" + dimension);
        props.putIfAbsent("nmf.snapshot.interval.ms", "1000");
        props.putIfAbsent("application.id", "nmf-demo");
        if (port != null) {
            props.setProperty(NmfStreamConfig.EMBEDDED_PORT, String.valueOf(port));
        }
        Path dir;
        try {
            dir = dataDir != null ? Files.createDirectories(dataDir).resolve("nmf-demo")
                    : Files.createTempDirectory(Files.createDirectories(cacheDirectory()), "demo-");
            Files.createDirectories(dir);
        } catch (IOException e) {
            err.println("demo: cannot create a data directory: " + e);
            return 1;
        }
        props.putIfAbsent("state.dir", dir.resolve("streams").toString());
        NmfStreamConfig config;
        try {
            config = NmfStreamConfig.from(props);
        } catch (IllegalArgumentException e) {
            EmbeddedKafka.delete(dir);
            err.println("demo: " + e.getMessage());
            return 2;
        }
        CountDownLatch cleanedUp = new CountDownLatch(1);
        // Ctrl-C / SIGTERM: stop feeding and watching, let the main thread close the service and the
        // broker, then make sure the data directory is gone.
        Thread hook = new Thread(() -> {
            stopping.set(true);
            try {
                cleanedUp.await(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            EmbeddedKafka.delete(dir);
        }, "nmf-demo-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        PlantedModel planted = new PlantedModel(config.dimension(), config.rank(), 0.2, 0.1, 0.05, 7);
        out.println("Starting an embedded Kafka broker and the service (m = " + config.dimension() + ", r = "
                + config.rank() + "; data in " + dir + ")...");
        out.flush();
        try (EmbeddedKafka broker = RunCommand.startBroker(dir.resolve("kafka"), config.embeddedPort(), err);
                NmfService service = NmfService.start(config, broker.bootstrapServers(), true)) {
            RunCommand.printConnection(out, config, broker.bootstrapServers(), true);
            RunCommand.printHttp(out, service, config);
            AtomicBoolean feeding = new AtomicBoolean(true);
            AtomicLong fed = new AtomicLong();
            Thread feeder = new Thread(() -> feed(broker, config, planted, feeding, fed), "nmf-demo-feed");
            feeder.start();
            Progress progress = watch(broker, service, config, planted, out, feeding, fed);
            feeder.join();
            if (stopping.get()) {
                out.println("stopped: closing the service and the broker, deleting " + dir);
                out.flush();
                return 130;
            }
            ObjectNode json = new ObjectMapper().createObjectNode();
            json.put("fed", fed.get());
            json.put("weights", progress.weights);
            json.put("basisVersion", progress.version);
            json.put("meanCosine", progress.meanCosine);
            json.put("worstCosine", progress.worstCosine);
            if (progress.error != null) {
                json.put("runningError", progress.error);
            }
            out.println(new ObjectMapper().writeValueAsString(json));
            out.flush();
        } finally {
            EmbeddedKafka.delete(dir);
            cleanedUp.countDown();
            if (!stopping.get()) {
                try {
                    Runtime.getRuntime().removeShutdownHook(hook);
                } catch (IllegalStateException e) {
                    // the JVM is shutting down already: the hook runs and finds the directory gone
                }
            }
        }
        return 0;
    }

    /** {@code $XDG_CACHE_HOME/nmf-stream}, else {@code ~/.cache/nmf-stream}: not the OS temp folder, which the OS may clear. */
    static Path cacheDirectory() {
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return base.resolve("nmf-stream");
    }

    private void feed(EmbeddedKafka broker, NmfStreamConfig config, PlantedModel planted, AtomicBoolean feeding,
            AtomicLong fed) {
        long end = System.nanoTime() + Duration.ofSeconds(seconds).toNanos();
        RatePacer pacer = rate.pacer();
        try (KafkaProducer<String, byte[]> producer = KafkaClients.producer(broker.bootstrapServers(), 20)) {
            double[] v = new double[config.dimension()];
            long j = 0;
            while (System.nanoTime() < end && !stopping.get()) {
                pacer.await(j);
                planted.next(v, 0);
                String id = "demo-" + j;
                DenseColumn column = DenseColumn.of(v);
                byte[] value = binary ? ColumnEncoder.binary(column, -1) : ColumnEncoder.json(id, column, -1);
                producer.send(new ProducerRecord<>(config.topics().columns(), id, value));
                fed.incrementAndGet();
                j++;
            }
        } finally {
            feeding.set(false);
        }
    }

    /** What the demo has seen so far. */
    private static final class Progress {
        long weights;
        long version = -1;
        Double error;
        double meanCosine = Double.NaN;
        double worstCosine = Double.NaN;
    }

    private Progress watch(EmbeddedKafka broker, NmfService service, NmfStreamConfig config, PlantedModel planted,
            PrintWriter out, AtomicBoolean feeding, AtomicLong fed) {
        Progress progress = new Progress();
        Map<Integer, double[]> components = new HashMap<>();
        int m = config.dimension();
        int r = config.rank();
        int bootstrap = config.engine().streamBootstrapSize();
        try (KafkaConsumer<String, byte[]> consumer = KafkaClients.committedConsumer(broker.bootstrapServers(),
                "nmf-demo-watch", true)) {
            consumer.subscribe(List.of(config.topics().weights(), config.topics().factors()));
            long last = System.nanoTime();
            long lastWeights = 0;
            long idleSince = -1;
            long feedStopped = -1;
            boolean drainedSaid = false;
            while (!stopping.get()) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    if (record.topic().equals(config.topics().weights())) {
                        progress.weights++;
                    } else if (record.key().equals(config.model())) {
                        SummaryMessage s = WireSerdes.summary().deserializer().deserialize(record.topic(), record.value());
                        progress.version = s.version();
                        if (s.runningError() != null) {
                            progress.error = s.runningError();
                        }
                    } else {
                        ComponentMessage c = WireSerdes.component().deserializer().deserialize(record.topic(),
                                record.value());
                        components.put(c.component(), c.vector());
                    }
                }
                if (components.size() == r) {
                    double[] learned = new double[m * r];
                    for (int k = 0; k < r; k++) {
                        double[] vec = components.get(k);
                        for (int i = 0; i < m; i++) {
                            learned[i * r + k] = vec[i];
                        }
                    }
                    Recovery rec = Recovery.match(planted.trueBasis(), learned, m, r);
                    progress.meanCosine = rec.mean();
                    progress.worstCosine = rec.worst();
                }
                long now = System.nanoTime();
                if (!feeding.get() && feedStopped < 0) {
                    feedStopped = now;
                    long left = fed.get() - progress.weights;
                    out.printf("feed stopped after %d s: %,d items fed; %s%n", seconds, fed.get(),
                            left > 0 ? String.format("waiting until the service has the weights of the %,d still "
                                    + "queued", left) : "every one has its weights");
                    out.flush();
                }
                if (now - last >= 1_000_000_000L) {
                    double rateNow = (progress.weights - lastWeights) / ((now - last) / 1e9);
                    out.println(progressLine(progress, fed.get(), rateNow, service, bootstrap));
                    out.flush();
                    last = now;
                    lastWeights = progress.weights;
                }
                if (feedStopped >= 0) {
                    if (progress.weights >= fed.get()) {
                        if (!drainedSaid) {
                            out.printf("backlog drained: all %,d items have their weights, %.1f s after the feed "
                                    + "stopped; waiting for the last factors%n", fed.get(), (now - feedStopped) / 1e9);
                            out.flush();
                            drainedSaid = true;
                        }
                        if (idleSince < 0) {
                            idleSince = now;
                        }
                        if (now - idleSince > 2_000_000_000L) {
                            return progress;
                        }
                    } else if (now - last > 30_000_000_000L) {
                        return progress;
                    }
                }
            }
            return progress;
        }
    }

    /** One line of progress; before the first basis, what the service is waiting for. */
    private static String progressLine(Progress progress, long fed, double rateNow, NmfService service,
            int bootstrap) {
        String head = String.format("fed %,9d  weights %,9d  (%,7.0f/s)  ", fed, progress.weights, rateNow);
        if (progress.version < 0) {
            NmfService.Status status = service.status();
            if (status.basisVersion() < 0) {
                return head + (status.itemsIn() < bootstrap
                        ? String.format("waiting for the first basis: %,d of the %,d bootstrap items read",
                                status.itemsIn(), bootstrap)
                        : String.format("making the first basis from %,d bootstrap items", bootstrap));
            }
            return head + "model v" + status.basisVersion() + "  (its first factors are on their way)";
        }
        String recovered = Double.isNaN(progress.meanCosine) ? "planted parts: waiting for every component"
                : String.format("planted parts recovered: mean cosine %.4f, worst %.4f", progress.meanCosine,
                        progress.worstCosine);
        return head + String.format("model v%-6d  running error %s  ", progress.version,
                progress.error == null ? "  -   " : String.format("%.4f", progress.error)) + recovered;
    }
}
