package dev.nmfstream.io;

import dev.nmfstream.nmf.Column;

/**
 * Random access to the items of a {@link DataMatrix} through one reusable column view.
 *
 * <p>Every call to {@link #at} re-targets the same view object and returns it, so a loop over
 * all items allocates nothing; the column returned by an earlier call therefore changes when
 * {@code at} is called again. A cursor is not thread-safe: give each thread its own
 * ({@link DataMatrix#cursor()} returns a new one on every call).
 */
public interface ColumnCursor {

    /**
     * Points the cursor's view at item {@code j} and returns it. The view shares the matrix's
     * arrays (nothing is copied).
     *
     * @param j the item (column) index, in [0, {@link DataMatrix#columns()})
     * @return the cursor's single view, now showing item j
     * @throws IndexOutOfBoundsException if j is outside [0, columns())
     */
    Column at(int j);
}
