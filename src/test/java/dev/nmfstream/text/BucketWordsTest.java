package dev.nmfstream.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The words of each hashed row: the labels are words that were fed, the most frequent one wins. */
class BucketWordsTest {

    @Test
    void labelsAreTheWordsFedInTheirRows() {
        TextSettings s = TextSettings.defaults();
        BucketWords words = new BucketWords(s.buckets());
        TextVectorizer v = new TextVectorizer(s, words);
        List<String> fed = List.of("kafka", "streams", "matrix", "factorization", "topics", "zürich");
        v.start();
        v.add(String.join(" ", fed));
        for (String w : fed) {
            assertEquals(w, words.word(TextVectorizer.bucketOf(w, s.buckets())));
        }
        Map<Integer, String> reported = new HashMap<>();
        words.drainChanges((row, word, count) -> reported.put(row, word));
        assertEquals(fed.size(), reported.size());
        for (String w : fed) {
            assertEquals(w, reported.get(TextVectorizer.bucketOf(w, s.buckets())));
        }
        words.drainChanges((row, word, count) -> {
            throw new AssertionError("nothing changed since: " + word);
        });
    }

    @Test
    void theMostFrequentWordOfACollidingRowWinsAndCountsAreReportedWhenTheyDouble() {
        BucketWords words = new BucketWords(4);
        SplittableRandom random = new SplittableRandom(5);
        int heavy = 0;
        List<String> reports = new ArrayList<>();
        for (int i = 0; i < 10_000; i++) {
            String w = random.nextDouble() < 0.5 ? "frequent" : "rare" + random.nextInt(300);
            heavy += w.equals("frequent") ? 1 : 0;
            words.observe(2, w.toCharArray(), w.length());
            if (i % 100 == 99) {
                words.drainChanges((row, word, count) -> reports.add(word + "@" + count));
            }
        }
        assertEquals("frequent", words.word(2));
        assertTrue(words.count(2) <= heavy && words.count(2) > 0, "a Misra–Gries counter never overcounts");
        long frequentReports = reports.stream().filter(r -> r.startsWith("frequent@")).count();
        assertTrue(frequentReports <= 16, "reported each doubling: " + reports);
        assertNull(words.word(0));
        assertFalse(reports.isEmpty());
    }

    @Test
    void vocabularyKeepsTheWordWithTheLargerCount() {
        BucketVocabulary vocabulary = new BucketVocabulary(8);
        assertTrue(vocabulary.offer(3, "model", 5));
        assertFalse(vocabulary.offer(3, "mode", 4), "a smaller count does not replace");
        assertTrue(vocabulary.offer(3, "mode", 9));
        assertEquals("mode", vocabulary.word(3));
        assertFalse(vocabulary.offer(9, "outside", 1), "rows outside [0, m) are ignored");
        assertEquals(1, vocabulary.size());
    }
}
