package dev.nmfstream.wire;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;

/**
 * One item's weights, on the weights topic (key: the item id); {@code schemas/nmf-weights.schema.json}.
 *
 * <p>An absent event timestamp is −1 here and {@code null} in the JSON (the field is always
 * written, so every message has the same fields); {@code null} or a missing field reads back as −1.
 *
 * @param id the item id
 * @param basisVersion the version of the basis the weights were computed with
 * @param weights h ≥ 0, one per component (r values); not copied
 * @param relativeResidual ‖v − W h‖ / ‖v‖, in [0, 1] up to rounding (0 for v = 0)
 * @param eventTimestamp the item's own timestamp, else its input record's (epoch ms), or −1 for none
 * @param processedTimestamp when the weights were computed (epoch ms)
 * @param divergence D(v‖W h), the item's generalised Kullback–Leibler divergence, for a model
 *     under {@code nmf.loss=kl}; null (and absent from the JSON) under the Frobenius loss
 */
public record WeightsMessage(String id, long basisVersion, double[] weights, double relativeResidual,
        @JsonSerialize(using = OptionalTimestamp.Writer.class)
        @JsonDeserialize(using = OptionalTimestamp.Reader.class) long eventTimestamp,
        long processedTimestamp,
        @JsonInclude(JsonInclude.Include.NON_NULL) Double divergence) {

    /** The weights of an item under the Frobenius loss: no divergence. */
    public WeightsMessage(String id, long basisVersion, double[] weights, double relativeResidual, long eventTimestamp,
            long processedTimestamp) {
        this(id, basisVersion, weights, relativeResidual, eventTimestamp, processedTimestamp, null);
    }
}
