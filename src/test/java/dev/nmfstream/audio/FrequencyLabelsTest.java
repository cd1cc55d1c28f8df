package dev.nmfstream.audio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nmfstream.nmf.DenseColumn;
import dev.nmfstream.nmf.NmfConfig;
import dev.nmfstream.nmf.OnlineNmf;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Rows named in Hz and notes; a learned tone's component labelled, its peak and fundamental found. */
class FrequencyLabelsTest {

    @Test
    void notesOfKnownFrequencies() {
        assertEquals("A4", FrequencyLabels.note(440));
        assertEquals("A4", FrequencyLabels.note(452)); // less than a quarter tone sharp
        assertEquals("A#4", FrequencyLabels.note(460));
        assertEquals("C4", FrequencyLabels.note(261.63));
        assertEquals("A0", FrequencyLabels.note(27.5));
        assertEquals("C0", FrequencyLabels.note(16.35));
        assertNull(FrequencyLabels.note(0));
        assertNull(FrequencyLabels.note(10));
        FrequencyLabels labels = new FrequencyLabels(22050, 2048);
        assertEquals("441.4 Hz A4", labels.label(41));
        assertEquals("0.0 Hz", labels.label(0));
        assertEquals("11025.0 Hz F9", labels.label(1024));
        assertNull(labels.label(1025));
    }

    @Test
    void aPureToneLearnedWithRankOneIsA4() {
        float rate = 22050;
        StftSettings settings = StftSettings.defaults(rate);
        Stft stft = new Stft(settings);
        double[] x = SoundTest.tone(440, rate, (int) (2 * rate), 0.5);
        Random noise = new Random(7);
        for (int i = 0; i < x.length; i++) {
            x[i] += 1e-3 * noise.nextGaussian();
        }
        double[][] spectra = stft.analyze(x);
        OnlineNmf nmf = new OnlineNmf(NmfConfig.defaults(1));
        double[] column = new double[settings.bins()];
        for (double[] packed : spectra) {
            stft.spectrogram(packed, column);
            nmf.partialFit(new DenseColumn(column.clone(), 0, column.length));
        }
        nmf.flush();
        double[] w = nmf.basis().component(0);
        int top = 0;
        for (int i = 1; i < w.length; i++) {
            if (w[i] > w[top]) {
                top = i;
            }
        }
        double bin = 440 / settings.frequency(1);
        assertTrue(Math.abs(top - bin) <= 1, "top bin " + top + ", 440 Hz is bin " + bin);
        FrequencyLabels labels = new FrequencyLabels(rate, settings.nFft());
        assertTrue(labels.label(top).endsWith(" Hz A4"), labels.label(top));
        assertEquals(440, labels.peakHz(w), settings.frequency(1));
        assertEquals(440, labels.fundamentalHz(w), settings.frequency(1));
    }

    @Test
    void fundamentalOfAHarmonicSeriesAndNoneForNoise() {
        FrequencyLabels labels = new FrequencyLabels(16000, 2048);
        double binHz = 16000 / 2048.0;
        double[] w = new double[1025];
        // harmonics 2…6 of 196 Hz (G3), the fundamental itself missing
        for (int n = 2; n <= 6; n++) {
            addPeak(w, n * 196 / binHz, 1.0 / n);
        }
        assertEquals(196, labels.fundamentalHz(w), 2);
        assertEquals(392, labels.peakHz(w), binHz);
        Random random = new Random(3);
        double[] noise = new double[1025];
        for (int i = 0; i < noise.length; i++) {
            noise[i] = random.nextDouble();
        }
        assertNull(labels.fundamentalHz(noise));
        assertNotNull(labels.peakHz(noise));
        assertNull(labels.peakHz(new double[1025]));
    }

    /** A Hann-shaped peak three bins wide on each side. */
    private static void addPeak(double[] w, double at, double height) {
        for (int i = (int) Math.floor(at) - 3; i <= Math.ceil(at) + 3; i++) {
            double d = (i - at) / 3.5;
            if (Math.abs(d) < 1) {
                w[i] += height * (0.5 + 0.5 * Math.cos(Math.PI * d));
            }
        }
    }
}
