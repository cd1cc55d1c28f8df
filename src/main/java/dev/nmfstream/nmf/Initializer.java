package dev.nmfstream.nmf;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.ejml.dense.row.SingularOps_DDRM;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.SingularValueDecomposition_F64;

/**
 * Makes a first basis (row-major W, columns normalised, no exact zeros) from a bootstrap
 * sample. Seeded: the same sample and seed give bitwise the same W.
 */
public final class Initializer {

    /** Oversampling of the randomised SVD. */
    private static final int OVERSAMPLE = 10;
    /** Power iterations of the randomised SVD. */
    private static final int POWER_ITERATIONS = 2;
    /**
     * A sparse sample that touches at most this fraction of W's rows is refined on those rows
     * alone ({@link #refine}). On paragraphs (m = 20,000, r = 50) the service's
     * sample of 1,024 touches 27 % of the rows, and the 30 passes on every row were a third of
     * its stream thread's time in {@code bench-stream}.
     */
    static final double RESTRICT_MAX_FRACTION = 0.75;
    /**
     * NNDSVDa of a sparse sample finds its range in the sample's space (cost ~n²·l) only when the
     * rows it touches are at least this many times n²/l (Y on those rows costs ~touched·l²); at
     * n = 100, l = 60 that is the 4 rows per column below which it was measured no cheaper.
     */
    static final double SAMPLE_SPACE_MIN = 2.4;

    private Initializer() {}

    /** W (m × r, row-major, unit columns) from the sample by the given method. */
    public static double[] initialize(Initialization method, ColumnBuffer sample, int m, int r, long seed) {
        if (sample.size() == 0) {
            throw new IllegalArgumentException("no columns to initialise the basis from");
        }
        double[] w = switch (method) {
            case NNDSVDA -> nndsvdaOrRandom(sample, m, r, seed);
            case RANDOM_COLUMNS -> randomColumns(sample, m, r, seed);
        };
        finish(w, m, r);
        return w;
    }

    /**
     * Refines a first basis by batch NMF on its sample: each pass projects every sample column
     * exactly on the current W (h ≥ 0), then updates W once by {@code rule} on the statistics
     * A = Σ h hᵀ, B = Σ v hᵀ of the whole sample and normalises its columns (alternating
     * minimisation of ‖X − W H‖ over the sample X). No random choice: the same W and sample
     * give bitwise the same result.
     *
     * @param w row-major m × r, unit columns (as {@link #initialize} makes it)
     * @param passes the number of passes (0: W unchanged)
     * @return the refined W, row-major, unit columns
     */
    public static double[] refine(double[] w, ColumnBuffer sample, int m, int r, UpdateRule rule, int passes) {
        return refine(w, sample, m, r, rule, passes, RESTRICT_MAX_FRACTION);
    }

    /** {@link #refine}, on the rows a sparse sample touches if they are at most {@code restrictFraction}·m. */
    static double[] refine(double[] w, ColumnBuffer sample, int m, int r, UpdateRule rule, int passes,
            double restrictFraction) {
        if (passes <= 0 || sample.size() == 0) {
            return w;
        }
        int[] rows = sampleRows(sample, m);
        if (rows == null || rows.length > restrictFraction * m) {
            double[][] components = new Basis(m, r, w, 0).toComponents();
            refinePasses(components, sample, m, r, rule, passes, new double[r], null, Double.NaN);
            return Basis.fromComponents(m, r, components, 0).toRowMajor();
        }
        // A row of B that is zero sends each of its entries to the floor in one HALS sweep or MU
        // step (A ≥ 0, W > 0), and normalising leaves it at floor / ‖w_k‖: the rows no sample
        // column touches hold NNDSVDa's fill in the first pass and ~floor after it, and then add
        // ~floor² to WᵀW and nothing else. So every pass runs on the touched rows alone, the first
        // with the G and the floor of the whole W (the same W to ~1e-12 relative), and the
        // untouched rows get the floor of the last pass over its column norms, as every pass on
        // all rows would leave them.
        Basis whole = new Basis(m, r, w, 0);
        double maxW = 0;
        for (double x : w) {
            maxW = Math.max(maxW, x);
        }
        int t = rows.length;
        double[][] components = new double[r][t];
        for (int k = 0; k < r; k++) {
            for (int x = 0; x < t; x++) {
                components[k][x] = w[rows[x] * r + k];
            }
        }
        double[] norms = new double[r];
        double floor = refinePasses(components, restrict(sample, rows, m), t, r, rule, passes, norms, whole.gram(),
                BasisUpdater.floorOf(maxW));
        double[] out = new double[m * r];
        for (int k = 0; k < r; k++) {
            double untouched = floor / norms[k];
            for (int i = 0; i < m; i++) {
                out[i * r + k] = untouched;
            }
            for (int x = 0; x < t; x++) {
                out[rows[x] * r + k] = components[k][x];
            }
        }
        return out;
    }

