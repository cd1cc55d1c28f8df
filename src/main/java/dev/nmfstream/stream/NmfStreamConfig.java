package dev.nmfstream.stream;

import dev.nmfstream.nmf.Forgetting;
import dev.nmfstream.nmf.Initialization;
import dev.nmfstream.nmf.NmfConfig;
import dev.nmfstream.nmf.UpdateRule;
import dev.nmfstream.wire.Topics;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;

/**
 * The {@code nmf.*} settings of the streaming service, validated on construction: a bad value
 * fails with a message naming the key, the value and what is expected. Every other key of the
 * properties is passed to Kafka Streams as it is ({@link #kafka()}).
 *
 * @param rank number of components r
 * @param dimension dimension m of every input column
 * @param batchSize items per mini-batch: each projector sends its statistics every this many items
 * @param steps HALS sweeps (or MU steps) per update
 * @param forgetting forgetting per mini-batch
 * @param rule update rule
 * @param seed seed of every random choice
 * @param bootstrapSize columns the first basis is made from (0: max(batch, 2·rank))
 * @param learning false for a fixed basis (needs {@code basisFile})
 * @param basisFile an .npy file (m × r) with the first basis, or null to learn it from the stream
 * @param inputFormat json, binary or auto
 * @param maxValueBytes larger input values are dead-lettered unread
 * @param warmupMaxItems items held per task while no basis exists
 * @param snapshotIntervalMs the public factors are published at most this often
 * @param statsFlushMs a projector sends partial statistics after this long without a full batch
 * @param deadLetterPrefixBytes bytes of a bad value kept in its dead letter
 * @param topFeatures top features listed per component in the factors
 * @param model the model's name (the key prefix of the factors)
 * @param topics the topic names
 * @param partitions partitions of the topics this service creates (input, weights)
 * @param replication replication factor of the topics it creates
 * @param kafka every other property, for Kafka Streams and its clients
 */
