package dev.nmfstream.wire;

/**
 * Names for the rows of W (the features): a word for text, a frequency for audio spectra.
 * The updater asks it for the label of each of a component's top features when it publishes a
 * factors snapshot. Implementations may learn their names as the stream runs (a vocabulary), so
 * {@link #label} is called on the updater's stream thread only, each time a snapshot is built.
 */
@FunctionalInterface
public interface FeatureLabels {

    /** No names: top features carry {@code label = null}. */
    FeatureLabels NONE = row -> null;

    /**
     * The name of a row.
     *
     * @param row a row of W, in [0, m)
     * @return its name, or null when it has none (yet)
     */
    String label(int row);

    /**
     * Where the rows are frequencies: the frequency in Hz at which a component peaks.
     *
     * @param component w_k, length m. Not modified.
     * @return the peak's frequency, or null when the rows are not frequencies (the default)
     */
    default Double peakHz(double[] component) {
        return null;
    }

    /**
     * Where the rows are frequencies: the fundamental frequency in Hz of a component whose peaks
     * form a harmonic series.
     *
     * @param component w_k, length m. Not modified.
     * @return the fundamental, or null when there is none or the rows are not frequencies (the default)
     */
    default Double fundamentalHz(double[] component) {
        return null;
    }
}
