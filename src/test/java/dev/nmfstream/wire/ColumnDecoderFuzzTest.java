package dev.nmfstream.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nmfstream.nmf.Column;
import dev.nmfstream.nmf.DenseColumn;
import dev.nmfstream.nmf.SparseColumn;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;

/**
 * The input decoder's fuzz test (jqwik, 2,000 seeded tries per property): any key and value, as
 * random bytes or as valid JSON and binary records with bit flips, truncations, splices and
 * insertions, give exactly one outcome in every input format — a valid item (a finite,
 * nonnegative column of the configured dimension and a nonempty id of at most
 * nmf.max.id.bytes bytes of UTF-8 without control characters) or a rejection with a nonempty
 * reason — and never an exception. A failure prints the seed and the sample that repeats it.
 */
class ColumnDecoderFuzzTest {

    private static final int DIM = 6;
    private static final int MAX_VALUE_BYTES = 600;
    private static final int MAX_ID_BYTES = 24;
    private static final int TRIES = 2000;

    private final ColumnDecoder[] decoders = {
        new ColumnDecoder(DIM, InputFormat.JSON, MAX_VALUE_BYTES, MAX_ID_BYTES, Double.MAX_VALUE),
        new ColumnDecoder(DIM, InputFormat.BINARY, MAX_VALUE_BYTES, MAX_ID_BYTES, Double.MAX_VALUE),
        new ColumnDecoder(DIM, InputFormat.AUTO, MAX_VALUE_BYTES, MAX_ID_BYTES, Double.MAX_VALUE),
    };
    private final DecodedItem item = new DecodedItem(DIM);

    @Property(tries = TRIES, seed = "20261202")
    void randomBytesGiveOneOutcome(@ForAll("keys") byte[] key, @ForAll("values") byte[] value) {
        assertOneOutcome(key, value);
    }

    @Property(tries = TRIES, seed = "20261203")
    void mutatedJsonRecordsGiveOneOutcome(@ForAll Random random) {
        byte[] key = key(random);
        byte[] value = ColumnEncoder.json(random.nextInt(4) == 0 ? null : new String(key == null ? utf8("j") : key,
                StandardCharsets.UTF_8), column(random), random.nextBoolean() ? -1 : random.nextLong() >>> 1);
        Statistics.label("valid before mutation").collect(assertOneOutcome(key, value));
        Statistics.label("valid after mutation").collect(assertOneOutcome(key, mutate(random, value)));
        Statistics.label("valid before mutation").coverage(c -> c.check(true).percentage(p -> p > 40));
        Statistics.label("valid after mutation").coverage(c -> c.check(true).percentage(p -> p > 0.5));
    }

    @Property(tries = TRIES, seed = "20261204")
    void mutatedBinaryRecordsGiveOneOutcome(@ForAll Random random) {
        byte[] key = key(random);
        byte[] value = ColumnEncoder.binary(column(random), random.nextBoolean() ? -1 : random.nextLong() >>> 1);
        Statistics.label("valid before mutation").collect(assertOneOutcome(key, value));
        Statistics.label("valid after mutation").collect(assertOneOutcome(key, mutate(random, value)));
        Statistics.label("valid before mutation").coverage(c -> c.check(true).percentage(p -> p > 40));
        Statistics.label("valid after mutation").coverage(c -> c.check(true).percentage(p -> p > 0.5));
    }

    @Provide
    Arbitrary<byte[]> keys() {
        Arbitrary<byte[]> ascii = Arbitraries.strings().ofMinLength(0).ofMaxLength(30).map(ColumnDecoderFuzzTest::utf8);
        Arbitrary<byte[]> text = Arbitraries.strings().all().ofMaxLength(12).map(ColumnDecoderFuzzTest::utf8);
        Arbitrary<byte[]> bytes = Arbitraries.bytes().array(byte[].class).ofMaxSize(30);
        return Arbitraries.oneOf(ascii, text, bytes).injectNull(0.1);
    }

    @Provide
    Arbitrary<byte[]> values() {
        Arbitrary<byte[]> bytes = Arbitraries.bytes().array(byte[].class).ofMaxSize(MAX_VALUE_BYTES + 10);
        // random bytes behind the binary header's start, so that the binary reader goes past its magic
        Arbitrary<byte[]> afterMagic = Arbitraries.bytes().array(byte[].class).ofMaxSize(80).map(tail -> {
            byte[] v = Arrays.copyOf(ColumnDecoder.MAGIC, ColumnDecoder.MAGIC.length + 1 + tail.length);
            v[ColumnDecoder.MAGIC.length] = (byte) ColumnDecoder.VERSION;
            System.arraycopy(tail, 0, v, ColumnDecoder.MAGIC.length + 1, tail.length);
            return v;
        });
        Arbitrary<byte[]> jsonish = Arbitraries.strings().withChars("{}[]\":,0123456789.eE-+ \\unltrfaseidvxNI")
                .ofMaxLength(120).map(s -> utf8("{\"values\":[" + s));
        return Arbitraries.oneOf(bytes, afterMagic, jsonish).injectNull(0.05);
    }

