package dev.nmfstream.wire.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nmfstream.nmf.Basis;
import dev.nmfstream.nmf.Column;
import dev.nmfstream.nmf.DenseColumn;
import dev.nmfstream.nmf.SparseColumn;
import dev.nmfstream.nmf.SufficientStatistics;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class InternalMessagesTest {

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
        List<byte[]> chunks = BasisMessage.records(basis);
        assertTrue(chunks.size() > 1, "a 12,000 × 50 basis needs several records");
        Map<String, byte[]> topic = new HashMap<>();
        for (int i = 0; i < chunks.size(); i++) {
            byte[] c = chunks.get(i);
            assertTrue(c.length <= Chunker.CHUNK_BYTES + Chunker.HEADER_BYTES, "record of " + c.length + " bytes");
            Chunk header = Chunker.header(c);
            assertEquals(17, header.seq());
            assertEquals(BasisMessage.KIND, header.kind());
            assertEquals(chunks.size(), header.count());
            topic.put(BasisMessage.key("nmf", i), c);
        }
        assertEquals("nmf/basis/0", BasisMessage.key("nmf", 0));
        assertEquals(17, BasisMessage.version(topic::get, "nmf"));
        Basis back = BasisMessage.read(topic::get, "nmf");
        assertEquals(17, back.version());
        assertArrayEquals(w, back.toRowMajor(), 0.0);
        // the next version's first chunk has arrived, the rest not yet: not complete
        topic.put(BasisMessage.key("nmf", 0), BasisMessage.records(new Basis(m, r, w, 18)).get(0));
        assertEquals(18, BasisMessage.version(topic::get, "nmf"));
        assertNull(BasisMessage.read(topic::get, "nmf"));
        assertEquals(-1, BasisMessage.version(topic::get, "other"));

        SufficientStatistics stats = new SufficientStatistics(m, r);
        double[] h = new double[r];
        h[3] = 0.5;
        h[7] = 2;
        // a dense item touches every row of B: the statistics are m × r and need several chunks
        double[] dense = new double[m];
        for (int i = 0; i < m; i++) {
            dense[i] = random.nextDouble();
        }
        stats.add(DenseColumn.of(dense), h);
        List<byte[]> records = new StatisticsMessage(stats, 1.5, 9, 130, 77).records(42, 7);
        assertTrue(records.size() > 1);
        Reassembler reassembler = new Reassembler(new MapStore(), "partial/");
        Message message = null;
        for (int i = 0; i < records.size(); i++) {
            Chunk chunk = Chunker.header(records.get(i));
            assertEquals(42, chunk.sender());
            assertEquals(7, chunk.seq());
            assertEquals(i, chunk.index());
            message = reassembler.accept(records.get(i));
            assertEquals(i == records.size() - 1, message != null);
        }
        assertEquals(StatisticsMessage.KIND, message.kind());
        StatisticsMessage back2 = StatisticsMessage.decode(message.payload());
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
        List<byte[]> records = SampleMessage.records(3, 4, dense);
        assertEquals(1, records.size());
        Chunk chunk = Chunker.chunk(records.get(0));
        assertEquals(SampleMessage.KIND, chunk.kind());
        DenseColumn d = (DenseColumn) SampleMessage.decode(chunk.data());
        assertEquals(2.5, d.get(2));
        SparseColumn s = (SparseColumn) SampleMessage.decode(Chunker.chunk(SampleMessage.records(3, 5, sparse).get(0))
                .data());
        assertEquals(10, s.dim());
        assertEquals(0.25, s.values()[1]);

        List<Column> both = SampleMessage.decodeAll(SampleMessage.encodeAll(List.of(dense, sparse)));
        assertEquals(2, both.size());
        assertEquals(2.5, ((DenseColumn) both.get(0)).get(2));
        assertArrayEquals(new int[] {2, 9}, ((SparseColumn) both.get(1)).indices());
        assertArrayEquals(new double[] {4, 0.25}, ((SparseColumn) both.get(1)).values());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SampleMessage.decode(new byte[] {0, 0, 0, 0, 0, 0, 0, 0}));
        assertTrue(e.getMessage().contains("dimension 0"), e.getMessage());
    }

    @Test
    void pendingStatisticsRoundTrip() {
        SufficientStatistics stats = new SufficientStatistics(5, 2);
        stats.add(DenseColumn.of(1, 2, 0, 0, 3), new double[] {0.5, 1});
        PendingStatistics back = PendingStatistics.fromBytes(new PendingStatistics(3, 1.5, 2.5, 3.5, 4.5, stats)
                .toBytes());
        assertEquals(3, back.lost());
        assertEquals(1.5, back.residualSq());
        assertEquals(2.5, back.normSq());
        assertEquals(3.5, back.windowResidualSq());
        assertEquals(4.5, back.windowNormSq());
        assertArrayEquals(stats.aMatrix(), back.statistics().aMatrix(), 0.0);
        assertArrayEquals(stats.bMatrix(), back.statistics().bMatrix(), 0.0);
        PendingStatistics none = PendingStatistics.fromBytes(new PendingStatistics(0, 0, 0, 0, 0,
                new SufficientStatistics(5, 2)).toBytes());
        assertNull(none.statistics(), "empty statistics are not stored");
    }

    /** A store in a map. */
    static final class MapStore implements ChunkStore {
        final Map<String, byte[]> map = new HashMap<>();

        @Override
        public byte[] get(String key) {
            return map.get(key);
        }

        @Override
        public void put(String key, byte[] value) {
            map.put(key, value);
        }

        @Override
        public void delete(String key) {
            map.remove(key);
        }
    }
}
