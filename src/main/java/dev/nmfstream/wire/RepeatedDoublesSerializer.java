package dev.nmfstream.wire;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.StreamWriteFeature;
import com.fasterxml.jackson.core.io.NumberOutput;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;
import java.io.IOException;

/**
 * Writes a {@code double[]} as a JSON array, byte for byte as Jackson's own serializer does, but
 * turns each distinct value into text once per array: a small table keyed by the value's bits
 * keeps the text of the values met so far, and a value found there is written as that text.
 *
 * <p>A learned component is mostly one value: the rows a topic never uses sit at the floor (on
 * paragraphs at m = 20,000, r = 50, 80 % of each component's entries are its most common value;
 * on audio frames half). Writing the factors' JSON, every one of them digit by digit, took 18 % of
 * the service's stream thread on paragraphs (bench-stream, JFR); this way 50 such components are
 * written in half the time (BENCHMARKS.md, thirteenth session). Non-finite values go through the
 * generator as before.
 */
final class RepeatedDoublesSerializer extends StdSerializer<double[]> {

    /** Slots of the table (a power of two), and the shift that keeps that many of a hash's top bits. */
    private static final int SLOTS = 64;
    private static final int SHIFT = Long.SIZE - Integer.numberOfTrailingZeros(SLOTS);

    RepeatedDoublesSerializer() {
        super(double[].class);
    }

    @Override
    public void serialize(double[] values, JsonGenerator gen, SerializerProvider provider) throws IOException {
        boolean fast = gen.isEnabled(StreamWriteFeature.USE_FAST_DOUBLE_WRITER);
        long[] bits = new long[SLOTS];
        String[] texts = new String[SLOTS];
        gen.writeStartArray(values, values.length);
        for (double x : values) {
            if (!Double.isFinite(x)) {
                gen.writeNumber(x);
                continue;
            }
            long b = Double.doubleToRawLongBits(x);
            int slot = (int) ((b ^ (b >>> 32)) * 0x9E3779B97F4A7C15L >>> SHIFT);
            String text = texts[slot];
            if (text == null || bits[slot] != b) {
                text = NumberOutput.toString(x, fast);
                texts[slot] = text;
                bits[slot] = b;
            }
            gen.writeNumber(text);
        }
        gen.writeEndArray();
    }
}
