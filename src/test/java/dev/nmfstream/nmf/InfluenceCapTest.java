package dev.nmfstream.nmf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class InfluenceCapTest {

    @Test
    void ordinaryItemsAreNeverScaled() {
        InfluenceCap cap = new InfluenceCap(InfluenceCap.DEFAULT_FACTOR);
        SplittableRandom random = new SplittableRandom(1);
        for (int i = 0; i < 10_000; i++) {
            // norms within a factor 3 of each other
            assertEquals(1.0, cap.scaleOf(Math.log(1 + 2 * random.nextDouble())), "item " + i);
        }
    }

    @Test
    void anItemBeyondKappaTimesTheTypicalNormCountsTheLessTheLargerItIs() {
        InfluenceCap cap = new InfluenceCap(4);
        for (int i = 0; i < 100; i++) {
            cap.scaleOf(Math.log(2.0));
        }
        assertEquals(Math.log(2.0), cap.logScale(), 1e-15);
        // ‖v‖ = 1e30, L = 4 · 2: s = (L / ‖v‖)², the item enters with norm L² / ‖v‖
        assertEquals(64.0 / 1e60, cap.scaleOf(Math.log(1e30)), 1e-12 * 64.0 / 1e60);
        // twice L: a quarter, the item counts as one of norm L / 2
        assertEquals(0.25, cap.scaleOf(Math.log(16.0)), 1e-12);
        // beyond the range of s: contributes nothing rather than overflowing
        assertEquals(0.0, cap.scaleOf(Math.log(Double.MAX_VALUE) + 800));
        // just under κ · scale: unscaled
        assertEquals(1.0, cap.scaleOf(Math.log(7.9)));
    }

    @Test
    void theScaleIsTheMedianSoOutliersDoNotMoveIt() {
        InfluenceCap cap = new InfluenceCap(4);
        for (int i = 0; i < 200; i++) {
            cap.scaleOf(i % 5 == 0 ? Math.log(1e300) : Math.log(1.0 + (i % 3) * 0.01));
        }
        assertTrue(Math.abs(cap.logScale()) < 0.05, "scale " + cap.logScale() + " with 20% outliers");
        assertTrue(cap.scaleOf(Math.log(1e300)) < 1e-299);
    }

    @Test
    void nothingIsScaledDuringWarmUpAndAfterClear() {
        InfluenceCap cap = new InfluenceCap(4);
        cap.scaleOf(0);
        assertEquals(1.0, cap.scaleOf(Math.log(1e100)), "second item");
        cap.clear();
        assertTrue(Double.isNaN(cap.logScale()));
        assertEquals(1.0, cap.scaleOf(Math.log(1e100)));
        assertEquals(1.0, cap.scaleOf(Double.NEGATIVE_INFINITY), "v = 0");
    }

    @Test
    void rejectsFactorsBelowOne() {
        assertThrows(IllegalArgumentException.class, () -> new InfluenceCap(0.5));
        assertThrows(IllegalArgumentException.class, () -> new InfluenceCap(Double.NaN));
    }

    @Test
    void scaledAddIsTheStatisticsOfTheScaledItem() {
        int m = 12;
        int r = 3;
        SplittableRandom random = new SplittableRandom(4);
        double[] v = new double[m];
        for (int i = 0; i < m; i++) {
            v[i] = random.nextDouble() * 1e20;
        }
        double[] h = {2e19, 0, 5e18};
        double s = 1e-19;
        SufficientStatistics direct = new SufficientStatistics(m, r);
        direct.add(DenseColumn.of(v), h, s);
        double[] sv = new double[m];
        for (int i = 0; i < m; i++) {
            sv[i] = s * v[i];
        }
        double[] sh = {s * h[0], 0, s * h[2]};
        SufficientStatistics scaled = new SufficientStatistics(m, r);
        scaled.add(DenseColumn.of(sv), sh);
        assertArrayEquals(scaled.aMatrix(), direct.aMatrix(), 1e-12 * 4);
        double[] bd = direct.bMatrix();
        double[] bs = scaled.bMatrix();
        for (int i = 0; i < bd.length; i++) {
            assertEquals(bs[i], bd[i], 1e-12 * Math.abs(bs[i]) + 1e-300, "B entry " + i);
        }
        assertEquals(s * s, direct.weight(), 1e-30);
        SufficientStatistics one = new SufficientStatistics(m, r);
        SufficientStatistics plain = new SufficientStatistics(m, r);
        one.add(DenseColumn.of(v), h, 1.0);
        plain.add(DenseColumn.of(v), h);
        assertArrayEquals(plain.aMatrix(), one.aMatrix(), 0.0, "s = 1 is add(v, h) bit for bit");
        assertArrayEquals(plain.bMatrix(), one.bMatrix(), 0.0);
    }
}
