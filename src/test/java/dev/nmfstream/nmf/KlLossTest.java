package dev.nmfstream.nmf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nmfstream.nmf.synth.Recovery;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;

/** The KL loss: projection to its stated tolerance, the online rule's monotonicity, additive statistics, recovery. */
class KlLossTest {

    /** D(v‖x) = Σ vᵢ ln(vᵢ/xᵢ) − vᵢ + xᵢ, 0 ln 0 = 0, written out independently of the engine. */
    static double divergence(double[] v, double[] x) {
        double d = 0;
        for (int i = 0; i < v.length; i++) {
            d += (v[i] > 0 ? v[i] * Math.log(v[i] / x[i]) : 0) - v[i] + x[i];
        }
        return d;
    }

    static double[] times(double[] rowMajorW, int m, int r, double[] h) {
        double[] x = new double[m];
        for (int i = 0; i < m; i++) {
            for (int k = 0; k < r; k++) {
                x[i] += rowMajorW[i * r + k] * h[k];
            }
        }
        return x;
    }

    /** Poisson(λ) by inversion (λ small) or a rounded normal (λ large). */
    static double poisson(SplittableRandom random, double lambda) {
        if (lambda > 50) {
            double g = Math.sqrt(-2 * Math.log(1 - random.nextDouble())) * Math.cos(2 * Math.PI * random.nextDouble());
            return Math.max(0, Math.round(lambda + Math.sqrt(lambda) * g));
        }
        double p = Math.exp(-lambda);
        double u = random.nextDouble();
        int k = 0;
        double cdf = p;
        while (u > cdf && k < 1000) {
            k++;
            p *= lambda / k;
            cdf += p;
        }
        return k;
    }

    /** A random basis with entries in [0.01, 1), row-major, unit columns. */
    static double[] randomBasis(SplittableRandom random, int m, int r) {
        double[] w = new double[m * r];
        for (int i = 0; i < w.length; i++) {
            w[i] = 0.01 + random.nextDouble();
        }
        for (int k = 0; k < r; k++) {
            double n = 0;
            for (int i = 0; i < m; i++) {
                n += w[i * r + k] * w[i * r + k];
            }
            for (int i = 0; i < m; i++) {
                w[i * r + k] /= Math.sqrt(n);
            }
        }
        return w;
    }

    /** Counts drawn from Poisson(W h) with sparse-ish gamma-like h: many zeros. */
    static double[][] counts(SplittableRandom random, double[] w, int m, int r, int n, double scale) {
        double[][] v = new double[n][];
        for (int q = 0; q < n; q++) {
            double[] h = new double[r];
            for (int k = 0; k < r; k++) {
                h[k] = random.nextDouble() < 0.5 ? 0 : -Math.log(1 - random.nextDouble()) * scale;
            }
            double[] x = times(w, m, r, h);
            v[q] = new double[m];
            for (int i = 0; i < m; i++) {
                v[q][i] = poisson(random, x[i]);
            }
        }
        return v;
    }

