package dev.nmfstream.cli;

import picocli.CommandLine.Option;

/** {@code --items-are-rows}: how a data file lays out its items, for the commands that read one. */
public final class LayoutOption {

    @Option(names = "--items-are-rows",
            description = "The stored .npy/.npz matrix is n × m (one item per row; default: m × n, one per column).")
    boolean itemsAreRows;

    /** Whether the stored matrix has one item per row. */
    public boolean itemsAreRows() {
        return itemsAreRows;
    }
}
