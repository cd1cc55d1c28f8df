package dev.nmfstream.service;

import static dev.nmfstream.service.ClusterHarness.BATCH;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nmfstream.TestDiagnostics;
import dev.nmfstream.bench.InstanceProcess;
import dev.nmfstream.kafka.EmbeddedKafka;
import dev.nmfstream.kafka.KafkaClients;
import dev.nmfstream.nmf.synth.PlantedModel;
import dev.nmfstream.nmf.synth.Recovery;
import dev.nmfstream.wire.SummaryMessage;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Several instances of one application, each its own JVM process, on the embedded broker: the
 * work is shared, each item's weights appear once, and the model is as good as one instance's.
 */
class ClusterIT {

    private static final int N = 200_000;
    private static final int RATE = 8_000;

    @Test
    @Timeout(value = 15, unit = TimeUnit.MINUTES)
    void threeInstancesLearnWhatOneLearnsAndPublishEachItemOnce(@TempDir Path dir) throws Exception {
        try (EmbeddedKafka broker = EmbeddedKafka.start(dir.resolve("kafka"), new Properties());
                KafkaProducer<String, byte[]> producer = KafkaClients.producer(broker.bootstrapServers(), 10)) {
            Recovery[] recovery = new Recovery[2];
            int[] counts = {1, 3};
            for (int run = 0; run < 2; run++) {
                String prefix = "x" + counts[run] + "-";
                Map<String, String> settings = ClusterHarness.settings(broker, prefix);
                List<InstanceProcess> instances = ClusterHarness.startInstances(dir, settings, prefix, counts[run]);
                try (ClusterHarness.Outputs outputs = new ClusterHarness.Outputs(settings)) {
                    PlantedModel planted = ClusterHarness.planted();
                    long t0 = System.nanoTime();
                    // a live stream at 8,000 columns/s: with a backlog produced all at once the
                    // projectors run far ahead of the updater and the model can end lower
                    // (BENCHMARKS.md, the streaming quality of a backlog)
                    ClusterHarness.produce(producer, settings.get("nmf.topic.columns"), planted, 0, N, RATE);
                    outputs.awaitAll(N, Duration.ofMinutes(5));
                    double seconds = (System.nanoTime() - t0) / 1e9;
                    String report = counts[run] + " instance(s): " + outputs.report();
                    TestDiagnostics.record(ClusterIT.class, "%s, %.1f s", report, seconds);
                    assertEquals(N, outputs.seen.size(), report);
                    assertEquals(0, outputs.duplicates.get(), report);
                    assertEquals(0, outputs.versionRegressions.get(), report);
                    assertEquals(0, outputs.nonFinite.get(), report);
                    SummaryMessage summary = outputs.summary.get();
                    assertEquals(0, summary.itemsLost(), "no crash, no rebalance under load: " + report);
                    // every item's statistics reached the updater: all learned but the last partial batch
                    assertTrue(summary.itemsSeen() > N - BATCH && summary.itemsSeen() <= N, report);
                    recovery[run] = outputs.recovery(planted);
                    for (InstanceProcess p : instances) {
                        assertTrue(p.alive(), p.name() + " still running");
                        int code = p.stop();
                        assertTrue(code == 0 || code == 143, p.name() + " exit code after SIGTERM: " + code);
                        assertEquals(1, p.lines(l -> l.contains("closed: committed, left the group")).size(), p.name() + " closed");
                    }
                    // the work was shared: every instance ran projector tasks, one ran the updater
                    Set<String> tasks = new TreeSet<>();
                    int updaters = 0;
                    for (InstanceProcess p : instances) {
                        List<String> started = p.lines(l -> l.contains("projector task "));
                        assertTrue(!started.isEmpty(), p.name() + " ran no projector task");
                        started.forEach(l -> tasks.add(l.replaceAll(".*projector task (\\S+) .*", "$1")));
                        updaters += p.lines(l -> l.contains("updater task ")).isEmpty() ? 0 : 1;
                    }
                    assertEquals(ClusterHarness.PARTITIONS, tasks.size(), "projector tasks " + tasks);
                    // (it may have moved while the instances joined, before any data)
                    assertTrue(updaters >= 1, "instances that ran the updater");
                } finally {
                    for (InstanceProcess p : instances) {
                        p.close();
                    }
                }
            }
            TestDiagnostics.record(ClusterIT.class,
                    "recovery: one instance %.5f (worst %.4f), three %.5f (worst %.4f)",
                    recovery[0].mean(), recovery[0].worst(), recovery[1].mean(), recovery[1].worst());
            assertTrue(recovery[0].mean() >= 0.99, "one instance: " + recovery[0].mean());
            assertTrue(recovery[1].mean() >= 0.99, "three instances: " + recovery[1].mean());
            assertTrue(Math.abs(recovery[1].mean() - recovery[0].mean()) <= 0.005,
                    "three instances " + recovery[1].mean() + " vs one " + recovery[0].mean());
        }
    }
}