    @Property(tries = 60, seed = "20261202")
    void oneStepOfTheOnlineRuleNeverIncreasesTheDivergenceOrTheSurrogate(@ForAll long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        int m = 30;
        int r = 4;
        double[] w0 = randomBasis(random, m, r);
        double[][] v = counts(random, randomBasis(random, m, r), m, r, 20, 3.0);
        Basis basis = new Basis(m, r, w0, 0);
        KlProjector projector = new KlProjector(r);
        Projection p = new Projection(r);
        SufficientStatistics batch = new SufficientStatistics(m, r);
        double[][] h = new double[v.length][];
        double before = 0;
        for (int q = 0; q < v.length; q++) {
            projector.project(basis, DenseColumn.of(v[q]), p);
            h[q] = p.h.clone();
            KlStatistics.add(batch, basis, projector, p.h, 1.0);
            before += divergence(v[q], times(w0, m, r, h[q]));
        }
        // older statistics, decayed, as the model holds them
        SufficientStatistics model = new SufficientStatistics(m, r);
        double[][] old = counts(random, w0, m, r, 10, 3.0);
        for (double[] x : old) {
            projector.project(basis, DenseColumn.of(x), p);
            KlStatistics.add(model, basis, projector, p.h, 1.0);
        }
        double rho = random.nextDouble();
        SufficientStatistics copy = new SufficientStatistics(m, r);
        copy.copyFrom(batch);
        model.absorb(rho, copy);

        // with the batch's statistics alone the rule is one Lee–Seung step: the divergence at fixed h cannot grow
        double[][] w = basis.toComponents();
        KlUpdater updater = new KlUpdater(m, r);
        updater.update(w, batch, new BasisUpdater(m, r).floorFor(w));
        double[] w1 = Basis.fromComponents(m, r, w, 1).toRowMajor();
        double after = 0;
        for (int q = 0; q < v.length; q++) {
            double[] x = times(w1, m, r, h[q]);
            for (double xi : x) {
                assertTrue(xi >= 0 && Double.isFinite(xi), "W h = " + xi);
            }
            after += divergence(v[q], x);
        }
        assertTrue(after <= before * (1 + 1e-12), "divergence " + before + " → " + after + " (seed " + seed + ")");

        // on the accumulated statistics the rule minimises the surrogate: no W ≥ floor does better
        double[][] wm = basis.toComponents();
        double surrogateBefore = KlStatistics.surrogate(model, wm);
        updater.update(wm, model, new BasisUpdater(m, r).floorFor(wm));
        double surrogateAfter = KlStatistics.surrogate(model, wm);
        assertTrue(surrogateAfter <= surrogateBefore + 1e-12 * Math.abs(surrogateBefore),
                "surrogate " + surrogateBefore + " → " + surrogateAfter);
        double[][] nudged = new double[r][m];
        for (int k = 0; k < r; k++) {
            for (int i = 0; i < m; i++) {
                nudged[k][i] = wm[k][i] * (1 + 0.01 * (random.nextDouble() - 0.5));
            }
        }
        assertTrue(KlStatistics.surrogate(model, nudged) >= surrogateAfter - 1e-12 * Math.abs(surrogateAfter));
        // normalising changes W and the statistics together: W h and the surrogate's minimiser stay
        double[] norms = new double[r];
        updater.normalize(wm, model, norms);
        double[][] again = new double[r][];
        for (int k = 0; k < r; k++) {
            again[k] = wm[k].clone();
        }
        updater.update(again, model, 0);
        for (int k = 0; k < r; k++) {
            for (int i = 0; i < m; i++) {
                assertEquals(wm[k][i], again[k][i], 1e-12 * (1 + wm[k][i]) + 1e-8);
            }
        }
    }

    /** The minimiser by plain multiplicative steps, run long (with its own certified gap). */
    static double[] reference(double[] w, int m, int r, double[] v) {
        double[] h = new double[r];
        Arrays.fill(h, 1.0);
        double[] s = new double[r];
        for (int i = 0; i < m; i++) {
            for (int k = 0; k < r; k++) {
                s[k] += w[i * r + k];
            }
        }
        for (int it = 0; it < 200_000; it++) {
            double[] x = times(w, m, r, h);
            double[] num = new double[r];
            for (int i = 0; i < m; i++) {
                if (v[i] > 0) {
                    for (int k = 0; k < r; k++) {
                        num[k] += w[i * r + k] * v[i] / x[i];
                    }
                }
            }
            for (int k = 0; k < r; k++) {
                h[k] *= num[k] / s[k];
            }
        }
        return h;
    }

