package dev.nmfstream.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nmfstream.nmf.DenseColumn;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Reading the checked-in .npy fixtures and writing .npy files. */
class NpyTest {

    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0} itemsAreRows={1}")
    @CsvSource({
        "dense_f64_c.npy, false, false",
        "dense_f64_fortran.npy, false, false",
        "dense_f64_big_endian.npy, false, false",
        "dense_f64_v2.npy, false, false",
        "dense_f64_v3.npy, false, false",
        "dense_f32_c.npy, false, true",
        "dense_f64_items_rows.npy, true, false",
        "dense_f32_items_rows_fortran.npy, true, true",
    })
    void denseFixturesReadBackToExpectedValues(String name, boolean itemsAreRows, boolean float32)
            throws IOException {
        double[][] expected = float32 ? Fixtures.toFloat32(Fixtures.expected()) : Fixtures.expected();
        DenseMatrix matrix = Npy.readDense(Fixtures.path(name), itemsAreRows);
        assertEquals(7, matrix.rows());
        assertEquals(5, matrix.columns());
        assertEquals(35, matrix.nonzeros());
        for (int i = 0; i < 7; i++) {
            for (int j = 0; j < 5; j++) {
                assertEquals(expected[i][j], matrix.get(i, j), 0.0, name + " entry (" + i + ", " + j + ")");
                assertEquals(expected[i][j], matrix.data()[j * 7 + i], 0.0);
            }
        }
        assertArrayEquals(expected, Fixtures.toArray(matrix));
        matrix.validate();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "dense_f64_c.npy, false",
        "dense_f64_fortran.npy, false",
        "dense_f64_items_rows.npy, true",
        "dense_f32_items_rows_fortran.npy, true",
    })
    void theOtherOrientationGivesTheTranspose(String name, boolean itemsAreRows) throws IOException {
        double[][] expected = Fixtures.transpose(Fixtures.toFloat32(Fixtures.expected()));
        DenseMatrix matrix = Npy.readDense(Fixtures.path(name), !itemsAreRows);
        assertEquals(5, matrix.rows());
        assertEquals(7, matrix.columns());
        double[][] actual = Fixtures.toFloat32(Fixtures.toArray(matrix));
        assertArrayEquals(expected, actual);
    }

    @Test
    void cursorReturnsOneReusedViewPerColumn() throws IOException {
        double[][] expected = Fixtures.expected();
        DenseMatrix matrix = Npy.readDense(Fixtures.path("dense_f64_fortran.npy"), false);
        DenseMatrix.Cursor cursor = matrix.cursor();
        DenseColumn first = cursor.at(0);
        for (int j = 4; j >= 0; j--) {
            DenseColumn c = cursor.at(j);
            assertSame(first, c, "the cursor re-targets one view");
            assertSame(matrix.data(), c.data(), "the view shares the matrix's array");
            assertEquals(j * 7, c.offset());
            assertEquals(7, c.dim());
            for (int i = 0; i < 7; i++) {
                assertEquals(expected[i][j], c.get(i), 0.0);
            }
        }
        ColumnCursor other = matrix.cursor();
        assertTrue(other.at(1) != first, "each cursor has its own view");
        IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class, () -> cursor.at(5));
        assertTrue(e.getMessage().contains("column 5") && e.getMessage().contains("[0, 5)"), e.getMessage());
    }

    @Test
    void readReturnsHeaderFieldsAndValuesInFileOrder() throws IOException {
        double[][] expected = Fixtures.expected();
        NpyArray c = Npy.read(Fixtures.path("dense_f64_c.npy"));
        assertEquals("<f8", c.dtype());
        assertArrayEquals(new int[] {7, 5}, c.shape());
        assertFalse(c.fortranOrder());
        assertEquals(2, c.ndim());
        assertEquals(35, c.size());
        assertNull(c.ints());
        assertEquals(expected[2][3], c.doubles()[2 * 5 + 3], 0.0);

        NpyArray f = Npy.read(Fixtures.path("dense_f64_fortran.npy"));
        assertTrue(f.fortranOrder());
        assertEquals(expected[2][3], f.doubles()[3 * 7 + 2], 0.0);

        NpyArray be = Npy.read(Fixtures.path("dense_f64_big_endian.npy"));
        assertEquals(">f8", be.dtype());
        assertArrayEquals(c.doubles(), be.doubles());

        NpyArray f32 = Npy.read(Fixtures.path("dense_f32_c.npy"));
        assertEquals("<f4", f32.dtype());
        assertEquals((float) expected[2][3], f32.doubles()[2 * 5 + 3], 0.0);
    }

    @Test
    void readsIntegerAndByteStringArrays() throws IOException {
        Path i4 = Files.write(dir.resolve("i4.npy"), Fixtures.npy(Fixtures.dict("<i4", false, "(3,)"),
                Fixtures.i4(1, -2, 300000)));
        NpyArray a = Npy.read(i4);
        assertArrayEquals(new int[] {1, -2, 300000}, a.ints());
        assertArrayEquals(new double[] {1, -2, 300000}, a.toDoubles());

        Path i8 = Files.write(dir.resolve("i8.npy"), Fixtures.npy(Fixtures.dict("<i8", false, "(2,)"),
                Fixtures.i8(1L << 40, 7)));
        assertArrayEquals(new long[] {1L << 40, 7}, Npy.read(i8).longs());

        Path u1 = Files.write(dir.resolve("u1.npy"), Fixtures.npy(Fixtures.dict("|u1", false, "(3,)"),
                new byte[] {0, 7, (byte) 255}));
        assertArrayEquals(new int[] {0, 7, 255}, Npy.read(u1).ints());

        Path s = Files.write(dir.resolve("s.npy"), Fixtures.npy(Fixtures.dict("|S4", false, "(2,)"),
                new byte[] {'c', 's', 'c', 0, 'c', 'o', 'o', 'x'}));
        NpyArray strings = Npy.read(s);
        assertArrayEquals(new String[] {"csc", "coox"}, strings.strings());

        Path scalar = Files.write(dir.resolve("scalar.npy"), Fixtures.npyBytes("csr"));
        NpyArray zeroD = Npy.read(scalar);
        assertEquals(0, zeroD.ndim());
        assertEquals(1, zeroD.size());
        assertEquals("csr", zeroD.strings()[0]);
    }

    @Test
    void integerDenseMatrixIsConvertedToDouble() throws IOException {
        Path file = Files.write(dir.resolve("counts.npy"), Fixtures.npy(Fixtures.dict("<i8", false, "(2, 3)"),
                Fixtures.i8(1, 2, 3, 4, 5, 6)));
        DenseMatrix m = Npy.readDense(file, false);
        assertArrayEquals(new double[] {1, 4, 2, 5, 3, 6}, m.data());
    }

    @Test
    void headerParsingToleratesQuotesOrderAndPython2Longs() throws IOException {
        Path file = Files.write(dir.resolve("odd.npy"), Fixtures.npy(
                "{\"shape\": (2L, 1L), \"fortran_order\": False, \"descr\": \"<f8\"}", Fixtures.f8(1.5, 2.5)));
        DenseMatrix m = Npy.readDense(file, false);
        assertEquals(2, m.rows());
        assertArrayEquals(new double[] {1.5, 2.5}, m.data());
    }

    @Test
    void writeMatrixMatchesNumpyByteForByte() throws IOException {
        double[][] expected = Fixtures.expected();
        double[] rowMajor = new double[35];
        for (int i = 0; i < 7; i++) {
            System.arraycopy(expected[i], 0, rowMajor, i * 5, 5);
        }
        Path out = dir.resolve("written.npy");
        Npy.writeMatrix(out, 7, 5, rowMajor);
        byte[] written = Files.readAllBytes(out);
        assertArrayEquals(Files.readAllBytes(Fixtures.path("dense_f64_c.npy")), written);
        assertEquals(0, (written.length - 35 * 8) % 64, "header is padded to a multiple of 64 bytes");
        assertEquals('\n', written[written.length - 35 * 8 - 1]);
    }

    @Test
    void writeMatrixRoundTripsThroughReadDense() throws IOException {
        Random random = new Random(42);
        int rows = 300;
        int cols = 1000; // more than one write chunk and more than one transpose block row
        double[] rowMajor = new double[rows * cols];
        for (int k = 0; k < rowMajor.length; k++) {
            rowMajor[k] = random.nextDouble();
        }
        Path out = dir.resolve("big.npy");
        Npy.writeMatrix(out, rows, cols, rowMajor);

        DenseMatrix m = Npy.readDense(out, false);
        assertEquals(rows, m.rows());
        assertEquals(cols, m.columns());
        for (int i = 0; i < rows; i += 7) {
            for (int j = 0; j < cols; j += 3) {
                assertEquals(rowMajor[i * cols + j], m.get(i, j), 0.0);
            }
        }
        DenseMatrix items = Npy.readDense(out, true);
        assertEquals(cols, items.rows());
        assertEquals(rows, items.columns());
        // items as rows of a C-order file: the data is the file's order, unchanged
        assertArrayEquals(rowMajor, items.data());
    }

    @Test
    void writeMatrixRejectsWrongLength() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Npy.writeMatrix(dir.resolve("x.npy"), 2, 3, new double[5]));
        assertTrue(e.getMessage().contains("5") && e.getMessage().contains("6"), e.getMessage());
    }

    @Test
    void emptyMatrixRoundTrips() throws IOException {
        Path out = dir.resolve("empty.npy");
        Npy.writeMatrix(out, 4, 0, new double[0]);
        DenseMatrix m = Npy.readDense(out, false);
        assertEquals(4, m.rows());
        assertEquals(0, m.columns());
        assertNotNull(m.cursor());
    }
}
