package dev.nmfstream.cli;

import dev.nmfstream.nmf.Forgetting;
import dev.nmfstream.nmf.Initialization;
import dev.nmfstream.nmf.NmfConfig;
import dev.nmfstream.nmf.UpdateRule;
import picocli.CommandLine.Option;

/** The engine's settings as command-line options, shared by the commands that learn. */
final class EngineOptions {

    @Option(names = "--rank", required = true, description = "Number of components r.")
    int rank;

    @Option(names = "--batch", defaultValue = "" + NmfConfig.DEFAULT_BATCH,
            description = "Columns per mini-batch (W is updated once per batch). Default: ${DEFAULT-VALUE}.")
    int batch;

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
            description = "Columns the first basis is made from (0: max(batch, 2·rank)). Default: ${DEFAULT-VALUE}.")
    int bootstrap;

    @Option(names = "--seed", defaultValue = "0", description = "Seed of every random choice. Default: ${DEFAULT-VALUE}.")
    long seed;

    /** The validated engine configuration; a bad value fails with a message naming the option. */
    NmfConfig config() {
        Forgetting forgetting;
        try {
            forgetting = Forgetting.parse(forget);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--forget: " + e.getMessage());
        }
        try {
            return new NmfConfig(rank, batch, steps, forgetting, rule, refine, init, bootstrap, true, seed);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--" + optionName(e.getMessage()) + ": " + e.getMessage());
        }
    }

    private static String optionName(String message) {
        String key = message.split(" ")[0];
        return switch (key) {
            case "batchSize" -> "batch";
            case "refineRounds" -> "refine";
            case "bootstrapSize" -> "bootstrap";
            default -> key;
        };
    }
}
