package dev.nmfstream.nmf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Projection at any representable scale: the weights and the relative residual of s·v are s
 * times and the same as those of v, the weights meet the KKT conditions of the scaled problem,
 * and the relative residual matches a reference computed in 60-digit decimal arithmetic.
 */
class ScaleSafetyTest {

    private static final int M = 64;
    private static final int R = 5;
    private static final MathContext PRECISE = new MathContext(60);

    private final double[] w = TestData.randomW(new SplittableRandom(11), M, R, 0.3);
    private final Basis basis = new Basis(M, R, w, 0);

    @Test
    void weightsScaleWithTheColumnFromSubnormalToHuge() {
        double[] v = TestData.randomColumn(new SplittableRandom(3), w, M, R, 0.2);
        Projection reference = new Projector(R).project(basis, DenseColumn.of(v), new Projection(R));
        for (int e : new int[] {-1070, -1000, -700, -400, 400, 700, 900, 1000}) {
            double[] scaled = new double[M];
            for (int i = 0; i < M; i++) {
                scaled[i] = Math.scalb(v[i], e);
            }
            Projection p = new Projector(R).project(basis, DenseColumn.of(scaled), new Projection(R));
            String what = "scale 2^" + e;
            if (e > -1000) { // below that the scaled values themselves lost bits: only the precise reference holds
                assertEquals(reference.relativeResidual(), p.relativeResidual(), 1e-9, what);
            }
            assertPreciseResidual(scaled, p, what);
            for (int k = 0; k < R; k++) {
                assertTrue(Double.isFinite(p.h[k]) && p.h[k] >= 0, what + ": h[" + k + "] = " + p.h[k]);
                if (e > -1000) { // below that the scaled values themselves lost bits
                    double expected = Math.scalb(reference.h[k], e);
                    assertEquals(expected, p.h[k], 1e-9 * Math.scalb(maxOf(reference.h), e), what + ": h[" + k + "]");
                }
            }
            assertScaledKkt(scaled, p, what);
        }
    }

    @Test
    void subnormalAllEqualColumnHasFiniteWeightsAndItsTrueResidual() {
        double[] v = new double[M];
        Arrays.fill(v, 1e-320);
        Projection p = new Projector(R).project(basis, DenseColumn.of(v), new Projection(R));
        for (double x : p.h) {
            assertTrue(Double.isFinite(x) && x >= 0, "h = " + x);
        }
        assertTrue(p.relativeResidual() > 0, "a flat column is not in the span of W exactly");
        assertPreciseResidual(v, p, "1e-320");
        assertScaledKkt(v, p, "1e-320");
    }

    @Test
    void columnsSpanningTheWholeRangeOrAllEqualAtExtremeScales() {
        SplittableRandom random = new SplittableRandom(5);
        double[][] columns = new double[6][];
        columns[0] = new double[M];
        for (int i = 0; i < M; i++) {
            columns[0][i] = Math.pow(10, -300 + 600.0 * random.nextDouble());
        }
        double[] levels = {1e-300, 1e-200, 1e200, 1e300, 1e-30};
        for (int q = 0; q < levels.length; q++) {
            columns[q + 1] = new double[M];
            Arrays.fill(columns[q + 1], levels[q]);
        }
        Projector projector = new Projector(R);
        Projection flat = projector.project(basis, DenseColumn.of(filled(1.0)), new Projection(R));
        for (int q = 0; q < columns.length; q++) {
            Projection p = projector.project(basis, DenseColumn.of(columns[q]), new Projection(R));
            String what = "column " + q;
            for (double x : p.h) {
                assertTrue(Double.isFinite(x) && x >= 0, what + ": h = " + x);
            }
            assertPreciseResidual(columns[q], p, what);
            assertScaledKkt(columns[q], p, what);
            if (q > 0) {
                assertEquals(flat.relativeResidual(), p.relativeResidual(), 1e-9, what + ": all-equal columns");
            }
        }
    }

    @Test
    void sparseColumnsAtExtremeScales() {
        int[] idx = {3, 17, 40};
        for (double level : new double[] {1e-320, 1e-310, 1e300}) {
            double[] values = {level, 2 * level, 0.5 * level};
            Projection p = new Projector(R).project(basis, SparseColumn.of(M, idx, values), new Projection(R));
            double[] dense = new double[M];
            for (int j = 0; j < idx.length; j++) {
                dense[idx[j]] = values[j];
            }
            Projection d = new Projector(R).project(basis, DenseColumn.of(dense), new Projection(R));
            assertEquals(d.relativeResidual(), p.relativeResidual(), 1e-12, "sparse = dense at " + level);
            assertPreciseResidual(dense, p, "sparse " + level);
        }
    }

