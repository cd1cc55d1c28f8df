package dev.nmfstream.wire.internal;

import dev.nmfstream.nmf.Basis;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * One basis version on the basis topic (compacted, read by every instance into a store):
 * {@link Chunker} records of kind {@link #KIND}, sender 0, seq the version, chunk i under the key
 * {@code modelName/basis/i}. Payload:
 *
 * <pre>
 * m(int32) r(int32) W row-major f64…
 * </pre>
 */
public final class BasisMessage {

    public static final byte KIND = 'B';

    private BasisMessage() {}

    /** The name the chunks of a model's basis are kept under ({@link Chunker#key}). */
    public static String name(String modelName) {
        return modelName + "/basis";
    }

    /** The basis-topic key of chunk i. */
    public static String key(String modelName, int index) {
        return Chunker.key(name(modelName), index);
    }

    /** The basis-topic values (chunk i under {@link #key}) of one basis version. */
    public static List<byte[]> records(Basis basis) {
        double[] w = basis.toRowMajor();
        ByteBuffer payload = ByteBuffer.allocate(8 + 8 * w.length);
        payload.putInt(basis.dim()).putInt(basis.rank());
        payload.asDoubleBuffer().put(w);
        return Chunker.cut(KIND, 0, basis.version(), payload.array());
    }

    /**
     * The newest version kept in a store, read from its chunk 0 only: −1 if there is none.
     */
    public static long version(ChunkSource store, String modelName) {
        Chunk first = Chunker.first(store, name(modelName));
        return first == null ? -1 : first.seq();
    }

    /**
     * The basis kept in a store (the global copy of the basis topic), or null if there is none
     * or its newest version is still arriving.
     */
    public static Basis read(ChunkSource store, String modelName) {
        Message message = Chunker.read(store, name(modelName));
        return message == null ? null : decode(message.payload(), message.seq());
    }

    /**
     * The dimension m and rank r of a basis version, from its first chunk alone (the payload
     * starts with them).
     *
     * @param firstChunk a basis-topic record of chunk index 0
     * @return {m, r}
     * @throws IllegalArgumentException if it is not the first chunk of a basis message
     */
    public static int[] shape(byte[] firstChunk) {
        Chunk c = Chunker.chunk(firstChunk);
        if (c.kind() != KIND || c.index() != 0 || c.data().length < 8) {
            throw new IllegalArgumentException("not the first chunk of a basis message (kind " + (char) c.kind()
                    + ", index " + c.index() + ", " + c.data().length + " bytes)");
        }
        ByteBuffer b = ByteBuffer.wrap(c.data());
        return new int[] {b.getInt(), b.getInt()};
    }

    /** Decodes a joined payload of the given version. */
    public static Basis decode(byte[] payload, long version) {
        ByteBuffer all = ByteBuffer.wrap(payload);
        if (payload.length < 8) {
            throw new IllegalArgumentException("basis message of " + payload.length + " bytes, expected at least 8");
        }
        int m = all.getInt();
        int r = all.getInt();
        if (m <= 0 || r <= 0 || (long) m * r * 8 != payload.length - 8) {
            throw new IllegalArgumentException("basis message of " + payload.length + " bytes for " + m + " × " + r
                    + ", expected 8 + 8·m·r bytes");
        }
        double[] w = new double[m * r];
        all.asDoubleBuffer().get(w);
        return new Basis(m, r, w, version);
    }
}
