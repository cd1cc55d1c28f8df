package dev.nmfstream;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;

/**
 * Where tests put what they measured (recoveries, reports, seeds): a text file per test class
 * under {@code target/test-diagnostics/}, one time-stamped line per call, so that a run's
 * figures can be read afterwards while the tests print nothing to stdout.
 */
public final class TestDiagnostics {

    /** The folder of the files, relative to the project (the working directory of the test JVMs). */
    public static final Path DIR = Path.of("target", "test-diagnostics");

    private TestDiagnostics() {}

    /**
     * Appends {@code line} with the current time to {@code target/test-diagnostics/<test>.txt}.
     *
     * @param test the test's class; names the file
     * @return the file written
     */
    public static synchronized Path record(Class<?> test, String line) {
        Path file = DIR.resolve(test.getSimpleName() + ".txt");
        try {
            Files.createDirectories(DIR);
            Files.writeString(file, Instant.now() + " " + line + System.lineSeparator(), StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the diagnostics of " + test.getName() + " to " + file, e);
        }
        return file;
    }

    /** As {@link #record(Class, String)} with {@link String#format}. */
    public static Path record(Class<?> test, String format, Object... args) {
        return record(test, String.format(format, args));
    }
}
