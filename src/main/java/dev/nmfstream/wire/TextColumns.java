package dev.nmfstream.wire;

/**
 * Turns a document's text into a sparse column, for {@code nmf.input.format=text}: the decoder
 * hands it the title and the text as the JSON parser holds them (no String made), then asks for
 * the column. Implemented by the stream layer over the {@code text} package's vectoriser.
 */
public interface TextColumns {

    /** Starts a document. */
    void start();

    /** Adds the words of {@code chars[offset, offset + length)} (valid only during the call). */
    void add(char[] chars, int offset, int length);

    /**
     * Writes the document's column: strictly increasing rows in [0, m), positive values.
     * Modified: indices, values.
     *
     * @param indices room for m entries
     * @param values room for m entries
     * @return the number of entries, 0 when the text has no words
     */
    int finish(int[] indices, double[] values);
}
