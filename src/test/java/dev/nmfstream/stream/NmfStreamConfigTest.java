package dev.nmfstream.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class NmfStreamConfigTest {

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
        assertEquals(128, c.batchSize());
        assertEquals("nmf-columns", c.topics().columns());
        assertEquals("auto", c.inputFormat());
        assertEquals("127.0.0.1:9092", c.kafka().getProperty("bootstrap.servers"));
        assertEquals(null, c.kafka().getProperty("nmf.rank"), "nmf.* keys are not passed to Kafka");
        assertEquals(c.rank(), c.engine().rank());
        // every documented key with a default parses
        for (NmfStreamConfig.Key key : NmfStreamConfig.KEYS) {
            assertTrue(key.doc().length() > 5, key.name());
        }
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "nmf.rank|0|nmf.rank = 0",
        "nmf.rank|abc|nmf.rank = 'abc', expected an integer",
        "nmf.rank|2000|expected at most nmf.dimension",
        "nmf.batch.size|0|nmf.batch.size",
        "nmf.forgetting|1.5|nmf.forgetting",
        "nmf.rule|SGD|nmf.rule = SGD, expected HALS or MU",
        "nmf.input.format|xml|nmf.input.format = xml",
        "nmf.learning|maybe|nmf.learning = 'maybe', expected true or false",
        "nmf.learning|false|nmf.learning = false needs nmf.basis.file",
        "nmf.topic.weights|nmf-columns|six different",
        "nmf.partitions|-1|nmf.partitions = -1",
        "nmf.bacth.size|64|nmf.bacth.size: unknown setting",
        "nmf.model|a/b|nmf.model"})
    void badValuesFailNamingTheKey(String key, String value, String expected) {
        Properties p = minimal();
        p.setProperty(key, value);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> NmfStreamConfig.from(p));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }

    @Test
    void missingRequiredKeys() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> NmfStreamConfig.from(new Properties()));
        assertTrue(e.getMessage().contains("nmf.rank is required"), e.getMessage());
    }
}
