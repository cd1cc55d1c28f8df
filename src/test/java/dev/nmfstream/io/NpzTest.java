package dev.nmfstream.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nmfstream.nmf.SparseColumn;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Reading scipy.sparse.save_npz files. */
class NpzTest {

    @TempDir
    Path dir;

    /** The number of nonzeros of the fixture matrix A. */
    private static int nonzeros(double[][] a) {
        int n = 0;
        for (double[] row : a) {
            for (double x : row) {
                n += x != 0 ? 1 : 0;
            }
        }
        return n;
    }

    @ParameterizedTest(name = "{0} itemsAreRows={1}")
    @CsvSource({
        "sparse_csc.npz, false, false",
        "sparse_csc.npz, true, false",
        "sparse_csr.npz, false, false",
        "sparse_csr.npz, true, false",
        "sparse_csr_f32_int64.npz, false, true",
        "sparse_csr_f32_int64.npz, true, true",
        "sparse_csc_unsorted.npz, false, false",
        "sparse_csc_unsorted.npz, true, false",
        "sparse_csc_duplicates.npz, false, false",
        "sparse_csc_duplicates.npz, true, false",
    })
    void sparseFixturesReadBackToExpectedValues(String name, boolean itemsAreRows, boolean float32)
            throws IOException {
        double[][] expected = float32 ? Fixtures.toFloat32(Fixtures.expected()) : Fixtures.expected();
        if (itemsAreRows) {
            // the stored 7 × 5 matrix read as n × m: its rows are the items
            expected = Fixtures.transpose(expected);
        }
        SparseMatrix matrix = Npz.read(Fixtures.path(name), itemsAreRows);
        assertEquals(expected.length, matrix.rows());
        assertEquals(expected[0].length, matrix.columns());
        assertEquals(nonzeros(expected), matrix.nonzeros(), "duplicates are summed into one entry");
        assertArrayEquals(expected, Fixtures.toArray(matrix));
        for (int i = 0; i < matrix.rows(); i++) {
            for (int j = 0; j < matrix.columns(); j++) {
                assertEquals(expected[i][j], matrix.get(i, j), 0.0);
            }
        }
        matrix.validate();
        SparseMatrix.Cursor cursor = matrix.cursor();
        for (int j = 0; j < matrix.columns(); j++) {
            SparseColumn column = cursor.at(j);
            if (column.nnz() > 0) {
                column.validate(); // strictly increasing indices in range, values nonnegative
            }
        }
    }

    @Test
    void csrWithItemsAsRowsIsReinterpretedWithoutConversion() throws IOException {
        // A 2 × 3 CSR matrix with items as rows: item 0 = (0, 1.5, 0), item 1 = (2, 0, 3)
        int[] indptr = {0, 1, 3};
        int[] indices = {1, 0, 2};
        double[] data = {1.5, 2, 3};
        Path file = Fixtures.zip(dir.resolve("items.npz"),
                Fixtures.sparseMembers("csr", 2, 3, indptr, indices, data), false);
        SparseMatrix m = Npz.read(file, true);
        assertEquals(3, m.rows());
        assertEquals(2, m.columns());
        assertArrayEquals(indptr, m.indptr());
        assertArrayEquals(indices, m.indices());
        assertArrayEquals(data, m.values());
    }

    @Test
    void csrDuplicatesAreSummedAfterConversion() throws IOException {
        // 2 × 2 CSR, items as columns; row 0 stores column 1 twice (1 + 2) and column 0 once
        Map<String, byte[]> members = Fixtures.sparseMembers("csr", 2, 2, new int[] {0, 3, 4},
                new int[] {1, 0, 1, 1}, new double[] {1, 5, 2, 7});
        SparseMatrix m = Npz.read(Fixtures.zip(dir.resolve("dup.npz"), members, true), false);
        assertArrayEquals(new int[] {0, 1, 3}, m.indptr());
        assertArrayEquals(new int[] {0, 0, 1}, m.indices());
        assertArrayEquals(new double[] {5, 3, 7}, m.values());
    }

    @Test
    void entriesPastIndptrEndAreIgnoredLikeScipyPrune() throws IOException {
        Map<String, byte[]> members = Fixtures.sparseMembers("csc", 2, 1, new int[] {0, 1},
                new int[] {1, 0}, new double[] {4, 9});
        SparseMatrix m = Npz.read(Fixtures.zip(dir.resolve("slack.npz"), members, false), false);
        assertEquals(1, m.nonzeros());
        assertEquals(4.0, m.get(1, 0), 0.0);
    }

    @Test
    void cursorReturnsOneReusedViewOverSharedArrays() throws IOException {
        double[][] expected = Fixtures.expected();
        SparseMatrix matrix = Npz.read(Fixtures.path("sparse_csc.npz"), false);
        SparseMatrix.Cursor cursor = matrix.cursor();
        SparseColumn first = cursor.at(0);
        for (int j = 0; j < 5; j++) {
            SparseColumn c = cursor.at(j);
            assertSame(first, c);
            assertSame(matrix.indices(), c.indices());
            assertSame(matrix.values(), c.values());
            assertEquals(7, c.dim());
            assertEquals(matrix.indptr()[j], c.offset());
            assertEquals(matrix.indptr()[j + 1] - matrix.indptr()[j], c.nnz());
            double[] column = new double[7];
            for (int k = 0; k < c.nnz(); k++) {
                column[c.indices()[c.offset() + k]] = c.values()[c.offset() + k];
            }
            for (int i = 0; i < 7; i++) {
                assertEquals(expected[i][j], column[i], 0.0);
            }
        }
        assertTrue(matrix.cursor().at(0) != first, "each cursor has its own view");
    }
}
