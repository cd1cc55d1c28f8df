package dev.nmfstream;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nmfstream.nmf.synth.PlantedTopics;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Planted topics as text for the tests: each planted term is a made-up word, each document the
 * words of its counts; and the check that learned topics name the planted ones.
 */
public final class PlantedText {

    private static final String[] SYLLABLES = {"ka", "lo", "mi", "nu", "pe", "ra", "so", "ti", "vu", "ze"};

    private PlantedText() {}

    /** Planted term t's word: "x" and three syllables (never a stop word, never a number). */
    public static String word(int t) {
        return "x" + SYLLABLES[t % 10] + SYLLABLES[t / 10 % 10] + SYLLABLES[t / 100 % 10];
    }

    /**
     * The next planted document as text: each term's word as many times as it is counted, a full
     * stop after every fifth. {@code idx} and {@code val} are scratch of the planted stream's size.
     */
    public static String next(PlantedTopics planted, int[] idx, double[] val) {
        int nnz = planted.next(idx, val);
        StringBuilder text = new StringBuilder();
        for (int j = 0; j < nnz; j++) {
            for (int c = 0; c < (int) val[j]; c++) {
                text.append(word(idx[j])).append(c % 5 == 4 ? ". " : " ");
            }
        }
        return text.toString();
    }

    /**
     * Asserts that each planted topic's ten most likely words include at least eight of some
     * learned topic's words (issue 11's criterion).
     *
     * @param learned each learned topic's (top) words
     */
    public static void assertRecovered(PlantedTopics planted, Collection<? extends Collection<String>> learned) {
        int terms = planted.dim();
        int r = planted.rank();
        double[] truth = planted.trueBasis(); // terms × r, row-major
        for (int k = 0; k < r; k++) {
            final int topic = k;
            List<Integer> order = new ArrayList<>();
            for (int t = 0; t < terms; t++) {
                order.add(t);
            }
            order.sort(Comparator.comparingDouble((Integer t) -> -truth[t * r + topic]));
            Set<String> top = new HashSet<>();
            for (int q = 0; q < 10; q++) {
                top.add(word(order.get(q)));
            }
            int best = 0;
            for (Collection<String> words : learned) {
                int common = 0;
                for (String w : words) {
                    common += top.contains(w) ? 1 : 0;
                }
                best = Math.max(best, common);
            }
            assertTrue(best >= 8, "planted topic " + k + " " + top + ": best learned match has " + best
                    + " of its top 10 words; learned " + learned);
        }
    }
}
