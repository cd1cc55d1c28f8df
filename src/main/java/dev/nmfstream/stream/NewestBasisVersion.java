package dev.nmfstream.stream;

import org.apache.kafka.streams.state.KeyValueStore;

/**
 * The newest basis version one input partition has read: the basis version in a partition's
 * weights never goes back, even when the partition moves to an instance whose copy of the basis
 * topic is behind (its items wait until that version arrives there). Kept in the task's
 * changelogged progress store so that it moves with the partition.
 */
final class NewestBasisVersion {

    /** The progress-store key. */
    static final String KEY = "version";

    private final KeyValueStore<String, Long> store;
    private long newest;

    NewestBasisVersion(KeyValueStore<String, Long> store) {
        this.store = store;
        Long stored = store.get(KEY);
        this.newest = stored == null ? -1 : stored;
    }

    /** The newest version read, or -1 if this partition has never had a basis. */
    long value() {
        return newest;
    }

    /** Whether this partition has never had a basis (it is warming up). */
    boolean none() {
        return newest < 0;
    }

    /** Whether weights may name this version: it is not older than any this partition has read. */
    boolean admits(long version) {
        return version >= newest;
    }

    /** A version read; remembered if it is the newest. */
    void read(long version) {
        if (version > newest) {
            newest = version;
            store.put(KEY, version);
        }
    }
}
