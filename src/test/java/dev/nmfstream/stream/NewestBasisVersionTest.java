package dev.nmfstream.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.Test;

class NewestBasisVersionTest {

    @Test
    void neverAdmitsAVersionOlderThanTheNewestReadAcrossARestart() {
        KeyValueStore<String, Long> progress = TestStores.keyValue(new MockProcessorContext<>(),
                NmfTopology.PROGRESS_STORE, Serdes.String(), Serdes.Long());
        NewestBasisVersion newest = new NewestBasisVersion(progress);
        assertTrue(newest.none());
        assertTrue(newest.admits(0));
        newest.read(7);
        newest.read(5);
        assertEquals(7, newest.value(), "an older version read later changes nothing");
        NewestBasisVersion moved = new NewestBasisVersion(progress);
        assertFalse(moved.none());
        assertEquals(7, moved.value());
        assertFalse(moved.admits(6));
        assertTrue(moved.admits(7));
        assertTrue(moved.admits(8));
    }
}
