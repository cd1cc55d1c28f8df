package dev.nmfstream.stream;

import dev.nmfstream.nmf.Forgetting;

/**
 * The staleness policy, one rule seen from both ends of the data path: a projector task may
 * project only so many items with one basis version before it waits for a newer one
 * ({@link #allowance}), and the updater discounts statistics made with an older basis by the
 * forgetting of every update since ({@link #weight}). Together they keep a backlog from being
 * learned from with a basis that no longer describes the model.
 */
public final class Staleness {

    /** Below this a weight counts as zero; the discount never goes under it. */
    static final double MIN_WEIGHT = 1e-12;

    private Staleness() {}

    /**
     * The default divisor of {@link #allowance}. Measured (4 December 2026, `bench-stream` backlogs,
     * final error ÷ batch NMF, divisor 2 → 8; BENCHMARKS.md): time-ordered music 1.09 → 1.03–1.04,
     * the same pieces shuffled 1.11–1.15 → 1.07–1.09, speech 1.049 → 1.040, planted 1.0011 →
     * 1.0008, for 25–43 % fewer records/s (planted 40 %). The default keeps the throughput;
     * {@code nmf.backlog.divisor} trades it for quality.
     */
    public static final int DEFAULT_DIVISOR = 2;

    /**
     * The items a task may project with basis version v before it waits for a newer one:
     * batch · max(1, v / (divisor · partitions)). Early versions change fast, so a task may use
     * each for one mini-batch; later ones are kept longer, in proportion to the version.
     *
     * @param version the basis version the task projects with
     * @param batch the mini-batch size
     * @param partitions the partitions of the input topic (the tasks that project in parallel)
     * @param divisor how much more slowly the allowance grows ({@link #DEFAULT_DIVISOR}), ≥ 1
     */
    public static long allowance(long version, int batch, int partitions, int divisor) {
        return (long) batch * Math.max(1, version / ((long) divisor * partitions));
    }

    /**
     * The weight of statistics computed with a basis {@code lag} versions old: they count as if
     * they had been absorbed when that basis was current, i.e. with the forgetting of every
     * update since (Π ρ_u over the {@code lag} most recent batches u = t, t − 1, …, with
     * t = batchesDone + 1; (t_then / t_now)^p for the schedule). 1 for the current basis (lag ≤ 0).
     * Projections made with a basis many updates old describe a model that no longer exists;
     * without this a backlog projected with the first basis weighs on the model for a hundred
     * thousand items.
     *
     * @param forgetting the model's forgetting
     * @param batchesDone the mini-batch updates the model has done
     * @param lag the current basis version minus the version the statistics were made with
     * @return a factor in [1e-12, 1] to decay the statistics with before merging them
     */
    public static double weight(Forgetting forgetting, long batchesDone, long lag) {
        long t = batchesDone + 1;
        double weight = 1.0;
        for (long u = t; u > t - lag && u >= 2 && weight > MIN_WEIGHT; u--) {
            weight *= forgetting.factor(u);
        }
        return Math.max(weight, MIN_WEIGHT);
    }
}
