package dev.nmfstream.audio;

import dev.nmfstream.wire.FeatureLabels;
import java.util.Locale;

/**
 * Names the rows of a spectral basis: row k is bin k of an STFT, at k · sampleRate / n_fft Hz,
 * labelled with its frequency and the nearest equal-tempered note (A4 = 440 Hz), e.g.
 * {@code 441.4 Hz A4}. A component's peak is its largest bin, refined by a parabola through it
 * and its neighbours; its fundamental is the largest f₀ whose harmonics n·f₀ account for
 * {@value #HARMONIC_SHARE} of the weight of its peaks (local maxima of at least
 * {@value #PEAK_FLOOR} of the largest), if any does.
 */
public final class FrequencyLabels implements FeatureLabels {

    /** Share of the peaks' weight that a fundamental's harmonics must account for. */
    static final double HARMONIC_SHARE = 0.85;
    /** A peak is a local maximum of at least this share of the component's largest value. */
    static final double PEAK_FLOOR = 0.1;
    private static final String[] NOTES = {"C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B"};
    private static final int MAX_PEAKS = 16;

    private final double binHz;
    private final String[] labels;

    /**
     * Labels for an STFT.
     *
     * @param sampleRate samples per second, &gt; 0
     * @param nFft the FFT length, even, ≥ 4
     */
    public FrequencyLabels(double sampleRate, int nFft) {
        if (!(sampleRate > 0) || Double.isInfinite(sampleRate)) {
            throw new IllegalArgumentException("sample rate " + sampleRate + " Hz, expected a positive number");
        }
        if (nFft < 4 || nFft % 2 != 0) {
            throw new IllegalArgumentException("n_fft = " + nFft + ", expected an even number ≥ 4");
        }
        this.binHz = sampleRate / nFft;
        this.labels = new String[nFft / 2 + 1];
        for (int k = 0; k < labels.length; k++) {
            double hz = k * binHz;
            String note = note(hz);
            labels[k] = String.format(Locale.ROOT, "%.1f Hz", hz) + (note == null ? "" : " " + note);
        }
    }

    /** The rows' count, n_fft/2 + 1. */
    public int bins() {
        return labels.length;
    }

    @Override
    public String label(int row) {
        return row >= 0 && row < labels.length ? labels[row] : null;
    }

    /**
     * The nearest equal-tempered note of a frequency, with its octave (A4 = 440 Hz, C4 = middle C).
     *
     * @return e.g. "A4", or null below C0 (16.4 Hz) or above B9
     */
    public static String note(double hz) {
        if (!(hz > 0)) {
            return null;
        }
        long midi = Math.round(69 + 12 * Math.log(hz / 440.0) / Math.log(2));
        if (midi < 12 || midi > 131) {
            return null;
        }
        return NOTES[(int) (midi % 12)] + (midi / 12 - 1);
    }

    @Override
    public Double peakHz(double[] component) {
        int best = argmax(component);
        return best < 0 || component[best] <= 0 ? null : refined(component, best) * binHz;
    }

    @Override
    public Double fundamentalHz(double[] component) {
        int best = argmax(component);
        if (best < 0 || component[best] <= 0) {
            return null;
        }
        double floor = PEAK_FLOOR * component[best];
        double[] freq = new double[MAX_PEAKS];
        double[] weight = new double[MAX_PEAKS];
        int peaks = 0;
        for (int i = 0; i < component.length; i++) {
            double v = component[i];
            boolean max = v >= floor && (i == 0 || v >= component[i - 1])
                    && (i == component.length - 1 || v > component[i + 1]);
            if (max && i > 0) {
                peaks = keep(freq, weight, peaks, refined(component, i) * binHz, v);
            }
        }
        if (peaks == 0) {
            return null;
        }
        double total = 0;
        for (int p = 0; p < peaks; p++) {
            total += weight[p];
        }
        double found = -1;
        // candidates: the three largest peaks and their subharmonics
        for (int p = 0; p < Math.min(3, peaks); p++) {
            for (int n = 1; n <= 8; n++) {
                double f0 = freq[p] / n;
                if (f0 <= found || f0 < 1.5 * binHz || f0 < 20) {
                    continue;
                }
                if (explained(f0, freq, weight, peaks) >= HARMONIC_SHARE * total) {
                    found = f0;
                }
            }
        }
        return found > 0 ? found : null;
    }

    /** The weight of the peaks within tolerance of a harmonic n·f₀ (n ≥ 1). */
    private double explained(double f0, double[] freq, double[] weight, int peaks) {
        double sum = 0;
        for (int p = 0; p < peaks; p++) {
            long n = Math.round(freq[p] / f0);
            double tolerance = Math.min(f0 / 8, Math.max(0.75 * binHz, 0.02 * freq[p]));
            if (n >= 1 && Math.abs(freq[p] - n * f0) <= tolerance) {
                sum += weight[p];
            }
        }
        return sum;
    }

    /** Keeps the MAX_PEAKS largest peaks, largest first; returns the new count. */
    private static int keep(double[] freq, double[] weight, int count, double f, double w) {
        int at = count;
        while (at > 0 && weight[at - 1] < w) {
            at--;
        }
        if (at >= MAX_PEAKS) {
            return count;
        }
        int last = Math.min(count, MAX_PEAKS - 1);
        for (int q = last; q > at; q--) {
            freq[q] = freq[q - 1];
            weight[q] = weight[q - 1];
        }
        freq[at] = f;
        weight[at] = w;
        return Math.min(count + 1, MAX_PEAKS);
    }

    private static int argmax(double[] v) {
        int best = -1;
        for (int i = 0; i < v.length; i++) {
            if (best < 0 || v[i] > v[best]) {
                best = i;
            }
        }
        return best;
    }

    /** The bin of a maximum refined by the parabola through it and its neighbours. */
    private static double refined(double[] v, int i) {
        if (i == 0 || i == v.length - 1) {
            return i;
        }
        double a = v[i - 1];
        double b = v[i];
        double c = v[i + 1];
        double d = a - 2 * b + c;
        return d < 0 ? i + 0.5 * (a - c) / d : i;
    }
}