    /**
     * {@code passes} passes of {@link #refine} on W held as component arrays of length {@code m}
     * (modified; unit columns on return); returns the floor of the last pass, with the column
     * norms before its normalisation in {@code norms}. The first pass projects with G =
     * {@code firstGram} (which becomes the first basis's own array) and updates with floor
     * {@code firstFloor} when given (else null and NaN: W's own).
     */
    private static double refinePasses(double[][] components, ColumnBuffer sample, int m, int r, UpdateRule rule,
            int passes, double[] norms, double[] firstGram, double firstFloor) {
        Basis basis = firstGram != null ? Basis.trusted(m, r, components, null, 0, firstGram)
                : Basis.fromComponents(m, r, components, 0);
        Projector projector = new Projector(r);
        Projection projection = new Projection(r);
        BasisUpdater updater = new BasisUpdater(m, r);
        SufficientStatistics statistics = new SufficientStatistics(m, r);
        double floor = 0;
        for (int pass = 0; pass < passes; pass++) {
            statistics.clear();
            for (int q = 0; q < sample.size(); q++) {
                Column v = sample.get(q);
                projector.project(basis, v, projection);
                statistics.add(v, projection.h);
            }
            floor = pass == 0 && !Double.isNaN(firstFloor) ? firstFloor : updater.floorFor(components);
            updater.update(rule, components, statistics, 1, floor);
            updater.normalize(components, statistics, norms);
            if (pass + 1 < passes) {
                basis = Basis.fromComponents(m, r, components, 0);
            }
        }
        return floor;
    }

    /** The rows a sample of sparse columns touches, ascending, or null if a column is dense. */
    static int[] sampleRows(ColumnBuffer sample, int m) {
        if (!isSparse(sample)) {
            return null;
        }
        boolean[] touched = new boolean[m];
        int count = 0;
        for (int q = 0; q < sample.size(); q++) {
            SparseColumn s = (SparseColumn) sample.get(q);
            int[] idx = s.indices();
            for (int j = s.offset(), end = s.offset() + s.nnz(); j < end; j++) {
                if (!touched[idx[j]]) {
                    touched[idx[j]] = true;
                    count++;
                }
            }
        }
        int[] rows = new int[count];
        for (int i = 0, x = 0; i < m; i++) {
            if (touched[i]) {
                rows[x++] = i;
            }
        }
        return rows;
    }

    /** The sparse sample on the given rows only (ascending, covering every entry): row rows[x] becomes x. */
    private static ColumnBuffer restrict(ColumnBuffer sample, int[] rows, int m) {
        int[] position = new int[m];
        for (int x = 0; x < rows.length; x++) {
            position[rows[x]] = x;
        }
        ColumnBuffer out = new ColumnBuffer(rows.length, sample.size());
        // one scratch column, grown to the largest: ColumnBuffer.add copies what it is given
        int[] idx = new int[0];
        double[] val = new double[0];
        SparseColumn view = new SparseColumn(rows.length, idx, val, 0, 0);
        for (int q = 0; q < sample.size(); q++) {
            SparseColumn s = (SparseColumn) sample.get(q);
            if (idx.length < s.nnz()) {
                idx = new int[s.nnz()];
                val = new double[s.nnz()];
            }
            for (int j = 0; j < s.nnz(); j++) {
                idx[j] = position[s.indices()[s.offset() + j]];
                val[j] = s.values()[s.offset() + j];
            }
            out.add(view.set(rows.length, idx, val, 0, s.nnz()));
        }
        return out;
    }

    /** NNDSVDa, or random columns when the sample is too degenerate for the SVD (e.g. all alike). */
    private static double[] nndsvdaOrRandom(ColumnBuffer sample, int m, int r, long seed) {
        try {
            double[] w = nndsvda(sample, m, r, seed);
            for (double x : w) {
                if (!Double.isFinite(x)) {
                    return randomColumns(sample, m, r, seed);
                }
            }
            return w;
        } catch (IllegalStateException e) {
            return randomColumns(sample, m, r, seed);
        }
    }

