package dev.nmfstream.nmf.synth;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * A synthetic sparse stream with a known answer, shaped like documents: r topics over m terms,
 * each topic a distribution over {@code termsPerTopic} random terms (exponential weights); each
 * document mixes topics with Dirichlet(α) weights and draws about {@code wordsPerDocument}
 * words from the mixture; its column holds the word counts (sorted indices). Reproducible
 * ({@link #reset()}); allocates nothing per column.
 */
public final class PlantedTopics extends PlantedStream {

    private final int termsPerTopic;
    private final int words;
    /** Topic k's terms and cumulative probabilities. */
    private final int[][] terms;
    private final double[][] cumulative;
    private final double[] counts;
    private final int[] touched;

    public PlantedTopics(int m, int r, int termsPerTopic, int wordsPerDocument, double alpha, long seed) {
        super(m, r, alpha, seed ^ 0x2545F4914F6CDD1DL);
        this.termsPerTopic = termsPerTopic;
        this.words = wordsPerDocument;
        this.terms = new int[r][termsPerTopic];
        this.cumulative = new double[r][termsPerTopic];
        this.counts = new double[m];
        this.touched = new int[4 * wordsPerDocument + 8];
        SplittableRandom init = new SplittableRandom(seed);
        for (int k = 0; k < r; k++) {
            double sum = 0;
            for (int t = 0; t < termsPerTopic; t++) {
                terms[k][t] = init.nextInt(m);
                double p = -Math.log(1 - init.nextDouble());
                sum += p;
                cumulative[k][t] = sum;
                wTrue[terms[k][t] * r + k] += p;
            }
            for (int t = 0; t < termsPerTopic; t++) {
                cumulative[k][t] /= sum;
            }
        }
        reset();
    }

    /** The benchmark's documents-like stream: m = 12,000, r = 50, ~30 nonzeros per column. */
    public static PlantedTopics documents(long seed) {
        return new PlantedTopics(12_000, 50, 400, 32, 0.1, seed);
    }

    /**
     * Writes the next document's counts: indices into {@code idx}, counts into {@code val}
     * (both from 0, sorted by index).
     *
     * @return the number of nonzeros
     */
    public int next(int[] idx, double[] val) {
        double sum = drawWeights();
        int n = 0;
        for (int wd = 0; wd < words; wd++) {
            double u = random.nextDouble() * sum;
            int k = 0;
            while (k < r - 1 && u >= h[k]) {
                u -= h[k];
                k++;
            }
            int t = Arrays.binarySearch(cumulative[k], random.nextDouble());
            t = t >= 0 ? t : Math.min(-t - 1, termsPerTopic - 1);
            int term = terms[k][t];
            if (counts[term] == 0) {
                touched[n++] = term;
            }
            counts[term] += 1;
        }
        Arrays.sort(touched, 0, n);
        for (int j = 0; j < n; j++) {
            idx[j] = touched[j];
            val[j] = counts[touched[j]];
            counts[touched[j]] = 0;
        }
        return n;
    }
}
