package dev.nmfstream.io;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.channels.ReadableByteChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;

/**
 * Reads sparse matrices written by {@code scipy.sparse.save_npz}: a zip archive (deflated or
 * stored) with the members {@code format.npy} (the byte string {@code b'csc'} or {@code b'csr'}),
 * {@code shape.npy}, {@code indptr.npy}, {@code indices.npy} and {@code data.npy}. Other
 * members (e.g. {@code _is_array.npy}) are ignored.
 *
 * <p>Indices and indptr may be int32 or int64 (values must fit in an int), data any numeric
 * dtype {@link Npy} reads (float32, float64 and integers, converted to double). The result is
 * always CSC with one item per column:
 * <ul>
 *   <li>by default the stored matrix is m × n (items as columns): CSC is used as it is and CSR
 *       is converted;</li>
 *   <li>with {@code itemsAreRows} the stored matrix is n × m (items as rows): CSR is simply
 *       reinterpreted as CSC of its transpose (no conversion) and CSC is converted.</li>
 * </ul>
 * Indices that are unsorted within a column are sorted. <b>Duplicate</b> indices within a
 * column are summed, as scipy does ({@code sum_duplicates}, and every arithmetic operation,
 * treats them as one entry holding the sum). Explicit zeros are kept. Values are not checked:
 * see {@link SparseMatrix#validate()}.
 */
public final class Npz {

    /** The members a scipy sparse npz holds besides {@code format.npy}. */
    private static final List<String> MEMBERS = List.of("shape.npy", "indptr.npy", "indices.npy", "data.npy");

    private Npz() {
    }

    /**
     * Reads a CSC or CSR matrix saved by {@code scipy.sparse.save_npz}.
     *
     * @param file the .npz file
     * @param itemsAreRows whether the stored matrix is n × m (items as rows) instead of m × n
     * @return the m × n matrix in CSC form, indices sorted, duplicates summed
     * @throws DataFileException if the file is missing or not a zip archive, a member is missing
     *     or malformed, the format is not csc/csr, indptr has the wrong length or is not monotone,
     *     an index is out of range, or the file cannot be read; the message starts with the file
     *     name and names the member
     */
    public static SparseMatrix read(Path file, boolean itemsAreRows) throws DataFileException {
        Npy.checkReadable(file);
        ZipFile zip;
        try {
            zip = new ZipFile(file.toFile());
        } catch (ZipException e) {
            throw new DataFileException(file, "not an npz file: cannot open it as a zip archive ("
                    + e.getMessage() + ")", e);
        } catch (IOException e) {
            throw Npy.readError(file, e);
        }
        try (zip) {
            return read(file, zip, itemsAreRows);
        } catch (DataFileException e) {
            throw e;
        } catch (IOException e) {
            throw Npy.readError(file, e);
        }
    }

    private static SparseMatrix read(Path file, ZipFile zip, boolean itemsAreRows) throws IOException {
        String format = readFormat(file, zip);
        boolean csc = format.equals("csc");
        for (String name : MEMBERS) {
            entry(file, zip, name);
        }
        long[] shape = readShape(file, zip);
        String outerName = csc ? "column" : "row";
        String innerName = csc ? "row" : "column";
        int outer = (int) (csc ? shape[1] : shape[0]);
        int inner = (int) (csc ? shape[0] : shape[1]);
        String matrix = shape[0] + " × " + shape[1] + " " + format.toUpperCase() + " matrix";

        int[] indptr = readMember(file, zip, "indptr.npy", in -> {
            int count = oneDimensional(in, "integer");
            if (count != (long) outer + 1) {
                throw in.error("indptr has " + count + " entries, expected " + ((long) outer + 1) + " (number of "
                        + outerName + "s + 1 for a " + matrix + ")");
            }
            int[] read = new int[count];
            in.readInts(read, 0, count, "indptr");
            return read;
        });
        int[] indices = readMember(file, zip, "indices.npy", in -> {
            int count = oneDimensional(in, "integer");
            int[] read = new int[count];
            in.readInts(read, 0, count, "indices");
            return read;
        });
        int indexCount = indices.length;
        double[] data = readMember(file, zip, "data.npy", in -> {
            int count = oneDimensional(in, "numeric");
            if (count != indexCount) {
                throw in.error("data has " + count + " entries but indices.npy has " + indexCount
                        + ", expected the same count");
            }
            double[] read = new double[count];
            in.readDoubles(read, 0, count);
            return read;
        });

        int nnz = checkStructure(file, indptr, indices, outer, inner, outerName, innerName);
        if (nnz < indices.length) {
            // like scipy's prune(): entries past indptr[-1] are unused
            indices = Arrays.copyOf(indices, nnz);
            data = Arrays.copyOf(data, nnz);
        }
        boolean direct = csc != itemsAreRows;
        int rows;
        int columns;
        if (direct) {
            rows = inner;
            columns = outer;
        } else {
            rows = outer;
            columns = inner;
            int[] tIndptr = new int[inner + 1];
            int[] tIndices = new int[nnz];
            double[] tData = new double[nnz];
            transpose(outer, inner, indptr, indices, data, tIndptr, tIndices, tData);
            indptr = tIndptr;
            indices = tIndices;
            data = tData;
        }
        return normalize(rows, columns, indptr, indices, data);
    }

