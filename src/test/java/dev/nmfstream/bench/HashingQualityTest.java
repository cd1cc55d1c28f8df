package dev.nmfstream.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nmfstream.PlantedText;
import dev.nmfstream.nmf.Basis;
import dev.nmfstream.nmf.SparseColumn;
import dev.nmfstream.nmf.synth.PlantedTopics;
import dev.nmfstream.text.TextSettings;
import dev.nmfstream.text.TextVectorizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class HashingQualityTest {


    /** Documents drawn from 5 planted topics over 1,000 terms (30 per topic), as text. */
    private static List<String> plantedTexts(int n) {
        PlantedTopics planted = new PlantedTopics(1000, 5, 30, 60, 0.1, 11);
        int[] idx = new int[512];
        double[] val = new double[512];
        List<String> texts = new ArrayList<>();
        for (int d = 0; d < n; d++) {
            texts.add(PlantedText.next(planted, idx, val));
        }
        return texts;
    }

    /** The corpus's documents as the service's vectoriser makes them with m rows: the reference. */
    private static List<SparseColumn> serviceColumns(HashingQuality.Corpus corpus, TextSettings settings) {
        TextVectorizer v = new TextVectorizer(settings);
        List<SparseColumn> out = new ArrayList<>(corpus.texts.size());
        int[] idx = new int[1024];
        double[] val = new double[1024];
        for (String text : corpus.texts) {
            v.start();
            v.add(text);
            if (v.distinct() > idx.length) {
                idx = new int[2 * v.distinct()];
                val = new double[2 * v.distinct()];
            }
            int nnz = v.finish(idx, val);
            out.add(SparseColumn.of(settings.buckets(), Arrays.copyOf(idx, nnz), Arrays.copyOf(val, nnz)));
        }
        return out;
    }

    private static void assertSameColumn(SparseColumn expected, SparseColumn actual, String what) {
        assertEquals(expected.nnz(), actual.nnz(), what + ": nonzeros");
        for (int q = 0; q < expected.nnz(); q++) {
            assertEquals(expected.indices()[expected.offset() + q], actual.indices()[actual.offset() + q], what);
            assertEquals(expected.values()[expected.offset() + q], actual.values()[actual.offset() + q], 1e-15, what);
        }
    }

    @Test
    void wordsMergedIntoRowsGiveTheServicesOwnColumns() {
        List<String> texts = List.of("The license grants permission to copy, copy and copy again.",
                "Software distributed under the License is distributed AS IS.", "",
                "Redistribution and use in source and binary forms, with or without modification.");
        TextSettings settings = TextSettings.defaults();
        HashingQuality.Corpus corpus = new HashingQuality.Corpus(texts, settings);
        assertEquals(3, corpus.texts.size(), "the document without words is left out");
        for (int m : new int[] {4, 64, 1 << 15}) {
            List<SparseColumn> merged = corpus.columns(settings.weighting(), corpus.rowsOf(m), m);
            List<SparseColumn> service = serviceColumns(corpus, settings.withBuckets(m));
            for (int j = 0; j < service.size(); j++) {
                assertSameColumn(service.get(j), merged.get(j), "m = " + m + ", document " + j);
            }
        }
    }

    @Test
    void aCappedVocabularyKeepsTheMostFrequentWordsInOrderOfAppearance() {
        // counts: alpha 1, beta 3, gamma 2, delta 3 (first seen: alpha, beta, gamma, delta)
        HashingQuality.Corpus corpus = new HashingQuality.Corpus(List.of("alpha beta gamma", "beta delta gamma",
                "beta delta delta"), TextSettings.defaults());
        assertEquals(List.of("alpha", "beta", "gamma", "delta"), corpus.words);
        assertArrayEquals(new int[] {-1, 0, -1, 1}, corpus.cappedRows(2), "beta and delta, 3 each");
        assertArrayEquals(new int[] {-1, 0, 1, 2}, corpus.cappedRows(3));
        List<SparseColumn> capped = corpus.columns(TextSettings.defaults().weighting(), corpus.cappedRows(2), 2);
        assertEquals(1, capped.get(0).nnz(), "document 0 keeps beta only");
        assertEquals(1.0, capped.get(0).values()[0], 1e-15, "unit length after the drop");
        // document 2: beta once, delta twice → 1 and 1 + ln 2, scaled to unit length
        double b = 1;
        double d = 1 + Math.log(2);
        double norm = Math.sqrt(b * b + d * d);
        assertArrayEquals(new double[] {b / norm, d / norm}, capped.get(2).values(), 1e-15);
    }

    @Test
    void readingRowsByTheirLabelsKeepsOneWordPerRow() {
        // words 0 and 1 share row 0, word 2 has row 1, word 3 was dropped; row 0's label is word 1
        assertArrayEquals(new int[] {-1, 0, 1, -1}, HashingQuality.labelsOnly(new int[] {0, 0, 1, -1},
                new int[] {1, 2}));
    }

    @Test
    void matchingRecoversAPermutationOfTheSameTopics() {
        int m = 6;
        int r = 3;
        double[][] a = {{1, 2, 0, 0, 0, 1}, {0, 0, 3, 1, 1, 0}, {0, 1, 0, 0, 2, 2}};
        int[] perm = {2, 0, 1}; // b's component perm[k] is a's component k
        double[][] b = new double[r][];
        for (int k = 0; k < r; k++) {
            b[perm[k]] = a[k];
        }
        Basis ba = Basis.fromComponents(m, r, a, 0);
        Basis bb = Basis.fromComponents(m, r, b, 0);
        assertArrayEquals(perm, HashingQuality.match(ba, bb));
        double[][] ha = {{1, 0, 2}, {0, 3, 1}};
        double[][] hb = new double[2][r];
        for (int j = 0; j < 2; j++) {
            for (int k = 0; k < r; k++) {
                hb[j][perm[k]] = ha[j][k];
            }
        }
        HashingQuality.Agreement same = HashingQuality.agreement(ba, null, ba, ha, bb, null, bb, hb);
        assertEquals(1.0, same.meanCosine(), 1e-12);
        assertEquals(1.0, same.minCosine(), 1e-12);
        assertEquals(0.3, same.meanTopOverlap(), 1e-12, "three of TOP = 10 words each (the positive ones)");
        assertEquals(1.0, same.meanWeightsCosine(), 1e-12);
    }

    @Test
    void roomyHashingLearnsTheExactModelAndCrowdedHashingCostsAccuracyInWordSpace() {
        TextSettings settings = TextSettings.defaults();
        HashingQuality.Corpus corpus = new HashingQuality.Corpus(plantedTexts(3000), settings);
        int words = corpus.vocabulary();
        assertTrue(words > 100 && words <= 150, "5 topics × 30 words, some shared: " + words);
        List<SparseColumn> exact = corpus.exactColumns(settings.weighting());
        Basis exact0 = HashingQuality.learn(exact, 5, 0);
        HashingQuality.Projected projected = HashingQuality.weights(exact0, exact);
        double exactError = projected.error();
        double[][] h0 = projected.h();

        int roomy = 1 << 20;
        int[] rows = corpus.rowsOf(roomy);
        assertEquals(words, Arrays.stream(rows).distinct().count(), "no two of these words share a row of 2^20");
        List<SparseColumn> hashedColumns = serviceColumns(corpus, settings.withBuckets(roomy));
        Basis hashed = HashingQuality.learn(hashedColumns, 5, 0);
        Basis inWords = HashingQuality.inWords(hashed, rows);
        assertEquals(exactError, HashingQuality.relativeError(inWords, exact), 1e-5 * exactError,
                "without collisions hashing is a renaming of rows");
        HashingQuality.Agreement agree = HashingQuality.agreement(hashed,
                HashingQuality.rowLabels(corpus, rows, roomy), inWords, HashingQuality.weights(hashed, hashedColumns).h(),
                exact0, null, exact0, h0);
        assertTrue(agree.minCosine() > 0.99, "every planted topic learned alike: " + agree);
        assertTrue(agree.meanTopOverlap() >= 0.9, "with the same top words: " + agree);
        assertTrue(agree.meanWeightsCosine() > 0.99, "and the same document weights: " + agree);

        int crowded = 16;
        int[] few = corpus.rowsOf(crowded);
        Basis squeezed = HashingQuality.learn(serviceColumns(corpus, settings.withBuckets(crowded)), 5, 0);
        double crowdedError = HashingQuality.relativeError(HashingQuality.inWords(squeezed, few), exact);
        assertTrue(crowdedError > exactError + 0.2,
                "over 100 words in 16 rows predict each row's words alike: " + crowdedError + " against " + exactError);
    }
}
