package dev.nmfstream.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The README's settings table is the one {@link NmfStreamConfig#markdownTable()} renders from the
 * settings' definitions. After changing a definition, rewrite the table with
 * {@code mvn -q -B test -Dtest=ReadmeTest -Dreadme.update=true}.
 */
class ReadmeTest {

    static final String BEGIN = "<!-- settings table: generated from NmfStreamConfig by ReadmeTest -->\n";
    static final String END = "<!-- end of the settings table -->\n";

    @Test
    void settingsTableIsTheOneTheDefinitionsRender() throws IOException {
        Path path = Path.of("README.md");
        String readme = Files.readString(path, StandardCharsets.UTF_8);
        int begin = readme.indexOf(BEGIN);
        int end = readme.indexOf(END);
        assertTrue(begin >= 0 && end > begin, "README.md lacks the settings table's markers " + BEGIN.trim()
                + " … " + END.trim());
        String actual = readme.substring(begin + BEGIN.length(), end);
        String expected = NmfStreamConfig.markdownTable();
        if (Boolean.getBoolean("readme.update") && !actual.equals(expected)) {
            Files.writeString(path, readme.substring(0, begin + BEGIN.length()) + expected + readme.substring(end),
                    StandardCharsets.UTF_8);
            actual = expected;
        }
        assertEquals(expected, actual, "README.md's settings table differs from the settings' definitions; "
                + "rewrite it with mvn -q -B test -Dtest=ReadmeTest -Dreadme.update=true. Expected:\n" + expected);
    }
}
