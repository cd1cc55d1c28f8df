package dev.nmfstream.audio;

/** The analysis (and synthesis) window of the STFT. Periodic forms: overlap-adding them is flat. */
public enum Window {
    /** Periodic Hann: ½ − ½ cos(2πn/N). */
    HANN,
    /** Periodic Hamming: 0.54 − 0.46 cos(2πn/N). */
    HAMMING,
    /** All ones. */
    RECTANGULAR;

    /** The window's n values. */
    public double[] values(int n) {
        double[] w = new double[n];
        for (int i = 0; i < n; i++) {
            double c = Math.cos(2 * Math.PI * i / n);
            w[i] = switch (this) {
                case HANN -> 0.5 - 0.5 * c;
                case HAMMING -> 0.54 - 0.46 * c;
                case RECTANGULAR -> 1.0;
            };
        }
        return w;
    }
}
