package dev.nmfstream.wire.internal;

import dev.nmfstream.nmf.Basis;
import dev.nmfstream.nmf.Column;
import dev.nmfstream.nmf.DenseColumn;
import dev.nmfstream.nmf.SparseColumn;
import dev.nmfstream.nmf.SufficientStatistics;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The internal messages between the projectors and the updater, and the basis broadcast. Every
 * payload is cut into chunks of at most {@link #CHUNK_BYTES} so that no record relies on a
 * raised broker limit (a 12,000 × 50 model is 10 MB).
 *
 * <pre>
 * stats topic value:  'S' sender(int64) seq(int64) index(int32) count(int32) payload-chunk
 *                     payload = residualSq(f64) normSq(f64) lost(int64) basisVersion(int64) SufficientStatistics.writeTo
 *                     'C' dim(int32) nnz(int32, −1 dense) [indices int32…] values f64…  (a bootstrap sample)
 * basis topic value:  version(int64) index(int32) count(int32) payload-chunk, key "model/basis/index"
 *                     payload = m(int32) r(int32) W row-major f64…
 * </pre>
 * All big-endian (DataOutput).
 */
public final class Internal {

    /** Largest payload per record. */
    public static final int CHUNK_BYTES = 256 * 1024;
    public static final byte STATS = 'S';
    public static final byte SAMPLE = 'C';

    private Internal() {}

    /**
     * Statistics with the prequential sums of the items they hold, the items whose statistics
     * the sending task found lost to a crash since its previous message, and the (oldest) basis
     * version the items were projected with (−1 if none).
     */
    public record Stats(SufficientStatistics statistics, double residualSq, double normSq, long lost, long basisVersion) {}

    /** The stats-topic records (values) for one batch of statistics. */
    public static List<byte[]> statsRecords(long sender, long seq, Stats stats) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeDouble(stats.residualSq());
            out.writeDouble(stats.normSq());
            out.writeLong(stats.lost());
            out.writeLong(stats.basisVersion());
            stats.statistics().writeTo(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<byte[]> parts = cut(bytes.toByteArray());
        List<byte[]> records = new ArrayList<>(parts.size());
        for (int i = 0; i < parts.size(); i++) {
            byte[] part = parts.get(i);
            ByteBuffer b = ByteBuffer.allocate(1 + 8 + 8 + 4 + 4 + part.length);
            b.put(STATS).putLong(sender).putLong(seq).putInt(i).putInt(parts.size()).put(part);
            records.add(b.array());
        }
        return records;
    }

    /** One chunk of a stats record. */
    public record StatsChunk(long sender, long seq, int index, int count, byte[] data) {}

    public static StatsChunk statsChunk(byte[] value) {
        ByteBuffer b = ByteBuffer.wrap(value);
        if (b.get() != STATS) {
            throw new IllegalArgumentException("not a statistics record");
        }
        long sender = b.getLong();
        long seq = b.getLong();
        int index = b.getInt();
        int count = b.getInt();
        byte[] data = Arrays.copyOfRange(value, b.position(), value.length);
        return new StatsChunk(sender, seq, index, count, data);
    }

    /** Decodes the joined payload of a stats record. */
    public static Stats stats(byte[] payload) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(payload))) {
            double residualSq = in.readDouble();
            double normSq = in.readDouble();
            long lost = in.readLong();
            long basisVersion = in.readLong();
            return new Stats(SufficientStatistics.readFrom(in), residualSq, normSq, lost, basisVersion);
        } catch (IOException e) {
            throw new IllegalArgumentException("corrupt statistics record: " + e.getMessage(), e);
        }
    }

    /** A bootstrap sample record. */
    public static byte[] sampleRecord(Column v) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(SAMPLE);
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
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    public static Column sample(byte[] value) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(value))) {
            if (in.readByte() != SAMPLE) {
                throw new IllegalArgumentException("not a sample record");
            }
            int dim = in.readInt();
            int nnz = in.readInt();
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
        } catch (IOException e) {
            throw new IllegalArgumentException("corrupt sample record: " + e.getMessage(), e);
        }
    }

    /** The basis-topic key of chunk i. */
    public static String basisKey(String model, int index) {
        return model + "/basis/" + index;
    }

    /** The basis-topic values (chunk i under {@link #basisKey}) of one basis version. */
    public static List<byte[]> basisRecords(Basis basis) {
        double[] w = basis.toRowMajor();
        ByteBuffer payload = ByteBuffer.allocate(8 + 8 * w.length);
        payload.putInt(basis.dim()).putInt(basis.rank());
        payload.asDoubleBuffer().put(w);
        List<byte[]> parts = cut(payload.array());
        List<byte[]> records = new ArrayList<>(parts.size());
        for (int i = 0; i < parts.size(); i++) {
            byte[] part = parts.get(i);
            ByteBuffer b = ByteBuffer.allocate(8 + 4 + 4 + part.length);
            b.putLong(basis.version()).putInt(i).putInt(parts.size()).put(part);
            records.add(b.array());
        }
        return records;
    }

    /** The version of a basis chunk. */
    public static long basisChunkVersion(byte[] value) {
        return ByteBuffer.wrap(value).getLong(0);
    }

    /** The chunk count of a basis chunk. */
    public static int basisChunkCount(byte[] value) {
        return ByteBuffer.wrap(value).getInt(12);
    }

    /** Joins the chunks (in index order, all of one version) into the basis. */
    public static Basis basis(List<byte[]> chunks) {
        int total = 0;
        for (byte[] c : chunks) {
            total += c.length - 16;
        }
        ByteBuffer all = ByteBuffer.allocate(total);
        long version = basisChunkVersion(chunks.get(0));
        for (byte[] c : chunks) {
            all.put(c, 16, c.length - 16);
        }
        all.flip();
        int m = all.getInt();
        int r = all.getInt();
        double[] w = new double[m * r];
        all.asDoubleBuffer().get(w);
        return new Basis(m, r, w, version);
    }

    /** Joins byte chunks. */
    public static byte[] join(List<byte[]> parts) {
        int total = 0;
        for (byte[] p : parts) {
            total += p.length;
        }
        byte[] out = new byte[total];
        int at = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }

    /** Cuts bytes into chunks of at most {@link #CHUNK_BYTES}. */
    public static List<byte[]> cut(byte[] all) {
        int count = Math.max(1, (all.length + CHUNK_BYTES - 1) / CHUNK_BYTES);
        List<byte[]> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            out.add(Arrays.copyOfRange(all, i * CHUNK_BYTES, Math.min(all.length, (i + 1) * CHUNK_BYTES)));
        }
        return out;
    }
}
