package dev.nmfstream.stream;

/**
 * What the processors tell an observer (Prometheus metrics, the dashboard's recent items) as
 * they work. Every call is made on a stream thread, in the hot path: an implementation must be
 * thread-safe, quick and allocate nothing per call. {@link #NONE} ignores everything (the
 * processors' unit tests, {@code nmf.http.enabled=false}).
 */
public interface StreamMetrics {

    /** Ignores everything. */
    StreamMetrics NONE = new StreamMetrics() {};

    /** The input kind of a dense column. */
    String DENSE = "dense";
    /** The input kind of a sparse column. */
    String SPARSE = "sparse";
    /** The input kind of a document vectorised by the service (nmf.input.format = text). */
    String TEXT = "text";

    /**
     * One item projected and its weights published.
     *
     * @param kind its input kind ({@link #DENSE}, {@link #SPARSE}, or an adapter's such as "text")
     * @param nanos how long its projection took
     * @param iterations the NNLS solver's iterations
     * @param relativeResidual ‖v − W h‖ / ‖v‖
     */
    default void projected(String kind, long nanos, int iterations, double relativeResidual) {}

    /**
     * The weights of the item just projected, for a view of the latest items. The arrays are the
     * caller's and reused: copy what is kept.
     *
     * @param id the item id's UTF-8 bytes (the first {@code idLength})
     * @param idLength its length
     * @param basisVersion the basis version of the weights
     * @param h the weights, r values
     * @param relativeResidual ‖v − W h‖ / ‖v‖
     * @param timestamp the item's event time (epoch ms)
     */
    default void item(byte[] id, int idLength, long basisVersion, double[] h, double relativeResidual,
            long timestamp) {}

    /**
     * One record sent to the dead letters.
     *
     * @param reason the dead letter's reason (its text; implementations classify it)
     */
    default void deadLetter(String reason) {}

    /**
     * The items a projector task holds now.
     *
     * @param task the task (its id as text, the same object at each call)
     * @param warmup held before the partition's first basis
     * @param backlog held after it, for the throttle or a newer basis
     */
    default void held(String task, long warmup, long backlog) {}

    /**
     * The basis a projector task uses and the newest this instance has.
     *
     * @param task the task (its id as text)
     * @param inUse the version it projects with (−1: none yet)
     * @param newest the newest version this instance has received
     */
    default void basisVersions(String task, long inUse, long newest) {}

    /** Items whose statistics were lost when a task stopped (counted when it restarts). */
    default void itemsLost(long items) {}

    /** Bytes of statistics (and bootstrap samples) a projector task sent to the updater. */
    default void statisticsSent(long bytes) {}

    /**
     * One update of W.
     *
     * @param nanos how long it took
     * @param items the items of the statistics it learned from
     */
    default void basisUpdated(long nanos, long items) {}

    /** Bytes of a basis version the updater sent to the basis topic. */
    default void basisSent(long bytes) {}

    /** Combines observers: each call goes to each, in order. */
    static StreamMetrics of(StreamMetrics first, StreamMetrics second) {
        return new StreamMetrics() {
            @Override
            public void projected(String kind, long nanos, int iterations, double relativeResidual) {
                first.projected(kind, nanos, iterations, relativeResidual);
                second.projected(kind, nanos, iterations, relativeResidual);
            }

            @Override
            public void item(byte[] id, int idLength, long basisVersion, double[] h, double relativeResidual,
                    long timestamp) {
                first.item(id, idLength, basisVersion, h, relativeResidual, timestamp);
                second.item(id, idLength, basisVersion, h, relativeResidual, timestamp);
            }

            @Override
            public void deadLetter(String reason) {
                first.deadLetter(reason);
                second.deadLetter(reason);
            }

            @Override
            public void held(String task, long warmup, long backlog) {
                first.held(task, warmup, backlog);
                second.held(task, warmup, backlog);
            }

            @Override
            public void basisVersions(String task, long inUse, long newest) {
                first.basisVersions(task, inUse, newest);
                second.basisVersions(task, inUse, newest);
            }

            @Override
            public void itemsLost(long items) {
                first.itemsLost(items);
                second.itemsLost(items);
            }

            @Override
            public void statisticsSent(long bytes) {
                first.statisticsSent(bytes);
                second.statisticsSent(bytes);
            }

            @Override
            public void basisUpdated(long nanos, long items) {
                first.basisUpdated(nanos, items);
                second.basisUpdated(nanos, items);
            }

            @Override
            public void basisSent(long bytes) {
                first.basisSent(bytes);
                second.basisSent(bytes);
            }
        };
    }
}
