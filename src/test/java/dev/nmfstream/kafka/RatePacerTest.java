package dev.nmfstream.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The pacer's schedule on a clock the test moves by hand: no real time is involved. */
class RatePacerTest {

    /** A clock that moves only when told, and a park that moves it by what was asked (once, less). */
    private static final class ManualClock {
        long now;
        final List<Long> parks = new ArrayList<>();
        long shortOnce;

        void park(long nanos) {
            parks.add(nanos);
            now += nanos - shortOnce;
            shortOnce = 0;
        }
    }

    @Test
    void itemJIsDueJOverRateSecondsAfterTheStart() {
        ManualClock clock = new ManualClock();
        clock.now = 5_000;
        RatePacer pacer = new RatePacer(400, () -> clock.now, clock::park);
        assertEquals(5_000, pacer.due(0));
        assertEquals(5_000 + 2_500_000, pacer.due(1), "1/400 s");
        assertEquals(5_000 + 2_500_000_000L, pacer.due(1_000), "1000/400 s");
        assertEquals(0, pacer.waitNanos(0));
        assertTrue(pacer.isDue(0));
        assertEquals(2_500_000, pacer.waitNanos(1));
        assertFalse(pacer.isDue(1));
        clock.now += 2_000_000;
        assertEquals(500_000, pacer.waitNanos(1));
        clock.now += 500_000;
        assertTrue(pacer.isDue(1), "due exactly at its time");
    }

    @Test
    void awaitParksUntilTheItemIsDueAndNoLonger() {
        ManualClock clock = new ManualClock();
        RatePacer pacer = new RatePacer(1_000, () -> clock.now, clock::park);
        pacer.await(0);
        assertEquals(List.of(), clock.parks, "the first item goes at once");
        pacer.await(3);
        assertEquals(List.of(3_000_000L), clock.parks);
        assertEquals(3_000_000, clock.now);

        clock.shortOnce = 400_000; // a park that returns early is followed by another for the rest
        pacer.await(4);
        assertEquals(List.of(3_000_000L, 1_000_000L, 400_000L), clock.parks);
        assertEquals(4_000_000, clock.now);
    }

    @Test
    void aLateItemDoesNotPushBackTheSchedule() {
        ManualClock clock = new ManualClock();
        RatePacer pacer = new RatePacer(100, () -> clock.now, clock::park);
        clock.now = 55_000_000; // items 0..5 are due by 50 ms: all late, none waits
        for (int j = 0; j <= 5; j++) {
            pacer.await(j);
        }
        assertEquals(List.of(), clock.parks);
        pacer.await(6);
        assertEquals(List.of(5_000_000L), clock.parks, "item 6 is due at 60 ms, as if none had been late");
    }

    @Test
    void rateZeroOrLessMeansAsFastAsPossible() {
        ManualClock clock = new ManualClock();
        for (double rate : new double[] {0, -3}) {
            RatePacer pacer = new RatePacer(rate, () -> clock.now, clock::park);
            pacer.await(1_000_000);
            assertEquals(0, pacer.waitNanos(1_000_000));
            assertEquals(clock.now, pacer.due(1_000_000));
        }
        assertEquals(List.of(), clock.parks);
    }

    @Test
    void fractionalRatesAndLargeIndicesKeepTheirArithmetic() {
        ManualClock clock = new ManualClock();
        RatePacer pacer = new RatePacer(0.5, () -> clock.now, clock::park);
        assertEquals(2_000_000_000L, pacer.due(1), "one item every 2 s");
        RatePacer fast = new RatePacer(1e6, () -> clock.now, clock::park);
        assertEquals(3_000_000_000_000L, fast.due(3_000_000_000L), "3·10⁹ items at 10⁶/s: 3000 s, no overflow");
    }

    @Test
    void aNanRateIsRefusedWithItsValue() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new RatePacer(Double.NaN, () -> 0, n -> { }));
        assertTrue(e.getMessage().contains("NaN"), e.getMessage());
    }
}
