/**
 * Text → term vectors, and words for the rows of W: a Lucene analyzer (tokenizer, lower case,
 * stop words, optional Snowball stemming) per language ({@link TextAnalysis}), feature hashing of
 * each term into one of m rows with a fixed seed and sublinear term weighting
 * ({@link TextVectorizer}), and the words each hashed row stands for ({@link BucketWords} where
 * the text is read, {@link BucketVocabulary} where the model is). No Kafka.
 */
package dev.nmfstream.text;
