package dev.nmfstream.cli;

import static dev.nmfstream.cli.MainTest.assertContains;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.nmfstream.service.NmfService;
import dev.nmfstream.stream.NmfStreamConfig;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/** {@code run}'s status line and its settings. */
class RunCommandTest {

    private static NmfStreamConfig config(String... keyValues) {
        Properties p = new Properties();
        p.setProperty("nmf.rank", "10");
        p.setProperty("nmf.dimension", "200");
        for (int i = 0; i < keyValues.length; i += 2) {
            p.setProperty(keyValues[i], keyValues[i + 1]);
        }
        return NmfStreamConfig.from(p);
    }

    @Test
    void beforeTheFirstBasisTheStatusSaysWhatItWaitsFor() {
        String line = RunCommand.statusLine(new NmfService.Status(57, 0, 3, -1, Double.NaN, -1, 1200), config());
        assertEquals("status: items in 57  weights out 0  dead letters 3  model: waiting for the first basis "
                + "(57 of 128 bootstrap items read)  lag 1,200", line);
        assertEquals("status: items in 3,000  weights out 0  dead letters 0  model: making the first basis from 128 "
                + "bootstrap items  lag 0",
                RunCommand.statusLine(new NmfService.Status(3000, 0, 0, -1, Double.NaN, -1, 0), config()));
    }

    @Test
    void afterItTheStatusShowsTheModel() {
        String line = RunCommand.statusLine(new NmfService.Status(12_345, 12_300, 0, 45, 0.0467, 12_000, 45), config());
        assertEquals("status: items in 12,345  weights out 12,300  dead letters 0  model v45 running error 0.0467 "
                + "(learned from 12,000 items)  lag 45", line);
    }

    @Test
    void statusIntervalAndPortAreSettings() {
        NmfStreamConfig defaults = config();
        assertEquals(10_000, defaults.statusIntervalMs());
        assertEquals(9092, defaults.embeddedPort());
        NmfStreamConfig set = config("nmf.status.interval.ms", "0", "nmf.embedded.port", "0");
        assertEquals(0, set.statusIntervalMs());
        assertEquals(0, set.embeddedPort());
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> config("nmf.embedded.port", "70000"));
        assertContains(e.getMessage(), "nmf.embedded.port");
    }
}
