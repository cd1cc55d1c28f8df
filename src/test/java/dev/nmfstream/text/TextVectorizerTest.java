package dev.nmfstream.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** Known answers of the analysis chain and the weighting on fixed sentences; rows shared by every vectoriser. */
class TextVectorizerTest {

    private static final TextSettings DEFAULTS = TextSettings.defaults();

    @Test
    void stopWordsCasePunctuationPossessivesAndNumbersAreDropped() {
        TextVectorizer v = new TextVectorizer(DEFAULTS);
        // "The", "and", "AREN'T" are English stop words (Snowball's list); 42 and 3.14 are numbers; 's is a possessive
        assertEquals(List.of("cat", "models", "running", "dogs", "ran", "km"),
                v.terms("The Cat's models AREN'T running, and 42 dogs ran 3.14 km!"));
        assertEquals(List.of("we", "you"), new TextVectorizer(DEFAULTS.withLanguage(Language.FRENCH)).terms("We you"),
                "English stop words are not French ones");
        assertEquals(List.of("chat", "souris"), new TextVectorizer(DEFAULTS.withLanguage(Language.FRENCH))
                .terms("Le chat et la souris"));
        assertEquals(List.of(), v.terms("it is the and of a I you we they 1 2 3 ... !!!"), "only stop words, "
                + "numbers, one-letter words and punctuation");
    }

    @Test
    void unicodeWordsKeepTheirLettersAndIdeographsAreWords() {
        TextVectorizer v = new TextVectorizer(DEFAULTS);
        assertEquals(List.of("café", "naïve", "zürich", "ελληνικά", "東", "京"),
                v.terms("Café NAÏVE Zürich — Ελληνικά 東京 x y"));
    }

    @Test
    void stemmingReducesWordsToTheirSnowballStem() {
        TextVectorizer v = new TextVectorizer(DEFAULTS.withStemming(true));
        assertEquals(List.of("cat", "model", "run", "dog", "ran", "connect", "connect"),
                v.terms("The Cat's models running, and dogs ran: connection connected"));
    }

    @Test
    void sublinearTfVectorIsUnitLengthWithSortedRows() {
        TextVectorizer v = new TextVectorizer(DEFAULTS);
        v.start();
        v.add("Apple apple APPLE banana, cherry banana.");
        int[] idx = new int[8];
        double[] val = new double[8];
        int nnz = v.finish(idx, val);
        assertEquals(3, nnz);
        assertEquals(6, v.tokens());
        // apple 3 times, banana 2, cherry 1: 1 + ln tf, then divided by the norm
        Map<Integer, Double> expected = new HashMap<>();
        double a = 1 + Math.log(3);
        double b = 1 + Math.log(2);
        double c = 1;
        double norm = Math.sqrt(a * a + b * b + c * c);
        expected.put(TextVectorizer.bucketOf("apple", DEFAULTS.buckets()), a / norm);
        expected.put(TextVectorizer.bucketOf("banana", DEFAULTS.buckets()), b / norm);
        expected.put(TextVectorizer.bucketOf("cherry", DEFAULTS.buckets()), c / norm);
        assertEquals(3, expected.size(), "three words, three rows");
        double sumSq = 0;
        for (int j = 0; j < nnz; j++) {
            if (j > 0) {
                assertTrue(idx[j] > idx[j - 1], "rows strictly increasing");
            }
            assertEquals(expected.get(idx[j]), val[j], 1e-15, "row " + idx[j]);
            sumSq += val[j] * val[j];
        }
        assertEquals(1, sumSq, 1e-14);
    }

    @Test
    void tfAndBinaryWeightings() {
        int[] idx = new int[8];
        double[] val = new double[8];
        TextVectorizer tf = new TextVectorizer(DEFAULTS.withWeighting(Weighting.TF));
        tf.start();
        tf.add("apple apple apple apple banana banana banana");
        assertEquals(2, tf.finish(idx, val));
        assertEquals(4 / 5.0, val[idx[0] == TextVectorizer.bucketOf("apple", DEFAULTS.buckets()) ? 0 : 1], 1e-15);
        TextVectorizer binary = new TextVectorizer(DEFAULTS.withWeighting(Weighting.BINARY));
        binary.start();
        binary.add("apple apple apple apple banana");
        assertEquals(2, binary.finish(idx, val));
        assertEquals(Math.sqrt(0.5), val[0], 1e-15);
        assertEquals(Math.sqrt(0.5), val[1], 1e-15);
    }

    @Test
    void emptyDocumentHasNoEntriesAndTheNextDocumentStartsClean() {
        TextVectorizer v = new TextVectorizer(DEFAULTS);
        int[] idx = new int[8];
        double[] val = new double[8];
        v.start();
        v.add("");
        assertEquals(0, v.finish(idx, val));
        v.start();
        v.add("alpha alpha");
        assertEquals(1, v.finish(idx, val));
        v.start();
        v.add("beta");
        assertEquals(1, v.finish(idx, val), "the previous document's words are gone");
        assertEquals(1.0, val[0], 0);
        assertEquals(TextVectorizer.bucketOf("beta", DEFAULTS.buckets()), idx[0]);
    }

