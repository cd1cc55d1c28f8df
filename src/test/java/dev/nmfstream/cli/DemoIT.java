package dev.nmfstream.cli;

import static dev.nmfstream.cli.MainTest.assertContains;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nmfstream.cli.MainTest.Run;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A short healthy {@code demo}, in this JVM, with everything it and the broker, Kafka Streams and
 * the clients log: no ERROR line, no warning from the loggers that used to warn in a healthy run,
 * the feed's end and the drained backlog said, and its data directory gone afterwards.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class DemoIT {

    /** Loggers that warned in every healthy run before their causes were fixed. */
    private static final List<String> QUIET = List.of("kafka.server.ReplicaManager",
            "org.apache.kafka.clients.producer.internals.Sender", "org.apache.kafka.streams.StreamsConfig",
            "org.apache.kafka.streams.processor.internals.StateDirectory",
            "kafka.server.DefaultAutoTopicCreationManager",
            "org.apache.kafka.clients.consumer.internals.OffsetFetcherUtils");

    @Test
    void aHealthyDemoLogsNoErrorAndCleansUp() throws Exception {
        Path dataDir = Path.of("target", "it-demo-" + System.nanoTime());
        Run r = MainTest.run("demo", "--seconds", "5", "--rate", "2000", "--port", "0", "--data-dir",
                dataDir.toString());
        Files.createDirectories(Path.of("target", "it-logs"));
        Files.writeString(Path.of("target", "it-logs", "DemoIT.log"), r.describe(), StandardCharsets.UTF_8);
        assertEquals(0, r.exitCode(), r.describe());
        String all = r.out() + "\n" + r.err();
        for (String line : all.lines().toList()) {
            assertFalse(line.contains(" ERROR ") || line.startsWith("ERROR"), "an ERROR line: " + line);
            if (line.contains(" WARN ")) {
                for (String logger : QUIET) {
                    assertFalse(line.contains(" WARN " + logger + " "), "a warning of " + logger + ": " + line);
                }
            }
        }
        assertContains(r.out(), "feed stopped after 5 s", "backlog drained: all");
        List<String> lines = r.out().lines().toList();
        JsonNode summary = new ObjectMapper().readTree(lines.get(lines.size() - 1));
        assertTrue(summary.get("fed").asLong() > 0, r.describe());
        assertEquals(summary.get("fed").asLong(), summary.get("weights").asLong(), "every item fed has its weights");
        assertFalse(Files.exists(dataDir.resolve("nmf-demo")), "the demo's data directory is deleted at the end");
        Files.delete(dataDir);
    }
    @Test
    void stoppingTheDemoDeletesItsData() throws Exception {
        Path dataDir = Path.of("target", "it-demo-stop-" + System.nanoTime()).toAbsolutePath();
        Path log = Path.of("target", "it-logs", "DemoIT-stop.log").toAbsolutePath();
        Files.createDirectories(log.getParent());
        Process demo = new ProcessBuilder(ProcessHandle.current().info().command().orElse("java"), "-Xmx1g", "-cp",
                System.getProperty("java.class.path"), Main.class.getName(), "demo", "--seconds", "600", "--port",
                "0", "--data-dir", dataDir.toString())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            // running once the feed has put data under the directory
            while (demo.isAlive() && !(Files.readString(log, StandardCharsets.UTF_8).contains("nmf-stream is running")
                    && Files.isDirectory(dataDir.resolve("nmf-demo").resolve("streams")))) {
                TimeUnit.MILLISECONDS.sleep(200);
            }
            assertTrue(demo.isAlive(), "the demo runs: " + Files.readString(log, StandardCharsets.UTF_8));
            demo.destroy(); // SIGTERM, as Ctrl-C: the shutdown hooks run
            assertTrue(demo.waitFor(120, TimeUnit.SECONDS), "the demo stops after SIGTERM");
        } finally {
            demo.destroyForcibly();
        }
        String output = Files.readString(log, StandardCharsets.UTF_8);
        assertContains(output, "stopped: closing the service and the broker, deleting");
        assertFalse(Files.exists(dataDir.resolve("nmf-demo")), "the demo's data directory is gone:\n" + output);
        assertFalse(output.contains(" ERROR "), output);
        Files.delete(dataDir);
    }
}
