package dev.nmfstream.nmf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** When the other lanes join ({@link Lanes#settle}), on clocks the test moves itself. */
class LanesTest {

    private final AtomicLong wall = new AtomicLong(1_000_000_000L);
    private final AtomicLong compiling = new AtomicLong(500);

    private Lanes lanes(int count) {
        return new Lanes(count, true, wall::get, compiling::get);
    }

    /** One mini-batch of {@code millis} wall time during which the compiler threads worked {@code compileMillis}. */
    private void batch(Lanes lanes, long millis, long compileMillis) {
        wall.addAndGet(millis * 1_000_000L);
        compiling.addAndGet(compileMillis);
        lanes.settle();
    }

    @Test
    void theOtherLanesJoinAfterTwoQuietWindowsInARow() {
        try (Lanes lanes = lanes(2)) {
            assertTrue(lanes.alone());
            batch(lanes, 30, 0);
            batch(lanes, 30, 0); // first window (60 ms): quiet
            assertTrue(lanes.alone());
            batch(lanes, 30, 5);
            assertTrue(lanes.alone());
            batch(lanes, 30, 0); // second window (60 ms, 5 ms compiled: under a tenth)
            assertFalse(lanes.alone());
        }
    }

    @Test
    void manyShortBatchesDuringOneLongCompilationDoNotCountAsQuiet() {
        try (Lanes lanes = lanes(2)) {
            // mini-batches of 1 ms while a compilation of 40 ms runs and completes every 50 ms: the
            // compiler's time grows only when a compilation ends, so most batches see no change
            for (int ms = 1; ms <= 2_000; ms++) {
                batch(lanes, 1, ms % 50 == 0 ? 40 : 0);
                assertTrue(lanes.alone(), "joined after " + ms + " ms of a busy compiler");
            }
            for (int ms = 0; ms < 99; ms++) {
                batch(lanes, 1, 0);
            }
            assertTrue(lanes.alone(), "one quiet window is not enough");
            for (int ms = 0; ms < 51; ms++) {
                batch(lanes, 1, 0);
            }
            assertFalse(lanes.alone());
        }
    }

    @Test
    void aBusyWindowStartsTheCountAgain() {
        try (Lanes lanes = lanes(3)) {
            batch(lanes, 50, 0); // quiet
            batch(lanes, 50, 6); // busy: 12 %
            batch(lanes, 50, 0); // quiet
            assertTrue(lanes.alone());
            batch(lanes, 50, 1);
            assertFalse(lanes.alone());
        }
    }

    @Test
    void oneLaneOrNoWaitingIsNeverAlone() {
        try (Lanes one = lanes(1); Lanes eager = new Lanes(2, false, wall::get, compiling::get)) {
            assertTrue(one.alone());
            assertFalse(eager.alone());
        }
    }

    @Test
    void whileAloneEveryUnitRunsOnTheCallingThreadAndAfterwardsOnAnyLane() {
        try (Lanes lanes = lanes(2)) {
            AtomicIntegerArray byLane = new AtomicIntegerArray(2);
            lanes.run(64, (lane, u) -> byLane.incrementAndGet(lane));
            assertEquals(64, byLane.get(0));
            assertEquals(0, byLane.get(1));
            batch(lanes, 50, 0);
            batch(lanes, 50, 0);
            assertFalse(lanes.alone());
            AtomicIntegerArray done = new AtomicIntegerArray(64);
            lanes.run(64, (lane, u) -> done.incrementAndGet(u));
            for (int u = 0; u < 64; u++) {
                assertEquals(1, done.get(u), "unit " + u);
            }
        }
    }
}
