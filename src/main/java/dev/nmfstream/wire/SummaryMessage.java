package dev.nmfstream.wire;

/**
 * The summary of a factor snapshot, on the factors topic (key: the model's name).
 *
 * @param model the model's name
 * @param version the basis version
 * @param rank r
 * @param dim m
 * @param itemsSeen items learned from so far
 * @param runningError the prequential error of the items learned from since the previous snapshot,
 *     or null when there were none
 * @param updatedAt when the snapshot was made (epoch ms)
 */
public record SummaryMessage(String model, long version, int rank, int dim, long itemsSeen, Double runningError,
        long updatedAt) {}
