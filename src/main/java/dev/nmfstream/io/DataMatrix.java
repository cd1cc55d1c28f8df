package dev.nmfstream.io;

/**
 * A data set of n items, each a nonnegative vector of dimension m, held in memory: the matrix
 * V (m × n) whose column j is item j.
 *
 * <p>Items are read through a {@link ColumnCursor}, which hands out reusable
 * {@link dev.nmfstream.nmf.Column} views instead of copies. Readers
 * ({@link DataFiles}, {@link Npy}, {@link Npz}) check the structure of what they read but not
 * the values; call {@link #validate()} to check that every value is finite and nonnegative.
 */
public sealed interface DataMatrix permits DenseMatrix, SparseMatrix {

    /** The dimension m of every item (the number of rows of V). */
    int rows();

    /** The number n of items (the number of columns of V). */
    int columns();

    /**
     * The number of stored entries: m·n for a dense matrix; for a sparse one the number of
     * stored entries, which may include explicit zeros (the same convention as
     * {@link dev.nmfstream.nmf.Column#nnz()}).
     */
    long nonzeros();

    /** A new cursor over the items; each call returns an independent cursor. */
    ColumnCursor cursor();

    /**
     * Checks that every stored value is finite and nonnegative.
     *
     * @throws IllegalArgumentException naming the column j, the row i and the value of the first
     *     offending entry
     */
    void validate();
}
