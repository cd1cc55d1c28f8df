package dev.nmfstream.cli;

import dev.nmfstream.audio.AudioFileException;
import dev.nmfstream.audio.PcmFormat;
import dev.nmfstream.audio.PcmReader;
import dev.nmfstream.audio.Sound;
import dev.nmfstream.audio.StftSettings;
import dev.nmfstream.kafka.KafkaClients;
import dev.nmfstream.kafka.RatePacer;
import dev.nmfstream.nmf.DenseColumn;
import dev.nmfstream.wire.ColumnEncoder;
import dev.nmfstream.wire.Topics;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code produce-audio}: sound files (or raw PCM on standard input) into the input topic as spectrogram frames. */
@Command(name = "produce-audio", mixinStandardHelpOptions = true,
        description = {"Sends sound as spectrogram frames to the input topic: each file (WAV, AIFF or AU: PCM 8/16/24/32-bit "
                + "or float, channels mixed down) is one stream, its STFT frames binary float32 records keyed "
                + "<stream>/<frame>, stamped with the start time plus the frame's audio time. Several files go as several "
                + "streams at once, frame f of each in turn. '-' reads raw PCM from standard input (--pcm-rate, …), e.g. "
                + "from a capture tool. Prints the service settings that name the frames (nmf.dimension, "
                + "nmf.audio.sample.rate, nmf.audio.n.fft) and shows progress on stderr."})
final class ProduceAudioCommand implements Callable<Integer> {

    @Parameters(arity = "1..*", paramLabel = "FILE", description = "Sound files, or - for raw PCM on standard input.")
    List<String> files;

    @Option(names = "--stream", paramLabel = "NAME",
            description = "The stream name of each file, in order (default: the file's name without extension; stdin for -).")
    List<String> streams = new ArrayList<>();

    @Mixin
    KafkaOptions kafka;

    @Mixin
    StftOptions stftOptions;

    @Option(names = "--realtime", description = "Pace frames at the audio's own rate (sample rate / hop frames per "
            + "second per stream), as a live source would.")
    boolean realtime;

    @Mixin
    RateOption rate;

    @Option(names = "--pcm-rate", paramLabel = "HZ", description = "Standard input: sample rate.")
    Float pcmRate;

    @Option(names = "--pcm-bits", defaultValue = "16", paramLabel = "BITS",
            description = "Standard input: bits per sample (8, 16, 24, 32; 32 or 64 for float). Default: ${DEFAULT-VALUE}.")
    int pcmBits;

    @Option(names = "--pcm-channels", defaultValue = "1", paramLabel = "N",
            description = "Standard input: interleaved channels, mixed down. Default: ${DEFAULT-VALUE}.")
    int pcmChannels;

    @Option(names = "--pcm-encoding", defaultValue = "signed", paramLabel = "E",
            description = "Standard input: signed, unsigned or float. Default: ${DEFAULT-VALUE}.")
    String pcmEncoding;

    @Option(names = "--pcm-big-endian", description = "Standard input: big-endian samples (default: little-endian).")
    boolean pcmBigEndian;

    @Mixin
    ConnectTimeoutOption connect;

    @Spec
    CommandSpec spec;

    /** Standard input, replaceable in tests. */
    InputStream stdin = System.in;

