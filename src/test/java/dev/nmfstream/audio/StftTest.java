package dev.nmfstream.audio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** STFT and its inverse: round trip, frame count and times, spectra of known tones. */
class StftTest {

    @ParameterizedTest
    @CsvSource({"HANN, 2048, 512, 22050", "HANN, 1024, 256, 22050", "HANN, 512, 256, 8000",
        "HAMMING, 1024, 512, 16000", "RECTANGULAR, 256, 256, 8000", "HANN, 2048, 512, 22051"})
    void inverseUndoesForward(Window window, int nFft, int hop, int length) {
        StftSettings settings = new StftSettings(22050, nFft, hop, window, StftSettings.Spectrum.MAGNITUDE);
        Random random = new Random(length + nFft);
        double[] x = new double[length];
        for (int i = 0; i < length; i++) {
            x[i] = random.nextGaussian() * 0.3 + 0.2 * Math.sin(i * 0.01);
        }
        Stft stft = new Stft(settings);
        double[][] spectra = stft.analyze(x);
        assertEquals(1 + length / hop, spectra.length);
        double[] y = stft.synthesize(spectra, length);
        assertTrue(relativeError(x, y) <= 1e-6, "relative error " + relativeError(x, y));
    }

    static double relativeError(double[] x, double[] y) {
        double num = 0;
        double den = 0;
        for (int i = 0; i < x.length; i++) {
            num += (x[i] - y[i]) * (x[i] - y[i]);
            den += x[i] * x[i];
        }
        return Math.sqrt(num / den);
    }

    @Test
    void framesOfAKnownLength() {
        StftSettings settings = StftSettings.defaults(22050);
        // 1.5 s at 22.05 kHz = 33075 samples → 1 + ⌊33075 / 512⌋ = 65 frames, fed in uneven pieces
        double[] x = SoundTest.tone(440, 22050, 33075, 0.5);
        Framer framer = new Framer(settings);
        List<Long> indices = new ArrayList<>();
        Framer.FrameSink sink = (index, frame) -> indices.add(index);
        int at = 0;
        for (int piece = 1; at < x.length; piece = piece * 3 % 997 + 1) {
            int n = Math.min(piece, x.length - at);
            framer.push(x, at, n, sink);
            at += n;
        }
        framer.finish(sink);
        assertEquals(65, indices.size());
        for (int f = 0; f < indices.size(); f++) {
            assertEquals(f, indices.get(f));
        }
        assertEquals(65, settings.frames(x.length));
        assertEquals(0, settings.frameTimeMs(0));
        assertEquals(Math.round(64 * 512 * 1000.0 / 22050), settings.frameTimeMs(64));
        assertEquals(1025, settings.bins());
    }

    @Test
    void aToneLandsInItsBin() {
        // 441 Hz = bin 40.96 at 22050/2048 Hz per bin: nearly bin 41
        StftSettings settings = StftSettings.defaults(22050);
        Stft stft = new Stft(settings);
        double[] x = SoundTest.tone(441, 22050, 8192, 1.0);
        double[] packed = new double[2048];
        stft.forward(x, 2048, packed);
        double[] column = new double[settings.bins()];
        stft.spectrogram(packed, column);
        int best = 0;
        for (int k = 1; k < column.length; k++) {
            if (column[k] > column[best]) {
                best = k;
            }
        }
        assertEquals(41, best);
        // a sine of amplitude 1 under a Hann window: |X| ≈ n_fft / 4 at its bin
        assertEquals(512, column[best], 10);
        StftSettings power = new StftSettings(22050, 2048, 512, Window.HANN, StftSettings.Spectrum.POWER);
        double[] p = new double[power.bins()];
        new Stft(power).spectrogram(packed, p);
        assertEquals(column[best] * column[best], p[best], 1e-9 * p[best]);
    }
}
