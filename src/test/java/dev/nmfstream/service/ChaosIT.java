package dev.nmfstream.service;

import static dev.nmfstream.service.ClusterHarness.BATCH;
import static dev.nmfstream.service.ClusterHarness.PARTITIONS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nmfstream.TestDiagnostics;
import dev.nmfstream.bench.InstanceProcess;
import dev.nmfstream.kafka.EmbeddedKafka;
import dev.nmfstream.kafka.KafkaClients;
import dev.nmfstream.nmf.synth.PlantedModel;
import dev.nmfstream.wire.SummaryMessage;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Faults under load, with the instances as separate JVM processes on the embedded broker: kill -9
 * of random instances, the broker stopped for 20 s, instances joining and leaving. Every test
 * checks every output record (each id once, read_committed; the basis version per partition never
 * lower than before; no NaN) and the exact accounting of the statistics: the items the model
 * learned from plus the items counted as lost equal the items sent.
 */
class ChaosIT {

    private static final int N = 150_000;
    private static final int RATE = 2_500;

    /**
     * Set -Dchaos.seed=S to repeat a run. The seed is written to
     * {@code target/test-diagnostics/ChaosIT.txt} at the start of each test and is part of every
     * assertion message ({@link #SEED_NOTE}).
     */
    private static final long SEED = Long.getLong("chaos.seed", System.nanoTime());

    /** Appended to every assertion message: how to repeat the run. */
    private static final String SEED_NOTE = " [chaos seed " + SEED + ": repeat with -Dchaos.seed=" + SEED + "]";

    @Test
    @Timeout(value = 10, unit = TimeUnit.MINUTES)
    void killNineOfRandomInstancesUnderLoad(@TempDir Path dir) throws Exception {
        Random random = new Random(SEED);
        TestDiagnostics.record(ChaosIT.class, "killNineOfRandomInstancesUnderLoad: chaos seed " + SEED);
        try (EmbeddedKafka broker = EmbeddedKafka.start(dir.resolve("kafka"), new Properties());
                KafkaProducer<String, byte[]> producer = KafkaClients.producer(broker.bootstrapServers(), 10)) {
            Map<String, String> settings = ClusterHarness.settings(broker, "k-");
            List<InstanceProcess> instances = ClusterHarness.startInstances(dir, settings, "k-", 3);
            try (ClusterHarness.Outputs outputs = new ClusterHarness.Outputs(settings)) {
                PlantedModel planted = ClusterHarness.planted();
                CompletableFuture<Void> load = produceInBackground(producer, settings, planted);
                // five random moments between 4 s and 80 % of the load (~48 s), at least 8 s apart (a
                // killed instance's partitions move after the 6 s session timeout, so work goes on
                // between kills); each kills a random instance and restarts it at once
                long[] moments = killMoments(random, 5, 4_000, (long) (0.8 * N * 1000 / RATE), 8_000);
                long start = System.nanoTime();
                List<String> kills = new ArrayList<>();
                for (long moment : moments) {
                    Thread.sleep(Math.max(0, moment - (System.nanoTime() - start) / 1_000_000));
                    int victim = random.nextInt(instances.size());
                    InstanceProcess old = instances.get(victim);
                    long killedAt = System.nanoTime();
                    old.kill();
                    instances.set(victim, ClusterHarness.startInstance(dir, settings, old.name()));
                    kills.add(String.format("%.1f s: kill -9 %s (%d items out)", (killedAt - start) / 1e9, old.name(),
                            outputs.seen.size()));
                }
                for (InstanceProcess p : instances) {
                    p.awaitRunning(Duration.ofSeconds(90));
                }
                load.get(5, TimeUnit.MINUTES);
                outputs.awaitAll(N, Duration.ofMinutes(4));
                String report = outputs.report();
                TestDiagnostics.record(ChaosIT.class, "kills: " + kills + SEED_NOTE);
                TestDiagnostics.record(ChaosIT.class, "restores: " + restores(instances) + SEED_NOTE);
                TestDiagnostics.record(ChaosIT.class, "outputs: " + report + SEED_NOTE);
                assertExactlyOnceAndAccounted(outputs, N, 5, "kills " + kills + ", " + report);
                for (InstanceProcess p : instances) {
                    assertTrue(p.alive(), p.name() + " alive" + SEED_NOTE);
                }
            } finally {
                for (InstanceProcess p : instances) {
                    p.close();
                }
            }
        }
    }