    /**
     * NNDSVDa: for the leading singular triplets (σ_j, u_j, v_j) of the sample X (m × n),
     * w_0 = |u_0| and, for j ≥ 1, the larger (by ‖x₊‖‖y₊‖) of the positive and negative parts
     * of (u_j, v_j); zeros are filled with mean(X). The SVD is randomised: Y = (X Xᵀ)^q X Ω,
     * Q an orthonormal basis of Y's columns, then the small SVD of QᵀX (EJML); for a sparse
     * sample with m ≥ 4n, Y = X Z is carried as Z and orthonormalised in XᵀX's inner product,
     * unless it has so many columns that Y on the rows it touches is cheaper.
     */
    static double[] nndsvda(ColumnBuffer sample, int m, int r, long seed) {
        int n = sample.size();
        int l = Math.min(r + OVERSAMPLE, Math.min(m, n));
        SplittableRandom random = new SplittableRandom(seed);
        DMatrixRMaj omega = new DMatrixRMaj(n, l);
        for (int i = 0; i < omega.data.length; i++) {
            omega.data[i] = Sampling.gaussian(random);
        }
        DMatrixRMaj u;
        DMatrixRMaj sigma;
        DMatrixRMaj vt;
        // a sparse sample of far fewer columns than rows: the range finder in the sample's space.
        // On paragraphs (m = 20,000, n = 100, l = 60) the first basis was 16 % of a warm fit, the
        // orthonormalisations of m × l most of it; fit learns 1.14× faster without them. The Gram
        // matrix squares the conditioning, so the result agrees with the other path to about 1e-9
        // relative rather than 1e-14 (FirstBasisTest), and below 4 rows per column it is no cheaper
        int[] rows = sampleRows(sample, m);
        int touched = rows == null ? m : rows.length;
        boolean sparse = rows != null && m >= 4L * n && (double) touched * l >= SAMPLE_SPACE_MIN * n * n;
        // Y otherwise lives on the touched rows (the others of Y and U are zero): the service's
        // sample of 1,024 paragraphs touches 27 % of m = 20,000, and the range finder in the
        // sample's space costs ~n²l, three times Y's ~touched·l² there
        boolean restricted = !sparse && rows != null && touched < m;
        ColumnBuffer ySample = restricted ? restrict(sample, rows, m) : sample;
        DMatrixRMaj y = null;
        DMatrixRMaj z = new DMatrixRMaj(n, l);
        DMatrixRMaj smallT = new DMatrixRMaj(n, l);
        double[] gram = null;
        if (sparse) {
            // Y = X Z kept as Z (n × l): orthonormalising Y is Gram–Schmidt in the inner product of
            // K = XᵀX, and Xᵀ Y = K Z, so nothing of size m is made until the end
            gram = sampleGram(sample, n);
            z.setTo(omega);
            for (int q = 0; q < POWER_ITERATIONS; q++) {
                orthonormalizeIn(gram, z);
                multiply(gram, z, smallT);
                DMatrixRMaj t = z;
                z = smallT;
                smallT = t;
            }
            orthonormalizeIn(gram, z);
            multiply(gram, z, smallT);
        } else {
            y = new DMatrixRMaj(touched, l);
            // Y = X Ω
            multX(ySample, omega, y);
            for (int q = 0; q < POWER_ITERATIONS; q++) {
                orthonormalize(y);
                // Z = Xᵀ Y, Y = X Z
                multXt(ySample, y, z);
                multX(ySample, z, y);
            }
            orthonormalize(y);
            // small = Qᵀ X (l × n), as its transpose Xᵀ Q (n × l)
            multXt(ySample, y, smallT);
        }
        DMatrixRMaj small = new DMatrixRMaj(l, n);
        CommonOps_DDRM.transpose(smallT, small);
        SingularValueDecomposition_F64<DMatrixRMaj> svd = DecompositionFactory_DDRM.svd(l, n, true, true, true);
        if (!svd.decompose(small)) {
            throw new IllegalStateException("SVD of the bootstrap sample did not converge");
        }
        DMatrixRMaj ub = svd.getU(null, false);
        sigma = svd.getW(null);
        vt = svd.getV(null, true);
        SingularOps_DDRM.descendingOrder(ub, false, sigma, vt, true);
        u = new DMatrixRMaj(m, ub.numCols);
        if (sparse) {
            // U = Q U_b = X (Z U_b)
            DMatrixRMaj zu = new DMatrixRMaj(n, ub.numCols);
            CommonOps_DDRM.mult(z, ub, zu);
            multX(sample, zu, u);
        } else if (restricted) {
            DMatrixRMaj onRows = new DMatrixRMaj(touched, ub.numCols);
            CommonOps_DDRM.mult(y, ub, onRows);
            for (int x = 0; x < touched; x++) {
                System.arraycopy(onRows.data, x * ub.numCols, u.data, rows[x] * ub.numCols, ub.numCols);
            }
        } else {
            CommonOps_DDRM.mult(y, ub, u);
        }

        double mean = 0;
        for (int q = 0; q < n; q++) {
            Column c = sample.get(q);
            mean += sumOf(c);
        }
        mean /= (double) m * n;

        double[] w = new double[m * r];
        int found = Math.min(r, Math.min(u.numCols, sigma.numRows));
        for (int j = 0; j < found; j++) {
            double s = sigma.get(j, j);
            double upNorm = 0, unNorm = 0, vpNorm = 0, vnNorm = 0;
            for (int i = 0; i < m; i++) {
                double x = u.get(i, j);
                if (x > 0) {
                    upNorm += x * x;
                } else {
                    unNorm += x * x;
                }
            }
            for (int q = 0; q < n; q++) {
                double x = vt.get(j, q);
                if (x > 0) {
                    vpNorm += x * x;
                } else {
                    vnNorm += x * x;
                }
            }
            upNorm = Math.sqrt(upNorm);
            unNorm = Math.sqrt(unNorm);
            vpNorm = Math.sqrt(vpNorm);
            vnNorm = Math.sqrt(vnNorm);
            double mp = upNorm * vpNorm;
            double mn = unNorm * vnNorm;
            boolean positive = j == 0 ? upNorm >= unNorm : mp >= mn;
            double norm = positive ? upNorm : unNorm;
            double scale = norm > 0 ? Math.sqrt(s * (j == 0 ? 1 : (positive ? mp : mn))) / norm : 0;
            for (int i = 0; i < m; i++) {
                double x = positive ? u.get(i, j) : -u.get(i, j);
                w[i * r + j] = x > 0 ? scale * x : 0;
            }
        }
        // NNDSVDa: zeros take the sample's mean (components beyond the sample's rank are all mean + noise).
        for (int i = 0; i < w.length; i++) {
            if (w[i] == 0) {
                w[i] = mean > 0 ? mean : 1.0;
            }
        }
        for (int j = found; j < r; j++) {
            for (int i = 0; i < m; i++) {
                w[i * r + j] *= 1 + random.nextDouble();
            }
        }
        return w;
    }