    /** Reads one member of the archive. */
    private interface MemberReader<T> {
        T read(NpyInput in) throws IOException;
    }

    private static <T> T readMember(Path file, ZipFile zip, String name, MemberReader<T> reader) throws IOException {
        ZipEntry e = entry(file, zip, name);
        try (InputStream stream = zip.getInputStream(e); ReadableByteChannel ch = Channels.newChannel(stream)) {
            return reader.read(member(ch, file, e));
        }
    }

    private static String readFormat(Path file, ZipFile zip) throws IOException {
        String format = readMember(file, zip, "format.npy", in -> {
            if (in.dtype().kind() != NpyInput.Kind.S || in.size() != 1) {
                throw in.error("format has dtype '" + in.dtype().descr() + "' and shape " + in.shapeString()
                        + ", expected a single byte string such as b'csc' or b'csr'");
            }
            return in.readStrings(1)[0];
        });
        if (!format.equals("csc") && !format.equals("csr")) {
            throw new DataFileException(file, "member format.npy: unsupported sparse format '" + format
                    + "', expected 'csc' or 'csr' (convert with .tocsc() before scipy.sparse.save_npz)");
        }
        return format;
    }

    private static long[] readShape(Path file, ZipFile zip) throws IOException {
        return readMember(file, zip, "shape.npy", in -> {
            if (!in.dtype().isInteger() || in.shape().length != 1 || in.shape()[0] != 2) {
                throw in.error("shape has dtype '" + in.dtype().descr() + "' and shape " + in.shapeString()
                        + ", expected 2 integers (rows, columns)");
            }
            long[] shape = new long[2];
            in.readLongs(shape, 0, 2, "shape");
            for (int d = 0; d < 2; d++) {
                if (shape[d] < 0 || shape[d] > Integer.MAX_VALUE - 1) {
                    throw in.error("shape[" + d + "] = " + shape[d] + ", expected a size in [0, "
                            + (Integer.MAX_VALUE - 1) + "]");
                }
            }
            return shape;
        });
    }

    private static ZipEntry entry(Path file, ZipFile zip, String name) throws DataFileException {
        ZipEntry e = zip.getEntry(name);
        if (e == null) {
            List<String> found = new ArrayList<>();
            zip.stream().forEach(x -> found.add(x.getName()));
            Collections.sort(found);
            throw new DataFileException(file, "missing member " + name
                    + ", expected a scipy.sparse.save_npz archive with format.npy, shape.npy, indptr.npy, "
                    + "indices.npy and data.npy (members found: " + (found.isEmpty() ? "none" : String.join(", ", found))
                    + ")");
        }
        return e;
    }

    private static NpyInput member(ReadableByteChannel ch, Path file, ZipEntry e) throws IOException {
        return new NpyInput(ch, file.toString(), "member " + e.getName() + ": ", e.getSize());
    }

    private static int oneDimensional(NpyInput in, String kind) throws DataFileException {
        boolean ok = kind.equals("integer") ? in.dtype().isInteger() : in.dtype().isNumeric();
        if (!ok) {
            throw in.error("dtype '" + in.dtype().descr() + "', expected " + (kind.equals("integer")
                    ? "an integer dtype ('<i4', '<i8', '>i4', '>i8', '|u1' or '|i1')"
                    : "a numeric dtype ('<f4', '<f8', '>f4', '>f8' or an integer dtype)"));
        }
        if (in.shape().length != 1) {
            throw in.error("expected a 1-D array, found a " + in.shape().length + "-D array of shape "
                    + in.shapeString());
        }
        return in.checkedSize();
    }

