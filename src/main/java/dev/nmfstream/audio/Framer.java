package dev.nmfstream.audio;

import java.util.Arrays;

/**
 * Cuts a signal that arrives in pieces into STFT frames: n_fft/2 zeros before the first sample,
 * then a frame of n_fft samples every hop samples, and n_fft/2 zeros after the last
 * ({@link #finish}), so frame f is centred on sample f·hop. Allocates its buffer once.
 */
public final class Framer {

    /** Receives each frame; the array is the framer's and is reused for the next frame. */
    @FunctionalInterface
    public interface FrameSink {
        /**
         * One frame.
         *
         * @param index the frame's index f, from 0
         * @param samples n_fft samples (unwindowed), valid only during the call
         */
        void frame(long index, double[] samples);
    }

    private final int nFft;
    private final int hop;
    private final double[] buffer;
    private int fill;
    private long next;
    private boolean finished;

    /** A framer at the start of a signal. */
    public Framer(StftSettings settings) {
        this.nFft = settings.nFft();
        this.hop = settings.hop();
        this.buffer = new double[nFft];
        this.fill = nFft / 2;
    }

    /** Frames emitted so far. */
    public long frames() {
        return next;
    }

    /**
     * Takes samples and emits every frame they complete.
     *
     * @param samples {@code count} of them from {@code offset}. Not modified.
     */
    public void push(double[] samples, int offset, int count, FrameSink sink) {
        if (finished) {
            throw new IllegalStateException("the signal has ended (finish was called)");
        }
        int i = 0;
        while (i < count) {
            int n = Math.min(count - i, nFft - fill);
            System.arraycopy(samples, offset + i, buffer, fill, n);
            fill += n;
            i += n;
            if (fill == nFft) {
                emit(sink);
            }
        }
    }

    /** Ends the signal: pads n_fft/2 zeros and emits the last frames. */
    public void finish(FrameSink sink) {
        if (finished) {
            return;
        }
        finished = true;
        int zeros = nFft / 2;
        while (zeros > 0) {
            int n = Math.min(zeros, nFft - fill);
            Arrays.fill(buffer, fill, fill + n, 0.0);
            fill += n;
            zeros -= n;
            if (fill == nFft) {
                emit(sink);
            }
        }
    }

    private void emit(FrameSink sink) {
        sink.frame(next++, buffer);
        System.arraycopy(buffer, hop, buffer, 0, nFft - hop);
        fill = nFft - hop;
    }
}
