package dev.nmfstream.nmf;


/**
 * Online NMF of a stream of nonnegative columns, v ≈ W h, one pass, as scikit-learn's
 * {@code partial_fit}/{@code transform} but exact in its projections.
 *
 * <p>Each column given to {@link #partialFit(Column)} is projected on the current basis
 * (exact NNLS: {@link Projector}); its weights enter the mini-batch's statistics; every
 * {@link NmfConfig#batchSize()} columns the model's statistics are decayed
 * ({@link Forgetting}) and the batch's added, W is updated ({@link UpdateRule}), optionally
 * refined (the batch re-projected with the new W and its contribution swapped), normalised,
 * dead components re-seeded, and a new {@link Basis} version published. The mini-batch
 * boundaries depend only on the count of columns, not on how they are split across calls.
 *
 * <p>One item's influence on W is bounded however large it is: an item whose norm exceeds κ
 * times the stream's typical norm ({@link NmfConfig#influenceCap()}, {@link InfluenceCap}) is
 * learned from, and counted in the prequential error, as if it were scaled by s = (L/‖v‖)², L = κ
 * times that norm.
 * Its projection (weights, residual) is exact and unscaled. On an ordinary stream nothing is
 * scaled and the results are bitwise those without the cap.
 *
 * <p>The first basis is made from the first {@link NmfConfig#effectiveBootstrapSize()} columns
 * ({@link Initializer}), which are then learned from like any others, or given
 * ({@link #withBasis}). With {@code learning = false} W stays fixed.
 *
 * <p>The model itself (W, A, B, version, counters, re-seeding) is a {@link ModelState}, the same
 * class the streaming updater keeps; this class adds the projection of columns, the mini-batch,
 * the bootstrap sample and the refinement rounds. The whole state serialises with
 * {@link #toBytes()}; {@link #fromBytes} continues exactly where it stopped (bitwise the same W as
 * an uninterrupted run).
 *
 * <p>Not thread-safe. The per-column path allocates nothing.
 */
public final class OnlineNmf {

    private final NmfConfig config;
    private final int r;
    private int m;
    private final ModelState state;
    private SufficientStatistics batch;
    private SufficientStatistics base;
    private Projector projector;
    private Projection projection;
    private ColumnBuffer bootstrap;
    private ColumnBuffer batchColumns;
    private double prequentialResidualSq;
    private double prequentialNormSq;
    /** Up to three dense columns (copies) gathered to be projected and added four at a time; weights scratch. */
    private double[][] groupColumns;
    private double[][] groupWeights;
    private int grouped;
    private Projection[] projections4;
    private DenseColumn groupView;
    /** The scale each of the four gathered columns enters the statistics with. */
    private final double[] groupScales = new double[4];
    /** The stream's scale, and the influence of each item relative to it. */
    private final InfluenceCap cap;
    /** Under the KL loss: the projector, and Σ s D(v‖W_before h) and Σ s Σv of the items seen. */
    private KlProjector klProjector;
    private double prequentialDivergence;
    private double seenMass;
    /** The size of the mini-batch being gathered ({@link NmfConfig#batchSizeAt}). */
    private int batchSize;

    /** A model that makes its first basis from the stream's first columns. */
    public OnlineNmf(NmfConfig config) {
        this(config, new ModelState(config));
    }

    private OnlineNmf(NmfConfig config, ModelState state) {
        this.config = config;
        this.r = config.rank();
        this.state = state;
        this.cap = new InfluenceCap(config.influenceCap());
    }

    /** A model that starts from the given basis (warm start; with learning off, a fixed basis). */
    public static OnlineNmf withBasis(NmfConfig config, Basis initial) {
        OnlineNmf nmf = new OnlineNmf(config, ModelState.withBasis(config, initial));
        nmf.allocate(initial.dim());
        nmf.bootstrap = null;
        return nmf;
    }

