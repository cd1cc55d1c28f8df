package dev.nmfstream.nmf;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.IntConsumer;

/**
 * N lanes of work for one learner: lane 0 is the calling thread, lanes 1..N−1 are daemon threads
 * of a fixed pool. {@link #run} gives every lane the same task with its number and waits for all.
 *
 * <p>The learner splits its work into units fixed by the data alone (groups of four columns,
 * components, blocks of rows), never by N, and each unit is done by one lane exactly as one
 * thread would do it: the results are bitwise the same for any N.
 */
final class Lanes implements AutoCloseable {

    private final int count;
    private final ExecutorService pool;
    private final List<Future<?>> futures = new ArrayList<>();

    /** @throws IllegalArgumentException if {@code count} &lt; 1 */
    Lanes(int count) {
        if (count < 1) {
            throw new IllegalArgumentException("threads = " + count + ", expected at least 1");
        }
        this.count = count;
        this.pool = count == 1 ? null : Executors.newFixedThreadPool(count - 1, task -> {
            Thread t = new Thread(task, "nmf-lane");
            t.setDaemon(true);
            return t;
        });
    }

    /** The number of lanes N. */
    int count() {
        return count;
    }

    /**
     * Runs {@code task.accept(lane)} for every lane 0..N−1 (lane 0 on this thread) and returns when
     * all are done. An exception in any lane is rethrown here (unchecked) after all have ended.
     */
    void run(IntConsumer task) {
        if (pool == null) {
            task.accept(0);
            return;
        }
        futures.clear();
        for (int lane = 1; lane < count; lane++) {
            int l = lane;
            futures.add(pool.submit(() -> task.accept(l)));
        }
        RuntimeException failure = null;
        try {
            task.accept(0);
        } catch (RuntimeException e) {
            failure = e;
        }
        for (Future<?> f : futures) {
            try {
                f.get();
            } catch (ExecutionException e) {
                if (failure == null) {
                    failure = e.getCause() instanceof RuntimeException re ? re : new IllegalStateException(e.getCause());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                if (failure == null) {
                    failure = new IllegalStateException("interrupted while the learner's lanes ran", e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    /** The first unit of lane {@code lane} when {@code units} are split into N contiguous ranges. */
    int from(int lane, int units) {
        return (int) ((long) units * lane / count);
    }

    @Override
    public void close() {
        if (pool != null) {
            pool.shutdownNow();
        }
    }
}
