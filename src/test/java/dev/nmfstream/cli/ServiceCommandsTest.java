package dev.nmfstream.cli;

import static dev.nmfstream.cli.MainTest.assertContains;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code run}, {@code produce} and {@code consume} against a cluster that does not answer (a
 * port nothing listens on) and with bad files: each stops with one message naming the address,
 * or the file, line and column, and a nonzero exit code; no stack trace.
 */
class ServiceCommandsTest {

    /** Port 1 on the loopback: a privileged port nothing listens on. */
    private static final String NOWHERE = "127.0.0.1:1";

    private static void assertNoStackTrace(MainTest.Run r) {
        assertFalse(r.err().contains("\tat ") || r.out().contains("\tat "), "no stack trace:\n" + r.describe());
    }

    private static Path jsonLines(Path dir, String... lines) throws Exception {
        Path file = dir.resolve("items.jsonl");
        Files.writeString(file, String.join("\n", lines) + "\n");
        return file;
    }

    @Test
    void produceToAClusterThatDoesNotAnswerNamesTheAddress(@TempDir Path dir) throws Exception {
        Path file = jsonLines(dir, "{\"id\":\"a\",\"values\":[1,2]}");
        MainTest.Run r = MainTest.run("produce", file.toString(), "-b", NOWHERE, "--timeout", "1.5");
        assertEquals(1, r.exitCode(), r.describe());
        assertContains(r.err(), "produce: cannot reach Kafka at " + NOWHERE + ": no answer within 1500 ms",
                "expected a Kafka broker at that address (bootstrap.servers)");
        assertNoStackTrace(r);
    }

    @Test
    void consumeFromAClusterThatDoesNotAnswerNamesTheAddress() {
        MainTest.Run r = MainTest.run("consume", "weights", "-b", NOWHERE, "--timeout", "1.5", "--idle-seconds", "1");
        assertEquals(1, r.exitCode(), r.describe());
        assertContains(r.err(), "consume: cannot reach Kafka at " + NOWHERE + ": no answer within 1500 ms");
        assertNoStackTrace(r);
    }

    @Test
    void runOnAClusterThatDoesNotAnswerNamesTheAddress(@TempDir Path dir) {
        MainTest.Run r = MainTest.run("run", "--data-dir", dir.toString(), "--set", "bootstrap.servers=" + NOWHERE,
                "--set", "nmf.rank=2", "--set", "nmf.dimension=4", "--set", "nmf.connect.timeout.ms=1500");
        assertEquals(1, r.exitCode(), r.describe());
        assertContains(r.err(), "run: cannot reach Kafka at " + NOWHERE + ": no answer within 1500 ms");
        assertNoStackTrace(r);
    }

    /** dead-letters as the topic and the API spell it, dead_letters as before, in any case; anything else is named. */
    @Test
    void consumeTakesDeadLettersWithAHyphenOrAnUnderscore() {
        for (String what : new String[] {"dead-letters", "dead_letters", "Dead-Letters"}) {
            MainTest.Run r = MainTest.run("consume", what, "-b", NOWHERE, "--timeout", "1", "--idle-seconds", "1");
            assertEquals(1, r.exitCode(), r.describe());
            assertContains(r.err(), "consume: cannot reach Kafka at " + NOWHERE); // parsed, then the broker
        }
        MainTest.Run r = MainTest.run("consume", "letters", "-b", NOWHERE);
        assertEquals(2, r.exitCode(), r.describe());
        assertContains(r.err(), "'letters', expected weights, factors or dead-letters");
    }

    @Test
    void aBadTimeoutIsAnOptionError(@TempDir Path dir) throws Exception {
        MainTest.Run r = MainTest.run("consume", "weights", "-b", NOWHERE, "--timeout", "0");
        assertEquals(2, r.exitCode(), r.describe());
        assertContains(r.err(), "consume: --timeout 0.0, expected seconds in (0, 86400]");
    }

