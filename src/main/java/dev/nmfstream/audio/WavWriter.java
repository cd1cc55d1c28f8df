package dev.nmfstream.audio;

import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes a WAV file as samples arrive: mono (or the same signal on every channel) PCM of 8, 16,
 * 24 or 32 bits or 32-bit float; the header's sizes are filled in on {@link #close()}. Integer
 * samples are clipped to [−1, 1].
 */
public final class WavWriter implements Closeable {

    private final Path file;
    private final PcmFormat format;
    private final OutputStream out;
    private final byte[] one;
    private long frames;

    /**
     * Starts a file.
     *
     * @param format little-endian layout; float only with 32 bits
     */
    public WavWriter(Path file, PcmFormat format) throws IOException {
        if (format.bigEndian()) {
            throw new IllegalArgumentException("WAV is little-endian, expected bigEndian = false");
        }
        if (format.encoding() == PcmFormat.Encoding.FLOAT && format.bits() != 32) {
            throw new IllegalArgumentException("float WAV of " + format.bits() + " bits, expected 32");
        }
        if (format.encoding() == PcmFormat.Encoding.UNSIGNED != (format.bits() == 8)) {
            throw new IllegalArgumentException("WAV stores 8-bit samples unsigned and wider ones signed; got "
                    + format.bits() + "-bit " + format.encoding());
        }
        this.file = file;
        this.format = format;
        this.out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 16);
        this.one = new byte[format.frameBytes()];
        out.write(header(0));
    }

    /** A 32-bit float mono writer: exact for the samples of a separation. */
    public static WavWriter float32(Path file, float sampleRate) throws IOException {
        return new WavWriter(file, new PcmFormat(sampleRate, 32, 1, PcmFormat.Encoding.FLOAT, false));
    }

    /** Writes a whole signal to a file. */
    public static void write(Path file, PcmFormat format, double[] samples) throws IOException {
        try (WavWriter w = new WavWriter(file, format)) {
            w.write(samples, 0, samples.length);
        }
    }

    /**
     * Appends samples (each written to every channel).
     *
     * @param samples from {@code offset}, {@code count} of them. Not modified.
     */
    public void write(double[] samples, int offset, int count) throws IOException {
        int width = format.bits() / 8;
        for (int i = 0; i < count; i++) {
            long raw = encode(samples[offset + i]);
            for (int c = 0; c < format.channels(); c++) {
                for (int b = 0; b < width; b++) {
                    one[c * width + b] = (byte) (raw >>> (8 * b));
                }
            }
            out.write(one);
        }
        frames += count;
    }

    private long encode(double x) {
        if (format.encoding() == PcmFormat.Encoding.FLOAT) {
            return Float.floatToIntBits((float) x);
        }
        int bits = format.bits();
        double full = (double) (1L << (bits - 1));
        double clipped = Math.max(-1.0, Math.min(1.0, x));
        long v = Math.round(clipped * full);
        v = Math.max(-(1L << (bits - 1)), Math.min((1L << (bits - 1)) - 1, v));
        return format.encoding() == PcmFormat.Encoding.UNSIGNED ? v + (1L << (bits - 1)) : v;
    }

    /** Sample frames written so far. */
    public long frames() {
        return frames;
    }

    /** Flushes what is written and fixes the header's sizes (the file is complete after each call). */
    public void flush() throws IOException {
        out.flush();
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.write(header(frames));
        }
    }

    @Override
    public void close() throws IOException {
        flush();
        out.close();
    }

    private byte[] header(long frameCount) {
        long data = frameCount * format.frameBytes();
        if (data + 36 > 0xffffffffL) {
            throw new IllegalStateException(file + ": more than 4 GiB of samples, which WAV cannot hold");
        }
        byte[] h = new byte[44];
        int rate = Math.round(format.sampleRate());
        ascii(h, 0, "RIFF");
        le(h, 4, 36 + data, 4);
        ascii(h, 8, "WAVE");
        ascii(h, 12, "fmt ");
        le(h, 16, 16, 4);
        le(h, 20, format.encoding() == PcmFormat.Encoding.FLOAT ? 3 : 1, 2);
        le(h, 22, format.channels(), 2);
        le(h, 24, rate, 4);
        le(h, 28, (long) rate * format.frameBytes(), 4);
        le(h, 32, format.frameBytes(), 2);
        le(h, 34, format.bits(), 2);
        ascii(h, 36, "data");
        le(h, 40, data, 4);
        return h;
    }

    private static void ascii(byte[] h, int at, String s) {
        for (int i = 0; i < s.length(); i++) {
            h[at + i] = (byte) s.charAt(i);
        }
    }

    private static void le(byte[] h, int at, long v, int n) {
        for (int b = 0; b < n; b++) {
            h[at + b] = (byte) (v >>> (8 * b));
        }
    }
}