    @Override
    public Integer call() throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        if (!streams.isEmpty() && streams.size() != files.size()) {
            err.println("produce-audio: " + streams.size() + " --stream names for " + files.size()
                    + " files, expected one per file (or none)");
            return 2;
        }
        if (realtime && rate.perSecond() > 0) {
            err.println("produce-audio: --realtime and --rate " + rate.perSecond() + ", expected one of them");
            return 2;
        }
        Duration timeout;
        List<AudioFrames> sources = new ArrayList<>();
        StftSettings settings = null;
        try {
            timeout = connect.timeout();
            if (files.stream().filter("-"::equals).count() > 1) {
                throw new IllegalArgumentException("- is given twice, expected standard input once");
            }
            HashSet<String> names = new HashSet<>();
            for (int i = 0; i < files.size(); i++) {
                String file = files.get(i);
                String name = !streams.isEmpty() ? streams.get(i) : file.equals("-") ? "stdin" : stem(Path.of(file));
                if (name.isEmpty() || !names.add(name)) {
                    throw new IllegalArgumentException("stream name '" + name + "' is empty or given twice, expected "
                            + "one name per stream (--stream)");
                }
                float sampleRate;
                AudioFrames source;
                if (file.equals("-")) {
                    if (pcmRate == null) {
                        throw new IllegalArgumentException("- (standard input) needs --pcm-rate, the sample rate");
                    }
                    PcmFormat format = new PcmFormat(pcmRate, pcmBits, pcmChannels,
                            PcmFormat.Encoding.valueOf(pcmEncoding.toUpperCase(Locale.ROOT)), pcmBigEndian);
                    sampleRate = pcmRate;
                    StftSettings s = stftOptions.settings(sampleRate);
                    source = AudioFrames.of(name, s, new PcmReader(new BufferedInputStream(stdin), format, s.hop()));
                } else {
                    Sound sound = Sound.read(Path.of(file));
                    sampleRate = sound.sampleRate();
                    source = AudioFrames.of(name, stftOptions.settings(sampleRate), sound.samples());
                }
                StftSettings s = stftOptions.settings(sampleRate);
                if (settings != null && settings.sampleRate() != sampleRate) {
                    throw new IllegalArgumentException(file + " is at " + sampleRate + " Hz and " + files.get(0) + " at "
                            + settings.sampleRate() + " Hz, expected one sample rate for all streams (the service "
                            + "has one; resample, e.g. sox IN.wav -r " + (long) settings.sampleRate() + " OUT.wav)");
                }
                settings = s;
                sources.add(source);
            }
        } catch (AudioFileException e) {
            err.println("produce-audio: " + e.getMessage());
            return 1;
        } catch (IllegalArgumentException e) {
            err.println("produce-audio: " + e.getMessage());
            return 2;
        }
        String bootstrap = kafka.bootstrapServers();
        String topic = kafka.topicOr(Topics.COLUMNS);
        try {
            KafkaClients.requireReachable(bootstrap, new Properties(), timeout);
        } catch (IllegalStateException e) {
            err.println("produce-audio: " + e.getMessage());
            return 1;
        }
        err.println("produce-audio: the service settings for these frames: " + settings.asServiceSettings());
        long total = 0;
        for (AudioFrames s : sources) {
            total = s.total() < 0 ? -1 : total < 0 ? -1 : total + s.total();
        }
        AtomicReference<Exception> failure = new AtomicReference<>();
        AtomicLong acked = new AtomicLong();
        long sent = 0;
        long start = System.nanoTime();
        long startMs = System.currentTimeMillis();
        RatePacer framePacer = new RatePacer(realtime ? settings.frameRate() : 0);
        RatePacer recordPacer = rate.pacer();
        DenseColumn view = new DenseColumn(new double[0], 0, 0);
        Progress progress = new Progress(err, "frames");
        try (KafkaProducer<String, byte[]> producer = KafkaClients.producer(bootstrap, realtime ? 0 : 20, timeout)) {
            List<AudioFrames> live = new ArrayList<>(sources);
            for (long f = 0; !live.isEmpty() && failure.get() == null; f++) {
                framePacer.await(f);
                long timestamp = startMs + settings.frameTimeMs(f);
                for (int i = 0; i < live.size() && failure.get() == null; i++) {
                    AudioFrames source = live.get(i);
                    double[] column = source.next();
                    if (column == null) {
                        live.remove(i--);
                        continue;
                    }
                    recordPacer.await(sent);
                    view.set(column, 0, column.length);
                    byte[] value = ColumnEncoder.binary(view, timestamp);
                    producer.send(new ProducerRecord<>(topic, null, timestamp, source.stream() + "/" + f, value),
                            (meta, e) -> {
                                if (e != null) {
                                    failure.compareAndSet(null, e);
                                } else {
                                    acked.incrementAndGet();
                                }
                            });
                    sent++;
                    progress.draw(sent, total, start, false);
                }
            }
            producer.flush();
        } catch (KafkaException e) {
            failure.compareAndSet(null, e);
        } catch (IOException e) {
            err.println();
            err.println("produce-audio: reading standard input: " + e.getMessage());
            return 1;
        }
        if (failure.get() != null) {
            err.println();
            err.println("produce-audio: sending to topic " + topic + " at " + bootstrap + " failed: "
                    + failure.get().getMessage());
            return 1;
        }
        progress.draw(sent, sent, start, true);
        StringBuilder names = new StringBuilder();
        for (AudioFrames s : sources) {
            names.append(names.length() > 0 ? "," : "").append('"').append(s.stream().replace("\\", "\\\\")
                    .replace("\"", "\\\"")).append('"');
        }
        spec.commandLine().getOut().println(String.format(Locale.ROOT,
                "{\"records\":%d,\"topic\":\"%s\",\"streams\":[%s],\"dimension\":%d,\"sampleRate\":%s,\"nFft\":%d,"
                        + "\"hop\":%d}", acked.get(), topic, names, settings.bins(), stripZero(settings.sampleRate()),
                settings.nFft(), settings.hop()));
        spec.commandLine().getOut().flush();
        return 0;
    }

    static String stem(Path file) {
        String name = file.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return dot > 0 ? name.substring(0, dot) : name;
    }

    private static String stripZero(float x) {
        return x == Math.rint(x) ? String.valueOf((long) x) : String.valueOf(x);
    }
}