public record NmfStreamConfig(
        int rank,
        int dimension,
        int batchSize,
        int steps,
        Forgetting forgetting,
        UpdateRule rule,
        long seed,
        int bootstrapSize,
        boolean learning,
        String basisFile,
        String inputFormat,
        int maxValueBytes,
        int warmupMaxItems,
        long snapshotIntervalMs,
        long statsFlushMs,
        int deadLetterPrefixBytes,
        int topFeatures,
        String model,
        TopicNames topics,
        int partitions,
        short replication,
        Properties kafka) {

    /** The topics, by role. */
    public record TopicNames(String columns, String weights, String factors, String deadLetters, String stats,
            String basis) {

        /** All six names. */
        public List<String> all() {
            return List.of(columns, weights, factors, deadLetters, stats, basis);
        }
    }

    /** One documented key: its name, default (null: required) and meaning. */
    public record Key(String name, String defaultValue, String doc) {}

    /** Every {@code nmf.*} key with its default and meaning, in the order the README lists them. */
    public static final List<Key> KEYS = List.of(
            new Key("nmf.rank", null, "number of components r (required)"),
            new Key("nmf.dimension", null, "dimension m of every input column (required)"),
            new Key("nmf.batch.size", "" + NmfConfig.DEFAULT_BATCH, "items per mini-batch"),
            new Key("nmf.steps", "" + NmfConfig.DEFAULT_STEPS, "HALS sweeps (or MU steps) per update"),
            new Key("nmf.forgetting", "auto", "forgetting per mini-batch: auto, schedule:P or a factor in (0, 1]"),
            new Key("nmf.rule", "HALS", "update rule: HALS or MU"),
            new Key("nmf.seed", "0", "seed of every random choice"),
            new Key("nmf.bootstrap.size", "0", "columns the first basis is made from (0: max(batch, 2·rank))"),
            new Key("nmf.learning", "true", "false: keep the basis of nmf.basis.file fixed"),
            new Key("nmf.basis.file", "", "an .npy file (m × r) with the first basis; empty: learn it from the stream"),
            new Key("nmf.input.format", "auto", "input values: json, binary or auto (binary when the magic NMFB leads)"),
            new Key("nmf.max.value.bytes", "4194304", "larger input values go to the dead letters unread"),
            new Key("nmf.warmup.max.items", "100000", "items held per task before the first basis exists"),
            new Key("nmf.snapshot.interval.ms", "10000", "the factors are published at most this often"),
            new Key("nmf.stats.flush.ms", "2000", "partial statistics are sent after this long without a full batch"),
            new Key("nmf.dead.letter.prefix.bytes", "4096", "bytes of a bad value kept in its dead letter"),
            new Key("nmf.top.features", "10", "top features listed per component in the factors"),
            new Key("nmf.model", "nmf", "the model's name: the key prefix of the factors"),
            new Key("nmf.topic.columns", Topics.COLUMNS, "input topic"),
            new Key("nmf.topic.weights", Topics.WEIGHTS, "weights of every item"),
            new Key("nmf.topic.factors", Topics.FACTORS, "factor snapshots (compacted)"),
            new Key("nmf.topic.dead.letters", Topics.DEAD_LETTERS, "rejected input with its reason"),
            new Key("nmf.topic.stats", Topics.STATS, "internal: statistics from the projectors to the updater"),
            new Key("nmf.topic.basis", Topics.BASIS, "internal: every basis version, read by every instance (compacted)"),
            new Key("nmf.partitions", "4", "partitions of the input and weights topics when this service creates them"),
            new Key("nmf.replication", "1", "replication factor of the topics this service creates"));

    public NmfStreamConfig {
        if (rank < 1 || rank > 10_000) {
            throw new IllegalArgumentException("nmf.rank = " + rank + ", expected an integer in [1, 10000]");
        }
        if (dimension < 1) {
            throw new IllegalArgumentException("nmf.dimension = " + dimension + ", expected a positive integer");
        }
        if (rank > dimension) {
            throw new IllegalArgumentException("nmf.rank = " + rank + ", expected at most nmf.dimension = " + dimension);
        }
        if (!learning && (basisFile == null || basisFile.isEmpty())) {
            throw new IllegalArgumentException("nmf.learning = false needs nmf.basis.file (the fixed basis)");
        }
        if (!List.of("json", "binary", "auto").contains(inputFormat)) {
            throw new IllegalArgumentException("nmf.input.format = " + inputFormat + ", expected json, binary or auto");
        }
        if (model == null || model.isEmpty() || model.contains("/")) {
            throw new IllegalArgumentException("nmf.model = '" + model + "', expected a non-empty name without '/'");
        }
        if (topics.all().stream().distinct().count() != 6 || topics.all().stream().anyMatch(String::isEmpty)) {
            throw new IllegalArgumentException("nmf.topic.*: " + topics + ", expected six different non-empty names");
        }
        // the engine's own checks (batch size, steps, bootstrap) with the key names of this file
        engine(rank, batchSize, steps, forgetting, rule, bootstrapSize, learning, seed);
    }

    /** The engine's configuration. */
    public NmfConfig engine() {
        return engine(rank, batchSize, steps, forgetting, rule, bootstrapSize, learning, seed);
    }

    private static NmfConfig engine(int rank, int batchSize, int steps, Forgetting forgetting, UpdateRule rule,
            int bootstrapSize, boolean learning, long seed) {
        try {
            return new NmfConfig(rank, batchSize, steps, forgetting, rule, 0,
                    Initialization.NNDSVDA, bootstrapSize, learning, seed);
        } catch (IllegalArgumentException e) {
            String m = e.getMessage();
            String key = m.startsWith("batchSize") ? "nmf.batch.size" : m.startsWith("steps") ? "nmf.steps"
                    : m.startsWith("bootstrapSize") ? "nmf.bootstrap.size" : "nmf";
            throw new IllegalArgumentException(key + ": " + m);
        }
    }

    /**
     * Reads the settings from properties: {@code nmf.*} keys are parsed and checked, the rest
     * kept for Kafka.
     *
     * @throws IllegalArgumentException naming the first bad or missing key
     */
    public static NmfStreamConfig from(Properties properties) {
        Map<String, String> values = new LinkedHashMap<>();
        for (Key key : KEYS) {
            if (key.defaultValue() != null) {
                values.put(key.name(), key.defaultValue());
            }
        }
        Properties kafka = new Properties();
        for (String name : properties.stringPropertyNames()) {
            String value = properties.getProperty(name).trim();
            if (name.startsWith("nmf.")) {
                if (KEYS.stream().noneMatch(k -> k.name().equals(name))) {
                    throw new IllegalArgumentException(name + ": unknown setting; the nmf.* keys are "
                            + KEYS.stream().map(Key::name).toList());
                }
                values.put(name, value);
            } else {
                kafka.setProperty(name, value);
            }
        }
        Forgetting forgetting;
        try {
            forgetting = Forgetting.parse(values.get("nmf.forgetting"));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("nmf.forgetting: " + e.getMessage());
        }
        UpdateRule rule;
        try {
            rule = UpdateRule.valueOf(values.get("nmf.rule").toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("nmf.rule = " + values.get("nmf.rule") + ", expected HALS or MU");
        }
        return new NmfStreamConfig(
                integer(values, "nmf.rank"),
                integer(values, "nmf.dimension"),
                integer(values, "nmf.batch.size"),
                integer(values, "nmf.steps"),
                forgetting,
                rule,
                longValue(values, "nmf.seed"),
                integer(values, "nmf.bootstrap.size"),
                bool(values, "nmf.learning"),
                values.get("nmf.basis.file"),
                values.get("nmf.input.format").toLowerCase(Locale.ROOT),
                positive(values, "nmf.max.value.bytes"),
                positive(values, "nmf.warmup.max.items"),
                positive(values, "nmf.snapshot.interval.ms"),
                positive(values, "nmf.stats.flush.ms"),
                integer(values, "nmf.dead.letter.prefix.bytes"),
                integer(values, "nmf.top.features"),
                values.get("nmf.model"),
                new TopicNames(values.get("nmf.topic.columns"), values.get("nmf.topic.weights"),
                        values.get("nmf.topic.factors"), values.get("nmf.topic.dead.letters"),
                        values.get("nmf.topic.stats"), values.get("nmf.topic.basis")),
                positive(values, "nmf.partitions"),
                (short) positive(values, "nmf.replication"),
                kafka);
    }

    private static int integer(Map<String, String> values, String key) {
        String v = values.get(key);
        if (v == null) {
            throw new IllegalArgumentException(key + " is required");
        }
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + " = '" + v + "', expected an integer");
        }
    }

    private static int positive(Map<String, String> values, String key) {
        int v = integer(values, key);
        if (v <= 0) {
            throw new IllegalArgumentException(key + " = " + v + ", expected a positive integer");
        }
        return v;
    }

    private static long longValue(Map<String, String> values, String key) {
        String v = values.get(key);
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + " = '" + v + "', expected an integer");
        }
    }

    private static boolean bool(Map<String, String> values, String key) {
        String v = values.get(key).toLowerCase(Locale.ROOT);
        if (!v.equals("true") && !v.equals("false")) {
            throw new IllegalArgumentException(key + " = '" + values.get(key) + "', expected true or false");
        }
        return Boolean.parseBoolean(v);
    }
}
