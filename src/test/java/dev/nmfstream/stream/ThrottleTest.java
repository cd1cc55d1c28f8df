package dev.nmfstream.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ThrottleTest {

    @Test
    void holdsOnlyWhenTheStatisticsAfterTheAllowanceAreSent() {
        Throttle t = new Throttle(10, 4, Staleness.DEFAULT_DIVISOR);
        t.statisticsSent(0);
        assertFalse(t.holding(), "no basis yet: nothing to hold for");
        t.newBasis(0);
        assertEquals(10, t.allowance());
        for (int i = 0; i < 9; i++) {
            t.projected();
        }
        t.statisticsSent(100);
        assertFalse(t.holding(), "9 of 10 used");
        t.projected();
        assertFalse(t.holding(), "the allowance is checked when statistics are sent");
        t.statisticsSent(200);
        assertTrue(t.holding());
        assertEquals(10, t.projectedWithVersion());
    }

    @Test
    void releasesAfterTheWaitAndRunsFreelyUntilTheNextVersion() {
        Throttle t = new Throttle(10, 4, Staleness.DEFAULT_DIVISOR);
        t.newBasis(3);
        for (int i = 0; i < 10; i++) {
            t.projected();
        }
        t.statisticsSent(1000);
        assertFalse(t.releaseAfterWait(1000 + Throttle.MAX_WAIT_MS - 1));
        assertTrue(t.holding());
        assertTrue(t.releaseAfterWait(1000 + Throttle.MAX_WAIT_MS));
        assertFalse(t.holding());
        assertFalse(t.releaseAfterWait(5000), "released once");
        for (int i = 0; i < 100; i++) {
            t.projected();
        }
        t.statisticsSent(6000);
        assertFalse(t.holding(), "free running with this version");
        t.newBasis(4);
        assertEquals(0, t.projectedWithVersion());
        for (int i = 0; i < 10; i++) {
            t.projected();
        }
        t.statisticsSent(7000);
        assertTrue(t.holding(), "a new version brings a new allowance and the throttle back");
    }

    @Test
    void aNewerVersionEndsTheHoldAtOnce() {
        Throttle t = new Throttle(10, 4, Staleness.DEFAULT_DIVISOR);
        t.newBasis(0);
        for (int i = 0; i < 10; i++) {
            t.projected();
        }
        t.statisticsSent(0);
        assertTrue(t.holding());
        t.newBasis(1);
        assertFalse(t.holding());
    }

    @Test
    void theDivisorSetsTheAllowance() {
        Throttle t = new Throttle(10, 4, 8);
        t.newBasis(64);
        assertEquals(20, t.allowance(), "10 · max(1, 64 / (8 · 4))");
        t.newBasis(63);
        assertEquals(10, t.allowance());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Throttle(10, 4, 0));
        assertTrue(e.getMessage().contains("divisor = 0"), e.getMessage());
    }

    @Test
    void needsAPartition() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Throttle(10, 0, 2));
        assertTrue(e.getMessage().contains("input partitions = 0"), e.getMessage());
    }
}
