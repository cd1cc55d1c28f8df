package dev.nmfstream.stream;

import dev.nmfstream.nmf.Forgetting;
import dev.nmfstream.nmf.InfluenceCap;
import dev.nmfstream.nmf.Initialization;
import dev.nmfstream.nmf.Loss;
import dev.nmfstream.nmf.NmfConfig;
import dev.nmfstream.nmf.UpdateRule;
import dev.nmfstream.text.Language;
import dev.nmfstream.text.TextSettings;
import dev.nmfstream.text.Weighting;
import dev.nmfstream.wire.ComponentMessage;
import dev.nmfstream.wire.Topics;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.function.Predicate;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigException;

/**
 * The {@code nmf.*} settings of the streaming service on Kafka's own {@link ConfigDef}: every key
 * is declared once in {@link #configDef()} with its type, default, validator, importance and
 * documentation (the README's settings table is rendered from it, {@link #markdownTable()}).
 * Values are parsed and checked on construction: a bad value fails with a message naming the key,
 * the value and what is expected. Every other key of the properties is passed to Kafka Streams
 * as it is ({@link #kafka()}).
 */
public final class NmfStreamConfig extends AbstractConfig {

    /** The topics, by role. */
    public record TopicNames(String columns, String weights, String factors, String deadLetters, String stats,
            String basis) {

        /** All six names. */
        public List<String> all() {
            return List.of(columns, weights, factors, deadLetters, stats, basis);
        }
    }

    public static final String RANK = "nmf.rank";
    public static final String DIMENSION = "nmf.dimension";
    public static final String BATCH_SIZE = "nmf.batch.size";
    public static final String STEPS = "nmf.steps";
    public static final String FORGETTING = "nmf.forgetting";
    public static final String RULE = "nmf.rule";
    public static final String SEED = "nmf.seed";
    public static final String BOOTSTRAP_SIZE = "nmf.bootstrap.size";
    public static final String INFLUENCE_CAP = "nmf.influence.cap";
    public static final String LEARNING = "nmf.learning";
    public static final String BASIS_FILE = "nmf.basis.file";
    public static final String INPUT_FORMAT = "nmf.input.format";
    public static final String MAX_VALUE_BYTES = "nmf.max.value.bytes";
    public static final String MAX_ID_BYTES = "nmf.max.id.bytes";
    public static final String MAX_VALUE = "nmf.max.value";
    public static final String WARMUP_MAX_ITEMS = "nmf.warmup.max.items";
    public static final String SNAPSHOT_INTERVAL_MS = "nmf.snapshot.interval.ms";
    public static final String STATS_FLUSH_MS = "nmf.stats.flush.ms";
    public static final String DEAD_LETTER_PREFIX_BYTES = "nmf.dead.letter.prefix.bytes";
    public static final String TOP_FEATURES = "nmf.top.features";
    public static final String MODEL = "nmf.model";
    public static final String TOPIC_COLUMNS = "nmf.topic.columns";
    public static final String TOPIC_WEIGHTS = "nmf.topic.weights";
    public static final String TOPIC_FACTORS = "nmf.topic.factors";
    public static final String TOPIC_DEAD_LETTERS = "nmf.topic.dead.letters";
    public static final String TOPIC_STATS = "nmf.topic.stats";
    public static final String TOPIC_BASIS = "nmf.topic.basis";
    public static final String PARTITIONS = "nmf.partitions";
    public static final String REPLICATION = "nmf.replication";
    public static final String CONNECT_TIMEOUT_MS = "nmf.connect.timeout.ms";
    public static final String STATUS_INTERVAL_MS = "nmf.status.interval.ms";
    public static final String EMBEDDED_PORT = "nmf.embedded.port";
    public static final String TEXT_LANGUAGE = "nmf.text.language";
    public static final String TEXT_STEMMING = "nmf.text.stemming";
    public static final String TEXT_WEIGHTING = "nmf.text.weighting";
    public static final String UPDATE_MIN_INTERVAL_MS = "nmf.update.min.interval.ms";
    public static final String BACKLOG_DIVISOR = "nmf.backlog.divisor";
    public static final String INPUT_SPARSE = "nmf.input.sparse";