    @Test
    void fourColumnGroupsScaleEachColumnOnItsOwn() {
        double[] v = TestData.randomColumn(new SplittableRandom(8), w, M, R, 0.1);
        double[][] group = new double[4][M];
        int[] exponents = {0, -1060, 950, -3};
        for (int q = 0; q < 4; q++) {
            for (int i = 0; i < M; i++) {
                group[q][i] = Math.scalb(v[i], exponents[q]);
            }
        }
        Projection[] out = {new Projection(R), new Projection(R), new Projection(R), new Projection(R)};
        new Projector(R).project4(basis, group, out);
        for (int q = 0; q < 4; q++) {
            Projection single = new Projector(R).project(basis, DenseColumn.of(group[q]), new Projection(R));
            assertEquals(single.relativeResidual(), out[q].relativeResidual(), 1e-9, "column " + q);
            for (int k = 0; k < R; k++) {
                assertEquals(single.h[k], out[q].h[k], 1e-9 * Math.abs(maxOf(single.h)), "column " + q + " h[" + k + "]");
            }
        }
    }

    private static double[] filled(double x) {
        double[] v = new double[M];
        Arrays.fill(v, x);
        return v;
    }

    private static double maxOf(double[] x) {
        double max = 0;
        for (double y : x) {
            max = Math.max(max, y);
        }
        return max;
    }

    /**
     * The relative residual against a reference: v' = 2⁻ᵉ v (exact) projected in the safe range,
     * its residual ‖v' − W h'‖/‖v'‖ summed in 60-digit decimals; and h = 2ᵉ h' as doubles.
     */
    private void assertPreciseResidual(double[] v, Projection p, String what) {
        int e = Projector.exponent(maxOf(v));
        double[] scaledV = new double[M];
        for (int i = 0; i < M; i++) {
            scaledV[i] = Math.scalb(v[i], -e);
        }
        double[] h = new Projector(R).project(basis, DenseColumn.of(scaledV), new Projection(R)).h;
        BigDecimal resSq = BigDecimal.ZERO;
        BigDecimal normSq = BigDecimal.ZERO;
        for (int i = 0; i < M; i++) {
            BigDecimal vi = new BigDecimal(scaledV[i]);
            BigDecimal x = vi;
            for (int k = 0; k < R; k++) {
                x = x.subtract(new BigDecimal(w[i * R + k]).multiply(new BigDecimal(h[k]), PRECISE), PRECISE);
            }
            resSq = resSq.add(x.multiply(x, PRECISE), PRECISE);
            normSq = normSq.add(vi.multiply(vi, PRECISE), PRECISE);
        }
        double expected = resSq.divide(normSq, PRECISE).sqrt(PRECISE).doubleValue();
        assertEquals(expected, p.relativeResidual(), 1e-9 * expected + 1e-12, what + ": relative residual");
        for (int k = 0; k < R; k++) {
            assertEquals(Math.scalb(h[k], e), p.h[k], what + ": h[" + k + "] = 2^e h'");
        }
    }

    /**
     * KKT of the problem of v' = 2⁻ᵉ v (largest entry in [1, 2)) for h' = 2⁻ᵉ h: h ≥ 0, the
     * gradient g = G h' − c' zero where h' &gt; 0 and nonnegative where h' = 0, to 1e-8 of the
     * problem's scale plus what rounding h to a double (a subnormal one has few bits) can move g.
     */
    private void assertScaledKkt(double[] v, Projection p, String what) {
        double max = maxOf(v);
        int e = Projector.exponent(max);
        double[] scaledV = new double[M];
        for (int i = 0; i < M; i++) {
            scaledV[i] = Math.scalb(v[i], -e);
        }
        double[] scaledH = new double[R];
        for (int k = 0; k < R; k++) {
            scaledH[k] = Math.scalb(p.h[k], -e);
        }
        double[] g = basis.gram();
        double[] c = TestData.wtv(w, scaledV, M, R);
        double scale = 0;
        for (int k = 0; k < R; k++) {
            scale = Math.max(scale, c[k] / Math.sqrt(g[k * R + k]));
        }
        for (int k = 0; k < R; k++) {
            assertTrue(p.h[k] >= 0 && Double.isFinite(p.h[k]), what + ": h[" + k + "] = " + p.h[k]);
            double grad = -c[k];
            double rounding = 0;
            for (int j = 0; j < R; j++) {
                grad += g[k * R + j] * scaledH[j];
                rounding += g[k * R + j] * Math.scalb(Math.ulp(p.h[j]), -e);
            }
            double tol = 1e-8 * scale * Math.sqrt(g[k * R + k]) + rounding;
            if (p.h[k] > 0) {
                assertEquals(0, grad, tol, what + ": gradient at positive h[" + k + "]");
            } else {
                assertTrue(grad >= -tol, what + ": gradient " + grad + " at zero h[" + k + "], tolerance " + tol);
            }
        }
    }
}
