package dev.nmfstream.nmf;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntConsumer;

/**
 * N lanes of work for one learner: lane 0 is the calling thread, lanes 1..N−1 are daemon threads.
 * {@link #run} gives every lane the same task with its number and waits for all.
 *
 * <p>The learner splits its work into units fixed by the data alone (groups of columns, components,
 * rows), never by N, and each unit is done by one lane exactly as one thread would do it: the
 * results are bitwise the same for any N.
 *
 * <p>A mini-batch hands the lanes work four times, a few hundred microseconds each; waking a parked
 * thread costs tens of microseconds on a virtual machine, so a lane spins for a while
 * ({@link #SPIN_NANOS}) for the next task before it parks.
 */
final class Lanes implements AutoCloseable {

    /** How long an idle lane waits for the next task before it parks. */
    static final long SPIN_NANOS = 200_000;

    private final int count;
    private final Thread[] threads;
    private volatile IntConsumer task;
    /** Bumped for every task; a lane runs each generation once. */
    private volatile long generation;
    private final AtomicInteger remaining = new AtomicInteger();
    private volatile RuntimeException failure;
    private volatile boolean closed;

    /** @throws IllegalArgumentException if {@code count} &lt; 1 */
    Lanes(int count) {
        if (count < 1) {
            throw new IllegalArgumentException("threads = " + count + ", expected at least 1");
        }
        this.count = count;
        this.threads = new Thread[count];
        for (int lane = 1; lane < count; lane++) {
            int l = lane;
            Thread t = new Thread(() -> work(l), "nmf-lane-" + lane);
            t.setDaemon(true);
            threads[lane] = t;
            t.start();
        }
    }

    /** The number of lanes N. */
    int count() {
        return count;
    }

    /**
     * Runs {@code task.accept(lane)} for every lane 0..N−1 (lane 0 on this thread) and returns when
     * all are done. An exception in any lane is rethrown here after all have ended.
     */
    void run(IntConsumer work) {
        if (count == 1) {
            work.accept(0);
            return;
        }
        if (closed) {
            throw new IllegalStateException("the learner's threads were closed");
        }
        failure = null;
        task = work;
        remaining.set(count - 1);
        generation++;
        for (int lane = 1; lane < count; lane++) {
            LockSupport.unpark(threads[lane]);
        }
        RuntimeException mine = null;
        try {
            work.accept(0);
        } catch (RuntimeException e) {
            mine = e;
        }
        while (remaining.get() > 0) {
            Thread.onSpinWait();
        }
        task = null;
        RuntimeException theirs = failure;
        if (mine != null) {
            throw mine;
        }
        if (theirs != null) {
            throw theirs;
        }
    }

    private void work(int lane) {
        long seen = 0;
        while (!closed) {
            long spinUntil = System.nanoTime() + SPIN_NANOS;
            while (generation == seen && !closed) {
                if (System.nanoTime() < spinUntil) {
                    Thread.onSpinWait();
                } else {
                    LockSupport.park(this);
                }
            }
            if (closed) {
                return;
            }
            seen = generation;
            try {
                task.accept(lane);
            } catch (RuntimeException e) {
                failure = e;
            } finally {
                remaining.decrementAndGet();
            }
        }
    }

    /** The first unit of lane {@code lane} when {@code units} are split into N contiguous ranges. */
    int from(int lane, int units) {
        return (int) ((long) units * lane / count);
    }

    @Override
    public void close() {
        closed = true;
        for (int lane = 1; lane < count; lane++) {
            LockSupport.unpark(threads[lane]);
        }
    }
}
