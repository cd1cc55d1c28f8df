package dev.nmfstream.service;

import dev.nmfstream.stream.NmfStreamConfig;
import java.io.IOException;
import java.io.Reader;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.streams.StreamsConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loads the service's properties: a properties file (optional), then environment variables,
 * then {@code --set key=value} options, each overriding the one before.
 *
 * <p>Environment variables: {@code NMF_BATCH_SIZE} sets {@code nmf.batch.size} (prefix
 * {@code NMF_}, underscores become dots, lower case); {@code KAFKA_BOOTSTRAP_SERVERS} sets
 * {@code bootstrap.servers} (prefix {@code KAFKA_} removed, likewise), except the variables of
 * Kafka's launch scripts ({@code KAFKA_HEAP_OPTS}, {@code KAFKA_OPTS}, {@code KAFKA_DEBUG}, …),
 * which are for the JVM. Other variables are ignored.
 *
 * <p>A key that is neither {@code nmf.*} nor known to Kafka Streams or its clients (with or
 * without one of Kafka Streams' prefixes) is logged at WARN, with the closest known name when
 * one is near: it is most likely a typo, and Kafka would ignore it. Unknown {@code nmf.*} keys
 * are errors, found by {@link NmfStreamConfig#from}.
 */
public final class ConfigLoader {

    private static final Logger LOG = LoggerFactory.getLogger(ConfigLoader.class);

    /** The keys Kafka Streams and its clients know without a prefix. */
    private static final Set<String> KAFKA_KEYS = new TreeSet<>();
    /** Kafka Streams' prefixes, each with the keys that may follow it. */
    private static final Map<String, Set<String>> PREFIXED = new LinkedHashMap<>();
    /** Prefixes followed by names of the user's choice (client tags, metrics context, config providers). */
    private static final List<String> FREE_PREFIXES = List.of(StreamsConfig.CLIENT_TAG_PREFIX, "metrics.context.",
            "config.providers.");

    static {
        Set<String> consumer = ConsumerConfig.configNames();
        KAFKA_KEYS.addAll(StreamsConfig.configDef().names());
        KAFKA_KEYS.addAll(ProducerConfig.configNames());
        KAFKA_KEYS.addAll(consumer);
        KAFKA_KEYS.addAll(AdminClientConfig.configNames());
        PREFIXED.put(StreamsConfig.MAIN_CONSUMER_PREFIX, consumer);
        PREFIXED.put(StreamsConfig.RESTORE_CONSUMER_PREFIX, consumer);
        PREFIXED.put(StreamsConfig.GLOBAL_CONSUMER_PREFIX, consumer);
        PREFIXED.put(StreamsConfig.CONSUMER_PREFIX, consumer);
        PREFIXED.put(StreamsConfig.PRODUCER_PREFIX, ProducerConfig.configNames());
        PREFIXED.put(StreamsConfig.ADMIN_CLIENT_PREFIX, AdminClientConfig.configNames());
        PREFIXED.put(StreamsConfig.TOPIC_PREFIX, topicKeys());
    }

    /**
     * {@code KAFKA_*} variables that Kafka's launch scripts read for the JVM (heap, options,
     * logging, JMX, debugging), not settings: never turned into keys.
     */
    private static final Set<String> LAUNCHER_VARIABLES = Set.of("KAFKA_HEAP_OPTS", "KAFKA_OPTS",
            "KAFKA_JVM_PERFORMANCE_OPTS", "KAFKA_LOG4J_OPTS", "KAFKA_JMX_OPTS", "KAFKA_GC_LOG_OPTS", "KAFKA_DEBUG",
            "KAFKA_LOG_DIR", "KAFKA_JMX_PORT", "KAFKA_HOME");

    private ConfigLoader() {}

    /** The topic-level settings: the values of TopicConfig's {@code *_CONFIG} constants. */
    private static Set<String> topicKeys() {
        Set<String> keys = new TreeSet<>();
        for (Field field : TopicConfig.class.getFields()) {
            if (field.getName().endsWith("_CONFIG") && Modifier.isStatic(field.getModifiers())
                    && field.getType() == String.class) {
                try {
                    keys.add((String) field.get(null));
                } catch (IllegalAccessException e) {
                    throw new IllegalStateException("TopicConfig." + field.getName() + " cannot be read", e);
                }
            }
        }
        return keys;
    }

    /**
     * The properties from the file, the environment and the {@code --set} options, each overriding
     * the one before; logs a WARN line for every key {@link #unknownKeys} finds, saying where it
     * was set.
     */
    public static Properties load(Path file, Map<String, String> env, List<String> sets) throws IOException {
        Properties properties = new Properties();
        Map<String, String> origins = new LinkedHashMap<>();
        if (file != null) {
            if (!Files.isRegularFile(file)) {
                throw new IllegalArgumentException("--config " + file + ": no such file");
            }
            try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                properties.load(reader);
            }
            for (String key : properties.stringPropertyNames()) {
                origins.put(key, "in " + file);
            }
        }
        for (Map.Entry<String, String> e : env.entrySet()) {
            String key = keyOf(e.getKey());
            if (key != null) {
                properties.setProperty(key, e.getValue());
                origins.put(key, "from the environment variable " + e.getKey());
            }
        }
        for (String set : sets) {
            int eq = set.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("--set '" + set + "', expected key=value");
            }
            String key = set.substring(0, eq).trim();
            properties.setProperty(key, set.substring(eq + 1).trim());
            origins.put(key, "from --set");
        }
        for (UnknownKey unknown : unknownKeys(properties)) {
            LOG.warn(unknown.describe(origins.get(unknown.key())));
        }
        return properties;
    }

    /**
     * One line for every key that is not {@code nmf.*} and that neither Kafka Streams nor its
     * producer, consumer or admin client knows (bare or behind one of Kafka Streams' prefixes
     * {@code producer.}, {@code consumer.}, {@code main.consumer.}, {@code restore.consumer.},
     * {@code global.consumer.}, {@code admin.}, {@code topic.}), naming the key and the closest
     * known name when one is near; in key order.
     */
    public static List<UnknownKey> unknownKeys(Properties properties) {
        List<UnknownKey> unknown = new ArrayList<>();
        for (String key : new TreeSet<>(properties.stringPropertyNames())) {
            if (key.startsWith("nmf.") || KAFKA_KEYS.contains(key)
                    || FREE_PREFIXES.stream().anyMatch(p -> key.startsWith(p) && key.length() > p.length())) {
                continue;
            }
            String suggestion = null;
            boolean known = false;
            for (Map.Entry<String, Set<String>> prefixed : PREFIXED.entrySet()) {
                String prefix = prefixed.getKey();
                if (key.startsWith(prefix)) {
                    String rest = key.substring(prefix.length());
                    known = prefixed.getValue().contains(rest);
                    String near = NmfStreamConfig.closest(rest, prefixed.getValue());
                    suggestion = near == null ? null : prefix + near;
                    break;
                }
            }
            if (known) {
                continue;
            }
            if (suggestion == null) {
                Set<String> all = new TreeSet<>(KAFKA_KEYS);
                all.addAll(NmfStreamConfig.configDef().names());
                suggestion = NmfStreamConfig.closest(key, all);
            }
            unknown.add(new UnknownKey(key, suggestion));
        }
        return unknown;
    }

    /**
     * A key that neither nmf-stream nor Kafka knows.
     *
     * @param suggestion the closest known name, or null when none is near
     */
    public record UnknownKey(String key, String suggestion) {

        /**
         * One line for the log.
         *
         * @param origin where the key was set ("from --set"), or null
         */
        public String describe(String origin) {
            return key + (origin == null ? "" : " (" + origin + ")") + ": not a setting of nmf-stream or Kafka"
                    + (suggestion == null ? "." : ", did you mean " + suggestion + "?") + " It is passed to Kafka as it is.";
        }
    }

    /** The property an environment variable sets, or null (also for Kafka's launcher variables). */
    public static String keyOf(String variable) {
        if (LAUNCHER_VARIABLES.contains(variable)) {
            return null;
        }
        if (variable.startsWith("NMF_") && variable.length() > 4) {
            return "nmf." + variable.substring(4).toLowerCase(Locale.ROOT).replace('_', '.');
        }
        if (variable.startsWith("KAFKA_") && variable.length() > 6) {
            return variable.substring(6).toLowerCase(Locale.ROOT).replace('_', '.');
        }
        return null;
    }
}
