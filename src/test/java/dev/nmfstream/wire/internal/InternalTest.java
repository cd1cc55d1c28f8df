package dev.nmfstream.wire.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nmfstream.nmf.Basis;
import dev.nmfstream.nmf.Column;
import dev.nmfstream.nmf.DenseColumn;
import dev.nmfstream.nmf.SparseColumn;
import dev.nmfstream.nmf.SufficientStatistics;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class InternalTest {

    @Test
    void bigStatisticsAndBasesTravelInChunksAndJoinExactly() {
        int m = 12_000;
        int r = 50;
        SplittableRandom random = new SplittableRandom(1);
        double[] w = new double[m * r];
        for (int i = 0; i < w.length; i++) {
            w[i] = random.nextDouble();
        }
        Basis basis = new Basis(m, r, w, 17);
        List<byte[]> chunks = Internal.basisRecords(basis);
        assertTrue(chunks.size() > 1, "a 12,000 × 50 basis needs several records");
        for (byte[] c : chunks) {
            assertTrue(c.length <= Internal.CHUNK_BYTES + 16, "record of " + c.length + " bytes");
            assertEquals(17, Internal.basisChunkVersion(c));
            assertEquals(chunks.size(), Internal.basisChunkCount(c));
        }
        Basis back = Internal.basis(chunks);
        assertEquals(17, back.version());
        assertArrayEquals(w, back.toRowMajor(), 0.0);

        SufficientStatistics stats = new SufficientStatistics(m, r);
        double[] h = new double[r];
        h[3] = 0.5;
        h[7] = 2;
        stats.add(SparseColumn.of(m, new int[] {5, 11_999}, new double[] {1, 3}), h);
        List<byte[]> records = Internal.statsRecords(42, 7, new Internal.Stats(stats, 1.5, 9, 130, 77));
        assertTrue(records.size() > 1);
        List<byte[]> parts = new ArrayList<>();
        for (int i = 0; i < records.size(); i++) {
            Internal.StatsChunk chunk = Internal.statsChunk(records.get(i));
            assertEquals(42, chunk.sender());
            assertEquals(7, chunk.seq());
            assertEquals(i, chunk.index());
            parts.add(chunk.data());
        }
        Internal.Stats back2 = Internal.stats(Internal.join(parts));
        assertEquals(1.5, back2.residualSq());
        assertEquals(9, back2.normSq());
        assertEquals(130, back2.lost());
        assertEquals(77, back2.basisVersion());
        assertArrayEquals(stats.bMatrix(), back2.statistics().bMatrix(), 0.0);
        assertEquals(1, back2.statistics().items());
    }

    @Test
    void samplesRoundTrip() {
        Column dense = DenseColumn.of(1, 0, 2.5);
        Column sparse = SparseColumn.of(10, new int[] {2, 9}, new double[] {4, 0.25});
        DenseColumn d = (DenseColumn) Internal.sample(Internal.sampleRecord(dense));
        assertEquals(2.5, d.get(2));
        SparseColumn s = (SparseColumn) Internal.sample(Internal.sampleRecord(sparse));
        assertEquals(10, s.dim());
        assertEquals(0.25, s.values()[1]);
    }
}