    /** r distinct columns of the sample (as many as it has; the rest random), drawn with the seed. */
    static double[] randomColumns(ColumnBuffer sample, int m, int r, long seed) {
        int n = sample.size();
        SplittableRandom random = new SplittableRandom(seed);
        int[] order = new int[n];
        for (int q = 0; q < n; q++) {
            order[q] = q;
        }
        for (int q = n - 1; q > 0; q--) {
            int p = random.nextInt(q + 1);
            int t = order[q];
            order[q] = order[p];
            order[p] = t;
        }
        double[] w = new double[m * r];
        int k = 0;
        for (int q = 0; q < n && k < r; q++) {
            Column c = sample.get(order[q]);
            if (c.squaredNorm() > 0) {
                scatter(c, w, r, k++);
            }
        }
        for (; k < r; k++) {
            for (int i = 0; i < m; i++) {
                w[i * r + k] = random.nextDouble();
            }
        }
        return w;
    }

    /** Floors W at {@link BasisUpdater#FLOOR}·max W (an infinite entry becomes max W) and normalises columns. */
    private static void finish(double[] w, int m, int r) {
        double mx = Kernels.max(w, 0, w.length);
        double floor = BasisUpdater.FLOOR * (mx > 0 ? mx : 1);
        for (int i = 0; i < w.length; i++) {
            if (!(w[i] > floor) || Double.isInfinite(w[i])) {
                w[i] = Double.isInfinite(w[i]) ? mx : floor;
            }
        }
        normalizeColumns(w, m, r);
    }

    /**
     * Scales every column of a row-major m × r matrix to unit Euclidean length.
     *
     * @param w row-major, no zero column. Modified.
     */
    public static void normalizeColumns(double[] w, int m, int r) {
        for (int k = 0; k < r; k++) {
            double s = 0;
            for (int i = 0; i < m; i++) {
                s += w[i * r + k] * w[i * r + k];
            }
            double inv = 1.0 / Math.sqrt(s);
            for (int i = 0; i < m; i++) {
                w[i * r + k] *= inv;
            }
        }
    }

