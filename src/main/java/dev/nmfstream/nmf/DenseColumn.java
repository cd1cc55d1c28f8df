package dev.nmfstream.nmf;

/**
 * A dense column: values {@code data[offset] … data[offset + dim - 1]}. The array is not
 * copied; the column is a view that {@link #set} can move to other data.
 */
public final class DenseColumn implements Column {

    private double[] data;
    private int offset;
    private int dim;

    /** A view of {@code data[offset .. offset + dim)}. */
    public DenseColumn(double[] data, int offset, int dim) {
        set(data, offset, dim);
    }

    /** A column of the given values (the array is used as it is, not copied). */
    public static DenseColumn of(double... values) {
        return new DenseColumn(values, 0, values.length);
    }

    /** Points this view at {@code data[offset .. offset + dim)}. */
    public DenseColumn set(double[] data, int offset, int dim) {
        if (dim < 0 || offset < 0 || offset + dim > data.length) {
            throw new IllegalArgumentException("dense column [" + offset + ", " + (offset + dim)
                    + ") does not fit in an array of length " + data.length);
        }
        this.data = data;
        this.offset = offset;
        this.dim = dim;
        return this;
    }

    /** The backing array (not a copy). */
    public double[] data() {
        return data;
    }

    /** Position of v[0] in {@link #data()}. */
    public int offset() {
        return offset;
    }

    /** v[i]. */
    public double get(int i) {
        return data[offset + i];
    }

    @Override
    public int dim() {
        return dim;
    }

    @Override
    public int nnz() {
        return dim;
    }

    @Override
    public double squaredNorm() {
        return Kernels.dot(data, offset, data, offset, dim);
    }

    @Override
    public void validate() {
        if (dim == 0) {
            throw new IllegalArgumentException("values: empty vector, expected at least one value");
        }
        for (int i = 0; i < dim; i++) {
            double x = data[offset + i];
            if (!(x >= 0) || x == Double.POSITIVE_INFINITY) {
                throw new IllegalArgumentException("values[" + i + "] = " + x
                        + ", expected a finite nonnegative number");
            }
        }
    }
}
