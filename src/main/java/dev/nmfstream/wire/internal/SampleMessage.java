package dev.nmfstream.wire.internal;

import dev.nmfstream.nmf.Column;
import dev.nmfstream.nmf.DenseColumn;
import dev.nmfstream.nmf.SparseColumn;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInput;
import java.io.DataInputStream;
import java.io.DataOutput;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * A bootstrap sample: a column a projector task offers the updater for the first basis, sent as
 * {@link Chunker} records of kind {@link #KIND} on the stats topic. Payload:
 *
 * <pre>
 * dim(int32) nnz(int32, −1 dense) [indices int32…] values f64…
 * </pre>
 * The updater keeps the samples it has in its store as a list: count(int32) and the payloads.
 */
public final class SampleMessage {

    public static final byte KIND = 'C';

    private SampleMessage() {}

    /** The stats-topic records (values) of one sample. */
    public static List<byte[]> records(long sender, long seq, Column v) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            write(out, v);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Chunker.cut(KIND, sender, seq, bytes.toByteArray());
    }

    /** Decodes a joined payload. */
    public static Column decode(byte[] payload) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(payload))) {
            return read(in);
        } catch (IOException e) {
            throw new IllegalArgumentException("corrupt sample message: " + e.getMessage(), e);
        }
    }

    /** A list of samples as one payload. */
    public static byte[] encodeAll(List<? extends Column> samples) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(samples.size());
            for (Column v : samples) {
                write(out, v);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** Decodes {@link #encodeAll}. */
    public static List<Column> decodeAll(byte[] payload) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(payload))) {
            int count = in.readInt();
            if (count < 0) {
                throw new IllegalArgumentException("sample list of " + count + " samples, expected a count ≥ 0");
            }
            List<Column> samples = new ArrayList<>(count);
            for (int q = 0; q < count; q++) {
                samples.add(read(in));
            }
            return samples;
        } catch (IOException e) {
            throw new IllegalArgumentException("corrupt sample list: " + e.getMessage(), e);
        }
    }

    private static void write(DataOutput out, Column v) throws IOException {
        out.writeInt(v.dim());
        if (v instanceof DenseColumn d) {
            out.writeInt(-1);
            for (int i = 0; i < d.dim(); i++) {
                out.writeDouble(d.get(i));
            }
        } else {
            SparseColumn s = (SparseColumn) v;
            out.writeInt(s.nnz());
            for (int j = 0; j < s.nnz(); j++) {
                out.writeInt(s.indices()[s.offset() + j]);
            }
            for (int j = 0; j < s.nnz(); j++) {
                out.writeDouble(s.values()[s.offset() + j]);
            }
        }
    }

    private static Column read(DataInput in) throws IOException {
        int dim = in.readInt();
        int nnz = in.readInt();
        if (dim <= 0 || nnz > dim) {
            throw new IllegalArgumentException("sample of dimension " + dim + " with " + nnz
                    + " entries, expected a positive dimension and at most that many entries");
        }
        if (nnz < 0) {
            double[] v = new double[dim];
            for (int i = 0; i < dim; i++) {
                v[i] = in.readDouble();
            }
            return DenseColumn.of(v);
        }
        int[] idx = new int[nnz];
        double[] val = new double[nnz];
        for (int j = 0; j < nnz; j++) {
            idx[j] = in.readInt();
        }
        for (int j = 0; j < nnz; j++) {
            val[j] = in.readDouble();
        }
        return SparseColumn.of(dim, idx, val);
    }
}
