package dev.nmfstream.stream;

/**
 * The settings of this instance do not fit the state it found (a stored model of another rank or
 * dimension, a basis topic of another shape): a fault no retry can mend. The service stops at
 * once with this message instead of replacing its stream threads.
 */
public final class ConfigurationMismatchException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /**
     * @param message names the setting, the stored and the configured value, and what to do
     */
    public ConfigurationMismatchException(String message) {
        super(message);
    }
}
