package dev.nmfstream.stream;

import java.nio.ByteBuffer;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Input records a projector task holds until it may project them, first in, first out, in one
 * key-value store: each under the next sequence number, as its record timestamp, key (or none)
 * and value. The store is changelogged, so under exactly-once a held record is in the store
 * exactly when its input offset is committed and nothing is lost in a crash.
 *
 * <p>Records leave from the front only, so the keys held are always one contiguous range
 * {@code [first, next)}; a restart finds that range by one scan of the restored store.
 */
final class HeldItems {

    /** One held record as it arrived. */
    record Item(long timestamp, byte[] key, byte[] value) {}

    private final KeyValueStore<Long, byte[]> store;
    private long first;
    private long next;

    /** The items already in the store (after a restore) are held, in key order. */
    HeldItems(KeyValueStore<Long, byte[]> store) {
        this.store = store;
        long min = Long.MAX_VALUE;
        long max = -1;
        try (KeyValueIterator<Long, byte[]> all = store.all()) {
            while (all.hasNext()) {
                long key = all.next().key;
                min = Math.min(min, key);
                max = Math.max(max, key);
            }
        }
        this.first = max < 0 ? 0 : min;
        this.next = max + 1;
    }

    /** The records held. */
    long count() {
        return next - first;
    }

    boolean isEmpty() {
        return next == first;
    }

    /** Holds a record behind the others. */
    void add(long timestamp, byte[] key, byte[] value) {
        int keyLength = key == null ? 0 : key.length;
        ByteBuffer b = ByteBuffer.allocate(8 + 4 + keyLength + value.length);
        b.putLong(timestamp).putInt(key == null ? -1 : keyLength);
        if (key != null) {
            b.put(key);
        }
        b.put(value);
        store.put(next++, b.array());
    }

    /** The oldest record held, or null if none. */
    Item first() {
        if (isEmpty()) {
            return null;
        }
        byte[] stored = store.get(first);
        if (stored == null) {
            throw new IllegalStateException("held record " + first + " of [" + first + ", " + next
                    + ") is missing from the store");
        }
        ByteBuffer b = ByteBuffer.wrap(stored);
        long timestamp = b.getLong();
        int keyLength = b.getInt();
        byte[] key = keyLength < 0 ? null : new byte[keyLength];
        if (key != null) {
            b.get(key);
        }
        byte[] value = new byte[b.remaining()];
        b.get(value);
        return new Item(timestamp, key, value);
    }

    /** Removes the oldest record held. */
    void removeFirst() {
        if (isEmpty()) {
            throw new IllegalStateException("no record held");
        }
        store.delete(first++);
    }
}
