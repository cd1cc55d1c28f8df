package dev.nmfstream.nmf;

import java.util.Locale;

/** What the model minimises: how far W h is from each item v. */
public enum Loss {
    /**
     * ½‖v − W h‖²: least squares, the default. Projection by exact NNLS ({@link Projector}), W
     * updated by HALS or MU on the statistics A = Σ h hᵀ, B = Σ v hᵀ ({@link BasisUpdater}).
     */
    FROBENIUS,
    /**
     * The generalised Kullback–Leibler divergence D(v‖W h) = Σᵢ vᵢ ln(vᵢ / (W h)ᵢ) − vᵢ + (W h)ᵢ
     * (0 ln 0 = 0): for counts and magnitude spectra, where an error is relative to the size of the
     * entry. Projection by multiplicative updates to a certified tolerance ({@link KlProjector}),
     * W by the online form of Lee–Seung's KL rule on additive statistics ({@link KlStatistics},
     * {@link KlUpdater}).
     */
    KL;

    /** The loss named {@code frobenius} or {@code kl} (any case). */
    public static Loss parse(String text) {
        String t = text == null ? "" : text.trim().toLowerCase(Locale.ROOT);
        return switch (t) {
            case "frobenius" -> FROBENIUS;
            case "kl" -> KL;
            default -> throw new IllegalArgumentException("loss = '" + text + "', expected frobenius or kl");
        };
    }

    /** The name as the settings spell it: {@code frobenius} or {@code kl}. */
    public String label() {
        return this == KL ? "kl" : "frobenius";
    }
}
