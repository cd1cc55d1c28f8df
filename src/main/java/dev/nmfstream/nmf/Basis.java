package dev.nmfstream.nmf;

import java.util.Arrays;

/**
 * One published version of the basis W (m × r, W ≥ 0) with its Gram matrix G = WᵀW.
 *
 * <p>Immutable once handed out: the arrays are copied in and never handed out, so a projector
 * can keep using a version while the next one is built. (The engine remakes a basis that nobody
 * else holds into its next version in place, {@link #refill} and {@link #refillRows}.) W is kept
 * row-major and component-major (see {@link Kernels}); both copies, G and the column norms are
 * computed once, here.
 */
public final class Basis {

    private final int m;
    private final int r;
    private long version;
    /** W row-major: w[i*r + k]. */
    final double[] w;
    /** W component-major: wt[k*m + i]. */
    final double[] wt;
    /**
     * Per-component factors: W[i][k] = w[i*r + k]·scale[k] = wt[k*m + i]·scale[k]. The engine's
     * basis mirrors its working W, which is stored the same way ({@link ModelState}): the stored
     * values and the factors are copied as they are, so that a partial update's publication
     * copies the rows it changed alone ({@link #refillRows}). All 1 unless {@link #factored}
     * (never in a basis handed out of the engine: {@link #folded}). The products c = Wᵀv of {@link Projector}
     * take them on the r values of c, always (a branch on {@link #factored} there was compiled for
     * the first case it met and deoptimised at the second); everything else reads W through this class.
     */
    final double[] scale;
    /** Whether a factor in {@link #scale} may differ from 1. */
    boolean factored;
    /** {@link #folded}'s copy of this version, or null: dropped whenever this basis is remade. */
    private Basis foldedCopy;
    /** G = WᵀW, r × r row-major. */
    double[] g;
    /**
     * (D G D)⁻¹ with D = diag(G)^-½, r × r row-major, or null when G is (nearly) singular: the
     * NNLS solver's fast path (see {@link NnlsSolver#scaledInverse}).
     */
    double[] scaledInverse;
    /** G's rows, and those of the scaled inverse (or null): the vectorising form the solver uses. */
    double[][] gramRows;
    double[][] scaledInverseRows;

    /**
     * A basis from W given row-major (m × r).
     *
     * @param rowMajorW W[i][k] at index i*r + k; copied. Not modified.
     * @throws IllegalArgumentException if a value is negative, NaN or infinite, or the sizes disagree
     */
    public Basis(int m, int r, double[] rowMajorW, long version) {
        this(m, r, transpose(checkShape(m, r, rowMajorW), m, r), null, version, true, null);
    }

    /**
     * A basis from W given as r component arrays of length m ({@code w[k][i]} = W[i][k]).
     * Copied; not modified.
     */
    public static Basis fromComponents(int m, int r, double[][] components, long version) {
        return fromComponents(m, r, components, null, version, null);
    }

    /**
     * A basis of the stored values {@code components} (copied; not modified) and the factors
     * {@code factors} (null: all 1; copied), validated, with G as it was kept or null to
     * compute it: a saved model's working W.
     *
     * @throws IllegalArgumentException if a value or a factor is negative, NaN or infinite, a
     *     factor is 0, or G is not r × r with finite entries
     */
    static Basis fromComponents(int m, int r, double[][] components, double[] factors, long version,
            double[] knownGram) {
        if (factors != null) {
            if (factors.length != r) {
                throw new IllegalArgumentException(factors.length + " factors, expected " + r);
            }
            for (int k = 0; k < r; k++) {
                if (!(factors[k] > 0 && factors[k] < Double.POSITIVE_INFINITY)) {
                    throw new IllegalArgumentException("factor of component " + k + " = " + factors[k]
                            + ", expected a finite positive number");
                }
            }
        }
        if (knownGram != null) {
            if (knownGram.length != r * r) {
                throw new IllegalArgumentException("G of " + knownGram.length + " entries, expected " + r * r);
            }
            for (int j = 0; j < knownGram.length; j++) {
                if (!Double.isFinite(knownGram[j])) {
                    throw new IllegalArgumentException("G[" + j / r + "][" + j % r + "] = " + knownGram[j]
                            + ", expected a finite number");
                }
            }
        }
        if (components.length != r) {
            throw new IllegalArgumentException("basis has " + components.length + " components, expected rank " + r);
        }
        if (m <= 0 || r <= 0) {
            throw new IllegalArgumentException("basis dimension " + m + " × rank " + r + ", expected both positive");
        }
        double[] wt = new double[m * r];
        for (int k = 0; k < r; k++) {
            if (components[k].length != m) {
                throw new IllegalArgumentException("component " + k + " has " + components[k].length
                        + " values, expected " + m);
            }
            System.arraycopy(components[k], 0, wt, k * m, m);
        }
        return new Basis(m, r, wt, factors, version, true, knownGram);
    }