    private static void scatter(Column c, double[] w, int r, int k) {
        if (c instanceof DenseColumn d) {
            for (int i = 0; i < d.dim(); i++) {
                w[i * r + k] = d.get(i);
            }
        } else {
            SparseColumn s = (SparseColumn) c;
            for (int j = 0; j < s.nnz(); j++) {
                w[s.indices()[s.offset() + j] * r + k] = s.values()[s.offset() + j];
            }
        }
    }

    private static double sumOf(Column c) {
        double s = 0;
        if (c instanceof DenseColumn d) {
            for (int i = 0; i < d.dim(); i++) {
                s += d.get(i);
            }
        } else {
            SparseColumn sp = (SparseColumn) c;
            for (int j = 0; j < sp.nnz(); j++) {
                s += sp.values()[sp.offset() + j];
            }
        }
        return s;
    }

    /** Whether every column of the sample is sparse. */
    private static boolean isSparse(ColumnBuffer sample) {
        for (int q = 0; q < sample.size(); q++) {
            if (!(sample.get(q) instanceof SparseColumn)) {
                return false;
            }
        }
        return true;
    }

    /** K = XᵀX (n × n, row-major) of a sample of sparse columns, in time Σ nnz · n. */
    static double[] sampleGram(ColumnBuffer sample, int n) {
        double[] k = new double[n * n];
        double[] dense = new double[sample.get(0).dim()];
        for (int a = 0; a < n; a++) {
            SparseColumn ca = (SparseColumn) sample.get(a); // a view until the next get
            int[] ia = ca.indices();
            double[] va = ca.values();
            int from = ca.offset();
            int to = from + ca.nnz();
            for (int t = from; t < to; t++) {
                dense[ia[t]] = va[t];
            }
            for (int b = a; b < n; b++) {
                SparseColumn cb = (SparseColumn) sample.get(b);
                int[] ib = cb.indices();
                double[] vb = cb.values();
                double sum = 0;
                for (int t = cb.offset(); t < cb.offset() + cb.nnz(); t++) {
                    sum += dense[ib[t]] * vb[t];
                }
                k[a * n + b] = sum;
                k[b * n + a] = sum;
            }
            for (int t = from; t < to; t++) {
                dense[ia[t]] = 0;
            }
        }
        return k;
    }

    /** out (n × l) = K z for K n × n row-major and z n × l. */
    private static void multiply(double[] k, DMatrixRMaj z, DMatrixRMaj out) {
        int n = z.numRows;
        int l = z.numCols;
        Arrays.fill(out.data, 0.0);
        for (int a = 0; a < n; a++) {
            for (int b = 0; b < n; b++) {
                Kernels.axpy(k[a * n + b], z.data, b * l, out.data, a * l, l);
            }
        }
    }

    /**
     * Makes the columns of X z orthonormal without forming them: classical Gram–Schmidt twice on
     * z's columns in the inner product ⟨a, b⟩ = aᵀ K b (K = XᵀX), which is Y's own inner product,
     * so X z ends as {@link #orthonormalize} would leave X z in exact arithmetic. The squared norms
     * carry half the digits of Y's norms, so a column counts as vanished below 1e-7 of its norm
     * before (1e-12 there).
     */
    static void orthonormalizeIn(double[] k, DMatrixRMaj z) {
        int n = z.numRows;
        int l = z.numCols;
        double[][] q = new double[l][n];
        double[][] kq = new double[l][n];
        for (int a = 0; a < n; a++) {
            for (int j = 0; j < l; j++) {
                q[j][a] = z.data[a * l + j];
            }
        }
        for (int j = 0; j < l; j++) {
            double[] qj = q[j];
            double[] kqj = kq[j];
            applyGram(k, qj, kqj, n);
            double before = Kernels.dot(qj, 0, kqj, 0, n);
            for (int pass = 0; pass < 2; pass++) {
                for (int i = 0; i < j; i++) {
                    Kernels.axpy(-Kernels.dot(kq[i], 0, qj, 0, n), q[i], qj, n);
                }
            }
            applyGram(k, qj, kqj, n);
            double normSq = Kernels.dot(qj, 0, kqj, 0, n);
            if (normSq > 1e-14 * before && normSq > 0) {
                double inv = 1.0 / Math.sqrt(normSq);
                Kernels.scale(inv, qj, 0, n);
                Kernels.scale(inv, kqj, 0, n);
            } else {
                Arrays.fill(qj, 0.0);
                Arrays.fill(kqj, 0.0);
            }
        }
        for (int a = 0; a < n; a++) {
            for (int j = 0; j < l; j++) {
                z.data[a * l + j] = q[j][a];
            }
        }
    }

