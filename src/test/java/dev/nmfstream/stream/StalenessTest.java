package dev.nmfstream.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nmfstream.nmf.Column;
import dev.nmfstream.nmf.DenseColumn;
import dev.nmfstream.nmf.Forgetting;
import dev.nmfstream.nmf.ModelState;
import dev.nmfstream.nmf.NmfConfig;
import dev.nmfstream.nmf.Projection;
import dev.nmfstream.nmf.Projector;
import dev.nmfstream.nmf.SufficientStatistics;
import dev.nmfstream.nmf.synth.PlantedModel;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class StalenessTest {

    @Test
    void allowanceIsOneBatchEarlyThenGrowsWithTheVersion() {
        int d = Staleness.DEFAULT_DIVISOR;
        assertEquals(100, Staleness.allowance(0, 100, 4, d));
        assertEquals(100, Staleness.allowance(7, 100, 4, d));
        assertEquals(100, Staleness.allowance(15, 100, 4, d));
        assertEquals(200, Staleness.allowance(16, 100, 4, d));
        assertEquals(1000, Staleness.allowance(80, 100, 4, d));
        assertEquals(50L * 1_000_000, Staleness.allowance(2_000_000, 50, 1, d));
    }

    @Test
    void aLargerDivisorLetsTheAllowanceGrowMoreSlowly() {
        // 8 · 4 partitions: one batch up to version 63, two from 64, ten at 320
        assertEquals(100, Staleness.allowance(63, 100, 4, 8));
        assertEquals(200, Staleness.allowance(64, 100, 4, 8));
        assertEquals(1000, Staleness.allowance(320, 100, 4, 8));
        assertEquals(200, Staleness.allowance(80, 100, 4, 8), "80 / 32 = 2 batches, against divisor 2's 10");
        assertEquals(100, Staleness.allowance(2_000_000, 100, 4, 1_000_000), "the largest divisor the setting allows");
    }

    @Test
    void currentBasisWeighsOne() {
        assertEquals(1.0, Staleness.weight(Forgetting.DEFAULT, 50, 0));
        assertEquals(1.0, Staleness.weight(Forgetting.fixed(0.5), 50, 0));
        assertEquals(1.0, Staleness.weight(Forgetting.fixed(0.5), 50, -3));
    }

    @Test
    void fixedFactorPowersByTheLag() {
        assertEquals(0.729, Staleness.weight(Forgetting.fixed(0.9), 20, 3), 1e-15);
        assertEquals(1.0, Staleness.weight(Forgetting.fixed(1.0), 20, 7));
        // the first batch (u = 1) forgets nothing of the past: only u ≥ 2 count
        assertEquals(0.25, Staleness.weight(Forgetting.fixed(0.5), 2, 10), 1e-15);
    }

    @Test
    void scheduleTelescopesToTheRatioOfBatchCounts() {
        // Π_{u = t−lag+1..t} (1 − 1/u)^p = ((t − lag) / t)^p with t = batchesDone + 1
        assertEquals(Math.pow(0.8, 1.5), Staleness.weight(Forgetting.DEFAULT, 9, 2), 1e-14);
        assertEquals(Math.pow(50.0 / 100.0, 2.0), Staleness.weight(Forgetting.schedule(2.0), 99, 50), 1e-14);
        // a lag past the first batch stops at u = 2: (1 / t)^p
        assertEquals(0.125, Staleness.weight(Forgetting.DEFAULT, 3, 100), 1e-15);
    }

    @Test
    void weightNeverGoesBelowTheFloor() {
        assertEquals(1e-12, Staleness.weight(Forgetting.fixed(0.1), 100, 40), 1e-24);
        assertEquals(1e-12, Staleness.weight(Forgetting.fixed(0.01), 100, 1000), 1e-24);
    }

    @Test
    void staleStatisticsWeighAsMuchAsWhenTheirBasisWasCurrent() {
        PlantedModel planted = new PlantedModel(30, 3, 0.5, 0.2, 0.01, 5);
        ModelState model = new ModelState(NmfConfig.defaults(3).withBatchSize(16));
        List<Column> sample = new ArrayList<>();
        double[] v = new double[30];
        for (int j = 0; j < 16; j++) {
            planted.next(v, 0);
            sample.add(DenseColumn.of(v.clone()));
        }
        model.initialize(sample);
        assertEquals(1.0, weight(model, model.basis().version()), 0.0, "current basis");
        for (int b = 0; b < 39; b++) {
            SufficientStatistics s = new SufficientStatistics(30, 3);
            for (int j = 0; j < 16; j++) {
                planted.next(v, 0);
                s.add(DenseColumn.of(v.clone()), project(model, v));
            }
            model.learnFromStatistics(s);
        }
        long now = model.basis().version();
        assertEquals(39, model.batches());
        assertEquals(1.0, weight(model, now), 0.0);
        // the default schedule (1 - 1/u)^1.5 telescopes: lag 20 at t = 40 weighs (20 / 40)^1.5
        assertEquals(Math.pow(20.0 / 40.0, 1.5), weight(model, now - 20), 1e-12);
        assertEquals(Math.pow(1.0 / 40.0, 1.5), weight(model, now - 39), 1e-12);
        assertTrue(weight(model, now - 1000) > 0, "never zero");
        ModelState fixed = ModelState.withBasis(NmfConfig.defaults(3).withForgetting(Forgetting.fixed(0.9)),
                model.basis());
        assertEquals(1.0, weight(fixed, now - 3), 0.0, "no update since its basis: nothing to forget");
        for (int b = 0; b < 5; b++) {
            SufficientStatistics s = new SufficientStatistics(30, 3);
            planted.next(v, 0);
            s.add(DenseColumn.of(v.clone()), project(fixed, v));
            fixed.learnFromStatistics(s);
        }
        assertEquals(0.9 * 0.9 * 0.9, weight(fixed, fixed.basis().version() - 3), 1e-12);
    }

    /** The discount of statistics made with the given version of the model's basis. */
    private static double weight(ModelState model, long basisVersion) {
        return Staleness.weight(model.config().forgetting(), model.batches(), model.basis().version() - basisVersion);
    }

    private static double[] project(ModelState model, double[] v) {
        return new Projector(model.rank()).project(model.basis(), DenseColumn.of(v.clone()), new Projection(model.rank())).h;
    }
}
