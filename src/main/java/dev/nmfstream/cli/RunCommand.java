package dev.nmfstream.cli;

import dev.nmfstream.kafka.EmbeddedKafka;
import dev.nmfstream.service.ConfigLoader;
import dev.nmfstream.service.NmfService;
import dev.nmfstream.stream.ConfigurationMismatchException;
import dev.nmfstream.stream.NmfStreamConfig;
import dev.nmfstream.wire.Topics;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code run}: the streaming service. Joins the cluster of {@code bootstrap.servers}, or starts
 * an embedded single-node broker when none is given; creates missing topics; runs until stopped
 * (Ctrl-C, SIGTERM: it leaves the group so that the others take its partitions at once) or for
 * {@code --duration}. Exits with 1 if the service fails for good, so that a supervisor restarts it.
 */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = {
            "Runs the streaming NMF service: input columns → weights, factor snapshots, dead letters.",
            "Settings: a properties file (--config), then environment variables (NMF_BATCH_SIZE → nmf.batch.size, "
                    + "KAFKA_BOOTSTRAP_SERVERS → bootstrap.servers), then --set key=value. Without bootstrap.servers "
                    + "an embedded Kafka broker is started (data in --data-dir, port --port).",
            "Prints a status line every nmf.status.interval.ms (default 10 s; 0: never): items in, weights out, dead "
                    + "letters, model version and running error, consumer lag."})
final class RunCommand implements Callable<Integer> {

    @Option(names = {"-c", "--config"}, paramLabel = "FILE", description = "A properties file.")
    Path config;

    @Mixin
    SettingOptions settings;

    @Option(names = "--data-dir", defaultValue = "nmf-data",
            description = "Where the embedded broker and the state stores keep their data. Default: ${DEFAULT-VALUE}.")
    Path dataDir;

    @Option(names = "--port", paramLabel = "PORT",
            description = "Broker port of the embedded broker (sets nmf.embedded.port; default 9092, a free port when "
                    + "it is taken; 0: any free port).")
    Integer port;

