package dev.nmfstream.service;

import dev.nmfstream.bench.InstanceProcess;
import dev.nmfstream.kafka.EmbeddedKafka;
import dev.nmfstream.kafka.KafkaClients;
import dev.nmfstream.kafka.RatePacer;
import dev.nmfstream.nmf.DenseColumn;
import dev.nmfstream.nmf.synth.PlantedModel;
import dev.nmfstream.nmf.synth.Recovery;
import dev.nmfstream.wire.ColumnEncoder;
import dev.nmfstream.wire.ComponentMessage;
import dev.nmfstream.wire.SummaryMessage;
import dev.nmfstream.wire.WeightsMessage;
import dev.nmfstream.wire.WireSerdes;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;

/**
 * What the scale-out and crash tests share: the settings of one application on the embedded
 * broker, a planted-model producer, instances as processes, and a watcher of the outputs that
 * checks every record as it arrives.
 */
final class ClusterHarness {

    static final int M = 60;
    static final int R = 5;
    static final int PARTITIONS = 6;
    static final int BATCH = 128;

    private ClusterHarness() {}

    /** The settings of one application whose topics all start with {@code prefix}. */
    static Map<String, String> settings(EmbeddedKafka broker, String prefix) {
        Map<String, String> s = InstanceProcess.settings(broker.bootstrapServers(), prefix, R, M, PARTITIONS);
        s.put("nmf.batch.size", "" + BATCH);
        s.put("nmf.snapshot.interval.ms", "500");
        s.put("nmf.stats.flush.ms", "300");
        return s;
    }

    /** The planted model every test streams (binary columns, key = id "c<j>"). */
    static PlantedModel planted() {
        return new PlantedModel(M, R, 0.3, 0.1, 0.03, 11);
    }

    /** Starts {@code count} instances named prefix-1… and waits until each is RUNNING. */
    static List<InstanceProcess> startInstances(Path dir, Map<String, String> settings, String prefix, int count)
            throws InterruptedException {
        List<InstanceProcess> instances = new ArrayList<>();
        for (int i = 1; i <= count; i++) {
            instances.add(startInstance(dir, settings, prefix + i));
        }
        for (InstanceProcess p : instances) {
            p.awaitRunning(Duration.ofSeconds(90));
        }
        return instances;
    }

    /** The instances' logs are kept after the test, in target/it-logs/, to read when it fails. */
    static final Path LOGS = Path.of("target", "it-logs",
            LocalDateTime.now().toString().replace(':', '-'));