    /** A malformed JSON-lines file is named with its line and column before anything is sent. */
    @Test
    void produceNamesTheFileLineAndColumnOfBadJson(@TempDir Path dir) throws Exception {
        Path file = jsonLines(dir, "{\"id\":\"a\",\"values\":[1,2]}", "", "{\"id\":\"b\",\"values\":[1,2,}");
        MainTest.Run r = MainTest.run("produce", file.toString(), "-b", NOWHERE, "--timeout", "1");
        assertEquals(1, r.exitCode(), r.describe());
        assertEquals("produce: " + file + " line 3, column 25: Unexpected character ('}' (code 125)): expected a "
                + "value, expected one JSON object per line", r.err().strip());
        assertNoStackTrace(r);

        Path noId = jsonLines(dir, "{\"id\":\"a\",\"values\":[1,2]}", "{\"values\":[1,2]}");
        r = MainTest.run("produce", noId.toString(), "-b", NOWHERE);
        assertEquals(1, r.exitCode(), r.describe());
        assertEquals("produce: " + noId + " line 2: no string \"id\", expected one per line", r.err().strip());

        Path notUtf8 = dir.resolve("latin1.jsonl");
        Files.write(notUtf8, new byte[] {'{', '"', 'i', 'd', '"', ':', '"', (byte) 0xe9, '"', '}', '\n'});
        r = MainTest.run("produce", notUtf8.toString(), "-b", NOWHERE);
        assertEquals(1, r.exitCode(), r.describe());
        assertEquals("produce: " + notUtf8 + " line 1: bytes that are not UTF-8, expected UTF-8 JSON text", r.err().strip());
    }

    /** A gzipped JSON-lines file is checked through its decompressed lines; damaged gzip data is named, not thrown. */
    @Test
    void produceReadsGzippedJsonLinesAndNamesDamagedOnes(@TempDir Path dir) throws Exception {
        Path gz = dir.resolve("docs.jsonl.gz");
        byte[] text = "{\"id\":\"a\",\"text\":\"one\"}\n{\"id\":\"b\",\"text\":\"two\",}\n"
                .getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (GZIPOutputStream out = new GZIPOutputStream(bytes)) {
            out.write(text);
        }
        Files.write(gz, bytes.toByteArray());
        MainTest.Run r = MainTest.run("produce", gz.toString(), "-b", NOWHERE, "--timeout", "1");
        assertEquals(1, r.exitCode(), r.describe());
        assertEquals("produce: " + gz + " line 2, column 24: Unexpected character ('}' (code 125)): was expecting "
                + "double-quote to start field name, expected one JSON object per line", r.err().strip());

        Path cut = dir.resolve("cut.jsonl.gz");
        Files.write(cut, Arrays.copyOf(bytes.toByteArray(), bytes.size() - 12));
        r = MainTest.run("produce", cut.toString(), "-b", NOWHERE, "--timeout", "1");
        assertEquals(1, r.exitCode(), r.describe());
        assertContains(r.err(), "produce: " + cut + " line ", ": the gzip data is damaged or cut short (",
                "), expected a whole .gz file");
        assertNoStackTrace(r);

        Path plain = dir.resolve("plain.jsonl.gz");
        Files.write(plain, text);
        r = MainTest.run("produce", plain.toString(), "-b", NOWHERE, "--timeout", "1");
        assertEquals(1, r.exitCode(), r.describe());
        assertEquals("produce: " + plain + ": not gzip data (Not in GZIP format), expected a .gz file", r.err().strip());

        Path good = dir.resolve("good.jsonl.gz");
        bytes.reset();
        try (GZIPOutputStream out = new GZIPOutputStream(bytes)) {
            out.write("{\"id\":\"a\",\"text\":\"one\"}\n".getBytes(StandardCharsets.UTF_8));
        }
        Files.write(good, bytes.toByteArray());
        r = MainTest.run("produce", good.toString(), "-b", NOWHERE, "--timeout", "1.5");
        assertEquals(1, r.exitCode(), r.describe());
        assertContains(r.err(), "produce: cannot reach Kafka at " + NOWHERE); // a good file gets as far as the broker
    }

    /** What consume prints cannot steer the terminal: controls, DEL, C1, bidi controls and lone surrogates are escaped. */
    @Test
    void consumeEscapesWhatATerminalWouldActOn() {
        assertEquals("plain id-7 é✓ \ud83c\udfb5  v3", ConsumeCommand.printable("plain id-7 é✓ \ud83c\udfb5  v3"));
        assertEquals("a\\u001B]0;owned\\u0007b\\u001B[2J", ConsumeCommand.printable("a\u001b]0;owned\u0007b\u001b[2J"));
        assertEquals("\\u0000\\u000A\\u000D\\u0009\\u007F\\u009B\\u0085", ConsumeCommand.printable("\0\n\r\t\u007f\u009b\u0085"));
        assertEquals("x\\u202Egnp.exe\\u2066\\u2069\\u200F\\u061C\\u2028", ConsumeCommand.printable(
                "x\u202egnp.exe\u2066\u2069\u200f\u061c\u2028"));
        assertEquals("\\uD800x\\uDC00", ConsumeCommand.printable("\ud800x\udc00"));
        assertEquals("\u00a0\u00ff\u200b", ConsumeCommand.printable("\u00a0\u00ff\u200b"), "printable characters stay");
    }
}
