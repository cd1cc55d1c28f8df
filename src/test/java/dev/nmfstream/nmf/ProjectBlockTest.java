package dev.nmfstream.nmf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@link Projector#projectBlock} (columns transposed eight at a time, their squared norms summed
 * along, the products as one matrix product) against {@link Projector#project} one column at a
 * time: the same weights, residuals and norms to round-off, for block sizes that leave tails of
 * the eight-column transposition and of the 128-column block.
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
            assertArrayEquals(one.h, block[j].h, 1e-9 * (1 + Arrays.stream(one.h).max().orElse(0)), "h, column " + j);
        }
    }
}
