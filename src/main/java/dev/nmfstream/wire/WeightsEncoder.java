package dev.nmfstream.wire;

import java.util.Arrays;

/**
 * Writes weights messages ({@code schemas/nmf-weights.schema.json}) byte for byte as
 * {@link WireSerdes#weights()} writes a {@link WeightsMessage}, but from the parts straight into a
 * reusable buffer: the only allocation per message is the exact-size array returned (the one a
 * producer keeps). Numbers are written as Jackson writes them ({@code Double.toString}'s text,
 * through {@link DoubleText}); the id is written from its UTF-8 bytes with Jackson's escapes
 * ({@code \"}, {@code \\}, {@code \b \t \n \f \r}, <code>&#92;u00XX</code> for other control characters, and
 * a character beyond U+FFFF as its two UTF-16 surrogates, <code>&#92;uD83C&#92;uDFB5</code>).
 * Not thread-safe: one per stream task.
 */
public final class WeightsEncoder {

    private static final byte[] HEX = {'0', '1', '2', '3', '4', '5', '6', '7', '8', '9', 'A', 'B', 'C', 'D', 'E', 'F'};
    private static final byte[] ID = ascii("{\"id\":\"");
    private static final byte[] BASIS_VERSION = ascii("\",\"basisVersion\":");
    private static final byte[] WEIGHTS = ascii(",\"weights\":[");
    private static final byte[] RELATIVE_RESIDUAL = ascii("],\"relativeResidual\":");
    private static final byte[] EVENT_TIMESTAMP = ascii(",\"eventTimestamp\":");
    private static final byte[] NULL = ascii("null");
    private static final byte[] PROCESSED_TIMESTAMP = ascii(",\"processedTimestamp\":");
    private static final byte[] DIVERGENCE = ascii(",\"divergence\":");
    /** The fixed text and the two timestamps and the version, at most. */
    private static final int FIXED_BYTES = 160;

    private final DoubleText doubles = new DoubleText();
    private byte[] buffer = new byte[512];
    private int at;

    /**
     * One weights message.
     *
     * @param id the item id as UTF-8 in {@code id[0 .. idLength)} (well-formed UTF-8, as the
     *     decoder guarantees)
     * @param idLength the id's length in bytes
     * @param basisVersion the version of the basis the weights were computed with
     * @param weights h ≥ 0, one per component
     * @param relativeResidual ‖v − W h‖ / ‖v‖
     * @param eventTimestamp the item's timestamp (epoch ms), or any negative value for none (null in the JSON)
     * @param processedTimestamp when the weights were computed (epoch ms)
     * @return the UTF-8 JSON, a new array of exactly its length
     * @throws IllegalArgumentException if a weight or the residual is NaN or infinite (the JSON
     *     would not be JSON), naming it
     */
    public byte[] encode(byte[] id, int idLength, long basisVersion, double[] weights, double relativeResidual,
            long eventTimestamp, long processedTimestamp) {
        return encode(id, idLength, basisVersion, weights, relativeResidual, eventTimestamp, processedTimestamp,
                Double.NaN);
    }

