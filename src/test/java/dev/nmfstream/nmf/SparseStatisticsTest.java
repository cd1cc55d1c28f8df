package dev.nmfstream.nmf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The statistics of sparse items: only the rows they touched are cleared, decayed, merged and
 * written ({@link SufficientStatistics#writeCompactTo}), with bitwise the numbers of the dense
 * loops.
 */
class SparseStatisticsTest {

    private static final int M = 2_000;
    private static final int R = 6;

    /** A sparse document of 5..24 distinct terms out of the first {@code vocabulary} rows. */
    private static SparseColumn document(SplittableRandom random, int vocabulary) {
        int nnz = 5 + random.nextInt(20);
        boolean[] used = new boolean[M];
        int[] idx = new int[nnz];
        for (int j = 0; j < nnz; j++) {
            int i;
            do {
                i = random.nextInt(vocabulary);
            } while (used[i]);
            used[i] = true;
            idx[j] = i;
        }
        Arrays.sort(idx);
        double[] val = new double[nnz];
        for (int j = 0; j < nnz; j++) {
            val[j] = 0.05 + random.nextDouble();
        }
        return new SparseColumn(M, idx, val, 0, nnz);
    }

    /** Weights with a few zeros, as NNLS gives. */
    private static double[] weights(SplittableRandom random) {
        double[] h = new double[R];
        for (int k = 0; k < R; k++) {
            h[k] = random.nextInt(3) == 0 ? 0 : random.nextDouble();
        }
        return h;
    }

    private static SufficientStatistics roundTrip(SufficientStatistics s) throws IOException {
        return read(compact(s), null);
    }

    private static int compactBytes(SufficientStatistics s) throws IOException {
        return compact(s).length;
    }

    @Test
    void mergeOfCompactMessagesEqualsTheDenseStatisticsOfTheUnion() throws IOException {
        SplittableRandom random = new SplittableRandom(11);
        SufficientStatistics union = new SufficientStatistics(M, R);
        SufficientStatistics merged = new SufficientStatistics(M, R);
        SufficientStatistics message = new SufficientStatistics(M, R);
        SufficientStatistics denseMessage = new SufficientStatistics(M, R);
        for (int batch = 0; batch < 6; batch++) {
            // each "projector batch" touches a different part of the vocabulary, as documents do
            int vocabulary = 200 + 300 * batch;
            for (int t = 0; t < 40; t++) {
                SparseColumn v = document(random, vocabulary);
                double[] h = weights(random);
                message.add(v, h);
                denseMessage.add(DenseColumn.of(dense(v)), h);
            }
            union.merge(denseMessage);
            denseMessage.clear();
            assertTrue(message.touchedRows() < M, "a sparse batch touches fewer rows than m");
            SufficientStatistics received = roundTrip(message);
            assertEquals(message.touchedRows(), received.touchedRows());
            merged.merge(received);
            message.clear();
            assertEquals(0, message.touchedRows());
            assertArrayEquals(new double[M * R], message.bMatrix(), "clear leaves B zero");
        }
        // bitwise: every entry is the same sum in the same order as the dense statistics of the same messages
        assertArrayEquals(union.aMatrix(), merged.aMatrix());
        assertArrayEquals(union.bMatrix(), merged.bMatrix());
        assertEquals(union.items(), merged.items());
        assertEquals(union.weight(), merged.weight());
    }

    @Test
    void decayAndRescaleOfTouchedRowsEqualTheDenseOnes() throws IOException {
        SplittableRandom random = new SplittableRandom(5);
        SufficientStatistics sparse = new SufficientStatistics(M, R);
        SufficientStatistics dense = new SufficientStatistics(M, R);
        for (int t = 0; t < 50; t++) {
            SparseColumn v = document(random, 500);
            double[] h = weights(random);
            sparse.add(v, h);
            dense.add(DenseColumn.of(dense(v)), h);
        }
        double[] d = {1.5, 0.25, 2, 1, 3, 0.75};
        sparse.decay(0.9);
        dense.decay(0.9);
        sparse.rescale(d);
        dense.rescale(d);
        assertTrue(sparse.touchedRows() <= 500);
        assertArrayEquals(dense.bMatrix(), sparse.bMatrix());
        assertArrayEquals(dense.bMatrix(), roundTrip(sparse).bMatrix());
        assertArrayEquals(dense.aMatrix(), roundTrip(sparse).aMatrix());
    }

    @Test
    void candidatesSurviveTheCompactForm() throws IOException {
        SplittableRandom random = new SplittableRandom(3);
        SufficientStatistics s = new SufficientStatistics(M, R);
        for (int t = 0; t < 20; t++) {
            SparseColumn v = document(random, 300);
            s.add(v, weights(random));
            s.offerCandidate(v, 1 + t);
        }
        SufficientStatistics back = roundTrip(s);
        assertEquals(s.candidateCount(), back.candidateCount());
        for (int q = 0; q < s.candidateCount(); q++) {
            assertEquals(s.candidateScore(q), back.candidateScore(q));
            assertArrayEquals(s.candidate(q), back.candidate(q));
        }
    }

    @Test
    void compactFormIsSmallerForFewRowsAndDenseOtherwise() throws IOException {
        SplittableRandom random = new SplittableRandom(7);
        SufficientStatistics s = new SufficientStatistics(M, R);
        for (int t = 0; t < 10; t++) {
            s.add(document(random, 400), weights(random));
        }
        int rows = s.touchedRows();
        int nonzeros = 0;
        for (double x : s.bMatrix()) {
            nonzeros += x != 0 ? 1 : 0;
        }
        assertTrue(nonzeros < rows * R, "weights with zeros leave zeros in B's touched rows");
        // header + A + rows' indices + B's length, masks and nonzero entries, no candidates
        assertEquals(4 + 4 + 4 + 8 + 8 + 8 * R * R + 4 + 4 * rows + 4 + R * ((rows + 7) / 8) + 8 * nonzeros + 4,
                compactBytes(s));
        assertTrue(compactBytes(s) < 8 * M * R / 4);
        s.add(DenseColumn.of(new double[M]), weights(random));
        assertEquals(M, s.touchedRows(), "a dense item touches every row");
        assertTrue(compactBytes(s) > 8 * M * R, "then the dense form is written");
        assertArrayEquals(s.bMatrix(), roundTrip(s).bMatrix());
    }

    @Test
    void theBoundHoldsEveryFormAndIsExactForTheDenseOne() throws IOException {
        SplittableRandom random = new SplittableRandom(17);
        SufficientStatistics s = new SufficientStatistics(M, R);
        assertTrue(compactBytes(s) <= s.compactBytesBound(), "empty statistics");
        for (int t = 0; t < 30; t++) {
            SparseColumn v = document(random, 600);
            s.add(v, weights(random));
            s.offerCandidate(v, 1 + t);
            int bytes = compactBytes(s);
            assertTrue(bytes <= s.compactBytesBound(), bytes + " bytes written, bound " + s.compactBytesBound());
        }
        s.add(DenseColumn.of(dense(document(random, M))), weights(random));
        assertEquals(s.compactBytesBound(), compactBytes(s), "the dense form's size is known exactly");
    }

    @Test
    void readingIntoReusedStatisticsEqualsAFreshRead() throws IOException {
        SplittableRandom random = new SplittableRandom(23);
        SufficientStatistics reuse = null;
        for (int message = 0; message < 6; message++) {
            SufficientStatistics s = new SufficientStatistics(M, R);
            int vocabulary = message == 3 ? M : 100 + 250 * message;
            for (int t = 0; t < 12 + 7 * message; t++) {
                SparseColumn v = document(random, vocabulary);
                s.add(message == 3 ? DenseColumn.of(dense(v)) : v, weights(random));
                if (message % 2 == 0) {
                    s.offerCandidate(v, random.nextDouble());
                }
            }
            byte[] bytes = compact(s);
            SufficientStatistics fresh = read(bytes, null);
            SufficientStatistics again = read(bytes, reuse);
            if (reuse != null) {
                assertTrue(again == reuse, "statistics of the same shape are read into the given ones");
            }
            reuse = again;
            assertEquals(fresh.touchedRows(), again.touchedRows(), "message " + message);
            assertArrayEquals(fresh.aMatrix(), again.aMatrix());
            assertArrayEquals(fresh.bMatrix(), again.bMatrix(), "message " + message + ": no entry of the last one stays");
            assertEquals(fresh.items(), again.items());
            assertEquals(fresh.weight(), again.weight());
            assertEquals(fresh.candidateCount(), again.candidateCount());
            for (int q = 0; q < fresh.candidateCount(); q++) {
                assertEquals(fresh.candidateScore(q), again.candidateScore(q));
                assertArrayEquals(fresh.candidate(q), again.candidate(q));
            }
        }
        SufficientStatistics other = new SufficientStatistics(M, R + 1);
        SufficientStatistics read = read(compact(other), reuse);
        assertTrue(read != reuse && read.rank() == R + 1, "statistics of another shape are read into new ones");
    }

    private static byte[] compact(SufficientStatistics s) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            s.writeCompactTo(out);
        }
        return bytes.toByteArray();
    }

    private static SufficientStatistics read(byte[] bytes, SufficientStatistics reuse) throws IOException {
        return SufficientStatistics.readFrom(new DataInputStream(new ByteArrayInputStream(bytes)), reuse);
    }

    @Test
    void corruptCompactFormIsRefused() throws IOException {
        SufficientStatistics s = new SufficientStatistics(M, R);
        s.add(document(new SplittableRandom(1), 100), new double[] {1, 0, 0, 0, 0, 0});
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            s.writeCompactTo(out);
        }
        byte[] b = bytes.toByteArray();
        int rowsAt = 4 + 4 + 4 + 8 + 8 + 8 * R * R;
        // the first row index set to m
        b[rowsAt + 4] = (byte) (M >>> 24);
        b[rowsAt + 5] = (byte) (M >>> 16);
        b[rowsAt + 6] = (byte) (M >>> 8);
        b[rowsAt + 7] = (byte) M;
        IOException e = assertThrows(IOException.class, () -> SufficientStatistics.readFrom(
                new DataInputStream(new ByteArrayInputStream(b))));
        assertTrue(e.getMessage().contains("row " + M), e.getMessage());
        // component 1's mask (its weight is 0: no entries) claiming entries that do not follow
        byte[] c = bytes.toByteArray();
        int rows = s.touchedRows();
        int maskAt = rowsAt + 4 + 4 * rows + 4 + (rows + 7) / 8 + 8 * rows;
        assertEquals(0, c[maskAt]);
        c[maskAt] = (byte) 0xFF;
        e = assertThrows(IOException.class, () -> SufficientStatistics.readFrom(
                new DataInputStream(new ByteArrayInputStream(c))));
        assertTrue(e.getMessage().contains("B's entries"), e.getMessage());
    }

    @Test
    void theEarlierRowByRowFormIsStillRead() throws IOException {
        // statistics messages and stored parts written before B went component by component
        SplittableRandom random = new SplittableRandom(9);
        SufficientStatistics s = new SufficientStatistics(M, R);
        for (int t = 0; t < 15; t++) {
            s.add(document(random, 700), weights(random));
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(SufficientStatistics.COMPACT_FORMAT);
            out.writeInt(M);
            out.writeInt(R);
            out.writeLong(s.items());
            out.writeDouble(s.weight());
            for (double x : s.aMatrix()) {
                out.writeDouble(x);
            }
            out.writeInt(s.touchedRows());
            for (int i = M - 1; i >= 0; i--) { // any order of rows
                if (hasNonzero(s, i)) {
                    out.writeInt(i);
                    for (int k = 0; k < R; k++) {
                        out.writeDouble(s.b[k][i]);
                    }
                }
            }
            out.writeInt(0);
        }
        assertEquals(s.touchedRows(), rowsWithNonzeros(s), "every touched row has a nonzero here");
        SufficientStatistics back = SufficientStatistics.readFrom(new DataInputStream(
                new ByteArrayInputStream(bytes.toByteArray())));
        assertArrayEquals(s.aMatrix(), back.aMatrix());
        assertArrayEquals(s.bMatrix(), back.bMatrix());
        assertEquals(s.touchedRows(), back.touchedRows());
        assertArrayEquals(s.bMatrix(), roundTrip(s).bMatrix(), "and the current form round-trips");
    }

    private static int rowsWithNonzeros(SufficientStatistics s) {
        int count = 0;
        for (int i = 0; i < M; i++) {
            count += hasNonzero(s, i) ? 1 : 0;
        }
        return count;
    }

    /** Whether row i of B has a nonzero entry. */
    private static boolean hasNonzero(SufficientStatistics s, int i) {
        for (int k = 0; k < R; k++) {
            if (s.b[k][i] != 0) {
                return true;
            }
        }
        return false;
    }

    private static double[] dense(SparseColumn v) {
        double[] x = new double[M];
        for (int j = 0; j < v.nnz(); j++) {
            x[v.indices()[v.offset() + j]] = v.values()[v.offset() + j];
        }
        return x;
    }
}