    /** A key: mostly a short ASCII id, sometimes null, empty, non-ASCII, too long, with a control character or not UTF-8. */
    private static byte[] key(Random random) {
        return switch (random.nextInt(10)) {
            case 0 -> null;
            case 1 -> new byte[0];
            case 2 -> utf8("é✓\ud83c\udfb5" + random.nextInt(100));
            case 3 -> utf8("x".repeat(MAX_ID_BYTES - 2 + random.nextInt(4)));
            case 4 -> utf8("a\u001b[" + random.nextInt(10) + "m");
            case 5 -> new byte[] {(byte) random.nextInt(), (byte) 0xff};
            default -> utf8("item-" + random.nextInt(1_000_000));
        };
    }

    /** A valid column: dense or sparse, values from 0 to large, some exactly zero. */
    private static Column column(Random random) {
        double scale = Math.pow(10, random.nextInt(61) - 30);
        if (random.nextBoolean()) {
            double[] v = new double[DIM];
            for (int i = 0; i < DIM; i++) {
                v[i] = random.nextInt(4) == 0 ? 0 : random.nextDouble() * scale;
            }
            return DenseColumn.of(v);
        }
        int nnz = 1 + random.nextInt(DIM);
        int[] indices = random.ints(0, DIM).distinct().limit(nnz).sorted().toArray();
        double[] v = new double[indices.length];
        for (int j = 0; j < v.length; j++) {
            v[j] = random.nextDouble() * scale;
        }
        return SparseColumn.of(DIM, indices, v);
    }

    /** One to four of: a bit flip, a truncation, a splice of random bytes over a range, an insertion, a repeat. */
    private static byte[] mutate(Random random, byte[] value) {
        byte[] v = value;
        for (int m = 1 + random.nextInt(4); m > 0; m--) {
            int at = v.length == 0 ? 0 : random.nextInt(v.length);
            switch (random.nextInt(5)) {
                case 0 -> {
                    if (v.length > 0) {
                        v = v.clone();
                        v[at] ^= (byte) (1 << random.nextInt(8));
                    }
                }
                case 1 -> v = Arrays.copyOf(v, at);
                case 2 -> {
                    int end = at + random.nextInt(Math.max(1, v.length - at + 1));
                    byte[] patch = new byte[random.nextInt(8)];
                    random.nextBytes(patch);
                    v = splice(v, at, Math.min(end, v.length), patch);
                }
                case 3 -> v = splice(v, at, at, new byte[] {(byte) random.nextInt()});
                default -> {
                    int end = Math.min(v.length, at + 1 + random.nextInt(12));
                    v = splice(v, at, at, Arrays.copyOfRange(v, at, end));
                }
            }
        }
        return v;
    }

    /** v with [from, to) replaced by patch. */
    private static byte[] splice(byte[] v, int from, int to, byte[] patch) {
        byte[] out = new byte[v.length - (to - from) + patch.length];
        System.arraycopy(v, 0, out, 0, from);
        System.arraycopy(patch, 0, out, from, patch.length);
        System.arraycopy(v, to, out, from + patch.length, v.length - to);
        return out;
    }

    /** Asserts the one outcome in every format; whether the auto decoder found a valid item. */
    private boolean assertOneOutcome(byte[] key, byte[] value) {
        boolean validInAuto = false;
        for (ColumnDecoder decoder : decoders) {
            boolean valid = decoder.decode(key, value, item); // an exception fails the property
            assertEquals(valid, item.isValid());
            if (valid) {
                Column column = item.column();
                assertEquals(DIM, column.dim());
                assertTrue(column.nnz() >= 1 && column.nnz() <= DIM);
                double[] values = column instanceof DenseColumn d ? d.data() : ((SparseColumn) column).values();
                for (int j = 0; j < column.nnz(); j++) {
                    assertTrue(Double.isFinite(values[j]) && values[j] >= 0, "values[" + j + "] = " + values[j]);
                }
                int idLength = item.idLength();
                assertTrue(idLength >= 1 && idLength <= MAX_ID_BYTES, "id of " + idLength + " bytes");
                byte[] id = Arrays.copyOf(item.idUtf8(), idLength);
                assertTrue(ColumnDecoder.isUtf8(id), "the id is UTF-8");
                assertEquals(-1, ColumnDecoder.controlByte(id), "the id has no control character");
            } else {
                assertFalse(item.reason().isBlank(), "a reason");
            }
            assertEquals(valid, decoder.decode(key, value) instanceof Decoded.Valid, "both decode methods agree");
            validInAuto = valid;
        }
        return validInAuto;
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
