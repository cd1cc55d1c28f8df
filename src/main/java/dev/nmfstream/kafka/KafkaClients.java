package dev.nmfstream.kafka;

import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/** The clients the commands use around the service: a batching producer and a read_committed consumer. */
public final class KafkaClients {

    private KafkaClients() {}

    /** How long {@link #requireReachable} waits by default ({@code nmf.connect.timeout.ms}, {@code --timeout}). */
    public static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(15);

    /**
     * Checks that the cluster answers: asks it for its id through an admin client that gives up
     * after the timeout (Kafka's clients retry an unreachable address for a minute by default, and
     * a consumer never reports it at all).
     *
     * @param bootstrap the cluster's {@code bootstrap.servers}
     * @param clientProperties further client settings (security), or empty; unknown keys are ignored
     * @param timeout how long to wait for an answer
     * @throws IllegalStateException naming the address when the cluster does not answer in time
     *     or the address cannot be resolved
     */
    public static void requireReachable(String bootstrap, Properties clientProperties, Duration timeout) {
        Properties p = new Properties();
        for (String key : clientProperties.stringPropertyNames()) {
            if (AdminClientConfig.configNames().contains(key)) {
                p.setProperty(key, clientProperties.getProperty(key));
            }
        }
        p.setProperty(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        int ms = (int) Math.min(Integer.MAX_VALUE, Math.max(1, timeout.toMillis()));
        p.setProperty(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, String.valueOf(ms));
        p.setProperty(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, String.valueOf(ms));
        String expected = ", expected a Kafka broker at that address (bootstrap.servers)";
        Admin admin;
        try {
            admin = Admin.create(p);
        } catch (KafkaException e) {
            throw new IllegalStateException("cannot reach Kafka at " + bootstrap + ": " + causes(e) + expected, e);
        }
        try {
            admin.describeCluster().clusterId().get(ms, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new IllegalStateException("cannot reach Kafka at " + bootstrap + ": no answer within " + ms + " ms"
                    + expected, e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof AuthenticationException refused) {
                // a wrong password or mechanism, or TLS that does not match: Kafka answered, and said no
                throw new IllegalStateException("Kafka at " + bootstrap + " refused this client's credentials: "
                        + causes(refused) + "; expected the security settings the cluster demands (security.protocol, "
                        + "sasl.mechanism, sasl.jaas.config, ssl.*: README, \"Security\")", refused);
            }
            throw new IllegalStateException("cannot reach Kafka at " + bootstrap + ": no answer within " + ms + " ms ("
                    + causes(e.getCause()) + ")" + expected, e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while connecting to Kafka at " + bootstrap, e);
        } finally {
            admin.close(Duration.ZERO); // nothing is left to wait for: the answer came or will not
        }
    }

    /** An exception's message and its causes' messages, for one line. */
    private static String causes(Throwable e) {
        StringBuilder sb = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            String m = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
            if (sb.indexOf(m) < 0) {
                sb.append(sb.length() == 0 ? "" : ": ").append(m);
            }
        }
        return sb.toString();
    }

    /** String keys, byte values; batches of up to 256 KiB (the biggest lever on throughput here). */
    public static KafkaProducer<String, byte[]> producer(String bootstrap, int lingerMs) {
        return producer(bootstrap, lingerMs, Duration.ofSeconds(60));
    }

    /**
     * A producer as {@link #producer(String, int)} whose {@code send} waits at most
     * {@code maxBlock} for the topic's metadata or for room in its buffer.
     */
    public static KafkaProducer<String, byte[]> producer(String bootstrap, int lingerMs, Duration maxBlock) {
        return new KafkaProducer<>(producerProperties(bootstrap, lingerMs, maxBlock), new StringSerializer(),
                new ByteArraySerializer());
    }

    /**
     * A producer for the benchmarks' input topics: as {@link #producer(String, int)} but not
     * idempotent, one request in flight (so retries keep the order). A busy embedded broker
     * sometimes answered an idempotent producer's retry with OutOfOrderSequence for good, and the
     * benchmark then waited for records that never came; without sequence numbers a retry that
     * the broker had in fact written may duplicate a record, which the benchmarks count as seen.
     */
    public static KafkaProducer<String, byte[]> inputProducer(String bootstrap, int lingerMs) {
        Properties p = producerProperties(bootstrap, lingerMs, Duration.ofSeconds(60));
        p.setProperty(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "120000");
        p.setProperty(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "false");
        p.setProperty(ProducerConfig.ACKS_CONFIG, "all");
        p.setProperty(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, "1");
        return new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
    }

    /** The settings of {@link #producer(String, int, Duration)}. */
    private static Properties producerProperties(String bootstrap, int lingerMs, Duration maxBlock) {
        Properties p = new Properties();
        p.setProperty(ProducerConfig.MAX_BLOCK_MS_CONFIG, String.valueOf(maxBlock.toMillis()));
        p.setProperty(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.setProperty(ProducerConfig.LINGER_MS_CONFIG, String.valueOf(lingerMs));
        p.setProperty(ProducerConfig.BATCH_SIZE_CONFIG, String.valueOf(256 * 1024));
        p.setProperty(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "60000");
        return p;
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
