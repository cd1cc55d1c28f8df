package dev.nmfstream.app;

import dev.nmfstream.io.DataFiles;
import dev.nmfstream.io.DenseMatrix;
import dev.nmfstream.nmf.Basis;
import dev.nmfstream.stream.NmfStreamConfig;
import dev.nmfstream.stream.NmfTopology;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Properties;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;

/**
 * The running service: Kafka Streams with the topology of {@link NmfTopology}, the settings'
 * Kafka properties and these defaults (each overridable): {@code application.id=nmf-stream},
 * {@code processing.guarantee=exactly_once_v2}, internal topics with {@code nmf.replication}
 * replicas, producers allowed records of 2 MiB (the internal records are at most 256 KiB plus a
 * header).
 */
public final class NmfService implements AutoCloseable {

    private final KafkaStreams streams;

    private NmfService(KafkaStreams streams) {
        this.streams = streams;
    }

    /** The Kafka Streams properties for a configuration and a cluster. */
    public static Properties streamsProperties(NmfStreamConfig config, String bootstrapServers) {
        Properties p = new Properties();
        p.setProperty(StreamsConfig.APPLICATION_ID_CONFIG, "nmf-stream");
        p.setProperty(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        p.setProperty(StreamsConfig.REPLICATION_FACTOR_CONFIG, String.valueOf(config.replication()));
        p.setProperty(StreamsConfig.producerPrefix("max.request.size"), String.valueOf(2 * 1024 * 1024));
        p.setProperty(StreamsConfig.producerPrefix("linger.ms"), "5");
        p.putAll(config.kafka());
        p.setProperty(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        return p;
    }

    /** The first basis from {@code nmf.basis.file} (an m × r .npy), or null. */
    public static Basis initialBasis(NmfStreamConfig config) throws Exception {
        if (config.basisFile() == null || config.basisFile().isEmpty()) {
            return null;
        }
        var data = DataFiles.read(Path.of(config.basisFile()));
        if (!(data instanceof DenseMatrix dense) || dense.rows() != config.dimension() || dense.columns() != config.rank()) {
            throw new IllegalArgumentException("nmf.basis.file " + config.basisFile() + ": " + data.rows() + " × "
                    + data.columns() + ", expected a dense " + config.dimension() + " × " + config.rank() + " .npy");
        }
        data.validate();
        double[] rowMajor = new double[dense.rows() * dense.columns()];
        for (int i = 0; i < dense.rows(); i++) {
            for (int k = 0; k < dense.columns(); k++) {
                rowMajor[i * dense.columns() + k] = dense.get(i, k);
            }
        }
        return new Basis(dense.rows(), dense.columns(), rowMajor, 0);
    }

    /** Creates the missing topics and starts the service. */
    public static NmfService start(NmfStreamConfig config, String bootstrapServers) throws Exception {
        TopicSetup.ensure(bootstrapServers, config, config.kafka());
        KafkaStreams streams = new KafkaStreams(NmfTopology.build(config, initialBasis(config)),
                streamsProperties(config, bootstrapServers));
        streams.start();
        return new NmfService(streams);
    }

    /** The Kafka Streams state. */
    public KafkaStreams.State state() {
        return streams.state();
    }

    /**
     * Stops the service and leaves the consumer group, so that an instance started again (or the
     * remaining ones) gets the partitions at once instead of after the session timeout.
     */
    @Override
    public void close() {
        streams.close(org.apache.kafka.streams.CloseOptions.timeout(Duration.ofSeconds(30))
                .withGroupMembershipOperation(org.apache.kafka.streams.CloseOptions.GroupMembershipOperation.LEAVE_GROUP));
    }
}
