package dev.nmfstream.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Reads and writes NumPy .npy files (format versions 1.0, 2.0 and 3.0).
 *
 * <p>Supported dtypes: float32 and float64 in either byte order ('&lt;f4', '&gt;f4', '&lt;f8',
 * '&gt;f8'), int32 and int64 in either byte order ('&lt;i4', '&gt;i4', '&lt;i8', '&gt;i8'),
 * '|u1', '|i1' and byte strings '|S&lt;n&gt;'. Data is read in 1 MiB chunks decoded through bulk
 * {@link ByteBuffer} views, so large files load at disk speed.
 */
public final class Npy {

    /** numpy pads the header's shape so it can grow in place: 21 digits for the growth axis. */
    private static final int GROWTH_AXIS_MAX_DIGITS = 21;
    private static final int ARRAY_ALIGN = 64;
    private static final int WRITE_CHUNK_DOUBLES = 1 << 17;

    private Npy() {
    }

    /**
     * Reads a whole array of any supported dtype and shape.
     *
     * @param file the .npy file
     * @return the header fields and the values in file order
     * @throws DataFileException if the file is missing, is not an npy file, has an unsupported
     *     dtype, is truncated or cannot be read; the message starts with the file name
     */
    public static NpyArray read(Path file) throws DataFileException {
        try (FileChannel channel = openForReading(file)) {
            NpyInput in = new NpyInput(channel, file.toString(), "", channel.size());
            return read(in, "the array");
        } catch (DataFileException e) {
            throw e;
        } catch (IOException e) {
            throw readError(file, e);
        }
    }

    /** Reads the values of {@code in} (header already read) into an {@link NpyArray}. */
    static NpyArray read(NpyInput in, String what) throws IOException {
        int n = in.checkedSize();
        NpyInput.Dtype dtype = in.dtype();
        double[] doubles = null;
        int[] ints = null;
        long[] longs = null;
        String[] strings = null;
        switch (dtype.kind()) {
            case F4:
            case F8:
                doubles = new double[n];
                in.readDoubles(doubles, 0, n);
                break;
            case I8:
                longs = new long[n];
                in.readLongs(longs, 0, n, what);
                break;
            case I4:
            case U1:
            case I1:
                ints = new int[n];
                in.readInts(ints, 0, n, what);
                break;
            default:
                strings = in.readStrings(n);
                break;
        }
        return new NpyArray(dtype.descr(), in.shape().clone(), in.fortranOrder(), doubles, ints, longs, strings);
    }

    /**
     * Reads a 2-D numeric array as a dense data matrix.
     *
     * <p>By default the array is m × n with one item per column; with {@code itemsAreRows} it is
     * n × m with one item per row (the usual layout of a NumPy data set, {@code X[j]} being item
     * j). C and Fortran order are both accepted in both cases; the values are converted to the
     * column-major layout of {@link DenseMatrix} (one bulk read when the file's order already
     * matches, a blocked transpose otherwise). Values are not checked: see
     * {@link DenseMatrix#validate()}.
     *
     * @param file the .npy file
     * @param itemsAreRows whether the array is n × m (items as rows) instead of m × n
     * @return the m × n matrix
     * @throws DataFileException if the file is missing, is not an npy file, has a non-numeric or
     *     unsupported dtype, is not 2-D, is too large for one Java array, is truncated or cannot be
     *     read; the message starts with the file name
     */
    public static DenseMatrix readDense(Path file, boolean itemsAreRows) throws DataFileException {
        try (FileChannel channel = openForReading(file)) {
            NpyInput in = new NpyInput(channel, file.toString(), "", channel.size());
            return readDense(in, itemsAreRows);
        } catch (DataFileException e) {
            throw e;
        } catch (IOException e) {
            throw readError(file, e);
        }
    }

    private static DenseMatrix readDense(NpyInput in, boolean itemsAreRows) throws IOException {
        String layout = itemsAreRows ? "n × m, one item per row" : "m × n, one item per column";
        if (!in.dtype().isNumeric()) {
            throw in.error("dtype '" + in.dtype().descr() + "' is a byte string, expected a numeric dtype, one of "
                    + "'<f4', '>f4', '<f8', '>f8' (or integer '<i4', '>i4', '<i8', '>i8', '|u1', '|i1')");
        }
        int[] shape = in.shape();
        if (shape.length != 2) {
            throw in.error("expected a 2-D array (" + layout + "), found a " + shape.length + "-D array of shape "
                    + in.shapeString());
        }
        int m = itemsAreRows ? shape[1] : shape[0];
        int n = itemsAreRows ? shape[0] : shape[1];
        int size = in.checkedSize();
        double[] data = new double[size];
        if (in.fortranOrder() != itemsAreRows) {
            // Fortran m × n or C n × m: the file already holds the items one after another
            in.readDoubles(data, 0, size);
        } else {
            // C m × n or Fortran n × m: the file runs over rows i (outer) and items j (inner)
            in.readTransposed(data, m, n);
        }
        return new DenseMatrix(m, n, data);
    }

