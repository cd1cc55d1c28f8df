package dev.nmfstream.io;

import dev.nmfstream.nmf.SparseColumn;

/**
 * A sparse data matrix V (m × n) in compressed sparse column (CSC) form: the entries of item j
 * are {@code values[k]} at rows {@code indices[k]} for {@code indptr[j] <= k < indptr[j+1]},
 * with strictly increasing row indices within each column. Each item's
 * {@link SparseColumn} view is a window into the shared arrays.
 */
public final class SparseMatrix extends SizedMatrix implements DataMatrix {

    private final int[] indptr;
    private final int[] indices;
    private final double[] values;

    /**
     * A matrix over the given arrays (used as they are, not copied). The structure is checked
     * (in O(n + nnz)); the values are not, see {@link #validate()}.
     *
     * @param rows the item dimension m, at least 0
     * @param columns the number of items n, at least 0
     * @param indptr n + 1 non-decreasing offsets, starting at 0 and ending at nnz
     * @param indices nnz row indices in [0, m), strictly increasing within each column
     * @param values nnz values
     * @throws IllegalArgumentException naming the array, the position and the value that breaks
     *     the structure
     */
    public SparseMatrix(int rows, int columns, int[] indptr, int[] indices, double[] values) {
        super(rows, columns);
        if (indptr.length != (long) columns + 1) {
            throw new IllegalArgumentException("indptr has " + indptr.length + " entries, expected columns + 1 = "
                    + ((long) columns + 1));
        }
        if (indices.length != values.length) {
            throw new IllegalArgumentException("indices has " + indices.length + " entries but values has "
                    + values.length + ", expected the same count");
        }
        if (indptr[0] != 0) {
            throw new IllegalArgumentException("indptr[0] = " + indptr[0] + ", expected 0");
        }
        if (indptr[columns] != indices.length) {
            throw new IllegalArgumentException("indptr[" + columns + "] = " + indptr[columns]
                    + ", expected the number of entries " + indices.length);
        }
        for (int j = 0; j < columns; j++) {
            int start = indptr[j];
            int end = indptr[j + 1];
            if (end < start) {
                throw new IllegalArgumentException("indptr[" + (j + 1) + "] = " + end + " < indptr[" + j + "] = "
                        + start + ", expected non-decreasing offsets");
            }
            int previous = -1;
            for (int k = start; k < end; k++) {
                int i = indices[k];
                if (i < 0 || i >= rows) {
                    throw new IllegalArgumentException("indices[" + k + "] = " + i + " (column " + j
                            + ") is out of range, expected a row index in [0, " + rows + ")");
                }
                if (i <= previous) {
                    throw new IllegalArgumentException("indices[" + k + "] = " + i + " (column " + j + ") follows "
                            + previous + ", expected strictly increasing row indices within a column");
                }
                previous = i;
            }
        }
        this.indptr = indptr;
        this.indices = indices;
        this.values = values;
    }

    @Override
    public long nonzeros() {
        return indices.length;
    }

    /** The column offsets, length n + 1 (not a copy). */
    public int[] indptr() {
        return indptr;
    }

    /** The row indices, length nnz (not a copy). */
    public int[] indices() {
        return indices;
    }

    /** The stored values, length nnz (not a copy). */
    public double[] values() {
        return values;
    }

    /** Entry (i, j): row i of item j, 0 if not stored (binary search within column j). */
    public double get(int i, int j) {
        requireEntry(i, j);
        int lo = indptr[j];
        int hi = indptr[j + 1] - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            int r = indices[mid];
            if (r < i) {
                lo = mid + 1;
            } else if (r > i) {
                hi = mid - 1;
            } else {
                return values[mid];
            }
        }
        return 0.0;
    }

    @Override
    public Cursor cursor() {
        return new Cursor();
    }

    @Override
    public void validate() {
        for (int j = 0; j < columns; j++) {
            for (int k = indptr[j]; k < indptr[j + 1]; k++) {
                requireValue(values[k], j, indices[k]);
            }
        }
    }

    @Override
    public String toString() {
        return "SparseMatrix[" + rows + " × " + columns + ", " + indices.length + " stored entries]";
    }

    /** A cursor whose single view is a {@link SparseColumn} over this matrix's arrays. */
    public final class Cursor implements ColumnCursor {

        private final SparseColumn view = new SparseColumn(rows, indices, values, 0, 0);

        private Cursor() {
        }

        @Override
        public SparseColumn at(int j) {
            requireColumn(j);
            int start = indptr[j];
            return view.set(rows, indices, values, start, indptr[j + 1] - start);
        }
    }
}
