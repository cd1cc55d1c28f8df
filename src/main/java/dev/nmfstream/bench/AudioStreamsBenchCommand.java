package dev.nmfstream.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nmfstream.audio.Stft;
import dev.nmfstream.audio.StftSettings;
import dev.nmfstream.cli.SettingOptions;
import dev.nmfstream.io.Npy;
import dev.nmfstream.kafka.EmbeddedKafka;
import dev.nmfstream.kafka.KafkaClients;
import dev.nmfstream.kafka.RatePacer;
import dev.nmfstream.kafka.TopicSetup;
import dev.nmfstream.nmf.Basis;
import dev.nmfstream.nmf.DenseColumn;
import dev.nmfstream.nmf.NmfConfig;
import dev.nmfstream.nmf.OnlineNmf;
import dev.nmfstream.service.NmfService;
import dev.nmfstream.stream.NmfStreamConfig;
import dev.nmfstream.stream.NmfTopology;
import dev.nmfstream.wire.ColumnEncoder;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.streams.KafkaStreams;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code bench-audio-streams}: how many live audio streams one instance keeps up with. Each
 * stream is the spectrogram of a synthetic sound at 22.05 kHz (n_fft 2048, hop 512: 43.07 frames/s,
 * m = 1025), sent paced at its own frame rate, all streams through one producer (as
 * {@code produce-audio} sends several files); the service (r = 20, learning) runs on an embedded
 * broker in the same JVM. For each stream count: p50/p99 of frame-to-weights latency, measured
 * when a read_committed consumer receives the weights (so the exactly-once commit is included),
 * from the frame's send time (its record timestamp); a count is kept up with when every frame's
 * weights arrive and p99 ≤ the target.
 */
@Command(name = "bench-audio-streams", mixinStandardHelpOptions = true,
        description = {"Live 22.05 kHz audio streams (43 frames/s each, m = 1025) into one instance (r = 20): "
                + "p50/p99 frame-to-weights latency per stream count, under exactly-once and at-least-once; prints "
                + "one JSON line per run and, per guarantee, the most streams kept up with (all weights, p99 ≤ --p99-ms)."})
public final class AudioStreamsBenchCommand implements Callable<Integer> {

    @Option(names = "--streams", defaultValue = "1,2,4,8,16,24,32,48,64",
            description = "Stream counts to try, ascending; stops at the first not kept up with. Default: ${DEFAULT-VALUE}.")
    String streams;

    @Option(names = "--seconds", defaultValue = "15", description = "Seconds of paced audio per run. Default: ${DEFAULT-VALUE}.")
    int seconds;

    @Option(names = "--warm-seconds", defaultValue = "5",
            description = "Seconds of paced audio before the measured ones, not measured. Default: ${DEFAULT-VALUE}.")
    int warmSeconds;

    @Option(names = "--learning", defaultValue = "false", arity = "1",
            description = "true: the service learns W from the streams; false: a fixed basis (nmf.learning=false, "
                    + "learned beforehand from the same kind of sound), as in supervised separation. Default: ${DEFAULT-VALUE}.")
    boolean learning;

    @Option(names = "--rank", defaultValue = "20", description = "r. Default: ${DEFAULT-VALUE}.")
    int rank;

    @Option(names = "--p99-ms", defaultValue = "50", description = "The latency target. Default: ${DEFAULT-VALUE}.")
    double p99Target;

    @Option(names = "--guarantees", defaultValue = "at_least_once,exactly_once_v2",
            description = "processing.guarantee values to run. Default: ${DEFAULT-VALUE}.")
    String guarantees;

