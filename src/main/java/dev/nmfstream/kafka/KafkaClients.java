package dev.nmfstream.kafka;

import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/** The clients the commands use around the service: a batching producer and a read_committed consumer. */
public final class KafkaClients {

    private KafkaClients() {}

    /** String keys, byte values; batches of up to 256 KiB (the biggest lever on throughput here). */
    public static KafkaProducer<String, byte[]> producer(String bootstrap, int lingerMs) {
        Properties p = new Properties();
        p.setProperty(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.setProperty(ProducerConfig.LINGER_MS_CONFIG, String.valueOf(lingerMs));
        p.setProperty(ProducerConfig.BATCH_SIZE_CONFIG, String.valueOf(256 * 1024));
        p.setProperty(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "60000");
        return new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
    }

    /** A consumer of committed records only, in a group of its own (or the given one). */
    public static KafkaConsumer<String, byte[]> committedConsumer(String bootstrap, String group, boolean fromBeginning) {
        Properties p = new Properties();
        p.setProperty(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.setProperty(ConsumerConfig.GROUP_ID_CONFIG, group != null ? group : "nmf-" + UUID.randomUUID());
        p.setProperty(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, fromBeginning ? "earliest" : "latest");
        p.setProperty(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        return new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer());
    }

    /**
     * Reads a topic's committed records from the beginning until {@code n} have arrived.
     *
     * @throws IllegalStateException if fewer arrive within the timeout
     */
    public static void awaitRecords(String bootstrap, String topic, long n, Duration timeout) {
        try (KafkaConsumer<String, byte[]> consumer = committedConsumer(bootstrap, null, true)) {
            consumer.subscribe(List.of(topic));
            long seen = 0;
            long deadline = System.nanoTime() + timeout.toNanos();
            while (seen < n && System.nanoTime() < deadline) {
                seen += consumer.poll(Duration.ofMillis(100)).count();
            }
            if (seen < n) {
                throw new IllegalStateException(topic + ": " + seen + " of " + n + " records within " + timeout);
            }
        }
    }
}