    /**
     * One weights message of a model under the KL loss, with the item's divergence D(v‖W h) as
     * the last field ({@code "divergence"}); NaN writes no such field (the Frobenius message).
     *
     * @throws IllegalArgumentException if a weight or the residual is NaN or infinite, or the
     *     divergence is negative or infinite
     */
    public byte[] encode(byte[] id, int idLength, long basisVersion, double[] weights, double relativeResidual,
            long eventTimestamp, long processedTimestamp, double divergence) {
        if (!Double.isNaN(divergence) && !(divergence >= 0 && divergence < Double.POSITIVE_INFINITY)) {
            throw new IllegalArgumentException("divergence = " + divergence + ", expected a finite number ≥ 0");
        }
        for (int k = 0; k < weights.length; k++) {
            if (!Double.isFinite(weights[k])) {
                throw new IllegalArgumentException("weights[" + k + "] = " + weights[k] + ", expected a finite number");
            }
        }
        if (!Double.isFinite(relativeResidual)) {
            throw new IllegalArgumentException("relativeResidual = " + relativeResidual + ", expected a finite number");
        }
        ensure(FIXED_BYTES + 6 * idLength + (DoubleText.MAX_CHARS + 1) * (weights.length + 2));
        at = 0;
        put(ID);
        escaped(id, idLength);
        put(BASIS_VERSION);
        number(basisVersion);
        put(WEIGHTS);
        for (int k = 0; k < weights.length; k++) {
            if (k > 0) {
                buffer[at++] = ',';
            }
            at = doubles.write(weights[k], buffer, at);
        }
        put(RELATIVE_RESIDUAL);
        at = doubles.write(relativeResidual, buffer, at);
        put(EVENT_TIMESTAMP);
        if (eventTimestamp < 0) {
            put(NULL);
        } else {
            number(eventTimestamp);
        }
        put(PROCESSED_TIMESTAMP);
        number(processedTimestamp);
        if (!Double.isNaN(divergence)) {
            put(DIVERGENCE);
            at = doubles.write(divergence, buffer, at);
        }
        buffer[at++] = '}';
        return Arrays.copyOf(buffer, at);
    }

    private void ensure(int bytes) {
        if (buffer.length < bytes) {
            buffer = new byte[Math.max(bytes, 2 * buffer.length)];
        }
    }

    private void put(byte[] text) {
        System.arraycopy(text, 0, buffer, at, text.length);
        at += text.length;
    }

    /** The id as a JSON string's content: UTF-8 bytes as they are, escapes as Jackson writes them. */
    private void escaped(byte[] id, int length) {
        for (int i = 0; i < length; i++) {
            byte b = id[i];
            if ((b & 0xF8) == 0xF0) { // a 4-byte character, beyond U+FFFF
                int cp = (b & 0x07) << 18 | (id[i + 1] & 0x3F) << 12 | (id[i + 2] & 0x3F) << 6 | id[i + 3] & 0x3F;
                unicodeEscape(Character.highSurrogate(cp));
                unicodeEscape(Character.lowSurrogate(cp));
                i += 3;
                continue;
            }
            if (b >= 0x20 && b != '"' && b != '\\' || b < 0) {
                buffer[at++] = b; // printable ASCII and every byte of a 2- or 3-byte character
                continue;
            }
            buffer[at++] = '\\';
            switch (b) {
                case '"', '\\' -> buffer[at++] = b;
                case '\b' -> buffer[at++] = 'b';
                case '\t' -> buffer[at++] = 't';
                case '\n' -> buffer[at++] = 'n';
                case '\f' -> buffer[at++] = 'f';
                case '\r' -> buffer[at++] = 'r';
                default -> {
                    at--;
                    unicodeEscape((char) b);
                }
            }
        }
    }

    /** <code>&#92;uXXXX</code> with upper-case hex digits, as Jackson writes it. */
    private void unicodeEscape(char c) {
        buffer[at++] = '\\';
        buffer[at++] = 'u';
        buffer[at++] = HEX[c >> 12];
        buffer[at++] = HEX[c >> 8 & 0xF];
        buffer[at++] = HEX[c >> 4 & 0xF];
        buffer[at++] = HEX[c & 0xF];
    }

    /** A long in decimal, as Jackson writes it. */
    private void number(long x) {
        if (x == Long.MIN_VALUE) {
            put(ascii(Long.toString(x))); // never a version or a timestamp here; kept exact anyway
            return;
        }
        if (x < 0) {
            buffer[at++] = '-';
            x = -x;
        }
        int start = at;
        do {
            buffer[at++] = (byte) ('0' + x % 10);
            x /= 10;
        } while (x != 0);
        for (int i = start, j = at - 1; i < j; i++, j--) {
            byte t = buffer[i];
            buffer[i] = buffer[j];
            buffer[j] = t;
        }
    }

    private static byte[] ascii(String s) {
        byte[] b = new byte[s.length()];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) s.charAt(i);
        }
        return b;
    }
}
