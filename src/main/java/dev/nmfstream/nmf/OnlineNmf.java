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

    /** A model that makes its first basis from the stream's first columns. */
    public OnlineNmf(NmfConfig config) {
        this.config = config;
        this.r = config.rank();
        this.state = new ModelState(config);
    }

    private OnlineNmf(NmfConfig config, ModelState state) {
        this.config = config;
        this.r = config.rank();
        this.state = state;
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
        groupColumns = new double[4][m];
        groupWeights = new double[4][r];
        projections4 = new Projection[] {new Projection(r), new Projection(r), new Projection(r), new Projection(r)};
        groupView = new DenseColumn(new double[0], 0, 0);
        bootstrap = new ColumnBuffer(m, config.effectiveBootstrapSize());
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
     * with, before learning from its batch: √(Σ‖v − W_before h‖² / Σ‖v‖²).
     */
    public double prequentialError() {
        return prequentialNormSq > 0 ? Math.sqrt(prequentialResidualSq / prequentialNormSq) : 0.0;
    }

    /** Σ‖v − W_before h‖² over the columns seen (see {@link #prequentialError()}). */
    public double prequentialResidualSq() {
        return prequentialResidualSq;
    }

    /** Σ‖v‖² over the columns seen. */
    public double seenNormSq() {
        return prequentialNormSq;
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
        return projector.project(state.basis(), v, out);
    }

    private void initializeFromBootstrap() {
        state.initialize(bootstrap);
        ColumnBuffer sample = bootstrap;
        bootstrap = null;
        for (int q = 0; q < sample.size(); q++) {
            learn(sample.get(q));
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
        boolean group = config.learning() && v instanceof DenseColumn
                && (grouped > 0 || config.batchSize() - batch.items() >= 4);
        if (!group) {
            flushGroup();
            projector.project(state.basis(), v, projection);
            record(projection);
            if (config.learning()) {
                batch.add(v, projection.h);
                batch.offerCandidate(v, projection.residualSq);
                if (batchColumns != null) {
                    batchColumns.add(v);
                }
                updateIfFull();
            }
            return;
        }
        DenseColumn dense = (DenseColumn) v;
        System.arraycopy(dense.data(), dense.offset(), groupColumns[grouped], 0, m);
        if (++grouped < 4) {
            return;
        }
        grouped = 0;
        projector.project4(state.basis(), groupColumns, projections4);
        for (int q = 0; q < 4; q++) {
            record(projections4[q]);
            System.arraycopy(projections4[q].h, 0, groupWeights[q], 0, r);
        }
        batch.addDense4(groupColumns, groupWeights);
        for (int q = 0; q < 4; q++) {
            Column c = groupView.set(groupColumns[q], 0, m);
            batch.offerCandidate(c, projections4[q].residualSq);
            if (batchColumns != null) {
                batchColumns.add(c);
            }
        }
        updateIfFull();
    }

    private void updateIfFull() {
        if (batch.items() >= config.batchSize()) {
            update();
        }
    }

    /** Counts an item and its prequential error. */
    private void record(Projection p) {
        state.countItems(1);
        prequentialResidualSq += p.residualSq;
        prequentialNormSq += p.normSq;
    }

    /** Projects and adds the dense columns still gathered (fewer than four), one by one. */
    private void flushGroup() {
        int n = grouped;
        grouped = 0;
        for (int q = 0; q < n; q++) {
            Column v = groupView.set(groupColumns[q], 0, m);
            projector.project(state.basis(), v, projection);
            record(projection);
            batch.add(v, projection.h);
            batch.offerCandidate(v, projection.residualSq);
            if (batchColumns != null) {
                batchColumns.add(v);
            }
        }
    }

    /** One mini-batch update: decay, add, update W (with refinement rounds), re-seed, publish. */
    private void update() {
        flushGroup();
        double beta = state.startBatch();
        long next = state.basis().version() + 1;
        SufficientStatistics statistics = state.statistics();
        if (batchColumns == null) {
            statistics.absorb(beta, batch);
            state.step(null);
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
                        batch.add(v, projection.h);
                        batch.offerCandidate(v, projection.residualSq);
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
    }
}
