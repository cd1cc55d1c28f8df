package dev.nmfstream.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nmfstream.nmf.DenseColumn;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** A dense .npy file read a chunk of columns at a time: the values of a whole read, in every layout. */
class NpyColumnsTest {

    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0} itemsAreRows={1}")
    @CsvSource({
        "dense_f64_c.npy, false",
        "dense_f64_fortran.npy, false",
        "dense_f64_big_endian.npy, false",
        "dense_f64_v2.npy, false",
        "dense_f64_v3.npy, false",
        "dense_f32_c.npy, false",
        "dense_f64_items_rows.npy, true",
        "dense_f32_items_rows_fortran.npy, true",
        "dense_f64_c.npy, true",
        "dense_f32_items_rows_fortran.npy, false",
    })
    void everyFixtureGivesTheValuesOfAWholeRead(String name, boolean itemsAreRows) throws IOException {
        Path file = Fixtures.path(name);
        DataMatrix whole = DataFiles.read(file, itemsAreRows);
        try (NpyColumns columns = NpyColumns.open(file, itemsAreRows)) {
            assertNotNull(columns, name);
            assertEquals(whole.rows(), columns.rows());
            assertEquals(whole.columns(), columns.columns());
            assertArrayEquals(Fixtures.toArray(whole), toArray(columns), name);
        }
    }

    /**
     * Files of several chunks (m = 3000: 174 columns per 4 MiB chunk, and a last chunk that is not
     * full), in both orders, float32 and float64, items as columns and as rows: the chunks a pass
     * takes hold the values of a whole read, and so do columns taken out of order.
     */
    @ParameterizedTest(name = "{0} fortran={1} itemsAreRows={2} chunk={3}")
    @CsvSource({
        "<f4, false, false, 4194304",
        "<f4, true, false, 4194304",
        "<f4, false, true, 4194304",
        "<f8, false, false, 4194304",
        "<f8, true, true, 4194304",
        ">f4, false, false, 4194304",
        ">f8, true, false, 4194304",
        "<f4, false, false, 100000",
        "<f4, true, false, 100000",
        "<f8, false, false, 100000",
        ">f8, true, true, 100000",
    })
    void chunksHoldTheValuesOfAWholeReadAcrossTheirBoundaries(String descr, boolean fortran, boolean itemsAreRows,
            int chunkBytes) throws IOException {
        // chunks of 4 MiB (174 columns) and of 100,000 bytes (4 columns: 125 chunks)
        int m = 3000;
        int n = 500;
        Path file = randomFile(descr, fortran, itemsAreRows, m, n, 7);
        DataMatrix whole = DataFiles.read(file, itemsAreRows);
        double[][] expected = Fixtures.toArray(whole);
        try (NpyColumns columns = NpyColumns.open(file, itemsAreRows, chunkBytes)) {
            assertNotNull(columns);
            assertEquals(m, columns.rows());
            assertEquals(n, columns.columns());
            int per = chunkBytes / Double.BYTES / m;
            assertEquals(per, columns.chunkCapacity());
            int chunks = 0;
            for (int j = 0; j < n; j += columns.chunkCount()) {
                double[] chunk = columns.chunkFrom(j);
                assertEquals(Math.min(per, n - j), columns.chunkCount());
                for (int q = 0; q < columns.chunkCount(); q++) {
                    for (int i = 0; i < m; i++) {
                        assertEquals(expected[i][j + q], chunk[q * m + i], "item " + (j + q) + ", row " + i);
                    }
                }
                chunks++;
            }
            assertEquals((n + per - 1) / per, chunks);
            for (int j : new int[] {n - 1, 0, per, per - 1, 2 * per + 3, 1}) {
                DenseColumn v = columns.at(j);
                assertEquals(m, v.dim());
                for (int i = 0; i < m; i++) {
                    assertEquals(expected[i][j], v.data()[v.offset() + i], "item " + j + ", row " + i);
                }
            }
        }
    }

    @Test
    void aColumnTallerThanAChunkIsAChunkOfOne() throws IOException {
        int m = NpyColumns.CHUNK_BYTES / Double.BYTES + 5;
        Path file = randomFile("<f4", false, false, m, 3, 11);
        double[][] expected = Fixtures.toArray(DataFiles.read(file, false));
        try (NpyColumns columns = NpyColumns.open(file, false)) {
            assertEquals(1, columns.chunkCapacity());
            for (int j = 0; j < 3; j++) {
                double[] chunk = columns.chunkFrom(j);
                assertEquals(1, columns.chunkCount());
                for (int i = 0; i < m; i++) {
                    assertEquals(expected[i][j], chunk[i]);
                }
            }
        }
    }

    /** A bad value in a later chunk is refused when its chunk is converted, with the message of {@link DataMatrix#validate()}. */
    @ParameterizedTest(name = "{0}")
    @CsvSource({"-0.5", "NaN", "Infinity"})
    void aBadValueIsRefusedWithTheMessageOfAWholeRead(double bad) throws IOException {
        int m = 3000;
        int n = 400;
        double[] columnMajor = randomValues(m, n, 3);
        columnMajor[350 * m + 17] = bad;
        Path file = dir.resolve("bad.npy");
        Files.write(file, Fixtures.npy(Fixtures.dict("<f8", true, "(" + m + ", " + n + ")"), bytes("<f8", columnMajor)));
        String expected = assertThrows(IllegalArgumentException.class,
                () -> DataFiles.read(file, false).validate()).getMessage();
        assertTrue(expected.contains("column 350, row 17"), expected);
        try (NpyColumns columns = NpyColumns.open(file, false)) {
            columns.chunkFrom(0); // the first chunk is fine
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> {
                for (int j = 0; j < n; j += columns.chunkCount()) {
                    columns.chunkFrom(j);
                }
            });
            assertEquals(expected, e.getMessage());
        }
    }

    @Test
    void valuesAboveTheLimitAreRefusedNamingTheirColumnAndRow() throws IOException {
        Path file = randomFile("<f4", false, false, 50, 30, 5);
        try (NpyColumns columns = NpyColumns.open(file, false)) {
            double max = 0;
            for (int j = 0; j < 30; j++) {
                for (double x : Arrays.copyOfRange(columns.chunkFrom(0), j * 50, j * 50 + 50)) {
                    max = Math.max(max, x);
                }
            }
            columns.refuseAbove(max); // the largest value itself is allowed
            columns.chunkFrom(0);
            columns.refuseAbove(max / 2);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> columns.chunkFrom(0));
            assertTrue(e.getMessage().matches("column \\d+, row \\d+ = .*, expected at most " + max / 2
                    + " \\(--max-value\\)"), e.getMessage());
        }
    }

    @Test
    void filesItDoesNotReadAreLeftToAWholeRead() throws IOException {
        Path ints = Files.write(dir.resolve("ints.npy"),
                Fixtures.npy(Fixtures.dict("<i4", false, "(2, 2)"), Fixtures.i4(1, 2, 3, 4)));
        Path oneD = Files.write(dir.resolve("one.npy"), Fixtures.npyF8(1, 2, 3));
        Path empty = Files.write(dir.resolve("empty.npy"),
                Fixtures.npy(Fixtures.dict("<f8", false, "(3, 0)"), new byte[0]));
        Path text = Files.writeString(dir.resolve("text.npy"), "1,2,3\n");
        Path nothing = Files.write(dir.resolve("nothing.npy"), new byte[0]);
        for (Path file : new Path[] {ints, oneD, empty, text, nothing, Fixtures.path("sparse_csc.npz")}) {
            assertNull(NpyColumns.open(file, false), file.toString());
        }
    }

    /** A file cut short after it was opened: refused where the read finds it short. */
    @Test
    void aFileCutShortWhileItIsReadIsRefused() throws IOException {
        Path file = randomFile("<f4", true, false, 3000, 500, 9); // items one after another, 174 per chunk
        try (NpyColumns columns = NpyColumns.open(file, false)) {
            columns.chunkFrom(0);
            try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
                channel.truncate(channel.size() / 2);
            }
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> {
                for (int j = 0; j < 500; j += columns.chunkCount()) {
                    columns.chunkFrom(j);
                }
            });
            assertTrue(e.getMessage().startsWith("the file changed while it was read"), e.getMessage());
        }
    }

    @Test
    void aTruncatedFileFailsAsAWholeReadFails() throws IOException {
        byte[] full = Fixtures.npy(Fixtures.dict("<f8", false, "(3, 4)"), Fixtures.f8(new double[12]));
        Path file = Files.write(dir.resolve("short.npy"), Arrays.copyOf(full, full.length - 8));
        String whole = assertThrows(DataFileException.class, () -> DataFiles.read(file, false)).getMessage();
        String chunked = assertThrows(DataFileException.class, () -> NpyColumns.open(file, false)).getMessage();
        assertEquals(whole, chunked);
        assertTrue(chunked.contains("truncated"), chunked);
    }

    @Test
    void aMissingFileFailsAsAWholeReadFails() {
        Path file = dir.resolve("absent.npy");
        String whole = assertThrows(DataFileException.class, () -> DataFiles.read(file, false)).getMessage();
        assertEquals(whole, assertThrows(DataFileException.class, () -> NpyColumns.open(file, false)).getMessage());
    }

    /** The values as m rows of n, read through the cursor (items in order). */
    private static double[][] toArray(NpyColumns columns) {
        double[][] a = new double[columns.rows()][columns.columns()];
        for (int j = 0; j < columns.columns(); j++) {
            DenseColumn v = columns.at(j);
            for (int i = 0; i < columns.rows(); i++) {
                a[i][j] = v.data()[v.offset() + i];
            }
        }
        return a;
    }

    /** Random nonnegative values of an m × n matrix, column-major, a few of them zero. */
    private static double[] randomValues(int m, int n, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        double[] v = new double[m * n];
        for (int k = 0; k < v.length; k++) {
            v[k] = random.nextInt(10) == 0 ? 0 : random.nextDouble() * 100;
        }
        return v;
    }

    /** An .npy file of a random m × n matrix (one item per column) stored in the given dtype and layout. */
    private Path randomFile(String descr, boolean fortran, boolean itemsAreRows, int m, int n, long seed)
            throws IOException {
        double[] columnMajor = randomValues(m, n, seed);
        // the stored array: m × n, or n × m with items as rows
        int rows = itemsAreRows ? n : m;
        int cols = itemsAreRows ? m : n;
        double[] stored = new double[m * n];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                int item = itemsAreRows ? r : c;
                int feature = itemsAreRows ? c : r;
                stored[fortran ? c * rows + r : r * cols + c] = columnMajor[item * m + feature];
            }
        }
        Path file = dir.resolve("random-" + descr.replace('<', 'l').replace('>', 'b') + "-" + fortran + "-"
                + itemsAreRows + "-" + m + ".npy");
        Files.write(file, Fixtures.npy(Fixtures.dict(descr, fortran, "(" + rows + ", " + cols + ")"),
                bytes(descr, stored)));
        return file;
    }

    private static byte[] bytes(String descr, double[] values) {
        boolean f4 = descr.endsWith("f4");
        ByteBuffer b = ByteBuffer.allocate(values.length * (f4 ? 4 : 8))
                .order(descr.startsWith(">") ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN);
        for (double v : values) {
            if (f4) {
                b.putFloat((float) v);
            } else {
                b.putDouble(v);
            }
        }
        return b.array();
    }
}
