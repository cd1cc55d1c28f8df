package dev.nmfstream.nmf;

/** How the first basis is made from the bootstrap sample (the first columns of the stream). */
public enum Initialization {
    /**
     * NNDSVDa (Boutsidis and Gallopoulos): the nonnegative parts of the sample's leading
     * singular vectors (a seeded randomised SVD through EJML), zeros filled with the sample's mean.
     */
    NNDSVDA,
    /** r distinct columns of the sample, drawn with the seed. */
    RANDOM_COLUMNS
}