    /**
     * A basis from components the engine made itself (floored, finite, nonnegative by
     * construction): copied but not validated. Of stored values and their factors (null: all 1;
     * copied), with G = WᵀW already known (it becomes this basis's own array), or null to compute it.
     */
    static Basis trusted(int m, int r, double[][] components, double[] factors, long version, double[] knownGram) {
        double[] wt = new double[m * r];
        for (int k = 0; k < r; k++) {
            System.arraycopy(components[k], 0, wt, k * m, m);
        }
        return new Basis(m, r, wt, factors, version, false, knownGram);
    }

    /**
     * From W component-major ({@code wt[k*m + i]}), which becomes this basis's own array;
     * validated unless it comes from the engine itself; its Gram matrix {@code knownGram}
     * (becomes this basis's own) or null to compute it.
     */
    private Basis(int m, int r, double[] componentMajor, double[] factors, long version, boolean validate,
            double[] knownGram) {
        for (int j = 0; validate && j < componentMajor.length; j++) {
            double x = componentMajor[j];
            if (!(x >= 0) || x == Double.POSITIVE_INFINITY) {
                throw new IllegalArgumentException("W[" + (j % m) + "][" + (j / m) + "] = " + x
                        + ", expected a finite nonnegative number");
            }
        }
        this.m = m;
        this.r = r;
        this.version = version;
        this.wt = componentMajor;
        this.w = new double[m * r];
        this.scale = new double[r];
        takeFactors(factors);
        derive(knownGram);
    }

    /** The factors given (null: all 1) become this basis's. */
    private void takeFactors(double[] factors) {
        if (factors == null) {
            Arrays.fill(scale, 1.0);
            factored = false;
            return;
        }
        boolean any = false;
        for (int k = 0; k < r; k++) {
            scale[k] = factors[k];
            any |= factors[k] != 1;
        }
        factored = any;
    }

    /** G of the stored values made G of W: G_jk · scale[j] · scale[k] (nothing when no factor differs from 1). */
    private void applyFactors(double[] gram) {
        if (!factored) {
            return;
        }
        for (int j = 0; j < r; j++) {
            for (int k = 0; k < r; k++) {
                gram[j * r + k] *= scale[j] * scale[k];
            }
        }
    }

    /**
     * This basis made over into the given W (stored values {@code components}, m each, and their
     * {@code factors}, null for all 1; both copied) and version, in its own arrays, instead of a
     * new one (no allocation of m·r arrays per mini-batch: on a fresh JVM the first touch of that
     * memory cost more than the update). Only for a basis nobody else holds: {@link ModelState}
     * recycles the one it made last when it was never handed out. G = WᵀW is {@code knownGram}
     * when given (it becomes this basis's own array; the model carries G through its updates),
     * else computed, on the lanes when there are several.
     */
    Basis refill(double[][] components, double[] factors, long newVersion, Lanes lanes, double[] knownGram) {
        for (int k = 0; k < r; k++) {
            System.arraycopy(components[k], 0, wt, k * m, m);
        }
        this.version = newVersion;
        this.foldedCopy = null;
        takeFactors(factors);
        if (knownGram != null || lanes == null || lanes.alone()) {
            derive(knownGram);
            return this;
        }
        // G by rows j and the transposition by slabs of rows, on all lanes: bitwise as on one
        double[] gram = new double[r * r];
        int slabs = (m + 255) / 256;
        lanes.run(r + slabs, (lane, u) -> {
            if (u < r) {
                gramRows(wt, m, r, gram, u, r);
            } else {
                int from = (u - r) * 256;
                transposeRows(from, Math.min(m, from + 256));
            }
        });
        symmetrize(gram, r);
        applyFactors(gram);
        setGram(gram);
        return this;
    }

