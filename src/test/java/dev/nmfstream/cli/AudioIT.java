package dev.nmfstream.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nmfstream.TestDiagnostics;
import dev.nmfstream.audio.PcmFormat;
import dev.nmfstream.audio.Sound;
import dev.nmfstream.audio.WavWriter;
import dev.nmfstream.kafka.EmbeddedKafka;
import dev.nmfstream.kafka.KafkaClients;
import dev.nmfstream.service.NmfService;
import dev.nmfstream.stream.NmfStreamConfig;
import dev.nmfstream.wire.ComponentMessage;
import dev.nmfstream.wire.TopFeature;
import dev.nmfstream.wire.WireSerdes;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Sound end to end on a real broker: a WAV of two harmonic sources → produce-audio --realtime →
 * the service (exactly-once, frequency labels) → weights for every frame exactly once →
 * separate --follow, started while the frames still arrive, writes parts that sum to the input.
 */
class AudioIT {

    private static final float RATE = 16000;
    private static final int N_FFT = 1024;
    private static final int HOP = 256;

    @Test
    void soundThroughTheServiceAndBack(@TempDir Path dir) throws Exception {
        int n = (int) (2 * RATE);
        double[] x = new double[n];
        for (int i = 0; i < n; i++) {
            double t = i / (double) RATE;
            double a = t < 0.8 || t >= 1.2 && t < 1.8 ? 1 : 0;
            double b = t >= 0.4 && t < 1.4 || t >= 1.6 ? 1 : 0;
            for (int h = 1; h <= 5; h++) {
                x[i] += a * 0.15 / h * Math.sin(2 * Math.PI * 220 * h * t) + b * 0.15 / h * Math.sin(2 * Math.PI * 311 * h * t + h);
            }
        }
        Path wav = dir.resolve("mix.wav");
        WavWriter.write(wav, new PcmFormat(RATE, 16, 2, PcmFormat.Encoding.SIGNED, false), x);
        Sound input = Sound.read(wav);
        long frames = 1 + n / HOP;

        try (EmbeddedKafka broker = EmbeddedKafka.start(dir.resolve("kafka"), new Properties())) {
            String bootstrap = broker.bootstrapServers();
            Properties p = new Properties();
            p.setProperty("nmf.rank", "2");
            p.setProperty("nmf.dimension", "" + (N_FFT / 2 + 1));
            p.setProperty("nmf.audio.sample.rate", "" + (int) RATE);
            p.setProperty("nmf.audio.n.fft", "" + N_FFT);
            p.setProperty("nmf.partitions", "2");
            p.setProperty("nmf.batch.size", "16");
            p.setProperty("nmf.snapshot.interval.ms", "300");
            p.setProperty("nmf.stats.flush.ms", "200");
            p.setProperty("processing.guarantee", "exactly_once_v2");
            p.setProperty("commit.interval.ms", "100");
            p.setProperty("application.id", "nmf-audio-it-" + UUID.randomUUID());
            p.setProperty("state.dir", dir.resolve("streams").toString());
            NmfStreamConfig config = NmfStreamConfig.from(p);
            try (NmfService service = NmfService.start(config, bootstrap)) {
                CompletableFuture<String[]> produced = CompletableFuture.supplyAsync(() -> execute("produce-audio",
                        wav.toString(), "-b", bootstrap, "--realtime", "--n-fft", "" + N_FFT, "--hop", "" + HOP));
                ComponentMessage component = awaitFactors(bootstrap, config.topics().factors(), Duration.ofSeconds(40));
                assertNotNull(component, "a factors snapshot within 40 s");
                CompletableFuture<String[]> separated = CompletableFuture.supplyAsync(() -> execute("separate",
                        wav.toString(), "-o", dir.resolve("parts").toString(), "-b", bootstrap, "--follow",
                        "--n-fft", "" + N_FFT, "--hop", "" + HOP, "--idle-seconds", "40"));
                String[] produceRun = produced.get(60, TimeUnit.SECONDS);
                assertEquals("0", produceRun[0], String.join("\n", produceRun));
                assertTrue(produceRun[1].contains("\"records\":" + frames), String.join("\n", produceRun));
                assertTrue(produceRun[2].contains("nmf.dimension=513 nmf.audio.sample.rate=16000 nmf.audio.n.fft=1024"),
                        produceRun[2]);
                String[] separateRun = separated.get(60, TimeUnit.SECONDS);
                assertEquals("0", separateRun[0], String.join("\n", separateRun));

                // the labels: every top feature named in Hz with a note, the peak reported
                TopFeature top = component.topFeatures().get(0);
                assertTrue(top.label() != null && top.label().matches("\\d+\\.\\d Hz [A-G]#?\\d"), top.label());
                assertNotNull(component.peakHz());

                // the frames: keyed <stream>/<frame>, stamped with the start plus the frame's audio time
                Map<String, Long> stamps = timestamps(bootstrap, config.topics().columns(), frames);
                assertEquals(frames, stamps.size(), "one input record per frame");
                long t0 = stamps.get("mix/0");
                for (long f = 0; f < frames; f++) {
                    assertEquals(Math.round(f * HOP * 1000.0 / RATE), stamps.get("mix/" + f) - t0, "timestamp of frame " + f);
                }

                // weights for every frame, exactly once
                Map<String, Integer> seen = weightsByKey(bootstrap, config.topics().weights(), frames);
                assertEquals(frames, seen.size(), "weights for every frame");
                for (long f = 0; f < frames; f++) {
                    assertEquals(1, seen.getOrDefault("mix/" + f, 0), "weights of frame " + f);
                }
            }
        }
        // the parts sum to the input
        double[] sum = new double[n];
        for (int g = 0; g < 2; g++) {
            double[] part = Sound.read(dir.resolve("parts").resolve("mix.part" + g + ".wav")).samples();
            assertEquals(n, part.length);
            for (int i = 0; i < n; i++) {
                sum[i] += part[i];
            }
        }
        double num = 0;
        double den = 0;
        for (int i = 0; i < n; i++) {
            num += (sum[i] - input.samples()[i]) * (sum[i] - input.samples()[i]);
            den += input.samples()[i] * input.samples()[i];
        }
        double relative = Math.sqrt(num / den);
        TestDiagnostics.record(AudioIT.class, "parts sum to the input within %.3g relative", relative);
        assertTrue(relative <= 1e-3, "the parts sum to the input within " + relative + " relative");
    }

