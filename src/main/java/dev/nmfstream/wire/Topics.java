package dev.nmfstream.wire;

import java.util.List;

/**
 * The default topic names (each can be renamed with its {@code nmf.topic.*} key). Every record key
 * is a UTF-8 string; the public topics' values are described in {@code schemas/}.
 */
public final class Topics {

    /** Input columns, key = item id: JSON or binary ({@code nmf-columns.schema.json}). Public. */
    public static final String COLUMNS = "nmf-columns";
    /** Weights of every item, key = item id ({@code nmf-weights.schema.json}). Public. */
    public static final String WEIGHTS = "nmf-weights";
    /** Factor snapshots, key = "model/k" or "model", compacted ({@code nmf-factors.schema.json}). Public. */
    public static final String FACTORS = "nmf-factors";
    /** Rejected input with its reason, key = the original key ({@code nmf-dead-letters.schema.json}). Public. */
    public static final String DEAD_LETTERS = "nmf-dead-letters";
    /** Internal: mini-batch statistics from the projectors to the updater (binary, not an interface). */
    public static final String STATS = "nmf-stats";
    /** Internal: every basis version, read by every instance, compacted (binary, not an interface). */
    public static final String BASIS = "nmf-basis";

    /** The public topics, each with a schema in {@code schemas/}. */
    public static final List<String> PUBLIC = List.of(COLUMNS, WEIGHTS, FACTORS, DEAD_LETTERS);
    /** The internal topics. */
    public static final List<String> INTERNAL = List.of(STATS, BASIS);

    private Topics() {}
}
