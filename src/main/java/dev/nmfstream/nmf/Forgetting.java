package dev.nmfstream.nmf;

/**
 * How much of the old statistics survives each mini-batch: before batch t (t = 1, 2, …) is
 * added, A and B are multiplied by {@link #factor}(t).
 *
 * <ul>
 *   <li>{@code fixed(ρ)}: ρ every batch (ρ = 1: no forgetting). Items then carry weights
 *       ρ^(batches since), an effective memory of 1/(1 − ρ) batches: the choice for concept
 *       drift.
 *   <li>{@code schedule(p)}: Mairal et al.'s β_t = (1 − 1/t)^p. Early batches, made with a poor
 *       basis, fade; later ones are kept almost whole (β_t → 1), so the basis converges. The
 *       default, p = 1.5.
 * </ul>
 *
 * @param rho the fixed factor, or NaN for the schedule
 * @param power the schedule's exponent p, or NaN for a fixed factor
 */
public record Forgetting(double rho, double power) {

    /** The default: Mairal's schedule with p = 1.5. */
    public static final Forgetting DEFAULT = schedule(1.5);

    public Forgetting {
        boolean fixed = !Double.isNaN(rho);
        if (fixed == !Double.isNaN(power)) {
            throw new IllegalArgumentException("forgetting needs either a factor or a schedule exponent, not both");
        }
        if (fixed && !(rho > 0 && rho <= 1)) {
            throw new IllegalArgumentException("forgetting factor " + rho + ", expected a number in (0, 1]");
        }
        if (!fixed && !(power > 0 && power < 100)) {
            throw new IllegalArgumentException("forgetting schedule exponent " + power + ", expected a number in (0, 100)");
        }
    }

    /** A fixed factor ρ ∈ (0, 1] per mini-batch. */
    public static Forgetting fixed(double rho) {
        return new Forgetting(rho, Double.NaN);
    }

    /** Mairal's schedule (1 − 1/t)^p. */
    public static Forgetting schedule(double power) {
        return new Forgetting(Double.NaN, power);
    }

    /**
     * Parses {@code "auto"} (the default schedule), {@code "schedule:P"} or a fixed factor such as
     * {@code "0.99"}.
     */
    public static Forgetting parse(String text) {
        String s = text.trim();
        if (s.equals("auto")) {
            return DEFAULT;
        }
        try {
            if (s.startsWith("schedule:")) {
                return schedule(Double.parseDouble(s.substring("schedule:".length())));
            }
            return fixed(Double.parseDouble(s));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("forgetting '" + text
                    + "', expected 'auto', 'schedule:P' (P > 0) or a factor in (0, 1]");
        }
    }

    /** The factor applied to the old statistics before batch t ≥ 1 is added. */
    public double factor(long t) {
        if (!Double.isNaN(rho)) {
            return rho;
        }
        return t <= 1 ? 0.0 : Math.pow(1.0 - 1.0 / t, power);
    }

    /**
     * The factor applied to the old statistics, made from {@code before} items, when a mini-batch
     * of {@code size} items is added: ρ for a fixed factor; for the schedule (n / (n + b))^p with
     * n = before, b = size, which is (1 − 1/t)^p for batch t when every batch holds b items, and
     * keeps that meaning when they do not (a mini-batch that grows early in the stream).
     */
    public double factor(long before, long size) {
        if (!Double.isNaN(rho)) {
            return rho;
        }
        if (before <= 0) {
            return 0.0;
        }
        if (size <= 0) {
            return 1.0;
        }
        return Math.pow((double) before / (before + size), power);
    }

    @Override
    public String toString() {
        return Double.isNaN(rho) ? (power == 1.5 ? "auto" : "schedule:" + power) : Double.toString(rho);
    }
}
