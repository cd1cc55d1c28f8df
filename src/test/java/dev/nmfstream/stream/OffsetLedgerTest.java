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
    void theFirstRecordAfterARestartCountsTheItemsWhoseStatisticsWereLost() {
        OffsetLedger before = new OffsetLedger(progress, true);
        before.arrived(0);
        for (long offset = 0; offset < 10; offset++) {
            before.projecting(offset);
            before.handled(offset);
        }
        before.statisticsSent(); // covers 0..9; 10..14 are projected, then the task dies
        OffsetLedger after = new OffsetLedger(progress, true);
        assertEquals(9, after.covered());
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
        assertEquals(0, new OffsetLedger(progress, true).arrived(5));
        assertEquals(0, new OffsetLedger(progress, false).arrived(50));
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
