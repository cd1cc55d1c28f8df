package dev.nmfstream.cli;

import dev.nmfstream.kafka.EmbeddedKafka;
import dev.nmfstream.service.ConfigLoader;
import dev.nmfstream.service.NmfService;
import dev.nmfstream.stream.NmfStreamConfig;
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
                    + "an embedded Kafka broker is started (data in --data-dir)."})
final class RunCommand implements Callable<Integer> {

    @Option(names = {"-c", "--config"}, paramLabel = "FILE", description = "A properties file.")
    Path config;

    @Mixin
    SettingOptions settings;

    @Option(names = "--data-dir", defaultValue = "nmf-data",
            description = "Where the embedded broker and the state stores keep their data. Default: ${DEFAULT-VALUE}.")
    Path dataDir;

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
            settings = NmfStreamConfig.from(props);
        } catch (IllegalArgumentException e) {
            err.println("run: " + e.getMessage());
            return 2;
        }
        EmbeddedKafka broker = null;
        String bootstrap = settings.kafka().getProperty("bootstrap.servers");
        if (bootstrap == null || bootstrap.isBlank()) {
            broker = EmbeddedKafka.start(dataDir.resolve("kafka"), new Properties());
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
        } catch (IllegalStateException | IllegalArgumentException e) {
            err.println("run: " + e.getMessage());
            if (broker != null) {
                broker.close();
            }
            Runtime.getRuntime().removeShutdownHook(hook);
            return 1;
        }
        try (NmfService service = started) {
            printConnection(out, settings, bootstrap, broker != null);
            long deadline = duration > 0 ? System.nanoTime() + duration * 1_000_000_000L : Long.MAX_VALUE;
            while (!stop.await(200, TimeUnit.MILLISECONDS) && System.nanoTime() < deadline) {
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

    static void printConnection(PrintWriter out, NmfStreamConfig c, String bootstrap, boolean embedded) {
        NmfStreamConfig.TopicNames t = c.topics();
        out.println("nmf-stream is running on " + (embedded ? "an embedded Kafka broker at " : "") + bootstrap);
        out.println("  input:        " + t.columns() + " (" + c.partitions() + " partitions; JSON or binary columns of "
                + c.dimension() + " values, key = item id)");
        out.println("  weights:      " + t.weights());
        out.println("  factors:      " + t.factors());
        out.println("  dead letters: " + t.deadLetters());
        out.println("  try: kcat -b " + bootstrap + " -C -t " + t.weights() + " -X isolation.level=read_committed -e");
        out.println("       echo '{\"id\":\"a\",\"values\":[...]}' | kcat -b " + bootstrap + " -P -t " + t.columns()
                + " -k a");
        out.flush();
    }
}
