package dev.nmfstream.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.nmfstream.nmf.Forgetting;
import org.junit.jupiter.api.Test;

class StalenessTest {

    @Test
    void allowanceIsOneBatchEarlyThenGrowsWithTheVersion() {
        assertEquals(100, Staleness.allowance(0, 100, 4));
        assertEquals(100, Staleness.allowance(7, 100, 4));
        assertEquals(100, Staleness.allowance(15, 100, 4));
        assertEquals(200, Staleness.allowance(16, 100, 4));
        assertEquals(1000, Staleness.allowance(80, 100, 4));
        assertEquals(50L * 1_000_000, Staleness.allowance(2_000_000, 50, 1));
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
}
