package dev.nmfstream.cli;

import dev.nmfstream.nmf.Forgetting;
import dev.nmfstream.nmf.InfluenceCap;
import dev.nmfstream.nmf.Initialization;
import dev.nmfstream.nmf.Loss;
import dev.nmfstream.nmf.NmfConfig;
import dev.nmfstream.nmf.UpdateRule;
import dev.nmfstream.stream.NmfStreamConfig;
import picocli.CommandLine.Option;

/** The engine's settings as command-line options, shared by the commands that learn. */
final class EngineOptions {

    /** The most refinement rounds {@link NmfConfig} accepts. */
    private static final int MAX_REFINE = 100;

    @Option(names = "--rank", required = true, description = "Number of components r.")
    int rank;

    @Option(names = "--batch",
            description = "Columns per mini-batch (W is updated once per batch). Default: " + NmfConfig.DEFAULT_BATCH
                    + ", or " + NmfConfig.DEFAULT_SPARSE_BATCH + " for sparse input (a scipy .npz).")
    Integer batch;

    @Option(names = "--steps", defaultValue = "" + NmfConfig.DEFAULT_STEPS,
            description = "HALS sweeps or MU steps per update. Default: ${DEFAULT-VALUE}.")
    int steps;

    @Option(names = "--forget", defaultValue = "auto",
            description = "Forgetting per mini-batch: 'auto' (Mairal's (1-1/t)^1.5), 'schedule:P', "
                    + "or a fixed factor in (0, 1]. Default: ${DEFAULT-VALUE}.")
    String forget;

    @Option(names = "--rule", defaultValue = "HALS",
            description = "Update rule: ${COMPLETION-CANDIDATES}. Default: ${DEFAULT-VALUE}.")
    UpdateRule rule;

    @Option(names = "--refine", defaultValue = "" + NmfConfig.DEFAULT_REFINE,
            description = "Refinement rounds per mini-batch (re-project the batch with the new W). "
                    + "Default: ${DEFAULT-VALUE}.")
    int refine;

    @Option(names = "--init", defaultValue = "NNDSVDA",
            description = "First basis from the bootstrap sample: ${COMPLETION-CANDIDATES}. Default: ${DEFAULT-VALUE}.")
    Initialization init;

    @Option(names = "--bootstrap", defaultValue = "0",
            description = "Columns the first basis is made from (0: max(min(batch, " + NmfConfig.DEFAULT_BOOTSTRAP
                    + "), 2·rank)). Default: ${DEFAULT-VALUE}.")
    int bootstrap;

    @Option(names = "--influence-cap", defaultValue = "" + InfluenceCap.DEFAULT_FACTOR, paramLabel = "K",
            description = "An item whose norm exceeds K times the stream's typical norm (the median of the last 63) "
                    + "counts the less the larger it is: as an item of norm L²/‖v‖, L = K times that norm. Default: ${DEFAULT-VALUE}.")
    double influenceCap;

    @Option(names = "--loss", defaultValue = "frobenius", paramLabel = "LOSS",
            description = "What the model minimises: 'frobenius' (least squares) or 'kl' (generalised "
                    + "Kullback-Leibler divergence, for counts and magnitude spectra; --rule, --steps and --refine "
                    + "do not apply). Default: ${DEFAULT-VALUE}.")
    String loss;

    @Option(names = "--seed", defaultValue = "0", description = "Seed of every random choice. Default: ${DEFAULT-VALUE}.")
    long seed;

    /**
     * The validated engine configuration; a bad value fails with a message naming the option.
     * Options that stand for an {@code nmf.*} key are checked with that key's definition.
     */
    NmfConfig config() {
        return config(false);
    }

    /**
     * The validated engine configuration for dense or sparse input: without {@code --batch} the
     * mini-batch is {@link NmfConfig#DEFAULT_BATCH}, or {@link NmfConfig#DEFAULT_SPARSE_BATCH}
     * for sparse input (the sparse defaults).
     */
    NmfConfig config(boolean sparse) {
        int batch = this.batch != null ? this.batch
                : sparse ? NmfConfig.DEFAULT_SPARSE_BATCH : NmfConfig.DEFAULT_BATCH;
        NmfStreamConfig.check(NmfStreamConfig.RANK, "--rank", rank);
        NmfStreamConfig.check(NmfStreamConfig.BATCH_SIZE, "--batch", batch);
        NmfStreamConfig.check(NmfStreamConfig.STEPS, "--steps", steps);
        NmfStreamConfig.check(NmfStreamConfig.FORGETTING, "--forget", forget);
        NmfStreamConfig.check(NmfStreamConfig.BOOTSTRAP_SIZE, "--bootstrap", bootstrap);
        NmfStreamConfig.check(NmfStreamConfig.INFLUENCE_CAP, "--influence-cap", influenceCap);
        if (bootstrap != 0 && bootstrap < rank) {
            throw new IllegalArgumentException("--bootstrap = " + bootstrap
                    + ", expected 0 (automatic) or at least the rank (--rank = " + rank + ")");
        }
        if (refine < 0 || refine > MAX_REFINE) {
            throw new IllegalArgumentException("--refine = " + refine + ", expected an integer in [0, " + MAX_REFINE + "]");
        }
        NmfStreamConfig.check(NmfStreamConfig.LOSS, "--loss", loss);
        Loss parsed = Loss.parse(loss);
        if (parsed == Loss.KL && refine != 0) {
            throw new IllegalArgumentException("--refine = " + refine + " with --loss kl, expected 0 (refinement "
                    + "rounds exist for the Frobenius loss only)");
        }
        return new NmfConfig(rank, batch, steps, Forgetting.parse(forget), rule, refine, init, bootstrap, true, seed,
                influenceCap, parsed);
    }
}
