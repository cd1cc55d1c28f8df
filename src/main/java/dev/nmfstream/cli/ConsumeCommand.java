package dev.nmfstream.cli;

import dev.nmfstream.kafka.KafkaClients;
import dev.nmfstream.wire.ComponentMessage;
import dev.nmfstream.wire.DeadLetter;
import dev.nmfstream.wire.SummaryMessage;
import dev.nmfstream.wire.TopFeature;
import dev.nmfstream.wire.Topics;
import dev.nmfstream.wire.WeightsMessage;
import dev.nmfstream.wire.WireSerdes;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.errors.SerializationException;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.TypeConversionException;

/** {@code consume}: pretty-prints weights, factors or dead letters (read_committed). */
@Command(name = "consume", mixinStandardHelpOptions = true,
        description = "Prints what the service publishes, one line per record, reading committed records only.")
final class ConsumeCommand implements Callable<Integer> {

    enum What { weights, factors, dead_letters }

    /** A WHAT in any case, with '-' or '_' (the topic is nmf-dead-letters, the API /api/dead-letters). */
    static final class WhatConverter implements ITypeConverter<What> {
        @Override
        public What convert(String value) {
            String name = value.trim().toLowerCase(Locale.ROOT).replace('-', '_');
            for (What w : What.values()) {
                if (w.name().equals(name)) {
                    return w;
                }
            }
            throw new TypeConversionException("'" + value + "', expected weights, factors or dead-letters");
        }
    }

    @Parameters(index = "0", paramLabel = "WHAT", converter = WhatConverter.class,
            description = "weights, factors or dead-letters (also dead_letters)")
    What what;

    @Mixin
    KafkaOptions kafka;

    @Option(names = "--from-beginning", description = "Start at the oldest record (default: only new ones).")
    boolean fromBeginning;

    @Option(names = "--max", defaultValue = "0", description = "Stop after this many records (0: never).")
    long max;

    @Option(names = "--idle-seconds", defaultValue = "0", description = "Stop after this long without records (0: never).")
    int idleSeconds;

    @Option(names = "--factors-topic", paramLabel = "<topic>", defaultValue = Topics.FACTORS,
            description = "consume weights: where the components' words are read from, to name the topics. "
                    + "Default: ${DEFAULT-VALUE}.")
    String factorsTopic;

    @Mixin
    ConnectTimeoutOption connect;

