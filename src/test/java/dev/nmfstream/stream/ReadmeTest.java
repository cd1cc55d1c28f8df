package dev.nmfstream.stream;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The README's settings table lists every nmf.* key with its default: the docs match the code. */
class ReadmeTest {

    @Test
    void everySettingIsDocumentedWithItsDefault() throws IOException {
        String readme = Files.readString(Path.of("README.md"));
        for (NmfStreamConfig.Key key : NmfStreamConfig.KEYS) {
            String expected = "| `" + key.name() + "` | ";
            assertTrue(readme.contains(expected), "README.md lacks the row of " + key.name());
            if (key.defaultValue() != null && !key.defaultValue().isEmpty()) {
                assertTrue(readme.contains(expected + "`" + key.defaultValue() + "` |"),
                        "README.md gives another default for " + key.name() + " than " + key.defaultValue());
            }
        }
    }
}
