package dev.nmfstream.cli;

import java.time.Duration;
import picocli.CommandLine.Option;

/**
 * {@code --timeout}: how long the commands that talk to a running service ({@code produce},
 * {@code consume}) wait for the cluster to answer before they stop with an error naming its
 * address (the service's own setting is {@code nmf.connect.timeout.ms}).
 */
public final class ConnectTimeoutOption {

    @Option(names = "--timeout", defaultValue = "15", paramLabel = "SECONDS",
            description = "How long to wait for the Kafka cluster to answer (and, for produce, for a topic's metadata) "
                    + "before stopping with an error. Default: ${DEFAULT-VALUE}.")
    double seconds;

    /**
     * The timeout.
     *
     * @throws IllegalArgumentException if it is not a positive number of seconds
     */
    public Duration timeout() {
        if (!(seconds > 0) || seconds > 86_400) {
            throw new IllegalArgumentException("--timeout " + seconds + ", expected seconds in (0, 86400]");
        }
        return Duration.ofMillis(Math.max(1, Math.round(seconds * 1000)));
    }
}