    /**
     * Writes a float64 matrix as a C-order .npy file with a version 1.0 header, byte for byte
     * as {@code numpy.save} writes it (header padded with spaces to a multiple of 64 bytes and
     * ending with a newline). An existing file is replaced.
     *
     * @param file the file to write
     * @param rows the number of rows
     * @param cols the number of columns
     * @param rowMajor the values in row-major order: entry (r, c) is {@code rowMajor[r*cols + c]}
     * @throws IllegalArgumentException if a size is negative or {@code rowMajor} has the wrong
     *     length
     * @throws IOException if the file cannot be written
     */
    public static void writeMatrix(Path file, int rows, int cols, double[] rowMajor) throws IOException {
        if (rows < 0 || cols < 0) {
            throw new IllegalArgumentException("size " + rows + " × " + cols
                    + " has a negative dimension, expected rows ≥ 0 and cols ≥ 0");
        }
        if (rowMajor.length != (long) rows * cols) {
            throw new IllegalArgumentException("rowMajor has " + rowMajor.length + " values, expected rows × cols = "
                    + rows + " × " + cols + " = " + (long) rows * cols);
        }
        byte[] header = header("<f8", false, new int[] {rows, cols});
        try (FileChannel out = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.CREATE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            writeFully(out, ByteBuffer.wrap(header));
            ByteBuffer buffer = ByteBuffer.allocate(WRITE_CHUNK_DOUBLES * Double.BYTES).order(ByteOrder.LITTLE_ENDIAN);
            for (int done = 0; done < rowMajor.length; ) {
                int n = Math.min(WRITE_CHUNK_DOUBLES, rowMajor.length - done);
                buffer.clear();
                buffer.asDoubleBuffer().put(rowMajor, done, n);
                buffer.limit(n * Double.BYTES);
                writeFully(out, buffer);
                done += n;
            }
        }
    }

    /**
     * A matrix as the bytes of a little-endian float64 {@code .npy} file, as
     * {@link #writeMatrix} writes it.
     *
     * @param rows the number of rows
     * @param cols the number of columns
     * @param rowMajor the values in row-major order; not modified
     * @return the file's bytes
     * @throws IllegalArgumentException if a size is negative or {@code rowMajor} has the wrong length
     */
    public static byte[] matrixBytes(int rows, int cols, double[] rowMajor) {
        if (rows < 0 || cols < 0 || rowMajor.length != (long) rows * cols) {
            throw new IllegalArgumentException("size " + rows + " × " + cols + " with " + rowMajor.length
                    + " values, expected rows, cols ≥ 0 and rows × cols values");
        }
        byte[] header = header("<f8", false, new int[] {rows, cols});
        ByteBuffer out = ByteBuffer.allocate(header.length + rowMajor.length * Double.BYTES)
                .order(ByteOrder.LITTLE_ENDIAN);
        out.put(header);
        out.asDoubleBuffer().put(rowMajor);
        return out.array();
    }

    /** The magic, version 1.0, length and padded header dict, as numpy writes them. */
    static byte[] header(String descr, boolean fortranOrder, int[] shape) {
        StringBuilder dict = new StringBuilder();
        dict.append("{'descr': '").append(descr).append("', 'fortran_order': ")
                .append(fortranOrder ? "True" : "False").append(", 'shape': ")
                .append(NpyInput.shapeString(shape)).append(", }");
        if (shape.length > 0) {
            int growth = shape[fortranOrder ? shape.length - 1 : 0];
            dict.append(" ".repeat(GROWTH_AXIS_MAX_DIGITS - Integer.toString(growth).length()));
        }
        int prefix = NpyInput.MAGIC.length + 2 + 2;
        int unpadded = prefix + dict.length() + 1;
        int pad = ARRAY_ALIGN - unpadded % ARRAY_ALIGN;
        dict.append(" ".repeat(pad)).append('\n');
        byte[] text = dict.toString().getBytes(StandardCharsets.ISO_8859_1);
        ByteBuffer out = ByteBuffer.allocate(prefix + text.length).order(ByteOrder.LITTLE_ENDIAN);
        out.put(NpyInput.MAGIC).put((byte) 1).put((byte) 0).putShort((short) text.length).put(text);
        return out.array();
    }

    private static void writeFully(FileChannel out, ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            out.write(buffer);
        }
    }

    /**
     * Opens a file for reading, turning "not found", "is a directory" and "permission denied"
     * into {@link DataFileException}s.
     */
    static FileChannel openForReading(Path file) throws DataFileException {
        checkReadable(file);
        try {
            return FileChannel.open(file, StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            throw new DataFileException(file, "file not found", e);
        } catch (AccessDeniedException e) {
            throw new DataFileException(file, "cannot be read: permission denied", e);
        } catch (IOException e) {
            throw readError(file, e);
        }
    }

    /** Fails with a {@link DataFileException} if the file is missing, a directory or unreadable. */
    static void checkReadable(Path file) throws DataFileException {
        if (!Files.exists(file)) {
            throw new DataFileException(file, "file not found");
        }
        if (Files.isDirectory(file)) {
            throw new DataFileException(file, "is a directory, expected a data file");
        }
        if (!Files.isReadable(file)) {
            throw new DataFileException(file, "cannot be read: permission denied");
        }
    }

    /** Wraps a low-level read error. */
    static DataFileException readError(Path file, IOException e) {
        return new DataFileException(file, "read error: " + e, e);
    }
}
