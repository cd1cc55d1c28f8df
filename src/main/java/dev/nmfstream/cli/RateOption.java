package dev.nmfstream.cli;

import dev.nmfstream.kafka.RatePacer;
import picocli.CommandLine.Option;

/** {@code --rate}: how fast a command sends records, for the commands that feed the input topic. */
public final class RateOption {

    @Option(names = "--rate", defaultValue = "0", paramLabel = "<rate>",
            description = "Records per second to send (0: as fast as possible). Default: ${DEFAULT-VALUE}.")
    int perSecond;

    /** Records per second; 0 (or less): as fast as possible. */
    public int perSecond() {
        return perSecond;
    }

    /** A pacer at this rate whose schedule starts now. */
    public RatePacer pacer() {
        return new RatePacer(perSecond);
    }
}
