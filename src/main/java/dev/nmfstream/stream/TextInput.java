package dev.nmfstream.stream;

import dev.nmfstream.text.BucketWords;
import dev.nmfstream.text.TextVectorizer;
import dev.nmfstream.wire.TextColumns;

/**
 * A projector task's text pipeline ({@code nmf.input.format = text}): the vectoriser the decoder
 * feeds, and the task's table of the words in each row, whose changes go to the updater with
 * the statistics.
 */
public final class TextInput implements TextColumns {

    private final TextVectorizer vectorizer;
    private final BucketWords words;

    /** The pipeline of {@code config.text()} with a word table of {@code config.dimension()} rows. */
    public TextInput(NmfStreamConfig config) {
        this.words = new BucketWords(config.dimension());
        this.vectorizer = new TextVectorizer(config.text(), words);
    }

    /** The words in each row, as this task has read them. */
    BucketWords words() {
        return words;
    }

    /** Whether decoded documents teach the word table (off while held documents are decoded again). */
    void learnWords(boolean on) {
        vectorizer.learnWords(on);
    }

    @Override
    public void start() {
        vectorizer.start();
    }

    @Override
    public void add(char[] chars, int offset, int length) {
        vectorizer.add(chars, offset, length);
    }

    @Override
    public int finish(int[] indices, double[] values) {
        return vectorizer.finish(indices, values);
    }
}