    /**
     * The defaults that {@link #INPUT_SPARSE} = true (sparse JSON, text) gives the keys a user did
     * not set. A mini-batch of 1024: on planted topics batch 1024 recovered every topic for 8 seeds
     * of 8, 512 missed one for 1 seed; W updated at most once a second, so that a backlog of short
     * documents does not publish many large basis versions a second (BENCHMARKS.md, issue 11).
     */
    public static final Map<String, String> SPARSE_DEFAULTS = Map.of(
            BATCH_SIZE, "" + NmfConfig.DEFAULT_STREAM_SPARSE_BATCH,
            UPDATE_MIN_INTERVAL_MS, "1000");
    public static final String AUDIO_SAMPLE_RATE = "nmf.audio.sample.rate";
    public static final String AUDIO_N_FFT = "nmf.audio.n.fft";
    public static final String LOSS = "nmf.loss";
    public static final String HTTP_HOST = "nmf.http.host";
    public static final String HTTP_PORT = "nmf.http.port";
    public static final String HTTP_ENABLED = "nmf.http.enabled";
    public static final String IMAGE_SHAPE = "nmf.image.shape";

    /** Every {@code nmf.*} key, in the order the README lists them. */
    private static final ConfigDef CONFIG = new ConfigDef()
            .define(RANK, Type.INT, ConfigDef.NO_DEFAULT_VALUE, between(1, 10_000), Importance.HIGH,
                    "number of components r (required)")
            .define(DIMENSION, Type.INT, null, new Check("an integer ≥ 1", v -> (Integer) v >= 1, true),
                    Importance.HIGH, "dimension m of every input column (required unless nmf.input.format = text: "
                            + "then the number of rows words are hashed into, default " + TextSettings.DEFAULT_BUCKETS
                            + ")")
            .define(BATCH_SIZE, Type.INT, NmfConfig.DEFAULT_BATCH, atLeast(1), Importance.MEDIUM,
                    "items per mini-batch")
            .define(STEPS, Type.INT, NmfConfig.DEFAULT_STEPS, between(1, 10_000), Importance.MEDIUM,
                    "HALS sweeps (or MU steps) per update")
            .define(FORGETTING, Type.STRING, "auto", new ForgettingValidator(), Importance.MEDIUM,
                    "forgetting per mini-batch: auto, schedule:P or a factor in (0, 1]")
            .define(RULE, Type.STRING, "HALS", oneOf("HALS", "MU"), Importance.MEDIUM,
                    "update rule: HALS or MU")
            .define(SEED, Type.LONG, 0L, Importance.LOW,
                    "seed of every random choice")
            .define(BOOTSTRAP_SIZE, Type.INT, 0, atLeast(0), Importance.LOW,
                    "columns the first basis is made from (0: max(batch, 2·rank))")
            .define(INFLUENCE_CAP, Type.DOUBLE, InfluenceCap.DEFAULT_FACTOR, new Check("a finite number ≥ 1",
                    v -> (Double) v >= 1 && !((Double) v).isInfinite()), Importance.LOW,
                    "an item whose norm exceeds this many times the stream's typical norm counts the less the "
                            + "larger it is (README, Concepts: Influence)")
            .define(LEARNING, Type.BOOLEAN, true, Importance.MEDIUM,
                    "false: keep the basis of nmf.basis.file fixed")
            .define(BASIS_FILE, Type.STRING, "", Importance.MEDIUM,
                    "an .npy file (m × r) with the first basis; empty: learn it from the stream")
            .define(INPUT_FORMAT, Type.STRING, "auto", oneOf("json", "binary", "auto", "text"),
                    Importance.MEDIUM, "input values: json, binary or auto (binary when the magic NMFB leads); text: "
                            + "documents {\"id\", \"text\"} vectorised by the service (README, Text)")
            .define(MAX_VALUE_BYTES, Type.INT, 4_194_304, atLeast(1), Importance.LOW,
                    "larger input values go to the dead letters unread")
            .define(MAX_ID_BYTES, Type.INT, 256, between(1, 1 << 20), Importance.LOW,
                    "items whose id (the record key or the JSON \"id\") is longer in UTF-8 go to the dead letters")
            .define(MAX_VALUE, Type.DOUBLE, 1e30, new Check("a finite positive number",
                    v -> (Double) v > 0 && !((Double) v).isInfinite()), Importance.LOW,
                    "the largest input value learned from: items with a larger value go to the dead letters")
            .define(WARMUP_MAX_ITEMS, Type.INT, 100_000, atLeast(1), Importance.LOW,
                    "items held per task before the first basis exists")
            .define(SNAPSHOT_INTERVAL_MS, Type.LONG, 10_000L, atLeast(1), Importance.LOW,
                    "the factors are published at most this often while statistics flow; once none have come for "
                            + "nmf.stats.flush.ms + 1 s and all are learned, at once")
            .define(STATS_FLUSH_MS, Type.LONG, 2_000L, atLeast(1), Importance.LOW,
                    "partial statistics are sent after this long without a full batch")
            .define(DEAD_LETTER_PREFIX_BYTES, Type.INT, 4096, atLeast(0), Importance.LOW,
                    "bytes of a bad value kept in its dead letter")
            .define(TOP_FEATURES, Type.INT, 10, atLeast(0), Importance.LOW,
                    "top features listed per component in the factors")
            .define(MODEL, Type.STRING, "nmf", new Check("a non-empty name without '/'",
                    v -> !((String) v).isEmpty() && !((String) v).contains("/")), Importance.MEDIUM,
                    "the model's name: the key prefix of the factors")
            .define(TOPIC_COLUMNS, Type.STRING, Topics.COLUMNS, topicName(), Importance.HIGH,
                    "input topic")
            .define(TOPIC_WEIGHTS, Type.STRING, Topics.WEIGHTS, topicName(), Importance.HIGH,
                    "weights of every item")
            .define(TOPIC_FACTORS, Type.STRING, Topics.FACTORS, topicName(), Importance.MEDIUM,
                    "factor snapshots (compacted)")
            .define(TOPIC_DEAD_LETTERS, Type.STRING, Topics.DEAD_LETTERS, topicName(), Importance.MEDIUM,
                    "rejected input with its reason")
            .define(TOPIC_STATS, Type.STRING, Topics.STATS, topicName(), Importance.LOW,
                    "internal: statistics from the projectors to the updater")
            .define(TOPIC_BASIS, Type.STRING, Topics.BASIS, topicName(), Importance.LOW,
                    "internal: every basis version, read by every instance (compacted)")
            .define(PARTITIONS, Type.INT, 4, atLeast(1), Importance.MEDIUM,
                    "partitions of the input, weights and dead-letter topics when this service creates them (the "
                            + "others have one); a topic that exists already keeps its own count")
            .define(REPLICATION, Type.SHORT, (short) 1, atLeast(1), Importance.MEDIUM,
                    "replication factor of the topics this service creates")
            .define(CONNECT_TIMEOUT_MS, Type.LONG, 15_000L, atLeast(1), Importance.LOW,
                    "at start, how long to wait for the Kafka cluster to answer before stopping with an error")
            .define(STATUS_INTERVAL_MS, Type.LONG, 10_000L, atLeast(0), Importance.LOW,
                    "run prints a status line this often (items in, weights out, dead letters, model, lag); 0: never")
            .define(EMBEDDED_PORT, Type.INT, 9092, between(0, 65535), Importance.LOW,
                    "broker port of the embedded broker (without bootstrap.servers); a free one when it is taken; "
                            + "0: any free port")
            .define(TEXT_LANGUAGE, Type.STRING, "english", new Check("one of " + Language.names(),
                    v -> isLanguage((String) v)), Importance.MEDIUM,
                    "text input: the language of the stop words and the stemmer (" + Language.names() + ")")
            .define(TEXT_STEMMING, Type.BOOLEAN, false, Importance.MEDIUM,
                    "text input: reduce words to their Snowball stem (labels are then stems)")
            .define(TEXT_WEIGHTING, Type.STRING, "sublinear", oneOf("sublinear", "tf", "binary"), Importance.LOW,
                    "text input: a word counted tf times in a document weighs 1 + ln tf (sublinear), tf, or 1 "
                            + "(binary); then the vector is scaled to unit length")
            .define(UPDATE_MIN_INTERVAL_MS, Type.LONG, 0L, atLeast(0), Importance.LOW,
                    "the updater updates W (and publishes a basis version and saves the model) at most this often; "
                            + "statistics arriving meanwhile are merged into the next update, which then learns from "
                            + "more than nmf.batch.size items; 0: once per nmf.batch.size items")
            .define(BACKLOG_DIVISOR, Type.INT, Staleness.DEFAULT_DIVISOR, between(1, 1_000_000), Importance.LOW,
                    "in a backlog, a task projects at most nmf.batch.size · max(1, v / (this · P)) items with basis "
                            + "version v (P: the input's partitions), then waits for a newer one: larger keeps a "
                            + "drifting backlog (time-ordered audio) nearer batch NMF and catches up more slowly")
            .define(INPUT_SPARSE, Type.BOOLEAN, false, Importance.MEDIUM,
                    "the items are sparse (sparse JSON; true by default for nmf.input.format = text): the keys not set take the sparse defaults "
                            + "nmf.batch.size = 1024 and nmf.update.min.interval.ms = 1000")
            .define(AUDIO_SAMPLE_RATE, Type.DOUBLE, 0.0, new Check("0 or a finite positive number",
                    v -> (Double) v >= 0 && Double.isFinite((Double) v)), Importance.LOW,
                    "for spectrogram frames (produce-audio): the audio's sample rate in Hz; with it the factors' top "
                            + "features are labelled in Hz with their note and each component reports its peak and "
                            + "fundamental; 0: the rows are not frequencies")
            .define(AUDIO_N_FFT, Type.INT, 2048, atLeast(4), Importance.LOW,
                    "for spectrogram frames: the STFT's FFT length (nmf.dimension must be n_fft/2 + 1 when "
                            + AUDIO_SAMPLE_RATE + " is set)")
            .define(LOSS, Type.STRING, "frobenius", oneOf("frobenius", "kl"), Importance.MEDIUM,
                    "what the model minimises: frobenius (least squares) or kl (generalised Kullback–Leibler "
                            + "divergence, for counts and magnitude spectra; the weights then carry each item's "
                            + "divergence; nmf.rule and nmf.steps do not apply)")
            .define(HTTP_HOST, Type.STRING, "127.0.0.1", Importance.MEDIUM,
                    "the address the page, the JSON API and /metrics listen on (only it); 0.0.0.0: every interface")
            .define(HTTP_PORT, Type.INT, 8080, between(0, 65535), Importance.MEDIUM,
                    "their port (run stops with an error when it is taken, demo takes a free one); 0: any free port")
            .define(HTTP_ENABLED, Type.BOOLEAN, true, Importance.MEDIUM,
                    "whether the instance serves the page, the JSON API and /metrics (and keeps its items' latest "
                            + "weights for queries)")
            .define(IMAGE_SHAPE, Type.STRING, "", new Check("empty or HxW, two positive integers",
                            v -> ((String) v).isEmpty() || ((String) v).matches("[1-9][0-9]{0,5}x[1-9][0-9]{0,5}")),
                    Importance.LOW,
                    "the items are images of H × W pixels, row-major (m = H·W): the page draws components as images; "
                            + "empty: not images");

