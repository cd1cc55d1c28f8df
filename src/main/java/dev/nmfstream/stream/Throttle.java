package dev.nmfstream.stream;

/**
 * The backlog throttle of one projector task: with basis version v the task projects at most
 * {@link Staleness#allowance} items and then holds the next ones until a newer version arrives,
 * or for at most {@value #MAX_WAIT_MS} ms; after that wait it projects freely with the version it
 * has (the updater may be moving after a crash, or its input held by a dead instance's open
 * transaction) until the next version arrives.
 *
 * <p>The allowance is checked when the task has sent its statistics, so that everything it
 * projected has reached the updater before it waits for the updater's answer. Plain state,
 * nothing stored: after a restart the task starts with a fresh allowance.
 */
final class Throttle {

    /** The longest a task holds items waiting for a newer basis. */
    static final long MAX_WAIT_MS = 1000;

    private final int batch;
    private final int inputPartitions;
    private final int divisor;
    /** The basis version the allowance belongs to, or -1 before the first one. */
    private long version = -1;
    private long allowance;
    private long projected;
    private boolean holding;
    private long holdingSince;
    private boolean freeRunning;

    /**
     * @param batch items per mini-batch
     * @param inputPartitions the input topic's partition count
     * @param divisor the allowance's divisor ({@link Staleness#allowance}), ≥ 1
     */
    Throttle(int batch, int inputPartitions, int divisor) {
        if (inputPartitions < 1) {
            throw new IllegalArgumentException("input partitions = " + inputPartitions + ", expected at least 1");
        }
        if (divisor < 1) {
            throw new IllegalArgumentException("divisor = " + divisor + ", expected at least 1");
        }
        this.batch = batch;
        this.inputPartitions = inputPartitions;
        this.divisor = divisor;
    }

    /** A newer basis version: a fresh allowance, and held items may go. */
    void newBasis(long basisVersion) {
        version = basisVersion;
        allowance = Staleness.allowance(basisVersion, batch, inputPartitions, divisor);
        projected = 0;
        holding = false;
        freeRunning = false;
    }

    /** One item projected with the current version (and its statistics gathered). */
    void projected() {
        projected++;
    }

    /** The statistics so far are sent: from now on hold items if the allowance is used up. */
    void statisticsSent(long now) {
        if (!holding && !freeRunning && version >= 0 && projected >= allowance) {
            holding = true;
            holdingSince = now;
        }
    }

    /**
     * Stops holding if the task has waited {@value #MAX_WAIT_MS} ms without a newer version.
     *
     * @return true if it stopped holding now
     */
    boolean releaseAfterWait(long now) {
        if (holding && now - holdingSince >= MAX_WAIT_MS) {
            holding = false;
            freeRunning = true;
            return true;
        }
        return false;
    }

    /** Whether new items must wait for a newer basis. */
    boolean holding() {
        return holding;
    }

    /** Items projected with the current version. */
    long projectedWithVersion() {
        return projected;
    }

    /** The items the current version may project. */
    long allowance() {
        return allowance;
    }
}
