package dev.nmfstream.stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nmfstream.nmf.Basis;
import dev.nmfstream.nmf.DenseColumn;
import dev.nmfstream.nmf.KlProjector;
import dev.nmfstream.nmf.KlStatistics;
import dev.nmfstream.nmf.ModelState;
import dev.nmfstream.nmf.Projection;
import dev.nmfstream.nmf.Projector;
import dev.nmfstream.nmf.SufficientStatistics;
import dev.nmfstream.nmf.synth.PlantedModel;
import dev.nmfstream.wire.internal.BasisMessage;
import dev.nmfstream.wire.internal.Chunker;
import dev.nmfstream.wire.internal.SampleMessage;
import dev.nmfstream.wire.internal.StatisticsMessage;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.Test;

/**
 * The updater by hand: records in, punctuators fired, the store kept across processor instances
 * (a restart), with in-memory stores standing in for the changelogged model store and the
 * global basis store.
 */
class UpdaterProcessorTest {

    /** Large enough that statistics (B alone is m·r doubles) and bases travel in several chunks. */
    private static final int M = 9_000;
    private static final int R = 4;
    private static final int BATCH = 50;
    private static final int BOOTSTRAP = 12;
    private static final long SENDER = 0x5EED;

    private static NmfStreamConfig config(String... extra) {
        Properties p = new Properties();
        p.setProperty("nmf.rank", "" + R);
        p.setProperty("nmf.dimension", "" + M);
        p.setProperty("nmf.batch.size", "" + BATCH);
        p.setProperty("nmf.bootstrap.size", "" + BOOTSTRAP);
        p.setProperty("nmf.snapshot.interval.ms", "1000");
        p.setProperty("nmf.stats.flush.ms", "2000");
        for (int i = 0; i < extra.length; i += 2) {
            p.setProperty(extra[i], extra[i + 1]);
        }
        return NmfStreamConfig.from(p);
    }

    /** The updater's stores, kept across processor instances, and the data of the planted model. */
    private static final class Harness {
        final KeyValueStore<String, byte[]> modelStore = Stores.keyValueStoreBuilder(
                Stores.inMemoryKeyValueStore(NmfTopology.MODEL_STORE), Serdes.String(), Serdes.ByteArray())
                .withLoggingDisabled().build();
        final KeyValueStore<String, byte[]> basisStore = Stores.keyValueStoreBuilder(
                Stores.inMemoryKeyValueStore(NmfTopology.BASIS_STORE), Serdes.String(), Serdes.ByteArray())
                .withLoggingDisabled().build();
        final PlantedModel planted = new PlantedModel(M, R, 0.3, 0.1, 0.05, 17);
        final double[] v = new double[M];
        boolean storesOpen;
        long seq;
        MockProcessorContext<String, byte[]> context;
        UpdaterProcessor updater;
        long now = 1_000_000;

        /** A new processor instance on the same stores (a start or a restart). */
        UpdaterProcessor start(NmfStreamConfig config) {
            Properties props = new Properties();
            props.setProperty(StreamsConfig.APPLICATION_ID_CONFIG, "nmf-test");
            props.setProperty(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "localhost:9092");
            context = new MockProcessorContext<>(props);
            if (!storesOpen) {
                modelStore.init(context.getStateStoreContext(), modelStore);
                basisStore.init(context.getStateStoreContext(), basisStore);
                storesOpen = true;
            }
            context.addStateStore(modelStore);
            context.addStateStore(basisStore);
            context.setCurrentSystemTimeMs(now);
            updater = new UpdaterProcessor(config, null);
            updater.init(context);
            return updater;
        }

        void send(byte[] value) {
            updater.process(new Record<>("nmf", value, now));
            // the global store's copy of the basis topic
            for (var forward : context.forwarded(NmfTopology.BASIS_SINK)) {
                basisStore.put(forward.record().key(), (byte[]) forward.record().value());
            }
            context.resetForwards();
        }

        void bootstrap() {
            bootstrap(BOOTSTRAP);
        }

        void bootstrap(int n) {
            for (int j = 0; j < n; j++) {
                planted.next(v, 0);
                for (byte[] record : SampleMessage.records(SENDER, seq++, DenseColumn.of(v))) {
                    send(record);
                }
            }
        }

