package dev.nmfstream.nmf;

/**
 * One nonnegative data vector v of dimension m: an item of the stream (a spectrogram frame,
 * a document's term weights, an image).
 *
 * <p>Columns are views: {@link DenseColumn} and {@link SparseColumn} can be pointed at new
 * data with their {@code set} methods, so a reader or a stream processor reuses one column
 * object for every item and the hot path allocates nothing. Nonnegativity and finiteness are
 * checked by {@link #validate()}, not on every access.
 */
public sealed interface Column permits DenseColumn, SparseColumn {

    /** The dimension m. */
    int dim();

    /** Number of stored entries: m for a dense column, the nonzero count for a sparse one. */
    int nnz();

    /** ‖v‖². */
    double squaredNorm();

    /**
     * Checks that every stored value is finite and nonnegative (and, for a sparse column, that
     * the indices are strictly increasing and inside [0, m)).
     *
     * @throws IllegalArgumentException naming the first offending position, its value and what
     *     was expected
     */
    void validate();
}
