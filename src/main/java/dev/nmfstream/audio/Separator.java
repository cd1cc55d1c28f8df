package dev.nmfstream.audio;

import java.util.Arrays;

/**
 * Splits a frame's complex spectrum into parts by soft (Wiener) masks: each part g's model
 * spectrum is V_g = Σ_{k∈g} w_k h_k, and its mask M_g = V_g^p / Σ_j V_j^p (p = 2 for a magnitude
 * spectrogram, the Wiener filter; 1 for a power spectrogram); a bin where every V_j is 0 is
 * shared equally. The masks sum to 1 in every bin, so the parts sum to the frame, and, the
 * inverse STFT being linear, the separated signals sum to the input. Owns its scratch memory;
 * allocates nothing per frame.
 */
public final class Separator {

    private final int m;
    private final double[][] components;
    private final int[][] groups;
    private final double power;
    /** V_g per bin, then the masks in place. */
    private final double[][] model;

    /**
     * A separator.
     *
     * @param components W's columns w_k (r arrays of length m = n_fft/2 + 1). Not modified, not copied.
     * @param groups the components of each part; every component in exactly one
     * @param power the mask exponent p &gt; 0
     */
    public Separator(double[][] components, int[][] groups, double power) {
        if (components.length == 0) {
            throw new IllegalArgumentException("no components, expected at least one");
        }
        if (!(power > 0) || Double.isInfinite(power)) {
            throw new IllegalArgumentException("mask exponent " + power + ", expected a positive number");
        }
        this.m = components[0].length;
        this.components = components;
        this.groups = ComponentGroups.check(groups, components.length);
        this.power = power;
        this.model = new double[groups.length][m];
    }

    /** The number of parts. */
    public int parts() {
        return groups.length;
    }

    /**
     * Splits one frame.
     *
     * @param packed the frame's packed spectrum ({@link Stft}), n_fft = 2(m − 1) values. Not modified.
     * @param h the frame's weights, r values, ≥ 0. Not modified.
     * @param parts one packed spectrum per part. Modified.
     */
    public void split(double[] packed, double[] h, double[][] parts) {
        // V_g = Σ_{k∈g} w_k h_k
        for (int g = 0; g < groups.length; g++) {
            double[] v = model[g];
            Arrays.fill(v, 0.0);
            for (int k : groups[g]) {
                double hk = h[k];
                if (hk > 0) {
                    double[] w = components[k];
                    for (int i = 0; i < m; i++) {
                        v[i] += w[i] * hk;
                    }
                }
            }
        }
        // M_g = V_g^p / Σ_j V_j^p, or 1/G where the sum is 0
        double share = 1.0 / groups.length;
        for (int i = 0; i < m; i++) {
            double sum = 0;
            for (int g = 0; g < groups.length; g++) {
                double x = power == 2 ? model[g][i] * model[g][i] : Math.pow(model[g][i], power);
                model[g][i] = x;
                sum += x;
            }
            boolean shared = !(sum > 0) || Double.isInfinite(sum);
            for (int g = 0; g < groups.length; g++) {
                model[g][i] = shared ? share : model[g][i] / sum;
            }
        }
        int half = m - 1;
        for (int g = 0; g < groups.length; g++) {
            double[] mask = model[g];
            double[] out = parts[g];
            out[0] = packed[0] * mask[0];
            out[1] = packed[1] * mask[half];
            for (int k = 1; k < half; k++) {
                out[2 * k] = packed[2 * k] * mask[k];
                out[2 * k + 1] = packed[2 * k + 1] * mask[k];
            }
        }
    }
}