    /**
     * This basis made over into the working W of a model that changed only the given rows of its
     * stored values since this basis mirrored it (a partial update; its normalisation changed the
     * factors alone): those rows and the factors are copied, in time proportional to the rows.
     * Only for a basis nobody else holds that mirrors the model's W before that update. G = WᵀW is
     * {@code gram}, which becomes this basis's own. Measured on paragraphs (r = 50): copying and
     * transposing all of W for each of a pass's ~54 partial updates took ~6 % of a warm pass;
     * with this, a warm pass takes 0.95 × the time (BENCHMARKS.md, twelfth session).
     */
    void refillRows(double[][] components, double[] factors, int[] rows, int count, long newVersion, double[] gram) {
        // component-major first, then row-major by blocks of 64 rows that stay in L1
        for (int k = 0; k < r; k++) {
            double[] source = components[k];
            int base = k * m;
            for (int x = 0; x < count; x++) {
                int i = rows[x];
                wt[base + i] = source[i];
            }
        }
        for (int from = 0; from < count; from += 64) {
            int to = Math.min(count, from + 64);
            for (int k = 0; k < r; k++) {
                int base = k * m;
                for (int x = from; x < to; x++) {
                    int i = rows[x];
                    w[i * r + k] = wt[base + i];
                }
            }
        }
        takeFactors(factors);
        this.version = newVersion;
        this.foldedCopy = null;
        setGram(gram);
    }

    /**
     * This basis to hand out of the engine: itself without factors, else a new basis of the same
     * W and version with the factors taken into its values (made once per version; this one
     * unchanged, so that its user's projections do not move).
     */
    Basis folded() {
        if (!factored) {
            return this;
        }
        if (foldedCopy == null) {
            double[] values = wt.clone();
            for (int k = 0; k < r; k++) {
                Kernels.scale(scale[k], values, k * m, m);
            }
            foldedCopy = new Basis(m, r, values, null, version, false, g.clone());
        }
        return foldedCopy;
    }

    /** Row-major W's (or a copy's) column k times {@code scale[k]}, for every k. */
    private void scaleColumns(double[] rowMajor) {
        for (int i = 0; i < m; i++) {
            int row = i * r;
            for (int k = 0; k < r; k++) {
                rowMajor[row + k] *= scale[k];
            }
        }
    }

    /**
     * Row-major W, the Gram matrix (the given one, which becomes this basis's own, or null to
     * compute it) and its scaled inverse, from {@link #wt}.
     */
    private void derive(double[] knownGram) {
        transposeRows(0, m);
        if (knownGram != null) {
            setGram(knownGram);
            return;
        }
        double[] gram = gram(wt, m, r);
        applyFactors(gram);
        setGram(gram);
    }

    /**
     * Row-major W's rows lo ≤ i &lt; hi from {@link #wt}, in blocks of rows that stay in L1, four
     * components per pass over a block (one at a time took a third longer at m = 20,000, r = 50).
     */
    private void transposeRows(int lo, int hi) {
        for (int from = lo; from < hi; from += 64) {
            int to = Math.min(hi, from + 64);
            int k = 0;
            for (; k + 3 < r; k += 4) {
                int b0 = k * m;
                int b1 = b0 + m;
                int b2 = b1 + m;
                int b3 = b2 + m;
                for (int i = from; i < to; i++) {
                    int o = i * r + k;
                    w[o] = wt[b0 + i];
                    w[o + 1] = wt[b1 + i];
                    w[o + 2] = wt[b2 + i];
                    w[o + 3] = wt[b3 + i];
                }
            }
            for (; k < r; k++) {
                int base = k * m;
                for (int i = from; i < to; i++) {
                    w[i * r + k] = wt[base + i];
                }
            }
        }
    }

    /** G, its scaled inverse and the rows of both. */
    private void setGram(double[] gram) {
        this.g = gram;
        this.scaledInverse = NnlsSolver.scaledInverse(g, r);
        this.gramRows = rows(g, r);
        this.scaledInverseRows = scaledInverse == null ? null : rows(scaledInverse, r);
    }

    private static double[] checkShape(int m, int r, double[] rowMajorW) {
        if (m <= 0 || r <= 0) {
            throw new IllegalArgumentException("basis dimension " + m + " × rank " + r + ", expected both positive");
        }
        if (rowMajorW.length != (long) m * r) {
            throw new IllegalArgumentException("basis has " + rowMajorW.length + " values, expected m·r = " + m + "·" + r);
        }
        return rowMajorW;
    }

    private static double[] transpose(double[] rowMajor, int m, int r) {
        double[] wt = new double[m * r];
        for (int i = 0; i < m; i++) {
            for (int k = 0; k < r; k++) {
                wt[k * m + i] = rowMajor[i * r + k];
            }
        }
        return wt;
    }

    /** W as r new component arrays of length m. */
    public double[][] toComponents() {
        double[][] out = new double[r][];
        for (int k = 0; k < r; k++) {
            out[k] = component(k);
        }
        return out;
    }

