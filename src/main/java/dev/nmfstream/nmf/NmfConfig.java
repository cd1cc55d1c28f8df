package dev.nmfstream.nmf;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * The settings of an {@link OnlineNmf}. Validated on construction; every message names the
 * setting, the value and what is expected. Defaults ({@link #defaults(int)}) were chosen by
 * measurement: see BENCHMARKS.md.
 *
 * @param rank r, the number of components
 * @param batchSize items per mini-batch: W is updated once per batch (the library learner's first
 *     batches are smaller, {@link #batchSizeAt})
 * @param steps MU steps or HALS sweeps per update
 * @param forgetting how the statistics are forgotten, per mini-batch
 * @param rule the update rule
 * @param refineRounds after each update, re-project the batch with the new W and swap its
 *     contribution to A and B this many times (still one pass over the data; each round costs
 *     about one more projection of the batch and one more update)
 * @param initialization how the first basis is made when none is given
 * @param bootstrapSize columns collected before the first basis is made (≥ rank), or 0 for
 *     the default max(batchSize, 2·rank)
 * @param learning false for a fixed basis: columns are projected, W never changes
 * @param seed seeds every random choice: same seed and stream, bitwise the same W
 * @param influenceCap κ ≥ 1: an item whose norm exceeds κ times the stream's typical norm is
 *     learned from as if it were scaled by s = (L/‖v‖)², L = κ · that norm ({@link InfluenceCap}); the bootstrap
 *     sample's columns are capped the same way before the first basis is made from them
 * @param loss what the model minimises: {@link Loss#FROBENIUS} (the default) or {@link Loss#KL};
 *     with KL the update is the online KL rule (the rule and steps settings do not apply) and
 *     refinement rounds are not available
 */
public record NmfConfig(
        int rank,
        int batchSize,
        int steps,
        Forgetting forgetting,
        UpdateRule rule,
        int refineRounds,
        Initialization initialization,
        int bootstrapSize,
        boolean learning,
        long seed,
        double influenceCap,
        Loss loss) {

    /**
     * Default mini-batch size. Measured on spoken audio (m = 1025, r = 20, seeds 0–2): 128 gave a
     * median 1.010 × converged batch NMF's error, 256 gave 1.035 ×, 64 gave 1.03 ×. Re-measured
     * with the ramp (3 December 2026, seeds 0–5): 64 beat 128 on speech and digits only through
     * its smaller first sample ({@link #DEFAULT_BOOTSTRAP}); with that sample, 128 is as good and
     * learns faster (planted m = 500: 64 cost a third of the rate).
     */
    public static final int DEFAULT_BATCH = 128;
    /**
     * The columns the library learner's (and {@code fit}'s) first basis is made from by default:
     * min(batchSize, 64), at least 2·rank (the service's: {@link #streamBootstrapSize}).
     * Measured (3 December 2026, `fit --seed 0..5`, batch 128, median final error ÷ converged
     * batch NMF, a first sample of 128 → 64): speech 1.022 → 1.017, music 1.025 → 1.022, digits
     * (r = 10) 1.042 → 1.025, planted (m = 500) 1.0011 → 1.0012 (prequential 1.089 → 1.064);
     * 40 was worse on music (1.027) and planted (prequential 1.10), 32 and 20 on digits (1.034,
     * 1.036); paragraphs (r = 50, sparse batch 1024: 100 instead of 1024) 1.0016 → 1.0011. A
     * smaller sample gives the stream its first basis sooner: the ramp's small mini-batches then
     * start earlier, and the sample's over-fitted basis weighs less.
     */
    public static final int DEFAULT_BOOTSTRAP = 64;
    /**
     * Default mini-batch size for sparse items (documents) in the library learner and {@code fit};
     * the ramp ({@link #batchSizeAt}) reaches it after 32,768 items, so a corpus of up to 8,192
     * documents is learned exactly as with 1,024. Measured (3 December 2026, night, `fit` with seeds 0
     * and 1, one thread, fresh JVM; BENCHMARKS.md): 4,096 against 1,024 learned 1.3× faster on
     * paragraphs (r = 50) and 1.4× on man-page documents (r = 20), for a final error larger by
     * 0.00002–0.00005 (seed to seed it moves by 0.0015); on planted topics (m = 2,000, r = 10,
     * 40,000 documents, 8 seeds; and m = 12,000, r = 50) every seed recovered the same topics to
     * 0.001 with either. Earlier, 1,024 recovered every planted topic where 512 missed one for 1
     * seed of 8, and learned 2.7× faster than 128 at the same error. The service keeps
     * {@link #DEFAULT_STREAM_SPARSE_BATCH}.
     */
    public static final int DEFAULT_SPARSE_BATCH = 4096;
    /**
     * The service's mini-batch for sparse items: each projector task sends its statistics every
     * this many items, and the service has no ramp, so a larger one would make the first versions
     * of the basis wait for it (on planted topics 1,024 recovered every topic for 8 seeds of 8,
     * 512 missed one for 1 seed).
     */
    public static final int DEFAULT_STREAM_SPARSE_BATCH = 1024;
    /**
     * Default HALS sweeps per update: on spoken audio 2 sweeps gave 1.009, 1.009, 1.017 × batch
     * NMF (seeds 0–2) against 1.010, 1.010, 1.029 × for 3; the planted model was the same.
     */
    public static final int DEFAULT_STEPS = 2;
    /**
     * Default refinement rounds: 0. One round gave 1.019 × on audio (no better than none) at
     * twice the cost.
     */
    public static final int DEFAULT_REFINE = 0;
    /**
     * The first mini-batches are smaller than {@link #batchSize}: mini-batch t holds
     * {@link #batchSizeAt}(t) items, starting at min(batchSize, RAMP_START) and growing as the
     * items seen grow, so a short stream, or the start of a long one, gets more updates of W
     * while its basis is still poor (see {@link #RAMP_DIVISOR}). Measured at a batch size of 128
     * (re-measured 3 December 2026, `fit --seed 0..2`, one thread, the bench data sets; median
     * final and prequential error ÷ converged batch NMF, without → with the ramp): digits (r = 10)
     * 1.069 → 1.042 and 1.269 → 1.097; planted (m = 500) 1.0025 → 1.0011 and 1.434 → 1.089;
     * speech 1.017 → 1.019 and 1.035 → 1.032; music 1.022 → 1.029 and 1.051 → 1.051 (seed to
     * seed, music and speech vary by ±0.01). The weakest-component re-seeding of
     * {@link ModelState} left W bitwise the same on all four.
     */
    public static final int RAMP_START = 16;
    /** While ramping, mini-batch t holds (items seen before it) / RAMP_DIVISOR items. */
    public static final int RAMP_DIVISOR = 8;

    public NmfConfig {
        require(rank >= 1 && rank <= 10_000, "rank", rank, "an integer in [1, 10000]");
        require(batchSize >= 1, "batchSize", batchSize, "a positive integer");
        require(steps >= 1 && steps <= 10_000, "steps", steps, "an integer in [1, 10000]");
        require(refineRounds >= 0 && refineRounds <= 100, "refineRounds", refineRounds, "an integer in [0, 100]");
        require(bootstrapSize == 0 || bootstrapSize >= rank, "bootstrapSize", bootstrapSize,
                "0 (automatic) or at least the rank (" + rank + ")");
        if (!(influenceCap >= 1) || Double.isInfinite(influenceCap)) {
            throw new IllegalArgumentException("influenceCap = " + influenceCap + ", expected a finite number ≥ 1");
        }
        if (forgetting == null || rule == null || initialization == null || loss == null) {
            throw new IllegalArgumentException("forgetting, rule, initialization and loss must be given");
        }
        if (loss == Loss.KL && refineRounds != 0) {
            throw new IllegalArgumentException("refineRounds = " + refineRounds
                    + " with loss kl, expected 0 (refinement rounds exist for the Frobenius loss only)");
        }
    }

    /** The settings with the Frobenius loss. */
    public NmfConfig(int rank, int batchSize, int steps, Forgetting forgetting, UpdateRule rule, int refineRounds,
            Initialization initialization, int bootstrapSize, boolean learning, long seed, double influenceCap) {
        this(rank, batchSize, steps, forgetting, rule, refineRounds, initialization, bootstrapSize, learning, seed,
                influenceCap, Loss.FROBENIUS);
    }

    /** The settings with the default influence cap ({@link InfluenceCap#DEFAULT_FACTOR}). */
    public NmfConfig(int rank, int batchSize, int steps, Forgetting forgetting, UpdateRule rule, int refineRounds,
            Initialization initialization, int bootstrapSize, boolean learning, long seed) {
        this(rank, batchSize, steps, forgetting, rule, refineRounds, initialization, bootstrapSize, learning, seed,
                InfluenceCap.DEFAULT_FACTOR);
    }

    private static void require(boolean ok, String key, long value, String expected) {
        if (!ok) {
            throw new IllegalArgumentException(key + " = " + value + ", expected " + expected);
        }
    }

    /** The measured defaults for rank r. */
    public static NmfConfig defaults(int rank) {
        return new NmfConfig(rank, DEFAULT_BATCH, DEFAULT_STEPS, Forgetting.DEFAULT, UpdateRule.HALS, DEFAULT_REFINE,
                Initialization.NNDSVDA, 0, true, 0L, InfluenceCap.DEFAULT_FACTOR, Loss.FROBENIUS);
    }

    /**
     * One setting that differs between two configurations.
     *
     * @param setting the component's name ({@code steps}, {@code rule}, …)
     * @param from its value in the first configuration
     * @param to its value in the second
     */
    public record Change(String setting, String from, String to) {}

    /** The settings whose values differ in {@code other}, in the order of the components. */
    public List<Change> changesTo(NmfConfig other) {
        List<Change> changes = new ArrayList<>();
        change(changes, "rank", rank, other.rank);
        change(changes, "batchSize", batchSize, other.batchSize);
        change(changes, "steps", steps, other.steps);
        change(changes, "forgetting", forgetting, other.forgetting);
        change(changes, "rule", rule, other.rule);
        change(changes, "refineRounds", refineRounds, other.refineRounds);
        change(changes, "initialization", initialization, other.initialization);
        change(changes, "bootstrapSize", bootstrapSize, other.bootstrapSize);
        change(changes, "learning", learning, other.learning);
        change(changes, "seed", seed, other.seed);
        change(changes, "influenceCap", influenceCap, other.influenceCap);
        change(changes, "loss", loss, other.loss);
        return changes;
    }

    private static void change(List<Change> changes, String setting, Object from, Object to) {
        if (!from.equals(to)) {
            changes.add(new Change(setting, String.valueOf(from), String.valueOf(to)));
        }
    }

    /** The number of columns the first basis is made from. */
    public int effectiveBootstrapSize() {
        return bootstrapSize > 0 ? bootstrapSize : Math.max(Math.min(batchSize, DEFAULT_BOOTSTRAP), 2 * rank);
    }

    /**
     * The number of columns the service's first basis is made from: {@link #bootstrapSize} if
     * set, else max(batchSize, 2·rank). The service has no mini-batch ramp (its projectors run
     * ahead with the first basis versions), so the smaller sample of {@link #DEFAULT_BOOTSTRAP}
     * does not carry over: on paragraphs (r = 50, sparse JSON, `bench-stream`) a sample of 100
     * instead of 1,024 ended at 0.9421 against 0.9299.
     */
    public int streamBootstrapSize() {
        return bootstrapSize > 0 ? bootstrapSize : Math.max(batchSize, 2 * rank);
    }

    /**
     * The size of the next mini-batch after {@code itemsSeen} items: clamp(itemsSeen /
     * {@link #RAMP_DIVISOR}, min(batchSize, {@link #RAMP_START}), batchSize). At the default 128
     * the ramp ends after 1,024 items, so it adds a few dozen updates of W to a long stream.
     */
    public int batchSizeAt(long itemsSeen) {
        long ramp = itemsSeen / RAMP_DIVISOR;
        return (int) Math.max(Math.min(batchSize, RAMP_START), Math.min(batchSize, ramp));
    }

    /** The mini-batch updates of W that one pass over {@code items} items makes (the last one partial). */
    public long batchesFor(long items) {
        long seen = 0;
        long batches = 0;
        while (seen < items) {
            seen += batchSizeAt(seen);
            batches++;
        }
        return batches;
    }

    public NmfConfig withBatchSize(int b) {
        return with(d -> d.batchSize = b);
    }

    public NmfConfig withSteps(int s) {
        return with(d -> d.steps = s);
    }

    public NmfConfig withForgetting(Forgetting f) {
        return with(d -> d.forgetting = f);
    }

    public NmfConfig withRule(UpdateRule u) {
        return with(d -> d.rule = u);
    }

    public NmfConfig withRefineRounds(int n) {
        return with(d -> d.refineRounds = n);
    }

    public NmfConfig withInitialization(Initialization i) {
        return with(d -> d.initialization = i);
    }

    public NmfConfig withBootstrapSize(int n) {
        return with(d -> d.bootstrapSize = n);
    }

    public NmfConfig withLearning(boolean on) {
        return with(d -> d.learning = on);
    }

    public NmfConfig withSeed(long s) {
        return with(d -> d.seed = s);
    }

    public NmfConfig withInfluenceCap(double kappa) {
        return with(d -> d.influenceCap = kappa);
    }

    public NmfConfig withLoss(Loss l) {
        return with(d -> d.loss = l);
    }

    /** This config with one change, validated again. */
    private NmfConfig with(Consumer<Draft> change) {
        Draft d = new Draft(this);
        change.accept(d);
        return new NmfConfig(d.rank, d.batchSize, d.steps, d.forgetting, d.rule, d.refineRounds, d.initialization,
                d.bootstrapSize, d.learning, d.seed, d.influenceCap, d.loss);
    }

    /** The settings of a config while a wither changes one of them. */
    private static final class Draft {
        final int rank;
        int batchSize;
        int steps;
        Forgetting forgetting;
        UpdateRule rule;
        int refineRounds;
        Initialization initialization;
        int bootstrapSize;
        boolean learning;
        long seed;
        double influenceCap;
        Loss loss;

        Draft(NmfConfig c) {
            rank = c.rank;
            batchSize = c.batchSize;
            steps = c.steps;
            forgetting = c.forgetting;
            rule = c.rule;
            refineRounds = c.refineRounds;
            initialization = c.initialization;
            bootstrapSize = c.bootstrapSize;
            learning = c.learning;
            seed = c.seed;
            influenceCap = c.influenceCap;
            loss = c.loss;
        }
    }
}