    @Test
    void titleAndTextAddUp() {
        TextVectorizer v = new TextVectorizer(DEFAULTS);
        int[] idx = new int[8];
        double[] val = new double[8];
        v.start();
        v.add("kafka");
        v.add("kafka streams");
        assertEquals(2, v.finish(idx, val));
        assertEquals(3, v.tokens());
    }

    @Test
    void oneMegabyteDocument() {
        // 1 MB of text: up to 26³ distinct words "qaaa".."qzzz" (no stop word starts with q) and a repeated word
        StringBuilder sb = new StringBuilder(1 << 20);
        TreeSet<String> distinct = new TreeSet<>();
        int i = 0;
        while (sb.length() < (1 << 20) - 32) {
            String w = "q" + (char) ('a' + i % 26) + (char) ('a' + i / 26 % 26) + (char) ('a' + i / 676 % 26);
            sb.append(w).append(i % 7 == 0 ? ", " : " ").append(i % 3 == 0 ? "token " : "");
            distinct.add(w);
            i++;
        }
        distinct.add("token");
        TextVectorizer v = new TextVectorizer(DEFAULTS);
        int m = DEFAULTS.buckets();
        TreeSet<Integer> rows = new TreeSet<>();
        for (String w : distinct) {
            rows.add(TextVectorizer.bucketOf(w, m));
        }
        int[] idx = new int[m];
        double[] val = new double[m];
        v.start();
        v.add(sb);
        int nnz = v.finish(idx, val);
        assertEquals(i + (i + 2) / 3, v.tokens(), "every word counted");
        assertEquals(rows.size(), nnz, "one entry per distinct row of the " + distinct.size() + " words");
        double sumSq = 0;
        for (int j = 0; j < nnz; j++) {
            sumSq += val[j] * val[j];
            assertTrue(rows.contains(idx[j]));
        }
        assertEquals(1, sumSq, 1e-12);
    }

    @Test
    void sameWordSameRowInIndependentVectorisersAndThreads() throws Exception {
        List<String> words = List.of("kafka", "stream", "topic", "zürich", "東", "matrix", "factorization", "ελληνικά");
        TextVectorizer one = new TextVectorizer(DEFAULTS);
        AtomicReference<int[]> fromThread = new AtomicReference<>();
        Thread t = new Thread(() -> fromThread.set(rows(new TextVectorizer(DEFAULTS), String.join(" ", words))));
        t.start();
        t.join();
        int[] here = rows(one, String.join(" ", words));
        assertArrayEquals(here, fromThread.get());
        // a vectoriser that has seen other text first, and the words in another order
        TextVectorizer other = new TextVectorizer(DEFAULTS);
        rows(other, "completely different text about other things entirely");
        List<String> reversed = new ArrayList<>(words);
        java.util.Collections.reverse(reversed);
        assertArrayEquals(here, rows(other, String.join(" ", reversed)));
        for (String w : words) {
            int row = TextVectorizer.bucketOf(w, DEFAULTS.buckets());
            assertTrue(java.util.Arrays.binarySearch(here, row) >= 0, w + " in row " + row);
        }
    }

    private static int[] rows(TextVectorizer v, String text) {
        int[] idx = new int[64];
        double[] val = new double[64];
        v.start();
        v.add(text);
        return java.util.Arrays.copyOf(idx, v.finish(idx, val));
    }

    @Test
    void vectorisingAllocatesNothingPerDocumentOnceWarm() {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        TextVectorizer v = new TextVectorizer(DEFAULTS, new BucketWords(DEFAULTS.buckets()));
        char[] doc = ("Streaming nonnegative matrix factorization learns topics from documents as they arrive; "
                + "every document is projected on the current basis and the basis keeps learning.").toCharArray();
        int[] idx = new int[256];
        double[] val = new double[256];
        for (int k = 0; k < 20_000; k++) { // warm: JIT, buffers, the word tables
            v.start();
            v.add(doc, 0, doc.length);
            v.finish(idx, val);
        }
        long id = Thread.currentThread().getId();
        long before = threads.getThreadAllocatedBytes(id);
        int n = 10_000;
        for (int k = 0; k < n; k++) {
            v.start();
            v.add(doc, 0, doc.length);
            v.finish(idx, val);
        }
        long perDoc = (threads.getThreadAllocatedBytes(id) - before) / n;
        assertTrue(perDoc < 16, "allocated " + perDoc + " bytes per document, expected none");
    }

    @Test
    void badSettingsNameTheValue() {
        assertThrows(IllegalArgumentException.class, () -> Language.parse("klingon"));
        assertThrows(IllegalArgumentException.class, () -> Weighting.parse("idf"));
        assertThrows(IllegalArgumentException.class, () -> DEFAULTS.withBuckets(1));
    }
}
