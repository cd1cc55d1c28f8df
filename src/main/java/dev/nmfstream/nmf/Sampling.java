package dev.nmfstream.nmf;

import java.util.SplittableRandom;

/** The seeded random draws the synthetic models and the initialisation share. */
public final class Sampling {

    private Sampling() {}

    /** A standard normal draw (Box–Muller), deterministic for the generator's state. */
    public static double gaussian(SplittableRandom random) {
        double u1 = random.nextDouble();
        double u2 = random.nextDouble();
        return Math.sqrt(-2 * Math.log(u1 > 0 ? u1 : Double.MIN_NORMAL)) * Math.cos(2 * Math.PI * u2);
    }

    /** A Gamma(a, 1) draw by Marsaglia–Tsang; for a &lt; 1 through Gamma(a + 1)·U^(1/a). */
    public static double gamma(SplittableRandom random, double a) {
        if (a < 1) {
            double u = random.nextDouble();
            return gamma(random, a + 1) * Math.pow(u > 0 ? u : Double.MIN_NORMAL, 1 / a);
        }
        double d = a - 1.0 / 3;
        double c = 1 / Math.sqrt(9 * d);
        while (true) {
            double x = gaussian(random);
            double v = 1 + c * x;
            if (v <= 0) {
                continue;
            }
            v = v * v * v;
            double u = random.nextDouble();
            if (u < 1 - 0.0331 * x * x * x * x || Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) {
                return d * v;
            }
        }
    }
}
