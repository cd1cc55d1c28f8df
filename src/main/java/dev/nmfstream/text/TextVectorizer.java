package dev.nmfstream.text;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.tokenattributes.CharTermAttribute;
import org.apache.lucene.util.StringHelper;
import org.apache.lucene.util.UnicodeUtil;

/**
 * Turns documents into unit-length sparse term vectors of dimension m by feature hashing: each
 * word the analyzer keeps ({@link TextAnalysis}) goes to row {@code murmur3_x86_32(utf8(word),
 * SEED) mod m}, its count tf in the document becomes a value ({@link Weighting}), and the vector
 * is scaled to ‖v‖₂ = 1. The row of a word depends only on the word, m and the fixed seed, so
 * every vectoriser anywhere, started at any time, puts it in the same row, and a word first seen
 * late has its row already.
 *
 * <p>Use: {@link #start()}, {@link #add} once or more (title, text), {@link #finish}. Allocation
 * per document: none of its own once its buffers have grown to the longest document seen; the
 * Lucene analysis chain is reused (one per vectoriser, whose {@code reset} allocates nothing),
 * and {@link Arrays#sort(int[], int, int)} of the rows may allocate a merge buffer for long
 * presorted runs. With a {@link BucketWords} attached, a word entering a free slot of its row's
 * table is copied to a String. Not thread-safe: one per stream task.
 */
public final class TextVectorizer {

    /** The hash seed: part of the model's meaning, never to change. */
    public static final int SEED = 0x6E6D6673; // "nmfs"
    private static final String FIELD = "text";

    private final TextSettings settings;
    private final int m;
    private final Analyzer analyzer;
    private final TextAnalysis.CharsReader reader = new TextAnalysis.CharsReader();
    private final BucketWords words;
    private boolean learningWords = true;
    /** Per row, the document's count: zero outside the rows in {@link #touched}. */
    private final int[] counts;
    private int[] touched = new int[256];
    private int distinct;
    private int tokens;
    private byte[] utf8 = new byte[3 * TextAnalysis.MAX_WORD_CHARS];

    /** A vectoriser without word tables. */
    public TextVectorizer(TextSettings settings) {
        this(settings, null);
    }

    /**
     * A vectoriser that also teaches {@code words} which words land in each row.
     *
     * @param words the table to update with every word, or null
     */
    public TextVectorizer(TextSettings settings, BucketWords words) {
        this.settings = settings;
        this.m = settings.buckets();
        this.analyzer = TextAnalysis.analyzer(settings);
        this.counts = new int[m];
        if (words != null && words.buckets() != m) {
            throw new IllegalArgumentException("words: a table of " + words.buckets() + " buckets, expected " + m);
        }
        this.words = words;
    }

    /** The settings. */
    public TextSettings settings() {
        return settings;
    }

    /** Whether words go into the attached table (off while re-reading held documents). */
    public void learnWords(boolean on) {
        learningWords = on;
    }

    /** Starts a new document. */
    public void start() {
        for (int j = 0; j < distinct; j++) {
            counts[touched[j]] = 0;
        }
        distinct = 0;
        tokens = 0;
    }

    /** Adds the words of {@code text[offset, offset + length)} to the document. */
    public void add(char[] text, int offset, int length) {
        reader.reset(text, offset, length);
        try (TokenStream stream = analyzer.tokenStream(FIELD, reader)) {
            CharTermAttribute term = stream.getAttribute(CharTermAttribute.class);
            stream.reset();
            while (stream.incrementToken()) {
                char[] t = term.buffer();
                int n = term.length();
                int row = bucket(t, n);
                if (counts[row]++ == 0) {
                    if (distinct == touched.length) {
                        touched = Arrays.copyOf(touched, 2 * distinct);
                    }
                    touched[distinct++] = row;
                }
                tokens++;
                if (words != null && learningWords) {
                    words.observe(row, t, n);
                }
            }
            stream.end();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // the reader is in memory: never
        }
    }

    /** Adds a string's words (allocates a copy: for tests and tools, not the stream path). */
    public void add(CharSequence text) {
        char[] chars = text.toString().toCharArray();
        add(chars, 0, chars.length);
    }

    /**
     * Writes the document's vector: rows strictly increasing in {@code indices[0, nnz)}, values
     * positive with Σ values² = 1. Modified: indices, values. Not modified: the document, which
     * stays until {@link #start()}.
     *
     * @param indices room for {@link #distinct()} rows
     * @param values room for {@link #distinct()} values
     * @return nnz, the number of distinct rows (0 for a document without words)
     */
    public int finish(int[] indices, double[] values) {
        Arrays.sort(touched, 0, distinct);
        double sumSq = 0;
        Weighting weighting = settings.weighting();
        for (int j = 0; j < distinct; j++) {
            int row = touched[j];
            double w = weighting.weight(counts[row]);
            indices[j] = row;
            values[j] = w;
            sumSq += w * w;
        }
        // v ← v / ‖v‖₂
        double scale = 1 / Math.sqrt(sumSq);
        for (int j = 0; j < distinct; j++) {
            values[j] *= scale;
        }
        return distinct;
    }

    /** Distinct rows in the document so far. */
    public int distinct() {
        return distinct;
    }

    /** Words (tokens kept by the analyzer) in the document so far. */
    public int tokens() {
        return tokens;
    }

    /** The row of a word as the analyzer leaves it. */
    private int bucket(char[] term, int length) {
        if (utf8.length < UnicodeUtil.maxUTF8Length(length)) {
            utf8 = new byte[UnicodeUtil.maxUTF8Length(length)];
        }
        int bytes = UnicodeUtil.UTF16toUTF8(term, 0, length, utf8);
        return Integer.remainderUnsigned(StringHelper.murmurhash3_x86_32(utf8, 0, bytes, SEED), m);
    }

    /**
     * The row of an analysed word (as {@link #terms} returns it) among m: the same in every
     * vectoriser with m rows.
     */
    public static int bucketOf(String term, int m) {
        char[] chars = term.toCharArray();
        byte[] bytes = new byte[UnicodeUtil.maxUTF8Length(chars.length)];
        int n = UnicodeUtil.UTF16toUTF8(chars, 0, chars.length, bytes);
        return Integer.remainderUnsigned(StringHelper.murmurhash3_x86_32(bytes, 0, n, SEED), m);
    }

    /** The words the analyzer keeps from a text, in order (allocates: for tests and tools). */
    public List<String> terms(String text) {
        List<String> out = new ArrayList<>();
        char[] chars = text.toCharArray();
        reader.reset(chars, 0, chars.length);
        try (TokenStream stream = analyzer.tokenStream(FIELD, reader)) {
            CharTermAttribute term = stream.getAttribute(CharTermAttribute.class);
            stream.reset();
            while (stream.incrementToken()) {
                out.add(term.toString());
            }
            stream.end();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }
}