    @Test
    @Timeout(value = 10, unit = TimeUnit.MINUTES)
    void brokerDownForTwentySecondsMidStream(@TempDir Path dir) throws Exception {
        TestDiagnostics.record(ChaosIT.class, "brokerDownForTwentySecondsMidStream: chaos seed " + SEED);
        EmbeddedKafka broker = EmbeddedKafka.start(dir.resolve("kafka"), new Properties());
        List<InstanceProcess> instances = List.of();
        try {
            Map<String, String> settings = ClusterHarness.settings(broker, "b-");
            instances = ClusterHarness.startInstances(dir, settings, "b-", 2);
            try (ClusterHarness.Outputs outputs = new ClusterHarness.Outputs(settings);
                    KafkaProducer<String, byte[]> producer = KafkaClients.producer(broker.bootstrapServers(), 10)) {
                PlantedModel planted = ClusterHarness.planted();
                CompletableFuture<Void> load = produceInBackground(producer, settings, planted);
                outputs.awaitAtLeast(2_000, Duration.ofMinutes(3));
                int before = outputs.seen.size();
                broker.close();
                long down = System.nanoTime();
                Thread.sleep(20_000);
                broker = EmbeddedKafka.restart(broker, new Properties());
                TestDiagnostics.record(ChaosIT.class, "broker down %.1f s with %d of %d weights out%s",
                        (System.nanoTime() - down) / 1e9, before, N, SEED_NOTE);
                load.get(5, TimeUnit.MINUTES);
                outputs.awaitAll(N, Duration.ofMinutes(4));
                String report = outputs.report();
                TestDiagnostics.record(ChaosIT.class, "outputs: " + report + SEED_NOTE);
                assertTrue(before > 0 && before < N, "the broker stopped mid-stream: " + before + SEED_NOTE);
                assertExactlyOnceAndAccounted(outputs, N, 0, report);
                for (InstanceProcess p : instances) {
                    assertTrue(p.alive(), p.name() + " recovered by itself, without a restart" + SEED_NOTE);
                }
            }
        } finally {
            for (InstanceProcess p : instances) {
                p.close();
            }
            broker.close();
        }
    }

    @Test
    @Timeout(value = 10, unit = TimeUnit.MINUTES)
    void anInstanceJoinsAndAnotherLeavesMidStream(@TempDir Path dir) throws Exception {
        TestDiagnostics.record(ChaosIT.class, "anInstanceJoinsAndAnotherLeavesMidStream: chaos seed " + SEED);
        try (EmbeddedKafka broker = EmbeddedKafka.start(dir.resolve("kafka"), new Properties());
                KafkaProducer<String, byte[]> producer = KafkaClients.producer(broker.bootstrapServers(), 10)) {
            Map<String, String> settings = ClusterHarness.settings(broker, "j-");
            List<InstanceProcess> instances = new ArrayList<>(ClusterHarness.startInstances(dir, settings, "j-", 2));
            try (ClusterHarness.Outputs outputs = new ClusterHarness.Outputs(settings)) {
                PlantedModel planted = ClusterHarness.planted();
                CompletableFuture<Void> load = produceInBackground(producer, settings, planted);
                Thread.sleep(8_000);
                InstanceProcess joined = ClusterHarness.startInstance(dir, settings, "j-3");
                instances.add(joined);
                joined.awaitRunning(Duration.ofSeconds(90));
                int atJoin = outputs.seen.size();
                Thread.sleep(6_000);
                InstanceProcess leaving = instances.remove(0);
                int code = leaving.stop();
                int atLeave = outputs.seen.size();
                load.get(5, TimeUnit.MINUTES);
                outputs.awaitAll(N, Duration.ofMinutes(4));
                String report = outputs.report();
                TestDiagnostics.record(ChaosIT.class, "joined at %d, left at %d (exit %d): %s%s", atJoin, atLeave, code,
                        report, SEED_NOTE);
                assertTrue(atJoin < atLeave && atLeave < N,
                        "join and leave mid-stream: " + atJoin + ", " + atLeave + SEED_NOTE);
                assertEquals(1, leaving.lines(l -> l.contains("closed: committed, left the group")).size(),
                        leaving.name() + " closed" + SEED_NOTE);
                assertTrue(!joined.lines(l -> l.contains("projector task ")).isEmpty(),
                        "the new instance got work" + SEED_NOTE);
                // a clean hand-over commits first: only the unsent statistics of moved tasks can be lost
                assertExactlyOnceAndAccounted(outputs, N, 2, report);
            } finally {
                for (InstanceProcess p : instances) {
                    p.close();
                }
            }
        }
    }

