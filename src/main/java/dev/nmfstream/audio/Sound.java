package dev.nmfstream.audio;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.sound.sampled.AudioFormat;
import javax.sound.sampled.AudioInputStream;
import javax.sound.sampled.AudioSystem;
import javax.sound.sampled.UnsupportedAudioFileException;

/**
 * A mono signal and its sample rate: a sound file read whole, its channels mixed down.
 *
 * @param samples the signal, in [−1, 1] for integer PCM; not copied
 * @param sampleRate samples per second
 */
public record Sound(double[] samples, float sampleRate) {

    /** Seconds of sound. */
    public double seconds() {
        return samples.length / (double) sampleRate;
    }

    /**
     * Reads a WAV file (or AIFF or AU: what {@code javax.sound.sampled} reads) of PCM samples of
     * 8, 16, 24 or 32 bits or of 32 or 64-bit floats, any number of channels (mixed down to their
     * mean) and any sample rate.
     *
     * @throws AudioFileException if the file is not a sound file of such samples, or is shorter
     *     than its header says
     */
    public static Sound read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new AudioFileException(file + ": no such file");
        }
        try (InputStream raw = new BufferedInputStream(Files.newInputStream(file));
                AudioInputStream in = open(file, raw)) {
            PcmFormat format = formatOf(file, in.getFormat());
            long declared = in.getFrameLength();
            if (declared == AudioSystem.NOT_SPECIFIED) {
                throw new AudioFileException(file + ": the header gives no length, expected a complete sound file");
            }
            if (declared > Integer.MAX_VALUE - 8) {
                throw new AudioFileException(file + ": " + declared + " frames, expected at most " + (Integer.MAX_VALUE - 8));
            }
            int frames = (int) declared;
            double[] samples = new double[frames];
            PcmReader reader = new PcmReader(in, format, 4096);
            int done = 0;
            while (done < frames) {
                int n = reader.read(samples, done, frames - done);
                if (n < 0) {
                    throw new AudioFileException(file + ": truncated: the header declares " + frames
                            + " sample frames, the file holds " + done);
                }
                done += n;
            }
            return new Sound(samples, format.sampleRate());
        }
    }

    private static AudioInputStream open(Path file, InputStream raw) throws IOException {
        try {
            return AudioSystem.getAudioInputStream(raw);
        } catch (UnsupportedAudioFileException e) {
            throw new AudioFileException(file + ": not a sound file we read, expected WAV (PCM 8/16/24/32-bit "
                    + "or float), AIFF or AU", e);
        } catch (EOFException e) {
            throw new AudioFileException(file + ": truncated: the file ends inside its header", e);
        }
    }

    /** The PCM layout of a {@code javax.sound} format, or a clear error for one we do not decode. */
    static PcmFormat formatOf(Path file, AudioFormat f) throws AudioFileException {
        PcmFormat.Encoding encoding;
        if (AudioFormat.Encoding.PCM_SIGNED.equals(f.getEncoding())) {
            encoding = PcmFormat.Encoding.SIGNED;
        } else if (AudioFormat.Encoding.PCM_UNSIGNED.equals(f.getEncoding())) {
            encoding = PcmFormat.Encoding.UNSIGNED;
        } else if (AudioFormat.Encoding.PCM_FLOAT.equals(f.getEncoding())) {
            encoding = PcmFormat.Encoding.FLOAT;
        } else {
            throw new AudioFileException(file + ": samples encoded as " + f.getEncoding()
                    + ", expected PCM (signed, unsigned or float)");
        }
        try {
            return new PcmFormat(f.getSampleRate(), f.getSampleSizeInBits(), f.getChannels(), encoding,
                    f.isBigEndian());
        } catch (IllegalArgumentException e) {
            throw new AudioFileException(file + ": " + e.getMessage(), e);
        }
    }
}
