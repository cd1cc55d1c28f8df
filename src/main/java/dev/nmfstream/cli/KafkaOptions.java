package dev.nmfstream.cli;

import dev.nmfstream.wire.Topics;
import picocli.CommandLine.Option;

/** The cluster and the topic of the commands that talk to a running service ({@code produce}, {@code consume}). */
public final class KafkaOptions {

    @Option(names = {"-b", "--bootstrap-servers"}, required = true, paramLabel = "HOST:PORT",
            description = "The Kafka cluster (host:port,…).")
    String bootstrapServers;

    @Option(names = {"-t", "--topic"}, paramLabel = "<topic>",
            description = "The topic (default: " + Topics.COLUMNS + " for produce; " + Topics.WEIGHTS + ", "
                    + Topics.FACTORS + " or " + Topics.DEAD_LETTERS + " for consume, by WHAT).")
    String topic;

    /** The bootstrap servers given with {@code -b}. */
    public String bootstrapServers() {
        return bootstrapServers;
    }

    /** The topic given with {@code -t}, or the command's own default. */
    public String topicOr(String fallback) {
        return topic != null ? topic : fallback;
    }
}
