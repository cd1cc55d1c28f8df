package dev.nmfstream.wire;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.Locale;

/**
 * A rejected input record, on the dead-letters topic (key: the original key when it is UTF-8 text);
 * {@code schemas/nmf-dead-letters.schema.json}. Every field is always written; absent ones are null.
 *
 * @param key the original key as text, or null (absent or not UTF-8)
 * @param keyBase64 the original key's bytes, base64, or null when absent
 * @param valueBase64 the original value's first bytes (at most the configured prefix,
 *     {@value #DEFAULT_VALUE_PREFIX_BYTES} by default), base64, or null when the value was null
 * @param valueLength the original value's length in bytes (−1: null)
 * @param valueTruncated whether valueBase64 holds only a prefix of the value
 * @param topic where it came from (null if unknown)
 * @param partition its partition (−1 if unknown)
 * @param offset its offset (−1 if unknown)
 * @param reason what is wrong: the field, the value and what was expected
 * @param timestamp the original record's timestamp (epoch ms)
 */
public record DeadLetter(String key, String keyBase64, String valueBase64, int valueLength, boolean valueTruncated,
        String topic, int partition, long offset, String reason, long timestamp) {

    /**
     * Every text field is Unicode that has a UTF-8 form: a lone surrogate (which a reason may
     * quote from a JSON string such as {@code "\\ud800"}) is replaced by its escape, the six
     * characters {@code \\uD800}, so that the serialised dead letter is valid UTF-8 JSON that
     * every consumer can decode.
     */
    public DeadLetter {
        key = wellFormed(key);
        topic = wellFormed(topic);
        reason = wellFormed(reason);
    }

    /** How many bytes of a rejected value a dead letter keeps by default ({@code nmf.dead.letter.prefix.bytes}). */
    public static final int DEFAULT_VALUE_PREFIX_BYTES = 4096;

    /**
     * A dead letter for raw key and value bytes, keeping at most {@value #DEFAULT_VALUE_PREFIX_BYTES}
     * bytes of the value.
     *
     * @param key the record key, or null
     * @param value the record value, or null
     * @param topic its topic
     * @param partition its partition
     * @param offset its offset
     * @param reason why it is rejected
     * @param timestamp its timestamp (epoch ms)
     * @return the dead letter
     */
    public static DeadLetter of(byte[] key, byte[] value, String topic, int partition, long offset, String reason,
            long timestamp) {
        return of(key, value, topic, partition, offset, reason, timestamp, DEFAULT_VALUE_PREFIX_BYTES);
    }

    /**
     * A dead letter for raw key and value bytes, keeping at most {@code prefixBytes} of the value.
     *
     * @param key the record key, or null
     * @param value the record value, or null
     * @param topic its topic
     * @param partition its partition
     * @param offset its offset
     * @param reason why it is rejected
     * @param timestamp its timestamp (epoch ms)
     * @param prefixBytes how many bytes of the value to keep, ≥ 0
     * @return the dead letter
     * @throws IllegalArgumentException if prefixBytes is negative
     */
    public static DeadLetter of(byte[] key, byte[] value, String topic, int partition, long offset, String reason,
            long timestamp, int prefixBytes) {
        if (prefixBytes < 0) {
            throw new IllegalArgumentException("prefixBytes = " + prefixBytes
                    + ", expected ≥ 0 (nmf.dead.letter.prefix.bytes)");
        }
        String text = null;
        if (key != null) {
            try {
                text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(key)).toString();
            } catch (CharacterCodingException e) {
                text = null;
            }
        }
        Base64.Encoder b64 = Base64.getEncoder();
        boolean truncated = value != null && value.length > prefixBytes;
        String valueText = value == null ? null
                : b64.encodeToString(truncated ? Arrays.copyOf(value, prefixBytes) : value);
        return new DeadLetter(text, key == null ? null : b64.encodeToString(key), valueText,
                value == null ? -1 : value.length, truncated, topic, partition, offset, reason, timestamp);
    }

    /**
     * The text with each lone surrogate replaced by its escape {@code \\uXXXX} (upper-case hex);
     * the text itself when it has none (null stays null).
     */
    static String wellFormed(String text) {
        if (text == null) {
            return null;
        }
        StringBuilder sb = null;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            boolean pair = Character.isHighSurrogate(c) && i + 1 < text.length()
                    && Character.isLowSurrogate(text.charAt(i + 1));
            if (pair) {
                if (sb != null) {
                    sb.append(c).append(text.charAt(i + 1));
                }
                i++;
            } else if (Character.isSurrogate(c)) {
                if (sb == null) {
                    sb = new StringBuilder(text.length() + 8).append(text, 0, i);
                }
                sb.append("\\u").append(Integer.toHexString(c).toUpperCase(Locale.ROOT));
            } else if (sb != null) {
                sb.append(c);
            }
        }
        return sb == null ? text : sb.toString();
    }
}
