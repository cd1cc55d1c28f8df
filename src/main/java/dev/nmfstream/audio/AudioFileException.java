package dev.nmfstream.audio;

import java.io.IOException;

/** A sound file that cannot be read: not audio, an encoding we do not decode, or cut short. */
public final class AudioFileException extends IOException {

    private static final long serialVersionUID = 1L;

    /** An error whose message names the file and what was expected. */
    public AudioFileException(String message) {
        super(message);
    }

    /** An error with its cause. */
    public AudioFileException(String message, Throwable cause) {
        super(message, cause);
    }
}
