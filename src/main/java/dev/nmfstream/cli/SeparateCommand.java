package dev.nmfstream.cli;

import dev.nmfstream.audio.AudioFileException;
import dev.nmfstream.audio.ComponentGroups;
import dev.nmfstream.audio.OverlapAdd;
import dev.nmfstream.audio.Separator;
import dev.nmfstream.audio.Sound;
import dev.nmfstream.audio.Stft;
import dev.nmfstream.audio.StftSettings;
import dev.nmfstream.audio.WavWriter;
import dev.nmfstream.io.DataFileException;
import dev.nmfstream.kafka.KafkaClients;
import dev.nmfstream.nmf.Basis;
import dev.nmfstream.nmf.DenseColumn;
import dev.nmfstream.nmf.Projection;
import dev.nmfstream.nmf.Projector;
import dev.nmfstream.wire.ComponentMessage;
import dev.nmfstream.wire.SummaryMessage;
import dev.nmfstream.wire.Topics;
import dev.nmfstream.wire.WeightsMessage;
import dev.nmfstream.wire.WireSerdes;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.Deserializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code separate}: a sound file split into one WAV per component or group by soft masks. */
@Command(name = "separate", mixinStandardHelpOptions = true,
        description = {"Splits a sound file into parts, one WAV (32-bit float, mono) per component or per group "
                + "(--groups), by soft (Wiener) masks on its STFT and the overlap-add inverse STFT; the parts sum to "
                + "the input (its channels mixed down). The model is a W.npy (--basis, m × r) or the newest factors "
                + "snapshot on the factors topic (-b); the weights are computed (NNLS, --weights compute) or read from "
                + "the weights topic for the file's stream, keys <stream>/<frame> (--weights topic). --follow tails the "
                + "weights topic and writes the parts as the frames' weights arrive. The STFT options must be those the "
                + "frames were made with."})
