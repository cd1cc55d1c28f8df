package dev.nmfstream.audio;

import java.util.Locale;

/**
 * The layout of interleaved PCM bytes: integer samples of 8, 16, 24 or 32 bits (signed, or
 * unsigned as 8-bit WAV stores them) or IEEE float of 32 or 64 bits, in either byte order, with
 * any number of channels.
 *
 * @param sampleRate samples per second per channel, &gt; 0
 * @param bits bits per sample: 8, 16, 24 or 32 for integers; 32 or 64 for floats
 * @param channels channels, ≥ 1 (interleaved)
 * @param encoding signed, unsigned or float
 * @param bigEndian the byte order of samples wider than 8 bits
 */
public record PcmFormat(float sampleRate, int bits, int channels, Encoding encoding, boolean bigEndian) {

    /** How a sample's bits are read. */
    public enum Encoding { SIGNED, UNSIGNED, FLOAT }

    /** Validates the layout. */
    public PcmFormat {
        if (!(sampleRate > 0) || Float.isInfinite(sampleRate)) {
            throw new IllegalArgumentException("sample rate " + sampleRate + " Hz, expected a positive number");
        }
        if (channels < 1) {
            throw new IllegalArgumentException("channels = " + channels + ", expected at least 1");
        }
        if (encoding == null) {
            throw new IllegalArgumentException("encoding is null, expected signed, unsigned or float");
        }
        boolean ok = encoding == Encoding.FLOAT ? bits == 32 || bits == 64
                : bits == 8 || bits == 16 || bits == 24 || bits == 32;
        if (!ok) {
            throw new IllegalArgumentException(bits + "-bit " + encoding.name().toLowerCase(Locale.ROOT)
                    + " samples, expected 8, 16, 24 or 32-bit integers or 32 or 64-bit floats");
        }
    }

    /** Bytes of one frame (one sample of every channel). */
    public int frameBytes() {
        return bits / 8 * channels;
    }

    /**
     * Decodes whole frames and mixes the channels down to one (their mean), in [−1, 1] for
     * integer samples.
     *
     * @param in the bytes, {@code frames · frameBytes()} from {@code offset}. Not modified.
     * @param out the mono samples, {@code frames} of them from {@code outOffset}. Modified.
     */
    public void decodeMono(byte[] in, int offset, int frames, double[] out, int outOffset) {
        int width = bits / 8;
        double scale = 1.0 / channels;
        int p = offset;
        for (int f = 0; f < frames; f++) {
            double sum = 0;
            for (int c = 0; c < channels; c++) {
                sum += sample(in, p, width);
                p += width;
            }
            out[outOffset + f] = sum * scale;
        }
    }

    private double sample(byte[] in, int p, int width) {
        long raw = 0;
        for (int b = 0; b < width; b++) {
            int shift = bigEndian ? 8 * (width - 1 - b) : 8 * b;
            raw |= (long) (in[p + b] & 0xff) << shift;
        }
        return switch (encoding) {
            case FLOAT -> width == 4 ? Float.intBitsToFloat((int) raw) : Double.longBitsToDouble(raw);
            case UNSIGNED -> (raw - (1L << (bits - 1))) / (double) (1L << (bits - 1));
            case SIGNED -> (raw << (64 - bits) >> (64 - bits)) / (double) (1L << (bits - 1));
        };
    }
}
