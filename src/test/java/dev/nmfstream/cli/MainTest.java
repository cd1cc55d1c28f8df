package dev.nmfstream.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * The top-level command line: help, version, unknown commands. Also holds {@link #run}, which
 * the other command tests use to execute a command and capture what it prints.
 */
public class MainTest {

    /** What one execution of the command line gave. */
    public record Run(int exitCode, String out, String err) {

        /** A description for assertion messages. */
        public String describe() {
            return "exit " + exitCode + "\n--- stdout ---\n" + out + "\n--- stderr ---\n" + err;
        }
    }

    /**
     * Runs {@code nmf-stream args...} in this JVM and captures its output, both what goes
     * through picocli's writers and what a command prints to {@link System#out} /
     * {@link System#err} directly (generate and bench do so), so nothing reaches the console.
     */
    public static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        PrintWriter outWriter = new PrintWriter(out, true);
        PrintWriter errWriter = new PrintWriter(err, true);
        ByteArrayOutputStream sysOut = new ByteArrayOutputStream();
        ByteArrayOutputStream sysErr = new ByteArrayOutputStream();
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        int code;
        try {
            System.setOut(new PrintStream(sysOut, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(sysErr, true, StandardCharsets.UTF_8));
            // Made after the redirection on purpose: picocli's default execution strategy remembers
            // System.out/err when the CommandLine is made, and if they differ at execute() time it
            // replaces the writers set below with the remembered streams (the real console).
            CommandLine cli = Main.commandLine();
            cli.setOut(outWriter);
            cli.setErr(errWriter);
            code = cli.execute(args);
        } finally {
            System.out.flush();
            System.err.flush();
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
        outWriter.flush();
        errWriter.flush();
        return new Run(code, out + sysOut.toString(StandardCharsets.UTF_8),
                err + sysErr.toString(StandardCharsets.UTF_8));
    }

    /** A checked-in fixture from src/test/resources/fixtures. */
    public static Path fixture(String name) {
        URL url = MainTest.class.getResource("/fixtures/" + name);
        if (url == null) {
            throw new IllegalStateException("missing fixture " + name);
        }
        try {
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    public static void assertContains(String text, String... fragments) {
        for (String fragment : fragments) {
            assertTrue(text.contains(fragment), "expected '" + fragment + "' in:\n" + text);
        }
    }

    @Test
    void helpListsTheCommands() {
        Run r = run("--help");
        assertEquals(0, r.exitCode(), r.describe());
        assertContains(r.out(), "Usage: nmf-stream", "fit", "bench", "generate", "--help", "--version");
        assertEquals("", r.err());
    }

    @Test
    void noArgumentsPrintsUsage() {
        Run r = run();
        assertEquals(0, r.exitCode(), r.describe());
        assertContains(r.out(), "Usage: nmf-stream", "fit", "generate");
    }

    @Test
    void fitHelpNamesItsOptions() {
        Run r = run("fit", "--help");
        assertEquals(0, r.exitCode(), r.describe());
        assertContains(r.out(), "Usage: nmf-stream fit", "DATA", "--rank", "--output", "-o", "--items-are-rows",
                "--batch", "--steps", "--forget", "--rule", "--refine", "--init", "--bootstrap", "--seed",
                "--threads", "HALS", "NNDSVDA");
        assertEquals("", r.err());
    }

    @Test
    void benchHelpNamesItsOptions() {
        Run r = run("bench", "--help");
        assertEquals(0, r.exitCode(), r.describe());
        assertContains(r.out(), "Usage: nmf-stream bench", "--case", "--columns", "--repeats", "--markdown");
        assertEquals("", r.err());
    }

    @Test
    void generateHelpNamesItsOptions() {
        Run r = run("generate", "--help");
        assertEquals(0, r.exitCode(), r.describe());
        assertContains(r.out(), "Usage: nmf-stream generate", "--output", "--rows", "--columns", "--rank",
                "--density", "--alpha", "--noise", "--seed");
        assertEquals("", r.err());
    }

    @Test
    void helpSubcommandShowsACommandsUsage() {
        Run r = run("help", "fit");
        assertEquals(0, r.exitCode(), r.describe());
        assertContains(r.out(), "Usage: nmf-stream fit", "--rank", "--output");
    }

    @Test
    void version() {
        Run r = run("--version");
        assertEquals(0, r.exitCode(), r.describe());
        assertEquals("nmf-stream " + projectVersion(), r.out().strip(), r.describe());
        assertEquals("", r.err());
    }

    /** The project's version, from pom.xml: the first version after the artifact id. */
    private static String projectVersion() {
        try {
            String pom = java.nio.file.Files.readString(Path.of("pom.xml"), StandardCharsets.UTF_8);
            int artifact = pom.indexOf("<artifactId>nmf-stream</artifactId>");
            int start = pom.indexOf("<version>", artifact) + "<version>".length();
            return pom.substring(start, pom.indexOf("</version>", start)).strip();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void commandListShowsWholeSummaries() {
        Run r = run("--help");
        String list = r.out().replaceAll("\\s+", " ");
        assertContains(list, "planted data: projection rate and its ratio to the bare c = Wᵀv product");
    }

    @Test
    void unknownSubcommandFails() {
        Run r = run("frobnicate");
        assertNotEquals(0, r.exitCode(), r.describe());
        assertContains(r.err(), "frobnicate");
        assertEquals("", r.out());
    }

    @Test
    void unknownOptionFails() {
        Run r = run("fit", fixture("dense_f64_c.npy").toString(), "--rank", "2", "-o", "w.npy", "--colour", "red");
        assertNotEquals(0, r.exitCode(), r.describe());
        assertContains(r.err(), "--colour");
        assertEquals("", r.out());
    }
}