    private static double[][] rows(double[] square, int r) {
        double[][] out = new double[r][];
        for (int k = 0; k < r; k++) {
            out[k] = Arrays.copyOfRange(square, k * r, (k + 1) * r);
        }
        return out;
    }

    /**
     * G = WᵀW (r × r row-major) from W component-major: over blocks of rows that stay in the L2
     * cache, four dot products per pass over a column block.
     */
    static double[] gram(double[] wt, int m, int r) {
        double[] g = new double[r * r];
        gramRows(wt, m, r, g, 0, 1);
        symmetrize(g, r);
        return g;
    }

    /**
     * The upper triangle's rows j ≡ first (mod step) of G, into g (zeros there before). Each
     * entry is made by the same sums whichever rows a call takes, so calls for every residue
     * may run on several threads with bitwise the same G.
     */
    static void gramRows(double[] wt, int m, int r, double[] g, int first, int step) {
        double[] four = new double[4];
        int block = Math.max(256, (256 * 1024) / (8 * r));
        for (int from = 0; from < m; from += block) {
            int to = Math.min(m, from + block);
            for (int j = first; j < r; j += step) {
                int jo = j * m;
                int k = j;
                for (; k + 3 < r; k += 4) {
                    if (Kernels.VECTOR) {
                        VectorKernels.dot4(wt, jo, wt, k * m, m, from, to, four, 0);
                    } else {
                        dot4(wt, m, jo, k * m, from, to, four);
                    }
                    for (int q = 0; q < 4; q++) {
                        g[j * r + k + q] += four[q];
                    }
                }
                for (; k < r; k++) {
                    g[j * r + k] += Kernels.dot(wt, jo + from, wt, k * m + from, to - from);
                }
            }
        }
    }

    /** Copies G's upper triangle into its lower one. */
    static void symmetrize(double[] g, int r) {
        for (int j = 0; j < r; j++) {
            for (int k = 0; k < j; k++) {
                g[j * r + k] = g[k * r + j];
            }
        }
    }

    /**
     * four[q] = Σ_{i ∈ [from, to)} wt[jo + i]·wt[ko + q·m + i] for q &lt; 4: one pass over column j's
     * block for four dot products, eight accumulator chains.
     */
    private static void dot4(double[] wt, int m, int jo, int ko, int from, int to, double[] four) {
        int o0 = ko;
        int o1 = ko + m;
        int o2 = ko + 2 * m;
        int o3 = ko + 3 * m;
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0, t0 = 0, t1 = 0, t2 = 0, t3 = 0;
        int i = from;
        for (; i + 1 < to; i += 2) {
            double xa = wt[jo + i];
            double xb = wt[jo + i + 1];
            s0 += xa * wt[o0 + i];
            s1 += xa * wt[o1 + i];
            s2 += xa * wt[o2 + i];
            s3 += xa * wt[o3 + i];
            t0 += xb * wt[o0 + i + 1];
            t1 += xb * wt[o1 + i + 1];
            t2 += xb * wt[o2 + i + 1];
            t3 += xb * wt[o3 + i + 1];
        }
        if (i < to) {
            double xa = wt[jo + i];
            s0 += xa * wt[o0 + i];
            s1 += xa * wt[o1 + i];
            s2 += xa * wt[o2 + i];
            s3 += xa * wt[o3 + i];
        }
        four[0] = s0 + t0;
        four[1] = s1 + t1;
        four[2] = s2 + t2;
        four[3] = s3 + t3;
    }

    /** The dimension m of the data columns. */
    public int dim() {
        return m;
    }

    /** The rank r (number of components). */
    public int rank() {
        return r;
    }

    /** The version this basis was published as (0 for an initial basis). */
    public long version() {
        return version;
    }

    /** W[i][k]. */
    public double get(int i, int k) {
        return w[i * r + k] * scale[k];
    }

    /** A copy of W, row-major (m × r). */
    public double[] toRowMajor() {
        double[] out = w.clone();
        if (factored) {
            scaleColumns(out);
        }
        return out;
    }

    /** A copy of column k of W (length m). */
    public double[] component(int k) {
        double[] out = Arrays.copyOfRange(wt, k * m, (k + 1) * m);
        if (factored) {
            Kernels.scale(scale[k], out, 0, m);
        }
        return out;
    }

    /** A copy of G = WᵀW, row-major (r × r). */
    public double[] gram() {
        return g.clone();
    }

    /** ‖w_k‖ for every component k. */
    public double[] columnNorms() {
        double[] norms = new double[r];
        for (int k = 0; k < r; k++) {
            norms[k] = Math.sqrt(g[k * r + k]);
        }
        return norms;
    }
}
