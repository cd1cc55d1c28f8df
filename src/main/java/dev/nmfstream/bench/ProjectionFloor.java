package dev.nmfstream.bench;

import dev.nmfstream.kafka.EmbeddedKafka;
import dev.nmfstream.nmf.Basis;
import dev.nmfstream.nmf.Projection;
import dev.nmfstream.nmf.Projector;
import dev.nmfstream.stream.NmfStreamConfig;
import dev.nmfstream.stream.NmfTopology;
import dev.nmfstream.stream.TextInput;
import dev.nmfstream.wire.ColumnDecoder;
import dev.nmfstream.wire.DecodedItem;
import dev.nmfstream.wire.WeightsEncoder;
import java.nio.file.Path;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

/**
 * The least a service that projects every record does: a topology that decodes each input
 * record as the service does, projects it exactly on a fixed basis and publishes its weights
 * message, with no state stores, no statistics and no updater, under the passthrough's settings
 * (exactly-once). Between the passthrough and the service, it tells how much of the service's
 * time any learning design could save at most.
 */
final class ProjectionFloor {

    private ProjectionFloor() {
    }

    /**
     * Seconds for the floor topology to publish the weights of the n records of {@code input}
     * (all valid) to {@code input-floor}, from its start until all n are read back.
     */
    static double seconds(EmbeddedKafka broker, String input, Path dir, int n, NmfStreamConfig config, Basis basis)
            throws Exception {
        String output = input + "-floor";
        Topology topology = new Topology();
        topology.addSource("in", new ByteArrayDeserializer(), new ByteArrayDeserializer(), input);
        topology.addProcessor("project", () -> new Scorer(config, basis), "in");
        topology.addSink("out", output, new ByteArraySerializer(), new ByteArraySerializer(), "project");
        return Passthrough.seconds(broker, topology, output, "floor", dir, n);
    }

    /** Decodes, projects and publishes; a record the service would dead-letter stops the run. */
    private static final class Scorer implements Processor<byte[], byte[], byte[], byte[]> {
        private final Basis basis;
        private final ColumnDecoder decoder;
        private final DecodedItem item;
        private final Projector projector;
        private final Projection projection;
        private final WeightsEncoder weights = new WeightsEncoder();
        private ProcessorContext<byte[], byte[]> context;

        Scorer(NmfStreamConfig config, Basis basis) {
            this.basis = basis;
            this.decoder = NmfTopology.decoder(config, config.text() != null ? new TextInput(config) : null);
            this.item = new DecodedItem(config.dimension());
            this.projector = new Projector(config.rank());
            this.projection = new Projection(config.rank());
        }

        @Override
        public void init(ProcessorContext<byte[], byte[]> context) {
            this.context = context;
        }

        @Override
        public void process(Record<byte[], byte[]> record) {
            if (!decoder.decode(record.key(), record.value(), item)) {
                throw new IllegalStateException("projection floor: a record the service would dead-letter: "
                        + item.reason());
            }
            projector.project(basis, item.column(), projection);
            byte[] message = weights.encode(item.idUtf8(), item.idLength(), basis.version(), projection.h,
                    projection.relativeResidual(), item.eventTimestamp(), context.currentSystemTimeMs());
            context.forward(new Record<>(item.idKey(), message, record.timestamp()));
        }
    }
}
