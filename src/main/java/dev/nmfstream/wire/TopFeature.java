package dev.nmfstream.wire;

/**
 * One of a component's largest entries.
 *
 * @param index the feature's index in [0, m) (frequency bin, term id, pixel)
 * @param label its name where known (a word, a frequency), else null (JSON null)
 * @param weight its value in the component
 */
public record TopFeature(int index, String label, double weight) {}