    static InstanceProcess startInstance(Path dir, Map<String, String> settings, String name) {
        try {
            Files.createDirectories(LOGS);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return InstanceProcess.start(name, dir.resolve(name), settings, LOGS.resolve(name + ".log"));
    }

    /**
     * Produces columns {@code from..to-1} of the planted stream (the model must be at column
     * {@code from}) at about {@code perSecond} (0: as fast as possible).
     */
    static void produce(KafkaProducer<String, byte[]> producer, String topic, PlantedModel planted, int from, int to,
            int perSecond) throws InterruptedException {
        double[] v = new double[M];
        RatePacer pacer = new RatePacer(perSecond);
        for (int j = from; j < to; j++) {
            planted.next(v, 0);
            producer.send(new ProducerRecord<>(topic, "c" + j, ColumnEncoder.binary(DenseColumn.of(v.clone()), -1)));
            if ((j - from) % 100 == 99) {
                pacer.await(j - from + 1);
            }
        }
        producer.flush();
    }

    /**
     * Reads the weights and factors of one application (read_committed) on a thread of its own and
     * checks every record: each id once, the basis version per weights partition never lower
     * than before, no NaN.
     */
    static final class Outputs implements AutoCloseable {
        final Map<String, Integer> seen = new ConcurrentHashMap<>();
        final AtomicInteger duplicates = new AtomicInteger();
        final AtomicInteger versionRegressions = new AtomicInteger();
        final AtomicInteger nonFinite = new AtomicInteger();
        final Map<Integer, Long> lastVersion = new ConcurrentHashMap<>();
        final Map<String, ComponentMessage> components = new ConcurrentHashMap<>();
        final AtomicReference<SummaryMessage> summary = new AtomicReference<>();
        final AtomicReference<String> firstProblem = new AtomicReference<>();
        /** itemsSeen:runningError of every summary, in order. */
        final List<String> history = Collections.synchronizedList(new ArrayList<>());
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final Thread thread;
        private final Map<String, String> settings;

        Outputs(Map<String, String> settings) {
            this.settings = settings;
            this.thread = new Thread(this::loop, "outputs-" + settings.get("application.id"));
            thread.setDaemon(true);
            thread.start();
        }

        private void loop() {
            String weights = settings.get("nmf.topic.weights");
            String factors = settings.get("nmf.topic.factors");
            try (KafkaConsumer<String, byte[]> consumer = KafkaClients.committedConsumer(
                    settings.get("bootstrap.servers"), null, true)) {
                // assigned, not subscribed: the positions stay in this consumer, so a broker restart
                // (no group, no committed offsets to lose) never makes it read a record twice
                List<TopicPartition> partitions = new ArrayList<>();
                for (String topic : List.of(weights, factors)) {
                    List<PartitionInfo> infos = List.of();
                    long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
                    while (infos.isEmpty() && System.nanoTime() < deadline) { // the instances create the topics
                        infos = consumer.partitionsFor(topic, Duration.ofSeconds(10));
                    }
                    for (PartitionInfo info : infos) {
                        partitions.add(new TopicPartition(topic, info.partition()));
                    }
                }
                consumer.assign(partitions);
                consumer.seekToBeginning(partitions);
                while (running.get()) {
                    for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                        if (r.topic().equals(weights)) {
                            weights(r);
                        } else if (r.key().contains("/")) {
                            ComponentMessage c = WireSerdes.component().deserializer().deserialize(r.topic(), r.value());
                            for (double x : c.vector()) {
                                if (!Double.isFinite(x)) {
                                    problem(nonFinite, "non-finite factor " + r.key());
                                }
                            }
                            components.put(r.key(), c);
                        } else {
                            SummaryMessage s = WireSerdes.summary().deserializer().deserialize(r.topic(), r.value());
                            summary.set(s);
                            history.add(s.itemsSeen() + ":" + (s.runningError() == null ? "-"
                                    : String.format("%.3f", s.runningError())));
                        }
                    }
                }
            } catch (RuntimeException e) {
                // the broker-outage test stops the broker under this consumer: it retries by itself,
                // anything that escapes is a failure to report
                firstProblem.compareAndSet(null, "output consumer died: " + e);
            }
        }

        private void weights(ConsumerRecord<String, byte[]> r) {
            WeightsMessage w = WireSerdes.weights().deserializer().deserialize(r.topic(), r.value());
            if (seen.merge(w.id(), 1, Integer::sum) > 1) {
                problem(duplicates, "duplicate " + w.id());
            }
            Long before = lastVersion.put(r.partition(), w.basisVersion());
            if (before != null && w.basisVersion() < before) {
                problem(versionRegressions, "partition " + r.partition() + ": version " + w.basisVersion()
                        + " after " + before + " (" + w.id() + ")");
            }
            for (double h : w.weights()) {
                if (!Double.isFinite(h)) {
                    problem(nonFinite, "non-finite weight of " + w.id());
                }
            }
        }

        private void problem(AtomicInteger counter, String what) {
            counter.incrementAndGet();
            firstProblem.compareAndSet(null, what);
        }

        /** Waits until at least n ids have their weights (so that a fault comes mid-stream), or the timeout. */
        void awaitAtLeast(int n, Duration timeout) throws InterruptedException {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (seen.size() < n && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
        }

        /**
         * Waits until {@code n} ids have weights, then until the summary accounts for n items
         * (learned or lost), then until it stays the same for 3 s.
         */
        void awaitAll(int n, Duration timeout) throws InterruptedException {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (seen.size() < n && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            // statistics behind a killed instance's open transaction arrive when it is aborted
            // (transaction.timeout.ms): wait for the model to account for every item, then for quiet
            while (System.nanoTime() < deadline) {
                SummaryMessage now = summary.get();
                if (now != null && now.itemsSeen() + now.itemsLost() >= n) {
                    break;
                }
                Thread.sleep(100);
            }
            SummaryMessage last = null;
            long stableSince = System.nanoTime();
            while (System.nanoTime() < deadline && System.nanoTime() - stableSince < 3_000_000_000L) {
                SummaryMessage now = summary.get();
                if (now == null || last == null || now.version() != last.version()
                        || now.itemsSeen() != last.itemsSeen()) {
                    stableSince = System.nanoTime();
                }
                last = now;
                Thread.sleep(100);
            }
        }

        /** The newest published basis, row-major m × r. */
        double[] basis(String model) {
            double[] w = new double[M * R];
            for (int k = 0; k < R; k++) {
                ComponentMessage c = components.get(model + "/" + k);
                if (c == null) {
                    throw new AssertionError("no component " + k + " published");
                }
                for (int i = 0; i < M; i++) {
                    w[i * R + k] = c.vector()[i];
                }
            }
            return w;
        }

        Recovery recovery(PlantedModel planted) {
            return Recovery.match(planted.trueBasis(), basis("nmf"), M, R);
        }

        /** A line for the test report. */
        String report() {
            SummaryMessage s = summary.get();
            Map<String, Object> r = new HashMap<>();
            r.put("ids", seen.size());
            r.put("duplicates", duplicates.get());
            r.put("versionRegressions", versionRegressions.get());
            r.put("nonFinite", nonFinite.get());
            r.put("summary", s);
            r.put("firstProblem", firstProblem.get());
            r.put("history", history);
            return r.toString();
        }

        @Override
        public void close() throws InterruptedException {
            running.set(false);
            thread.join(10_000);
        }
    }
}
