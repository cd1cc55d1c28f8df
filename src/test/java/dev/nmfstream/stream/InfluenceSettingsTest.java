package dev.nmfstream.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Properties;
import org.junit.jupiter.api.Test;

/** {@code nmf.influence.cap} and {@code nmf.max.value}: defaults, reaching the engine, bad values refused by name. */
class InfluenceSettingsTest {

    private static Properties base() {
        Properties p = new Properties();
        p.setProperty("nmf.rank", "3");
        p.setProperty("nmf.dimension", "10");
        return p;
    }

    @Test
    void defaultsAndGivenValuesReachTheEngineAndTheDecoder() {
        NmfStreamConfig defaults = NmfStreamConfig.from(base());
        assertEquals(4.0, defaults.influenceCap());
        assertEquals(4.0, defaults.engine().influenceCap());
        assertEquals(1e30, defaults.maxValue());
        Properties p = base();
        p.setProperty("nmf.influence.cap", "10");
        p.setProperty("nmf.max.value", "3.4e38");
        NmfStreamConfig given = NmfStreamConfig.from(p);
        assertEquals(10.0, given.engine().influenceCap());
        assertEquals(3.4e38, given.maxValue());
    }

    @Test
    void badValuesAreRefusedNamingTheKey() {
        String[][] bad = {{"nmf.influence.cap", "0.5"}, {"nmf.influence.cap", "Infinity"}, {"nmf.influence.cap", "NaN"},
            {"nmf.max.value", "0"}, {"nmf.max.value", "-1"}, {"nmf.max.value", "Infinity"}};
        for (String[] kv : bad) {
            Properties p = base();
            p.setProperty(kv[0], kv[1]);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> NmfStreamConfig.from(p),
                    kv[0] + " = " + kv[1]);
            assertTrue(e.getMessage().contains(kv[0]) && e.getMessage().contains(kv[1]), e.getMessage());
        }
    }
}
