package dev.nmfstream.io;

/**
 * An array read from a .npy file by {@link Npy#read}. The values are in file order: C order
 * (last index fastest) unless {@code fortranOrder}, then Fortran order (first index fastest).
 * Exactly one of {@code doubles}, {@code ints}, {@code longs} and {@code strings} is non-null,
 * chosen by the dtype:
 * <ul>
 *   <li>{@code doubles}: float32 ('&lt;f4', '&gt;f4', widened exactly) and float64 ('&lt;f8',
 *       '&gt;f8');</li>
 *   <li>{@code ints}: int32 ('&lt;i4', '&gt;i4'), uint8 ('|u1') and int8 ('|i1');</li>
 *   <li>{@code longs}: int64 ('&lt;i8', '&gt;i8');</li>
 *   <li>{@code strings}: byte strings ('|S&lt;n&gt;'), trailing NUL bytes removed, decoded as
 *       Latin-1.</li>
 * </ul>
 * The arrays are not copied; {@code equals} compares them by reference (as records do).
 *
 * @param dtype the dtype as written in the header, e.g. {@code "<f8"}
 * @param shape the dimensions; empty for a 0-d array (which holds one value)
 * @param fortranOrder whether the values are in Fortran order
 * @param doubles the values of a float array, else null
 * @param ints the values of an int32, uint8 or int8 array, else null
 * @param longs the values of an int64 array, else null
 * @param strings the values of a byte-string array, else null
 */
public record NpyArray(String dtype, int[] shape, boolean fortranOrder, double[] doubles, int[] ints,
        long[] longs, String[] strings) {

    /** The number of dimensions. */
    public int ndim() {
        return shape.length;
    }

    /** The number of elements (the product of the shape; 1 for a 0-d array). */
    public int size() {
        int n = 1;
        for (int d : shape) {
            n *= d;
        }
        return n;
    }

    /**
     * The values as doubles: {@link #doubles()} itself for a float array, a converted copy for an
     * integer array.
     *
     * @throws IllegalStateException for a byte-string array
     */
    public double[] toDoubles() {
        if (doubles != null) {
            return doubles;
        }
        double[] out = new double[size()];
        if (ints != null) {
            for (int k = 0; k < out.length; k++) {
                out[k] = ints[k];
            }
        } else if (longs != null) {
            for (int k = 0; k < out.length; k++) {
                out[k] = longs[k];
            }
        } else {
            throw new IllegalStateException("dtype '" + dtype + "' is a byte string, expected a numeric dtype");
        }
        return out;
    }

    @Override
    public String toString() {
        return "NpyArray[dtype='" + dtype + "', shape=" + NpyInput.shapeString(shape) + ", fortranOrder="
                + fortranOrder + "]";
    }
}
