package dev.nmfstream.nmf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nmfstream.nmf.synth.PlantedTopics;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * The first basis of a sparse sample is made in the sample's own space (its Gram matrix
 * XᵀX, never an m × l matrix): it must be the basis that the same columns give when dense
 * (the randomised SVD on Y = X Ω), to round-off; and a sparse sample of many columns, whose Y
 * lives on the rows it touches, too.
 */
class FirstBasisTest {

    private static final int M = 3_000;

    /** The same documents as a sparse and as a dense sample (two buffers); duplicates repeat earlier columns. */
    private static ColumnBuffer[] samples(int n, int distinct, int r) {
        PlantedTopics topics = new PlantedTopics(M, r, 150, 30, 0.1, 7);
        ColumnBuffer sparse = new ColumnBuffer(M, n);
        ColumnBuffer dense = new ColumnBuffer(M, n);
        int[] idx = new int[M];
        double[] val = new double[M];
        SparseColumn[] made = new SparseColumn[distinct];
        for (int j = 0; j < n; j++) {
            SparseColumn c;
            if (j < distinct) {
                int nnz = topics.next(idx, val);
                c = new SparseColumn(M, Arrays.copyOf(idx, nnz), Arrays.copyOf(val, nnz), 0, nnz);
                made[j] = c;
            } else {
                c = made[j % distinct];
            }
            sparse.add(c);
            double[] d = new double[M];
            for (int t = 0; t < c.nnz(); t++) {
                d[c.indices()[t]] = c.values()[t];
            }
            dense.add(DenseColumn.of(d));
        }
        return new ColumnBuffer[] {sparse, dense};
    }

    /** NNDSVDa of the sparse and the dense sample agree entry by entry to {@code tolerance} × max W. */
    private static void assertSameBasis(ColumnBuffer[] s, int r, long seed, double tolerance) {
        double[] fromSparse = Initializer.nndsvda(s[0], M, r, seed);
        double[] fromDense = Initializer.nndsvda(s[1], M, r, seed);
        double scale = Arrays.stream(fromDense).max().orElseThrow();
        for (int x = 0; x < fromDense.length; x++) {
            assertEquals(fromDense[x], fromSparse[x], tolerance * scale, "seed " + seed + ", entry " + x);
        }
    }

    /** The cosine of column k of two row-major m × r matrices. */
    private static double cosine(double[] a, double[] b, int r, int k) {
        double ab = 0;
        double aa = 0;
        double bb = 0;
        for (int i = 0; i < M; i++) {
            ab += a[i * r + k] * b[i * r + k];
            aa += a[i * r + k] * a[i * r + k];
            bb += b[i * r + k] * b[i * r + k];
        }
        return ab / Math.sqrt(aa * bb);
    }

    @Test
    void aSparseSampleGivesTheBasisOfTheSameColumnsDense() {
        int r = 20;
        ColumnBuffer[] s = samples(100, 100, r);
        for (long seed = 0; seed < 3; seed++) {
            assertSameBasis(s, r, seed, 1e-9);
        }
    }

    @Test
    void aSampleOfLowRankKeepsItsLeadingComponentsAndStaysFinite() {
        // 60 columns, 8 distinct: Y's columns beyond rank 8 vanish and are dropped
        int r = 12;
        ColumnBuffer[] s = samples(60, 8, r);
        double[] fromSparse = Initializer.nndsvda(s[0], M, r, 1);
        double[] fromDense = Initializer.nndsvda(s[1], M, r, 1);
        for (double x : fromSparse) {
            assertTrue(Double.isFinite(x) && x > 0, "entry " + x);
        }
        for (int k = 0; k < 8; k++) {
            assertEquals(1.0, cosine(fromSparse, fromDense, r, k), 1e-9, "component " + k);
        }
    }

    @Test
    void aLargeSparseSampleGivesTheSameBasisFromTheRowsItTouches() {
        // 600 documents touch fewer than M rows, and n² l > 2.4 touched · l²: Y on the touched rows
        int r = 10;
        ColumnBuffer[] s = samples(600, 600, r);
        int[] rows = Initializer.sampleRows(s[0], M);
        assertTrue(rows.length < M && (double) rows.length * (r + 10) < Initializer.SAMPLE_SPACE_MIN * 600 * 600,
                rows.length + " rows touched");
        for (long seed = 0; seed < 2; seed++) {
            assertSameBasis(s, r, seed, 1e-12);
        }
    }
}