    /** consume weights: each component's first three words, by component, as the factors topic names them. */
    private final Map<Integer, String> names = new HashMap<>();

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        try {
            KafkaClients.requireReachable(kafka.bootstrapServers(), new Properties(), connect.timeout());
        } catch (IllegalArgumentException e) {
            err.println("consume: " + e.getMessage());
            return 2;
        } catch (IllegalStateException e) {
            err.println("consume: " + e.getMessage());
            return 1;
        }
        String name = kafka.topicOr(switch (what) {
            case weights -> Topics.WEIGHTS;
            case factors -> Topics.FACTORS;
            case dead_letters -> Topics.DEAD_LETTERS;
        });
        long count = 0;
        long lastRecord = System.nanoTime();
        KafkaConsumer<String, byte[]> factors = null;
        if (what == What.weights) {
            // the components' names: the factors topic from its beginning, then as it changes
            factors = KafkaClients.committedConsumer(kafka.bootstrapServers(), null, true);
            factors.subscribe(List.of(factorsTopic));
            readNames(factors, Duration.ofSeconds(2));
        }
        try (KafkaConsumer<String, byte[]> consumer = KafkaClients.committedConsumer(kafka.bootstrapServers(), null, fromBeginning)) {
            consumer.subscribe(List.of(name));
            while (max == 0 || count < max) {
                if (factors != null) {
                    readNames(factors, Duration.ZERO);
                }
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                    out.println(printable(format(r)));
                    lastRecord = System.nanoTime();
                    if (++count == max) {
                        break;
                    }
                }
                out.flush();
                if (idleSeconds > 0 && System.nanoTime() - lastRecord > idleSeconds * 1_000_000_000L) {
                    break;
                }
            }
        } finally {
            if (factors != null) {
                factors.close();
            }
        }
        return 0;
    }

    /** Takes the components' first three words from the factors records that arrive within {@code wait}. */
    private void readNames(KafkaConsumer<String, byte[]> factors, Duration wait) {
        long deadline = System.nanoTime() + wait.toNanos();
        do {
            for (ConsumerRecord<String, byte[]> r : factors.poll(wait.isZero() ? Duration.ZERO : Duration.ofMillis(200))) {
                if (r.value() == null || r.key() == null || !r.key().contains("/")) {
                    continue;
                }
                try {
                    ComponentMessage c = WireSerdes.component().deserializer().deserialize(r.topic(), r.value());
                    StringBuilder words = new StringBuilder();
                    for (TopFeature f : c.topFeatures().subList(0, Math.min(3, c.topFeatures().size()))) {
                        if (f.label() != null) {
                            words.append(words.length() > 0 ? "-" : "").append(f.label());
                        }
                    }
                    if (words.length() > 0) {
                        names.put(c.component(), words.toString());
                    }
                } catch (SerializationException e) {
                    // not a component: the summary or a foreign record; names stay as they are
                }
            }
        } while (System.nanoTime() < deadline);
    }

    /**
     * The text with every character that a terminal may act on escaped as {@code \\uXXXX}: the C0
     * controls (ESC starts ANSI and window-title sequences), DEL, the C1 controls (CSI, OSC), the
     * bidirectional controls (which reorder what is shown), the line and paragraph separators, and
     * lone surrogates. Ids, reasons and labels come from whoever wrote to the input topic.
     */
    static String printable(String text) {
        StringBuilder sb = null;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            boolean lone = Character.isHighSurrogate(c) ? i + 1 == text.length() || !Character.isLowSurrogate(
                    text.charAt(i + 1)) : Character.isLowSurrogate(c) && (i == 0 || !Character.isHighSurrogate(
                    text.charAt(i - 1)));
            if (c < 0x20 || c >= 0x7F && c <= 0x9F || c == 0x061C || c >= 0x200E && c <= 0x200F
                    || c >= 0x2028 && c <= 0x202E || c >= 0x2066 && c <= 0x2069 || lone) {
                if (sb == null) {
                    sb = new StringBuilder(text.length() + 16).append(text, 0, i);
                }
                sb.append(String.format("\\u%04X", (int) c));
            } else if (sb != null) {
                sb.append(c);
            }
        }
        return sb == null ? text : sb.toString();
    }

    private String format(ConsumerRecord<String, byte[]> r) {
        if (r.value() == null) {
            return r.key() + "  (deleted)";
        }
        try {
            return formatValue(r);
        } catch (SerializationException e) {
            return r.key() + "  (" + r.topic() + "[" + r.partition() + "]@" + r.offset() + " cannot be read: "
                    + e.getMessage() + ")";
        }
    }

    private String formatValue(ConsumerRecord<String, byte[]> r) {
        return switch (what) {
            case weights -> {
                WeightsMessage w = WireSerdes.weights().deserializer().deserialize(r.topic(), r.value());
                StringBuilder top = new StringBuilder();
                double[] h = w.weights();
                Integer[] order = new Integer[h.length];
                for (int k = 0; k < h.length; k++) {
                    order[k] = k;
                }
                Arrays.sort(order, (a, b) -> Double.compare(h[b], h[a]));
                for (int q = 0; q < Math.min(3, h.length) && h[order[q]] > 0; q++) {
                    String named = names.get(order[q]);
                    top.append(String.format(" k%d=%.4g", order[q], h[order[q]]))
                            .append(named != null ? " (" + named + ")" : "");
                }
                yield String.format("%-20s v%-6d residual %.4f  top:%s", w.id(), w.basisVersion(), w.relativeResidual(), top);
            }
            case factors -> {
                if (r.key() != null && r.key().contains("/")) {
                    ComponentMessage c = WireSerdes.component().deserializer().deserialize(r.topic(), r.value());
                    StringBuilder top = new StringBuilder();
                    boolean words = !c.topFeatures().isEmpty() && c.topFeatures().get(0).label() != null;
                    // words (text input): the first ten; row numbers: the first five
                    for (TopFeature f : c.topFeatures().subList(0, Math.min(words ? 10 : 5, c.topFeatures().size()))) {
                        top.append(' ').append(f.label() != null ? f.label() : "#" + f.index())
                                .append(String.format("=%.3f", f.weight()));
                    }
                    String pitch = (c.peakHz() != null ? String.format("  peak %.1f Hz", c.peakHz()) : "")
                            + (c.fundamentalHz() != null ? String.format("  f0 %.1f Hz", c.fundamentalHz()) : "");
                    yield String.format("%s/%d v%d%s  top:%s", c.model(), c.component(), c.version(), pitch, top);
                }
                SummaryMessage s = WireSerdes.summary().deserializer().deserialize(r.topic(), r.value());
                yield String.format("%s v%d  rank %d  dim %d  items %,d (lost %,d)  running error %s", s.model(),
                        s.version(), s.rank(), s.dim(), s.itemsSeen(), s.itemsLost(), s.runningError() == null ? "-" : String.format("%.4f",
                                s.runningError()));
            }
            case dead_letters -> {
                DeadLetter d = WireSerdes.deadLetter().deserializer().deserialize(r.topic(), r.value());
                yield String.format("%s  %s[%d]@%d: %s", d.key(), d.topic(), d.partition(), d.offset(), d.reason());
            }
        };
    }
}
