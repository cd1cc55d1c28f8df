package dev.nmfstream.cli;

import picocli.CommandLine.Option;

/**
 * {@code --dimension} and {@code --rank}: the size of the planted model a demo or benchmark
 * streams. Each command gives its own defaults by constructing the mixin with them.
 */
public final class ModelShapeOptions {

    @Option(names = "--dimension", description = "m. Default: ${DEFAULT-VALUE}.")
    int dimension;

    @Option(names = "--rank", description = "r. Default: ${DEFAULT-VALUE}.")
    int rank;

    /** Defaults of m = 1025 (an audio frame's bins) and r = 20. */
    public ModelShapeOptions() {
        this(1025, 20);
    }

    /** The given defaults. */
    public ModelShapeOptions(int dimension, int rank) {
        this.dimension = dimension;
        this.rank = rank;
    }

    /** m, the dimension of every column. */
    public int dimension() {
        return dimension;
    }

    /** r, the number of components. */
    public int rank() {
        return rank;
    }
}
