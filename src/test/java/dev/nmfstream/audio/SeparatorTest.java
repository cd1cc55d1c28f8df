package dev.nmfstream.audio;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nmfstream.TestDiagnostics;
import dev.nmfstream.nmf.DenseColumn;
import dev.nmfstream.nmf.NmfConfig;
import dev.nmfstream.nmf.OnlineNmf;
import dev.nmfstream.nmf.Projection;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Separation's known answer: two harmonic sources, r = 2 learned without supervision, each part ≥ 15 dB SDR. */
class SeparatorTest {

    static final float RATE = 16000;

    /** A harmonic source: f0 and 5 harmonics of amplitude 1/n, on in the given [from, to) seconds, 10 ms ramps. */
    static double[] source(double f0, int n, double... onOff) {
        double[] x = new double[n];
        for (int i = 0; i < n; i++) {
            double t = i / (double) RATE;
            double gain = 0;
            for (int s = 0; s < onOff.length; s += 2) {
                double ramp = Math.min(t - onOff[s], onOff[s + 1] - t) / 0.01;
                gain = Math.max(gain, Math.max(0, Math.min(1, ramp)));
            }
            if (gain > 0) {
                for (int h = 1; h <= 6; h++) {
                    x[i] += gain * 0.2 / h * Math.sin(2 * Math.PI * h * f0 * t + h);
                }
            }
        }
        return x;
    }

    /** SDR = 10·log10(‖s‖² / ‖s − ŝ‖²). */
    static double sdr(double[] s, double[] estimate) {
        double num = 0;
        double den = 0;
        for (int i = 0; i < s.length; i++) {
            num += s[i] * s[i];
            den += (s[i] - estimate[i]) * (s[i] - estimate[i]);
        }
        return 10 * Math.log10(num / den);
    }

    @Test
    void twoHarmonicSourcesLearnedUnsupervised() {
        int n = (int) (3 * RATE);
        double[] a = source(220, n, 0.0, 1.0, 1.5, 2.5);
        double[] b = source(311, n, 0.5, 2.0, 2.4, 3.0);
        double[] mix = new double[n];
        for (int i = 0; i < n; i++) {
            mix[i] = a[i] + b[i];
        }
        StftSettings settings = new StftSettings(RATE, 2048, 512, Window.HANN, StftSettings.Spectrum.MAGNITUDE);
        Stft stft = new Stft(settings);
        double[][] spectra = stft.analyze(mix);
        List<DenseColumn> columns = new ArrayList<>();
        for (double[] packed : spectra) {
            double[] v = new double[settings.bins()];
            stft.spectrogram(packed, v);
            columns.add(new DenseColumn(v, 0, v.length));
        }
        OnlineNmf nmf = new OnlineNmf(NmfConfig.defaults(2).withBatchSize(16).withSeed(1));
        for (int epoch = 0; epoch < 30; epoch++) {
            nmf.partialFit(columns);
        }
        nmf.flush();
        double[][] w = nmf.basis().toComponents();
        Separator separator = new Separator(w, ComponentGroups.parse("0,1", 2), 2);
        double[][][] parts = new double[2][spectra.length][settings.nFft()];
        Projection p = new Projection(2);
        double[][] frameParts = new double[2][settings.nFft()];
        for (int f = 0; f < spectra.length; f++) {
            nmf.project(columns.get(f), p);
            separator.split(spectra[f], p.h, frameParts);
            for (int g = 0; g < 2; g++) {
                parts[g][f] = frameParts[g].clone();
            }
        }
        double[] p0 = stft.synthesize(parts[0], n);
        double[] p1 = stft.synthesize(parts[1], n);
        // the parts sum to the input
        double[] sum = new double[n];
        for (int i = 0; i < n; i++) {
            sum[i] = p0[i] + p1[i];
        }
        assertTrue(StftTest.relativeError(mix, sum) < 1e-9, "parts sum to the input: " + StftTest.relativeError(mix, sum));
        double straight = Math.min(sdr(a, p0), sdr(b, p1));
        double crossed = Math.min(sdr(a, p1), sdr(b, p0));
        double best = Math.max(straight, crossed);
        TestDiagnostics.record(SeparatorTest.class, String.format("SDR a/b straight %.2f/%.2f crossed %.2f/%.2f dB",
                sdr(a, p0), sdr(b, p1), sdr(a, p1), sdr(b, p0)));
        assertTrue(best >= 15, "the worse part's SDR is " + best + " dB, expected ≥ 15 (straight " + straight
                + ", crossed " + crossed + ")");
        FrequencyLabels labels = new FrequencyLabels(RATE, settings.nFft());
        double f0 = straight > crossed ? labels.fundamentalHz(w[0]) : labels.fundamentalHz(w[1]);
        assertEquals(220, f0, 2 * settings.frequency(1));
    }

    @Test
    void groupsAsUsersWriteThem() {
        assertArrayEquals(new int[][] {{0, 1, 2}, {3, 4}, {5}}, ComponentGroups.parse("0-2, 3-4", 6));
        assertArrayEquals(new int[][] {{0, 1, 4}, {2, 3}}, ComponentGroups.parse("0-1+4,2-3", 5));
        assertArrayEquals(new int[][] {{0}, {1}}, ComponentGroups.parse("", 2));
        assertThrows(IllegalArgumentException.class, () -> ComponentGroups.parse("0-2,2-3", 4));
        assertThrows(IllegalArgumentException.class, () -> ComponentGroups.parse("0-9", 4));
        assertThrows(IllegalArgumentException.class, () -> ComponentGroups.parse("a-b", 4));
    }
}
