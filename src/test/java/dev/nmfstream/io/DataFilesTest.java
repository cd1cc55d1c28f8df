package dev.nmfstream.io;

import static dev.nmfstream.io.NpyMalformedTest.assertMessage;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Choosing the reader, top-level errors, and the data matrices' own checks. */
class DataFilesTest {

    @TempDir
    Path dir;

    @Test
    void npyBecomesDenseAndNpzSparse() throws IOException {
        double[][] expected = Fixtures.expected();
        DataMatrix dense = DataFiles.read(Fixtures.path("dense_f64_fortran.npy"));
        assertTrue(dense instanceof DenseMatrix);
        assertArrayEquals(expected, Fixtures.toArray(dense));
        DataMatrix sparse = DataFiles.read(Fixtures.path("sparse_csc.npz"), false);
        assertTrue(sparse instanceof SparseMatrix);
        assertArrayEquals(expected, Fixtures.toArray(sparse));
        assertEquals(7, sparse.rows());
        assertEquals(5, sparse.columns());

        double[][] transposed = Fixtures.transpose(expected);
        assertArrayEquals(expected, Fixtures.toArray(DataFiles.read(Fixtures.path("dense_f64_items_rows.npy"), true)));
        assertArrayEquals(transposed, Fixtures.toArray(DataFiles.read(Fixtures.path("sparse_csr.npz"), true)));
    }

    @Test
    void contentWinsOverExtension() throws IOException {
        Path npyNamedNpz = dir.resolve("really-npy.npz");
        Files.copy(Fixtures.path("dense_f64_c.npy"), npyNamedNpz);
        assertTrue(DataFiles.read(npyNamedNpz) instanceof DenseMatrix);
        Path npzNamedDat = dir.resolve("matrix.dat");
        Files.copy(Fixtures.path("sparse_csr.npz"), npzNamedDat);
        assertTrue(DataFiles.read(npzNamedDat) instanceof SparseMatrix);
    }

    @Test
    void fileNotFound() {
        Path file = dir.resolve("nope.npy");
        DataFileException e = assertThrows(DataFileException.class, () -> DataFiles.read(file, false));
        assertMessage(e, file, "file not found");
    }

    /** A text file named .npy, .npz or .csv: the error names the file and what each reader expected. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("textFiles")
    void aTextFileIsRefusedByWhatItsNameSays(String name, String[] expected) throws IOException {
        Path file = Files.write(dir.resolve(name), "1,2,3\n".getBytes(StandardCharsets.US_ASCII));
        DataFileException e = assertThrows(DataFileException.class, () -> DataFiles.read(file));
        assertMessage(e, file, expected);
    }

    static Stream<Arguments> textFiles() {
        return Stream.of(
                Arguments.of("x.npy", new String[] {"not an npy file", "31 2c 32 2c 33 0a", "\\x93NUMPY"}),
                Arguments.of("x.npz", new String[] {"not an npz file", "zip archive"}),
                Arguments.of("x.csv", new String[] {"unrecognized data file", ".npy", ".npz"}));
    }

    @Test
    void negativeValueCaughtByValidateInDenseFile() throws IOException {
        Path file = dir.resolve("neg.npy");
        // 2 × 3, row-major; entry (1, 2) is negative
        Npy.writeMatrix(file, 2, 3, new double[] {1, 2, 3, 4, 5, -0.5});
        DataMatrix m = DataFiles.read(file);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, m::validate);
        assertTrue(e.getMessage().contains("column 2, row 1: value -0.5"), e.getMessage());
        assertTrue(e.getMessage().contains("expected a finite nonnegative number"), e.getMessage());
    }

    @Test
    void negativeValueCaughtByValidateInSparseFile() throws IOException {
        Path file = Fixtures.zip(dir.resolve("neg.npz"), Fixtures.sparseMembers("csc", 3, 2,
                new int[] {0, 2, 3}, new int[] {0, 2, 1}, new double[] {1, 2, -3}), true);
        DataMatrix m = DataFiles.read(file);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, m::validate);
        assertTrue(e.getMessage().contains("column 1, row 1: value -3.0"), e.getMessage());
    }

    @Test
    void nanAndInfinityCaughtByValidate() {
        DenseMatrix nan = new DenseMatrix(2, 1, new double[] {0, Double.NaN});
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, nan::validate);
        assertTrue(e.getMessage().contains("column 0, row 1: value NaN"), e.getMessage());
        SparseMatrix inf = new SparseMatrix(2, 1, new int[] {0, 1}, new int[] {1},
                new double[] {Double.POSITIVE_INFINITY});
        e = assertThrows(IllegalArgumentException.class, inf::validate);
        assertTrue(e.getMessage().contains("column 0, row 1: value Infinity"), e.getMessage());
    }

    @Test
    void denseMatrixChecksItsSize() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> DenseMatrix.zeros(100_000, 100_000));
        assertTrue(e.getMessage().contains("10000000000 entries"), e.getMessage());
        assertTrue(e.getMessage().contains("largest Java array"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new DenseMatrix(2, 3, new double[5]));
        assertTrue(e.getMessage().contains("5 values") && e.getMessage().contains("= 6"), e.getMessage());
    }

    @Test
    void sparseMatrixChecksItsStructure() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new SparseMatrix(3, 1, new int[] {0, 2}, new int[] {2, 1}, new double[] {1, 1}));
        assertTrue(e.getMessage().contains("indices[1] = 1 (column 0) follows 2"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new SparseMatrix(3, 2, new int[] {0, 1}, new int[] {0}, new double[] {1}));
        assertTrue(e.getMessage().contains("indptr has 2 entries, expected columns + 1 = 3"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new SparseMatrix(3, 1, new int[] {0, 1}, new int[] {3}, new double[] {1}));
        assertTrue(e.getMessage().contains("indices[0] = 3 (column 0) is out of range"), e.getMessage());
    }
}