final class SeparateCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "FILE", description = "The sound file (WAV, AIFF or AU).")
    Path file;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "DIR",
            description = "Where to write the parts: <stream>.part<g>.wav.")
    Path output;

    @Option(names = "--basis", paramLabel = "W.npy", description = "The model: W (m × r). Without it, the newest "
            + "factors snapshot of --model on the factors topic (-b).")
    Path basisFile;

    @Option(names = {"-b", "--bootstrap-servers"}, paramLabel = "HOST:PORT",
            description = "The Kafka cluster: for the factors snapshot and for --weights topic.")
    String bootstrapServers;

    @Option(names = "--model", defaultValue = "nmf", description = "The model's name (nmf.model). Default: ${DEFAULT-VALUE}.")
    String model;

    @Option(names = "--factors-topic", defaultValue = Topics.FACTORS, description = "Default: ${DEFAULT-VALUE}.")
    String factorsTopic;

    @Option(names = "--weights", defaultValue = "compute", paramLabel = "FROM",
            description = "compute (NNLS of each frame on W) or topic (the service's weights for the stream). "
                    + "Default: ${DEFAULT-VALUE}.")
    String weightsFrom;

    @Option(names = "--weights-file", paramLabel = "H.npy",
            description = "The weights from a file instead: H (r × frames, one column per frame), e.g. another "
                    + "solver's, to compare under the same masks.")
    Path weightsFile;

    @Option(names = "--weights-topic", defaultValue = Topics.WEIGHTS, description = "Default: ${DEFAULT-VALUE}.")
    String weightsTopic;

    @Option(names = "--stream", paramLabel = "NAME",
            description = "The stream's name in the weights' keys (default: the file's name without extension).")
    String stream;

    @Option(names = "--groups", paramLabel = "SPEC",
            description = "Parts as groups of components, e.g. 0-9,10-19 (a group may join ranges with +: 0-4+10-14); "
                    + "components in no group make one more part. Default: one part per component.")
    String groups;

    @Option(names = "--mask-power", paramLabel = "P",
            description = "The masks' exponent: V_g^P / Σ V_j^P. Default: 2 for a magnitude spectrogram (Wiener), "
                    + "1 for a power spectrogram.")
    Double maskPower;

    @Option(names = "--follow", description = "Tail the weights topic (implies --weights topic) and write the parts as "
            + "frames arrive, until every frame of the file is written or --idle-seconds pass without one.")
    boolean follow;

    @Option(names = "--idle-seconds", defaultValue = "30", paramLabel = "S",
            description = "With weights from the topic: give up after this long without a new frame's weights "
                    + "(0: never, with --follow). Default: ${DEFAULT-VALUE}.")
    double idleSeconds;

    @Mixin
    StftOptions stftOptions;

    @Mixin
    ConnectTimeoutOption connect;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        boolean fromTopic = follow || weightsFrom.equals("topic");
        if (!weightsFrom.equals("compute") && !weightsFrom.equals("topic")) {
            err.println("separate: --weights " + weightsFrom + ", expected compute or topic");
            return 2;
        }
        if ((fromTopic || basisFile == null) && bootstrapServers == null) {
            err.println("separate: " + (fromTopic ? "weights from the topic" : "a model from the factors topic (no --basis)")
                    + " need -b HOST:PORT");
            return 2;
        }
        Sound sound;
        StftSettings settings;
        int[][] parts;
        double[][] components;
        try {
            sound = Sound.read(file);
            settings = stftOptions.settings(sound.sampleRate());
            if (bootstrapServers != null) {
                KafkaClients.requireReachable(bootstrapServers, new Properties(), connect.timeout());
            }
            components = basisFile != null ? JoinBasesCommand.components(basisFile) : readFactors();
            if (components[0].length != settings.bins()) {
                throw new IllegalArgumentException("the model has dimension " + components[0].length + " and --n-fft "
                        + settings.nFft() + " makes " + settings.bins() + " bins, expected the same (the STFT options "
                        + "the frames were made with)");
            }
            parts = ComponentGroups.parse(groups, components.length);
        } catch (AudioFileException | DataFileException e) {
            err.println("separate: " + e.getMessage());
            return 1;
        } catch (IllegalArgumentException | IllegalStateException e) {
            err.println("separate: " + e.getMessage());
            return 2;
        }
        String name = stream != null ? stream : ProduceAudioCommand.stem(file);
        double power = maskPower != null ? maskPower
                : settings.spectrum() == StftSettings.Spectrum.MAGNITUDE ? 2 : 1;
        Files.createDirectories(output);
        List<Path> written = new ArrayList<>();
        Splitter splitter = new Splitter(settings, components, parts, power, name, sound, output, written);
        AudioFrames frames = AudioFrames.of(name, settings, sound.samples());
        long total = frames.total();
        Progress progress = new Progress(err, "frames");
        long start = System.nanoTime();
        try (splitter) {
            if (weightsFile != null) {
                double[][] h = JoinBasesCommand.components(weightsFile);
                if (h.length != total || h[0].length != components.length) {
                    err.println("separate: --weights-file " + weightsFile + " is " + h[0].length + " × " + h.length
                            + ", expected r × frames = " + components.length + " × " + total);
                    return 2;
                }
                for (double[] column = frames.next(); column != null; column = frames.next()) {
                    splitter.frame(frames.packed(), h[(int) frames.index()]);
                }
            } else if (!fromTopic) {
                Basis basis = Basis.fromComponents(settings.bins(), components.length, components, 0);
                Projector projector = new Projector(components.length);
                Projection p = new Projection(components.length);
                DenseColumn view = new DenseColumn(new double[0], 0, 0);
                for (double[] column = frames.next(); column != null; column = frames.next()) {
                    projector.project(basis, view.set(column, 0, column.length), p);
                    splitter.frame(frames.packed(), p.h);
                    progress.draw(frames.index() + 1, total, start, false);
                }
            } else {
                long done = readWeights(frames, splitter, total, progress, start, err);
                if (done < total) {
                    err.println();
                    err.println("separate: weights for " + done + " of " + total + " frames of stream '" + name + "' on "
                            + weightsTopic + " within " + idleSeconds + " s of the last one; expected all (is the service "
                            + "running, and the stream's name right? --stream)");
                    return 1;
                }
            }
        } catch (KafkaException e) {
            err.println();
            err.println("separate: reading from " + bootstrapServers + ": " + e.getMessage());
            return 1;
        }
        progress.draw(total, total, start, true);
        StringBuilder files = new StringBuilder();
        for (int g = 0; g < written.size(); g++) {
            files.append(g > 0 ? "," : "").append(String.format(Locale.ROOT, "{\"file\":\"%s\",\"components\":%s}",
                    written.get(g).toString().replace("\\", "\\\\").replace("\"", "\\\""), Arrays.toString(parts[g])));
        }
        spec.commandLine().getOut().println(String.format(Locale.ROOT, "{\"frames\":%d,\"parts\":[%s]}", total, files));
        spec.commandLine().getOut().flush();
        return 0;
    }

    /**
     * Reads the stream's weights from the weights topic and splits each frame once its weights
     * and all earlier frames' are in.
     *
     * @return the frames split
     */
    private long readWeights(AudioFrames frames, Splitter splitter, long total, Progress progress, long start,
            PrintWriter err) throws IOException {
        String prefix = splitter.stream + "/";
        Map<Long, double[]> waiting = new HashMap<>();
        Deserializer<WeightsMessage> weights = WireSerdes.weights().deserializer();
        long next = 0;
        long lastProgress = System.nanoTime();
        double[] column = frames.next();
        try (KafkaConsumer<String, byte[]> consumer = KafkaClients.committedConsumer(bootstrapServers, null, true)) {
            consumer.subscribe(List.of(weightsTopic));
            while (next < total) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    if (r.key() == null || !r.key().startsWith(prefix) || r.value() == null) {
                        continue;
                    }
                    long f;
                    try {
                        f = Long.parseLong(r.key().substring(prefix.length()));
                    } catch (NumberFormatException e) {
                        continue;
                    }
                    if (f >= next && f < total) {
                        waiting.put(f, weights.deserialize(r.topic(), r.value()).weights());
                    }
                }
                long before = next;
                for (double[] h = waiting.remove(next); h != null && column != null; h = waiting.remove(next)) {
                    if (h.length != splitter.rank()) {
                        throw new IllegalStateException("frame " + next + " has " + h.length + " weights and the "
                                + "model rank " + splitter.rank() + ", expected the same (the service's model?)");
                    }
                    splitter.frame(frames.packed(), h);
                    next++;
                    column = frames.next();
                }
                if (next > before) {
                    lastProgress = System.nanoTime();
                    if (follow) {
                        splitter.flush();
                    }
                    progress.draw(next, total, start, false);
                } else if (idleSeconds > 0 && System.nanoTime() - lastProgress > idleSeconds * 1e9) {
                    break;
                }
            }
        }
        return next;
    }

    /** The newest snapshot of the model on the factors topic: its components, by k. */
    private double[][] readFactors() {
        Map<Integer, ComponentMessage> newest = new HashMap<>();
        SummaryMessage summary = null;
        try (KafkaConsumer<String, byte[]> consumer = KafkaClients.committedConsumer(bootstrapServers, null, true)) {
            List<TopicPartition> partitions = new ArrayList<>();
            List<PartitionInfo> infos = consumer.partitionsFor(factorsTopic, connect.timeout());
            if (infos == null || infos.isEmpty()) {
                throw new IllegalStateException("no topic " + factorsTopic + " at " + bootstrapServers
                        + ", expected the service's factors topic (--factors-topic), or give --basis W.npy");
            }
            for (PartitionInfo info : infos) {
                partitions.add(new TopicPartition(factorsTopic, info.partition()));
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            Deserializer<ComponentMessage> components = WireSerdes.component().deserializer();
            Deserializer<SummaryMessage> summaries = WireSerdes.summary().deserializer();
            long deadline = System.nanoTime() + connect.timeout().toNanos();
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException(factorsTopic + ": not read to its end within " + connect.timeout());
                }
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    if (r.value() == null || r.key() == null) {
                        continue;
                    }
                    if (r.key().equals(model)) {
                        summary = summaries.deserialize(r.topic(), r.value());
                    } else if (r.key().startsWith(model + "/")) {
                        ComponentMessage c = components.deserialize(r.topic(), r.value());
                        newest.put(c.component(), c);
                    }
                }
            }
        }
        if (summary == null) {
            throw new IllegalStateException("no snapshot of model '" + model + "' on " + factorsTopic
                    + ", expected one (--model; the service publishes one every nmf.snapshot.interval.ms)");
        }
        double[][] out = new double[summary.rank()][];
        for (int k = 0; k < summary.rank(); k++) {
            ComponentMessage c = newest.get(k);
            if (c == null) {
                throw new IllegalStateException("model '" + model + "' on " + factorsTopic + ": component " + k
                        + " is missing, expected all " + summary.rank());
            }
            out[k] = c.vector();
        }
        return out;
    }

    /** Masks each frame, inverts every part and writes it. */
    private static final class Splitter implements AutoCloseable {
        final String stream;
        private final Separator separator;
        private final double[][] partSpectra;
        private final OverlapAdd[] inverses;
        private final WavWriter[] writers;
        private final OverlapAdd.Sink[] sinks;
        private final int rank;

        Splitter(StftSettings settings, double[][] components, int[][] groups, double power, String stream, Sound sound,
                Path dir, List<Path> written) throws IOException {
            this.stream = stream;
            this.rank = components.length;
            this.separator = new Separator(components, groups, power);
            this.partSpectra = new double[groups.length][settings.nFft()];
            this.inverses = new OverlapAdd[groups.length];
            this.writers = new WavWriter[groups.length];
            this.sinks = new OverlapAdd.Sink[groups.length];
            for (int g = 0; g < groups.length; g++) {
                Path file = dir.resolve(stream.replace('/', '_') + ".part" + g + ".wav");
                written.add(file);
                inverses[g] = new OverlapAdd(new Stft(settings), sound.samples().length);
                writers[g] = WavWriter.float32(file, sound.sampleRate());
                WavWriter w = writers[g];
                sinks[g] = w::write;
            }
        }

        int rank() {
            return rank;
        }

        void frame(double[] packed, double[] h) throws IOException {
            separator.split(packed, h, partSpectra);
            for (int g = 0; g < partSpectra.length; g++) {
                inverses[g].add(partSpectra[g], sinks[g]);
            }
        }

        void flush() throws IOException {
            for (WavWriter w : writers) {
                w.flush();
            }
        }

        @Override
        public void close() throws IOException {
            for (int g = 0; g < writers.length; g++) {
                inverses[g].finish(sinks[g]);
                writers[g].close();
            }
        }
    }
}
