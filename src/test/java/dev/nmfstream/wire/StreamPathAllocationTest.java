package dev.nmfstream.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.management.ThreadMXBean;
import dev.nmfstream.nmf.DenseColumn;
import dev.nmfstream.nmf.SparseColumn;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The projector's per-record wire path (decode the input record, encode its weights) allocates
 * nothing for a binary frame beyond the one output array, and nothing of the column's size for
 * JSON. Bytes per record go to {@code target/stream-path-allocation.txt}.
 */
class StreamPathAllocationTest {

    private static final int M = 1025;
    private static final int R = 10;
    private static final Path REPORT = Path.of("target", "stream-path-allocation.txt");

    private final ThreadMXBean threads = (ThreadMXBean) ManagementFactory.getThreadMXBean();

    /** What one decode-and-encode round over some records allocated, and what of it are the output arrays. */
    private record Measured(int records, long bytes, long outputBytes, long checksum) {
        long perRecord() {
            return bytes / records;
        }

        long outputPerRecord() {
            return outputBytes / records;
        }

        long beyondOutput() {
            return bytes - outputBytes;
        }
    }

    private static double[] frame(SplittableRandom random, int m) {
        double[] v = new double[m];
        for (int i = 0; i < m; i++) {
            v[i] = random.nextDouble() * 3;
        }
        return v;
    }

    /** A heap array's size with compressed oops: a 16-byte header, then the bytes, to a multiple of 8. */
    private static long arrayBytes(int length) {
        return 16 + (length + 7L) / 8 * 8;
    }

    private Measured run(ColumnDecoder decoder, DecodedItem item, WeightsEncoder encoder, byte[] key, byte[] value,
            double[] h, int records) {
        long thread = Thread.currentThread().getId();
        long checksum = 0;
        long outputBytes = 0;
        long before = threads.getThreadAllocatedBytes(thread);
        for (int j = 0; j < records; j++) {
            if (!decoder.decode(key, value, item)) {
                throw new AssertionError(item.reason());
            }
            byte[] weights = encoder.encode(item.idUtf8(), item.idLength(), 7, h, 0.0412, item.eventTimestamp(),
                    1763900000012L + j);
            outputBytes += arrayBytes(weights.length);
            checksum += weights.length + item.column().nnz() + item.idKey().length;
        }
        long bytes = threads.getThreadAllocatedBytes(thread) - before;
        return new Measured(records, bytes, outputBytes, checksum);
    }

    /** Warms the path up (compiles it), then measures it. */
    private Measured measure(int m, byte[] key, byte[] value, int records) {
        SplittableRandom random = new SplittableRandom(3);
        double[] h = new double[R];
        for (int k = 0; k < R; k++) {
            h[k] = random.nextDouble();
        }
        ColumnDecoder decoder = new ColumnDecoder(m, InputFormat.AUTO, 1 << 20, ColumnDecoder.DEFAULT_MAX_ID_BYTES, 1e30); // the service's nmf.max.value
        DecodedItem item = new DecodedItem(m);
        WeightsEncoder encoder = new WeightsEncoder();
        for (int round = 0; round < 5; round++) {
            run(decoder, item, encoder, key, value, h, records);
        }
        return run(decoder, item, encoder, key, value, h, records);
    }

    private static void report(String line) throws IOException {
        Files.createDirectories(REPORT.getParent());
        Files.writeString(REPORT, line + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    @Test
    void aBinaryFrameAllocatesOnlyItsWeightsArray() throws IOException {
        SplittableRandom random = new SplittableRandom(1);
        byte[] key = "frame-000001".getBytes(StandardCharsets.UTF_8);
        int records = 20_000;
        Measured dense = measure(M, key, ColumnEncoder.binary(DenseColumn.of(frame(random, M)), 1763900000000L),
                records);
        Measured sparse = measure(M, key, ColumnEncoder.binary(SparseColumn.of(M, new int[] {3, 17, 1000},
                new double[] {1, 0.5, 2}), -1), records);
        report("binary m=" + M + " r=" + R + ": " + dense.perRecord() + " bytes/record, of which the weights array "
                + dense.outputPerRecord() + "; beyond it " + dense.beyondOutput() + " bytes in " + records
                + " records (sparse, 3 nonzeros: " + sparse.beyondOutput() + ")");
        assertTrue(dense.checksum() > 0 && sparse.checksum() > 0);
        // one byte per record beyond the weights array would be 20,000 bytes; the counter itself may allocate a little
        assertTrue(dense.beyondOutput() < 2048, "a binary frame allocated " + dense.beyondOutput() + " bytes beyond "
                + "the weights arrays in " + records + " records");
        assertTrue(sparse.beyondOutput() < 2048, "a sparse binary frame allocated " + sparse.beyondOutput()
                + " bytes beyond the weights arrays in " + records + " records");
    }

    @Test
    void aJsonColumnAllocatesNothingOfItsSize() throws IOException {
        SplittableRandom random = new SplittableRandom(2);
        byte[] key = "frame-000001".getBytes(StandardCharsets.UTF_8);
        int records = 1500;
        byte[] value = ColumnEncoder.json("frame-000001", DenseColumn.of(frame(random, M)), 1763900000000L);
        Measured keyed = measure(M, key, value, records);
        Measured unkeyed = measure(M, null, value, records);
        int m4 = 4 * M;
        Measured longer = measure(m4, key, ColumnEncoder.json("frame-000001", DenseColumn.of(frame(random, m4)),
                1763900000000L), records / 4);
        double[] floats = frame(random, M);
        for (int i = 0; i < M; i++) {
            floats[i] = (float) floats[i]; // numpy float32 data written as JSON: 16-17 digit decimals
        }
        Measured float32 = measure(M, key, ColumnEncoder.json("frame-000001", DenseColumn.of(floats), -1), records);
        long parser = keyed.beyondOutput() / records;
        long parserLonger = longer.beyondOutput() / longer.records();
        long parserFloat32 = float32.beyondOutput() / records;
        report("json m=" + M + " r=" + R + ": " + keyed.perRecord() + " bytes/record, of which the weights array "
                + keyed.outputPerRecord() + "; without a record key (the id copied for the weights key): "
                + unkeyed.perRecord() + "; beyond the weights array: " + parser + " at m=" + M + ", " + parserLonger
                + " at m=" + m4 + ", " + parserFloat32 + " at m=" + M + " for float32 values");
        assertEquals(keyed.outputBytes(), unkeyed.outputBytes());
        // a double[m] alone is 8·m + 16 bytes; what remains is the parser's own state (a few hundred bytes a
        // record) and its rare exact fallback for a decimal close to halfway between two doubles
        for (long[] mAndBytes : new long[][] {{M, parser}, {m4, parserLonger}, {M, parserFloat32}}) {
            assertTrue(mAndBytes[1] < 2 * mAndBytes[0], "a JSON column of " + mAndBytes[0] + " values allocated "
                    + mAndBytes[1] + " bytes per record beyond its weights array, expected well under 8·m = "
                    + 8 * mAndBytes[0]);
        }
    }
}
