package dev.nmfstream.wire;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;

/**
 * A rejected input record, on the dead-letters topic (key: the original key when it is text).
 *
 * @param key the original key as text, or null (absent or not UTF-8)
 * @param keyBase64 the original key's bytes, base64, or null when absent
 * @param valueBase64 the first bytes of the original value (at most the configured prefix), base64, or null
 * @param valueLength the original value's length in bytes (−1: null)
 * @param valueTruncated whether valueBase64 holds only a prefix
 * @param topic where it came from
 * @param partition its partition
 * @param offset its offset
 * @param reason what is wrong: the field, the value and what was expected
 * @param timestamp the original record's timestamp (epoch ms)
 */
public record DeadLetter(String key, String keyBase64, String valueBase64, int valueLength, boolean valueTruncated,
        String topic, int partition, long offset, String reason, long timestamp) {

    /** A dead letter for raw key and value bytes, keeping at most {@code prefixBytes} of the value. */
    public static DeadLetter of(byte[] key, byte[] value, String topic, int partition, long offset, String reason,
            long timestamp, int prefixBytes) {
        String text = null;
        if (key != null) {
            try {
                text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                        .decode(ByteBuffer.wrap(key)).toString();
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
}
