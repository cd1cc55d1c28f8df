package dev.nmfstream.text;

/**
 * Which words land in each hashed row, as one reader of text sees them: per row a Misra–Gries
 * summary with two counters, so a word with more than a third of its row's occurrences is
 * certainly kept, and the word with the larger counter is the row's label ({@link #word}).
 * Rows whose label changed, or whose label's count doubled, since they were last reported are
 * remembered ({@link #drainChanges}), so the updater is told each new word once and each count
 * O(log count) times.
 *
 * <p>Memory: 29 bytes per row (three String references, four ints, a flag) plus at most two
 * Strings per row: about 1 MB + the words at m = 2^15. Not thread-safe.
 */
public final class BucketWords {

    /** Receives one row's label. */
    @FunctionalInterface
    public interface Sink {
        void accept(int bucket, String word, int count);
    }

    private final String[] first;
    private final String[] second;
    private final int[] firstCount;
    private final int[] secondCount;
    private final String[] sent;
    private final int[] sentCount;
    private final int[] dirty;
    private final boolean[] isDirty;
    private int dirtyCount;

    /** An empty table for m rows. */
    public BucketWords(int m) {
        first = new String[m];
        second = new String[m];
        firstCount = new int[m];
        secondCount = new int[m];
        sent = new String[m];
        sentCount = new int[m];
        dirty = new int[m];
        isDirty = new boolean[m];
    }

    /** m. */
    public int buckets() {
        return first.length;
    }

    /** One occurrence of the word {@code term[0, length)} in row b. */
    void observe(int b, char[] term, int length) {
        if (same(first[b], term, length)) {
            firstCount[b]++;
        } else if (same(second[b], term, length)) {
            if (++secondCount[b] > firstCount[b]) { // the larger counter leads
                String w = first[b];
                int c = firstCount[b];
                first[b] = second[b];
                firstCount[b] = secondCount[b];
                second[b] = w;
                secondCount[b] = c;
            }
        } else if (first[b] == null) {
            first[b] = new String(term, 0, length);
            firstCount[b] = 1;
        } else if (second[b] == null) {
            second[b] = new String(term, 0, length);
            secondCount[b] = 1;
        } else {
            // Misra–Gries: a third word takes one from each counter; a counter at zero frees its slot
            firstCount[b]--;
            if (--secondCount[b] == 0) {
                second[b] = null;
            }
            if (firstCount[b] == 0) {
                first[b] = second[b];
                firstCount[b] = secondCount[b];
                second[b] = null;
                secondCount[b] = 0;
            }
        }
        if (!isDirty[b] && first[b] != null && (first[b] != sent[b] || firstCount[b] >= 2 * sentCount[b])) {
            isDirty[b] = true;
            dirty[dirtyCount++] = b;
        }
    }

    private static boolean same(String word, char[] term, int length) {
        if (word == null || word.length() != length) {
            return false;
        }
        for (int i = 0; i < length; i++) {
            if (word.charAt(i) != term[i]) {
                return false;
            }
        }
        return true;
    }

    /** The label of row b: the word with the larger counter, or null when none was seen. */
    public String word(int b) {
        return first[b];
    }

    /** The counter of row b's label. */
    public int count(int b) {
        return firstCount[b];
    }

    /** Rows with a change not yet reported. */
    public int changes() {
        return dirtyCount;
    }

    /** Reports every row whose label is new or whose count doubled since last reported, and forgets them. */
    public void drainChanges(Sink sink) {
        for (int j = 0; j < dirtyCount; j++) {
            int b = dirty[j];
            isDirty[b] = false;
            if (first[b] != null && (first[b] != sent[b] || firstCount[b] >= 2 * sentCount[b])) {
                sink.accept(b, first[b], firstCount[b]);
                sent[b] = first[b];
                sentCount[b] = firstCount[b];
            }
        }
        dirtyCount = 0;
    }
}
