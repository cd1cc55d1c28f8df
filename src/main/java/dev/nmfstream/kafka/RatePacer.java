package dev.nmfstream.kafka;

import java.util.concurrent.locks.LockSupport;
import java.util.function.LongConsumer;
import java.util.function.LongSupplier;

/**
 * Paces a producer at a rate: item {@code j} (counted from 0) is due {@code j / rate} seconds
 * after the pacer was made. The schedule is absolute, so an item sent late does not push back the
 * ones after it: they go at once until the schedule is caught up, and the mean rate stays the one
 * asked for. A rate of 0 or less means as fast as possible (every item is due at once).
 *
 * <p>The commands that feed the service ({@code produce}, {@code demo}, the benchmarks) and the
 * tests that stream into it all pace through this one class. It allocates nothing per item.
 */
public final class RatePacer {

    private final double perSecond;
    private final LongSupplier clock;
    private final LongConsumer park;
    private final long start;

    /** A pacer on {@link System#nanoTime} that parks the thread while it waits; the schedule starts now. */
    public RatePacer(double perSecond) {
        this(perSecond, System::nanoTime, LockSupport::parkNanos);
    }

    /**
     * A pacer on a given clock; the schedule starts at the clock's present reading.
     *
     * @param clock nanoseconds, monotonic
     * @param park waits about the given number of nanoseconds (may return early)
     * @throws IllegalArgumentException if the rate is NaN
     */
    RatePacer(double perSecond, LongSupplier clock, LongConsumer park) {
        if (Double.isNaN(perSecond)) {
            throw new IllegalArgumentException("rate is NaN records/s; expected a number, 0 or less for as fast "
                    + "as possible");
        }
        this.perSecond = perSecond;
        this.clock = clock;
        this.park = park;
        this.start = clock.getAsLong();
    }

    /** The clock reading at which item {@code index} is due: start + index · 10⁹ / rate ns. */
    public long due(long index) {
        return perSecond > 0 ? start + (long) (index * 1e9 / perSecond) : start;
    }

    /** Nanoseconds until item {@code index} is due; 0 when it is due already. */
    public long waitNanos(long index) {
        return perSecond > 0 ? Math.max(0, due(index) - clock.getAsLong()) : 0;
    }

    /** Whether item {@code index} is due (for a caller that has other work to do while it waits). */
    public boolean isDue(long index) {
        return waitNanos(index) == 0;
    }

    /**
     * Waits until item {@code index} is due. Returns early, with the thread's interrupt flag
     * kept, when the thread is interrupted.
     */
    public void await(long index) {
        for (long wait = waitNanos(index); wait > 0 && !Thread.currentThread().isInterrupted();
                wait = waitNanos(index)) {
            park.accept(wait);
        }
    }
}
