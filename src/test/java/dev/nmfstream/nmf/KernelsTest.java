package dev.nmfstream.nmf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The SIMD kernels against the scalar ones and a plain reference, on lengths that leave tails. */
class KernelsTest {

    private static double[] random(SplittableRandom random, int n) {
        double[] x = new double[n];
        for (int i = 0; i < n; i++) {
            x[i] = random.nextDouble();
        }
        return x;
    }

    @ParameterizedTest
    @CsvSource({"1, 1", "7, 3", "64, 4", "1025, 20", "500, 21", "333, 50"})
    void vectorAndScalarKernelsAgree(int m, int r) {
        assertTrue(Kernels.VECTOR, "the tests run with --add-modules jdk.incubator.vector (pom.xml argLine)");
        SplittableRandom random = new SplittableRandom(m * 31L + r);
        double[] wt = random(random, m * r);
        double[][] v = {random(random, m), random(random, m), random(random, m), random(random, m)};
        double[][] reference = new double[4][r];
        for (int q = 0; q < 4; q++) {
            for (int k = 0; k < r; k++) {
                for (int i = 0; i < m; i++) {
                    reference[q][k] += wt[k * m + i] * v[q][i];
                }
            }
        }
        double tol = 1e-12 * m;
        double[] scalar = new double[r];
        double[] vector = new double[r];
        double[][] four = new double[4][r];
        Kernels.multTransDense4(wt, m, r, v, four);
        for (int q = 0; q < 4; q++) {
            Kernels.multTransDenseScalar(wt, m, r, v[q], 0, scalar);
            VectorKernels.multTransDense(wt, m, r, v[q], 0, vector);
            assertArrayEquals(reference[q], scalar, tol);
            assertArrayEquals(reference[q], vector, tol);
            assertArrayEquals(reference[q], four[q], tol);
            assertEquals(Kernels.dotScalar(v[q], 0, v[q], 0, m), VectorKernels.dot(v[q], 0, v[q], 0, m), tol);
        }
        // B += Σ_q v_q h_qᵀ four components at a time, against single axpys
        double[][] h = {random(random, r), random(random, r), random(random, r), random(random, r)};
        double[][] b = new double[r][m];
        double[][] expected = new double[r][m];
        for (int k = 0; k + 3 < r; k += 4) {
            VectorKernels.addOuter4(b, k, v, h, m);
        }
        for (int k = 0; k < (r / 4) * 4; k++) {
            for (int q = 0; q < 4; q++) {
                Kernels.axpy(h[q][k], v[q], expected[k], m);
            }
        }
        for (int k = 0; k < r; k++) {
            assertArrayEquals(expected[k], b[k], tol);
        }
        // the Gram matrix through either path equals the plain one
        double[] g = Basis.gram(wt, m, r);
        for (int j = 0; j < r; j++) {
            for (int k = 0; k < r; k++) {
                double s = 0;
                for (int i = 0; i < m; i++) {
                    s += wt[j * m + i] * wt[k * m + i];
                }
                assertEquals(s, g[j * r + k], tol, "G[" + j + "][" + k + "]");
            }
        }
    }
}
