package dev.nmfstream.wire.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nmfstream.wire.internal.InternalMessagesTest.MapStore;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ChunkerTest {

    private static byte[] payload(int n, long seed) {
        byte[] bytes = new byte[n];
        new SplittableRandom(seed).nextBytes(bytes);
        return bytes;
    }

    @Test
    void cutsAtTheChunkSizeAndJoinsExactly() {
        for (int n : new int[] {0, 1, Chunker.CHUNK_BYTES, Chunker.CHUNK_BYTES + 1, 3 * Chunker.CHUNK_BYTES - 7}) {
            byte[] payload = payload(n, n);
            List<byte[]> records = Chunker.cut((byte) 'X', 5, 9, payload);
            assertEquals(Math.max(1, (n + Chunker.CHUNK_BYTES - 1) / Chunker.CHUNK_BYTES), records.size(), "n = " + n);
            List<Chunk> chunks = new ArrayList<>();
            for (int i = 0; i < records.size(); i++) {
                Chunk c = Chunker.chunk(records.get(i));
                assertEquals('X', c.kind());
                assertEquals(5, c.sender());
                assertEquals(9, c.seq());
                assertEquals(i, c.index());
                assertEquals(records.size(), c.count());
                assertTrue(c.data().length <= Chunker.CHUNK_BYTES);
                assertArrayEquals(records.get(i), Chunker.record(c));
                chunks.add(c);
            }
            assertArrayEquals(payload, Chunker.join(chunks), "n = " + n);
        }
    }

    @Test
    void badHeadersAndOutOfOrderChunksAreRejected() {
        IllegalArgumentException shortRecord = assertThrows(IllegalArgumentException.class,
                () -> Chunker.chunk(new byte[] {'S', 1, 2}));
        assertTrue(shortRecord.getMessage().contains("3 bytes"), shortRecord.getMessage());
        byte[] bad = Chunker.cut((byte) 'S', 1, 1, new byte[10]).get(0);
        bad[Chunker.HEADER_BYTES - 1] = 0; // count 0
        IllegalArgumentException count = assertThrows(IllegalArgumentException.class, () -> Chunker.chunk(bad));
        assertTrue(count.getMessage().contains("count 0"), count.getMessage());
        List<byte[]> records = Chunker.cut((byte) 'S', 1, 1, payload(2 * Chunker.CHUNK_BYTES + 5, 3));
        List<Chunk> swapped = List.of(Chunker.chunk(records.get(0)), Chunker.chunk(records.get(2)),
                Chunker.chunk(records.get(1)));
        assertThrows(IllegalArgumentException.class, () -> Chunker.join(swapped));
    }

    @Test
    void keyedMessagesReplaceEachOtherAndShrinkCleanly() {
        MapStore store = new MapStore();
        assertNull(Chunker.read(store, "state"));
        byte[] big = payload(3 * Chunker.CHUNK_BYTES, 1);
        Chunker.write(store, "state", (byte) 'M', big);
        assertEquals(3, store.map.size());
        Message first = Chunker.read(store, "state");
        assertArrayEquals(big, first.payload());
        assertEquals('M', first.kind());
        byte[] small = payload(10, 2);
        Chunker.write(store, "state", (byte) 'M', small);
        assertEquals(1, store.map.size(), "chunks beyond the new count deleted");
        Message second = Chunker.read(store, "state");
        assertArrayEquals(small, second.payload());
        assertEquals(first.seq() + 1, second.seq(), "each write has its number");

        Chunker.write(store, "state", (byte) 'M', big);
        byte[] chunk1 = store.map.get("state/1");
        Chunker.write(store, "state", (byte) 'M', payload(3 * Chunker.CHUNK_BYTES, 5));
        store.put("state/1", chunk1);
        assertNull(Chunker.read(store, "state"), "a chunk of another write: not one message");
        store.delete("state/2");
        assertNull(Chunker.read(store, "state"), "a chunk missing");
        Chunker.delete(store, "state");
        assertTrue(store.map.isEmpty(), "deletes the chunks chunk 0 counts: " + store.map.keySet());
    }

    @Test
    void reassemblerDropsAMessageWithAMissingChunkAndKeepsTheRest() {
        MapStore store = new MapStore();
        Reassembler reassembler = new Reassembler(store, "partial/");
        byte[] a = payload(2 * Chunker.CHUNK_BYTES + 1, 7);
        byte[] b = payload(Chunker.CHUNK_BYTES + 3, 8);
        List<byte[]> ra = Chunker.cut((byte) 'S', 1, 0, a);
        List<byte[]> rb = Chunker.cut((byte) 'S', 2, 0, b);
        // two senders interleaved; sender 1 loses its middle chunk
        assertNull(reassembler.accept(ra.get(0)));
        assertNull(reassembler.accept(rb.get(0)));
        assertEquals(2, store.map.size(), "incomplete messages' chunks are kept");
        assertNull(reassembler.accept(ra.get(2)));
        assertEquals(1, reassembler.dropped());
        Message mb = reassembler.accept(rb.get(1));
        assertArrayEquals(b, mb.payload());
        assertEquals(2, mb.sender());
        assertTrue(store.map.isEmpty(), "nothing kept once complete or dropped: " + store.map.keySet());

        // a sender that moves on to its next message abandons the one it had begun
        assertNull(reassembler.accept(Chunker.cut((byte) 'S', 1, 2, a).get(0)));
        assertEquals(1, store.map.size());
        Message single = reassembler.accept(Chunker.cut((byte) 'S', 1, 3, payload(5, 9)).get(0));
        assertArrayEquals(payload(5, 9), single.payload());
        assertEquals(3, single.seq());
        assertEquals(2, reassembler.dropped());
        assertEquals(0, reassembler.incomplete());
        assertTrue(store.map.isEmpty(), store.map.keySet().toString());
    }

    @Test
    void aRestartMidMessageCompletesItFromTheStore() {
        MapStore store = new MapStore();
        byte[] a = payload(3 * Chunker.CHUNK_BYTES - 1, 11);
        List<byte[]> records = Chunker.cut((byte) 'S', 77, 4, a);
        Reassembler before = new Reassembler(store, "partial/");
        assertNull(before.accept(records.get(0)));
        assertNull(before.accept(records.get(1)));

        Reassembler after = new Reassembler(store, "partial/");
        List<byte[]> kept = new ArrayList<>(store.map.values());
        kept.sort((x, y) -> -Arrays.compare(x, y)); // any order
        after.restore(kept);
        assertEquals(1, after.incomplete());
        Message whole = after.accept(records.get(2));
        assertArrayEquals(a, whole.payload());
        assertEquals(77, whole.sender());
        assertEquals(4, whole.seq());
        assertTrue(store.map.isEmpty());
        assertEquals(0, after.dropped());
    }
}
