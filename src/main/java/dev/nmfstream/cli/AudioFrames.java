package dev.nmfstream.cli;

import dev.nmfstream.audio.Framer;
import dev.nmfstream.audio.PcmReader;
import dev.nmfstream.audio.Stft;
import dev.nmfstream.audio.StftSettings;
import java.io.IOException;
import java.util.ArrayDeque;

/**
 * One sound's spectrogram frames, one at a time: from samples in memory (a file) or from a PCM
 * stream (standard input). Reuses its buffers: a frame handed out is valid until the next call.
 */
final class AudioFrames {

    private final String stream;
    private final Stft stft;
    private final Framer framer;
    private final double[] samples;
    private final PcmReader reader;
    private final double[] block;
    private int position;
    private boolean ended;
    /** Packed spectra ready to hand out, and spent ones to reuse. */
    private final ArrayDeque<double[]> ready = new ArrayDeque<>();
    private final ArrayDeque<double[]> free = new ArrayDeque<>();
    private double[] current;
    private final double[] column;
    private long index = -1;
    private final Framer.FrameSink sink;

    private AudioFrames(String stream, StftSettings settings, double[] samples, PcmReader reader) {
        this.stream = stream;
        this.stft = new Stft(settings);
        this.framer = new Framer(settings);
        this.samples = samples;
        this.reader = reader;
        this.block = new double[settings.hop()];
        this.column = new double[settings.bins()];
        this.sink = (f, frame) -> {
            double[] packed = free.isEmpty() ? new double[settings.nFft()] : free.pop();
            stft.forward(frame, 0, packed);
            ready.add(packed);
        };
    }

    /** The frames of samples in memory. */
    static AudioFrames of(String stream, StftSettings settings, double[] samples) {
        return new AudioFrames(stream, settings, samples, null);
    }

    /** The frames of a PCM stream, read as they are needed. */
    static AudioFrames of(String stream, StftSettings settings, PcmReader reader) {
        return new AudioFrames(stream, settings, null, reader);
    }

    String stream() {
        return stream;
    }

    /** The number of frames, or −1 for a stream of unknown length. */
    long total() {
        return samples != null ? stft.settings().frames(samples.length) : -1;
    }

    /** The index of the frame {@link #next()} returned last. */
    long index() {
        return index;
    }

    /**
     * The next frame's spectrogram column (n_fft/2 + 1 values), or null after the last.
     * Valid until the next call.
     */
    double[] next() throws IOException {
        if (current != null) {
            free.push(current);
            current = null;
        }
        while (ready.isEmpty() && !ended) {
            int n;
            if (samples != null) {
                n = Math.min(block.length, samples.length - position);
                if (n > 0) {
                    framer.push(samples, position, n, sink);
                    position += n;
                }
            } else {
                n = reader.read(block, 0, block.length);
                if (n > 0) {
                    framer.push(block, 0, n, sink);
                }
            }
            if (n <= 0) {
                framer.finish(sink);
                ended = true;
            }
        }
        if (ready.isEmpty()) {
            return null;
        }
        current = ready.pop();
        index++;
        stft.spectrogram(current, column);
        return column;
    }

    /** The packed spectrum ({@link Stft}) of the frame {@link #next()} returned last; valid until the next call. */
    double[] packed() {
        return current;
    }

    /** The transform (its settings, window and FFT). */
    Stft stft() {
        return stft;
    }
}
