package dev.nmfstream.kafka;

import dev.nmfstream.stream.NmfStreamConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one way topics are created: the topics of a list that do not exist yet are created with
 * their partitions, replication and configuration, then every partition of every listed topic is
 * waited for until it has a leader. Existing topics are left as they are (their partitions and
 * configuration are not compared with the list); the answer gives the partition count every
 * listed topic really has, created or found.
 *
 * <p>The service's topics ({@link #plan}, created by {@link #ensure}; Kafka Streams 4.x stops when
 * a source topic is missing): input, weights and dead letters with {@code nmf.partitions}; the
 * stats topic with one partition (one updater owns the model), kept an hour and at most 1 GiB
 * (its records are consumed within seconds; a model of m × r sends about 8·m·r bytes per
 * mini-batch); factors and basis compacted, one partition, the factors topic taking records of
 * {@link NmfStreamConfig#recordBytes()} (a snapshot's component holds m values).
 */
public final class TopicSetup {

    private static final Logger LOG = LoggerFactory.getLogger(TopicSetup.class);

    /** How long {@link #ensure} waits for the cluster to create the topics and elect their leaders. */
    public static final Duration TIMEOUT = Duration.ofSeconds(30);

    private TopicSetup() {}

    /**
     * What {@link #create} found: the topics it created, and the partition count of every topic
     * it was given.
     *
     * @param created the names of the topics created by this call, in the order given
     * @param partitions every given topic's real partition count, in the order given
     */
    public record Ensured(List<String> created, Map<String, Integer> partitions) {

        public Ensured {
            created = List.copyOf(created);
            partitions = Collections.unmodifiableMap(new LinkedHashMap<>(partitions));
        }

        /**
         * The real partition count of a topic that was given.
         *
         * @throws IllegalArgumentException if the topic was not among those given
         */
        public int partitionsOf(String topic) {
            Integer p = partitions.get(topic);
            if (p == null) {
                throw new IllegalArgumentException("topic '" + topic + "' was not created or checked; expected one of "
                        + partitions.keySet());
            }
            return p;
        }
    }

    /** The service's topics, with their partitions and configuration. */
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
        topics.add(new NewTopic(t.factors(), 1, rf).configs(Map.of(
                TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT,
                TopicConfig.MAX_MESSAGE_BYTES_CONFIG, String.valueOf(config.recordBytes()))));
        topics.add(new NewTopic(t.basis(), 1, rf).configs(compacted));
        return topics;
    }

    /**
     * Creates the service's missing topics ({@link #plan}) on a cluster.
     *
     * @return the topics created and every service topic's real partition count (with an
     *     existing input topic, {@code partitionsOf(config.topics().columns())} may differ from
     *     {@code nmf.partitions})
     * @throws IllegalStateException if the cluster cannot be reached or refuses a topic
     */
    public static Ensured ensure(String bootstrapServers, NmfStreamConfig config, Properties clientProperties) {
        try (Admin admin = admin(bootstrapServers, clientProperties)) {
            Ensured ensured = create(admin, bootstrapServers, plan(config), TIMEOUT);
            if (!ensured.created().contains(config.topics().factors())) {
                admitRecords(admin, bootstrapServers, config.topics().factors(), config.recordBytes(), TIMEOUT);
            }
            return ensured;
        }
    }

    /**
     * Raises an existing topic's {@code max.message.bytes} to {@code bytes} if it is lower (a
     * factors topic made for a smaller m, or by a version that left the broker's default of 1 MB,
     * would refuse a snapshot's component and stop the service).
     *
     * @throws IllegalStateException naming the topic, both limits and the setting, if the limit is
     *     lower and the cluster does not allow the change (a configuration that cannot be read is
     *     only logged: the limit may be enough)
     */
    static void admitRecords(Admin admin, String where, String topic, int bytes, Duration timeout) {
        ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            Config current = admin.describeConfigs(List.of(resource)).all().get(remaining(deadline),
                    TimeUnit.NANOSECONDS).get(resource);
            ConfigEntry entry = current.get(TopicConfig.MAX_MESSAGE_BYTES_CONFIG);
            long limit = entry == null || entry.value() == null ? 0 : Long.parseLong(entry.value());
            if (limit >= bytes) {
                return;
            }
            try {
                admin.incrementalAlterConfigs(Map.of(resource, List.of(new AlterConfigOp(new ConfigEntry(
                        TopicConfig.MAX_MESSAGE_BYTES_CONFIG, String.valueOf(bytes)), AlterConfigOp.OpType.SET))))
                        .all().get(remaining(deadline), TimeUnit.NANOSECONDS);
            } catch (ExecutionException e) {
                throw new IllegalStateException("topic " + topic + " on " + where + " takes records of at most " + limit
                        + " bytes, and a factor snapshot's component can take " + bytes + " (nmf.dimension); the "
                        + "cluster refused to raise its " + TopicConfig.MAX_MESSAGE_BYTES_CONFIG + ": "
                        + e.getCause().getMessage() + "; expected " + TopicConfig.MAX_MESSAGE_BYTES_CONFIG + " ≥ "
                        + bytes + " on that topic", e.getCause());
            }
        } catch (ExecutionException e) {
            // without DescribeConfigs on the topic the service can still run if its limit is enough
            LOG.warn("cannot read the configuration of topic {} on {} ({}): if its {} is below {} bytes, the "
                    + "factor snapshots (nmf.dimension) will be refused", topic, where, e.getCause().getMessage(),
                    TopicConfig.MAX_MESSAGE_BYTES_CONFIG, bytes);
        } catch (TimeoutException e) {
            throw new IllegalStateException("the configuration of topic " + topic + " on " + where
                    + " could not be read or changed within " + timeout.toSeconds() + " s", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while configuring topic " + topic + " on " + where, e);
        }
    }

    /**
     * Creates the missing topics of a list on a cluster, through an admin client of its own.
     *
     * @throws IllegalStateException if the cluster cannot be reached, refuses a topic or does not
     *     answer within {@link #TIMEOUT}
     */
    public static Ensured create(String bootstrapServers, Properties clientProperties, Collection<NewTopic> topics) {
        try (Admin admin = admin(bootstrapServers, clientProperties)) {
            return create(admin, bootstrapServers, topics, TIMEOUT);
        }
    }

    /** An admin client of its own for a cluster, with the given client settings (security and the like). */
    private static Admin admin(String bootstrapServers, Properties clientProperties) {
        Properties props = new Properties();
        props.putAll(clientProperties);
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        return Admin.create(props);
    }

    /**
     * Creates the missing topics of a list with the given admin client and waits until every
     * partition of every listed topic has a leader.
     *
     * @param where the cluster, for messages
     * @throws IllegalArgumentException if a topic is given twice with different specs
     * @throws IllegalStateException if the cluster refuses a topic or does not answer within the timeout
     */
    public static Ensured create(Admin admin, String where, Collection<NewTopic> topics, Duration timeout) {
        Map<String, NewTopic> byName = new LinkedHashMap<>();
        for (NewTopic t : topics) {
            NewTopic previous = byName.put(t.name(), t);
            if (previous != null && !previous.equals(t)) {
                throw new IllegalArgumentException("topic '" + t.name() + "' is given twice, as " + previous
                        + " and as " + t + "; expected one spec per topic");
            }
        }
        if (byName.isEmpty()) {
            return new Ensured(List.of(), Map.of());
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        List<String> created = new ArrayList<>();
        try {
            Set<String> existing = admin.listTopics().names().get(remaining(deadline), TimeUnit.NANOSECONDS);
            List<NewTopic> missing = byName.values().stream().filter(t -> !existing.contains(t.name())).toList();
            if (!missing.isEmpty()) {
                for (Map.Entry<String, KafkaFuture<Void>> r : admin.createTopics(missing).values().entrySet()) {
                    try {
                        r.getValue().get(remaining(deadline), TimeUnit.NANOSECONDS);
                        created.add(r.getKey());
                    } catch (ExecutionException e) {
                        if (!(e.getCause() instanceof TopicExistsException)) {
                            throw new IllegalStateException("cannot create topic " + byName.get(r.getKey()) + " on "
                                    + where + ": " + e.getCause().getMessage(), e.getCause());
                        }
                    }
                }
            }
            Map<String, Integer> partitions = awaitLeaders(admin, byName.keySet(), deadline);
            List<String> ordered = new ArrayList<>(byName.keySet());
            ordered.retainAll(created);
            return new Ensured(ordered, partitions);
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot list the topics of " + where + ": " + e.getCause().getMessage(),
                    e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("topics " + byName.keySet() + " on " + where + " were not ready within "
                    + timeout.toSeconds() + " s", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating topics " + byName.keySet() + " on " + where, e);
        }
    }

    /** Waits until every partition of the topics has a leader; their partition counts, in the order given. */
    private static Map<String, Integer> awaitLeaders(Admin admin, Set<String> names, long deadline)
            throws InterruptedException, TimeoutException {
        Exception last = null;
        while (System.nanoTime() < deadline) {
            try {
                Map<String, TopicDescription> descriptions = admin.describeTopics(names).allTopicNames()
                        .get(remaining(deadline), TimeUnit.NANOSECONDS);
                boolean ready = true;
                Map<String, Integer> partitions = new LinkedHashMap<>();
                for (String name : names) {
                    List<TopicPartitionInfo> infos = descriptions.get(name).partitions();
                    partitions.put(name, infos.size());
                    for (TopicPartitionInfo p : infos) {
                        ready &= p.leader() != null && !p.leader().isEmpty();
                    }
                }
                if (ready) {
                    return partitions;
                }
            } catch (ExecutionException e) {
                last = e;
            }
            TimeUnit.MILLISECONDS.sleep(20);
        }
        TimeoutException timeout = new TimeoutException("partitions without a leader");
        timeout.initCause(last);
        throw timeout;
    }

    private static long remaining(long deadline) throws TimeoutException {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
            throw new TimeoutException("deadline passed");
        }
        return left;
    }
}
