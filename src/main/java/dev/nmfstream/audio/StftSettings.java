package dev.nmfstream.audio;

import java.util.Locale;

/**
 * How a signal becomes spectrogram frames. Frame f is centred on sample f·hop (the signal is
 * padded with n_fft/2 zeros at both ends), so a signal of N samples has 1 + ⌊N / hop⌋ frames and
 * frame f's time is f·hop / sampleRate; each frame has n_fft/2 + 1 bins, bin k at
 * k · sampleRate / n_fft Hz.
 *
 * @param sampleRate samples per second, &gt; 0
 * @param nFft the FFT length, even, ≥ 4 (a power of two is fastest)
 * @param hop samples between frames, in [1, nFft]
 * @param window the window
 * @param spectrum magnitude |X| or power |X|²
 */
public record StftSettings(float sampleRate, int nFft, int hop, Window window, Spectrum spectrum) {

    /** Defaults: periodic Hann, n_fft 2048, hop 512, magnitude. */
    public static final int DEFAULT_N_FFT = 2048;
    public static final int DEFAULT_HOP = 512;

    /** What a frame holds per bin. */
    public enum Spectrum {
        /** |X|. */
        MAGNITUDE,
        /** |X|². */
        POWER
    }

    /** Validates the settings. */
    public StftSettings {
        if (!(sampleRate > 0) || Float.isInfinite(sampleRate)) {
            throw new IllegalArgumentException("sample rate " + sampleRate + " Hz, expected a positive number");
        }
        if (nFft < 4 || nFft % 2 != 0) {
            throw new IllegalArgumentException("n_fft = " + nFft + ", expected an even number ≥ 4");
        }
        if (hop < 1 || hop > nFft) {
            throw new IllegalArgumentException("hop = " + hop + ", expected 1 to n_fft (" + nFft + ")");
        }
        if (window == null || spectrum == null) {
            throw new IllegalArgumentException("window and spectrum must be given");
        }
    }

    /** The default settings at a sample rate. */
    public static StftSettings defaults(float sampleRate) {
        return new StftSettings(sampleRate, DEFAULT_N_FFT, DEFAULT_HOP, Window.HANN, Spectrum.MAGNITUDE);
    }

    /** Bins per frame, n_fft/2 + 1: the dimension m of the model. */
    public int bins() {
        return nFft / 2 + 1;
    }

    /** The centre frequency of bin k in Hz. */
    public double frequency(int bin) {
        return bin * (double) sampleRate / nFft;
    }

    /** Frames of a signal of n samples: 1 + ⌊n / hop⌋. */
    public long frames(long samples) {
        return 1 + samples / hop;
    }

    /** Frames per second of audio. */
    public double frameRate() {
        return sampleRate / hop;
    }

    /** Milliseconds from the start of the audio to frame f's centre, rounded. */
    public long frameTimeMs(long frame) {
        return Math.round(frame * (double) hop * 1000.0 / sampleRate);
    }

    /** The settings as the service keys that name them and the model's dimension. */
    public String asServiceSettings() {
        return String.format(Locale.ROOT, "nmf.dimension=%d nmf.audio.sample.rate=%s nmf.audio.n.fft=%d", bins(),
                sampleRate == Math.rint(sampleRate) ? String.valueOf((long) sampleRate) : String.valueOf(sampleRate),
                nFft);
    }
}
