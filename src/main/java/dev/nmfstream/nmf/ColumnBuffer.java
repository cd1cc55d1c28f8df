package dev.nmfstream.nmf;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.Arrays;

/**
 * Copies of up to {@code capacity} columns of dimension m (the bootstrap sample; the current
 * mini-batch when it is refined), read back as views. Dense columns are stored dense and sparse
 * ones sparse; the storage grows to its peak once and is then reused, so a buffer in steady use
 * allocates nothing.
 */
public final class ColumnBuffer {

    private final int m;
    private final int capacity;
    private int size;
    /** Dense storage: column q at dense[q*m]. */
    private double[] dense = new double[0];
    /** Per column: −1 for dense, else the start of its entries in idx/val. */
    private final int[] start;
    private final int[] nnz;
    private int[] idx = new int[0];
    private double[] val = new double[0];
    private int used;
    private final DenseColumn denseView = new DenseColumn(new double[0], 0, 0);
    private final SparseColumn sparseView = new SparseColumn(0, new int[0], new double[0], 0, 0);

    /** An empty buffer for up to {@code capacity} columns of dimension m. */
    public ColumnBuffer(int m, int capacity) {
        this.m = m;
        this.capacity = capacity;
        this.start = new int[capacity];
        this.nnz = new int[capacity];
    }

    /** Columns held. */
    public int size() {
        return size;
    }

    /** True when {@link #size()} reached the capacity. */
    public boolean isFull() {
        return size == capacity;
    }

    /** Empties the buffer (the storage is kept). */
    public void clear() {
        size = 0;
        used = 0;
    }

    /** Copies a column in. */
    public void add(Column v) {
        if (size == capacity) {
            throw new IllegalStateException("column buffer full (" + capacity + " columns)");
        }
        if (v.dim() != m) {
            throw new IllegalArgumentException("column of dimension " + v.dim() + ", expected " + m);
        }
        int q = size++;
        if (v instanceof DenseColumn d) {
            if (dense.length < (long) capacity * m) {
                dense = Arrays.copyOf(dense, Math.multiplyExact(capacity, m));
            }
            System.arraycopy(d.data(), d.offset(), dense, q * m, m);
            start[q] = -1;
            nnz[q] = m;
        } else {
            SparseColumn s = (SparseColumn) v;
            int n = s.nnz();
            if (used + n > idx.length) {
                int grow = Math.max(used + n, 2 * idx.length + 16);
                idx = Arrays.copyOf(idx, grow);
                val = Arrays.copyOf(val, grow);
            }
            System.arraycopy(s.indices(), s.offset(), idx, used, n);
            System.arraycopy(s.values(), s.offset(), val, used, n);
            start[q] = used;
            nnz[q] = n;
            used += n;
        }
    }

    /** A view of column q, valid until the next call of get, add or clear. */
    public Column get(int q) {
        if (q < 0 || q >= size) {
            throw new IndexOutOfBoundsException("column " + q + " of " + size);
        }
        if (start[q] < 0) {
            return denseView.set(dense, q * m, m);
        }
        return sparseView.set(m, idx, val, start[q], nnz[q]);
    }

    /** Writes the held columns. */
    public void writeTo(DataOutput out) throws IOException {
        out.writeInt(m);
        out.writeInt(capacity);
        out.writeInt(size);
        for (int q = 0; q < size; q++) {
            if (start[q] < 0) {
                out.writeInt(-1);
                for (int i = 0; i < m; i++) {
                    out.writeDouble(dense[q * m + i]);
                }
            } else {
                out.writeInt(nnz[q]);
                for (int j = 0; j < nnz[q]; j++) {
                    out.writeInt(idx[start[q] + j]);
                    out.writeDouble(val[start[q] + j]);
                }
            }
        }
    }

    /** Reads a buffer written by {@link #writeTo}. */
    public static ColumnBuffer readFrom(DataInput in) throws IOException {
        int m = in.readInt();
        int capacity = in.readInt();
        int size = in.readInt();
        if (m <= 0 || capacity < 0 || size < 0 || size > capacity) {
            throw new IOException("column buffer of dimension " + m + " holding " + size + " of " + capacity
                    + ", expected 0 ≤ size ≤ capacity and m > 0");
        }
        ColumnBuffer buffer = new ColumnBuffer(m, capacity);
        double[] d = new double[m];
        for (int q = 0; q < size; q++) {
            int n = in.readInt();
            if (n < 0) {
                for (int i = 0; i < m; i++) {
                    d[i] = in.readDouble();
                }
                buffer.add(DenseColumn.of(d));
            } else {
                int[] ix = new int[n];
                double[] vx = new double[n];
                for (int j = 0; j < n; j++) {
                    ix[j] = in.readInt();
                    vx[j] = in.readDouble();
                }
                buffer.add(new SparseColumn(m, ix, vx, 0, n));
            }
        }
        return buffer;
    }
}
