package dev.nmfstream.http;

import dev.nmfstream.metrics.NmfMetrics;
import dev.nmfstream.stream.NmfStreamConfig;
import dev.nmfstream.wire.ComponentMessage;
import dev.nmfstream.wire.DeadLetter;
import dev.nmfstream.wire.SummaryMessage;
import dev.nmfstream.wire.WireSerdes;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The model as this instance sees it, for the page and the API: the newest factors snapshot
 * (every component and the summary), the running error's history, and the dead letters' count
 * and latest reasons. One thread reads the factors and dead-letters topics from their beginning
 * with a consumer of committed records that joins no group (every instance reads all of both,
 * as a dashboard's reader would; the topics are small: the factors topic is compacted, dead
 * letters are rare). Readers get immutable snapshots.
 */
public final class ModelView implements AutoCloseable {

    /** The running error's history kept for the chart (points). */
    public static final int HISTORY = 1_000;
    /** The dead letters kept for their reasons. */
    public static final int DEAD_LETTERS_KEPT = 20;
    private static final Logger LOG = LoggerFactory.getLogger(ModelView.class);

    /** One point of the running error's history. */
    public record ErrorPoint(long time, long version, double runningError) {}

    /**
     * A factors snapshot: the summary and the newest component k for each k (null until it has
     * arrived), and its sequence number (grows with every summary read).
     */
    public record Factors(long seq, SummaryMessage summary, List<ComponentMessage> components) {}

    private final NmfStreamConfig config;
    private final NmfMetrics metrics;
    private final KafkaConsumer<String, byte[]> consumer;
    private final Thread reader;
    private final ComponentMessage[] components;
    private final ArrayDeque<ErrorPoint> history = new ArrayDeque<>();
    private final ArrayDeque<DeadLetter> deadLetters = new ArrayDeque<>();
    private long deadLetterCount;
    private volatile Factors factors = new Factors(0, null, List.of());
    private volatile boolean running = true;

    /**
     * Starts reading.
     *
     * @param metrics told of each summary's version and running error (may be null)
     */
    public ModelView(NmfStreamConfig config, String bootstrapServers, NmfMetrics metrics) {
        this.config = config;
        this.metrics = metrics;
        this.components = new ComponentMessage[config.rank()];
        Properties p = new Properties();
        p.putAll(config.kafka());
        p.remove(ConsumerConfig.GROUP_ID_CONFIG);
        p.remove(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG);
        p.setProperty(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.setProperty(ConsumerConfig.CLIENT_ID_CONFIG, "nmf-view-" + config.model());
        p.setProperty(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.setProperty(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.setProperty(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.setProperty(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, String.valueOf(8 * 1024 * 1024));
        this.consumer = new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer());
        this.reader = new Thread(this::read, "nmf-view");
        reader.setDaemon(true);
        reader.start();
    }

    private void read() {
        try {
            List<TopicPartition> partitions = new ArrayList<>();
            for (String topic : List.of(config.topics().factors(), config.topics().deadLetters())) {
                consumer.partitionsFor(topic).forEach(i -> partitions.add(new TopicPartition(i.topic(), i.partition())));
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            while (running) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    if (record.value() == null) {
                        continue;
                    }
                    try {
                        accept(record);
                    } catch (RuntimeException e) {
                        LOG.warn("view: skipped an unreadable record at {}-{}@{}: {}", record.topic(),
                                record.partition(), record.offset(), e.getMessage());
                    }
                }
            }
        } catch (WakeupException | InterruptException e) {
            // closing
        } catch (RuntimeException e) {
            if (running) {
                LOG.error("view: stopped reading the factors and dead letters", e);
            }
        } finally {
            consumer.close(Duration.ofSeconds(1));
        }
    }

    private void accept(ConsumerRecord<String, byte[]> record) {
        if (record.topic().equals(config.topics().deadLetters())) {
            DeadLetter letter = WireSerdes.deadLetter().deserializer().deserialize(record.topic(), record.value());
            synchronized (deadLetters) {
                deadLetterCount++;
                deadLetters.addFirst(letter);
                if (deadLetters.size() > DEAD_LETTERS_KEPT) {
                    deadLetters.removeLast();
                }
            }
            return;
        }
        String key = record.key();
        if (config.model().equals(key)) {
            SummaryMessage summary = WireSerdes.summary().deserializer().deserialize(record.topic(), record.value());
            synchronized (history) {
                if (summary.runningError() != null) {
                    history.addLast(new ErrorPoint(summary.updatedAt(), summary.version(), summary.runningError()));
                    if (history.size() > HISTORY) {
                        history.removeFirst();
                    }
                }
            }
            if (metrics != null) {
                metrics.modelVersion(summary.version());
                if (summary.runningError() != null) {
                    metrics.runningError(summary.runningError());
                }
            }
            factors = new Factors(factors.seq() + 1, summary, Collections.unmodifiableList(
                    Arrays.asList(components.clone())));
        } else if (key != null && key.startsWith(config.model() + "/")) {
            ComponentMessage c = WireSerdes.component().deserializer().deserialize(record.topic(), record.value());
            if (c.component() >= 0 && c.component() < components.length) {
                components[c.component()] = c;
            }
        }
    }

    /** The newest factors snapshot. */
    public Factors factors() {
        return factors;
    }

    /** The running error's history, oldest first. */
    public List<ErrorPoint> history() {
        synchronized (history) {
            return List.copyOf(history);
        }
    }

    /** Dead letters read so far. */
    public long deadLetterCount() {
        synchronized (deadLetters) {
            return deadLetterCount;
        }
    }

    /** The latest dead letters, newest first. */
    public List<DeadLetter> latestDeadLetters() {
        synchronized (deadLetters) {
            return List.copyOf(deadLetters);
        }
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        consumer.wakeup();
        reader.join(5_000);
    }
}
