package dev.nmfstream.bench;

import dev.nmfstream.kafka.EmbeddedKafka;
import dev.nmfstream.kafka.KafkaClients;
import dev.nmfstream.kafka.TopicSetup;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Produced;

/** The benchmarks' baseline: a topology that only copies the input records, exactly-once. */
final class Passthrough {

    private Passthrough() {
    }

    /**
     * Seconds for a passthrough topology to copy the n records of {@code input} to
     * {@code input-copy} (exactly-once, same partitions), from its start until all n are read back.
     */
    static double seconds(EmbeddedKafka broker, String input, Path dir, int n) throws Exception {
        String output = input + "-copy";
        StreamsBuilder builder = new StreamsBuilder();
        builder.stream(input, Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()))
                .to(output, Produced.with(Serdes.ByteArray(), Serdes.ByteArray()));
        return seconds(broker, builder.build(), output, "passthrough", dir, n);
    }

    /**
     * Seconds for a topology under the passthrough's settings (exactly-once, a new application
     * id with the given prefix) to write n records to {@code output} (created here with 4
     * partitions), from its start until all n are read back.
     */
    static double seconds(EmbeddedKafka broker, Topology topology, String output, String prefix, Path dir, int n)
            throws Exception {
        TopicSetup.create(broker.bootstrapServers(), new Properties(), List.of(new NewTopic(output, 4, (short) 1)));
        Properties p = new Properties();
        p.setProperty(StreamsConfig.APPLICATION_ID_CONFIG, prefix + "-" + UUID.randomUUID());
        p.setProperty(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        p.setProperty(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        p.setProperty(StreamsConfig.STATE_DIR_CONFIG, dir.resolve(prefix + "-" + UUID.randomUUID()).toString());
        p.setProperty(StreamsConfig.producerPrefix("linger.ms"), "5");
        try (KafkaStreams streams = new KafkaStreams(topology, p)) {
            long start = System.nanoTime();
            streams.start();
            KafkaClients.awaitRecords(broker.bootstrapServers(), output, n, Duration.ofMinutes(10));
            return (System.nanoTime() - start) / 1e9;
        }
    }
}