    /** out = K x for K n × n row-major. */
    private static void applyGram(double[] k, double[] x, double[] out, int n) {
        for (int a = 0; a < n; a++) {
            out[a] = Kernels.dot(k, a * n, x, 0, n);
        }
    }

    /** out (m × l) = X z for z (n × l), X the sample's columns. */
    private static void multX(ColumnBuffer sample, DMatrixRMaj z, DMatrixRMaj out) {
        int l = z.numCols;
        Arrays.fill(out.data, 0.0);
        for (int q = 0; q < sample.size(); q++) {
            Column c = sample.get(q);
            int zr = q * l;
            if (c instanceof DenseColumn d) {
                for (int i = 0; i < d.dim(); i++) {
                    double x = d.get(i);
                    if (x != 0) {
                        Kernels.axpy(x, z.data, zr, out.data, i * l, l);
                    }
                }
            } else {
                SparseColumn s = (SparseColumn) c;
                for (int j = 0; j < s.nnz(); j++) {
                    Kernels.axpy(s.values()[s.offset() + j], z.data, zr, out.data, s.indices()[s.offset() + j] * l, l);
                }
            }
        }
    }

    /** out (n × l) = Xᵀ y for y (m × l). */
    private static void multXt(ColumnBuffer sample, DMatrixRMaj y, DMatrixRMaj out) {
        int l = y.numCols;
        Arrays.fill(out.data, 0.0);
        for (int q = 0; q < sample.size(); q++) {
            Column c = sample.get(q);
            int orow = q * l;
            if (c instanceof DenseColumn d) {
                for (int i = 0; i < d.dim(); i++) {
                    double x = d.get(i);
                    if (x != 0) {
                        Kernels.axpy(x, y.data, i * l, out.data, orow, l);
                    }
                }
            } else {
                SparseColumn s = (SparseColumn) c;
                for (int j = 0; j < s.nnz(); j++) {
                    Kernels.axpy(s.values()[s.offset() + j], y.data, s.indices()[s.offset() + j] * l, out.data, orow, l);
                }
            }
        }
    }

    /**
     * Replaces Y's columns by an orthonormal basis of their span: classical Gram–Schmidt, twice
     * (enough for orthogonality to round-off, as modified Gram–Schmidt twice), on Y's columns as
     * separate arrays so that the loops over m vectorise (measured several times faster than a
     * Householder QR of the m × l row-major matrix at m = 12,000). Each pass takes the column's
     * products with four earlier columns in one sweep and subtracts four multiples in another
     * (modified Gram–Schmidt's two sweeps per earlier column were 70 % of the first basis of a
     * sparse fit at m = 20,000, l = 60). A column that vanishes (Y of lower rank) is left zero.
     */
    private static void orthonormalize(DMatrixRMaj y) {
        int m = y.numRows;
        int l = y.numCols;
        double[][] q = new double[l][m];
        double[] proj = new double[4];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < l; j++) {
                q[j][i] = y.data[i * l + j];
            }
        }
        for (int j = 0; j < l; j++) {
            double[] qj = q[j];
            double before = Math.sqrt(Kernels.dot(qj, 0, qj, 0, m));
            for (int pass = 0; pass < 2; pass++) {
                int i = 0;
                for (; i + 3 < j; i += 4) {
                    Kernels.dot4(q[i], q[i + 1], q[i + 2], q[i + 3], qj, m, proj);
                    Kernels.axpy4(-proj[0], q[i], -proj[1], q[i + 1], -proj[2], q[i + 2], -proj[3], q[i + 3], qj, m);
                }
                for (; i < j; i++) {
                    Kernels.axpy(-Kernels.dot(q[i], 0, qj, 0, m), q[i], qj, m);
                }
            }
            double norm = Math.sqrt(Kernels.dot(qj, 0, qj, 0, m));
            if (norm > 1e-12 * before && norm > 0) {
                Kernels.scale(1.0 / norm, qj, 0, m);
            } else {
                Arrays.fill(qj, 0.0);
            }
        }
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < l; j++) {
                y.data[i * l + j] = q[j][i];
            }
        }
    }
}