    private final int rank;
    private final int dimension;
    private final int batchSize;
    private final int steps;
    private final Forgetting forgetting;
    private final UpdateRule rule;
    private final Loss loss;
    private final long seed;
    private final int bootstrapSize;
    private final double influenceCap;
    private final boolean learning;
    private final String basisFile;
    private final String inputFormat;
    private final int maxValueBytes;
    private final int maxIdBytes;
    private final double maxValue;
    private final int warmupMaxItems;
    private final long snapshotIntervalMs;
    private final long statsFlushMs;
    private final int deadLetterPrefixBytes;
    private final int topFeatures;
    private final String model;
    private final TopicNames topics;
    private final int partitions;
    private final short replication;
    private final long connectTimeoutMs;
    private final long statusIntervalMs;
    private final int embeddedPort;
    private final TextSettings text;
    private final long updateMinIntervalMs;
    private final int backlogDivisor;
    private final boolean inputSparse;
    private final double audioSampleRate;
    private final int audioNFft;
    private final String httpHost;
    private final int httpPort;
    private final boolean httpEnabled;
    private final String imageShape;
    private final Properties kafka;
    private final NmfConfig engine;

    private NmfStreamConfig(Map<String, String> settings, Properties kafka) {
        super(CONFIG, settings, false);
        rank = getInt(RANK);
        boolean textInput = "text".equalsIgnoreCase(getString(INPUT_FORMAT));
        if (getInt(DIMENSION) == null && !textInput) {
            throw new ConfigException(DIMENSION + ": missing, expected the dimension m of the input columns (required "
                    + "unless " + INPUT_FORMAT + " = text)");
        }
        dimension = getInt(DIMENSION) != null ? getInt(DIMENSION) : TextSettings.DEFAULT_BUCKETS;
        batchSize = getInt(BATCH_SIZE);
        steps = getInt(STEPS);
        forgetting = Forgetting.parse(getString(FORGETTING));
        rule = UpdateRule.valueOf(getString(RULE).toUpperCase(Locale.ROOT));
        seed = getLong(SEED);
        bootstrapSize = getInt(BOOTSTRAP_SIZE);
        influenceCap = getDouble(INFLUENCE_CAP);
        learning = getBoolean(LEARNING);
        basisFile = getString(BASIS_FILE);
        inputFormat = getString(INPUT_FORMAT).toLowerCase(Locale.ROOT);
        maxValueBytes = getInt(MAX_VALUE_BYTES);
        maxIdBytes = getInt(MAX_ID_BYTES);
        maxValue = getDouble(MAX_VALUE);
        warmupMaxItems = getInt(WARMUP_MAX_ITEMS);
        snapshotIntervalMs = getLong(SNAPSHOT_INTERVAL_MS);
        statsFlushMs = getLong(STATS_FLUSH_MS);
        deadLetterPrefixBytes = getInt(DEAD_LETTER_PREFIX_BYTES);
        topFeatures = getInt(TOP_FEATURES);
        model = getString(MODEL);
        topics = new TopicNames(getString(TOPIC_COLUMNS), getString(TOPIC_WEIGHTS), getString(TOPIC_FACTORS),
                getString(TOPIC_DEAD_LETTERS), getString(TOPIC_STATS), getString(TOPIC_BASIS));
        partitions = getInt(PARTITIONS);
        replication = getShort(REPLICATION);
        connectTimeoutMs = getLong(CONNECT_TIMEOUT_MS);
        statusIntervalMs = getLong(STATUS_INTERVAL_MS);
        embeddedPort = getInt(EMBEDDED_PORT);
        text = textInput ? new TextSettings(dimension, Language.parse(getString(TEXT_LANGUAGE)),
                getBoolean(TEXT_STEMMING), Weighting.parse(getString(TEXT_WEIGHTING))) : null;
        updateMinIntervalMs = getLong(UPDATE_MIN_INTERVAL_MS);
        backlogDivisor = getInt(BACKLOG_DIVISOR);
        inputSparse = getBoolean(INPUT_SPARSE);
        audioSampleRate = getDouble(AUDIO_SAMPLE_RATE);
        audioNFft = getInt(AUDIO_N_FFT);
        loss = Loss.parse(getString(LOSS));
        httpHost = getString(HTTP_HOST).trim();
        httpPort = getInt(HTTP_PORT);
        httpEnabled = getBoolean(HTTP_ENABLED);
        imageShape = getString(IMAGE_SHAPE);
        this.kafka = kafka;
        // what one key's validator cannot see: how the keys go together
        if (rank > dimension) {
            throw new ConfigException(RANK + " = " + rank + ", expected at most " + DIMENSION + " = " + dimension);
        }
        if (bootstrapSize != 0 && bootstrapSize < rank) {
            throw new ConfigException(BOOTSTRAP_SIZE + " = " + bootstrapSize + ", expected 0 (automatic) or at least "
                    + RANK + " = " + rank);
        }
        if (audioSampleRate > 0 && (audioNFft % 2 != 0 || dimension != audioNFft / 2 + 1)) {
            throw new ConfigException(AUDIO_SAMPLE_RATE + " is set and " + AUDIO_N_FFT + " = " + audioNFft + ", expected "
                    + "an even n_fft with " + DIMENSION + " = n_fft/2 + 1 (" + DIMENSION + " = " + dimension + ")");
        }
        if (!learning && basisFile.isEmpty()) {
            throw new ConfigException(LEARNING + " = false needs " + BASIS_FILE + " (the fixed basis)");
        }
        List<String> topicKeys = List.of(TOPIC_COLUMNS, TOPIC_WEIGHTS, TOPIC_FACTORS, TOPIC_DEAD_LETTERS, TOPIC_STATS,
                TOPIC_BASIS);
        for (int i = 0; i < topicKeys.size(); i++) {
            for (int j = 0; j < i; j++) {
                if (topics.all().get(i).equals(topics.all().get(j))) {
                    throw new ConfigException(topicKeys.get(i) + " = '" + topics.all().get(i) + "' is also "
                            + topicKeys.get(j) + ", expected six different topic names");
                }
            }
        }
        if (!imageShape.isEmpty() && imageHeight() * imageWidth() != dimension) {
            throw new ConfigException(IMAGE_SHAPE + " = " + imageShape + " has " + imageHeight() * imageWidth()
                    + " pixels, expected " + DIMENSION + " = " + dimension);
        }
        // every value the engine checks has been checked above with its key's name
        engine = new NmfConfig(rank, batchSize, steps, forgetting, rule, 0, Initialization.NNDSVDA, bootstrapSize,
                learning, seed, influenceCap, loss);
    }