    @Test
    void projectionMeetsItsStatedToleranceAgainstALongRunReference() {
        SplittableRandom random = new SplittableRandom(11);
        int m = 40;
        int r = 6;
        double[] w = randomBasis(random, m, r);
        Basis basis = new Basis(m, r, w, 0);
        KlProjector projector = new KlProjector(r);
        Projection p = new Projection(r);
        double[][] v = counts(random, randomBasis(random, m, r), m, r, 12, 2.0);
        int checked = 0;
        for (double[] x : v) {
            double mass = 0;
            int nnz = 0;
            for (double xi : x) {
                mass += xi;
                nnz += xi > 0 ? 1 : 0;
            }
            double dRef = divergence(x, times(w, m, r, reference(w, m, r, x)));
            // dense
            projector.project(basis, DenseColumn.of(x), p);
            double d = divergence(x, times(w, m, r, p.h));
            assertTrue(d - dRef <= KlProjector.TOLERANCE * mass, "gap " + (d - dRef) + " > " + KlProjector.TOLERANCE
                    + " · " + mass);
            assertTrue(d >= dRef - 1e-9 * mass, "below the reference: " + d + " < " + dRef);
            assertEquals(d, p.divergence, 1e-9 * (1 + d), "reported divergence");
            // the same column as a sparse one: the same weights and divergence
            int[] idx = new int[nnz];
            double[] val = new double[nnz];
            for (int i = 0, j = 0; i < m; i++) {
                if (x[i] > 0) {
                    idx[j] = i;
                    val[j++] = x[i];
                }
            }
            Projection ps = new KlProjector(r).project(basis, SparseColumn.of(m, idx, val), new Projection(r));
            assertEquals(p.divergence, ps.divergence, 1e-9 * (1 + d), "sparse divergence");
            for (int k = 0; k < r; k++) {
                assertTrue(p.h[k] >= 0 && Double.isFinite(p.h[k]));
                assertEquals(p.h[k], ps.h[k], 1e-9 * (1 + p.h[k]), "sparse h");
            }
            double[] x2 = times(w, m, r, p.h);
            double res = 0;
            for (int i = 0; i < m; i++) {
                res += (x[i] - x2[i]) * (x[i] - x2[i]);
            }
            assertEquals(res, p.residualSq, 1e-9 * (1 + res), "residual");
            checked++;
        }
        assertEquals(v.length, checked);
    }

    @Test
    void zeroColumnGivesZeroWeightsAndDivergence() {
        int m = 10;
        int r = 3;
        Basis basis = new Basis(m, r, randomBasis(new SplittableRandom(1), m, r), 0);
        Projection p = new KlProjector(r).project(basis, DenseColumn.of(new double[m]), new Projection(r));
        assertEquals(0.0, p.divergence);
        for (double hk : p.h) {
            assertEquals(0.0, hk);
        }
        Projection s = new KlProjector(r).project(basis, SparseColumn.of(m, new int[0], new double[0]),
                new Projection(r));
        assertEquals(0.0, s.divergence);
        // a single spike, far outside the span: finite, nonnegative
        double[] spike = new double[m];
        spike[3] = 1e20;
        Projection big = new KlProjector(r).project(basis, DenseColumn.of(spike), new Projection(r));
        assertTrue(big.divergence >= 0 && Double.isFinite(big.divergence), "divergence " + big.divergence);
        for (double hk : big.h) {
            assertTrue(hk >= 0 && Double.isFinite(hk));
        }
    }

    @Test
    void mergedStatisticsEqualThoseOfTheUnion() {
        SplittableRandom random = new SplittableRandom(5);
        int m = 25;
        int r = 4;
        Basis basis = new Basis(m, r, randomBasis(random, m, r), 0);
        double[][] v = counts(random, randomBasis(random, m, r), m, r, 30, 3.0);
        KlProjector projector = new KlProjector(r);
        Projection p = new Projection(r);
        SufficientStatistics all = new SufficientStatistics(m, r);
        SufficientStatistics first = new SufficientStatistics(m, r);
        SufficientStatistics second = new SufficientStatistics(m, r);
        for (int q = 0; q < v.length; q++) {
            projector.project(basis, DenseColumn.of(v[q]), p);
            KlStatistics.add(all, basis, projector, p.h, 1.0);
            KlStatistics.add(q % 3 == 0 ? first : second, basis, projector, p.h, 1.0);
        }
        first.merge(second);
        assertEquals(all.items(), first.items());
        assertEquals(all.weight(), first.weight(), 1e-12 * all.weight());
        for (int k = 0; k < r; k++) {
            assertEquals(KlStatistics.weightSum(all, k), KlStatistics.weightSum(first, k),
                    1e-12 * KlStatistics.weightSum(all, k));
            for (int j = 0; j < r; j++) {
                if (j != k) {
                    assertEquals(0.0, first.a(j, k), "off-diagonal");
                }
            }
            for (int i = 0; i < m; i++) {
                double n = KlStatistics.numerator(all, i, k);
                assertTrue(n >= 0);
                assertEquals(n, KlStatistics.numerator(first, i, k), 1e-12 * (1 + n));
            }
        }
    }