        /** The records of statistics of n planted columns projected with the updater's current basis. */
        List<byte[]> statistics(int n) {
            Basis basis = updater.state().basis();
            Projector projector = new Projector(R);
            Projection p = new Projection(R);
            SufficientStatistics s = new SufficientStatistics(M, R);
            double residualSq = 0;
            double normSq = 0;
            for (int j = 0; j < n; j++) {
                planted.next(v, 0);
                projector.project(basis, DenseColumn.of(v), p);
                s.add(DenseColumn.of(v), p.h);
                s.offerCandidate(DenseColumn.of(v), p.residualSq);
                residualSq += p.residualSq;
                normSq += p.normSq;
            }
            return new StatisticsMessage(s, residualSq, normSq, 0, basis.version()).records(SENDER, seq++);
        }

        void sendAll(List<byte[]> records) {
            for (byte[] record : records) {
                send(record);
            }
        }

        void punctuate(long at) {
            now = at;
            context.setCurrentSystemTimeMs(at);
            context.scheduledPunctuators().get(0).getPunctuator().punctuate(at);
            for (var forward : context.forwarded(NmfTopology.BASIS_SINK)) {
                basisStore.put(forward.record().key(), (byte[]) forward.record().value());
            }
            context.resetForwards();
        }

        long publishedVersion() {
            return BasisMessage.version(basisStore::get, "nmf");
        }
    }

    @Test
    void bootstrapsThenLearnsFromMultiChunkStatisticsAndWaitingPartialBatches() {
        Harness h = new Harness();
        h.start(config());
        h.bootstrap();
        assertEquals(0, h.publishedVersion(), "the first basis, from the sample");
        assertTrue(Chunker.first(h.basisStore::get, BasisMessage.name("nmf")).count() > 1, "a basis in chunks");
        Basis first = BasisMessage.read(h.basisStore::get, "nmf");
        assertArrayEquals(h.updater.state().basis().toRowMajor(), first.toRowMajor(), 0.0);

        List<byte[]> records = h.statistics(BATCH);
        assertTrue(records.size() > 1, "statistics of " + M + " × " + R + " in several records");
        for (int i = 0; i < records.size() - 1; i++) {
            h.send(records.get(i));
            assertEquals(0, h.publishedVersion(), "no update before the message is whole");
        }
        h.send(records.get(records.size() - 1));
        assertEquals(1, h.publishedVersion());
        assertEquals(BATCH, h.updater.state().items());

        // a partial batch waits for nmf.stats.flush.ms, then is learned from
        h.sendAll(h.statistics(20));
        assertEquals(1, h.publishedVersion());
        h.punctuate(h.now + 1_999);
        assertEquals(1, h.publishedVersion());
        h.punctuate(h.now + 1);
        assertEquals(2, h.publishedVersion());
        assertEquals(BATCH + 20, h.updater.state().items());
    }

    @Test
    void updatesAtMostEveryMinIntervalAndLearnsFromEverythingThatArrivedMeanwhile() {
        Harness h = new Harness();
        h.start(config("nmf.update.min.interval.ms", "1000"));
        h.bootstrap();
        h.sendAll(h.statistics(BATCH));
        assertEquals(1, h.publishedVersion(), "the first update is not held");
        h.sendAll(h.statistics(BATCH));
        h.sendAll(h.statistics(BATCH));
        assertEquals(1, h.publishedVersion(), "two more mini-batches within the interval: no new version");
        assertEquals(BATCH, h.updater.state().items());
        h.punctuate(h.now + 999);
        assertEquals(1, h.publishedVersion());
        h.punctuate(h.now + 1);
        assertEquals(2, h.publishedVersion(), "one update from both held mini-batches once the interval is over");
        assertEquals(3 * BATCH, h.updater.state().items());
        assertTrue(!h.modelStore.prefixScan(UpdaterProcessor.PENDING_PARTS, Serdes.String().serializer()).hasNext(),
                "the statistics messages learned from and saved are no longer kept");
    }

    @Test
    void aRestartLearnsFromTheStatisticsHeldByTheIntervalAsAnUninterruptedRunWould() {
        Harness straight = new Harness();
        straight.start(config("nmf.update.min.interval.ms", "1000"));
        straight.bootstrap();
        straight.sendAll(straight.statistics(BATCH));
        straight.sendAll(straight.statistics(BATCH));
        straight.sendAll(straight.statistics(BATCH));
        straight.punctuate(straight.now + 1000);

        Harness restarted = new Harness();
        restarted.start(config("nmf.update.min.interval.ms", "1000"));
        restarted.bootstrap();
        restarted.sendAll(restarted.statistics(BATCH));
        restarted.sendAll(restarted.statistics(BATCH));
        restarted.sendAll(restarted.statistics(BATCH));
        restarted.start(config("nmf.update.min.interval.ms", "1000")); // a new instance on the same store
        assertEquals(BATCH, restarted.updater.state().items(), "the restored model has learned from the first batch");
        restarted.punctuate(restarted.now + 1000);
        assertEquals(2, restarted.publishedVersion());
        assertEquals(3 * BATCH, restarted.updater.state().items());
        assertArrayEquals(straight.updater.state().basis().toRowMajor(), restarted.updater.state().basis().toRowMajor(),
                0.0);
    }

