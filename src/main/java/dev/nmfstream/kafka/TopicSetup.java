package dev.nmfstream.kafka;

import dev.nmfstream.stream.NmfStreamConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;

/**
 * Creates the service's topics that do not exist yet (Kafka Streams 4.x stops when a source
 * topic is missing): input, weights and dead letters with {@code nmf.partitions}; the stats topic
 * with one partition (one updater owns the model), kept an hour and at most 1 GiB (its records
 * are consumed within seconds; a model of m × r sends about 8·m·r bytes per mini-batch); factors
 * and basis compacted, one partition. Existing topics are left as they are.
 */
public final class TopicSetup {

    private TopicSetup() {}

    /** The topics to create, with their partitions and configuration. */
    public static List<NewTopic> plan(NmfStreamConfig config) {
        NmfStreamConfig.TopicNames t = config.topics();
        short rf = config.replication();
        Map<String, String> compacted = Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT);
        List<NewTopic> topics = new ArrayList<>();
        topics.add(new NewTopic(t.columns(), config.partitions(), rf));
        topics.add(new NewTopic(t.weights(), config.partitions(), rf));
        topics.add(new NewTopic(t.deadLetters(), config.partitions(), rf));
        topics.add(new NewTopic(t.stats(), 1, rf).configs(Map.of(
                TopicConfig.RETENTION_MS_CONFIG, String.valueOf(3_600_000L),
                TopicConfig.RETENTION_BYTES_CONFIG, String.valueOf(1L << 30),
                TopicConfig.SEGMENT_BYTES_CONFIG, String.valueOf(64 << 20))));
        topics.add(new NewTopic(t.factors(), 1, rf).configs(compacted));
        topics.add(new NewTopic(t.basis(), 1, rf).configs(compacted));
        return topics;
    }

    /**
     * Creates the missing topics and returns the names created.
     *
     * @throws IllegalStateException if the cluster cannot be reached or refuses a topic
     */
    public static List<String> ensure(String bootstrapServers, NmfStreamConfig config, Properties clientProperties) {
        Properties props = new Properties();
        props.putAll(clientProperties);
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        List<String> created = new ArrayList<>();
        try (Admin admin = Admin.create(props)) {
            Set<String> existing = admin.listTopics().names().get(30, TimeUnit.SECONDS);
            List<NewTopic> missing = plan(config).stream().filter(n -> !existing.contains(n.name())).toList();
            for (NewTopic topic : missing) {
                try {
                    admin.createTopics(List.of(topic)).all().get(30, TimeUnit.SECONDS);
                    created.add(topic.name());
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw new IllegalStateException("cannot create topic " + topic.name() + ": "
                                + e.getCause().getMessage(), e.getCause());
                    }
                }
            }
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("cannot list the topics of " + bootstrapServers + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating topics", e);
        }
        return created;
    }
}
