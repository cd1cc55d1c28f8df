package dev.nmfstream.nmf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@link Projector#projectBlock} (columns transposed eight at a time, their squared norms summed
 * along, the products as one matrix product) against {@link Projector#project} one column at a
 * time: the same weights, residuals and norms to round-off, for block sizes that leave tails of
 * the eight-column transposition and of the 128-column block; and the per-batch kernels of the
 * W update and the statistics against plain loops.
 */
class ProjectBlockTest {

    @ParameterizedTest
    @CsvSource({"1025, 20, 1", "1025, 20, 13", "500, 20, 128", "500, 20, 141", "37, 5, 8", "37, 5, 300"})
    void aBlockProjectsEveryColumnAsOneByOne(int m, int r, int n) {
        SplittableRandom random = new SplittableRandom(m * 1_000L + r * 10L + n);
        double[][] components = new double[r][m];
        for (double[] w : components) {
            for (int i = 0; i < m; i++) {
                w[i] = random.nextDouble() < 0.3 ? random.nextDouble() : 0.0;
            }
        }
        Basis basis = Basis.fromComponents(m, r, components, 1);
        double[][] v = new double[n][m];
        for (double[] col : v) {
            for (int i = 0; i < m; i++) {
                col[i] = random.nextDouble() < 0.5 ? 10 * random.nextDouble() : 0.0;
            }
        }
        Projection[] block = new Projection[n];
        for (int j = 0; j < n; j++) {
            block[j] = new Projection(r);
        }
        new Projector(r).projectBlock(basis, v, 0, n, block);
        Projector single = new Projector(r);
        for (int j = 0; j < n; j++) {
            Projection one = single.project(basis, DenseColumn.of(v[j]), new Projection(r));
            assertEquals(one.normSq, block[j].normSq, 1e-12 * one.normSq, "‖v‖², column " + j);
            assertEquals(one.residualSq, block[j].residualSq, 1e-9 * one.normSq, "residual, column " + j);
            assertArrayEquals(one.h, block[j].h, 1e-9 * (1 + max(one.h)), "h, column " + j);
        }
    }

    @ParameterizedTest
    @CsvSource({"1", "7", "64", "1025"})
    void theUpdateKernelsDoWhatTheirLoopsDid(int n) {
        SplittableRandom random = new SplittableRandom(n);
        double[] w = new double[n];
        double[] b = new double[n];
        double[] u = new double[n];
        for (int i = 0; i < n; i++) {
            w[i] = random.nextDouble() - 0.3;
            b[i] = random.nextDouble();
            u[i] = random.nextDouble();
        }
        double inv = 0.7;
        double floor = 1e-3;
        double[] step = w.clone();
        Kernels.halsStep(step, b, u, inv, floor, n);
        for (int i = 0; i < n; i++) {
            double x = w[i] + (b[i] - u[i]) * inv;
            assertEquals(Math.max(floor, x), step[i], 0.0, "HALS step " + i);
        }
        double[] raised = w.clone();
        raised[0] = Double.NaN;
        Kernels.raiseTo(floor, raised, n);
        for (int i = 0; i < n; i++) {
            assertEquals(i == 0 ? floor : Math.max(floor, w[i]), raised[i], 0.0, "floor " + i);
        }
        double[] y = b.clone();
        double[] x = u.clone();
        Kernels.decayAndTake(0.9, y, x, n);
        for (int i = 0; i < n; i++) {
            assertEquals(0.9 * b[i] + u[i], y[i], 0.0, "decayed " + i);
            assertEquals(0.0, x[i], 0.0, "taken " + i);
        }
    }

    private static double max(double[] a) {
        double m = 0;
        for (double x : a) {
            m = Math.max(m, Math.abs(x));
        }
        return m;
    }
}
