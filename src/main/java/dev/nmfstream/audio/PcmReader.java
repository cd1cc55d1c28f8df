package dev.nmfstream.audio;

import java.io.IOException;
import java.io.InputStream;

/**
 * Reads interleaved PCM from a stream (a file's data, or standard input from a capture tool)
 * as mono samples, a block at a time; allocates its byte buffer once.
 */
public final class PcmReader {

    private final InputStream in;
    private final PcmFormat format;
    private final byte[] buffer;
    /** Bytes in {@link #buffer} not yet decoded (a partial frame kept from the last read). */
    private int held;

    /**
     * A reader of at most {@code blockFrames} frames per {@link #read}.
     *
     * @param in the bytes; not closed by this reader
     */
    public PcmReader(InputStream in, PcmFormat format, int blockFrames) {
        if (blockFrames < 1) {
            throw new IllegalArgumentException("block of " + blockFrames + " frames, expected at least 1");
        }
        this.in = in;
        this.format = format;
        this.buffer = new byte[blockFrames * format.frameBytes()];
    }

    /** The layout read. */
    public PcmFormat format() {
        return format;
    }

    /**
     * Reads up to {@code max} mono samples (at least one unless the stream has ended).
     *
     * @param out the samples from {@code offset}. Modified.
     * @return the number read, or −1 at the end of the stream (a partial frame at the end is dropped)
     */
    public int read(double[] out, int offset, int max) throws IOException {
        int frameBytes = format.frameBytes();
        int want = Math.min(max, buffer.length / frameBytes) * frameBytes;
        while (held < frameBytes) {
            int n = in.read(buffer, held, want - held);
            if (n < 0) {
                return -1;
            }
            held += n;
        }
        int frames = held / frameBytes;
        format.decodeMono(buffer, 0, frames, out, offset);
        int rest = held - frames * frameBytes;
        System.arraycopy(buffer, frames * frameBytes, buffer, 0, rest);
        held = rest;
        return frames;
    }
}
