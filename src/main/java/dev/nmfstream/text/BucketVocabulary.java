package dev.nmfstream.text;

/**
 * The model's word for each hashed row, merged from the reports of every reader
 * ({@link BucketWords#drainChanges}): a report replaces the row's word when its count is larger
 * than the count the row's word was last reported with (several words in one row: the most
 * frequent one as one reader saw it labels the row). Memory: 12 bytes per row plus one String:
 * under 1 MB + the words at m = 2^15. Not thread-safe.
 */
public final class BucketVocabulary {

    private final String[] words;
    private final long[] counts;
    private int size;

    /** An empty vocabulary for m rows. */
    public BucketVocabulary(int m) {
        words = new String[m];
        counts = new long[m];
    }

    /** m. */
    public int buckets() {
        return words.length;
    }

    /** Rows that have a word. */
    public int size() {
        return size;
    }

    /**
     * Takes a report: row b holds {@code word}, counted {@code count} times.
     *
     * @return whether the row's word or count changed (rows outside [0, m) are ignored: false)
     */
    public boolean offer(int b, String word, long count) {
        if (b < 0 || b >= words.length || word == null || word.isEmpty()) {
            return false;
        }
        if (word.equals(words[b])) {
            if (count > counts[b]) {
                counts[b] = count;
                return true;
            }
            return false;
        }
        if (words[b] == null || count > counts[b]) {
            if (words[b] == null) {
                size++;
            }
            words[b] = word;
            counts[b] = count;
            return true;
        }
        return false;
    }

    /** The word of row b, or null. */
    public String word(int b) {
        return b >= 0 && b < words.length ? words[b] : null;
    }

    /** The count row b's word was reported with (0 without one). */
    public long count(int b) {
        return counts[b];
    }
}
