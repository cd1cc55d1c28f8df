package dev.nmfstream.audio;

import java.io.IOException;
import java.util.Arrays;

/**
 * The inverse STFT as frames arrive, in order: each packed spectrum is inverted, windowed and
 * added at its place; a sample is divided by the sum of the squared windows that covered it
 * (weighted overlap-add, exact for any window that leaves no sample uncovered) and handed out
 * as soon as no later frame covers it. Undoes {@link Framer}'s padding: hands out exactly the
 * signal's samples. Allocates its buffers once.
 */
public final class OverlapAdd {

    /** Receives finished samples; the array is reused after the call. */
    @FunctionalInterface
    public interface Sink {
        /** Samples {@code offset} … {@code offset + count − 1} of the array, next in the signal. */
        void samples(double[] samples, int offset, int count) throws IOException;
    }

    private final Stft stft;
    private final int nFft;
    private final int hop;
    private final double[] windowSq;
    /** Σ frames and Σ w² over the n_fft samples from the current frame's start. */
    private final double[] sum;
    private final double[] weight;
    private final double[] out;
    /** Padded samples still to drop at the start (n_fft/2), and signal samples still to hand out. */
    private int skip;
    private long remaining;
    private long frames;

    /**
     * An inverse for a signal of known length.
     *
     * @param stft the transform (its window and FFT); used from this object's thread only
     * @param length the signal's length in samples (the frames' count is 1 + ⌊length / hop⌋);
     *     {@link Long#MAX_VALUE} for a signal whose end is not known yet
     */
    public OverlapAdd(Stft stft, long length) {
        this.stft = stft;
        this.nFft = stft.settings().nFft();
        this.hop = stft.settings().hop();
        double[] w = stft.window();
        this.windowSq = new double[nFft];
        for (int i = 0; i < nFft; i++) {
            windowSq[i] = w[i] * w[i];
        }
        this.sum = new double[nFft];
        this.weight = new double[nFft];
        this.out = new double[nFft];
        this.skip = nFft / 2;
        this.remaining = length;
    }

    /** Frames added so far. */
    public long frames() {
        return frames;
    }

    /**
     * Adds the next frame and hands out the hop samples it finishes.
     *
     * @param packed the frame's packed spectrum. Modified (holds the windowed frame after the call).
     */
    public void add(double[] packed, Sink sink) throws IOException {
        stft.inverse(packed);
        for (int i = 0; i < nFft; i++) {
            sum[i] += packed[i];
            weight[i] += windowSq[i];
        }
        frames++;
        emit(hop, sink);
        System.arraycopy(sum, hop, sum, 0, nFft - hop);
        System.arraycopy(weight, hop, weight, 0, nFft - hop);
        Arrays.fill(sum, nFft - hop, nFft, 0.0);
        Arrays.fill(weight, nFft - hop, nFft, 0.0);
    }

    /** Hands out the samples the last frames cover (up to the signal's length); call once at the end. */
    public void finish(Sink sink) throws IOException {
        emit(nFft - hop, sink);
    }

    private void emit(int count, Sink sink) throws IOException {
        int from = Math.min(skip, count);
        skip -= from;
        int n = (int) Math.min(count - from, remaining);
        if (n <= 0) {
            return;
        }
        for (int i = 0; i < n; i++) {
            double wsum = weight[from + i];
            out[i] = wsum > 1e-10 ? sum[from + i] / wsum : 0.0;
        }
        remaining -= n;
        sink.samples(out, 0, n);
    }
}