    /**
     * Checks indptr (starts at 0, non-decreasing, ends within the arrays) and the index range,
     * naming positions as the file stores them. Returns nnz = indptr[outer].
     */
    private static int checkStructure(Path file, int[] indptr, int[] indices, int outer, int inner,
            String outerName, String innerName) throws DataFileException {
        if (indptr[0] != 0) {
            throw new DataFileException(file, "member indptr.npy: indptr[0] = " + indptr[0] + ", expected 0");
        }
        for (int o = 0; o < outer; o++) {
            if (indptr[o + 1] < indptr[o]) {
                throw new DataFileException(file, "member indptr.npy: indptr is not monotone: indptr[" + (o + 1)
                        + "] = " + indptr[o + 1] + " < indptr[" + o + "] = " + indptr[o]
                        + ", expected non-decreasing offsets");
            }
        }
        int nnz = indptr[outer];
        if (nnz > indices.length) {
            throw new DataFileException(file, "member indptr.npy: indptr[" + outer + "] = " + nnz
                    + " exceeds the " + indices.length + " entries of indices.npy, expected at most "
                    + indices.length);
        }
        for (int o = 0; o < outer; o++) {
            for (int k = indptr[o]; k < indptr[o + 1]; k++) {
                int i = indices[k];
                if (i < 0 || i >= inner) {
                    throw new DataFileException(file, "member indices.npy: entry " + k + " = " + i + " (in "
                            + outerName + " " + o + ") is out of range, expected a " + innerName
                            + " index in [0, " + inner + ")");
                }
            }
        }
        return nnz;
    }

    /**
     * Converts compressed storage along {@code outer} into compressed storage along
     * {@code inner} (CSR to CSC or back) by a counting sort; the output indices come out sorted
     * (non-decreasing) within each new outer slice.
     */
    static void transpose(int outer, int inner, int[] indptr, int[] indices, double[] data,
            int[] tIndptr, int[] tIndices, double[] tData) {
        int nnz = indptr[outer];
        for (int k = 0; k < nnz; k++) {
            tIndptr[indices[k] + 1]++;
        }
        for (int q = 0; q < inner; q++) {
            tIndptr[q + 1] += tIndptr[q];
        }
        int[] next = Arrays.copyOf(tIndptr, inner);
        for (int o = 0; o < outer; o++) {
            for (int k = indptr[o]; k < indptr[o + 1]; k++) {
                int pos = next[indices[k]]++;
                tIndices[pos] = o;
                tData[pos] = data[k];
            }
        }
    }

    /** Sorts each column's indices if needed and sums duplicates, then builds the matrix. */
    private static SparseMatrix normalize(int rows, int columns, int[] indptr, int[] indices, double[] data) {
        boolean duplicates = false;
        for (int j = 0; j < columns; j++) {
            int start = indptr[j];
            int end = indptr[j + 1];
            boolean sorted = true;
            for (int k = start + 1; k < end; k++) {
                if (indices[k] < indices[k - 1]) {
                    sorted = false;
                    break;
                }
            }
            if (!sorted) {
                sortSegment(indices, data, start, end);
            }
            for (int k = start + 1; k < end && !duplicates; k++) {
                duplicates = indices[k] == indices[k - 1];
            }
        }
        if (duplicates) {
            int w = 0;
            int start = 0;
            for (int j = 0; j < columns; j++) {
                int end = indptr[j + 1];
                int columnStart = w;
                for (int k = start; k < end; k++) {
                    if (w > columnStart && indices[w - 1] == indices[k]) {
                        data[w - 1] += data[k];
                    } else {
                        indices[w] = indices[k];
                        data[w] = data[k];
                        w++;
                    }
                }
                indptr[j] = columnStart;
                start = end;
            }
            indptr[columns] = w;
            indices = Arrays.copyOf(indices, w);
            data = Arrays.copyOf(data, w);
        }
        return new SparseMatrix(rows, columns, indptr, indices, data);
    }

    /** Sorts indices[start, end) ascending, carrying data along (stable). */
    private static void sortSegment(int[] indices, double[] data, int start, int end) {
        int n = end - start;
        long[] keys = new long[n];
        for (int k = 0; k < n; k++) {
            keys[k] = ((long) indices[start + k] << 32) | k;
        }
        Arrays.sort(keys);
        double[] values = Arrays.copyOfRange(data, start, end);
        for (int k = 0; k < n; k++) {
            indices[start + k] = (int) (keys[k] >>> 32);
            data[start + k] = values[(int) keys[k]];
        }
    }
}