    @Option(names = "--duration", paramLabel = "SECONDS", defaultValue = "0",
            description = "Stop after this long (0: run until stopped). Default: ${DEFAULT-VALUE}.")
    long duration;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        NmfStreamConfig settings;
        try {
            Properties props = ConfigLoader.load(config, System.getenv(), this.settings.sets());
            props.putIfAbsent("state.dir", dataDir.resolve("streams").toString());
            if (port != null) {
                props.setProperty(NmfStreamConfig.EMBEDDED_PORT, String.valueOf(port));
            }
            settings = NmfStreamConfig.from(props);
        } catch (IllegalArgumentException e) {
            err.println("run: " + e.getMessage());
            return 2;
        }
        EmbeddedKafka broker = null;
        String bootstrap = settings.kafka().getProperty("bootstrap.servers");
        if (bootstrap == null || bootstrap.isBlank()) {
            broker = startBroker(dataDir.resolve("kafka"), settings.embeddedPort(), err);
            bootstrap = broker.bootstrapServers();
        }
        CountDownLatch stop = new CountDownLatch(1);
        CountDownLatch stopped = new CountDownLatch(1);
        // on Ctrl-C / SIGTERM: let the main thread close the service (leaving the group) and the broker
        Thread hook = new Thread(() -> {
            stop.countDown();
            try {
                stopped.await(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "nmf-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        boolean failed = false;
        NmfService started;
        try {
            started = NmfService.start(settings, bootstrap);
        } catch (IllegalStateException | IllegalArgumentException | ConfigurationMismatchException e) {
            err.println("run: " + e.getMessage() + (e instanceof ConfigurationMismatchException ? "; exiting with 1" : ""));
            if (broker != null) {
                broker.close();
            }
            Runtime.getRuntime().removeShutdownHook(hook);
            return 1;
        }
        try (NmfService service = started) {
            printConnection(out, settings, bootstrap, broker != null);
            printHttp(out, service, settings);
            long deadline = duration > 0 ? System.nanoTime() + duration * 1_000_000_000L : Long.MAX_VALUE;
            long statusEvery = settings.statusIntervalMs() * 1_000_000L;
            long nextStatus = System.nanoTime() + statusEvery;
            while (!stop.await(200, TimeUnit.MILLISECONDS) && System.nanoTime() < deadline) {
                if (statusEvery > 0 && System.nanoTime() >= nextStatus) {
                    out.println(statusLine(service.status(), settings));
                    out.flush();
                    nextStatus += statusEvery;
                }
                if (service.awaitFailure(0, TimeUnit.MILLISECONDS)) {
                    failed = true;
                    err.println("run: " + service.mismatch().map(m -> m.getMessage() + "; exiting with 1")
                            .orElse("the service stopped after repeated errors (see the log above); exiting with 1"));
                    err.flush();
                    break;
                }
            }
        } finally {
            if (broker != null) {
                broker.close();
            }
            stopped.countDown();
        }
        return failed ? 1 : 0;
    }

    /**
     * Starts the embedded broker on {@code port} when it is free, else on a free one, and says so.
     */
    static EmbeddedKafka startBroker(Path dir, int port, PrintWriter err) {
        EmbeddedKafka broker = EmbeddedKafka.start(dir, new Properties(), port);
        if (port != 0 && broker.port() != port) {
            err.println("port " + port + " is in use; the embedded broker listens on " + broker.bootstrapServers()
                    + " instead (set another with --port or nmf.embedded.port)");
            err.flush();
        }
        return broker;
    }

    /** One line of what the instance has done: items in, weights out, dead letters, model, lag. */
    static String statusLine(NmfService.Status s, NmfStreamConfig c) {
        StringBuilder line = new StringBuilder(160);
        line.append(String.format("status: items in %,d  weights out %,d  dead letters %,d  ", s.itemsIn(),
                s.weightsOut(), s.deadLetters()));
        if (s.basisVersion() < 0) {
            int bootstrap = c.engine().streamBootstrapSize();
            line.append(s.itemsIn() < bootstrap
                    ? String.format("model: waiting for the first basis (%,d of %,d bootstrap items read)", s.itemsIn(),
                            bootstrap)
                    : String.format("model: making the first basis from %,d bootstrap items", bootstrap));
        } else {
            line.append("model v").append(s.basisVersion());
            if (Double.isNaN(s.runningError())) {
                line.append(" (no factors published yet)");
            } else {
                line.append(String.format(" running error %.4f (learned from %,d items)", s.runningError(),
                        s.itemsSeen()));
            }
        }
        line.append(String.format("  lag %,d", s.lag()));
        return line.toString();
    }

    static void printConnection(PrintWriter out, NmfStreamConfig c, String bootstrap, boolean embedded) {
        NmfStreamConfig.TopicNames t = c.topics();
        String jar = Main.launcher();
        out.println("nmf-stream is running on " + (embedded ? "an embedded Kafka broker at " : "") + bootstrap);
        out.println("  input:        " + t.columns() + " (" + c.partitions() + " partitions; JSON or binary columns of "
                + c.dimension() + " values, key = item id)");
        out.println("  weights:      " + t.weights());
        out.println("  factors:      " + t.factors());
        out.println("  dead letters: " + t.deadLetters());
        out.println("  send columns: " + jar + " produce FILE -b " + bootstrap + topicOption(t.columns(), Topics.COLUMNS)
                + "   (FILE: .npy, .npz or .jsonl, m = " + c.dimension() + ")");
        out.println("  read weights: " + jar + " consume weights -b " + bootstrap
                + topicOption(t.weights(), Topics.WEIGHTS) + " --from-beginning");
        out.println("  read factors: " + jar + " consume factors -b " + bootstrap
                + topicOption(t.factors(), Topics.FACTORS) + " --from-beginning");
        out.println("  (any Kafka client works too, e.g. kcat -b " + bootstrap + " -C -t " + t.weights()
                + " -X isolation.level=read_committed)");
        out.flush();
    }

    /** The page's address, or that there is none; says when a taken port was replaced by a free one. */
    static void printHttp(PrintWriter out, NmfService service, NmfStreamConfig c) {
        service.httpAddress().ifPresentOrElse(url -> {
            out.println("  page:         " + url + "   (JSON API: " + url + "api/model, metrics: " + url + "metrics)");
            if (c.httpPort() != 0 && !url.endsWith(":" + c.httpPort() + "/")) {
                out.println("  (port " + c.httpPort() + " is in use; the page is on a free port instead: set another with "
                        + NmfStreamConfig.HTTP_PORT + ")");
            }
        }, () -> out.println("  page:         off (" + NmfStreamConfig.HTTP_ENABLED + "=false)"));
        out.flush();
    }

    private static String topicOption(String topic, String standard) {
        return topic.equals(standard) ? "" : " -t " + topic;
    }
}
