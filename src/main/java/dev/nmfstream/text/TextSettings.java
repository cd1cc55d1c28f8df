package dev.nmfstream.text;

import java.util.Objects;

/**
 * The text pipeline's settings: everything that decides which row a word lands in and what
 * value it gets, so two vectorisers with equal settings turn equal text into equal vectors.
 *
 * @param buckets m, the number of rows words are hashed into ({@code nmf.dimension} for text), ≥ 2
 * @param language stop words and stemmer ({@code nmf.text.language})
 * @param stemming whether words are reduced to their Snowball stem ({@code nmf.text.stemming})
 * @param weighting the term weighting ({@code nmf.text.weighting})
 */
public record TextSettings(int buckets, Language language, boolean stemming, Weighting weighting) {

    /** The default hashing size m = 2^15: 32,768 rows (README, "Text": collisions and memory). */
    public static final int DEFAULT_BUCKETS = 1 << 15;

    public TextSettings {
        if (buckets < 2) {
            throw new IllegalArgumentException("buckets = " + buckets + ", expected at least 2 (nmf.dimension)");
        }
        Objects.requireNonNull(language, "language");
        Objects.requireNonNull(weighting, "weighting");
    }

    /** English, no stemming, sublinear TF, 2^15 buckets. */
    public static TextSettings defaults() {
        return new TextSettings(DEFAULT_BUCKETS, Language.ENGLISH, false, Weighting.SUBLINEAR);
    }

    public TextSettings withBuckets(int m) {
        return new TextSettings(m, language, stemming, weighting);
    }

    public TextSettings withStemming(boolean on) {
        return new TextSettings(buckets, language, on, weighting);
    }

    public TextSettings withLanguage(Language l) {
        return new TextSettings(buckets, l, stemming, weighting);
    }

    public TextSettings withWeighting(Weighting w) {
        return new TextSettings(buckets, language, stemming, w);
    }
}