    @Test
    void aRestartMidMessageCompletesItFromTheStoreAsAnUninterruptedRunWould() {
        Harness straight = new Harness();
        straight.start(config());
        straight.bootstrap();
        straight.sendAll(straight.statistics(BATCH));

        Harness restarted = new Harness();
        restarted.start(config());
        restarted.bootstrap();
        List<byte[]> records = restarted.statistics(BATCH);
        assertTrue(records.size() >= 3, records.size() + " records");
        restarted.send(records.get(0));
        restarted.send(records.get(1));
        restarted.start(config()); // a new instance on the same store
        for (int i = 2; i < records.size(); i++) {
            restarted.send(records.get(i));
        }
        assertEquals(1, restarted.publishedVersion());
        assertEquals(BATCH, restarted.updater.state().items());
        assertArrayEquals(straight.updater.state().basis().toRowMajor(), restarted.updater.state().basis().toRowMajor(),
                0.0);
        assertTrue(!restarted.modelStore.prefixScan(UpdaterProcessor.PARTIAL, Serdes.String().serializer()).hasNext(),
                "the chunks of the completed message are deleted");
    }

    @Test
    void aRestartedUpdaterContinuesItsSampleModelAndVersionSequence() {
        Harness straight = new Harness();
        straight.start(config());
        straight.bootstrap();
        Harness restarted = new Harness();
        restarted.start(config());
        restarted.bootstrap(BOOTSTRAP / 2);
        restarted.start(config()); // mid-sample
        restarted.bootstrap(BOOTSTRAP - BOOTSTRAP / 2);
        assertEquals(0, restarted.publishedVersion());
        assertArrayEquals(straight.updater.state().basis().toRowMajor(),
                restarted.updater.state().basis().toRowMajor(), 0.0, "the same first basis");
        assertTrue(!restarted.modelStore.prefixScan(UpdaterProcessor.SAMPLES, Serdes.String().serializer()).hasNext(),
                "the sample is deleted once the basis is made");
        for (int b = 0; b < 3; b++) {
            straight.sendAll(straight.statistics(BATCH));
            restarted.sendAll(restarted.statistics(BATCH));
        }
        // a half batch merged but not yet learned from is in the store too
        straight.sendAll(straight.statistics(BATCH / 2));
        restarted.sendAll(restarted.statistics(BATCH / 2));
        UpdaterProcessor again = restarted.start(config());
        assertEquals(3, again.state().basis().version());
        assertEquals(3 * BATCH, again.state().items());
        straight.sendAll(straight.statistics(BATCH / 2));
        restarted.sendAll(restarted.statistics(BATCH / 2));
        assertEquals(4, restarted.publishedVersion());
        assertArrayEquals(straight.updater.state().basis().toRowMajor(), again.state().basis().toRowMajor(), 0.0);
        assertArrayEquals(straight.updater.state().statistics().aMatrix(), again.state().statistics().aMatrix(), 0.0);

        // at-least-once: versions up to 9 were published after the state the store holds
        restarted.basisStore.put(BasisMessage.key("nmf", 0), BasisMessage.records(
                Basis.fromComponents(M, R, componentsOf(again.state().basis()), 9)).get(0));
        UpdaterProcessor behind = restarted.start(config());
        assertEquals(9, behind.state().basis().version(), "continues after the newest published version");
        restarted.sendAll(restarted.statistics(BATCH));
        assertEquals(10, behind.state().basis().version());
    }

