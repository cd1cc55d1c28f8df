package dev.nmfstream.io;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A data file that cannot be read: missing, not in a supported format, or with contents that
 * contradict its own header. The message starts with the file (as it was given, so a relative
 * path stays relative) followed by a colon, then names the problem, the value found and what
 * was expected, e.g. {@code "data.npz: member indices.npy: entry 4 = 9 (in column 2) is out of
 * range, expected a row index in [0, 7)"}.
 */
public class DataFileException extends IOException {

    private final String file;

    /**
     * An error about {@code file}.
     *
     * @param file the file the error is about
     * @param problem what is wrong: the value found and what was expected
     */
    public DataFileException(Path file, String problem) {
        this(file.toString(), problem, null);
    }

    /**
     * An error about {@code file} caused by a lower-level exception.
     *
     * @param file the file the error is about
     * @param problem what is wrong: the value found and what was expected
     * @param cause the underlying exception
     */
    public DataFileException(Path file, String problem, Throwable cause) {
        this(file.toString(), problem, cause);
    }

    /** An error about the file named {@code file}; the message is {@code file + ": " + problem}. */
    DataFileException(String file, String problem, Throwable cause) {
        super(file + ": " + problem, cause);
        this.file = file;
    }

    /** The file the error is about, as it was given to the reader. */
    public String file() {
        return file;
    }
}
