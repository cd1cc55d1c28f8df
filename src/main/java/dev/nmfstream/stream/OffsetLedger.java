package dev.nmfstream.stream;

import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Which input offsets of one partition have their statistics safe, and how many items' statistics
 * a crash lost.
 *
 * <p>Under exactly-once a statistics message, the task's stores and the input offsets commit
 * together. The ledger keeps (in the changelogged progress store) the input offset up to which
 * every record has its statistics sent, is held in a store, or needs none. A crash loses only the
 * mini-batch still in memory; its weights are committed. So the first record after a restart
 * shows how many committed records came after the covered offset: those items' statistics were
 * lost, and the count travels to the updater with the next statistics ({@code itemsLost}; an
 * upper bound when rejected records are among them).
 */
final class OffsetLedger {

    /** The progress-store key. */
    static final String KEY = "covered";

    private final KeyValueStore<String, Long> store;
    private final boolean learning;
    /** The input offset the last statistics (or held items) covered, or -1 if none. */
    private long covered;
    private boolean restartChecked;
    /** The last record fully handled (projected, held or dead-lettered), and the one being projected. */
    private long done = -1;
    private long inFlight = -1;
    private long lost;

    /**
     * @param learning false when no statistics are sent (a fixed basis): nothing can be lost
     */
    OffsetLedger(KeyValueStore<String, Long> store, boolean learning) {
        this.store = store;
        this.learning = learning;
        Long stored = store.get(KEY);
        this.covered = stored == null ? -1 : stored;
    }

    /**
     * Called for every record; on the first one after (re)start counts the committed records
     * between the covered offset and this one.
     *
     * @return the items whose statistics were lost (0 but on the first record after a crash)
     */
    long arrived(long offset) {
        if (restartChecked) {
            return 0;
        }
        restartChecked = true;
        if (!learning || covered < 0 || offset < 0 || offset <= covered + 1) {
            return 0;
        }
        long gap = offset - covered - 1;
        lost += gap;
        return gap;
    }

    /** The record at this offset is being projected: a flush meanwhile covers it. */
    void projecting(long offset) {
        inFlight = offset;
    }

    /** The record at this offset is fully handled (projected, or dead-lettered). */
    void handled(long offset) {
        inFlight = -1;
        done = offset;
    }

    /**
     * The record at this offset is held in a store. Nothing of it can be lost, so it is covered
     * at once unless statistics (or a lost count) not yet sent are in memory: then the mark stays
     * where it is, so that a restart finds the gap again.
     */
    void held(long offset, boolean unsentStatistics) {
        handled(offset);
        if (!unsentStatistics && lost == 0) {
            cover(offset);
        }
    }

    /** Statistics were sent: they cover the record being projected, or else the last one handled. */
    void statisticsSent() {
        lost = 0;
        cover(inFlight >= 0 ? inFlight : done);
    }

    /** The lost items not yet reported to the updater. */
    long lost() {
        return lost;
    }

    /** The covered input offset, or -1 if none. */
    long covered() {
        return covered;
    }

    private void cover(long offset) {
        if (offset >= 0 && offset > covered) {
            covered = offset;
            store.put(KEY, offset);
        }
    }
}
