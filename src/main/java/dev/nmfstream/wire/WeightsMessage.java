package dev.nmfstream.wire;

/**
 * One item's weights, on the weights topic (key: the item id).
 *
 * @param id the item id
 * @param basisVersion the version of the basis the weights were computed with
 * @param weights h ≥ 0, one per component
 * @param relativeResidual ‖v − W h‖ / ‖v‖ (0 for v = 0)
 * @param eventTimestamp the item's own timestamp, or the input record's when it has none (epoch ms)
 * @param processedTimestamp when the weights were computed (epoch ms)
 */
public record WeightsMessage(String id, long basisVersion, double[] weights, double relativeResidual,
        long eventTimestamp, long processedTimestamp) {}
