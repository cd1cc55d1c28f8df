package dev.nmfstream.nmf;

/**
 * A sparse column of dimension m: the nonzeros {@code values[offset + j]} at rows
 * {@code indices[offset + j]}, j &lt; nnz, with strictly increasing indices. The arrays are not
 * copied (a CSC matrix's columns are views of its shared index and data arrays).
 */
public final class SparseColumn implements Column {

    private int dim;
    private int[] indices;
    private double[] values;
    private int offset;
    private int nnz;

    /** A view of nnz entries starting at {@code offset} of {@code indices} and {@code values}. */
    public SparseColumn(int dim, int[] indices, double[] values, int offset, int nnz) {
        set(dim, indices, values, offset, nnz);
    }

    /** A column from whole arrays (used as they are, not copied). */
    public static SparseColumn of(int dim, int[] indices, double[] values) {
        if (indices.length != values.length) {
            throw new IllegalArgumentException("indices has " + indices.length + " entries but values has "
                    + values.length + ", expected the same count");
        }
        return new SparseColumn(dim, indices, values, 0, indices.length);
    }

    /** Points this view at other data. */
    public SparseColumn set(int dim, int[] indices, double[] values, int offset, int nnz) {
        if (dim < 0 || nnz < 0 || offset < 0 || offset + nnz > indices.length || offset + nnz > values.length) {
            throw new IllegalArgumentException("sparse column of " + nnz + " entries at " + offset
                    + " does not fit in arrays of length " + indices.length + " and " + values.length);
        }
        this.dim = dim;
        this.indices = indices;
        this.values = values;
        this.offset = offset;
        this.nnz = nnz;
        return this;
    }

    /** The backing index array (not a copy). */
    public int[] indices() {
        return indices;
    }

    /** The backing value array (not a copy). */
    public double[] values() {
        return values;
    }

    /** Position of the first entry in {@link #indices()} and {@link #values()}. */
    public int offset() {
        return offset;
    }

    @Override
    public int dim() {
        return dim;
    }

    @Override
    public int nnz() {
        return nnz;
    }

    @Override
    public double squaredNorm() {
        return Kernels.dot(values, offset, values, offset, nnz);
    }

    @Override
    public void validate() {
        if (nnz == 0) {
            throw new IllegalArgumentException("values: empty vector, expected at least one nonzero entry");
        }
        int previous = -1;
        for (int j = 0; j < nnz; j++) {
            int i = indices[offset + j];
            if (i < 0 || i >= dim) {
                throw new IllegalArgumentException("indices[" + j + "] = " + i + ", expected an index in [0, "
                        + dim + ")");
            }
            if (i <= previous) {
                throw new IllegalArgumentException("indices[" + j + "] = " + i + (i == previous ? " is repeated" :
                        " is smaller than the one before it (" + previous + ")") + ", expected strictly increasing indices");
            }
            previous = i;
            double x = values[offset + j];
            if (!(x >= 0) || x == Double.POSITIVE_INFINITY) {
                throw new IllegalArgumentException("values[" + j + "] = " + x
                        + ", expected a finite nonnegative number");
            }
        }
    }
}
