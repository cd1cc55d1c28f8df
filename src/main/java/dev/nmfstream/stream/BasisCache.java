package dev.nmfstream.stream;

import dev.nmfstream.nmf.Basis;
import dev.nmfstream.wire.internal.BasisMessage;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/**
 * The newest basis of one Kafka Streams instance, built once per version for all its projector
 * tasks. Building a {@link Basis} (its Gram matrix and inverse) costs O(m·r²); every task of the
 * instance reads the same global basis store, so the first task to see a version builds it and
 * the others take the same object. Thread-safe: the tasks of one instance run on several stream
 * threads.
 *
 * <p>It also checks that the basis topic holds a model of this configuration's dimension and
 * rank, and throws {@link ConfigurationMismatchException} if not.
 */
final class BasisCache {

    private final NmfStreamConfig config;
    /** The newest complete basis built, or null. */
    private Basis newest;

    BasisCache(NmfStreamConfig config) {
        this.config = config;
    }

    /**
     * The newest complete basis in the global basis store, or null if it holds none. While a
     * newer version is still arriving (some of its chunks missing) the last complete one stays.
     *
     * @throws ConfigurationMismatchException if the stored basis has another dimension or rank
     */
    synchronized Basis newest(ReadOnlyKeyValueStore<String, byte[]> basisStore) {
        long version = BasisMessage.version(basisStore::get, config.model());
        if (version < 0 || newest != null && version <= newest.version()) {
            return newest;
        }
        Basis next = BasisMessage.read(basisStore::get, config.model());
        if (next == null) {
            return newest; // the next version is still arriving: keep the complete one
        }
        checkShape(config, next.dim(), next.rank());
        newest = next;
        return next;
    }

    /**
     * Throws if a stored basis of dimension m and rank r does not fit the configuration.
     *
     * @throws ConfigurationMismatchException naming the keys, both values and what to do
     */
    static void checkShape(NmfStreamConfig config, int m, int r) {
        StringBuilder differ = new StringBuilder();
        if (m != config.dimension()) {
            differ.append("nmf.dimension = ").append(m).append(" (configured: ")
                    .append(config.dimension()).append(')');
        }
        if (r != config.rank()) {
            differ.append(differ.length() > 0 ? " and " : "").append("nmf.rank = ").append(r)
                    .append(" (configured: ").append(config.rank()).append(')');
        }
        if (differ.length() == 0) {
            return;
        }
        NmfStreamConfig.TopicNames topics = config.topics();
        throw new ConfigurationMismatchException("basis topic " + topics.basis() + " holds a model with " + differ
                + ", and a model's dimension and rank cannot change. Either run with the stored values, or start the"
                + " new model as a new application (a new application.id with new nmf.topic.basis and"
                + " nmf.topic.stats topics), or reset this one: stop every instance, run"
                + " kafka-streams-application-reset --application-id <application.id> --input-topics "
                + topics.columns() + ", delete the topics " + topics.basis() + " and " + topics.stats()
                + ", and delete each instance's local state directory (state.dir)");
    }
}
