package dev.nmfstream.nmf;

import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The learned model and the one place its update math lives: the working W, the model's
 * statistics A and B, the basis version, the counters, the re-seeding of dead components and
 * their grace periods. The streaming updater keeps one ({@link #initialize},
 * {@link #learnFromStatistics}, {@link #continueVersionsFrom}); the library learner
 * {@link OnlineNmf} is built on one and adds the projection of columns and the mini-batch.
 *
 * <p>Serialises with {@link #toBytes()} in the same format as {@link OnlineNmf#toBytes()}
 * ({@link StateCodec}); {@link #applySettings} takes new settings after a restore.
 *
 * <p>Not thread-safe.
 */
public final class ModelState {

    /** Batches a re-seeded component is left alone before it can be declared dead again. */
    static final int GRACE_BATCHES = 10;
    /** Weight of a re-seeded component's statistics, relative to the mean diagonal of A. */
    static final double RESEED_WEIGHT = 1e-2;
    /**
     * A mini-batch's worst-explained column (its largest residual) whose residual is at least this
     * fraction of its own energy is new material the basis lacks (a new piece of music, a new
     * speaker): the weakest component is then re-seeded from it ({@link #reseedWeakest}).
     */
    static final double NEW_MATERIAL = 0.5;
    /**
     * The weakest component (the least energy lost without it: A_kk / (G⁻¹)_kk, G = WᵀW) is given
     * up for new material only if it explains less than this fraction of the mean component's
     * energy, tr(A) / r.
     */
    static final double WEAK_SHARE = 0.05;
    /**
     * Passes of batch NMF over the bootstrap sample that refine the streaming updater's first
     * basis ({@link Initializer#refine}). The projectors of a backlog project many items in
     * parallel with each of the first few versions, so the stream makes few fresh learning
     * rounds early and cannot leave a poor first basis behind as the library learner does:
     * unrefined, 5,000 planted items on 4 partitions ended at a worst matched cosine of 0.51 to
     * 0.99 depending on the interleaving; refined, at 0.9996 every time (BacklogRecoveryTest).
     */
    static final int SAMPLE_REFINE_PASSES = 30;
    /**
     * A mini-batch that touched at most this fraction of W's rows (sparse items: documents use a
     * small part of the vocabulary each) updates only those rows, except once every
     * {@link #FULL_SWEEP_EVERY} full mini-batches' worth of items (the batch that crosses a
     * multiple of that many items; counted in items, so the small batches of the ramp do not
     * sweep all of W more often), which updates them all. The rows not touched have
     * unchanged B but see the new A only at the next full sweep: the approximation, whose cost is
     * measured in BENCHMARKS.md (issue 11); dense items always update every row.
     */
    static final double PARTIAL_SWEEP_MAX_FRACTION = 0.5;
    /** Every this many mini-batches' worth of items W is updated on all its rows. */
    static final int FULL_SWEEP_EVERY = 4;
    /**
     * A partial update's basis is remade by the rows it changed ({@link Basis#refillRows}) when they
     * are at most this share of W's, else copied whole: the rows' copies are scattered, and beyond a
     * quarter of the rows the whole copy was as fast (warm passes, BENCHMARKS.md, twelfth session:
     * paragraphs r = 50 4 % faster either way, documents r = 20 1–2 % slower without the limit).
     */
    static final double REFILL_ROWS_MAX_FRACTION = 0.25;
    /** W of fewer rows than this is always updated whole (the partial update would save little). */
    static final int PARTIAL_SWEEP_MIN_ROWS = 1_000;

    private NmfConfig config;
    private final int r;
    private int m;
    private Basis basis;
    /** The lanes the W update runs on (null: the calling thread). */
    private Lanes lanes;
    /** Whether {@link #basis} was given out by {@link #basis()}: then the next version is a new object. */
    private boolean handedOut;
    /** The working W, r component arrays of length m. */
    private double[][] w;
    /**
     * W's factor per component: W[i][k] = wScale[k] · w[k][i]. A normalisation divides the
     * factors, not all of W, and a partial update writes its rows back in these units; the basis
     * copies the stored values and the factors as they are ({@link Basis#refillRows}), so it
     * mirrors W bit for bit, and so does a restored model ({@link StateCodec}). A full update
     * writes W itself (factors 1). Under the KL loss W is kept with factors 1 ({@link KlProjector}
     * reads the stored values).
     */
    private double[] wScale;
    /** The model's statistics A, B (with their counts and re-seeding candidates). */
    private SufficientStatistics statistics;
    private BasisUpdater updater;
    /** The KL rule's updater, for a model with {@link Loss#KL} (else null). */
    private KlUpdater klUpdater;
    private long items;
    private long batches;
    private long reseeds;
    private int[] grace;
    private double[] norms;
    /** Scratch: the rows the mini-batch touched. */
    private int[] batchRows;
    /**
     * G = WᵀW of the working W as it is now, or null when unknown: the published basis's (set on
     * publishing), carried through a partial update by the touched rows alone
     * ({@link #absorbAndStep}); any other change of W drops it.
     */
    private double[] gramOfW;
    /** Scratch: the change of G a partial update makes (upper triangle, r × r). */
    private double[] gramChange;
    /** Whether {@link #basis} holds the working W (set on publishing; any change of W clears it). */
    private boolean basisIsW;
    /**
     * When ≥ 0, W differs from {@link #basis} only in the rows {@code batchRows[0 .. rowsChanged)},
     * at most {@link #REFILL_ROWS_MAX_FRACTION} of them, and by the division of each column k by
     * {@code norms[k]} (a partial update and its normalisation), and {@link #gramOfW} is known: the
     * next publication copies those rows alone ({@link Basis#refillRows}).
     */
    private int rowsChanged = -1;

    /** A model without a basis yet: {@link #initialize} makes the first one. */
    public ModelState(NmfConfig config) {
        this.config = config;
        this.r = config.rank();
    }

    /** A model that starts from the given basis. */
    public static ModelState withBasis(NmfConfig config, Basis initial) {
        if (initial.rank() != config.rank()) {
            throw new IllegalArgumentException("basis of rank " + initial.rank() + ", the configuration says rank "
                    + config.rank());
        }
        ModelState state = new ModelState(config);
        state.allocate(initial.dim());
        state.w = initial.toComponents();
        state.wScale = ones(state.r);
        state.basis = initial;
        state.handedOut = true; // the caller holds it: never refilled in place
        return state;
    }

    /** Allocates the arrays for dimension m (once, on the first column or sample). */
    void allocate(int dim) {
        if (dim <= 0) {
            throw new IllegalArgumentException("column of dimension " + dim + ", expected a positive dimension");
        }
        m = dim;
        statistics = new SufficientStatistics(m, r);
        updater = new BasisUpdater(m, r);
        updater.parallel(lanes);
        klUpdater = config.loss() == Loss.KL ? new KlUpdater(m, r) : null;
        grace = new int[r];
        norms = new double[r];
        gramChange = new double[r * r];
        batchRows = new int[m];
    }

    /** The settings. */
    public NmfConfig config() {
        return config;
    }

    /** The dimension m, or 0 before the first column. */
    public int dim() {
        return m;
    }

    /** The rank r. */
    public int rank() {
        return r;
    }

    /**
     * The current basis, or null before the first. The basis handed out is never changed
     * afterwards: the next version is a new object.
     */
    public Basis basis() {
        if (basis == null) {
            return null;
        }
        // with factors, a copy with them folded in: folding the working basis in place would move
        // the projections of the rest of this mini-batch in the last bits
        Basis out = basis.folded();
        if (out == basis) {
            handedOut = true; // the caller holds it: never refilled in place
        }
        return out;
    }

    /** Runs the W update on these lanes from now on (null: the calling thread); W is bitwise the same. */
    void parallel(Lanes on) {
        lanes = on;
        if (updater != null) {
            updater.parallel(on);
        }
    }

    /**
     * The current basis for this package's own short-lived use (projecting with it until the next
     * version): unlike {@link #basis()} it does not stop the model from refilling this object as
     * the next version when nobody else holds it.
     */
    Basis current() {
        return basis;
    }

    /** The model's statistics (A, B, counts), live: do not modify. */
    public SufficientStatistics statistics() {
        return statistics;
    }

    /** Items learned from. */
    public long items() {
        return items;
    }

    /** Mini-batch updates done. */
    public long batches() {
        return batches;
    }

    /** Components re-seeded so far. */
    public long reseeds() {
        return reseeds;
    }

    /**
     * Takes new settings for the updates to come (a restart with changed {@code steps},
     * {@code rule}, {@code forgetting}, …); W, the statistics and the counters stay.
     *
     * @return the settings that changed, in {@link NmfConfig}'s order (empty if none)
     * @throws IllegalArgumentException if the rank or the loss differs: the model cannot change
     *     its rank, and its statistics mean different things under different losses
     */
    public List<NmfConfig.Change> applySettings(NmfConfig settings) {
        if (settings.rank() != r) {
            throw new IllegalArgumentException("rank = " + settings.rank() + ", the model has rank " + r);
        }
        if (settings.loss() != config.loss()) {
            throw new IllegalArgumentException("loss = " + settings.loss().label() + ", the model was learned with loss "
                    + config.loss().label());
        }
        List<NmfConfig.Change> changes = config.changesTo(settings);
        config = settings;
        return changes;
    }

    /**
     * Makes the first basis from a sample of columns without learning from them (they are
     * expected to be projected and learned from later, as every other column): the streaming
     * updater's bootstrap, whose sample items wait in the projectors' warm-up buffers.
     *
     * @throws IllegalStateException if a basis exists already
     * @throws IllegalArgumentException if the sample is empty or of another dimension
     */
    public Basis initialize(List<? extends Column> sample) {
        if (basis != null) {
            throw new IllegalStateException("the model has a basis already (version " + basis.version() + ")");
        }
        if (sample.isEmpty()) {
            throw new IllegalArgumentException("no columns to make the first basis from");
        }
        if (m == 0) {
            allocate(sample.get(0).dim());
        }
        ColumnBuffer buffer = new ColumnBuffer(m, sample.size());
        for (Column v : sample) {
            if (v.dim() != m) {
                throw new IllegalArgumentException("sample column of dimension " + v.dim() + ", expected " + m);
            }
            buffer.add(v);
        }
        return initialize(buffer, SAMPLE_REFINE_PASSES);
    }

    /**
     * Makes the first basis (version 0) from the buffered columns. Columns whose norm exceeds κ
     * times the sample's median norm ({@link NmfConfig#influenceCap()}) are scaled down first as
     * the stream's items are ({@link InfluenceCap#scale}), so that one huge column cannot make the
     * first basis; an ordinary sample is used as it is, bit for bit.
     */
    Basis initialize(ColumnBuffer sample) {
        return initialize(sample, 0);
    }

    /**
     * Makes the first basis (version 0) from the buffered columns (any column beyond κ times the
     * sample's median norm scaled down to it first), refined by passes of batch NMF on them.
     */
    Basis initialize(ColumnBuffer sample, int refinePasses) {
        ColumnBuffer capped = capped(sample, sampleLogLimit(sample, config.influenceCap()));
        double[] first = Initializer.initialize(config.initialization(), capped, m, r, config.seed());
        double[] refined = config.loss() == Loss.KL ? KlUpdater.refine(first, capped, m, r, refinePasses)
                : Initializer.refine(first, capped, m, r, config.rule(), refinePasses);
        basis = new Basis(m, r, refined, 0);
        w = basis.toComponents();
        wScale = ones(r);
        return basis;
    }

    /** ln of κ times the sample's median norm (zero columns left out; −∞ if all are zero). */
    static double sampleLogLimit(ColumnBuffer sample, double kappa) {
        double[] logNorms = new double[sample.size()];
        int n = 0;
        for (int q = 0; q < sample.size(); q++) {
            double l = InfluenceCap.logNorm(sample.get(q));
            if (l != Double.NEGATIVE_INFINITY) {
                logNorms[n++] = l;
            }
        }
        if (n == 0) {
            return Double.NEGATIVE_INFINITY;
        }
        Arrays.sort(logNorms, 0, n);
        double median = (n & 1) == 1 ? logNorms[n / 2] : 0.5 * (logNorms[n / 2 - 1] + logNorms[n / 2]);
        return median + Math.log(kappa);
    }

    /**
     * The sample with each column whose ln-norm exceeds {@code logLimit} scaled by its
     * {@link InfluenceCap#scale} (computed from v / 2ᵉ, so neither the factor nor the products
     * leave the range of a double); the sample itself when no column exceeds it.
     */
    static ColumnBuffer capped(ColumnBuffer sample, double logLimit) {
        int n = sample.size();
        boolean any = false;
        for (int q = 0; q < n && !any; q++) {
            any = InfluenceCap.logNorm(sample.get(q)) > logLimit;
        }
        if (!any) {
            return sample;
        }
        int m = sample.get(0).dim();
        ColumnBuffer out = new ColumnBuffer(m, n);
        for (int q = 0; q < n; q++) {
            Column v = sample.get(q);
            double logNorm = InfluenceCap.logNorm(v);
            if (!(logNorm > logLimit)) {
                out.add(v);
                continue;
            }
            int e = Projector.exponent(Projector.maxValue(v));
            // s v = 2⁻ᵉ v · exp(ln s + e ln 2)
            double factor = Math.exp(Math.log(InfluenceCap.scale(logNorm, logLimit)) + e * Math.log(2));
            if (v instanceof DenseColumn dense) {
                double[] x = new double[m];
                for (int i = 0; i < m; i++) {
                    x[i] = Math.scalb(dense.data()[dense.offset() + i], -e) * factor;
                }
                out.add(DenseColumn.of(x));
            } else {
                SparseColumn sparse = (SparseColumn) v;
                int nnz = sparse.nnz();
                int[] idx = Arrays.copyOfRange(sparse.indices(), sparse.offset(), sparse.offset() + nnz);
                double[] x = new double[nnz];
                for (int j = 0; j < nnz; j++) {
                    x[j] = Math.scalb(sparse.values()[sparse.offset() + j], -e) * factor;
                }
                out.add(new SparseColumn(m, idx, x, 0, nnz));
            }
        }
        return out;
    }

    /**
     * Continues the version sequence from at least {@code version}: after a restart that lost
     * some updates (at-least-once state), the next versions are still newer than every version
     * published before. The basis keeps its values; only its version number moves forward.
     *
     * @param version the newest version published so far
     */
    public void continueVersionsFrom(long version) {
        if (basis != null && version > basis.version()) {
            basis = Basis.trusted(m, r, w, wScale, version, basis.g.clone());
        }
    }

    /**
     * One mini-batch update from statistics gathered elsewhere (projectors on other partitions
     * and instances, merged): decay, absorb them, update W, re-seed, publish the next version.
     * The statistics must have been computed with this model's basis (or a recent one); they are
     * cleared. Counts as one mini-batch of the forgetting schedule.
     *
     * @return the new basis
     * @throws IllegalStateException if there is no basis yet or learning is off
     */
    public Basis learnFromStatistics(SufficientStatistics batch) {
        if (basis == null) {
            throw new IllegalStateException("no basis yet: initialise the model first");
        }
        if (!config.learning()) {
            throw new IllegalStateException("learning is off (fixed basis)");
        }
        if (batch.dim() != m || batch.rank() != r) {
            throw new IllegalArgumentException("statistics of " + batch.dim() + " × " + batch.rank()
                    + ", the model is " + m + " × " + r);
        }
        items += batch.items();
        absorbAndStep(startBatch(batch.items()), batch);
        return finishBatch(basis.version() + 1);
    }

    /**
     * The statistics ← ρ·statistics + batch (the batch is cleared), then W updated: on the rows
     * the batch touched when they are few ({@link #PARTIAL_SWEEP_MAX_FRACTION}, except once every
     * {@link #FULL_SWEEP_EVERY} batches' worth of items), else on all rows; and normalised. The
     * Gram matrix of a partially updated W follows from the touched rows alone
     * ({@link #gramAfterRows}), so such a batch costs in proportion to the rows it touched.
     */
    void absorbAndStep(double rho, SufficientStatistics batch) {
        double[] known = gramOfW;
        boolean wasBasis = basisIsW;
        wChanged();
        batch.sortTouchedRows();
        int touched = batch.touchedRows(batchRows);
        long period = (long) FULL_SWEEP_EVERY * config.batchSize();
        boolean fullDue = (items - batch.items()) / period != items / period;
        statistics.absorb(rho, batch);
        boolean partial = touched >= 0 && m >= PARTIAL_SWEEP_MIN_ROWS && touched <= PARTIAL_SWEEP_MAX_FRACTION * m
                && !fullDue;
        double floor = updater.floorFor(w, wScale);
        double[] gram = null;
        if (partial) {
            double[] change = known != null ? gramChange : null;
            if (change != null) {
                Arrays.fill(change, 0.0);
            }
            updater.updateRows(config.rule(), w, wScale, statistics, config.steps(), floor, batchRows, touched, change);
            if (change != null) {
                gram = gramAfterRows(known, change);
            }
        } else {
            // G of the new W from its blocks while they are in the cache (not from all of W afterwards)
            gram = new double[r * r];
            updater.update(config.rule(), w, wScale, statistics, config.steps(), floor, gram);
            Arrays.fill(wScale, 1.0);
            Basis.symmetrize(gram, r);
        }
        normalize(gram);
        if (gram != null) {
            // the columns were divided by their norms: G_jk / (n_j n_k)
            for (int j = 0; j < r; j++) {
                for (int k = 0; k < r; k++) {
                    gram[j * r + k] /= norms[j] * norms[k];
                }
            }
            gramOfW = gram;
            if (partial && wasBasis && klUpdater == null && touched <= REFILL_ROWS_MAX_FRACTION * m) {
                rowsChanged = touched;
            }
        }
        if (klUpdater != null || !factorsInRange()) {
            settleW();
        }
    }

    /** The factors stay within [1/this, this] of 1; beyond, they are taken into W ({@link #settleW}). */
    private static final double FACTOR_RANGE = 0x1p100;

    /**
     * Divides W's columns by their norms, in the factors ({@link #wScale}), and rescales the
     * statistics to match (A' = D A D, B' = B D, D = diag(norms)): the norms are those of G's
     * diagonal when G of the updated W is known, else computed from W. Leaves them in
     * {@link #norms} (a zero or non-finite norm counts as 1).
     */
    private void normalize(double[] gram) {
        double[] inverse = new double[r];
        for (int k = 0; k < r; k++) {
            double n = gram != null ? Math.sqrt(gram[k * r + k])
                    : Math.sqrt(Kernels.dot(w[k], 0, w[k], 0, m)) * wScale[k];
            n = n > 0 && n < Double.POSITIVE_INFINITY ? n : 1.0;
            norms[k] = n;
            inverse[k] = 1.0 / n;
            wScale[k] *= inverse[k];
        }
        statistics.rescale(inverse);
    }

    private boolean factorsInRange() {
        for (double f : wScale) {
            if (!(f >= 1 / FACTOR_RANGE && f <= FACTOR_RANGE)) {
                return false;
            }
        }
        return true;
    }

    /**
     * Takes W's factors into its stored values (all 1 afterwards): W is the same up to rounding,
     * but the basis no longer mirrors it, so the next publication copies all of it.
     */
    private void settleW() {
        for (int k = 0; k < r; k++) {
            if (wScale[k] != 1) {
                Kernels.scale(wScale[k], w[k], 0, m);
                wScale[k] = 1;
            }
        }
        basisIsW = false;
        rowsChanged = -1;
    }

    private static double[] ones(int n) {
        double[] out = new double[n];
        Arrays.fill(out, 1.0);
        return out;
    }

    /**
     * G + ΔG, ΔG the upper triangle of the change a partial update made
     * ({@link BasisUpdater#updateRows}): the Gram matrix of W after a partial update, in time
     * proportional to the rows it touched (a new array; the known G is not modified), symmetric.
     */
    private double[] gramAfterRows(double[] known, double[] change) {
        double[] g = known.clone();
        for (int j = 0; j < r; j++) {
            for (int k = j; k < r; k++) {
                g[j * r + k] += change[j * r + k];
            }
        }
        Basis.symmetrize(g, r);
        return g;
    }

    /** The norms W's columns had before the last normalisation (weights then scale by them: h' = n ⊙ h). */
    double[] lastNorms() {
        return norms;
    }

    /** Counts items learned from (the library learner counts each column as it is projected). */
    void countItems(long n) {
        items += n;
    }

    /**
     * Starts mini-batch t = batches + 1, of {@code batchItems} items already counted in
     * {@link #items()}: the factor to decay the old statistics with
     * ({@link Forgetting#factor(long, long)}: by items, so mini-batches of growing size follow the
     * same schedule as equal ones).
     */
    double startBatch(long batchItems) {
        batches++;
        return config.forgetting().factor(items - batchItems, batchItems);
    }

    /** Updates W on the model's statistics and normalises it (rescaling {@code alsoRescale} too). */
    void step(SufficientStatistics alsoRescale) {
        settleW();
        wChanged();
        double floor = updater.floorFor(w);
        if (klUpdater != null) {
            // W ← max(floor, N ⊘ S), then unit columns (KL statistics; no refinement rounds under KL)
            klUpdater.update(w, statistics, floor);
            klUpdater.normalize(w, statistics, norms);
            return;
        }
        updater.update(config.rule(), w, statistics, config.steps(), floor);
        updater.normalize(w, statistics, norms);
        if (alsoRescale != null) {
            double[] inverse = new double[r];
            for (int k = 0; k < r; k++) {
                inverse[k] = 1.0 / norms[k];
            }
            alsoRescale.rescale(inverse);
        }
    }

    /** The working W as a basis of the given version, to re-project a batch with (refinement rounds). */
    Basis trial(long version) {
        settleW();
        basis = Basis.fromComponents(m, r, w, version);
        basisIsW = true;
        rowsChanged = -1;
        return basis;
    }

    /** Ends a mini-batch: re-seeds dead components and publishes W as the given version. */
    Basis finishBatch(long version) {
        // while the mini-batches still grow, only collapsed columns are re-seeded: a component
        // unused by a few small batches is not dead, nor is new material new yet
        boolean ramping = config.batchSizeAt(items) < config.batchSize();
        reseedDead(ramping);
        publish(version);
        if (!ramping && reseedWeakest(basis.g)) {
            publish(version);
        }
        return basis;
    }

    /** W is about to change, or has: its Gram matrix is unknown and the basis no longer holds it. */
    private void wChanged() {
        gramOfW = null;
        basisIsW = false;
        rowsChanged = -1;
    }

    /** W as the basis of the given version: the last one refilled if nobody holds it, else a new one. */
    private void publish(long version) {
        boolean recycle = basis != null && !handedOut && basis.dim() == m;
        if (recycle && rowsChanged >= 0) {
            basis.refillRows(w, wScale, batchRows, rowsChanged, version, gramOfW);
        } else {
            basis = recycle ? basis.refill(w, wScale, version, lanes, gramOfW)
                    : Basis.trusted(m, r, w, wScale, version, gramOfW);
        }
        handedOut = false;
        gramOfW = basis.g;
        basisIsW = true;
        rowsChanged = -1;
    }

    private void reseedDead(boolean onlyCollapsed) {
        double floor = BasisUpdater.FLOOR;
        double collapsed = 2 * floor * Math.sqrt(m);
        double meanDiag = 0;
        for (int k = 0; k < r; k++) {
            meanDiag += statistics.a(k, k);
        }
        meanDiag /= r;
        boolean[] used = null;
        for (int k = 0; k < r; k++) {
            if (grace[k] > 0) {
                grace[k]--;
                continue;
            }
            if (onlyCollapsed ? !(norms[k] <= collapsed) : !updater.isDead(statistics, k, norms[k], collapsed)) {
                continue;
            }
            if (used == null) {
                used = new boolean[SufficientStatistics.CANDIDATES];
            }
            int best = -1;
            for (int q = 0; q < statistics.candidateCount(); q++) {
                if (!used[q] && (best < 0 || statistics.candidateScore(q) > statistics.candidateScore(best))) {
                    best = q;
                }
            }
            if (best >= 0) {
                used[best] = true;
            }
            reseed(k, best, RESEED_WEIGHT * (meanDiag > 0 ? meanDiag : 1.0));
        }
    }

    /**
     * Re-seeds component k from the re-seeding candidate {@code candidate} (−1: none)
     * with statistics of weight {@code tau}, and gives it its grace period. W's factors are taken
     * into it first: the new column is written as W itself.
     */
    private void reseed(int k, int candidate, double tau) {
        SplittableRandom random = new SplittableRandom(config.seed() ^ (0x9E3779B97F4A7C15L * (batches + 31L * k)));
        settleW();
        updater.reseed(w, statistics, k, candidate, tau, random);
        wChanged();
        grace[k] = GRACE_BATCHES;
        reseeds++;
    }

    /**
     * Gives up the weakest component for new material: when the mini-batch's worst-explained
     * column (the top re-seeding candidate) keeps at least {@link #NEW_MATERIAL} of its energy as
     * residual, the component whose loss costs the least energy (A_kk / (G⁻¹)_kk: its usage times
     * the part of it the others cannot express; a near-duplicate of another costs almost nothing)
     * is re-seeded from that column, if its cost is below {@link #WEAK_SHARE} of the mean
     * component's. At most one per mini-batch; each re-seeded component has its grace period.
     */
    private boolean reseedWeakest(double[] gram) {
        int count = statistics.candidateCount();
        if (count == 0 || Loss.KL == config.loss()) {
            return false;
        }
        int best = 0;
        for (int q = 1; q < count; q++) {
            if (statistics.candidateScore(q) > statistics.candidateScore(best)) {
                best = q;
            }
        }
        double[] c = statistics.candidate(best);
        double energy = Kernels.dot(c, 0, c, 0, m);
        if (!(energy > 0) || statistics.candidateScore(best) < NEW_MATERIAL * energy) {
            return false;
        }
        double[] inverseDiagonal = inverseGramDiagonal(gram);
        if (inverseDiagonal == null) {
            return false;
        }
        double trace = 0;
        for (int k = 0; k < r; k++) {
            trace += statistics.a(k, k);
        }
        int weakest = -1;
        double weakestCost = Double.POSITIVE_INFINITY;
        for (int k = 0; k < r; k++) {
            if (grace[k] > 0) {
                continue;
            }
            double cost = statistics.a(k, k) / inverseDiagonal[k];
            if (cost < weakestCost) {
                weakestCost = cost;
                weakest = k;
            }
        }
        if (weakest < 0 || !(weakestCost < WEAK_SHARE * trace / r)) {
            return false;
        }
        reseed(weakest, best, RESEED_WEIGHT * (trace > 0 ? trace / r : 1.0));
        return true;
    }

    /**
     * The diagonal of (G + εI)⁻¹, G = WᵀW of the working W (unit columns, the published basis's
     * Gram matrix), by Cholesky; null if it fails. (G⁻¹)_kk = 1 / ‖w_k − P w_k‖², P the projection
     * on the other columns' span.
     */
    private double[] inverseGramDiagonal(double[] gram) {
        double[] g = gram.clone();
        for (int j = 0; j < r; j++) {
            g[j * r + j] += 1e-9;
        }
        // Cholesky G = L Lᵀ in place (lower triangle)
        for (int j = 0; j < r; j++) {
            double d = g[j * r + j];
            for (int p = 0; p < j; p++) {
                d -= g[j * r + p] * g[j * r + p];
            }
            if (!(d > 0)) {
                return null;
            }
            double ljj = Math.sqrt(d);
            g[j * r + j] = ljj;
            for (int i = j + 1; i < r; i++) {
                double x = g[i * r + j];
                for (int p = 0; p < j; p++) {
                    x -= g[i * r + p] * g[j * r + p];
                }
                g[i * r + j] = x / ljj;
            }
        }
        // diag(G⁻¹)_k = ‖L⁻¹ e_k‖²: solve L y = e_k
        double[] out = new double[r];
        double[] y = new double[r];
        for (int k = 0; k < r; k++) {
            double sq = 0;
            for (int i = 0; i < r; i++) {
                double x = i == k ? 1.0 : 0.0;
                for (int p = k; p < i; p++) {
                    x -= g[i * r + p] * y[p];
                }
                y[i] = i < k ? 0.0 : x / g[i * r + i];
                sq += y[i] * y[i];
            }
            out[k] = sq;
        }
        return out;
    }

    /** The model (settings, W, statistics, counters) as versioned bytes ({@link StateCodec}). */
    public byte[] toBytes() {
        return StateCodec.toBytes(this, null);
    }

    /**
     * Restores a model from {@link #toBytes()}, with the settings it was saved with (see
     * {@link #applySettings}).
     *
     * @throws IllegalArgumentException if the bytes are not such a state, or hold a library
     *     learner's columns not yet learned from (restore those with {@link OnlineNmf#fromBytes})
     */
    public static ModelState fromBytes(byte[] data) {
        OnlineNmf learner = StateCodec.fromBytes(data);
        if (learner.holdsColumns()) {
            throw new IllegalArgumentException("model state holds a library learner's columns not yet learned from;"
                    + " expected a model state (restore it with OnlineNmf.fromBytes)");
        }
        return learner.state();
    }

    // the codec's access to the fields

    double[][] w() {
        return w;
    }

    double[] wScale() {
        return wScale;
    }

    int[] grace() {
        return grace;
    }

    /**
     * A saved model's parts: its basis mirrors {@code w} with the factors {@code wScale} (null: all
     * 1), or is null, as the saved model's did after its last update.
     */
    void restore(Basis basis, double[][] w, double[] wScale, SufficientStatistics statistics, long items, long batches,
            long reseeds) {
        this.basis = basis;
        this.w = w;
        this.wScale = wScale != null ? wScale : ones(r);
        wChanged();
        if (basis != null) {
            gramOfW = basis.g;
            basisIsW = true;
        }
        handedOut = false;
        this.statistics = statistics;
        this.items = items;
        this.batches = batches;
        this.reseeds = reseeds;
    }
}
