package dev.nmfstream.wire;

import java.util.List;

/**
 * One component of a factor snapshot, on the factors topic (key: "model/k").
 *
 * @param model the model's name
 * @param component k
 * @param version the basis version
 * @param norm the component's norm (1: the basis is kept normalised)
 * @param vector the component, length m
 * @param topFeatures its largest entries, largest first
 */
public record ComponentMessage(String model, int component, long version, double norm, double[] vector,
        List<TopFeature> topFeatures) {}