    /**
     * Reads the settings from properties: {@code nmf.*} keys are parsed and checked, the rest
     * kept for Kafka.
     *
     * @throws IllegalArgumentException naming the first bad, unknown or missing key
     */
    public static NmfStreamConfig from(Properties properties) {
        Map<String, String> settings = new LinkedHashMap<>();
        Properties kafka = new Properties();
        for (String name : properties.stringPropertyNames()) {
            String value = properties.getProperty(name).trim();
            if (name.startsWith("nmf.")) {
                if (!CONFIG.names().contains(name)) {
                    String near = closest(name, CONFIG.names());
                    throw new IllegalArgumentException(name + ": unknown setting"
                            + (near == null ? "." : ", did you mean " + near + "?") + " The nmf.* keys are "
                            + new ArrayList<>(CONFIG.names()));
                }
                settings.put(name, value);
            } else {
                kafka.setProperty(name, value);
            }
        }
        // text input is sparse by nature: it takes the sparse defaults unless nmf.input.sparse says otherwise
        boolean sparse = settings.containsKey(INPUT_SPARSE) ? "true".equalsIgnoreCase(settings.get(INPUT_SPARSE))
                : "text".equalsIgnoreCase(settings.get(INPUT_FORMAT));
        if (sparse) {
            settings.putIfAbsent(INPUT_SPARSE, "true");
            for (Map.Entry<String, String> d : SPARSE_DEFAULTS.entrySet()) {
                settings.putIfAbsent(d.getKey(), d.getValue());
            }
        }
        try {
            return new NmfStreamConfig(settings, kafka);
        } catch (ConfigException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    /**
     * The properties with {@link #INPUT_SPARSE} = true unless they set it: a path whose input is
     * sparse by nature (text, sparse vectors) calls this before {@link #from}, so that the keys the
     * user did not set take {@link #SPARSE_DEFAULTS}. A copy; the argument is not modified.
     */
    public static Properties withSparseDefaults(Properties properties) {
        Properties out = new Properties();
        for (String name : properties.stringPropertyNames()) {
            out.setProperty(name, properties.getProperty(name));
        }
        if (out.getProperty(INPUT_SPARSE) == null) {
            out.setProperty(INPUT_SPARSE, "true");
        }
        return out;
    }

    /** The definition of every {@code nmf.*} key (a copy). */
    public static ConfigDef configDef() {
        return new ConfigDef(CONFIG);
    }

    /**
     * Checks a value given under another name (a command-line option that stands for an
     * {@code nmf.*} key) with that key's type and validator.
     *
     * @param key the {@code nmf.*} key whose definition applies
     * @param name the name the user gave the value, used in the message
     * @throws IllegalArgumentException naming {@code name}, the value and what is expected
     */
    public static void check(String key, String name, Object value) {
        ConfigDef.ConfigKey definition = CONFIG.configKeys().get(key);
        if (definition == null) {
            throw new IllegalArgumentException(key + ": not an nmf.* key");
        }
        try {
            Object parsed = ConfigDef.parseType(name, value, definition.type);
            if (definition.validator != null) {
                definition.validator.ensureValid(name, parsed);
            }
        } catch (ConfigException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    /**
     * The README's settings table: one row per key, in definition order, with its default
     * ({@code (required)} when it has none) and its documentation.
     */
    public static String markdownTable() {
        StringBuilder sb = new StringBuilder("| key | default | meaning |\n|---|---|---|\n");
        for (ConfigDef.ConfigKey key : CONFIG.configKeys().values()) {
            String defaultValue = !key.hasDefault() ? "(required)"
                    : key.defaultValue == null || ConfigDef.convertToString(key.defaultValue, key.type).isEmpty()
                    ? "(empty)" : "`" + ConfigDef.convertToString(key.defaultValue, key.type) + "`";
            sb.append("| `").append(key.name).append("` | ").append(defaultValue).append(" | ")
                    .append(key.documentation.replace("|", "\\|")).append(" |\n");
        }
        return sb.toString();
    }

    /**
     * The {@code nmf.*} key of an engine setting ({@link NmfConfig.Change#setting()}), for messages
     * about a stored model's settings.
     */
    public static String keyOfEngineSetting(String setting) {
        return switch (setting) {
            case "rank" -> RANK;
            case "batchSize" -> BATCH_SIZE;
            case "steps" -> STEPS;
            case "forgetting" -> FORGETTING;
            case "rule" -> RULE;
            case "seed" -> SEED;
            case "bootstrapSize" -> BOOTSTRAP_SIZE;
            case "learning" -> LEARNING;
            case "influenceCap" -> INFLUENCE_CAP;
            case "loss" -> LOSS;
            default -> "engine setting " + setting;
        };
    }

    /**
     * The name among {@code known} closest to {@code name} in edit distance, if it is close
     * enough to be a likely typo (at most 1 edit for names up to 10 characters, 2 up to 20, 3
     * beyond), else null.
     */
    public static String closest(String name, Iterable<String> known) {
        int limit = name.length() <= 10 ? 1 : name.length() <= 20 ? 2 : 3;
        String best = null;
        int bestDistance = limit + 1;
        for (String candidate : known) {
            if (Math.abs(candidate.length() - name.length()) > limit) {
                continue;
            }
            int d = editDistance(name, candidate);
            if (d < bestDistance) {
                best = candidate;
                bestDistance = d;
            }
        }
        return best;
    }

    /**
     * Edit distance with the typist's four edits: inserting, deleting or replacing one character,
     * or swapping two adjacent ones (optimal string alignment).
     */
    static int editDistance(String a, String b) {
        int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) {
            d[i][0] = i;
        }
        for (int j = 0; j <= b.length(); j++) {
            d[0][j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                d[i][j] = Math.min(d[i - 1][j - 1] + cost, Math.min(d[i - 1][j], d[i][j - 1]) + 1);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
                    d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
                }
            }
        }
        return d[a.length()][b.length()];
    }

    /** Number of components r. */
    public int rank() {
        return rank;
    }

    /** Dimension m of every input column. */
    public int dimension() {
        return dimension;
    }

    /** The smallest record limit the service's producer and topics get: 2 MiB. */
    public static final int RECORD_BYTES_FLOOR = 2 * 1024 * 1024;

    /**
     * The largest record the service writes, and the limit its producer ({@code max.request.size})
     * and the factors topic ({@code max.message.bytes}) get: 2 MiB, or more where a factor
     * snapshot's component of m rows can be larger (from m ≈ 80,000: a component of m = 2^17 is
     * about 3 MB of JSON). The internal messages are cut into chunks well below it.
     */
    public int recordBytes() {
        long bytes = ComponentMessage.maxBytes(dimension, topFeatures);
        return (int) Math.min(Integer.MAX_VALUE - 1024L, Math.max(RECORD_BYTES_FLOOR, bytes));
    }

    /** The text pipeline's settings when {@code nmf.input.format = text}, else null. */
    public TextSettings text() {
        return text;
    }

    private static boolean isLanguage(String name) {
        try {
            Language.parse(name);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** Items per mini-batch: each projector sends its statistics every this many items. */
    public int batchSize() {
        return batchSize;
    }

    /** HALS sweeps (or MU steps) per update. */
    public int steps() {
        return steps;
    }

    /** Forgetting per mini-batch. */
    public Forgetting forgetting() {
        return forgetting;
    }

    /** What the model minimises ({@code nmf.loss}). */
    public Loss loss() {
        return loss;
    }

    /** The update rule. */
    public UpdateRule rule() {
        return rule;
    }

    /** Seed of every random choice. */
    public long seed() {
        return seed;
    }

    /** Columns the first basis is made from (0: max(batch, 2·rank)). */
    public int bootstrapSize() {
        return bootstrapSize;
    }

    /** False for a fixed basis (needs {@link #basisFile()}). */
    public boolean learning() {
        return learning;
    }

    /** An .npy file (m × r) with the first basis, or empty to learn it from the stream. */
    public String basisFile() {
        return basisFile;
    }

    /** json, binary or auto (lower case). */
    public String inputFormat() {
        return inputFormat;
    }

    /** Larger input values are dead-lettered unread. */
    public int maxValueBytes() {
        return maxValueBytes;
    }

    /** Longer item ids (UTF-8 bytes, key or JSON "id") are dead-lettered. */
    public int maxIdBytes() {
        return maxIdBytes;
    }

    /** The largest input value learned from; items with a larger one are dead-lettered. */
    public double maxValue() {
        return maxValue;
    }

    /** κ: items beyond κ times the stream's typical norm are learned from scaled down ({@link InfluenceCap}). */
    public double influenceCap() {
        return influenceCap;
    }

    /** Items held per task while no basis exists. */
    public int warmupMaxItems() {
        return warmupMaxItems;
    }

    /** The public factors are published at most this often. */
    public long snapshotIntervalMs() {
        return snapshotIntervalMs;
    }

    /** A projector sends partial statistics after this long without a full batch. */
    public long statsFlushMs() {
        return statsFlushMs;
    }

    /** Bytes of a bad value kept in its dead letter. */
    public int deadLetterPrefixBytes() {
        return deadLetterPrefixBytes;
    }

    /** Top features listed per component in the factors. */
    public int topFeatures() {
        return topFeatures;
    }

    /** The model's name (the key prefix of the factors). */
    public String model() {
        return model;
    }

    /** The topic names. */
    public TopicNames topics() {
        return topics;
    }

    /**
     * Partitions of the input, weights and dead-letter topics when this service creates them
     * (the others have one); a topic that exists already keeps its own count.
     */
    public int partitions() {
        return partitions;
    }

    /** Replication factor of the topics this service creates. */
    public short replication() {
        return replication;
    }

    /** How long the start waits for the Kafka cluster to answer (milliseconds). */
    public long connectTimeoutMs() {
        return connectTimeoutMs;
    }

    /** How often {@code run} prints a status line; 0: never. */
    public long statusIntervalMs() {
        return statusIntervalMs;
    }

    /** The port the embedded broker asks for (a free one when it is taken); 0: any free port. */
    public int embeddedPort() {
        return embeddedPort;
    }

    /** The least time between two updates of W by the updater (0: no limit). */
    public long updateMinIntervalMs() {
        return updateMinIntervalMs;
    }

    /** The divisor of the backlog allowance ({@link #BACKLOG_DIVISOR}, {@link Staleness#allowance}). */
    public int backlogDivisor() {
        return backlogDivisor;
    }

    /** Whether the items were declared sparse ({@link #INPUT_SPARSE}; the sparse defaults applied). */
    public boolean inputSparse() {
        return inputSparse;
    }

    /** The audio's sample rate in Hz for spectrogram frames; 0: the rows are not frequencies. */
    public double audioSampleRate() {
        return audioSampleRate;
    }

    /** The STFT's FFT length for spectrogram frames (meaningful when {@link #audioSampleRate()} &gt; 0). */
    public int audioNFft() {
        return audioNFft;
    }

    /** The address the HTTP server listens on. */
    public String httpHost() {
        return httpHost;
    }

    /** The HTTP server's port; 0: any free port. */
    public int httpPort() {
        return httpPort;
    }

    /** Whether the instance serves HTTP (page, API, /metrics). */
    public boolean httpEnabled() {
        return httpEnabled;
    }

    /** The items' image height H ({@code nmf.image.shape=HxW}), or 0 when they are not images. */
    public int imageHeight() {
        return imageShape.isEmpty() ? 0 : Integer.parseInt(imageShape.substring(0, imageShape.indexOf('x')));
    }

    /** The items' image width W, or 0 when they are not images. */
    public int imageWidth() {
        return imageShape.isEmpty() ? 0 : Integer.parseInt(imageShape.substring(imageShape.indexOf('x') + 1));
    }

    /** Every property that is not {@code nmf.*}, for Kafka Streams and its clients. */
    public Properties kafka() {
        return kafka;
    }

    /** The engine's configuration. */
    public NmfConfig engine() {
        return engine;
    }

    @Override
    public String toString() {
        return "NmfStreamConfig" + values();
    }

    private static ConfigDef.Validator atLeast(long min) {
        return new Check("an integer ≥ " + min, v -> ((Number) v).longValue() >= min);
    }

    private static ConfigDef.Validator between(long min, long max) {
        return new Check("an integer in [" + min + ", " + max + "]",
                v -> ((Number) v).longValue() >= min && ((Number) v).longValue() <= max);
    }

    private static ConfigDef.Validator oneOf(String... choices) {
        List<String> lower = Arrays.stream(choices).map(c -> c.toLowerCase(Locale.ROOT)).toList();
        String expected = choices.length == 2 ? choices[0] + " or " + choices[1]
                : String.join(", ", List.of(choices).subList(0, choices.length - 1)) + " or " + choices[choices.length - 1];
        return new Check(expected, v -> lower.contains(((String) v).toLowerCase(Locale.ROOT)));
    }

    private static ConfigDef.Validator topicName() {
        return new Check("a non-empty topic name", v -> !((String) v).isEmpty());
    }

    /**
     * A validator that says what it expects: its message is {@code name = value, expected …}
     * and its {@link #toString()} (Kafka's "valid values") is the expectation.
     */
    private record Check(String expected, Predicate<Object> accepts, boolean nullable) implements ConfigDef.Validator {
        Check(String expected, Predicate<Object> accepts) {
            this(expected, accepts, false);
        }

        @Override
        public void ensureValid(String name, Object value) {
            if (value == null && nullable) {
                return;
            }
            if (value == null || !accepts.test(value)) {
                String shown = value instanceof String s ? "'" + s + "'" : String.valueOf(value);
                throw new ConfigException(name + " = " + shown + ", expected " + expected);
            }
        }

        @Override
        public String toString() {
            return expected;
        }
    }

    /** auto, schedule:P or a fixed factor, as {@link Forgetting#parse} reads them. */
    private static final class ForgettingValidator implements ConfigDef.Validator {
        @Override
        public void ensureValid(String name, Object value) {
            try {
                Forgetting.parse((String) value);
            } catch (IllegalArgumentException e) {
                throw new ConfigException(name + " = '" + value + "': " + e.getMessage());
            }
        }

        @Override
        public String toString() {
            return "auto, schedule:P (P > 0) or a factor in (0, 1]";
        }
    }
}