    @Test
    void changedStepsRuleAndForgettingAreTakenAndLoggedOnRestart() {
        Harness h = new Harness();
        h.start(config());
        h.bootstrap();
        h.sendAll(h.statistics(BATCH));
        h.sendAll(h.statistics(BATCH));
        byte[] stored = h.updater.state().toBytes();

        NmfStreamConfig changed = config("nmf.steps", "5", "nmf.rule", "MU", "nmf.forgetting", "0.9");
        UpdaterProcessor restarted = h.start(changed);
        assertEquals(List.of("nmf.steps: 2 in the stored model, 5 now", "nmf.forgetting: auto in the stored model, 0.9 now",
                "nmf.rule: HALS in the stored model, MU now"), restarted.settingChanges());
        assertEquals(changed.engine(), restarted.state().config());

        // the next update is the one the new settings make from the stored model
        List<byte[]> records = h.statistics(BATCH);
        h.sendAll(records);
        ModelState reference = ModelState.fromBytes(stored);
        reference.applySettings(changed.engine());
        StatisticsMessage message = StatisticsMessage.decode(Chunker.join(records.stream().map(Chunker::chunk).toList()));
        Basis expected = reference.learnFromStatistics(message.statistics());
        assertArrayEquals(expected.toRowMajor(), restarted.state().basis().toRowMajor(), 0.0);
        assertEquals(3, restarted.state().basis().version());

        UpdaterProcessor same = h.start(changed);
        assertEquals(List.of(), same.settingChanges(), "nothing changed since");
    }

    @Test
    void aStoredModelOfAnotherRankOrDimensionStopsTheUpdater() {
        Harness h = new Harness();
        h.start(config());
        h.bootstrap();
        ConfigurationMismatchException rank = assertThrows(ConfigurationMismatchException.class,
                () -> h.start(config("nmf.rank", "3")));
        for (String part : List.of("nmf.rank = 3", "has rank 4", "application.id", "kafka-streams-application-reset",
                "nmf-test", "state directory")) {
            assertTrue(rank.getMessage().contains(part), "'" + part + "' in: " + rank.getMessage());
        }
        ConfigurationMismatchException dimension = assertThrows(ConfigurationMismatchException.class,
                () -> h.start(config("nmf.dimension", "" + (M + 1))));
        assertTrue(dimension.getMessage().startsWith("nmf.dimension = " + (M + 1) + ", but the stored model"),
                dimension.getMessage());
        assertTrue(dimension.getMessage().contains("has dimension " + M), dimension.getMessage());
        // the configuration it was made with still runs it
        assertEquals(0, h.start(config()).state().basis().version());
    }

    private static double[][] componentsOf(Basis basis) {
        double[][] w = new double[basis.rank()][];
        for (int k = 0; k < basis.rank(); k++) {
            w[k] = basis.component(k);
        }
        return w;
    }

    @Test
    void underTheKlLossTheUpdaterLearnsFromKlStatisticsAndRefusesTheOtherLoss() {
        Harness h = new Harness();
        NmfStreamConfig kl = config("nmf.loss", "kl");
        h.start(kl);
        h.bootstrap();
        assertEquals(0, h.publishedVersion());
        // KL statistics of a batch, projected with the published basis, in the KL kind
        Basis basis = h.updater.state().basis();
        KlProjector projector = new KlProjector(R);
        Projection p = new Projection(R);
        SufficientStatistics s = new SufficientStatistics(M, R);
        for (int j = 0; j < BATCH; j++) {
            h.planted.next(h.v, 0);
            projector.project(basis, DenseColumn.of(h.v), p);
            KlStatistics.add(s, basis, projector, p.h, 1.0);
        }
        h.sendAll(new StatisticsMessage(s, 0, 0, 0, basis.version()).records(SENDER, h.seq++,
                StatisticsMessage.KL_KIND));
        assertEquals(1, h.publishedVersion(), "one update from one batch");
        for (double x : h.updater.state().basis().toRowMajor()) {
            assertTrue(x > 0 && Double.isFinite(x));
        }
        // Frobenius statistics sent to a KL model stop the updater, naming the key
        ConfigurationMismatchException wrongKind = assertThrows(ConfigurationMismatchException.class,
                () -> h.sendAll(h.statistics(BATCH)));
        assertTrue(wrongKind.getMessage().startsWith("nmf.loss = kl here, but a projector"), wrongKind.getMessage());
        // the stored KL model refuses a Frobenius configuration as it refuses another rank
        ConfigurationMismatchException loss = assertThrows(ConfigurationMismatchException.class,
                () -> h.start(config()));
        assertTrue(loss.getMessage().startsWith("nmf.loss = frobenius, but the stored model of application 'nmf-test'"
                + " has loss kl: a model cannot change its loss"), loss.getMessage());
        assertEquals(1, h.start(kl).state().basis().version());
    }
}
