package dev.nmfstream.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nmfstream.TestDiagnostics;
import dev.nmfstream.kafka.EmbeddedKafka;
import dev.nmfstream.kafka.KafkaClients;
import dev.nmfstream.kafka.RatePacer;
import dev.nmfstream.nmf.DenseColumn;
import dev.nmfstream.nmf.synth.PlantedModel;
import dev.nmfstream.nmf.synth.Recovery;
import dev.nmfstream.stream.NmfStreamConfig;
import dev.nmfstream.wire.ColumnEncoder;
import dev.nmfstream.wire.ComponentMessage;
import dev.nmfstream.wire.DeadLetter;
import dev.nmfstream.wire.SummaryMessage;
import dev.nmfstream.wire.WeightsMessage;
import dev.nmfstream.wire.WireSerdes;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The service on a real (embedded) broker, fed a live stream: exactly-once weights, recovery of a
 * planted model, one dead letter per bad record.
 */
class StreamingIT {

    private static final int M = 60;
    private static final int R = 5;
    private static final int N = 50_000;
    /**
     * Columns a second: a live stream, paced as in {@link ClusterIT}, from when the service is
     * RUNNING. A backlog (all records produced at once) has the projectors run far ahead of the
     * updater, which this test is not about.
     */
    private static final int RATE = 2_000;

