package dev.nmfstream.io;

import dev.nmfstream.nmf.DenseColumn;

/**
 * A dense data matrix V (m × n) stored column-major in one {@code double[]}: item j occupies
 * {@code data[j*m .. j*m + m)}, so every item is contiguous and its {@link DenseColumn} view is
 * a plain offset into the array. Because the data is one Java array, m·n must not exceed
 * {@link #MAX_ENTRIES}.
 */
public final class DenseMatrix extends SizedMatrix implements DataMatrix {

    /** The largest number of entries (m·n) a dense matrix can hold: the largest Java array. */
    public static final int MAX_ENTRIES = Integer.MAX_VALUE - 8;

    private final double[] data;

    /**
     * A matrix over {@code data} (used as it is, not copied).
     *
     * @param rows the item dimension m, at least 0
     * @param columns the number of items n, at least 0
     * @param data column-major values, length m·n: entry (i, j) is {@code data[j*m + i]}
     * @throws IllegalArgumentException if a size is negative, m·n exceeds {@link #MAX_ENTRIES}
     *     or {@code data} has the wrong length
     */
    public DenseMatrix(int rows, int columns, double[] data) {
        super(rows, columns);
        checkSize(rows, columns);
        if (data.length != (long) rows * columns) {
            throw new IllegalArgumentException("data has " + data.length + " values, expected rows × columns = "
                    + rows + " × " + columns + " = " + (long) rows * columns);
        }
        this.data = data;
    }

    /**
     * A zero matrix of the given size.
     *
     * @throws IllegalArgumentException if a size is negative or m·n exceeds {@link #MAX_ENTRIES}
     */
    public static DenseMatrix zeros(int rows, int columns) {
        checkSize(rows, columns);
        return new DenseMatrix(rows, columns, new double[rows * columns]);
    }

    private static void checkSize(int rows, int columns) {
        requireSize(rows, columns);
        long entries = (long) rows * columns;
        if (entries > MAX_ENTRIES) {
            throw new IllegalArgumentException("a dense " + rows + " × " + columns + " matrix has " + entries
                    + " entries, expected at most " + MAX_ENTRIES + " (the largest Java array)");
        }
    }

    @Override
    public long nonzeros() {
        return (long) rows * columns;
    }

    /** The backing column-major array (not a copy): entry (i, j) is {@code data[j*m + i]}. */
    public double[] data() {
        return data;
    }

    /** Entry (i, j): row i of item j. */
    public double get(int i, int j) {
        requireEntry(i, j);
        return data[j * rows + i];
    }

    @Override
    public Cursor cursor() {
        return new Cursor();
    }

    @Override
    public void validate() {
        for (int j = 0; j < columns; j++) {
            int base = j * rows;
            for (int i = 0; i < rows; i++) {
                requireValue(data[base + i], j, i);
            }
        }
    }

    @Override
    public String toString() {
        return "DenseMatrix[" + rows + " × " + columns + "]";
    }

    /** A cursor whose single view is a {@link DenseColumn} over this matrix's array. */
    public final class Cursor implements ColumnCursor {

        private final DenseColumn view = new DenseColumn(data, 0, 0);

        private Cursor() {
        }

        @Override
        public DenseColumn at(int j) {
            requireColumn(j);
            return view.set(data, j * rows, rows);
        }
    }
}
