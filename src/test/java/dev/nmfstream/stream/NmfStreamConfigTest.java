package dev.nmfstream.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nmfstream.kafka.TopicSetup;
import dev.nmfstream.nmf.Forgetting;
import dev.nmfstream.nmf.Loss;
import dev.nmfstream.nmf.UpdateRule;
import dev.nmfstream.wire.ComponentMessage;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.common.config.ConfigDef;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class NmfStreamConfigTest {

    /** How many nmf.* keys there are: a new key must be counted here, and documented. */
    private static final int KEYS = 45;


    private static Properties minimal() {
        Properties p = new Properties();
        p.setProperty("nmf.rank", "20");
        p.setProperty("nmf.dimension", "1025");
        return p;
    }

    @Test
    void defaultsAndPassThrough() {
        Properties p = minimal();
        p.setProperty("bootstrap.servers", "127.0.0.1:9092");
        p.setProperty("processing.guarantee", "at_least_once");
        NmfStreamConfig c = NmfStreamConfig.from(p);
        assertEquals(20, c.rank());
        assertEquals(1025, c.dimension());
        assertEquals(128, c.batchSize());
        assertEquals(2, c.steps());
        assertEquals(Forgetting.DEFAULT, c.forgetting());
        assertEquals(UpdateRule.HALS, c.rule());
        assertEquals(0L, c.seed());
        assertEquals(0, c.bootstrapSize());
        assertTrue(c.learning());
        assertEquals("", c.basisFile());
        assertEquals("auto", c.inputFormat());
        assertEquals(4_194_304, c.maxValueBytes());
        assertEquals(100_000, c.warmupMaxItems());
        assertEquals(10_000L, c.snapshotIntervalMs());
        assertEquals(2_000L, c.statsFlushMs());
        assertEquals(4096, c.deadLetterPrefixBytes());
        assertEquals(10, c.topFeatures());
        assertEquals("nmf", c.model());
        assertEquals(new NmfStreamConfig.TopicNames("nmf-columns", "nmf-weights", "nmf-factors", "nmf-dead-letters",
                "nmf-stats", "nmf-basis"), c.topics());
        assertEquals(4, c.partitions());
        assertEquals((short) 1, c.replication());
        assertEquals("127.0.0.1:9092", c.kafka().getProperty("bootstrap.servers"));
        assertEquals("at_least_once", c.kafka().getProperty("processing.guarantee"));
        assertNull(c.kafka().getProperty("nmf.rank"), "nmf.* keys are not passed to Kafka");
        assertEquals(c.rank(), c.engine().rank());
        assertEquals(c.batchSize(), c.engine().batchSize());
        assertEquals(0, c.engine().refineRounds());
    }

    /**
     * The record limit of the producer and the factors topic: 2 MiB while a component fits, then
     * the component's bound (m = 2^17 of text: over 3 MB, which the broker's default 1 MB and the
     * old fixed 2 MiB refused).
     */
    @Test
    void theRecordLimitGrowsWithTheDimension() {
        Properties p = minimal();
        assertEquals(NmfStreamConfig.RECORD_BYTES_FLOOR, NmfStreamConfig.from(p).recordBytes());
        p.setProperty("nmf.dimension", "" + (1 << 17));
        NmfStreamConfig large = NmfStreamConfig.from(p);
        assertEquals(ComponentMessage.maxBytes(1 << 17, large.topFeatures()), large.recordBytes());
        assertTrue(large.recordBytes() > 3_000_000, "" + large.recordBytes());
        assertEquals("" + large.recordBytes(), TopicSetup.plan(large).stream()
                .filter(t -> t.name().equals(large.topics().factors())).findFirst().orElseThrow().configs()
                .get("max.message.bytes"));
    }

    @Test
    void valuesAreParsedWithTheirTypes() {
        Properties p = minimal();
        p.setProperty("nmf.rule", "mu");
        p.setProperty("nmf.input.format", "BINARY");
        p.setProperty("nmf.forgetting", "schedule:2");
        p.setProperty("nmf.seed", "12345678901");
        p.setProperty("nmf.snapshot.interval.ms", "3000000000");
        p.setProperty("nmf.replication", "3");
        p.setProperty("nmf.batch.size", " 64 ");
        p.setProperty("nmf.bootstrap.size", "20");
        NmfStreamConfig c = NmfStreamConfig.from(p);
        assertEquals(UpdateRule.MU, c.rule());
        assertEquals("binary", c.inputFormat());
        assertEquals(Forgetting.schedule(2), c.forgetting());
        assertEquals(12_345_678_901L, c.seed());
        assertEquals(3_000_000_000L, c.snapshotIntervalMs());
        assertEquals((short) 3, c.replication());
        assertEquals(64, c.batchSize());
        assertEquals(20, c.engine().bootstrapSize());
    }

    /** Every key is declared with a type, an importance and documentation; required ones say so. */
    @Test
    void everyKeyIsDocumented() {
        ConfigDef def = NmfStreamConfig.configDef();
        assertEquals(KEYS, def.names().size(), def.names().toString());
        for (ConfigDef.ConfigKey key : def.configKeys().values()) {
            assertTrue(key.name.startsWith("nmf."), key.name);
            assertTrue(key.documentation != null && key.documentation.length() > 5, key.name);
            assertTrue(key.importance != null && key.type != null, key.name);
            assertEquals(!key.hasDefault(), key.documentation.contains("(required)"), key.name);
        }
        assertEquals(List.of("nmf.rank"), def.configKeys().values().stream()
                .filter(k -> !k.hasDefault()).map(k -> k.name).toList());
        assertTrue(def.configKeys().get("nmf.partitions").documentation
                .startsWith("partitions of the input, weights and dead-letter topics when this service creates them"));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "nmf.rank|0|nmf.rank = 0, expected an integer in [1, 10000]",
        "nmf.embedded.port|70000|nmf.embedded.port = 70000, expected an integer in [0, 65535]",
        "nmf.status.interval.ms|-1|nmf.status.interval.ms = -1, expected an integer ≥ 0",
        "nmf.rank|abc|Invalid value abc for configuration nmf.rank: Not a number of type INT",
        "nmf.rank|2000|nmf.rank = 2000, expected at most nmf.dimension = 1025",
        "nmf.dimension|-3|nmf.dimension = -3, expected an integer ≥ 1",
        "nmf.batch.size|0|nmf.batch.size = 0, expected an integer ≥ 1",
        "nmf.steps|10001|nmf.steps = 10001, expected an integer in [1, 10000]",
        "nmf.bootstrap.size|5|nmf.bootstrap.size = 5, expected 0 (automatic) or at least nmf.rank = 20",
        "nmf.bootstrap.size|-1|nmf.bootstrap.size = -1, expected an integer ≥ 0",
        "nmf.forgetting|1.5|nmf.forgetting = '1.5': forgetting factor 1.5, expected a number in (0, 1]",
        "nmf.forgetting|soon|nmf.forgetting = 'soon': forgetting 'soon', expected 'auto'",
        "nmf.rule|SGD|nmf.rule = 'SGD', expected HALS or MU",
        "nmf.seed|0x10|Invalid value 0x10 for configuration nmf.seed: Not a number of type LONG",
        "nmf.input.format|xml|nmf.input.format = 'xml', expected json, binary, auto or text",
        "nmf.learning|maybe|Invalid value maybe for configuration nmf.learning: Expected value to be either true or false",
        "nmf.learning|false|nmf.learning = false needs nmf.basis.file",
        "nmf.topic.weights|nmf-columns|nmf.topic.weights = 'nmf-columns' is also nmf.topic.columns, "
                + "expected six different topic names",
        "nmf.topic.basis|''|nmf.topic.basis = '', expected a non-empty topic name",
        "nmf.partitions|-1|nmf.partitions = -1, expected an integer ≥ 1",
        "nmf.replication|0|nmf.replication = 0, expected an integer ≥ 1",
        "nmf.replication|40000|Invalid value 40000 for configuration nmf.replication: Not a number of type SHORT",
        "nmf.max.value.bytes|0|nmf.max.value.bytes = 0, expected an integer ≥ 1",
        "nmf.dead.letter.prefix.bytes|-1|nmf.dead.letter.prefix.bytes = -1, expected an integer ≥ 0",
        "nmf.bacth.size|64|nmf.bacth.size: unknown setting, did you mean nmf.batch.size? The nmf.* keys are [nmf.rank,",
        "nmf.colour|red|nmf.colour: unknown setting. The nmf.* keys are [nmf.rank,",
        "nmf.model|a/b|nmf.model = 'a/b', expected a non-empty name without '/'",
        "nmf.text.language|klingon|nmf.text.language = 'klingon', expected one of english, french",
        "nmf.text.weighting|idf|nmf.text.weighting = 'idf', expected sublinear, tf or binary",
        "nmf.loss|itakura-saito|nmf.loss = 'itakura-saito', expected frobenius or kl",
        "nmf.backlog.divisor|0|nmf.backlog.divisor = 0, expected an integer in [1, 1000000]"})
    void badValuesFailNamingTheKeyTheValueAndWhatIsExpected(String key, String value, String expected) {
        Properties p = minimal();
        p.setProperty(key, value);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> NmfStreamConfig.from(p));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }

    @Test
    void missingRequiredKeys() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> NmfStreamConfig.from(new Properties()));
        assertTrue(e.getMessage().contains("Missing required configuration \"nmf.rank\""), e.getMessage());
        Properties p = new Properties();
        p.setProperty("nmf.rank", "3");
        e = assertThrows(IllegalArgumentException.class, () -> NmfStreamConfig.from(p));
        assertTrue(e.getMessage().contains("nmf.dimension: missing, expected the dimension m of the input columns "
                + "(required unless nmf.input.format = text)"), e.getMessage());
        p.setProperty("nmf.input.format", "text");
        assertEquals(1 << 15, NmfStreamConfig.from(p).dimension(), "text input: m is the hashing size, 2^15");
        assertEquals("english", NmfStreamConfig.from(p).text().language().name().toLowerCase(java.util.Locale.ROOT));
    }

    /** A command-line option that stands for a key is checked with the key's definition, under its own name. */
    @Test
    void checkUnderAnotherName() {
        NmfStreamConfig.check("nmf.batch.size", "--batch", 64);
        NmfStreamConfig.check("nmf.forgetting", "--forget", "0.9");
        assertEquals("--batch = 0, expected an integer ≥ 1", assertThrows(IllegalArgumentException.class,
                () -> NmfStreamConfig.check("nmf.batch.size", "--batch", 0)).getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> NmfStreamConfig.check("nmf.steps", "--steps", "x")).getMessage()
                .contains("Invalid value x for configuration --steps"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> NmfStreamConfig.check("nmf.forgetting", "--forget", "2")).getMessage()
                .startsWith("--forget = '2': forgetting factor 2.0, expected a number in (0, 1]"));
        assertThrows(IllegalArgumentException.class, () -> NmfStreamConfig.check("nmf.colour", "--colour", 1));
    }

    @Test
    void closestNameIsALikelyTypo() {
        assertEquals(0, NmfStreamConfig.editDistance("rank", "rank"));
        assertEquals(3, NmfStreamConfig.editDistance("kitten", "sitting"));
        assertEquals(4, NmfStreamConfig.editDistance("", "abcd"));
        assertEquals(1, NmfStreamConfig.editDistance("nfm.rank", "nmf.rank"), "a swap is one edit");
        assertEquals(3, NmfStreamConfig.editDistance("ca", "abc"), "optimal string alignment: no edit of a swapped pair");
        List<String> known = List.of("processing.guarantee", "nmf.batch.size", "nmf.rank", "acks");
        assertEquals("processing.guarantee", NmfStreamConfig.closest("procesing.guarantee", known));
        assertEquals("nmf.batch.size", NmfStreamConfig.closest("nmf.bacth.size", known));
        assertEquals("nmf.rank", NmfStreamConfig.closest("nmf.rnk", known));
        assertNull(NmfStreamConfig.closest("ack.timeout", known));
        assertNull(NmfStreamConfig.closest("nmf.rack", List.of("nmf.model")));
    }

    @Test
    void theLossIsFrobeniusUnlessSetToKlInAnyCase() {
        assertEquals(Loss.FROBENIUS, NmfStreamConfig.from(minimal()).engine().loss());
        Properties p = minimal();
        p.setProperty("nmf.loss", "KL");
        NmfStreamConfig c = NmfStreamConfig.from(p);
        assertEquals(Loss.KL, c.loss());
        assertEquals(Loss.KL, c.engine().loss());
        assertEquals("nmf.loss", NmfStreamConfig.keyOfEngineSetting("loss"));
    }
}
