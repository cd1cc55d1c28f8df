package dev.nmfstream.audio;

import java.io.IOException;
import java.io.UncheckedIOException;
import org.jtransforms.fft.DoubleFFT_1D;

/**
 * One frame's transform, forward and inverse, over JTransforms' real FFT. Spectra are kept in
 * JTransforms' packed form, n_fft values: {@code a[0]} = Re X₀, {@code a[1]} = Re X_{n/2},
 * {@code a[2k]}, {@code a[2k+1]} = Re, Im X_k for 0 &lt; k &lt; n/2. Owns its scratch memory and
 * allocates nothing per frame (n_fft a power of two; other lengths go through JTransforms'
 * Bluestein path, which allocates); not thread-safe.
 */
public final class Stft {

    private final StftSettings settings;
    private final DoubleFFT_1D fft;
    private final double[] window;

    /** A transform for these settings. */
    public Stft(StftSettings settings) {
        this.settings = settings;
        this.fft = new DoubleFFT_1D(settings.nFft());
        this.window = settings.window().values(settings.nFft());
    }

    /** The settings. */
    public StftSettings settings() {
        return settings;
    }

    /** The window's values; not copied, not to be modified. */
    double[] window() {
        return window;
    }

    /**
     * The packed spectrum of one frame: X = FFT(w ⊙ x).
     *
     * @param samples n_fft samples from {@code offset}. Not modified.
     * @param packed the spectrum, n_fft values. Modified.
     */
    public void forward(double[] samples, int offset, double[] packed) {
        int n = settings.nFft();
        for (int i = 0; i < n; i++) {
            packed[i] = samples[offset + i] * window[i];
        }
        fft.realForward(packed);
    }

    /**
     * The frame's spectrogram column: |X_k| or |X_k|² for k = 0 … n/2.
     *
     * @param packed a packed spectrum. Not modified.
     * @param out n_fft/2 + 1 values. Modified.
     */
    public void spectrogram(double[] packed, double[] out) {
        int half = settings.nFft() / 2;
        boolean power = settings.spectrum() == StftSettings.Spectrum.POWER;
        out[0] = power ? packed[0] * packed[0] : Math.abs(packed[0]);
        out[half] = power ? packed[1] * packed[1] : Math.abs(packed[1]);
        for (int k = 1; k < half; k++) {
            double re = packed[2 * k];
            double im = packed[2 * k + 1];
            double p = re * re + im * im;
            out[k] = power ? p : Math.sqrt(p);
        }
    }

    /**
     * The windowed frame back from its packed spectrum: w ⊙ IFFT(X), ready for overlap-add.
     *
     * @param packed a packed spectrum. Modified: holds the frame after the call.
     */
    public void inverse(double[] packed) {
        fft.realInverse(packed, true);
        for (int i = 0; i < packed.length; i++) {
            packed[i] *= window[i];
        }
    }

    /**
     * The packed spectra of a whole signal, one row per frame (frame f centred on sample f·hop).
     *
     * @param signal the samples. Not modified.
     */
    public double[][] analyze(double[] signal) {
        int frames = (int) settings.frames(signal.length);
        double[][] out = new double[frames][];
        Framer framer = new Framer(settings);
        framer.push(signal, 0, signal.length, (index, frame) -> {
            out[(int) index] = new double[settings.nFft()];
            forward(frame, 0, out[(int) index]);
        });
        framer.finish((index, frame) -> {
            out[(int) index] = new double[settings.nFft()];
            forward(frame, 0, out[(int) index]);
        });
        return out;
    }

    /**
     * A signal from its packed spectra by weighted overlap-add (the inverse of {@link #analyze}
     * up to rounding, for any window that leaves no sample uncovered).
     *
     * @param packed one spectrum per frame. Not modified.
     * @param length the signal's length in samples
     */
    public double[] synthesize(double[][] packed, int length) {
        double[] out = new double[length];
        OverlapAdd ola = new OverlapAdd(this, length);
        double[] scratch = new double[settings.nFft()];
        int[] written = new int[1];
        OverlapAdd.Sink sink = (samples, offset, count) -> {
            System.arraycopy(samples, offset, out, written[0], count);
            written[0] += count;
        };
        try {
            for (double[] frame : packed) {
                System.arraycopy(frame, 0, scratch, 0, scratch.length);
                ola.add(scratch, sink);
            }
            ola.finish(sink);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // the sink above writes to memory only
        }
        return out;
    }
}
