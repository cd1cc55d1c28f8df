package dev.nmfstream.wire.internal;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Joins the chunks of the messages arriving on one topic partition ({@link Chunker}). A sender's
 * chunks arrive in order; a message with a chunk missing (a sender that crashed mid-message under
 * at-least-once) is dropped and counted, as is a message of which only a part arrives before the
 * sender's next one. The chunks of an incomplete message are kept in a store under
 * {@code prefix + sender/seq/index}, so that a restart mid-message completes it.
 *
 * <p>Not thread-safe.
 */
public final class Reassembler {

    /** The message a sender is in the middle of. */
    private static final class Partial {
        final long seq;
        final List<Chunk> chunks = new ArrayList<>();
        boolean broken;

        Partial(long seq) {
            this.seq = seq;
        }
    }

    private final ChunkStore store;
    private final String prefix;
    private final Map<Long, Partial> partials = new HashMap<>();
    private long dropped;

    /**
     * @param store where the chunks of incomplete messages are kept
     * @param prefix the key prefix of those chunks in the store (no other key may start with it)
     */
    public Reassembler(ChunkStore store, String prefix) {
        this.store = store;
        this.prefix = prefix;
    }

    /** Messages dropped because a chunk of theirs was missing. */
    public long dropped() {
        return dropped;
    }

    /** Messages in the middle of arriving. */
    public int incomplete() {
        int n = 0;
        for (Partial p : partials.values()) {
            n += p.broken ? 0 : 1;
        }
        return n;
    }

    /** Forgets every incomplete message held in memory (the store is left as it is). */
    public void clear() {
        partials.clear();
        dropped = 0;
    }

    /**
     * Takes the chunks of incomplete messages found in the store under the prefix (after a
     * restart), in any order.
     */
    public void restore(List<byte[]> stored) {
        List<Chunk> chunks = new ArrayList<>(stored.size());
        for (byte[] record : stored) {
            chunks.add(Chunker.chunk(record));
        }
        chunks.sort(Comparator.comparingLong(Chunk::sender).thenComparingLong(Chunk::seq)
                .thenComparingInt(Chunk::index));
        for (Chunk c : chunks) {
            accept(c, false);
        }
    }

    /**
     * Takes one record.
     *
     * @return the whole message once its last chunk arrived, else null
     * @throws IllegalArgumentException if the record is not a chunk
     */
    public Message accept(byte[] record) {
        return accept(Chunker.chunk(record), true);
    }

    private Message accept(Chunk c, boolean keep) {
        Partial p = partials.get(c.sender());
        if (p != null && p.seq != c.seq()) {
            // the sender moved on: what it had begun will never be complete
            drop(p, c.sender());
            p = null;
        }
        if (c.count() == 1) {
            return new Message(c.kind(), c.sender(), c.seq(), c.data());
        }
        if (p == null) {
            p = new Partial(c.seq());
            partials.put(c.sender(), p);
        }
        if (p.broken) {
            return null;
        }
        if (c.index() != p.chunks.size() || !p.chunks.isEmpty() && !c.sameMessage(p.chunks.get(0))) {
            drop(p, c.sender());
            p.broken = true;
            p.chunks.clear();
            partials.put(c.sender(), p);
            return null;
        }
        p.chunks.add(c);
        if (p.chunks.size() < c.count()) {
            if (keep) {
                store.put(key(c), Chunker.record(c));
            }
            return null;
        }
        partials.remove(c.sender());
        for (int i = 0; i < p.chunks.size() - 1; i++) {
            store.delete(key(p.chunks.get(i)));
        }
        return new Message(c.kind(), c.sender(), c.seq(), Chunker.join(p.chunks));
    }

    private void drop(Partial p, long sender) {
        partials.remove(sender);
        if (p.broken) {
            return;
        }
        dropped++;
        for (Chunk c : p.chunks) {
            store.delete(key(c));
        }
    }

    private String key(Chunk c) {
        return prefix + c.sender() + "/" + c.seq() + "/" + c.index();
    }
}
