package dev.nmfstream.wire.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The words a projector sends the updater: through the chunker and back, and corrupt payloads refused. */
class VocabularyMessageTest {

    @Test
    void roundTripThroughChunks() {
        List<VocabularyMessage.Entry> entries = new ArrayList<>();
        for (int i = 0; i < 40_000; i++) { // more than one 256 KiB chunk
            entries.add(new VocabularyMessage.Entry(i, i % 7 == 0 ? "zürich-東京-" + i : "word" + i, i + 1));
        }
        List<byte[]> records = new VocabularyMessage(entries).records(42, 7);
        assertTrue(records.size() > 1, "cut into chunks");
        List<Chunk> chunks = new ArrayList<>();
        for (byte[] r : records) {
            chunks.add(Chunker.chunk(r));
        }
        assertEquals(VocabularyMessage.KIND, chunks.get(0).kind());
        VocabularyMessage back = VocabularyMessage.decode(Chunker.join(chunks));
        assertEquals(entries, back.entries());
    }

    @Test
    void corruptPayloadsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> VocabularyMessage.decode(new byte[] {0, 0, 0, 5}));
        assertThrows(IllegalArgumentException.class, () -> VocabularyMessage.decode(new byte[] {
            0, 0, 0, 1, 0, 0, 0, 3, 0, 0, 0, 1, 0, 0, 0, 9, 'a'}));
    }
}
