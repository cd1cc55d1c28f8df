package dev.nmfstream.cli;

import static dev.nmfstream.cli.MainTest.assertContains;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nmfstream.audio.PcmFormat;
import dev.nmfstream.audio.Sound;
import dev.nmfstream.audio.WavWriter;
import dev.nmfstream.io.Npy;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The audio commands without a broker: spectrogram, join-bases, separate with computed weights, and their errors. */
class AudioCommandsTest {

    @Test
    void spectrogramFitJoinAndSeparateByComputedWeights(@TempDir Path dir) throws Exception {
        float rate = 8000;
        int n = 16000;
        double[] a = new double[n];
        double[] b = new double[n];
        for (int i = 0; i < n; i++) {
            double t = i / (double) rate;
            a[i] = 0.3 * Math.sin(2 * Math.PI * 440 * t) + 0.1 * Math.sin(2 * Math.PI * 880 * t);
            b[i] = 0.3 * Math.sin(2 * Math.PI * 300 * t) + 0.1 * Math.sin(2 * Math.PI * 900 * t);
        }
        PcmFormat format = new PcmFormat(rate, 32, 1, PcmFormat.Encoding.FLOAT, false);
        WavWriter.write(dir.resolve("a.wav"), format, a);
        WavWriter.write(dir.resolve("b.wav"), format, b);
        double[] mix = new double[n];
        for (int i = 0; i < n; i++) {
            mix[i] = (i < n / 2 ? a[i] : 0) + b[i];
        }
        WavWriter.write(dir.resolve("mix.wav"), format, mix);
        String[] fft = {"--n-fft", "512", "--hop", "128"};
        for (String s : new String[] {"a", "b"}) {
            MainTest.Run spec = MainTest.run(concat(new String[] {"spectrogram", dir.resolve(s + ".wav").toString(), "-o",
                dir.resolve("V" + s + ".npy").toString()}, fft));
            assertEquals(0, spec.exitCode(), spec.describe());
            assertContains(spec.out(), "\"rows\":257", "\"columns\":" + (1 + n / 128));
            MainTest.Run fit = MainTest.run("fit", dir.resolve("V" + s + ".npy").toString(), "--rank", "1", "-o",
                    dir.resolve("W" + s + ".npy").toString());
            assertEquals(0, fit.exitCode(), fit.describe());
        }
        MainTest.Run join = MainTest.run("join-bases", dir.resolve("Wa.npy").toString(), dir.resolve("Wb.npy").toString(),
                "-o", dir.resolve("W.npy").toString());
        assertEquals(0, join.exitCode(), join.describe());
        assertContains(join.out(), "\"columns\":2", "\"groups\":\"0-0,1-1\"");
        MainTest.Run sep = MainTest.run(concat(new String[] {"separate", dir.resolve("mix.wav").toString(), "--basis",
            dir.resolve("W.npy").toString(), "-o", dir.resolve("parts").toString()}, fft));
        assertEquals(0, sep.exitCode(), sep.describe());
        double[] p0 = Sound.read(dir.resolve("parts").resolve("mix.part0.wav")).samples();
        double[] p1 = Sound.read(dir.resolve("parts").resolve("mix.part1.wav")).samples();
        double err0 = 0;
        double err1 = 0;
        double sum = 0;
        double na = 0;
        double nb = 0;
        for (int i = 0; i < n; i++) {
            double sa = i < n / 2 ? a[i] : 0;
            err0 += (p0[i] - sa) * (p0[i] - sa);
            err1 += (p1[i] - b[i]) * (p1[i] - b[i]);
            sum += (p0[i] + p1[i] - mix[i]) * (p0[i] + p1[i] - mix[i]);
            na += sa * sa;
            nb += b[i] * b[i];
        }
        assertTrue(sum / (na + nb) < 1e-10, "parts sum to the mixture: " + sum);
        assertTrue(10 * Math.log10(na / err0) > 15, "part 0 SDR " + 10 * Math.log10(na / err0));
        assertTrue(10 * Math.log10(nb / err1) > 15, "part 1 SDR " + 10 * Math.log10(nb / err1));
    }

    @Test
    void clearErrors(@TempDir Path dir) throws Exception {
        Path text = dir.resolve("notes.wav");
        Files.writeString(text, "not sound\n".repeat(20));
        MainTest.Run notAudio = MainTest.run("produce-audio", text.toString(), "-b", "localhost:1");
        assertEquals(1, notAudio.exitCode(), notAudio.describe());
        assertContains(notAudio.err(), "produce-audio: " + text + ": not a sound file");
        MainTest.Run noRate = MainTest.run("produce-audio", "-", "-b", "localhost:1");
        assertEquals(2, noRate.exitCode(), noRate.describe());
        assertContains(noRate.err(), "needs --pcm-rate");
        MainTest.Run notAudioToo = MainTest.run("spectrogram", text.toString(), "-o", dir.resolve("V.npy").toString());
        assertEquals(1, notAudioToo.exitCode(), notAudioToo.describe());
        Path w = dir.resolve("W.npy");
        Npy.writeMatrix(w, 3, 1, new double[] {1, 2, 3});
        WavWriter.write(dir.resolve("x.wav"), new PcmFormat(8000, 16, 1, PcmFormat.Encoding.SIGNED, false), new double[4000]);
        MainTest.Run wrongDim = MainTest.run("separate", dir.resolve("x.wav").toString(), "--basis", w.toString(), "-o",
                dir.resolve("out").toString());
        assertEquals(2, wrongDim.exitCode(), wrongDim.describe());
        assertContains(wrongDim.err(), "the model has dimension 3 and --n-fft 2048 makes 1025 bins");
        MainTest.Run badGroups = MainTest.run("separate", dir.resolve("x.wav").toString(), "--basis", w.toString(),
                "--n-fft", "4", "--hop", "2", "--groups", "0-3", "-o", dir.resolve("out").toString());
        assertEquals(2, badGroups.exitCode(), badGroups.describe());
        assertContains(badGroups.err(), "group '0-3'");
    }

    private static String[] concat(String[] a, String[] b) {
        String[] out = new String[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
