package dev.nmfstream.audio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import javax.sound.sampled.AudioFileFormat;
import javax.sound.sampled.AudioFormat;
import javax.sound.sampled.AudioInputStream;
import javax.sound.sampled.AudioSystem;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** WAV in: every PCM width and float, mono and stereo, 8 to 48 kHz; clear errors for bad files. */
class SoundTest {

    static final Path DIR = Path.of("target", "audio-test");

    static double[] tone(double hz, float rate, int n, double amplitude) {
        double[] x = new double[n];
        for (int i = 0; i < n; i++) {
            x[i] = amplitude * Math.sin(2 * Math.PI * hz * i / rate);
        }
        return x;
    }

    @ParameterizedTest
    @CsvSource({"8, UNSIGNED, 8000", "16, SIGNED, 11025", "24, SIGNED, 22050", "32, SIGNED, 44100",
        "32, FLOAT, 48000", "16, SIGNED, 48000", "24, SIGNED, 8000"})
    void readsWhatItWrites(int bits, PcmFormat.Encoding encoding, float rate) throws IOException {
        Files.createDirectories(DIR);
        Path file = DIR.resolve("mono-" + bits + encoding + (int) rate + ".wav");
        double[] x = tone(440, rate, (int) rate / 4, 0.6);
        WavWriter.write(file, new PcmFormat(rate, bits, 1, encoding, false), x);
        Sound s = Sound.read(file);
        assertEquals(rate, s.sampleRate());
        assertEquals(x.length, s.samples().length);
        double quantum = encoding == PcmFormat.Encoding.FLOAT ? 1e-7 : 1.0 / (1L << (bits - 1));
        for (int i = 0; i < x.length; i++) {
            assertEquals(x[i], s.samples()[i], quantum, "sample " + i);
        }
    }

    @ParameterizedTest
    @CsvSource({"16, 44100", "24, 22050", "32, 16000", "8, 8000"})
    void mixesStereoDown(int bits, float rate) throws IOException {
        Files.createDirectories(DIR);
        int n = 2000;
        double[] left = tone(300, rate, n, 0.5);
        double[] right = tone(1000, rate, n, 0.3);
        // a stereo file through javax.sound's own writer
        boolean signed = bits > 8;
        AudioFormat format = new AudioFormat(rate, bits, 2, signed, false);
        int width = bits / 8;
        byte[] bytes = new byte[n * 2 * width];
        for (int i = 0; i < n; i++) {
            put(bytes, (2 * i) * width, left[i], bits, signed);
            put(bytes, (2 * i + 1) * width, right[i], bits, signed);
        }
        Path file = DIR.resolve("stereo-" + bits + "-" + (int) rate + ".wav");
        AudioSystem.write(new AudioInputStream(new ByteArrayInputStream(bytes), format, n), AudioFileFormat.Type.WAVE,
                file.toFile());
        Sound s = Sound.read(file);
        assertEquals(n, s.samples().length);
        double quantum = 1.0 / (1L << (bits - 1));
        for (int i = 0; i < n; i++) {
            assertEquals((left[i] + right[i]) / 2, s.samples()[i], quantum, "sample " + i);
        }
    }

    private static void put(byte[] out, int at, double x, int bits, boolean signed) {
        long v = Math.round(x * (1L << (bits - 1)));
        if (!signed) {
            v += 1L << (bits - 1);
        }
        for (int b = 0; b < bits / 8; b++) {
            out[at + b] = (byte) (v >>> (8 * b));
        }
    }

    @Test
    void truncatedFileIsAClearError() throws IOException {
        Files.createDirectories(DIR);
        Path whole = DIR.resolve("whole.wav");
        WavWriter.write(whole, new PcmFormat(16000, 16, 1, PcmFormat.Encoding.SIGNED, false), tone(200, 16000, 8000, 0.5));
        byte[] bytes = Files.readAllBytes(whole);
        Path cut = DIR.resolve("cut.wav");
        Files.write(cut, Arrays.copyOf(bytes, bytes.length / 2));
        AudioFileException e = assertThrows(AudioFileException.class, () -> Sound.read(cut));
        assertTrue(e.getMessage().contains("truncated") && e.getMessage().contains("8000"), e.getMessage());

        Path header = DIR.resolve("header-only.wav");
        Files.write(header, Arrays.copyOf(bytes, 20));
        AudioFileException h = assertThrows(AudioFileException.class, () -> Sound.read(header));
        assertTrue(h.getMessage().contains(header.toString()), h.getMessage());
    }

    @Test
    void nonAudioIsAClearError() throws IOException {
        Files.createDirectories(DIR);
        Path text = DIR.resolve("notes.wav");
        Files.writeString(text, "these are not samples\n".repeat(50));
        AudioFileException e = assertThrows(AudioFileException.class, () -> Sound.read(text));
        assertTrue(e.getMessage().contains("not a sound file"), e.getMessage());
        AudioFileException missing = assertThrows(AudioFileException.class, () -> Sound.read(DIR.resolve("none.wav")));
        assertTrue(missing.getMessage().contains("no such file"), missing.getMessage());
    }

    @Test
    void rawPcmFromAStream() throws IOException {
        // big-endian signed 16-bit stereo, as a capture tool might pipe it
        int n = 1000;
        PcmFormat format = new PcmFormat(8000, 16, 2, PcmFormat.Encoding.SIGNED, true);
        byte[] bytes = new byte[n * 4 + 3]; // a partial frame at the end is dropped
        for (int i = 0; i < n; i++) {
            short l = (short) (i * 7);
            short r = (short) (-i * 3);
            bytes[4 * i] = (byte) (l >> 8);
            bytes[4 * i + 1] = (byte) l;
            bytes[4 * i + 2] = (byte) (r >> 8);
            bytes[4 * i + 3] = (byte) r;
        }
        PcmReader reader = new PcmReader(new ByteArrayInputStream(bytes), format, 64);
        double[] out = new double[n + 10];
        int total = 0;
        for (int got = reader.read(out, 0, out.length); got >= 0; got = reader.read(out, total, out.length - total)) {
            total += got;
        }
        assertEquals(n, total);
        for (int i = 0; i < n; i++) {
            assertEquals((i * 7 - i * 3) / 2.0 / 32768.0, out[i], 1e-12, "sample " + i);
        }
    }
}
