package dev.nmfstream.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Every dead letter is valid UTF-8 JSON whose strings are well-formed Unicode, whatever bytes the
 * rejected record had: keys and values with invalid UTF-8, and JSON with lone-surrogate escapes
 * in the id, in values, in unknown fields and in quoted text cut at the quote limit.
 */
class DeadLetterTextTest {

    private static final int DIM = 4;

    private static byte[] utf8(String s) {
        return s == null ? null : s.getBytes(StandardCharsets.UTF_8);
    }

    /** Bad records: {key, value}. */
    private static List<byte[][]> records() {
        List<byte[][]> records = new ArrayList<>();
        byte[] invalidUtf8 = {(byte) 0xff, (byte) 0xfe, (byte) 0xed, (byte) 0xa0, (byte) 0x80, (byte) 0xc0, (byte) 0xaf};
        byte[] cesuSurrogate = {'a', (byte) 0xed, (byte) 0xa0, (byte) 0x80}; // U+D800 as if it were a character
        records.add(new byte[][] {invalidUtf8, utf8("{\"values\":[1,2,3,4]}")});
        records.add(new byte[][] {cesuSurrogate, utf8("{\"values\":[1,2,3,4]}")});
        records.add(new byte[][] {utf8("k"), invalidUtf8});
        records.add(new byte[][] {utf8("k"), concat(utf8("{\"id\":\"k\",\"values\":[1,"), invalidUtf8, utf8("]}"))});
        records.add(new byte[][] {utf8("k"), concat(utf8("{\"id\":\""), cesuSurrogate, utf8("\",\"values\":[1,2,3,4]}"))});
        records.add(new byte[][] {null, utf8("{\"id\":\"\\ud800\",\"values\":[1,2,3,4]}")});
        records.add(new byte[][] {null, utf8("{\"id\":\"a\\udc00b\",\"values\":[1,2,3,4]}")});
        records.add(new byte[][] {utf8("k"), utf8("{\"values\":[1,\"\\ud800\",3,4]}")});
        records.add(new byte[][] {utf8("k"), utf8("{\"values\":\"\\udfff\\ud800\"}")});
        records.add(new byte[][] {utf8("k"), utf8("\"\\ud800\"")});
        records.add(new byte[][] {utf8("k"), utf8("{\"timestamp\":\"\\ud83c\",\"values\":[1,2,3,4]}")});
        records.add(new byte[][] {utf8("k"), utf8("{\"note\":\"\\ud800\",\"values\":[-1,2,3,4]}")});
        // a quote cut at 40 chars right inside a surrogate pair: "x"·39 then a pair
        records.add(new byte[][] {utf8("k"), utf8("{\"id\":\"" + "x".repeat(39) + "\ud83c\udfb5\",\"values\":[1,2,3,4]}")});
        records.add(new byte[][] {utf8("k"), utf8("{\"values\":[1,2,3,4],\"dim\":\"" + "y".repeat(39)
                + "\\ud83c\\udfb5\"}")});
        records.add(new byte[][] {utf8("k"), utf8("{\"\\ud800\":1}")});
        records.add(new byte[][] {utf8("k"), utf8("{\"id\":\"k\",\"values\":[1,2,3,4]} \"\\ud800\"")});
        return records;
    }

    private static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        byte[] all = new byte[n];
        int at = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, all, at, p.length);
            at += p.length;
        }
        return all;
    }

    private static String strictUtf8(byte[] bytes) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new AssertionError("not UTF-8: " + Base64.getEncoder().encodeToString(bytes), e);
        }
    }

    private static void assertWellFormed(String text, String what) {
        if (text == null) {
            return;
        }
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                i++;
            } else {
                assertFalse(Character.isSurrogate(c), what + ": a lone surrogate at char " + i + " of " + text);
            }
        }
    }

    @Test
    void deadLettersOfBadTextAreValidUtf8JsonThatParsesBack() {
        ColumnDecoder decoder = new ColumnDecoder(DIM, InputFormat.AUTO, 4096);
        JsonSerde<DeadLetter> serde = WireSerdes.deadLetter();
        int rejected = 0;
        for (byte[][] record : records()) {
            Decoded d = decoder.decode(record[0], record[1]);
            assertTrue(d instanceof Decoded.Invalid, () -> "expected a rejection of " + strictish(record[1]) + ", got " + d);
            String reason = ((Decoded.Invalid) d).reason();
            DeadLetter letter = DeadLetter.of(record[0], record[1], Topics.COLUMNS, 0, rejected, reason, 5L);
            byte[] bytes = serde.serializer().serialize(Topics.DEAD_LETTERS, letter);
            String json = strictUtf8(bytes);
            DeadLetter back = serde.deserializer().deserialize(Topics.DEAD_LETTERS, bytes);
            assertEquals(letter, back, json);
            assertWellFormed(back.key(), "key");
            assertWellFormed(back.reason(), "reason");
            assertWellFormed(back.topic(), "topic");
            assertArrayEquals(record[1], Base64.getDecoder().decode(back.valueBase64()), "the value, as sent");
            if (record[0] != null) {
                assertArrayEquals(record[0], Base64.getDecoder().decode(back.keyBase64()), "the key, as sent");
            }
            rejected++;
        }
        assertEquals(records().size(), rejected);
    }

    /** A lone surrogate is written as its escape text; pairs and other text are kept as they are. */
    @Test
    void loneSurrogatesBecomeTheirEscapeText() {
        assertEquals("id \\uD800 and \\uDC00x", DeadLetter.wellFormed("id \ud800 and \udc00x"));
        assertEquals("\ud83c\udfb5 ok", DeadLetter.wellFormed("\ud83c\udfb5 ok"));
        assertEquals("a\\uD83C", DeadLetter.wellFormed("a\ud83c"));
        assertNull(DeadLetter.wellFormed(null));
        DeadLetter letter = new DeadLetter("k\ud800", null, null, -1, false, "t", 0, 0, "r \udfff", 0);
        assertEquals("k\\uD800", letter.key());
        assertEquals("r \\uDFFF", letter.reason());
    }

    private static String strictish(byte[] b) {
        return b == null ? "null" : new String(b, StandardCharsets.UTF_8);
    }
}
