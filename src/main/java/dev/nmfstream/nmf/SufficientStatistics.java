package dev.nmfstream.nmf;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * The sufficient statistics of the online model (Mairal et al. 2010):
 *
 * <pre>
 *   A = Σ h hᵀ   (r × r)
 *   B = Σ v hᵀ   (m × r; a sparse v touches only its nonzero rows)
 * </pre>
 *
 * over the items seen, each weighted by the forgetting applied since it was added. They are
 * additive: the statistics of two partitions {@link #merge} to those of the union, which is
 * what lets projectors on many partitions and instances feed one updater.
 *
 * <p>Forgetting is applied per mini-batch by the caller: {@link #decay}(ρ) multiplies A and B
 * by ρ, so after t batches an item added in batch s carries the weight Π_{u=s+1..t} ρ_u. A
 * per-item factor ρ_item with batches of b items is the per-batch factor ρ_item^b.
 *
 * <p>Besides A and B the statistics carry the count of items, their decayed weight and up to
 * {@link #CANDIDATES} <em>re-seeding candidates</em>: copies of the recent columns that the
 * basis explained worst (largest ‖v − W h‖²), from which a dead component is re-seeded.
 *
 * <p>Storage: A row-major, B one array per component ({@code b[k][i]}: the form of
 * {@link Kernels#axpy(double, double[], double[], int)} that vectorises). {@link #add}
 * allocates nothing.
 *
 * <p>Sparse items touch few rows of B. The statistics keep the set of rows that may be nonzero
 * (the <em>touched rows</em>, until the first dense item or a whole-matrix operation makes it
 * all rows), so that {@link #clear}, {@link #decay}, {@link #merge} from such statistics and
 * {@link #writeCompactTo} cost in proportion to the rows touched, not to m. Every entry gets the
 * same arithmetic either way: the results are bitwise those of the dense loops.
 */
public final class SufficientStatistics {

    /** How many re-seeding candidates are kept. */
    public static final int CANDIDATES = 4;
    /**
     * The first int32 of {@link #writeCompactTo}'s earlier format, B row by row (a dense
     * {@link #writeTo} starts with m &gt; 0), so that {@link #readFrom} reads every form.
     */
    static final int COMPACT_FORMAT = -2;
    /** The first int32 of {@link #writeCompactTo}'s format, B component by component. */
    static final int COMPACT_BY_COMPONENT = -3;

    private final int m;
    private final int r;
    final double[] a;
    final double[][] b;
    private long items;
    private double weight;
    /** Candidate columns, dense, each of length m; valid for indices &lt; candidateCount. */
    private final double[][] candidates;
    private final double[] candidateScore;
    private int candidateCount;
    /** Scratch: the support of h. */
    private final int[] support;
    /** Scratch: a dense column copied to offset 0. */
    private final double[] column;
    /** Whether row i is among the touched rows (meaningful while not {@link #allRows}). */
    private final boolean[] touched;
    /** The touched rows, in the order first touched: rows[0 … rowCount). */
    private final int[] rows;
    private int rowCount;
    /** True when any row of B may be nonzero (a dense item, a model's statistics). */
    private boolean allRows;

    /** Empty statistics for dimension m and rank r. */
    public SufficientStatistics(int m, int r) {
        if (m <= 0 || r <= 0) {
            throw new IllegalArgumentException("statistics of dimension " + m + " × rank " + r
                    + ", expected both positive");
        }
        this.m = m;
        this.r = r;
        this.a = new double[r * r];
        this.b = new double[r][m];
        this.column = new double[m];
        this.candidates = new double[CANDIDATES][];
        this.candidateScore = new double[CANDIDATES];
        this.support = new int[r];
        this.touched = new boolean[m];
        this.rows = new int[m];
    }

    /** The dimension m. */
    public int dim() {
        return m;
    }

    /** The rank r. */
    public int rank() {
        return r;
    }

    /**
     * The number of rows of B that may be nonzero: the rows sparse items touched since the last
     * {@link #clear}, or m once a dense item or a whole-matrix operation came in.
     */
    public int touchedRows() {
        return allRows ? m : rowCount;
    }

    /**
     * Copies the touched rows into {@code into} (length ≥ m) and returns their count, or −1 when
     * every row counts as touched.
     */
    public int touchedRows(int[] into) {
        if (allRows) {
            return -1;
        }
        System.arraycopy(rows, 0, into, 0, rowCount);
        return rowCount;
    }

    /**
     * Puts the touched rows in increasing order, so that whoever goes through them (the partial
     * W update, the basis's refill) walks W and B forwards rather than in the order the words came.
     */
    void sortTouchedRows() {
        if (!allRows) {
            Arrays.sort(rows, 0, rowCount);
        }
    }

    /** Marks row i of B as touched. */
    void touch(int i) {
        if (!touched[i]) {
            touched[i] = true;
            rows[rowCount++] = i;
        }
    }

    /**
     * After B was read whole: the touched rows are those with a nonzero entry if they are at most
     * half of them (statistics of sparse items, as they were before they were written), else all.
     */
    private void touchNonzeroRows() {
        for (int i = 0; i < m && rowCount <= m / 2; i++) {
            for (int k = 0; k < r; k++) {
                if (b[k][i] != 0) {
                    touch(i);
                    break;
                }
            }
        }
        if (rowCount > m / 2) {
            untouch();
            touchAll();
        }
    }

    /** Marks every row of B as touched. */
    void touchAll() {
        allRows = true;
    }

    /** Forgets the touched rows (B is zero again). */
    private void untouch() {
        if (allRows || rowCount > m / 8) {
            Arrays.fill(touched, false);
        } else {
            for (int x = 0; x < rowCount; x++) {
                touched[rows[x]] = false;
            }
        }
        rowCount = 0;
        allRows = false;
    }

    /** Items added (merged counts included; not decayed). */
    public long items() {
        return items;
    }

    /** Σ of the items' current weights (each 1 when added, then decayed with A and B). */
    public double weight() {
        return weight;
    }

    /** A[j][k]. */
    public double a(int j, int k) {
        return a[j * r + k];
    }

    /** B[i][k]. */
    public double b(int i, int k) {
        return b[k][i];
    }

    /** A copy of A, row-major (r × r). */
    public double[] aMatrix() {
        return a.clone();
    }

    /** A copy of B, row-major (m × r). */
    public double[] bMatrix() {
        double[] out = new double[m * r];
        for (int k = 0; k < r; k++) {
            for (int i = 0; i < m; i++) {
                out[i * r + k] = b[k][i];
            }
        }
        return out;
    }

    /**
     * Adds one item scaled by s ∈ [0, 1], as if it were s v with weights s h:
     * A += (s h)(s h)ᵀ, B += s² v hᵀ, computed as (s (s h_k)) v so that neither s² nor the
     * products leave the range of a double. s = 1 is {@link #add(Column, double[])}, bit for bit.
     * Bounds the influence of an item far larger than the stream's others ({@link InfluenceCap}).
     *
     * @param v the column. Not modified.
     * @param h its weights. Not modified.
     * @param s the item's scale in [0, 1]
     */
    public void add(Column v, double[] h, double s) {
        if (!(s >= 0 && s <= 1)) {
            throw new IllegalArgumentException("item scale " + s + ", expected a number in [0, 1]");
        }
        addWeighted(v, h, s);
    }


    /**
     * Adds one item: A += h hᵀ, B += v hᵀ, over the support of h only.
     *
     * @param v the column. Not modified.
     * @param h its weights, length ≥ r. Not modified.
     */
    public void add(Column v, double[] h) {
        addWeighted(v, h, 1.0);
    }

    /** A += (s h)(s h)ᵀ, B += (s (s h_k)) v over the support of h; one more item, of weight s². */
    private void addWeighted(Column v, double[] h, double s) {
        if (v.dim() != m) {
            throw new IllegalArgumentException("column of dimension " + v.dim() + ", expected " + m);
        }
        int supportSize = addToA(h, s);
        // B[:, k] += s (s h_k) v
        if (v instanceof DenseColumn dense) {
            touchAll();
            System.arraycopy(dense.data(), dense.offset(), column, 0, m);
            for (int x = 0; x < supportSize; x++) {
                int k = support[x];
                Kernels.axpy(s * (s * h[k]), column, b[k], m);
            }
        } else {
            SparseColumn sparse = (SparseColumn) v;
            int[] idx = sparse.indices();
            double[] val = sparse.values();
            int off = sparse.offset();
            int nnz = sparse.nnz();
            if (supportSize > 0 && !allRows) {
                for (int j = 0; j < nnz; j++) {
                    touch(idx[off + j]);
                }
            }
            for (int x = 0; x < supportSize; x++) {
                int k = support[x];
                double hk = s * (s * h[k]);
                double[] bk = b[k];
                for (int j = 0; j < nnz; j++) {
                    bk[idx[off + j]] += hk * val[off + j];
                }
            }
        }
        items++;
        weight += s * s;
    }


    /** A += h hᵀ over the support of h, which is left in {@code support}; returns its size. */
    private int addToA(double[] h) {
        return addToA(h, 1.0);
    }

    /** A += (s h)(s h)ᵀ over the support of h (left in {@link #support}); returns its size. */
    private int addToA(double[] h, double s) {
        int n = 0;
        for (int k = 0; k < r; k++) {
            if (h[k] != 0) {
                support[n++] = k;
            }
        }
        for (int x = 0; x < n; x++) {
            int j = support[x];
            double hj = s * h[j];
            int row = j * r;
            for (int y = 0; y < n; y++) {
                int k = support[y];
                a[row + k] += hj * (s * h[k]);
            }
        }
        return n;
    }

    /**
     * Adds four dense items at once: A += Σ_q h_q h_qᵀ, B += Σ_q v_q h_qᵀ, with one pass over each
     * column of B for the four (measured 2× faster than four {@link #add} calls at m = 1025).
     *
     * @param v four columns of length m, from index 0. Not modified.
     * @param h their weights. Not modified.
     */
    public void addDense4(double[][] v, double[][] h) {
        for (int q = 0; q < 4; q++) {
            if (v[q].length < m) {
                throw new IllegalArgumentException("column of length " + v[q].length + ", expected " + m);
            }
            addToA(h[q]);
        }
        touchAll();
        int k = 0;
        if (Kernels.VECTOR) {
            // four components of B per pass over the four columns
            for (; k + 3 < r; k += 4) {
                VectorKernels.addOuter4(b, k, v, h, m);
            }
        }
        addToB4From(v, h, k);
        items += 4;
        weight += 4;
    }

    /**
     * The counts of four dense items whose A and B come in a {@link Part}: four more items, all
     * rows touched.
     */
    void countDense4() {
        touchAll();
        items += 4;
        weight += 4;
    }

    /**
     * Sums of A and B over some groups of four dense items, made apart from the statistics (on the
     * lane that projected the items, whose caches hold them) and added to them by {@link #add(Part)}.
     * A component's B column is written by its first nonzero group rather than zeroed first
     * (0 + x is x exactly), so a part costs nothing for the components its items did not use.
     */
    static final class Part {
        private final int m;
        private final int r;
        private final double[] a;
        private final double[][] b;
        private final boolean[] started;

        Part(int m, int r) {
            this.m = m;
            this.r = r;
            this.a = new double[r * r];
            this.b = new double[r][m];
            this.started = new boolean[r];
        }

        /** Empties the part. */
        void clear() {
            Arrays.fill(a, 0);
            Arrays.fill(started, false);
        }

        /** Four dense items ({@link SufficientStatistics#add4}) into the part, components kFrom ≤ k &lt; kTo. */
        void add4(double[][] v, double[][] h, int kFrom, int kTo) {
            sums4(a, b, started, m, r, v, h, kFrom, kTo);
        }
    }

    /**
     * Four dense items' rows k of A and columns k of B for kFrom ≤ k &lt; kTo:
     * A[k, :] += Σ_q h_q[k] h_q and B[:, k] += Σ_q h_q[k] v_q, the four columns in one pass per
     * component, into this statistics' own sums (the items are counted apart,
     * {@link #countDense4}). Each component's sums are made in the order of the calls, so a
     * caller may go through its groups a few components at a time (while their B columns stay
     * in L1). Onto empty statistics this writes bitwise what a {@link Part} of the same groups
     * holds.
     *
     * @param v four columns of length ≥ m (from index 0). Not modified.
     * @param h their weights, length r each. Not modified.
     */
    void add4(double[][] v, double[][] h, int kFrom, int kTo) {
        sums4(a, b, null, m, r, v, h, kFrom, kTo);
    }

    /** {@link #add4} into the given sums; a component not yet {@code started} is written, not added to. */
    private static void sums4(double[] a, double[][] b, boolean[] started, int m, int r, double[][] v, double[][] h,
            int kFrom, int kTo) {
        double[] h0 = h[0];
        double[] h1 = h[1];
        double[] h2 = h[2];
        double[] h3 = h[3];
        for (int k = kFrom; k < kTo; k++) {
            double a0 = h0[k];
            double a1 = h1[k];
            double a2 = h2[k];
            double a3 = h3[k];
            if (a0 != 0 || a1 != 0 || a2 != 0 || a3 != 0) {
                int row = k * r;
                for (int l = 0; l < r; l++) {
                    a[row + l] += a0 * h0[l] + a1 * h1[l] + a2 * h2[l] + a3 * h3[l];
                }
                if (started == null || started[k]) {
                    Kernels.axpy4(a0, v[0], a1, v[1], a2, v[2], a3, v[3], b[k], m);
                } else {
                    Kernels.set4(a0, v[0], a1, v[1], a2, v[2], a3, v[3], b[k], m);
                    started[k] = true;
                }
            }
        }
    }

    /**
     * Adds a {@link Part}'s sums to A and B. The items are counted apart ({@link #countDense4}).
     *
     * @throws IllegalArgumentException if the part is of another shape
     */
    void add(Part part) {
        if (part.m != m || part.r != r) {
            throw new IllegalArgumentException("a part of " + part.m + " × " + part.r + ", the statistics are " + m
                    + " × " + r);
        }
        Kernels.axpy(1.0, part.a, a, a.length); // 1·x is x exactly
        for (int k = 0; k < r; k++) {
            if (part.started[k]) {
                Kernels.axpy(1.0, part.b[k], b[k], m);
            }
        }
    }

    /**
     * Offers a column as a re-seeding candidate: it is copied in if its residual is among the
     * {@link #CANDIDATES} largest offered since the last {@link #clear}. The copy allocates only
     * the first time a slot is filled.
     *
     * @param residualSq ‖v − W h‖² of the column under the basis it was projected with
     */
    public void offerCandidate(Column v, double residualSq) {
        if (!(residualSq > 0)) {
            return;
        }
        int slot;
        if (candidateCount < CANDIDATES) {
            slot = candidateCount++;
        } else {
            slot = 0;
            for (int q = 1; q < CANDIDATES; q++) {
                if (candidateScore[q] < candidateScore[slot]) {
                    slot = q;
                }
            }
            if (candidateScore[slot] >= residualSq) {
                return;
            }
        }
        double[] dst = candidateArray(slot);
        if (v instanceof DenseColumn dense) {
            System.arraycopy(dense.data(), dense.offset(), dst, 0, m);
        } else {
            SparseColumn sparse = (SparseColumn) v;
            Arrays.fill(dst, 0.0);
            int off = sparse.offset();
            for (int j = 0; j < sparse.nnz(); j++) {
                dst[sparse.indices()[off + j]] = sparse.values()[off + j];
            }
        }
        candidateScore[slot] = residualSq;
    }

    /** Number of re-seeding candidates held. */
    public int candidateCount() {
        return candidateCount;
    }

    /** The q-th candidate (dense, length m; not a copy) and its residual. */
    public double[] candidate(int q) {
        if (q >= candidateCount) {
            throw new IndexOutOfBoundsException("candidate " + q + " of " + candidateCount);
        }
        return candidates[q];
    }

    /** ‖v − W h‖² of the q-th candidate. */
    public double candidateScore(int q) {
        return candidateScore[q];
    }

    /** Candidate slot q's array of m entries (allocated the first time), to be overwritten. */
    private double[] candidateArray(int q) {
        if (candidates[q] == null) {
            candidates[q] = new double[m];
        }
        return candidates[q];
    }

    /**
     * Adds another partition's statistics to these: A += A', B += B', counts add up, and the
     * candidates become the worst-explained of both sets.
     */
    public void merge(SufficientStatistics other) {
        if (other.m != m || other.r != r) {
            throw new IllegalArgumentException("statistics of " + other.m + " × " + other.r + " cannot merge into "
                    + m + " × " + r);
        }
        for (int i = 0; i < a.length; i++) {
            a[i] += other.a[i];
        }
        if (other.allRows) {
            touchAll();
            for (int k = 0; k < r; k++) {
                Kernels.axpy(1.0, other.b[k], b[k], m);
            }
        } else {
            // only the rows the other statistics touched: the same sums, entry by entry
            int[] otherRows = other.rows;
            int count = other.rowCount;
            if (!allRows) {
                for (int x = 0; x < count; x++) {
                    touch(otherRows[x]);
                }
            }
            for (int k = 0; k < r; k++) {
                double[] bk = b[k];
                double[] ok = other.b[k];
                for (int x = 0; x < count; x++) {
                    int i = otherRows[x];
                    bk[i] += ok[i];
                }
            }
        }
        items += other.items;
        weight += other.weight;
        for (int q = 0; q < other.candidateCount; q++) {
            offerCandidate(DenseColumn.of(other.candidates[q]), other.candidateScore[q]);
        }
    }

    /**
     * The model's step at the end of a mini-batch, in one pass over A and B: this ← ρ·this +
     * batch, the candidates become the batch's, and the batch is cleared. The same numbers as
     * {@link #decay}(ρ), {@link #merge}(batch) and {@code batch.clear()} in turn (each entry is
     * ρ·x + y either way), with a third of the memory traffic.
     */
    public void absorb(double rho, SufficientStatistics batch) {
        if (batch.m != m || batch.r != r) {
            throw new IllegalArgumentException("statistics of " + batch.m + " × " + batch.r + " cannot merge into "
                    + m + " × " + r);
        }
        if (!(rho >= 0 && rho <= 1)) {
            throw new IllegalArgumentException("forgetting factor " + rho + ", expected a number in [0, 1]");
        }
        Kernels.decayAndTake(rho, a, batch.a, a.length);
        touchAll();
        for (int k = 0; k < r; k++) {
            Kernels.decayAndTake(rho, b[k], batch.b[k], m);
        }
        batch.untouch();
        items += batch.items;
        weight = rho * weight + batch.weight;
        candidateCount = 0;
        for (int q = 0; q < batch.candidateCount; q++) {
            offerCandidate(DenseColumn.of(batch.candidates[q]), batch.candidateScore[q]);
        }
        batch.items = 0;
        batch.weight = 0;
        batch.candidateCount = 0;
    }

    /**
     * this += g · other with component k scaled by d_k: A_jk += g d_j d_k A'_jk, B[:, k] += g d_k
     * B'[:, k], weight += g · weight' (counts and candidates unchanged). d = null scales nothing.
     * For {@link Reservoir}: statistics carried between frames of a rescaled basis, and its
     * estimate's sums and differences.
     */
    void addRescaled(SufficientStatistics other, double[] d, double g) {
        if (other.m != m || other.r != r) {
            throw new IllegalArgumentException("statistics of " + other.m + " × " + other.r + " cannot be added to "
                    + m + " × " + r);
        }
        for (int j = 0; j < r; j++) {
            double gj = d == null ? g : g * d[j];
            for (int k = 0; k < r; k++) {
                a[j * r + k] += (d == null ? gj : gj * d[k]) * other.a[j * r + k];
            }
        }
        touchAll();
        for (int k = 0; k < r; k++) {
            Kernels.axpy(d == null ? g : g * d[k], other.b[k], b[k], m);
        }
        weight += g * other.weight;
    }

    /** A += g · x xᵀ (no counts): a term of {@link Reservoir}'s estimate. */
    void addOuterToA(double[] x, double g) {
        for (int j = 0; j < r; j++) {
            double gx = g * x[j];
            if (gx != 0) {
                for (int k = 0; k < r; k++) {
                    a[j * r + k] += gx * x[k];
                }
            }
        }
    }

    /**
     * B[:, k] += Σ_q d_q[k] v_q for four dense columns (no counts), in one pass over each column
     * of B: a term of {@link Reservoir}'s estimate.
     */
    void addToB4(double[][] v, double[][] d) {
        touchAll();
        addToB4From(v, d, 0);
    }

    /** B[:, k] += Σ_q d_q[k] v_q for the components k ≥ kFrom, four columns per pass (rows already touched). */
    private void addToB4From(double[][] v, double[][] d, int kFrom) {
        double[] d0 = d[0];
        double[] d1 = d[1];
        double[] d2 = d[2];
        double[] d3 = d[3];
        for (int k = kFrom; k < r; k++) {
            if (d0[k] != 0 || d1[k] != 0 || d2[k] != 0 || d3[k] != 0) {
                Kernels.axpy4(d0[k], v[0], d1[k], v[1], d2[k], v[2], d3[k], v[3], b[k], m);
            }
        }
    }

    /** A ← ρ·A, B ← ρ·B, weight ← ρ·weight (forgetting, once per mini-batch). */
    public void decay(double rho) {
        if (!(rho >= 0 && rho <= 1)) {
            throw new IllegalArgumentException("forgetting factor " + rho + ", expected a number in [0, 1]");
        }
        if (rho == 1) {
            return;
        }
        Kernels.scale(rho, a, 0, a.length);
        if (allRows) {
            for (int k = 0; k < r; k++) {
                Kernels.scale(rho, b[k], 0, m);
            }
        } else {
            for (int k = 0; k < r; k++) {
                double[] bk = b[k];
                for (int x = 0; x < rowCount; x++) {
                    bk[rows[x]] *= rho;
                }
            }
        }
        weight *= rho;
    }

    /**
     * Keeps the statistics consistent with a rescaled basis: for W' = W D with D = diag(d),
     * A' = D⁻¹ A D⁻¹ and B' = B D⁻¹ (so that the weights become h' = D⁻¹ h and W'h' = W h).
     *
     * @param d the positive scale of each component. Not modified.
     */
    public void rescale(double[] d) {
        for (int j = 0; j < r; j++) {
            double dj = 1.0 / d[j];
            for (int k = 0; k < r; k++) {
                a[j * r + k] *= dj / d[k];
            }
            if (allRows) {
                Kernels.scale(dj, b[j], 0, m);
            } else {
                double[] bj = b[j];
                for (int x = 0; x < rowCount; x++) {
                    bj[rows[x]] *= dj;
                }
            }
        }
    }

    /**
     * The surrogate objective of W on these statistics,
     * ½ Tr(WᵀW A) − Tr(WᵀB) (= Σ ½‖v − W h‖² − ½‖v‖² over the items, weighted).
     *
     * @param w W row-major (m × r). Not modified.
     */
    public double surrogate(double[] w) {
        double[] gram = new double[r * r];
        for (int i = 0; i < m; i++) {
            int row = i * r;
            for (int j = 0; j < r; j++) {
                double wij = w[row + j];
                if (wij != 0) {
                    Kernels.axpy(wij, w, row, gram, j * r, r);
                }
            }
        }
        double quad = 0;
        for (int i = 0; i < r * r; i++) {
            quad += gram[i] * a[i];
        }
        double lin = 0;
        for (int k = 0; k < r; k++) {
            double[] bk = b[k];
            for (int i = 0; i < m; i++) {
                lin += w[i * r + k] * bk[i];
            }
        }
        return 0.5 * quad - lin;
    }

    /** Zeroes A, B, the counts and the candidates. */
    public void clear() {
        Arrays.fill(a, 0.0);
        if (allRows) {
            for (double[] bk : b) {
                Arrays.fill(bk, 0.0);
            }
        } else {
            for (double[] bk : b) {
                for (int x = 0; x < rowCount; x++) {
                    bk[rows[x]] = 0.0;
                }
            }
        }
        untouch();
        items = 0;
        weight = 0;
        candidateCount = 0;
    }

    /** Sets component k's statistics: A's row and column k to zero but A_kk = akk, and B's column k. */
    void resetComponent(int k, double akk, double[] bk) {
        for (int j = 0; j < r; j++) {
            a[j * r + k] = 0;
            a[k * r + j] = 0;
        }
        a[k * r + k] = akk;
        touchAll();
        System.arraycopy(bk, 0, b[k], 0, m);
    }

    /** Counts one item of the given weight (for statistics filled by {@link KlStatistics}). */
    void countItem(double itemWeight) {
        items++;
        weight += itemWeight;
    }

    /** Drops the re-seeding candidates (the model keeps only the latest batch's). */
    void clearCandidates() {
        candidateCount = 0;
    }

    /** Copies everything from another instance of the same shape. */
    public void copyFrom(SufficientStatistics other) {
        clear();
        merge(other);
    }

    /** Writes the statistics (shape, counts, A, B, candidates) in the dense form. */
    public void writeTo(DataOutput out) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(denseBytes());
        writeDenseTo(buffer);
        out.write(buffer.array(), 0, buffer.position());
    }

    /** The bytes of the dense form ({@link #writeTo}). */
    int denseBytes() {
        return Math.toIntExact(4 + 4 + 8 + 8 + 8L * r * r + 8L * m * r + 4 + candidateCount * (8 + 8L * m));
    }

    private void writeDenseTo(ByteBuffer out) {
        out.putInt(m);
        out.putInt(r);
        out.putLong(items);
        out.putDouble(weight);
        putDoubles(out, a);
        for (double[] bk : b) {
            putDoubles(out, bk);
        }
        out.putInt(candidateCount);
        for (int q = 0; q < candidateCount; q++) {
            out.putDouble(candidateScore[q]);
            putDoubles(out, candidates[q]);
        }
    }

    /** Writes doubles in bulk (big-endian, as {@link DataOutput#writeDouble} would). */
    static void writeDoubles(DataOutput out, double[] values) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(8 * values.length);
        putDoubles(buffer, values);
        out.write(buffer.array());
    }

    /** Puts doubles in bulk at the buffer's position (in its byte order) and moves past them. */
    private static void putDoubles(ByteBuffer out, double[] values) {
        out.asDoubleBuffer().put(values);
        out.position(out.position() + 8 * values.length);
    }

    /** Reads doubles written by {@link #writeDoubles}. */
    static void readDoubles(DataInput in, double[] values) throws IOException {
        byte[] bytes = new byte[8 * values.length];
        in.readFully(bytes);
        ByteBuffer.wrap(bytes).asDoubleBuffer().get(values);
    }

    /** Whether {@link #writeCompactTo} takes the compact form: B's touched rows cost less than all of B. */
    private boolean compactIsSmaller() {
        return !allRows && (long) rowCount * (4 + 8L * r) < 8L * m * r;
    }

    /**
     * The most bytes {@link #writeCompactTo} writes for these statistics: exact for the dense
     * form, and for the compact form as if every touched entry of B were nonzero.
     */
    public int compactBytesBound() {
        if (!compactIsSmaller()) {
            return denseBytes();
        }
        long bytes = 4 + 4 + 4 + 8 + 8 + 8L * r * r + 4 + 4L * rowCount + 4 + (long) r * ((rowCount + 7) >>> 3)
                + 8L * r * rowCount + 4;
        for (int q = 0; q < candidateCount; q++) {
            bytes += 8 + 4;
            for (double x : candidates[q]) {
                bytes += x != 0 ? 12 : 0;
            }
        }
        return Math.toIntExact(bytes);
    }

    /** {@link #writeCompactTo(ByteBuffer)} to a stream. */
    public void writeCompactTo(DataOutput out) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(compactBytesBound());
        writeCompactTo(buffer);
        out.write(buffer.array(), 0, buffer.position());
    }

    /**
     * Writes the statistics in the form that is smaller for them: {@link #writeTo}'s dense form
     * when most rows of B are touched, else the compact form, which holds B's touched rows only
     * and the candidates' nonzero entries:
     *
     * <pre>
     * −3(int32) m(int32) r(int32) items(int64) weight(f64) A(r·r f64)
     * rows(int32) { row(int32) } × rows, ascending
     * bytes(int32) { mask(⌈rows/8⌉ bytes) { B[row][k](f64) } × (bits set) } for k = 0 … r − 1
     * candidates(int32) { score(f64) nnz(int32) { index(int32) value(f64) } × nnz } × candidates
     * </pre>
     * B's entries go component by component, as B is held, so that both ends read and write each
     * component's array in row order (row by row, as the earlier form −2 had it, which
     * {@link #readFrom} still reads, each row took r cache misses: at m = 20,000, r = 50 writing and
     * reading statistics messages were a fifth of the service's stream thread). Bit x of component
     * k's mask (bit x mod 8 of byte x / 8) says whether B[rows[x]][k] is nonzero: only those entries
     * follow, so a row that one document touched carries only its nonzero weights (on paragraphs
     * at r = 50, 53 % of the touched entries of a mini-batch of 1,024 are nonzero). Exact: an entry
     * left out is +0.0. Costs in proportion to the touched rows, not to m.
     *
     * <p>Everything goes straight into {@code out} (big-endian, with room for
     * {@link #compactBytesBound()} bytes), not through a stream: a stream that grows as it is
     * written copied a message of megabytes several times over.
     */
    public void writeCompactTo(ByteBuffer out) {
        if (!compactIsSmaller()) {
            writeDenseTo(out);
            return;
        }
        out.putInt(COMPACT_BY_COMPONENT);
        out.putInt(m);
        out.putInt(r);
        out.putLong(items);
        out.putDouble(weight);
        putDoubles(out, a);
        out.putInt(rowCount);
        int[] sorted = Arrays.copyOf(rows, rowCount);
        Arrays.sort(sorted);
        for (int x = 0; x < rowCount; x++) {
            out.putInt(sorted[x]);
        }
        int maskBytes = (rowCount + 7) >>> 3;
        int lengthAt = out.position();
        out.position(lengthAt + 4);
        byte[] mask = new byte[maskBytes];
        for (int k = 0; k < r; k++) {
            double[] bk = b[k];
            Arrays.fill(mask, (byte) 0);
            int maskAt = out.position();
            out.position(maskAt + maskBytes);
            for (int x = 0; x < rowCount; x++) {
                double v = bk[sorted[x]];
                if (Double.doubleToRawLongBits(v) != 0) {
                    mask[x >>> 3] |= (byte) (1 << (x & 7));
                    out.putDouble(v);
                }
            }
            out.put(maskAt, mask);
        }
        out.putInt(lengthAt, out.position() - lengthAt - 4);
        out.putInt(candidateCount);
        for (int q = 0; q < candidateCount; q++) {
            double[] c = candidates[q];
            out.putDouble(candidateScore[q]);
            int nnzAt = out.position();
            out.position(nnzAt + 4);
            int nnz = 0;
            for (int i = 0; i < m; i++) {
                if (c[i] != 0) {
                    out.putInt(i).putDouble(c[i]);
                    nnz++;
                }
            }
            out.putInt(nnzAt, nnz);
        }
    }

    /**
     * Reads what both forms start with after m (given): r, the item count, the weight and A, into
     * {@code reuse} when it has that shape (else into new statistics). Unless the reader goes on
     * to read all of B ({@code wholeB}), the reused statistics are cleared first.
     */
    private static SufficientStatistics readHead(DataInput in, int m, SufficientStatistics reuse, boolean wholeB)
            throws IOException {
        int r = in.readInt();
        if (m <= 0 || r <= 0 || (long) m * r > Integer.MAX_VALUE) {
            throw new IOException("statistics of shape " + m + " × " + r + ", expected positive dimensions");
        }
        SufficientStatistics s;
        if (reuse == null || reuse.m != m || reuse.r != r) {
            s = new SufficientStatistics(m, r);
        } else if (wholeB) {
            // A, B and the counts are all read over what is there: only the touched rows go
            s = reuse;
            s.untouch();
        } else {
            s = reuse;
            s.clear();
        }
        s.items = in.readLong();
        s.weight = in.readDouble();
        readDoubles(in, s.a);
        return s;
    }

    /**
     * Reads the rest of {@link #writeCompactTo}'s form after its first int32: component by
     * component, or (the earlier form −2) row by row.
     */
    private static SufficientStatistics readCompact(DataInput in, boolean byComponent, SufficientStatistics reuse)
            throws IOException {
        SufficientStatistics s = readHead(in, in.readInt(), reuse, false);
        int m = s.m;
        int count = in.readInt();
        if (count < 0 || count > m) {
            throw new IOException("statistics with " + count + " rows of B, expected 0.." + m);
        }
        if (byComponent) {
            s.readRowsByComponent(in, count);
        } else {
            s.readRowsByRow(in, count);
        }
        int candidates = in.readInt();
        if (candidates < 0 || candidates > CANDIDATES) {
            throw new IOException("statistics with " + candidates + " candidates, expected 0.." + CANDIDATES);
        }
        for (int q = 0; q < candidates; q++) {
            s.candidateScore[q] = in.readDouble();
            int nnz = in.readInt();
            if (nnz < 0 || nnz > m) {
                throw new IOException("statistics: a candidate of " + nnz + " nonzeros, expected 0.." + m);
            }
            double[] c = s.candidateArray(q);
            Arrays.fill(c, 0.0);
            byte[] entries = new byte[12 * nnz];
            in.readFully(entries);
            ByteBuffer e = ByteBuffer.wrap(entries);
            for (int j = 0; j < nnz; j++) {
                int i = e.getInt();
                if (i < 0 || i >= m) {
                    throw new IOException("statistics: a candidate's row " + i + ", expected 0.." + (m - 1));
                }
                c[i] = e.getDouble();
            }
        }
        s.candidateCount = candidates;
        return s;
    }

    /** B's {@code count} touched rows in the form −3: their indices, then each component's mask and entries. */
    private void readRowsByComponent(DataInput in, int count) throws IOException {
        byte[] bytes = new byte[4 * count];
        in.readFully(bytes);
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        int[] rowsRead = new int[count];
        for (int x = 0; x < count; x++) {
            rowsRead[x] = touchRead(buffer.getInt());
        }
        int maskBytes = (count + 7) >>> 3;
        int length = in.readInt();
        if (length < r * maskBytes || length > r * maskBytes + 8L * r * count) {
            throw new IOException("statistics: " + length + " bytes of B's entries for " + count + " rows, expected "
                    + r * maskBytes + ".." + (r * maskBytes + 8L * r * count));
        }
        byte[] entries = new byte[length];
        in.readFully(entries);
        ByteBuffer e = ByteBuffer.wrap(entries);
        try {
            for (int k = 0; k < r; k++) {
                double[] bk = b[k];
                int maskAt = e.position();
                e.position(maskAt + maskBytes);
                for (int x = 0; x < count; x++) {
                    if ((entries[maskAt + (x >>> 3)] & (1 << (x & 7))) != 0) {
                        bk[rowsRead[x]] = e.getDouble();
                    }
                }
            }
        } catch (BufferUnderflowException | IllegalArgumentException ex) {
            throw new IOException("statistics: B's entries end before their masks say", ex);
        }
        if (e.hasRemaining()) {
            throw new IOException("statistics: " + e.remaining() + " bytes after B's entries, expected none");
        }
    }

    /** B's {@code count} touched rows in the earlier form −2: each row's index, then its r entries. */
    private void readRowsByRow(DataInput in, int count) throws IOException {
        byte[] bytes = new byte[count * (4 + 8 * r)];
        in.readFully(bytes);
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        for (int x = 0; x < count; x++) {
            int i = touchRead(buffer.getInt());
            for (int k = 0; k < r; k++) {
                b[k][i] = buffer.getDouble();
            }
        }
    }

    /** Marks row i, read from a compact form, as touched: it must be in range and not read before. */
    private int touchRead(int i) throws IOException {
        if (i < 0 || i >= m || touched[i]) {
            throw new IOException("statistics: row " + i + " of B, expected a new row in 0.." + (m - 1));
        }
        touch(i);
        return i;
    }

    /** Reads statistics written by {@link #writeTo} or {@link #writeCompactTo}. */
    public static SufficientStatistics readFrom(DataInput in) throws IOException {
        return readFrom(in, null);
    }

    /**
     * {@link #readFrom(DataInput)} into {@code reuse} (all it held replaced) when it has the shape read,
     * else into new statistics: a reader of many messages then allocates no m·r arrays per message.
     *
     * @param reuse statistics nobody else holds, or null
     * @return the statistics read ({@code reuse} or new ones)
     */
    public static SufficientStatistics readFrom(DataInput in, SufficientStatistics reuse) throws IOException {
        int m = in.readInt();
        if (m == COMPACT_FORMAT || m == COMPACT_BY_COMPONENT) {
            return readCompact(in, m == COMPACT_BY_COMPONENT, reuse);
        }
        SufficientStatistics s = readHead(in, m, reuse, true);
        for (double[] bk : s.b) {
            readDoubles(in, bk);
        }
        s.touchNonzeroRows();
        int count = in.readInt();
        if (count < 0 || count > CANDIDATES) {
            throw new IOException("statistics with " + count + " candidates, expected 0.." + CANDIDATES);
        }
        for (int q = 0; q < count; q++) {
            s.candidateScore[q] = in.readDouble();
            readDoubles(in, s.candidateArray(q));
        }
        s.candidateCount = count;
        return s;
    }
}
