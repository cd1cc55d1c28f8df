package dev.nmfstream.nmf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nmfstream.nmf.synth.PlantedModel;
import dev.nmfstream.nmf.synth.Recovery;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ModelStateTest {

    /**
     * The streaming split: projectors on two "partitions" gather statistics with the current
     * basis, the updater merges them and learns; the planted basis is recovered as by one model.
     */
    @Test
    void learnsFromStatisticsMergedAcrossPartitions() {
        PlantedModel planted = new PlantedModel(80, 6, 0.3, 0.1, 0.05, 31);
        NmfConfig config = NmfConfig.defaults(6).withBatchSize(200).withSeed(2);
        ModelState updater = new ModelState(config);
        List<Column> sample = new ArrayList<>();
        for (int j = 0; j < 200; j++) {
            double[] v = new double[80];
            planted.next(v, 0);
            sample.add(DenseColumn.of(v));
        }
        Basis basis = updater.initialize(sample);
        assertEquals(0, basis.version());
        assertEquals(0, updater.items());
        Projector projector = new Projector(6);
        Projection p = new Projection(6);
        SufficientStatistics left = new SufficientStatistics(80, 6);
        SufficientStatistics right = new SufficientStatistics(80, 6);
        double[] v = new double[80];
        for (int batch = 0; batch < 150; batch++) {
            for (int j = 0; j < 200; j++) {
                planted.next(v, 0);
                projector.project(basis, DenseColumn.of(v), p);
                SufficientStatistics target = j % 2 == 0 ? left : right;
                target.add(DenseColumn.of(v), p.h);
                target.offerCandidate(DenseColumn.of(v), p.residualSq);
            }
            left.merge(right);
            right.clear();
            basis = updater.learnFromStatistics(left);
            assertEquals(0, left.items(), "the statistics are absorbed and cleared");
        }
        assertEquals(150, basis.version());
        assertEquals(30_000, updater.items());
        Recovery recovery = Recovery.match(planted.trueBasis(), basis.toRowMajor(), 80, 6);
        assertTrue(recovery.mean() > 0.99, "mean cosine " + recovery.mean());
        assertThrows(IllegalStateException.class, () -> updater.initialize(List.of(DenseColumn.of(v))));
        assertThrows(IllegalStateException.class,
                () -> new ModelState(config).learnFromStatistics(new SufficientStatistics(80, 6)));
    }

    @Test
    void versionsContinueForwardWithTheSameValues() {
        ModelState state = trained(NmfConfig.defaults(3).withBatchSize(16), 5);
        double[] before = state.basis().toRowMajor();
        long version = state.basis().version();
        state.continueVersionsFrom(version - 1);
        assertEquals(version, state.basis().version(), "never backwards");
        state.continueVersionsFrom(version + 50);
        assertEquals(version + 50, state.basis().version());
        assertArrayEquals(before, state.basis().toRowMajor(), 0.0, "same values");
        Basis next = state.learnFromStatistics(statistics(state, 7, 16));
        assertEquals(version + 51, next.version());
    }

    /** A model restored with new settings continues as one that had them from the restart on. */
    @Test
    void restoredModelTakesNewSettingsAndReportsThem() {
        NmfConfig stored = NmfConfig.defaults(3).withBatchSize(16).withSeed(4);
        ModelState state = trained(stored, 8);
        byte[] bytes = state.toBytes();
        NmfConfig now = stored.withSteps(5).withRule(UpdateRule.MU).withForgetting(Forgetting.fixed(0.95));

        ModelState restored = ModelState.fromBytes(bytes);
        assertEquals(stored, restored.config(), "the stored settings until told otherwise");
        List<NmfConfig.Change> changes = restored.applySettings(now);
        assertEquals(List.of(new NmfConfig.Change("steps", "2", "5"),
                new NmfConfig.Change("forgetting", "auto", "0.95"),
                new NmfConfig.Change("rule", "HALS", "MU")), changes);
        assertEquals(now, restored.config());
        assertArrayEquals(state.basis().toRowMajor(), restored.basis().toRowMajor(), 0.0, "W kept");
        assertEquals(state.batches(), restored.batches());

        // the next update is the one a model with the new settings makes from the same state
        ModelState reference = ModelState.fromBytes(bytes);
        reference.applySettings(now);
        ModelState old = ModelState.fromBytes(bytes);
        Basis withNew = restored.learnFromStatistics(statistics(restored, 11, 16));
        Basis again = reference.learnFromStatistics(statistics(reference, 11, 16));
        Basis withOld = old.learnFromStatistics(statistics(old, 11, 16));
        assertArrayEquals(again.toRowMajor(), withNew.toRowMajor(), 0.0);
        assertTrue(TestData.maxDifference(withOld.toRowMajor(), withNew.toRowMajor()) > 1e-9, "the new settings act");

        assertThrows(IllegalArgumentException.class, () -> ModelState.fromBytes(bytes).applySettings(
                NmfConfig.defaults(4)));
    }

    @Test
    void modelStateRoundTripsExactlyAndRefusesALearnersPendingColumns() {
        ModelState state = trained(NmfConfig.defaults(3).withBatchSize(16).withSeed(9), 6);
        ModelState back = ModelState.fromBytes(state.toBytes());
        assertArrayEquals(state.toBytes(), back.toBytes());
        Basis a = state.learnFromStatistics(statistics(state, 3, 16));
        Basis b = back.learnFromStatistics(statistics(back, 3, 16));
        assertArrayEquals(a.toRowMajor(), b.toRowMajor(), 0.0);
        assertEquals(a.version(), b.version());

        OnlineNmf learner = new OnlineNmf(NmfConfig.defaults(3).withBatchSize(16));
        PlantedModel planted = new PlantedModel(30, 3, 0.5, 0.2, 0.01, 5);
        double[] v = new double[30];
        for (int j = 0; j < 20; j++) {
            planted.next(v, 0);
            learner.partialFit(DenseColumn.of(v));
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ModelState.fromBytes(learner.toBytes()));
        assertTrue(e.getMessage().contains("OnlineNmf.fromBytes"), e.getMessage());
        // a bare model state is a learner with nothing pending
        OnlineNmf resumed = OnlineNmf.fromBytes(state.toBytes());
        assertArrayEquals(state.basis().toRowMajor(), resumed.basis().toRowMajor(), 0.0);
    }

    /** A model initialised from a planted sample and trained on {@code batches} batches of 16. */
    static ModelState trained(NmfConfig config, int batches) {
        PlantedModel planted = new PlantedModel(30, 3, 0.5, 0.2, 0.01, 5);
        ModelState state = new ModelState(config);
        List<Column> sample = new ArrayList<>();
        double[] v = new double[30];
        for (int j = 0; j < 16; j++) {
            planted.next(v, 0);
            sample.add(DenseColumn.of(v.clone()));
        }
        state.initialize(sample);
        for (int b = 0; b < batches; b++) {
            state.learnFromStatistics(statistics(state, 100 + b, 16));
        }
        return state;
    }

    /** Statistics of n planted columns projected on the model's basis. */
    static SufficientStatistics statistics(ModelState state, long seed, int n) {
        PlantedModel planted = new PlantedModel(30, 3, 0.5, 0.2, 0.01, seed);
        Projector projector = new Projector(3);
        Projection p = new Projection(3);
        SufficientStatistics s = new SufficientStatistics(30, 3);
        double[] v = new double[30];
        for (int j = 0; j < n; j++) {
            planted.next(v, 0);
            projector.project(state.basis(), DenseColumn.of(v), p);
            s.add(DenseColumn.of(v), p.h);
            s.offerCandidate(DenseColumn.of(v), p.residualSq);
        }
        return s;
    }
}
