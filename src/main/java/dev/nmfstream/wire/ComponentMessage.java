package dev.nmfstream.wire;

import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import java.util.List;

/**
 * One component of a factor snapshot, on the factors topic (key: {@link #key(String, int)
 * "model/k"}, compacted so the topic holds the newest snapshot); {@code schemas/nmf-factors.schema.json}.
 *
 * @param model the model's name ({@code nmf.model})
 * @param component k, in [0, r)
 * @param version the basis version
 * @param norm the component's Euclidean norm (1: the basis is kept normalised)
 * @param vector the component w_k ≥ 0, length m; not copied (written with {@link RepeatedDoublesSerializer})
 * @param topFeatures its largest entries, largest first (labels where the adapter knows them)
 * @param peakHz where the rows are frequencies (audio spectra): the frequency in Hz at which the
 *     component peaks; else null (JSON null)
 * @param fundamentalHz where the rows are frequencies and the component's peaks form a harmonic
 *     series: its fundamental frequency in Hz; else null (JSON null)
 */
public record ComponentMessage(String model, int component, long version, double norm,
        @JsonSerialize(using = RepeatedDoublesSerializer.class) double[] vector,
        List<TopFeature> topFeatures, Double peakHz, Double fundamentalHz) {

    /** A component whose rows are not frequencies (no peak, no fundamental). */
    public ComponentMessage(String model, int component, long version, double norm, double[] vector,
            List<TopFeature> topFeatures) {
        this(model, component, version, norm, vector, topFeatures, null, null);
    }

    /**
     * At least the bytes of a component's JSON with m rows and this many top features: each
     * entry of the vector at most 24 characters and a comma (a double's shortest text is at most
     * 24), each top feature at most 1 KiB (a label of up to 40 words' characters escaped), and
     * 64 KiB for the rest.
     */
    public static long maxBytes(int m, int topFeatures) {
        return 25L * m + 1024L * topFeatures + 65_536L;
    }

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