    /** Runs a command with its own writers: {exit code, stdout, stderr}. */
    private static String[] execute(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = Main.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int code = cli.execute(args);
        return new String[] {String.valueOf(code), out.toString(), err.toString()};
    }

    private static ComponentMessage awaitFactors(String bootstrap, String topic, Duration timeout) {
        try (KafkaConsumer<String, byte[]> consumer = KafkaClients.committedConsumer(bootstrap, null, true)) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + timeout.toNanos();
            while (System.nanoTime() < deadline) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    if (r.key() != null && r.key().contains("/")) {
                        return WireSerdes.component().deserializer().deserialize(r.topic(), r.value());
                    }
                }
            }
        }
        return null;
    }

    /** The record timestamp of every key on a topic, read from the beginning until n keys are seen. */
    private static Map<String, Long> timestamps(String bootstrap, String topic, long n) {
        Map<String, Long> out = new HashMap<>();
        try (KafkaConsumer<String, byte[]> consumer = KafkaClients.committedConsumer(bootstrap, null, true)) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (out.size() < n && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    out.put(r.key(), r.timestamp());
                }
            }
        }
        return out;
    }

    /** Reads the weights topic until it has been quiet for 2 s after the expected count. */
    private static Map<String, Integer> weightsByKey(String bootstrap, String topic, long expected) {
        Map<String, Integer> seen = new HashMap<>();
        long records = 0;
        try (KafkaConsumer<String, byte[]> consumer = KafkaClients.committedConsumer(bootstrap, null, true)) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            long quietSince = System.nanoTime();
            while (System.nanoTime() < deadline) {
                int got = 0;
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    seen.merge(r.key(), 1, Integer::sum);
                    got++;
                }
                records += got;
                if (got > 0) {
                    quietSince = System.nanoTime();
                } else if (records >= expected && System.nanoTime() - quietSince > 2_000_000_000L) {
                    break;
                }
            }
        }
        return seen;
    }
}
