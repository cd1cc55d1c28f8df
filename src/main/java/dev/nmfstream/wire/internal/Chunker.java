package dev.nmfstream.wire.internal;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The one chunking scheme of the internal protocol: a payload is cut into records of at most
 * {@link #CHUNK_BYTES} of payload each, so that no record relies on a raised broker limit (a
 * 12,000 × 50 model is 10 MB), each record with the same header:
 *
 * <pre>
 * kind(int8) sender(int64) seq(int64) index(int32) count(int32) payload-chunk
 * </pre>
 * big-endian. On a topic the records travel in order (reassembled by {@link Reassembler}); in a
 * store or a compacted topic they are kept under the keys {@code name/0 … name/(count−1)}
 * ({@link #write}, {@link #read}), complete when every chunk carries the same message header.
 */
public final class Chunker {

    /** Largest payload per record. */
    public static final int CHUNK_BYTES = 256 * 1024;
    /** The header's size. */
    public static final int HEADER_BYTES = 1 + 8 + 8 + 4 + 4;

    private static final byte[] NO_DATA = new byte[0];

    private Chunker() {}

    /** The records of one message. */
    public static List<byte[]> cut(byte kind, long sender, long seq, byte[] payload) {
        return cut(kind, sender, seq, payload, payload.length);
    }

    /** The records of one message whose payload is the first {@code length} bytes of {@code payload}. */
    public static List<byte[]> cut(byte kind, long sender, long seq, byte[] payload, int length) {
        int count = Math.max(1, (length + CHUNK_BYTES - 1) / CHUNK_BYTES);
        List<byte[]> records = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            int from = i * CHUNK_BYTES;
            records.add(record(kind, sender, seq, i, count, payload, from, Math.min(length, from + CHUNK_BYTES) - from));
        }
        return records;
    }

    /** The record of a chunk (header and data), as {@link #cut} made it. */
    public static byte[] record(Chunk c) {
        return record(c.kind(), c.sender(), c.seq(), c.index(), c.count(), c.data(), 0, c.data().length);
    }

    /** A chunk's record: the header, then {@code length} bytes of {@code data} from {@code from}. */
    private static byte[] record(byte kind, long sender, long seq, int index, int count, byte[] data, int from,
            int length) {
        ByteBuffer b = ByteBuffer.allocate(HEADER_BYTES + length);
        b.put(kind).putLong(sender).putLong(seq).putInt(index).putInt(count).put(data, from, length);
        return b.array();
    }

    /**
     * Reads a record's header.
     *
     * @throws IllegalArgumentException if the record is shorter than a header or its index and
     *     count do not fit
     */
    public static Chunk chunk(byte[] record) {
        return parse(record, true);
    }

    /** Reads a record's header only: the chunk's data is left empty (no copy). */
    public static Chunk header(byte[] record) {
        return parse(record, false);
    }

    private static Chunk parse(byte[] record, boolean withData) {
        if (record.length < HEADER_BYTES) {
            throw new IllegalArgumentException("chunk of " + record.length + " bytes, expected at least the "
                    + HEADER_BYTES + "-byte header");
        }
        ByteBuffer b = ByteBuffer.wrap(record);
        byte kind = b.get();
        long sender = b.getLong();
        long seq = b.getLong();
        int index = b.getInt();
        int count = b.getInt();
        if (count < 1 || index < 0 || index >= count) {
            throw new IllegalArgumentException("chunk index " + index + " of count " + count
                    + ", expected 0 ≤ index < count");
        }
        byte[] data = withData ? Arrays.copyOfRange(record, HEADER_BYTES, record.length) : NO_DATA;
        return new Chunk(kind, sender, seq, index, count, data);
    }

    /**
     * Joins the chunks of one message, given in index order, into its payload.
     *
     * @throws IllegalArgumentException if they are not all the chunks of one message in order
     */
    public static byte[] join(List<Chunk> chunks) {
        Chunk first = chunks.get(0);
        if (chunks.size() != first.count()) {
            throw new IllegalArgumentException(chunks.size() + " chunks, the message has " + first.count());
        }
        int total = 0;
        for (int i = 0; i < chunks.size(); i++) {
            Chunk c = chunks.get(i);
            if (c.index() != i || !c.sameMessage(first)) {
                throw new IllegalArgumentException("chunk " + c.index() + " of message " + c.sender() + "/" + c.seq()
                        + " at place " + i + ", expected chunk " + i + " of message " + first.sender() + "/"
                        + first.seq());
            }
            total += c.data().length;
        }
        byte[] out = new byte[total];
        int at = 0;
        for (Chunk c : chunks) {
            System.arraycopy(c.data(), 0, out, at, c.data().length);
            at += c.data().length;
        }
        return out;
    }

    /** The key of chunk i of the message kept under {@code name}. */
    public static String key(String name, int index) {
        return name + "/" + index;
    }

    /**
     * Keeps a message under {@code name} (chunks {@code name/i}), replacing the one kept there
     * and deleting its chunks beyond the new count. Its seq is the write's number (the previous
     * one's plus one), so that chunks of two writes are never taken for one message.
     */
    public static void write(ChunkStore store, String name, byte kind, byte[] payload) {
        Chunk old = first(store, name);
        List<byte[]> records = cut(kind, 0, old == null ? 0 : old.seq() + 1, payload);
        for (int i = 0; i < records.size(); i++) {
            store.put(key(name, i), records.get(i));
        }
        for (int i = records.size(); old != null && i < old.count(); i++) {
            store.delete(key(name, i));
        }
    }

    /**
     * The header of chunk 0 of the message under {@code name} (its data left empty), or null if
     * there is none.
     */
    public static Chunk first(ChunkSource source, String name) {
        byte[] record = source.get(key(name, 0));
        return record == null ? null : header(record);
    }

    /**
     * The message under {@code name}, or null if there is none or it is not complete (a chunk
     * missing or of another message: a newer one still arriving).
     */
    public static Message read(ChunkSource source, String name) {
        byte[] record0 = source.get(key(name, 0));
        if (record0 == null) {
            return null;
        }
        Chunk first = chunk(record0);
        List<Chunk> chunks = new ArrayList<>(first.count());
        chunks.add(first);
        for (int i = 1; i < first.count(); i++) {
            byte[] record = source.get(key(name, i));
            if (record == null) {
                return null;
            }
            Chunk c = chunk(record);
            if (c.index() != i || !c.sameMessage(first)) {
                return null;
            }
            chunks.add(c);
        }
        return new Message(first.kind(), first.sender(), first.seq(), join(chunks));
    }

    /** Deletes the message kept under {@code name}, if any. */
    public static void delete(ChunkStore store, String name) {
        Chunk first = first(store, name);
        if (first == null) {
            return;
        }
        for (int i = 0; i < first.count(); i++) {
            store.delete(key(name, i));
        }
    }
}