    @Test
    void fiftyThousandColumnsOnFourPartitions(@TempDir Path dir) throws Exception {
        String[][] bad = {
            {"bad-json", "not json"},
            {"bad-type", "{\"id\":\"bad-type\",\"values\":\"x\"}"},
            {"bad-missing", "{\"id\":\"bad-missing\"}"},
            {"bad-dim", "{\"id\":\"bad-dim\",\"values\":[1,2,3]}"},
            {"bad-negative", "{\"id\":\"bad-negative\",\"dim\":60,\"indices\":[1],\"values\":[-1]}"},
            {"bad-nan", "{\"id\":\"bad-nan\",\"dim\":60,\"indices\":[1],\"values\":[NaN]}"},
            {"bad-empty", "{\"id\":\"bad-empty\",\"values\":[]}"},
            {"bad-range", "{\"id\":\"bad-range\",\"dim\":60,\"indices\":[60],\"values\":[1]}"},
            {"bad-repeated", "{\"id\":\"bad-repeated\",\"dim\":60,\"indices\":[3,3],\"values\":[1,1]}"},
            {"bad-unsorted", "{\"id\":\"bad-unsorted\",\"dim\":60,\"indices\":[4,3],\"values\":[1,1]}"},
        };
        try (EmbeddedKafka broker = EmbeddedKafka.start(dir.resolve("kafka"), new Properties())) {
            Properties p = new Properties();
            p.setProperty("nmf.rank", "" + R);
            p.setProperty("nmf.dimension", "" + M);
            p.setProperty("nmf.snapshot.interval.ms", "500");
            p.setProperty("nmf.stats.flush.ms", "300");
            p.setProperty("application.id", "nmf-it-" + UUID.randomUUID());
            p.setProperty("state.dir", dir.resolve("streams").toString());
            p.setProperty("nmf.http.port", "0"); // a free port: tests may run beside other services
            NmfStreamConfig config = NmfStreamConfig.from(p);
            PlantedModel planted = new PlantedModel(M, R, 0.3, 0.1, 0.03, 11);
            try (NmfService service = NmfService.start(config, broker.bootstrapServers())) {
                awaitRunning(service);
                produce(broker, config, planted, bad);
                long produced = System.nanoTime();
                Map<String, Integer> seen = new HashMap<>();
                int[] letters = new int[1];
                Map<String, byte[]> factors = new HashMap<>();
                Map<String, String> reasons = new HashMap<>();
                try (KafkaConsumer<String, byte[]> consumer = consumer(broker)) {
                    consumer.subscribe(List.of(config.topics().weights(), config.topics().deadLetters(),
                            config.topics().factors()));
                    long deadline = System.nanoTime() + Duration.ofSeconds(240).toNanos();
                    while ((seen.size() < N || letters[0] < bad.length) && System.nanoTime() < deadline) {
                        for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                            if (r.topic().equals(config.topics().weights())) {
                                WeightsMessage w = WireSerdes.weights().deserializer().deserialize(r.topic(), r.value());
                                seen.merge(w.id(), 1, Integer::sum);
                            } else if (r.topic().equals(config.topics().deadLetters())) {
                                DeadLetter d = WireSerdes.deadLetter().deserializer().deserialize(r.topic(), r.value());
                                reasons.put(d.key(), d.reason());
                                letters[0]++;
                            } else {
                                factors.put(r.key(), r.value());
                            }
                        }
                    }
                    TestDiagnostics.record(StreamingIT.class, "%d weights and %d dead letters out %.1f s after the "
                            + "last record was produced at %d/s", seen.size(), letters[0],
                            (System.nanoTime() - produced) / 1e9, RATE);
                    // let a last snapshot arrive, then check nothing more comes
                    long settle = System.nanoTime() + Duration.ofSeconds(5).toNanos();
                    while (System.nanoTime() < settle) {
                        for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                            if (r.topic().equals(config.topics().weights())) {
                                seen.merge(r.key(), 1, Integer::sum);
                            } else if (r.topic().equals(config.topics().deadLetters())) {
                                letters[0]++;
                            } else {
                                factors.put(r.key(), r.value());
                            }
                        }
                    }
                }
                assertEquals(N, seen.size(), "distinct ids with weights");
                assertTrue(seen.values().stream().allMatch(c -> c == 1), "each id exactly once");
                assertEquals(bad.length, letters[0], "one dead letter per bad record: " + reasons);
                assertTrue(reasons.get("bad-nan").contains("NaN"), reasons.get("bad-nan"));
                assertTrue(reasons.get("bad-dim").contains("expected 60"), reasons.get("bad-dim"));
                double[] learned = new double[M * R];
                for (int k = 0; k < R; k++) {
                    byte[] bytes = factors.get(config.model() + "/" + k);
                    ComponentMessage c = WireSerdes.component().deserializer().deserialize("f", bytes);
                    for (int i = 0; i < M; i++) {
                        learned[i * R + k] = c.vector()[i];
                    }
                }
                Recovery recovery = Recovery.match(planted.trueBasis(), learned, M, R);
                SummaryMessage summary = WireSerdes.summary().deserializer().deserialize("f",
                        factors.get(config.model()));
                TestDiagnostics.record(StreamingIT.class, "recovery %.5f %s %s", recovery.mean(),
                        Arrays.toString(recovery.cosines()), summary);
                assertTrue(recovery.mean() >= 0.99, "mean matched cosine " + recovery.mean() + ", cosines "
                        + Arrays.toString(recovery.cosines()) + ", " + summary);
            }
        }
    }

    /** Waits until the service has its tasks: the stream starts when it can be processed. */
    private static void awaitRunning(NmfService service) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (service.state() != KafkaStreams.State.RUNNING) {
            assertTrue(System.nanoTime() < deadline, "the service is " + service.state() + " after 90 s; expected RUNNING");
            Thread.sleep(100);
        }
    }

    /** Produces the N planted columns as JSON at {@link #RATE}, the bad records spread among them. */
    private static void produce(EmbeddedKafka broker, NmfStreamConfig config, PlantedModel planted, String[][] bad)
            throws InterruptedException {
        try (KafkaProducer<String, byte[]> producer = KafkaClients.producer(broker.bootstrapServers(), 10)) {
            double[] v = new double[M];
            int every = N / bad.length;
            int b = 0;
            RatePacer pacer = new RatePacer(RATE);
            for (int j = 0; j < N; j++) {
                if (j % 100 == 0) {
                    pacer.await(j);
                }
                planted.next(v, 0);
                String id = "item-" + j;
                producer.send(new ProducerRecord<>(config.topics().columns(), id,
                        ColumnEncoder.json(id, DenseColumn.of(v.clone()), -1)));
                if (j % every == every / 2 && b < bad.length) {
                    producer.send(new ProducerRecord<>(config.topics().columns(), bad[b][0],
                            bad[b][1].getBytes(StandardCharsets.UTF_8)));
                    b++;
                }
            }
            producer.flush();
        }
    }

    /** Waits until record {@code j} is due at {@link #RATE} after {@code start} ({@link System#nanoTime()}). */
    private static KafkaConsumer<String, byte[]> consumer(EmbeddedKafka broker) {
        return KafkaClients.committedConsumer(broker.bootstrapServers(), null, true);
    }
}
