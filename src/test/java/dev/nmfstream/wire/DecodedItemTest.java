package dev.nmfstream.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nmfstream.nmf.DenseColumn;
import dev.nmfstream.nmf.SparseColumn;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Decoding into one reusable item: views, the key as the id, reuse across valid and invalid records. */
class DecodedItemTest {

    private static final int DIM = 4;
    private final ColumnDecoder decoder = new ColumnDecoder(DIM, InputFormat.AUTO, 200);
    private final DecodedItem item = new DecodedItem(DIM);

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void aBinaryItemIsAViewAndItsIdIsTheKeyItself() {
        byte[] key = utf8("frame-1");
        assertTrue(decoder.decode(key, ColumnEncoder.binary(DenseColumn.of(0, 1.5, 0.25, 2), 1763900000000L), item));
        DenseColumn column = (DenseColumn) item.column();
        assertArrayEquals(new double[] {0, 1.5, 0.25, 2}, Arrays.copyOf(column.data(), DIM));
        assertEquals(1763900000000L, item.eventTimestamp());
        assertSame(key, item.idKey());
        assertSame(key, item.idUtf8());
        assertEquals(7, item.idLength());
        assertEquals("frame-1", item.id());

        assertTrue(decoder.decode(key, ColumnEncoder.binary(SparseColumn.of(DIM, new int[] {1, 3},
                new double[] {0.5, 4}), -1), item));
        SparseColumn sparse = (SparseColumn) item.column();
        assertEquals(2, sparse.nnz());
        assertEquals(-1, item.eventTimestamp());
        assertSame(column.data(), sparse.values(), "one set of arrays for every record");
    }

    @Test
    void aJsonIdWithoutAKeyIsCopiedForTheKey() {
        assertTrue(decoder.decode(null, utf8("{\"id\":\"caf\u00e9-\ud83c\udfb5\",\"values\":[1,2,3,4]}"), item));
        assertEquals("caf\u00e9-\ud83c\udfb5", item.id());
        byte[] key = item.idKey();
        assertArrayEquals(utf8("caf\u00e9-\ud83c\udfb5"), key);
        assertArrayEquals(key, Arrays.copyOf(item.idUtf8(), item.idLength()));

        byte[] recordKey = utf8("caf\u00e9-\ud83c\udfb5");
        assertTrue(decoder.decode(recordKey, utf8("{\"id\":\"caf\u00e9-\ud83c\udfb5\",\"values\":[1,2,3,4]}"), item));
        assertSame(recordKey, item.idKey(), "an id equal to the key: the key serves");
        assertNotSame(recordKey, key);
    }

    @Test
    void anInvalidRecordLeavesOnlyItsReason() {
        assertTrue(decoder.decode(utf8("a"), utf8("{\"values\":[1,2,3,4]}"), item));
        assertFalse(decoder.decode(utf8("a"), utf8("{\"values\":[1,2,3,-4]}"), item));
        assertEquals("values[3] = -4, expected a finite nonnegative number", item.reason());
        assertThrows(IllegalStateException.class, item::column);
        assertThrows(IllegalStateException.class, item::idKey);
        assertEquals(new Decoded.Invalid(item.reason()), item.toDecoded());
        assertTrue(decoder.decode(utf8("b"), utf8("{\"values\":[5,6,7,8]}"), item));
        assertThrows(IllegalStateException.class, item::reason);
        assertEquals("b", item.id());
    }

    @Test
    void aSparseJsonColumnWithMoreEntriesThanMNamesTheFirstBadOne() {
        assertFalse(decoder.decode(utf8("k"), utf8("{\"dim\":4,\"indices\":[0,1,2,3,4,5,6],\"values\":[1,1,1,1,1,1,1]}"),
                item));
        assertEquals("indices[4] = 4, expected an index in [0, 4)", item.reason());
        assertFalse(decoder.decode(utf8("k"), utf8("{\"values\":[1,2,3,4,5,6,7,8,9]}"), item));
        assertEquals("values: 9 numbers, expected 4 (nmf.dimension)", item.reason());
    }

    @Test
    void aLoneSurrogateInAJsonIdIsRefused() {
        assertFalse(decoder.decode(null, utf8("{\"id\":\"a\\ud800b\",\"values\":[1,2,3,4]}"), item));
        assertEquals("id: char 1 is a lone surrogate \\uD800, expected Unicode text (the id becomes a UTF-8 record key)",
                item.reason());
    }

    @Test
    void anItemOfAnotherDimensionIsRefused() {
        assertEquals("into: an item of dimension 5, expected 4 (nmf.dimension)", assertThrows(
                IllegalArgumentException.class, () -> decoder.decode(null, utf8("{}"), new DecodedItem(5))).getMessage());
        assertThrows(IllegalArgumentException.class, () -> new DecodedItem(0));
    }

    @Test
    void keysAreCheckedAsTheJdksStrictUtf8DecoderChecksThem() {
        SplittableRandom random = new SplittableRandom(11);
        int[] leads = {0x41, 0x7F, 0x80, 0xBF, 0xC0, 0xC1, 0xC2, 0xDF, 0xE0, 0xED, 0xEE, 0xEF, 0xF0, 0xF4, 0xF5, 0xFF};
        int[] follows = {0x00, 0x41, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xFF};
        for (int j = 0; j < 200_000; j++) {
            byte[] key = new byte[1 + random.nextInt(6)];
            for (int i = 0; i < key.length; i++) {
                key[i] = (byte) (random.nextInt(3) == 0 ? leads[random.nextInt(leads.length)]
                        : follows[random.nextInt(follows.length)]);
            }
            assertEquals(jdkAccepts(key), ColumnDecoder.isUtf8(key), () -> "key " + Arrays.toString(key));
        }
    }

    private static boolean jdkAccepts(byte[] bytes) {
        try {
            StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes));
            return true;
        } catch (CharacterCodingException e) {
            return false;
        }
    }
}
