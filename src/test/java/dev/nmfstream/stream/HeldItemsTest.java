package dev.nmfstream.stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.Test;

class HeldItemsTest {

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void firstInFirstOutWithTimestampKeyAndValueAcrossARestore() {
        KeyValueStore<Long, byte[]> store = TestStores.keyValue(new MockProcessorContext<>(),
                NmfTopology.BACKLOG_STORE, Serdes.Long(), Serdes.ByteArray());
        HeldItems held = new HeldItems(store);
        assertTrue(held.isEmpty());
        assertNull(held.first());
        held.add(100, bytes("a"), bytes("va"));
        held.add(101, null, bytes("vb"));
        held.add(102, new byte[0], bytes("vc"));
        assertEquals(3, held.count());
        HeldItems.Item a = held.first();
        assertEquals(100, a.timestamp());
        assertArrayEquals(bytes("a"), a.key());
        assertArrayEquals(bytes("va"), a.value());
        held.removeFirst();

        HeldItems restored = new HeldItems(store); // the same store after a restart
        assertEquals(2, restored.count());
        HeldItems.Item b = restored.first();
        assertEquals(101, b.timestamp());
        assertNull(b.key(), "a null key stays null");
        assertArrayEquals(bytes("vb"), b.value());
        restored.removeFirst();
        restored.add(103, bytes("d"), bytes("vd"));
        HeldItems.Item c = restored.first();
        assertArrayEquals(new byte[0], c.key(), "an empty key stays empty");
        restored.removeFirst();
        assertArrayEquals(bytes("vd"), restored.first().value());
        restored.removeFirst();
        assertTrue(restored.isEmpty());
        assertEquals(0, store.approximateNumEntries(), "nothing left in the store");
        assertThrows(IllegalStateException.class, restored::removeFirst);
    }
}
