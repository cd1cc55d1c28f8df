package dev.nmfstream.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

/** The output messages through their serdes: field names, round trips, absent values, bad bytes. */
class MessagesTest {

    private static String text(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8);
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void weightsRoundTrip() {
        JsonSerde<WeightsMessage> serde = WireSerdes.weights();
        WeightsMessage w = new WeightsMessage("frame-1", 412, new double[] {0, 1.25, 0.031}, 0.0412, 1763900000000L,
                1763900000012L);
        byte[] bytes = serde.serializer().serialize(Topics.WEIGHTS, w);
        assertEquals("{\"id\":\"frame-1\",\"basisVersion\":412,\"weights\":[0.0,1.25,0.031],\"relativeResidual\":0.0412,"
                + "\"eventTimestamp\":1763900000000,\"processedTimestamp\":1763900000012}", text(bytes));
        WeightsMessage back = serde.deserializer().deserialize(Topics.WEIGHTS, bytes);
        assertEquals("frame-1", back.id());
        assertEquals(412, back.basisVersion());
        assertArrayEquals(w.weights(), back.weights());
        assertEquals(0.0412, back.relativeResidual());
        assertEquals(1763900000000L, back.eventTimestamp());
        assertEquals(1763900000012L, back.processedTimestamp());
    }

    @Test
    void anAbsentEventTimestampIsNullInJsonAndMinusOneInJava() {
        JsonSerde<WeightsMessage> serde = WireSerdes.weights();
        byte[] bytes = serde.serializer().serialize(Topics.WEIGHTS,
                new WeightsMessage("a", 1, new double[] {1}, 0, -1, 5));
        assertTrue(text(bytes).contains("\"eventTimestamp\":null"), text(bytes));
        assertEquals(-1, serde.deserializer().deserialize(Topics.WEIGHTS, bytes).eventTimestamp());
        WeightsMessage absent = serde.deserializer().deserialize(Topics.WEIGHTS,
                utf8("{\"id\":\"a\",\"basisVersion\":1,\"weights\":[1],\"relativeResidual\":0,\"processedTimestamp\":5}"));
        assertEquals(-1, absent.eventTimestamp(), "a missing field reads as -1 too");
        assertEquals(0, serde.deserializer().deserialize(Topics.WEIGHTS, utf8("{\"id\":\"a\",\"eventTimestamp\":0}"))
                .eventTimestamp(), "0 is a time, not an absence");
        assertThrows(SerializationException.class, () -> serde.deserializer().deserialize(Topics.WEIGHTS,
                utf8("{\"id\":\"a\",\"eventTimestamp\":\"yesterday\"}")));
    }

    @Test
    void factorsRoundTrip() {
        ComponentMessage c = new ComponentMessage("news", 2, 7, 1.0, new double[] {0.6, 0, 0.8},
                List.of(new TopFeature(2, "vote", 0.8), new TopFeature(0, null, 0.6)));
        byte[] bytes = WireSerdes.component().serializer().serialize(Topics.FACTORS, c);
        assertEquals("{\"model\":\"news\",\"component\":2,\"version\":7,\"norm\":1.0,\"vector\":[0.6,0.0,0.8],"
                + "\"topFeatures\":[{\"index\":2,\"label\":\"vote\",\"weight\":0.8},{\"index\":0,\"label\":null,\"weight\":0.6}],"
                + "\"peakHz\":null,\"fundamentalHz\":null}",
                text(bytes));
        ComponentMessage back = WireSerdes.component().deserializer().deserialize(Topics.FACTORS, bytes);
        assertEquals(c.topFeatures(), back.topFeatures());
        assertArrayEquals(c.vector(), back.vector());
        assertEquals("news/2", ComponentMessage.key("news", 2));
        // a spectral component: its peak and fundamental in Hz
        ComponentMessage tone = new ComponentMessage("nmf", 0, 3, 1.0, new double[] {0, 1, 0.5},
                List.of(new TopFeature(1, "441.4 Hz A4", 1)), 441.0, 220.5);
        byte[] toneBytes = WireSerdes.component().serializer().serialize(Topics.FACTORS, tone);
        assertTrue(text(toneBytes).endsWith("\"peakHz\":441.0,\"fundamentalHz\":220.5}"), text(toneBytes));
        ComponentMessage toneBack = WireSerdes.component().deserializer().deserialize(Topics.FACTORS, toneBytes);
        assertEquals(441.0, toneBack.peakHz());
        assertEquals(220.5, toneBack.fundamentalHz());

        SummaryMessage s = new SummaryMessage("news", 7, 3, 3, 1000, 0, null, 1763900010000L);
        bytes = WireSerdes.summary().serializer().serialize(Topics.FACTORS, s);
        assertEquals("{\"model\":\"news\",\"version\":7,\"rank\":3,\"dim\":3,\"itemsSeen\":1000,\"itemsLost\":0,"
                + "\"runningError\":null,"
                + "\"updatedAt\":1763900010000}", text(bytes));
        assertEquals(s, WireSerdes.summary().deserializer().deserialize(Topics.FACTORS, bytes));
        SummaryMessage withError = new SummaryMessage("news", 8, 3, 3, 2000, 128, 0.0431, 1763900020000L);
        assertEquals(withError, WireSerdes.summary().deserializer().deserialize(Topics.FACTORS,
                WireSerdes.summary().serializer().serialize(Topics.FACTORS, withError)));
    }

