package dev.nmfstream.io;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.Locale;
import java.util.zip.GZIPInputStream;

/**
 * Reads a data set from a file, choosing the reader by content: a .npy file (magic
 * {@code \x93NUMPY}) becomes a {@link DenseMatrix} ({@link Npy#readDense}), a zip archive
 * (.npz written by {@code scipy.sparse.save_npz}) a {@link SparseMatrix} ({@link Npz#read}).
 * The extension only shapes the error message when the content is neither.
 */
public final class DataFiles {

    private DataFiles() {
    }

    /**
     * Reads a data set whose stored matrix is m × n with one item per column.
     *
     * @see #read(Path, boolean)
     */
    public static DataMatrix read(Path file) throws DataFileException {
        return read(file, false);
    }

    /**
     * Reads a data set. Structure is checked, values are not: call
     * {@link DataMatrix#validate()} to reject negative, NaN or infinite values.
     *
     * @param file a .npy (dense, 2-D numeric array) or .npz (scipy sparse CSC/CSR) file
     * @param itemsAreRows whether the stored matrix is n × m (one item per row) instead of
     *     m × n (one item per column)
     * @return the m × n data matrix, one item per column
     * @throws DataFileException if the file is missing, of an unknown format or malformed; the
     *     message starts with the file name and names the problem
     */
    public static DataMatrix read(Path file, boolean itemsAreRows) throws DataFileException {
        byte[] head = new byte[8];
        int got;
        try (FileChannel channel = Npy.openForReading(file)) {
            ByteBuffer buffer = ByteBuffer.wrap(head);
            got = 0;
            while (buffer.hasRemaining()) {
                int n = channel.read(buffer);
                if (n < 0) {
                    break;
                }
                got += n;
            }
        } catch (DataFileException e) {
            throw e;
        } catch (IOException e) {
            throw Npy.readError(file, e);
        }
        if (got >= NpyInput.MAGIC.length && NpyInput.startsWithMagic(head)) {
            return Npy.readDense(file, itemsAreRows);
        }
        if (got >= 4 && head[0] == 'P' && head[1] == 'K' && (head[2] == 3 || head[2] == 5) && (head[3] == 4
                || head[3] == 6)) {
            return Npz.read(file, itemsAreRows);
        }
        String name = file.getFileName() == null ? "" : file.getFileName().toString().toLowerCase(Locale.ROOT);
        String found = NpyInput.describeBytes(head, got);
        if (name.endsWith(".npy")) {
            throw new DataFileException(file, "not an npy file: starts with " + found
                    + ", expected the magic bytes \\x93NUMPY");
        }
        if (name.endsWith(".npz")) {
            throw new DataFileException(file, "not an npz file: starts with " + found
                    + ", expected a zip archive (bytes 50 4b 03 04, \"PK\")");
        }
        throw new DataFileException(file, "unrecognized data file: starts with " + found
                + ", expected a .npy file (magic bytes \\x93NUMPY) or a .npz file (a zip archive written by "
                + "scipy.sparse.save_npz)");
    }

    /** Whether a file's name says JSON lines: {@code .jsonl}, or {@code .jsonl.gz} gzipped. */
    public static boolean isJsonLines(Path file) {
        String name = file.getFileName() == null ? "" : file.getFileName().toString();
        return name.endsWith(".jsonl") || name.endsWith(".jsonl.gz");
    }

    /**
     * The bytes of a text file (JSON lines), decompressed when its name ends with {@code .gz}.
     *
     * @throws DataFileException if the file is missing, a directory or unreadable (the messages of
     *     {@link #read})
     * @throws java.util.zip.ZipException if a .gz file does not start as gzip data
     */
    public static InputStream openText(Path file) throws IOException {
        InputStream raw = Channels.newInputStream(Npy.openForReading(file));
        if (!file.toString().endsWith(".gz")) {
            return raw;
        }
        try {
            return new GZIPInputStream(raw, 1 << 16);
        } catch (IOException e) {
            raw.close();
            throw e;
        }
    }
}