    /** Allocates the model (if it has no dimension yet) and the learner's buffers for dimension m. */
    void allocate(int dim) {
        if (state.dim() == 0) {
            state.allocate(dim);
        }
        m = dim;
        batch = new SufficientStatistics(m, r);
        projector = new Projector(r);
        projection = new Projection(r);
        klProjector = config.loss() == Loss.KL ? new KlProjector(r) : null;
        groupColumns = new double[4][m];
        groupWeights = new double[4][r];
        projections4 = new Projection[] {new Projection(r), new Projection(r), new Projection(r), new Projection(r)};
        groupView = new DenseColumn(new double[0], 0, 0);
        bootstrap = new ColumnBuffer(m, config.effectiveBootstrapSize());
        batchSize = config.batchSizeAt(state.items());
        if (config.refineRounds() > 0 && config.learning()) {
            batchColumns = new ColumnBuffer(m, config.batchSize());
            base = new SufficientStatistics(m, r);
        }
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

    /** The current basis, or null while the bootstrap sample is being collected. */
    public Basis basis() {
        return state.basis();
    }

    /** The model's statistics (A, B, counts), live: do not modify. */
    public SufficientStatistics statistics() {
        return state.statistics();
    }

    /** Columns learned from (projected on arrival), bootstrap columns included once processed. */
    public long items() {
        return state.items();
    }

    /** Mini-batch updates done. */
    public long batches() {
        return state.batches();
    }

    /** Components re-seeded so far. */
    public long reseeds() {
        return state.reseeds();
    }

    /**
     * The prequential error: every column scored on arrival with the basis it was projected
     * with, before learning from its batch: √(Σ s²‖v − W_before h‖² / Σ s²‖v‖²), each item
     * weighed as it is learned from (s = 1 but for items far larger than the stream's others).
     */
    public double prequentialError() {
        return prequentialNormSq > 0 ? Math.sqrt(prequentialResidualSq / prequentialNormSq) : 0.0;
    }

    /**
     * Σ s²‖v − W_before h‖² over the columns seen, each weighed by the square of its scale s
     * ({@link InfluenceCap}: 1 for all but outsized items; see {@link #prequentialError()}).
     */
    public double prequentialResidualSq() {
        return prequentialResidualSq;
    }

    /** Σ s²‖v‖² over the columns seen (s: as in {@link #prequentialResidualSq()}). */
    public double seenNormSq() {
        return prequentialNormSq;
    }

    /**
     * Under the KL loss, the prequential divergence: Σ s D(v‖W_before h) / Σ s Σᵢ vᵢ over the
     * columns seen, each scored on arrival with the basis it was projected with (s: the item's
     * influence scale, 1 but for outsized items); 0 under the Frobenius loss.
     */
    public double prequentialDivergence() {
        return seenMass > 0 ? prequentialDivergence / seenMass : 0.0;
    }

    /** Learns from columns, in order. */
    public void partialFit(Iterable<? extends Column> columns) {
        for (Column v : columns) {
            partialFit(v);
        }
    }

    /**
     * Learns from one column: projects it on the current basis and adds it to the mini-batch;
     * updates W when the batch is full. The column is not kept (it is copied if needed).
     *
     * @throws IllegalArgumentException if its dimension differs from the model's
     */
    public void partialFit(Column v) {
        if (m == 0) {
            allocate(v.dim());
        } else if (v.dim() != m) {
            throw new IllegalArgumentException("column of dimension " + v.dim() + ", the model's dimension is " + m);
        }
        if (state.basis() == null) {
            bootstrap.add(v);
            if (bootstrap.isFull()) {
                initializeFromBootstrap();
            }
            return;
        }
        learn(v);
    }

    /**
     * Ends the stream for now: makes the first basis from the columns collected so far if there
     * is none yet, and updates W with a partial mini-batch if one is pending.
     */
    public void flush() {
        if (m == 0) {
            return;
        }
        if (state.basis() == null && bootstrap.size() > 0) {
            initializeFromBootstrap();
        }
        if (config.learning() && batch.items() + grouped > 0) {
            update();
        }
    }

    /** Projects a column on the current basis, without learning from it. Allocates the result. */
    public Projection project(Column v) {
        return project(v, new Projection(r));
    }

    /** Projects a column on the current basis into {@code out}, without learning. No allocation. */
    public Projection project(Column v, Projection out) {
        if (state.basis() == null) {
            throw new IllegalStateException("no basis yet: the first " + config.effectiveBootstrapSize()
                    + " columns make it (" + (bootstrap == null ? 0 : bootstrap.size()) + " so far), or call flush()");
        }
        if (klProjector != null) {
            return klProjector.project(state.basis(), v, out);
        }
        return projector.project(state.basis(), v, out);
    }

    /**
     * Makes the first basis from the bootstrap sample, then learns from the sample's columns, each
     * scaled at most as it was for the first basis (against κ times the sample's median norm).
     */
    private void initializeFromBootstrap() {
        state.initialize(bootstrap);
        ColumnBuffer sample = bootstrap;
        bootstrap = null;
        double logLimit = ModelState.sampleLogLimit(sample, config.influenceCap());
        for (int q = 0; q < sample.size(); q++) {
            Column v = sample.get(q);
            learn(v, InfluenceCap.scale(InfluenceCap.logNorm(v), logLimit));
        }
    }

    /**
     * Learns from one column. Dense columns are gathered four at a time (copies) and projected
     * together ({@link Projector#project4}: one pass over W for four products) and added to B
     * together; a group starts only where four columns fit in the current mini-batch, and is
     * flushed before any other column, so mini-batches and the order of columns are exactly those
     * of the stream. The grouping changes nothing but speed (and the last bits of c).
     */
    private void learn(Column v) {
        learn(v, 1.0);
    }

    /** {@link #learn(Column)}, the column's scale at most {@code limit}. */
    private void learn(Column v, double limit) {
        if (klProjector != null) {
            learnKl(v, limit);
            return;
        }
        boolean group = config.learning() && v instanceof DenseColumn
                && (grouped > 0 || batchSize - batch.items() >= 4);
        if (!group) {
            flushGroup();
            projector.project(state.basis(), v, projection);
            double s = scaleOf(projection, limit);
            record(projection, s);
            if (config.learning()) {
                addTo(batch, v, projection, s);
                if (batchColumns != null) {
                    batchColumns.add(v);
                }
                updateIfFull();
            }
            return;
        }
        DenseColumn dense = (DenseColumn) v;
        System.arraycopy(dense.data(), dense.offset(), groupColumns[grouped], 0, m);
        groupScales[grouped] = limit;
        if (++grouped < 4) {
            return;
        }
        grouped = 0;
        projector.project4(state.basis(), groupColumns, projections4);
        boolean scaled = false;
        for (int q = 0; q < 4; q++) {
            double s = scaleOf(projections4[q], groupScales[q]);
            groupScales[q] = s;
            scaled |= s < 1;
            record(projections4[q], s);
            System.arraycopy(projections4[q].h, 0, groupWeights[q], 0, r);
        }
        if (scaled) {
            // an outsized item among the four: each enters with its own scale
            for (int q = 0; q < 4; q++) {
                Column c = groupView.set(groupColumns[q], 0, m);
                addTo(batch, c, projections4[q], groupScales[q]);
                if (batchColumns != null) {
                    batchColumns.add(c);
                }
            }
        } else {
            batch.addDense4(groupColumns, groupWeights);
            for (int q = 0; q < 4; q++) {
                Column c = groupView.set(groupColumns[q], 0, m);
                batch.offerCandidate(c, projections4[q].residualSq);
                if (batchColumns != null) {
                    batchColumns.add(c);
                }
            }
        }
        updateIfFull();
    }

    /**
     * Learns from one column under the KL loss: projects it ({@link KlProjector}), scores it and
     * adds it to the mini-batch's KL statistics ({@link KlStatistics}), offered as a re-seeding
     * candidate with its divergence.
     */
    private void learnKl(Column v, double limit) {
        Basis basis = state.basis();
        klProjector.project(basis, v, projection);
        double s = scaleOf(projection, limit);
        record(projection, s);
        prequentialDivergence += s * projection.divergence;
        seenMass += s * klProjector.lastMass();
        if (config.learning()) {
            KlStatistics.add(batch, basis, klProjector, projection.h, s);
            batch.offerCandidate(v, s * projection.divergence);
            updateIfFull();
        }
    }

    private void updateIfFull() {
        if (batch.items() >= batchSize) {
            update();
        }
    }

    /** The scale s an item enters the statistics with: the cap's, at most {@code limit}. */
    private double scaleOf(Projection p, double limit) {
        return Math.min(cap.scaleOf(p.logNorm()), limit);
    }

    /**
     * Adds an item of scale s to the statistics (s = 1: as it is) and offers it as a re-seeding
     * candidate with its residual scaled as it is learned from.
     */
    private static void addTo(SufficientStatistics statistics, Column v, Projection p, double s) {
        if (s == 1) {
            statistics.add(v, p.h);
            statistics.offerCandidate(v, p.residualSq);
        } else {
            statistics.add(v, p.h, s);
            statistics.offerCandidate(v, InfluenceCap.scaledResidualSq(p, s));
        }
    }

    /** Counts an item and its prequential error, weighed by the square of its scale s. */
    private void record(Projection p, double s) {
        state.countItems(1);
        prequentialResidualSq += InfluenceCap.scaledResidualSq(p, s);
        prequentialNormSq += InfluenceCap.scaledNormSq(p, s);
    }

    /** Projects and adds the dense columns still gathered (fewer than four), one by one. */
    private void flushGroup() {
        int n = grouped;
        grouped = 0;
        for (int q = 0; q < n; q++) {
            Column v = groupView.set(groupColumns[q], 0, m);
            projector.project(state.basis(), v, projection);
            double s = scaleOf(projection, groupScales[q]);
            record(projection, s);
            addTo(batch, v, projection, s);
            if (batchColumns != null) {
                batchColumns.add(v);
            }
        }
    }

    /** One mini-batch update: decay, add, update W (with refinement rounds), re-seed, publish. */
    private void update() {
        flushGroup();
        double beta = state.startBatch(batch.items());
        long next = state.basis().version() + 1;
        SufficientStatistics statistics = state.statistics();
        if (batchColumns == null) {
            state.absorbAndStep(beta, batch);
        } else {
            base.copyFrom(statistics);
            base.clearCandidates();
            base.decay(beta);
            for (int round = 0; round <= config.refineRounds(); round++) {
                if (round > 0) {
                    // re-project the batch with the refined W and swap its contribution
                    Basis trial = state.trial(next);
                    batch.clear();
                    for (int q = 0; q < batchColumns.size(); q++) {
                        Column v = batchColumns.get(q);
                        projector.project(trial, v, projection);
                        addTo(batch, v, projection, cap.scaleAt(projection.logNorm()));
                    }
                }
                statistics.copyFrom(base);
                statistics.merge(batch);
                state.step(base);
            }
            batchColumns.clear();
            batch.clear();
        }
        state.finishBatch(next);
        batchSize = config.batchSizeAt(state.items());
    }

    /** The whole state (settings, W, statistics, counters, columns not yet learned from) as versioned bytes. */
    public byte[] toBytes() {
        return StateCodec.toBytes(state, this);
    }

    /**
     * Restores a model from {@link #toBytes()} (or from {@link ModelState#toBytes()}), with the
     * settings it was saved with.
     *
     * @throws IllegalArgumentException if the bytes are not such a state, or of another format version
     */
    public static OnlineNmf fromBytes(byte[] data) {
        return StateCodec.fromBytes(data);
    }

    // the model and the codec's access to the learner's fields

    /** The model this learner updates. */
    ModelState state() {
        return state;
    }

    /** Whether columns wait here that the model has not learned from yet. */
    boolean holdsColumns() {
        return batch != null && batch.items() > 0 || bootstrap != null && bootstrap.size() > 0
                || batchColumns != null && batchColumns.size() > 0 || grouped > 0;
    }

    SufficientStatistics batch() {
        return batch;
    }

    ColumnBuffer bootstrap() {
        return bootstrap;
    }

    ColumnBuffer batchColumns() {
        return batchColumns;
    }

    double[][] groupColumns() {
        return groupColumns;
    }

    int grouped() {
        return grouped;
    }

    double[] groupScales() {
        return groupScales;
    }

    InfluenceCap cap() {
        return cap;
    }

    double seenMass() {
        return seenMass;
    }

    double prequentialDivergenceSum() {
        return prequentialDivergence;
    }

    void restoreDivergence(double divergenceSum, double mass) {
        this.prequentialDivergence = divergenceSum;
        this.seenMass = mass;
    }

    void restore(SufficientStatistics batch, double prequentialResidualSq, double prequentialNormSq,
            ColumnBuffer bootstrap, ColumnBuffer batchColumns, int grouped) {
        this.batch = batch;
        this.prequentialResidualSq = prequentialResidualSq;
        this.prequentialNormSq = prequentialNormSq;
        this.bootstrap = bootstrap;
        if (batchColumns != null) {
            this.batchColumns = batchColumns;
        }
        this.grouped = grouped;
        // the mini-batch being gathered started after the items not in it
        this.batchSize = config.batchSizeAt(state.items() - batch.items() - grouped);
    }
}
