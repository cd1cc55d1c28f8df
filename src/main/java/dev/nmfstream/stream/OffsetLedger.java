package dev.nmfstream.stream;

import org.apache.kafka.streams.state.KeyValueStore;

/**
 * How many items' statistics a crash lost, and which input offsets of one partition have their
 * statistics safe.
 *
 * <p>Under exactly-once a statistics message, the task's stores and the input offsets commit
 * together. A crash, or a move to another instance, loses only the mini-batch still in memory;
 * its weights are committed. The ledger keeps in the changelogged progress store, with every
 * item, the number of items whose statistics are in memory or whose loss is not reported yet
 * ({@link #UNSENT_KEY}), so a task that starts again reads how many items' statistics were lost,
 * at once, and the count travels to the updater with the next statistics ({@code itemsLost}).
 *
 * <p>Before, the count was the gap between the first input offset after the restart and the
 * last offset whose statistics were sent ({@link #KEY}, still kept). That missed two cases, and
 * ChaosIT's exact accounting (learned + lost = sent) failed now and then by 10–32 items of
 * 150,000: a task that moved after its partition's last record never saw a first record, and
 * items held in a store (covered while held) and projected after their release were not in
 * the gap. A store written by that version (no {@link #UNSENT_KEY}) is still read that way, once.
 */
final class OffsetLedger {

    /** The progress-store key of the covered offset. */
    static final String KEY = "covered";
    /** The progress-store key of the items not yet accounted for: in memory, or lost and not reported. */
    static final String UNSENT_KEY = "unsent";

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
     * Reads the progress store: the items whose statistics were in memory (or whose loss was not
     * reported) when the task last stopped are lost, {@link #lost()} from the start.
     *
     * @param learning false when no statistics are sent (a fixed basis): nothing can be lost
     */
    OffsetLedger(KeyValueStore<String, Long> store, boolean learning) {
        this.store = store;
        this.learning = learning;
        Long stored = store.get(KEY);
        this.covered = stored == null ? -1 : stored;
        Long unsent = learning ? store.get(UNSENT_KEY) : null;
        if (unsent != null) {
            restartChecked = true;
            lost = unsent;
        }
    }

    /**
     * Called for every record. Only a store written by the older version (without the unsent
     * count) counts the lost items here, on the first record after the restart.
     *
     * @return the items whose statistics were lost (0 but on that first record)
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

    /**
     * The in-memory mini-batch now holds statistics of {@code items} items: stored (cached, so one
     * changelog record per commit) with the lost count not yet reported.
     */
    void unsent(long items) {
        if (learning) {
            store.put(UNSENT_KEY, lost + items);
        }
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
        if (learning) {
            store.put(UNSENT_KEY, 0L);
        }
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
