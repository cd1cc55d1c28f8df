package dev.nmfstream.nmf;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * N lanes of work for one learner: lane 0 is the calling thread, lanes 1..N−1 are daemon threads.
 * {@link #run} hands out numbered units of work; each lane takes the next unit not yet taken until
 * none is left, so a lane that the operating system (or the JIT compiler, on a fresh JVM) keeps
 * from running does not hold the others up: the calling thread does its share instead.
 *
 * <p>The learner splits its work into units fixed by the data alone (blocks of columns,
 * components, blocks of rows), never by N, and each unit is done by one lane exactly as one thread
 * would do it, with that lane's own scratch: the results are bitwise the same for any N and any
 * assignment of units to lanes.
 *
 * <p>A mini-batch hands out work four times, a few hundred microseconds each; waking a parked
 * thread costs tens of microseconds on a virtual machine, so an idle lane spins for a while
 * ({@link #SPIN_NANOS}) before it parks.
 */
final class Lanes implements AutoCloseable {

    /** How long an idle lane waits for the next work before it parks. */
    static final long SPIN_NANOS = 20_000;

    /** A unit of work: {@code unit} done on lane {@code lane} (which names the scratch to use). */
    @FunctionalInterface
    interface Unit {
        void run(int lane, int unit);
    }

    /** One call of {@link #run}: its task, its number of units and the next unit to take. */
    private record Job(Unit task, int units, AtomicInteger next) {}

    private final int count;
    private final Thread[] threads;
    private volatile Job job;
    /** Lanes 1..N−1 inside a job. */
    private final AtomicInteger busy = new AtomicInteger();
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
     * Runs units 0..units−1 of {@code task} on all lanes and returns when every unit is done. An
     * exception in any unit is rethrown here (unchecked) after all have ended.
     */
    void run(int units, Unit task) {
        if (count == 1 || units <= 1) {
            for (int u = 0; u < units; u++) {
                task.run(0, u);
            }
            return;
        }
        if (closed) {
            throw new IllegalStateException("the learner's threads were closed");
        }
        failure = null;
        Job current = new Job(task, units, new AtomicInteger());
        job = current;
        for (int lane = 1; lane < count; lane++) {
            LockSupport.unpark(threads[lane]);
        }
        RuntimeException mine = null;
        try {
            take(current, 0);
        } catch (RuntimeException e) {
            mine = e;
            current.next.set(units);
        }
        // every unit is taken; wait for the lanes still doing theirs
        while (busy.get() > 0) {
            Thread.onSpinWait();
        }
        RuntimeException theirs = failure;
        if (mine != null) {
            throw mine;
        }
        if (theirs != null) {
            throw theirs;
        }
    }

    private static void take(Job j, int lane) {
        for (int u = j.next.getAndIncrement(); u < j.units; u = j.next.getAndIncrement()) {
            j.task.run(lane, u);
        }
    }

    private void work(int lane) {
        Job done = null;
        while (!closed) {
            long spinUntil = System.nanoTime() + SPIN_NANOS;
            while (job == done && !closed) {
                if (System.nanoTime() < spinUntil) {
                    Thread.onSpinWait();
                } else {
                    LockSupport.park(this);
                }
            }
            if (closed) {
                return;
            }
            busy.incrementAndGet();
            Job j = job;
            try {
                take(j, lane);
            } catch (RuntimeException e) {
                failure = e;
                j.next.set(j.units);
            } finally {
                busy.decrementAndGet();
            }
            done = j;
        }
    }

    @Override
    public void close() {
        closed = true;
        for (int lane = 1; lane < count; lane++) {
            LockSupport.unpark(threads[lane]);
        }
    }
}
