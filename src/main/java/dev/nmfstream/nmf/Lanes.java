package dev.nmfstream.nmf;

import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;

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
 * <p>A mini-batch hands out work three times, a few hundred microseconds each; waking a parked
 * thread costs tens of microseconds on a virtual machine, so an idle lane spins for a while
 * ({@link #SPIN_NANOS}) before it parks.
 */
final class Lanes implements AutoCloseable {

    /** How long an idle lane waits for the next work before it parks. */
    static final long SPIN_NANOS = 100_000;

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
    private final AtomicLong others = new AtomicLong();
    private volatile RuntimeException failure;
    private volatile boolean closed;
    /** Whether lane 0 still works alone ({@link #settle}). */
    private boolean solo;
    /** The clocks {@link #settle} reads: wall time (ns) and the JIT compiler threads' time (ms). */
    private final LongSupplier wallNanos;
    private final LongSupplier compilingMillis;
    /** The current window's start, the compilation time seen then, and the quiet windows in a row before it. */
    private long windowStart;
    private long compiled;
    private int quiet;

    /**
     * The JIT compiler counts as quiet once its threads compiled for at most {@link #QUIET_SHARE} of
     * the wall time in each of {@link #QUIET_WINDOWS} windows of {@link #QUIET_WINDOW_NANOS} in a row.
     */
    static final long QUIET_WINDOW_NANOS = 50_000_000;
    static final double QUIET_SHARE = 0.1;
    static final int QUIET_WINDOWS = 2;

    /** Lanes that wait for the JIT compiler to go quiet ({@link #settle}). */
    Lanes(int count) {
        this(count, true);
    }

    /**
     * @param waitForJit whether the other lanes join only once the JIT compiler is quiet (else at once)
     * @throws IllegalArgumentException if {@code count} &lt; 1
     */
    Lanes(int count, boolean waitForJit) {
        this(count, waitForJit, System::nanoTime, Lanes::compilationMillis);
    }

    /** {@link #Lanes(int, boolean)} with the clocks {@link #settle} reads (tests give their own). */
    Lanes(int count, boolean waitForJit, LongSupplier wallNanos, LongSupplier compilingMillis) {
        if (count < 1) {
            throw new IllegalArgumentException("threads = " + count + ", expected at least 1");
        }
        this.count = count;
        this.solo = count > 1 && waitForJit;
        this.wallNanos = wallNanos;
        this.compilingMillis = compilingMillis;
        if (solo) {
            windowStart = wallNanos.getAsLong();
            compiled = compilingMillis.getAsLong();
        }
        this.threads = new Thread[count];
        for (int lane = 1; lane < count; lane++) {
            int l = lane;
            Thread t = new Thread(() -> work(l), "nmf-lane-" + lane);
            t.setDaemon(true);
            threads[lane] = t;
            t.start();
        }
    }

    /**
     * Called once per mini-batch by the learner: the other lanes join only once the JIT compiler
     * has gone quiet (its threads compiled for at most {@link #QUIET_SHARE} of the wall time in
     * {@link #QUIET_WINDOWS} windows of {@link #QUIET_WINDOW_NANOS} in a row). Until then they need
     * the other cores: on a fresh JVM they compile for most of a one-second pass over audio frames,
     * and lanes competing with them made two threads slower than one. (Counting quiet mini-batches
     * instead, as before, let the lanes join in the first fifth of such a pass: the ramp's first
     * mini-batches take a millisecond, less than one large compilation.) Which lane does a unit
     * never changes a result, so this changes only speed.
     */
    void settle() {
        if (!solo) {
            return;
        }
        long t = wallNanos.getAsLong();
        if (t - windowStart < QUIET_WINDOW_NANOS) {
            return;
        }
        long now = compilingMillis.getAsLong();
        quiet = (now - compiled) * 1e6 <= QUIET_SHARE * (t - windowStart) ? quiet + 1 : 0;
        windowStart = t;
        compiled = now;
        if (quiet >= QUIET_WINDOWS) {
            solo = false;
        }
    }

    private static long compilationMillis() {
        CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
        return jit != null && jit.isCompilationTimeMonitoringSupported() ? jit.getTotalCompilationTime() : 0;
    }

    /** The number of lanes N. */
    int count() {
        return count;
    }

    /**
     * Whether {@link #run} runs every unit on the calling thread: one lane, or the others not joined
     * yet ({@link #settle}). The learner then takes its one-thread paths (the mini-batch's
     * projections and sums, the W update, the new basis), not units run one after another: those
     * were slower on one thread, and with N &gt; 1 they were what a fresh JVM ran, slower than one
     * thread, until the other lanes joined.
     */
    boolean alone() {
        return count == 1 || solo;
    }

    /**
     * Runs units 0..units−1 of {@code task} on all lanes and returns when every unit is done. An
     * exception in any unit is rethrown here (unchecked) after all have ended.
     */
    void run(int units, Unit task) {
        if (alone() || units <= 1) {
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

    private void take(Job j, int lane) {
        int done = 0;
        for (int u = j.next.getAndIncrement(); u < j.units; u = j.next.getAndIncrement()) {
            j.task.run(lane, u);
            done++;
        }
        if (lane > 0 && done > 0) {
            others.addAndGet(done);
        }
    }

    /** Units done so far by lanes other than the calling thread's (for tests). */
    long unitsByOtherLanes() {
        return others.get();
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
