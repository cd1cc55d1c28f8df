package dev.nmfstream.cli;

import dev.nmfstream.audio.StftSettings;
import dev.nmfstream.audio.Window;
import java.util.Locale;
import picocli.CommandLine.Option;

/** The STFT's settings, shared by the audio commands ({@code produce-audio}, {@code spectrogram}, {@code separate}). */
public final class StftOptions {

    @Option(names = "--n-fft", defaultValue = "" + StftSettings.DEFAULT_N_FFT, paramLabel = "N",
            description = "FFT length (even; a power of two is fastest); frames have N/2 + 1 bins. Default: ${DEFAULT-VALUE}.")
    int nFft;

    @Option(names = "--hop", defaultValue = "" + StftSettings.DEFAULT_HOP, paramLabel = "H",
            description = "Samples between frames. Default: ${DEFAULT-VALUE}.")
    int hop;

    @Option(names = "--window", defaultValue = "hann", paramLabel = "W",
            description = "hann (periodic), hamming (periodic) or rectangular. Default: ${DEFAULT-VALUE}.")
    String window;

    @Option(names = "--spectrum", defaultValue = "magnitude", paramLabel = "S",
            description = "magnitude (|X|) or power (|X|²). Default: ${DEFAULT-VALUE}.")
    String spectrum;

    /**
     * The settings at a sample rate.
     *
     * @throws IllegalArgumentException naming the option that is wrong
     */
    public StftSettings settings(float sampleRate) {
        Window w = switch (window.toLowerCase(Locale.ROOT)) {
            case "hann" -> Window.HANN;
            case "hamming" -> Window.HAMMING;
            case "rectangular" -> Window.RECTANGULAR;
            default -> throw new IllegalArgumentException("--window " + window + ", expected hann, hamming or rectangular");
        };
        StftSettings.Spectrum s = switch (spectrum.toLowerCase(Locale.ROOT)) {
            case "magnitude" -> StftSettings.Spectrum.MAGNITUDE;
            case "power" -> StftSettings.Spectrum.POWER;
            default -> throw new IllegalArgumentException("--spectrum " + spectrum + ", expected magnitude or power");
        };
        if (nFft < 4 || nFft % 2 != 0) {
            throw new IllegalArgumentException("--n-fft " + nFft + ", expected an even number ≥ 4");
        }
        if (hop < 1 || hop > nFft) {
            throw new IllegalArgumentException("--hop " + hop + ", expected 1 to --n-fft (" + nFft + ")");
        }
        return new StftSettings(sampleRate, nFft, hop, w, s);
    }
}
