package dev.nmfstream.stream;

/** How far a projector may run ahead of the updater in a backlog. */
final class Staleness {

    private Staleness() {}

    /**
     * The items a task may project with basis version v before it waits for a newer one:
     * {@code batch · max(1, v / (2 · partitions))}.
     *
     * @param partitions the input topic's partition count (the number of projector tasks)
     */
    static long allowance(long version, int batch, int partitions) {
        return (long) batch * Math.max(1, version / (2L * partitions));
    }
}
