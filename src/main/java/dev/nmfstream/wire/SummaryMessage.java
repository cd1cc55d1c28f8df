package dev.nmfstream.wire;

/**
 * The summary of a factor snapshot, on the factors topic (key: the model's name);
 * {@code schemas/nmf-factors.schema.json}.
 *
 * @param model the model's name ({@code nmf.model})
 * @param version the basis version
 * @param rank r
 * @param dim m
 * @param itemsSeen items learned from so far
 * @param itemsLost items whose statistics were lost to crashes (never their weights): counted when
 *     a task restarts, as the input records committed after its last statistics message; an upper
 *     bound (rejected records in that gap count too), at most one mini-batch per task per crash
 * @param runningError the relative error √(Σ‖v − W h‖² / Σ‖v‖²) of the items learned from since the
 *     previous snapshot, each measured on arrival against the basis of its time; null when there
 *     were none (JSON null)
 * @param updatedAt when the snapshot was made (epoch ms)
 */
public record SummaryMessage(String model, long version, int rank, int dim, long itemsSeen, long itemsLost,
        Double runningError,
        long updatedAt) {}
