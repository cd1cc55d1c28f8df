package dev.nmfstream.wire;

import java.util.List;

/**
 * One component of a factor snapshot, on the factors topic (key: {@link #key(String, int)
 * "model/k"}, compacted so the topic holds the newest snapshot); {@code schemas/nmf-factors.schema.json}.
 *
 * @param model the model's name ({@code nmf.model})
 * @param component k, in [0, r)
 * @param version the basis version
 * @param norm the component's Euclidean norm (1: the basis is kept normalised)
 * @param vector the component w_k ≥ 0, length m; not copied
 * @param topFeatures its largest entries, largest first (labels where the adapter knows them)
 */
public record ComponentMessage(String model, int component, long version, double norm, double[] vector,
        List<TopFeature> topFeatures) {

    /**
     * The record key of component k of a model.
     *
     * @param model the model's name
     * @param component k
     * @return "model/k"
     */
    public static String key(String model, int component) {
        return model + "/" + component;
    }
}
