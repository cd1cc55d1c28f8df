package dev.nmfstream.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class OffsetLedgerTest {

    private KeyValueStore<String, Long> progress;

    @BeforeEach
    void store() {
        progress = TestStores.keyValue(new MockProcessorContext<>(), NmfTopology.PROGRESS_STORE, Serdes.String(),
                Serdes.Long());
    }

    @Test
    void aFlushCoversTheRecordBeingProjectedOrElseTheLastOneHandled() {
        OffsetLedger ledger = new OffsetLedger(progress, true);
        assertEquals(0, ledger.arrived(0));
        ledger.handled(0);
        ledger.projecting(1);
        ledger.statisticsSent();
        assertEquals(1, ledger.covered(), "a flush while projecting offset 1 includes it");
        ledger.handled(1);
        ledger.handled(2);
        ledger.statisticsSent();
        assertEquals(2, ledger.covered());
        assertEquals(2L, progress.get(OffsetLedger.KEY));
    }

    @Test
    void aRestartCountsTheItemsWhoseStatisticsWereInMemoryBeforeAnyRecordArrives() {
        OffsetLedger before = new OffsetLedger(progress, true);
        before.arrived(0);
        for (long offset = 0; offset < 15; offset++) {
            before.projecting(offset);
            before.handled(offset);
            if (offset == 9) {
                before.statisticsSent(); // covers 0..9
            } else {
                before.unsent(offset < 9 ? offset + 1 : offset - 9); // 10..14 are projected, then the task dies
            }
        }
        OffsetLedger after = new OffsetLedger(progress, true);
        assertEquals(5, after.lost(), "counted at the start: the feed may have ended");
        assertEquals(0, after.arrived(15), "and not again when the next record arrives");
        after.unsent(2); // two more items in memory, then a second crash before the count is sent
        OffsetLedger again = new OffsetLedger(progress, true);
        assertEquals(7, again.lost(), "the unreported count and the new items");
        again.statisticsSent(); // a tick sends the count alone
        assertEquals(0, again.lost(), "reported with the statistics");
        assertEquals(0, new OffsetLedger(progress, true).lost(), "a later restart does not count them again");
    }

    @Test
    void itemsReleasedFromAStoreAndLostInMemoryAreCounted() {
        OffsetLedger ledger = new OffsetLedger(progress, true);
        for (long offset = 0; offset < 4; offset++) {
            ledger.held(offset, false); // held (covered: nothing of them can be lost while they are stored)
        }
        assertEquals(3, ledger.covered());
        ledger.unsent(4); // released and projected: their statistics are in memory; then the task dies
        assertEquals(4, new OffsetLedger(progress, true).lost(), "the gap after the covered offset would say 0");
    }

    @Test
    void aStoreWithoutTheUnsentCountCountsTheGapOnTheFirstRecordAfterTheRestart() {
        progress.put(OffsetLedger.KEY, 9L); // as the older version left it: 10..14 handled, not covered
        OffsetLedger after = new OffsetLedger(progress, true);
        assertEquals(0, after.lost());
        assertEquals(5, after.arrived(15));
        assertEquals(0, after.arrived(16), "only the first record after the restart");
        assertEquals(5, after.lost());
        after.handled(16);
        after.statisticsSent();
        assertEquals(0, after.lost(), "reported with the statistics");
        assertEquals(16, after.covered());
    }

    @Test
    void noGapNoLossAndNothingLostWithoutLearning() {
        OffsetLedger ledger = new OffsetLedger(progress, true);
        ledger.handled(4);
        ledger.statisticsSent();
        OffsetLedger restarted = new OffsetLedger(progress, true);
        assertEquals(0, restarted.lost());
        assertEquals(0, restarted.arrived(5));
        progress.put(OffsetLedger.UNSENT_KEY, 3L);
        OffsetLedger fixed = new OffsetLedger(progress, false);
        assertEquals(0, fixed.lost());
        assertEquals(0, fixed.arrived(50));
    }

    @Test
    void aHeldRecordIsCoveredUnlessUnsentStatisticsAreInMemory() {
        OffsetLedger ledger = new OffsetLedger(progress, true);
        ledger.held(3, false);
        assertEquals(3, ledger.covered());
        ledger.held(4, true);
        assertEquals(3, ledger.covered(), "the unsent statistics of earlier items keep the mark");
        OffsetLedger restarted = new OffsetLedger(progress, true);
        assertEquals(7, restarted.arrived(11));
        restarted.held(11, false);
        assertEquals(3, restarted.covered(), "an unreported lost count keeps the mark too");
    }
}