    /** Sparse items' KL statistics in the compact form the service sends: every changed row of N arrives. */
    @Test
    void compactFormOfSparseKlStatisticsCarriesEveryRowTheItemsTouched() throws IOException {
        SplittableRandom random = new SplittableRandom(8);
        int m = 400;
        int r = 3;
        Basis basis = new Basis(m, r, randomBasis(random, m, r), 0);
        KlProjector projector = new KlProjector(r);
        Projection p = new Projection(r);
        SufficientStatistics stats = new SufficientStatistics(m, r);
        for (int q = 0; q < 5; q++) {
            int[] idx = {q, 50 + 7 * q, 120 + q, 399 - q};
            double[] val = {1 + q, 2, 0.5, 3};
            projector.project(basis, SparseColumn.of(m, idx, val), p);
            KlStatistics.add(stats, basis, projector, p.h, 1.0);
        }
        assertTrue(stats.touchedRows() <= 20, "touched rows " + stats.touchedRows());
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            stats.writeCompactTo(out);
        }
        SufficientStatistics read = SufficientStatistics.readFrom(
                new DataInputStream(new ByteArrayInputStream(bytes.toByteArray())));
        double total = 0;
        for (int k = 0; k < r; k++) {
            assertEquals(KlStatistics.weightSum(stats, k), KlStatistics.weightSum(read, k));
            for (int i = 0; i < m; i++) {
                assertEquals(KlStatistics.numerator(stats, i, k), KlStatistics.numerator(read, i, k), "N " + i + "," + k);
                total += KlStatistics.numerator(read, i, k);
            }
        }
        assertTrue(total > 0);
    }

    @Test
    void plantedCountModelIsRecoveredInOnePass() {
        SplittableRandom random = new SplittableRandom(3);
        int m = 80;
        int r = 5;
        // planted parts: overlapping bumps
        double[] w = new double[m * r];
        for (int k = 0; k < r; k++) {
            double centre = (k + 0.5) * m / r;
            for (int i = 0; i < m; i++) {
                w[i * r + k] = Math.exp(-0.5 * Math.pow((i - centre) / 5.0, 2)) + 0.01;
            }
        }
        double[][] v = counts(random, w, m, r, 6000, 8.0);
        NmfConfig config = NmfConfig.defaults(r).withLoss(Loss.KL).withSeed(1);
        OnlineNmf nmf = new OnlineNmf(config);
        for (double[] x : v) {
            nmf.partialFit(DenseColumn.of(x));
        }
        nmf.flush();
        Recovery rec = Recovery.match(w, nmf.basis().toRowMajor(), m, r);
        assertTrue(rec.worst() > 0.98, "worst matched cosine " + rec.worst());
        assertTrue(nmf.prequentialDivergence() > 0 && nmf.prequentialDivergence() < 1);
        for (double x : nmf.basis().toRowMajor()) {
            assertTrue(x > 0 && Double.isFinite(x));
        }

        // the state keeps the loss and continues bitwise
        byte[] bytes = nmf.toBytes();
        OnlineNmf resumed = OnlineNmf.fromBytes(bytes);
        assertEquals(Loss.KL, resumed.config().loss());
        for (int q = 0; q < 300; q++) {
            nmf.partialFit(DenseColumn.of(v[q]));
            resumed.partialFit(DenseColumn.of(v[q]));
        }
        assertEquals(Arrays.toString(nmf.basis().toRowMajor()),
                Arrays.toString(resumed.basis().toRowMajor()));
        assertEquals(nmf.prequentialDivergence(), resumed.prequentialDivergence());

        // a model of one loss refuses the settings of the other, naming both
        resumed.flush();
        ModelState state = ModelState.fromBytes(resumed.toBytes());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> state.applySettings(config.withLoss(Loss.FROBENIUS)));
        assertEquals("loss = frobenius, the model was learned with loss kl", e.getMessage());
    }

    @Test
    void refinementRoundsAreRefusedUnderKl() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> NmfConfig.defaults(3).withLoss(Loss.KL).withRefineRounds(1));
        assertTrue(e.getMessage().startsWith("refineRounds = 1 with loss kl"), e.getMessage());
        assertEquals(Loss.KL, Loss.parse(" KL "));
        assertThrows(IllegalArgumentException.class, () -> Loss.parse("itakura-saito"));
    }

    @Test
    void aFormatTwoStateIsReadAsAFrobeniusModelAndContinuesAsTheNewFormatDoes() {
        SplittableRandom random = new SplittableRandom(2);
        int m = 12;
        double[][] v = counts(random, randomBasis(random, m, 3), m, 3, 200, 3.0);
        OnlineNmf nmf = new OnlineNmf(NmfConfig.defaults(3).withBatchSize(16));
        for (int q = 0; q < 150; q++) {
            nmf.partialFit(DenseColumn.of(v[q]));
        }
        byte[] now = nmf.toBytes();
        assertEquals(4, now[7], "the current format");
        // format 3: W itself (the stored values times their factors), no factors and no G after it
        ByteBuffer kept = ByteBuffer.allocate(8 * (3 + 9));
        for (double x : nmf.state().wScale()) {
            kept.putDouble(x);
        }
        for (double x : nmf.state().current().g) {
            kept.putDouble(x);
        }
        ByteBuffer w = ByteBuffer.allocate(8 * m * 3);
        for (double[] component : nmf.state().current().toComponents()) {
            for (double x : component) {
                w.putDouble(x);
            }
        }
        int at = indexOf(now, kept.array());
        byte[] three = cut(now, kept.array(), 0);
        System.arraycopy(w.array(), 0, three, at - w.capacity(), w.capacity());
        three[7] = 3;
        // format 2: no loss after the influence cap, no divergence sums at the end
        byte[] old = cut(three, new byte[] {0, 9, 'F', 'R', 'O', 'B', 'E', 'N', 'I', 'U', 'S'}, 16);
        old[7] = 2;
        OnlineNmf fromOld = OnlineNmf.fromBytes(old);
        OnlineNmf fromThree = OnlineNmf.fromBytes(three);
        OnlineNmf fromNew = OnlineNmf.fromBytes(now);
        assertEquals(Loss.FROBENIUS, fromOld.config().loss());
        for (int q = 150; q < 200; q++) {
            nmf.partialFit(DenseColumn.of(v[q]));
            fromOld.partialFit(DenseColumn.of(v[q]));
            fromThree.partialFit(DenseColumn.of(v[q]));
            fromNew.partialFit(DenseColumn.of(v[q]));
        }
        // formats 2 and 3 compute G from W alike; the current one continues the model bitwise
        assertEquals(Arrays.toString(fromThree.basis().toRowMajor()),
                Arrays.toString(fromOld.basis().toRowMajor()));
        assertEquals(Arrays.toString(nmf.basis().toRowMajor()),
                Arrays.toString(fromNew.basis().toRowMajor()));
    }

    /** Where {@code part} first occurs in {@code bytes} (asserted to occur after the start). */
    private static int indexOf(byte[] bytes, byte[] part) {
        int at = -1;
        for (int i = 0; i + part.length <= bytes.length && at < 0; i++) {
            if (Arrays.equals(bytes, i, i + part.length, part, 0, part.length)) {
                at = i;
            }
        }
        assertTrue(at > 0);
        return at;
    }

    /** {@code bytes} without the first occurrence of {@code part} and without its last {@code tail} bytes. */
    private static byte[] cut(byte[] bytes, byte[] part, int tail) {
        int at = indexOf(bytes, part);
        byte[] out = new byte[bytes.length - part.length - tail];
        System.arraycopy(bytes, 0, out, 0, at);
        System.arraycopy(bytes, at + part.length, out, at, out.length - at);
        return out;
    }
}