    @Mixin
    SettingOptions settings;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        ObjectMapper json = new ObjectMapper();
        StftSettings stft = StftSettings.defaults(22050);
        double[][] frames = frames(stft, 20);
        Path dir = Files.createTempDirectory("nmf-bench-audio");
        Basis basis = null;
        Path basisFile = dir.resolve("W.npy");
        if (!learning) {
            OnlineNmf nmf = new OnlineNmf(NmfConfig.defaults(rank).withSeed(1));
            for (double[] column : frames) {
                nmf.partialFit(DenseColumn.of(column));
            }
            nmf.flush();
            basis = nmf.basis();
            Npy.writeMatrix(basisFile, basis.dim(), basis.rank(), basis.toRowMajor());
        }
        try (EmbeddedKafka broker = EmbeddedKafka.start(dir.resolve("kafka"), new Properties())) {
            for (String guarantee : guarantees.split(",")) {
                int best = 0;
                for (String count : streams.split(",")) {
                    int n = Integer.parseInt(count.trim());
                    double[] result = run(broker, dir, guarantee.trim(), n, stft, frames, basis, basisFile);
                    boolean kept = result[2] >= result[3] && result[1] <= p99Target;
                    ObjectNode row = json.createObjectNode();
                    row.put("guarantee", guarantee.trim());
                    row.put("learning", learning);
                    row.put("streams", n);
                    row.put("framesPerSecond", n * stft.frameRate());
                    row.put("sent", (long) result[3]);
                    row.put("received", (long) result[2]);
                    row.put("p50Ms", result[0]);
                    row.put("p99Ms", result[1]);
                    row.put("keptUp", kept);
                    out.println(json.writeValueAsString(row));
                    out.flush();
                    if (!kept) {
                        break;
                    }
                    best = n;
                }
                ObjectNode summary = json.createObjectNode();
                summary.put("guarantee", guarantee.trim());
                summary.put("learning", learning);
                summary.put("maxStreamsKeptUp", best);
                summary.put("p99TargetMs", p99Target);
                out.println(json.writeValueAsString(summary));
                out.flush();
            }
        } finally {
            EmbeddedKafka.delete(dir);
        }
        return 0;
    }

    /** Spectrogram frames of a seeded synthetic sound: notes of a few harmonics over a little noise. */
    static double[][] frames(StftSettings stft, int secondsOfAudio) {
        Random random = new Random(12);
        int n = (int) (secondsOfAudio * stft.sampleRate());
        double[] x = new double[n];
        double f0 = 220;
        for (int i = 0; i < n; i++) {
            if (i % 5512 == 0) {
                f0 = 110 * Math.pow(2, random.nextInt(36) / 12.0);
            }
            double t = i / (double) stft.sampleRate();
            for (int h = 1; h <= 4; h++) {
                x[i] += 0.1 / h * Math.sin(2 * Math.PI * f0 * h * t);
            }
            x[i] += 0.01 * random.nextGaussian();
        }
        Stft transform = new Stft(stft);
        double[][] packed = transform.analyze(x);
        double[][] columns = new double[packed.length][stft.bins()];
        for (int f = 0; f < packed.length; f++) {
            transform.spectrogram(packed[f], columns[f]);
        }
        return columns;
    }

    /** {p50, p99, received, sent} for n streams under a guarantee. */
    private double[] run(EmbeddedKafka broker, Path dir, String guarantee, int n, StftSettings stft, double[][] frames,
            Basis basis, Path basisFile) throws Exception {
        String input = "audio-" + guarantee.replace('_', '-') + "-" + n;
        Properties p = BenchProperties.forInput(input, "bench-audio", dir);
        p.setProperty("nmf.rank", "" + rank);
        p.setProperty("nmf.dimension", "" + stft.bins());
        p.setProperty("nmf.audio.sample.rate", "22050");
        p.setProperty("nmf.audio.n.fft", "" + stft.nFft());
        p.setProperty("processing.guarantee", guarantee);
        if (basis != null) {
            p.setProperty("nmf.learning", "false");
            p.setProperty("nmf.basis.file", basisFile.toString());
        }
        p.putAll(settings.properties());
        NmfStreamConfig config = NmfStreamConfig.from(p);
        TopicSetup.ensure(broker.bootstrapServers(), config, new Properties());
        double[] latencies = new double[(int) (n * stft.frameRate() * (seconds + 1)) + 16];
        int received = 0;
        long sent = 0;
        try (KafkaStreams service = new KafkaStreams(NmfTopology.build(config, basis),
                NmfService.streamsProperties(config, broker.bootstrapServers()));
                KafkaConsumer<String, byte[]> consumer = KafkaClients.committedConsumer(broker.bootstrapServers(), null, true);
                KafkaProducer<String, byte[]> producer = KafkaClients.inputProducer(broker.bootstrapServers(), 0)) {
            service.start();
            consumer.subscribe(List.of(config.topics().weights()));
            // the first basis from a burst of frames, then the updater given time to catch up: not measured
            int warm = 300;
            for (int j = 0; j < warm; j++) {
                producer.send(new ProducerRecord<>(input, "warm/" + j,
                        ColumnEncoder.binary(DenseColumn.of(frames[j % frames.length]), -1)));
            }
            producer.flush();
            for (long got = 0; got < warm; ) {
                got += consumer.poll(Duration.ofMillis(200)).count();
            }
            Thread.sleep(3000);
            consumer.poll(Duration.ZERO);
            // n live streams: frame f of every stream is due f / frameRate seconds after the start; the
            // first --warm-seconds are the JIT's and the model's warm-up, not measured
            RatePacer pacer = new RatePacer(stft.frameRate());
            long warmFrames = (long) (warmSeconds * stft.frameRate());
            long frameCount = warmFrames + (long) (seconds * stft.frameRate());
            long measureFrom = Long.MAX_VALUE;
            for (long f = 0; f < frameCount; f++) {
                while (!pacer.isDue(f)) {
                    for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ZERO)) {
                        if (r.timestamp() >= measureFrom && received < latencies.length) {
                            latencies[received++] = System.currentTimeMillis() - r.timestamp();
                        }
                    }
                }
                if (f == warmFrames) {
                    measureFrom = System.currentTimeMillis();
                }
                for (int s = 0; s < n; s++) {
                    double[] column = frames[(int) ((f + 97L * s) % frames.length)];
                    long now = System.currentTimeMillis();
                    producer.send(new ProducerRecord<>(input, null, now, "s" + s + "/" + f,
                            ColumnEncoder.binary(DenseColumn.of(column), -1)));
                    if (f >= warmFrames) {
                        sent++;
                    }
                }
            }
            producer.flush();
            long drain = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (received < sent && System.nanoTime() < drain) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(100))) {
                    if (r.timestamp() >= measureFrom && received < latencies.length) {
                        latencies[received++] = System.currentTimeMillis() - r.timestamp();
                    }
                }
            }
        }
        double[] sorted = Arrays.copyOf(latencies, received);
        Arrays.sort(sorted);
        return new double[] {percentile(sorted, 0.5), percentile(sorted, 0.99), received, sent};
    }

    private static double percentile(double[] sorted, double q) {
        return sorted.length == 0 ? Double.NaN : sorted[Math.min(sorted.length - 1, (int) Math.floor(q * sorted.length))];
    }
}
