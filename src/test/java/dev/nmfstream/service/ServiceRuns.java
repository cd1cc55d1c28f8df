package dev.nmfstream.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nmfstream.cli.Main;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import org.apache.kafka.streams.KafkaStreams;
import picocli.CommandLine;

/** Steps the service's integration tests share. */
final class ServiceRuns {

    private ServiceRuns() {}

    /** Waits until the service's streams are RUNNING; fails after 90 s. */
    static void awaitRunning(NmfService service) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (service.state() != KafkaStreams.State.RUNNING) {
            assertTrue(System.nanoTime() < deadline, "the service is " + service.state() + " after 90 s");
            Thread.sleep(100);
        }
    }

    /**
     * Runs {@code produce FILE -b BOOTSTRAP} as a user would and asserts that it sent
     * {@code records} records.
     */
    static void produce(String file, String bootstrap, int records) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = Main.commandLine();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        assertEquals(0, cli.execute("produce", file, "-b", bootstrap), "produce: " + err);
        assertTrue(out.toString().contains("\"records\":" + records), out.toString());
    }
}