    @Test
    void deadLettersKeepTheKeyAndABoundedPrefix() {
        byte[] value = new byte[10_000];
        value[0] = '{';
        DeadLetter d = DeadLetter.of(utf8("frame-7"), value, Topics.COLUMNS, 2, 1187, "values: missing", 5L);
        assertEquals("frame-7", d.key());
        assertEquals("frame-7", new String(Base64.getDecoder().decode(d.keyBase64()), StandardCharsets.UTF_8));
        assertEquals(DeadLetter.DEFAULT_VALUE_PREFIX_BYTES, Base64.getDecoder().decode(d.valueBase64()).length);
        assertEquals(10_000, d.valueLength());
        assertTrue(d.valueTruncated());
        assertEquals(Topics.COLUMNS, d.topic());
        assertEquals(2, d.partition());
        assertEquals(1187, d.offset());
        assertEquals("values: missing", d.reason());
        assertEquals(5L, d.timestamp());

        DeadLetter small = DeadLetter.of(utf8("k"), utf8("{}"), Topics.COLUMNS, 0, 1, "r", 0L, 2);
        assertFalse(small.valueTruncated(), "exactly the prefix length is complete");
        assertEquals("{}", new String(Base64.getDecoder().decode(small.valueBase64()), StandardCharsets.UTF_8));
        DeadLetter cut = DeadLetter.of(utf8("k"), utf8("{}"), Topics.COLUMNS, 0, 1, "r", 0L, 1);
        assertTrue(cut.valueTruncated());
        assertEquals("{", new String(Base64.getDecoder().decode(cut.valueBase64()), StandardCharsets.UTF_8));

        DeadLetter binaryKey = DeadLetter.of(new byte[] {(byte) 0xff, (byte) 0xfe}, null, Topics.COLUMNS, 0, 1, "r", 0L);
        assertNull(binaryKey.key(), "not UTF-8: no text");
        assertEquals("//4=", binaryKey.keyBase64());
        assertNull(binaryKey.valueBase64());
        assertEquals(-1, binaryKey.valueLength());
        assertFalse(binaryKey.valueTruncated());
        DeadLetter noKey = DeadLetter.of(null, new byte[0], Topics.COLUMNS, 0, 1, "r", 0L);
        assertNull(noKey.key());
        assertNull(noKey.keyBase64());
        assertEquals("", noKey.valueBase64());
        assertEquals("prefixBytes = -1, expected ≥ 0 (nmf.dead.letter.prefix.bytes)",
                assertThrows(IllegalArgumentException.class,
                        () -> DeadLetter.of(null, null, Topics.COLUMNS, 0, 1, "r", 0L, -1)).getMessage());

        JsonSerde<DeadLetter> serde = WireSerdes.deadLetter();
        assertEquals(binaryKey, serde.deserializer().deserialize(Topics.DEAD_LETTERS,
                serde.serializer().serialize(Topics.DEAD_LETTERS, binaryKey)));
        assertEquals(d, serde.deserializer().deserialize(Topics.DEAD_LETTERS,
                serde.serializer().serialize(Topics.DEAD_LETTERS, d)));
    }

    @Test
    void serdesHandleNullsUnknownFieldsAndBadBytes() {
        assertNull(WireSerdes.weights().serializer().serialize(Topics.WEIGHTS, null));
        assertNull(WireSerdes.weights().deserializer().deserialize(Topics.WEIGHTS, null));
        SummaryMessage s = WireSerdes.summary().deserializer().deserialize(Topics.FACTORS,
                utf8("{\"model\":\"m\",\"version\":3,\"rank\":2,\"dim\":5,\"itemsSeen\":9,\"itemsLost\":2,\"runningError\":0.5,"
                        + "\"updatedAt\":1,\"addedLater\":{\"x\":1}}"));
        assertEquals(new SummaryMessage("m", 3, 2, 5, 9, 2, 0.5, 1), s);
        SerializationException e = assertThrows(SerializationException.class,
                () -> WireSerdes.deadLetter().deserializer().deserialize(Topics.DEAD_LETTERS, utf8("{\"key\":")));
        assertTrue(e.getMessage().startsWith("cannot read a DeadLetter from topic nmf-dead-letters (7 bytes): "),
                e.getMessage());
    }

    @Test
    void topicNames() {
        assertEquals(List.of("nmf-columns", "nmf-weights", "nmf-factors", "nmf-dead-letters"), Topics.PUBLIC);
        assertEquals(List.of("nmf-stats", "nmf-basis"), Topics.INTERNAL);
    }

    /** The bound the service sizes its record limits by holds for the longest values and labels. */
    @Test
    void aComponentsJsonFitsItsBound() {
        int m = 4096;
        double[] vector = new double[m];
        for (int i = 0; i < m; i++) {
            vector[i] = i % 2 == 0 ? 2.2250738585072014E-308 : 1.2345678901234567E-123; // 23 characters each
        }
        String label = "\u0001\"\\é✓" + "w".repeat(35); // escaped controls and quotes, 40 characters
        List<TopFeature> top = new ArrayList<>();
        for (int q = 0; q < 10; q++) {
            top.add(new TopFeature(q, label, 1.2345678901234567E-123));
        }
        byte[] bytes = WireSerdes.component().serializer().serialize(Topics.FACTORS, new ComponentMessage(
                "a-model-name-of-some-length", 12345, Long.MAX_VALUE, 1.0000000000000002, vector, top,
                1.2345678901234567E-123, 1.2345678901234567E-123));
        assertTrue(bytes.length > 24L * m, "the vector is most of it: " + bytes.length);
        assertTrue(bytes.length <= ComponentMessage.maxBytes(m, 10),
                bytes.length + " bytes, bound " + ComponentMessage.maxBytes(m, 10));
    }
}
