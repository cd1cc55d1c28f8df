package dev.nmfstream.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {

    @Test
    void fileThenEnvironmentThenSetOverride(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("nmf.properties");
        Files.writeString(file, "nmf.rank=10\nnmf.batch.size=64\nbootstrap.servers=file:9092\n");
        Properties p = ConfigLoader.load(file, Map.of("NMF_BATCH_SIZE", "256", "KAFKA_BOOTSTRAP_SERVERS", "env:9092",
                "HOME", "/root", "NMF_TOPIC_DEAD_LETTERS", "bad"), List.of("nmf.rank=20", "linger.ms = 5"));
        assertEquals("20", p.getProperty("nmf.rank"));
        assertEquals("256", p.getProperty("nmf.batch.size"));
        assertEquals("env:9092", p.getProperty("bootstrap.servers"));
        assertEquals("bad", p.getProperty("nmf.topic.dead.letters"));
        assertEquals("5", p.getProperty("linger.ms"));
        assertNull(p.getProperty("home"));
        assertThrows(IllegalArgumentException.class, () -> ConfigLoader.load(null, Map.of(), List.of("novalue")));
        assertThrows(IllegalArgumentException.class, () -> ConfigLoader.load(dir.resolve("missing"), Map.of(), List.of()));
    }
}
