package dev.nmfstream.io;

/**
 * What {@link DenseMatrix} and {@link SparseMatrix} share: the size m × n and the checks of
 * sizes, positions and values that name what is wrong.
 */
abstract sealed class SizedMatrix permits DenseMatrix, SparseMatrix {

    final int rows;
    final int columns;

    /** @throws IllegalArgumentException if a size is negative */
    SizedMatrix(int rows, int columns) {
        requireSize(rows, columns);
        this.rows = rows;
        this.columns = columns;
    }

    /** The dimension m of every item (the number of rows of V). */
    public final int rows() {
        return rows;
    }

    /** The number n of items (the number of columns of V). */
    public final int columns() {
        return columns;
    }

    /** @throws IllegalArgumentException if a size is negative */
    static void requireSize(int rows, int columns) {
        if (rows < 0 || columns < 0) {
            throw new IllegalArgumentException("size " + rows + " × " + columns
                    + " has a negative dimension, expected rows ≥ 0 and columns ≥ 0");
        }
    }

    /** @throws IndexOutOfBoundsException if (i, j) is outside this matrix */
    final void requireEntry(int i, int j) {
        if (i < 0 || i >= rows || j < 0 || j >= columns) {
            throw new IndexOutOfBoundsException("entry (" + i + ", " + j + ") is outside the " + rows + " × "
                    + columns + " matrix");
        }
    }

    /** @throws IndexOutOfBoundsException if j is not a column index of this matrix */
    final void requireColumn(int j) {
        if (j < 0 || j >= columns) {
            throw new IndexOutOfBoundsException("column " + j + ", expected an index in [0, " + columns + ")");
        }
    }

    /** @throws IllegalArgumentException naming column j, row i and x if x is negative, NaN or infinite */
    static void requireValue(double x, int j, int i) {
        if (!(x >= 0) || x == Double.POSITIVE_INFINITY) {
            throw new IllegalArgumentException("column " + j + ", row " + i + ": value " + x
                    + ", expected a finite nonnegative number");
        }
    }
}