    @Test
    @Timeout(value = 10, unit = TimeUnit.MINUTES)
    void atLeastOnceLosesNothingAcrossAKillNine(@TempDir Path dir) throws Exception {
        TestDiagnostics.record(ChaosIT.class, "atLeastOnceLosesNothingAcrossAKillNine: chaos seed " + SEED);
        try (EmbeddedKafka broker = EmbeddedKafka.start(dir.resolve("kafka"), new Properties());
                KafkaProducer<String, byte[]> producer = KafkaClients.producer(broker.bootstrapServers(), 10)) {
            Map<String, String> settings = new LinkedHashMap<>(ClusterHarness.settings(broker, "a-"));
            settings.put("processing.guarantee", "at_least_once");
            settings.put("commit.interval.ms", "5000");
            List<InstanceProcess> instances = new ArrayList<>(ClusterHarness.startInstances(dir, settings, "a-", 2));
            try (ClusterHarness.Outputs outputs = new ClusterHarness.Outputs(settings)) {
                PlantedModel planted = ClusterHarness.planted();
                CompletableFuture<Void> load = produceInBackground(producer, settings, planted);
                outputs.awaitAtLeast(2_000, Duration.ofMinutes(3));
                int atKill = outputs.seen.size();
                instances.get(0).kill();
                instances.set(0, ClusterHarness.startInstance(dir, settings, "a-1"));
                load.get(5, TimeUnit.MINUTES);
                outputs.awaitAll(N, Duration.ofMinutes(4));
                String report = outputs.report();
                TestDiagnostics.record(ChaosIT.class, "at-least-once, kill -9 at %d items out: %s%s", atKill, report,
                        SEED_NOTE);
                assertTrue(atKill > 0 && atKill < N, "killed mid-stream: " + atKill + SEED_NOTE);
                assertEquals(N, outputs.seen.size(), "every id at least once: " + report + SEED_NOTE);
                assertEquals(0, outputs.nonFinite.get(), report + SEED_NOTE);
                // the promise is at least once: duplicates are allowed, and after a kill with a
                // 5 s commit interval some are expected (reported, not required)
            } finally {
                for (InstanceProcess p : instances) {
                    p.close();
                }
            }
        }
    }

    /** {@code count} sorted moments (ms) uniform in [from, to], at least {@code gap} apart. */
    static long[] killMoments(Random random, int count, long from, long to, long gap) {
        while (true) {
            long[] t = random.longs(count, from, to + 1).sorted().toArray();
            boolean spaced = true;
            for (int i = 1; i < count; i++) {
                spaced &= t[i] - t[i - 1] >= gap;
            }
            if (spaced) {
                return t;
            }
        }
    }

    private static CompletableFuture<Void> produceInBackground(KafkaProducer<String, byte[]> producer,
            Map<String, String> settings, PlantedModel planted) {
        return CompletableFuture.runAsync(() -> {
            try {
                ClusterHarness.produce(producer, settings.get("nmf.topic.columns"), planted, 0, N, RATE);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        });
    }

    /**
     * Each id once, versions never back, no NaN, and every item either learned from or counted
     * lost, with at most one mini-batch per task per disruption lost.
     */
    private static void assertExactlyOnceAndAccounted(ClusterHarness.Outputs outputs, int n, int disruptions,
            String report) {
        assertEquals(n, outputs.seen.size(), "ids with weights: " + report + SEED_NOTE);
        assertEquals(0, outputs.duplicates.get(), "duplicates: " + report + SEED_NOTE);
        assertEquals(0, outputs.versionRegressions.get(), "version regressions: " + report + SEED_NOTE);
        assertEquals(0, outputs.nonFinite.get(), "non-finite values: " + report + SEED_NOTE);
        SummaryMessage summary = outputs.summary.get();
        assertTrue(summary.itemsLost() <= (long) disruptions * PARTITIONS * BATCH, "lost: " + report + SEED_NOTE);
        assertEquals(n, summary.itemsSeen() + summary.itemsLost(),
                "learned + lost = sent: " + report + SEED_NOTE);
    }

    /** The restore lines of the instances' logs. */
    private static List<String> restores(List<InstanceProcess> instances) {
        List<String> out = new ArrayList<>();
        for (InstanceProcess p : instances) {
            for (String line : p.lines(l -> l.contains("restored store nmf-model") || l.contains("updater task"))) {
                out.add(p.name() + ": " + line.substring(line.indexOf(" - ") + 3));
            }
        }
        return out;
    }
}
