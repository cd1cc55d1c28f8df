package dev.nmfstream.nmf;

import java.util.Arrays;


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
public final class OnlineNmf implements AutoCloseable {

    /**
     * Columns per unit of a sample's projection on one lane, half that with more lanes (so that
     * each has a share). The product's inner loop runs over a block's columns, and C2 runs only a
     * long loop's main part as SIMD code: blocks of 16 ran mostly as scalar code, and 128 made a
     * warm fit of speech frames 1.15–1.2× faster than 16. How columns are blocked never changes a
     * result (each column's products are summed in the same order).
     */
    private static final int PROJECT_BLOCK = Projector.BLOCK;

    /**
     * The sample {@code fit} keeps for {@link #consolidate()}: 2,048 dense columns (16.8 MB at
     * m = 1025). Measured (4 December 2026, `fit`, seed 0, 1 round): 1,024, 2,048, 4,096 and 8,192
     * columns end within 0.001 of one another on music, speech, planted and digits, and cost
     * 2–6 %, 3–8 %, 8–11 % and 10–15 % of the pass.
     */
    public static final int DEFAULT_RESERVOIR = 2048;

    /** The most values the default sample holds ({@link #defaultReservoir}): 2²³ doubles, 64 MB. */
    public static final int MAX_SAMPLE_VALUES = 1 << 23;

    /**
     * The sample size {@code fit} keeps for columns of dimension m: {@link #DEFAULT_RESERVOIR}, or
     * fewer (at least 1) so that it holds at most {@link #MAX_SAMPLE_VALUES} values.
     */
    public static int defaultReservoir(int m) {
        return Math.max(1, Math.min(DEFAULT_RESERVOIR, MAX_SAMPLE_VALUES / Math.max(1, m)));
    }

    /** W updates of {@link #consolidate()}: 2 (measured: a second round gains 0.002–0.004 on music, 0.0005 on speech). */
    public static final int DEFAULT_CONSOLIDATION_ROUNDS = 2;

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
    /**
     * The dense columns (copies) of the current mini-batch not yet projected: they wait until the
     * batch is full and are then projected four at a time, on all lanes, with the basis they would
     * have met one by one (W changes only between mini-batches). Rows are allocated as needed.
     */
    private double[][] groupColumns = new double[0][];
    private int grouped;
    /**
     * Inside {@link #partialFit(double[], int, int, int)}: where each waiting column still is in
     * the caller's array (null: copied), so that a full mini-batch's columns are copied by the lane
     * that projects them; copied before that call returns.
     */
    private double[][] groupSource = new double[0][];
    private int[] groupSourceOffset = new int[0];
    private boolean deferCopies;
    private final DenseColumn blockView = new DenseColumn(new double[0], 0, 0);
    /** The limit of the scale each waiting column enters the statistics with (then its scale). */
    private double[] groupScales = new double[4];
    /** Each waiting column's projection. */
    private Projection[] groupProjections = new Projection[0];
    /** Per group of four: whether an outsized item made it enter the statistics column by column. */
    private boolean[] groupScaled = new boolean[0];
    private DenseColumn groupView;
    /** The lanes the mini-batch is projected and learned on (one: this thread), and each lane's projector and views. */
    private Lanes lanes = new Lanes(1);
    private Projector[] laneProjectors;
    private double[][][] laneColumns;
    private double[][][] laneWeights;
    /** Per lane, a copy of the cap to find a half's scales on ({@link #flushGroup}). */
    private InfluenceCap[] laneCaps;
    /** Set by the lane that projected the first half of a mini-batch ({@link #flushGroup}). */
    private volatile boolean firstHalfProjected;
    /** The lane that did the last half of the mini-batch ({@link #flushGroup}; read after the lanes' job). */
    private int lastHalfLane;
    /** Where the halves of the waiting columns begin and end ({@link #flushGroup}). */
    private final int[] halfBounds = new int[3];
    /** The sums of A and B of the mini-batch's halves of dense columns ({@link #flushGroup}). */
    private SufficientStatistics.Part[] parts = new SufficientStatistics.Part[0];
    /**
     * On several threads: the sparse columns of the current mini-batch not yet projected (copies
     * of their entries, one after another; column q is entries waitStart[q] ≤ e &lt; waitStart[q + 1]),
     * the limits of their scales, and their projections. They wait until the batch is full and are
     * then projected on all lanes ({@link #drainSparse}). On one thread a sparse column is
     * projected and added as it arrives.
     */
    private int[] waitIndices = new int[0];
    private double[] waitValues = new double[0];
    private int[] waitStart = new int[1];
    private double[] waitLimits = new double[0];
    private Projection[] waitProjections = new Projection[0];
    private int waiting;
    /** A view of a waiting sparse column per lane (lane 0: this thread). */
    private SparseColumn[] laneSparse = new SparseColumn[0];
    /** Waiting sparse columns per unit of {@link #drainSparse}'s job on the lanes. */
    static final int SPARSE_UNIT = 32;
    /** The stream's scale, and the influence of each item relative to it. */
    private final InfluenceCap cap;
    /** Under the KL loss: the projector, and Σ s D(v‖W_before h) and Σ s Σv of the items seen. */
    private KlProjector klProjector;
    private double prequentialDivergence;
    private double seenMass;
    /** The size of the mini-batch being gathered ({@link NmfConfig#batchSizeAt}). */
    private int batchSize;
    /**
     * The columns a sample of the stream keeps ({@link #reservoir(int)}; 0: none), the sample
     * (null until the first column, and for good once a column is not dense), and each waiting
     * column's slot in it (-1: not kept). The waiting columns were offered to it last, in order.
     */
    private int reservoirSize;
    private Reservoir reservoir;
    private int[] groupSlot = new int[0];

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
        groupView = new DenseColumn(new double[0], 0, 0);
        allocateLanes();
        bootstrap = new ColumnBuffer(m, config.effectiveBootstrapSize());
        batchSize = config.batchSizeAt(state.items());
        reservoir = newReservoir();
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
        if (state.current() == null) {
            bootstrap.add(v);
            if (bootstrap.isFull()) {
                initializeFromBootstrap();
            }
            return;
        }
        learn(v);
    }

    /**
     * Learns from {@code count} dense columns of dimension {@code dim} stored one after another in
     * {@code data}, column j at {@code offset + j·dim}: the same model, bitwise, as
     * {@link #partialFit(Column)} on each in turn. The columns of a mini-batch are copied when it
     * is full, each by the thread that projects it (rather than all by the calling thread as they
     * arrive), so on several threads ({@link #threads(int)}) a column is read by one core only.
     * The array must not change during the call; the columns still waiting when it returns have
     * been copied.
     *
     * @throws IllegalArgumentException if the columns do not fit in the array, or their dimension
     *     differs from the model's
     */
    public void partialFit(double[] data, int offset, int dim, int count) {
        if (dim <= 0 || count < 0 || offset < 0 || offset + (long) dim * count > data.length) {
            throw new IllegalArgumentException(count + " columns of dimension " + dim + " from index " + offset
                    + " do not fit in an array of length " + data.length);
        }
        deferCopies = true;
        try {
            for (int j = 0; j < count; j++) {
                partialFit(blockView.set(data, offset + j * dim, dim));
            }
        } finally {
            deferCopies = false;
            copyWaiting(0, grouped);
        }
    }

    /**
     * Ends the stream for now: makes the first basis from the columns collected so far if there
     * is none yet, and updates W with a partial mini-batch if one is pending.
     */
    public void flush() {
        if (m == 0) {
            return;
        }
        if (state.current() == null && bootstrap.size() > 0) {
            initializeFromBootstrap();
        }
        if (config.learning() && batch.items() + grouped + waiting > 0) {
            update();
        }
    }

    /**
     * Keeps a uniform sample of up to {@code columns} of the stream's dense columns from the next
     * column on, for {@link #consolidate()} (0: none, the default). Memory: columns × (m + r)
     * doubles, and m × r more. Not kept in {@link #toBytes()}: a restored learner keeps none. No
     * sample is kept under the KL loss, with refinement rounds, or once a sparse column arrives.
     *
     * @return this learner
     * @throws IllegalArgumentException if columns &lt; 0
     * @throws IllegalStateException once the learner has seen a column
     */
    public OnlineNmf reservoir(int columns) {
        if (columns < 0) {
            throw new IllegalArgumentException("a sample of " + columns + " columns, expected 0 or more");
        }
        if (state.items() > 0 || (bootstrap != null && bootstrap.size() > 0)) {
            throw new IllegalStateException("the sample is chosen before the first column");
        }
        reservoirSize = columns;
        if (m != 0) {
            // a warm start: allocated already
            reservoir = newReservoir();
        }
        return this;
    }

    /** The sample {@link #reservoir(int)} asked for, if one can be kept, else null. */
    private Reservoir newReservoir() {
        return samples() ? new Reservoir(m, r, reservoirSize, config.seed() ^ 0x5DEECE66DL) : null;
    }

    /** Whether the settings let this learner keep the sample asked for. */
    private boolean samples() {
        return reservoirSize > 0 && config.learning() && config.loss() != Loss.KL && config.refineRounds() == 0;
    }

    /** Whether this learner keeps a sample to consolidate with (it may drop it: {@link #reservoir(int)}). */
    public boolean keepsSample() {
        return reservoir != null || (m == 0 && samples());
    }

    /**
     * Ends the stream for now ({@link #flush()}), then corrects W for the staleness of the
     * statistics it was learned from: each item's weights were computed with the basis of its
     * time, and early items have all but faded from the statistics. The kept sample
     * ({@link #reservoir(int)}) is projected on the current W; the statistics of every column,
     * weighed equally and projected on the current W, are estimated from it
     * ({@link Reservoir#estimate}), and W takes {@code rounds} updates (each of the configured
     * HALS sweeps or MU steps) on that estimate, the sample re-projected before each. The
     * stream's own statistics are kept (rescaled with W), so learning can go on. Counts as one W
     * update; does nothing without a sample.
     *
     * @return whether W was updated
     */
    public boolean consolidate(int rounds) {
        flush();
        if (reservoir == null || state.current() == null || reservoir.size() == 0 || rounds <= 0) {
            return false;
        }
        lanes.settle();
        SufficientStatistics statistics = state.statistics();
        SufficientStatistics stream = new SufficientStatistics(m, r);
        stream.copyFrom(statistics);
        long next = state.current().version() + 1;
        Basis basis = state.current();
        Projection[] sample = newProjections(reservoir.size());
        double[] scales = new double[reservoir.size()];
        boolean updated = false;
        for (int round = 0; round < rounds; round++) {
            sampleEstimate(basis, sample, scales, statistics);
            if (!positiveDiagonal(statistics)) {
                break; // an estimate too far off to learn from (not seen in practice): W stays
            }
            state.step(stream);
            reservoir.followNorms(state.lastNorms());
            basis = state.trial(next);
            updated = true;
        }
        statistics.copyFrom(stream);
        if (updated) {
            state.finishBatch(next);
        }
        return updated;
    }

    /** {@link #consolidate(int)} with {@link #DEFAULT_CONSOLIDATION_ROUNDS}. */
    public boolean consolidate() {
        return consolidate(DEFAULT_CONSOLIDATION_ROUNDS);
    }

    /**
     * The sample's estimate of every column's statistics on {@code basis} ({@link Reservoir#estimate}):
     * the sample projected on it in blocks, on all lanes (bitwise the same for any number).
     */
    void sampleEstimate(Basis basis, SufficientStatistics into) {
        sampleEstimate(basis, newProjections(reservoir.size()), new double[reservoir.size()], into);
    }

    /** {@link #sampleEstimate(Basis, SufficientStatistics)} into given room for the sample's projections and scales. */
    private void sampleEstimate(Basis basis, Projection[] sample, double[] scales, SufficientStatistics into) {
        int n = reservoir.size();
        double[][] kept = reservoir.columns();
        int block = lanes.count() > 1 ? PROJECT_BLOCK / 2 : PROJECT_BLOCK;
        lanes.run((n + block - 1) / block, (lane, u) -> {
            int from = u * block;
            laneProjectors[lane].projectBlock(basis, kept, from, Math.min(block, n - from), sample);
        });
        for (int q = 0; q < n; q++) {
            scales[q] = cap.scaleAt(sample[q].logNorm());
        }
        reservoir.estimate(sample, scales, into);
    }

    private Projection[] newProjections(int n) {
        Projection[] out = new Projection[n];
        for (int q = 0; q < n; q++) {
            out[q] = new Projection(r);
        }
        return out;
    }

    /** Whether every A_kk of the statistics is positive and finite. */
    private boolean positiveDiagonal(SufficientStatistics s) {
        for (int k = 0; k < r; k++) {
            double akk = s.a(k, k);
            if (!(akk > 0 && akk < Double.POSITIVE_INFINITY)) {
                return false;
            }
        }
        return true;
    }

    /** Projects a column on the current basis, without learning from it. Allocates the result. */
    public Projection project(Column v) {
        return project(v, new Projection(r));
    }

    /** Projects a column on the current basis into {@code out}, without learning. No allocation. */
    public Projection project(Column v, Projection out) {
        if (state.current() == null) {
            throw new IllegalStateException("no basis yet: the first " + config.effectiveBootstrapSize()
                    + " columns make it (" + (bootstrap == null ? 0 : bootstrap.size()) + " so far), or call flush()");
        }
        if (klProjector != null) {
            return klProjector.project(state.current(), v, out);
        }
        return projector.project(state.current(), v, out);
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
     * Learns from one column. Dense columns are copied and wait until their mini-batch is full,
     * then are projected and added together ({@link #flushGroup}); any other column first flushes
     * the waiting ones, so mini-batches and the order of columns are exactly those of the stream.
     * The waiting changes nothing but speed (W changes only between mini-batches).
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
        int slot = -1;
        if (reservoir != null) {
            if (v instanceof DenseColumn dense) {
                slot = reservoir.offer(dense);
            } else {
                reservoir = null; // a uniform sample of dense columns only
            }
        }
        if (config.learning() && v instanceof DenseColumn dense) {
            drainSparse(); // the sparse columns before it enter the batch first, as they arrived
            ensureGroupCapacity(grouped + 1);
            groupSlot[grouped] = slot;
            if (deferCopies) {
                groupSource[grouped] = dense.data();
                groupSourceOffset[grouped] = dense.offset();
            } else {
                System.arraycopy(dense.data(), dense.offset(), groupColumns[grouped], 0, m);
            }
            groupScales[grouped] = limit;
            grouped++;
            if (batch.items() + grouped >= batchSize) {
                update();
            }
            return;
        }
        flushGroup();
        if (config.learning() && lanes.count() > 1 && v instanceof SparseColumn sparse) {
            holdSparse(sparse, limit);
            if (batch.items() + waiting >= batchSize) {
                update();
            }
            return;
        }
        projector.project(state.current(), v, projection);
        double s = scaleOf(projection, limit);
        record(projection, s);
        if (slot >= 0) {
            reservoir.learned(slot, projection.h, s);
        }
        if (config.learning()) {
            addTo(batch, v, projection, s);
            if (batchColumns != null) {
                batchColumns.add(v);
            }
            updateIfFull();
        }
    }

    /**
     * Learns from one column under the KL loss: projects it ({@link KlProjector}), scores it and
     * adds it to the mini-batch's KL statistics ({@link KlStatistics}), offered as a re-seeding
     * candidate with its divergence.
     */
    private void learnKl(Column v, double limit) {
        Basis basis = state.current();
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
        return scaleOf(cap, p, limit);
    }

    /** {@link #scaleOf(Projection, double)} on the cap {@code c}. */
    private static double scaleOf(InfluenceCap c, Projection p, double limit) {
        return Math.min(c.scaleOf(p.logNorm()), limit);
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

    /**
     * Projects the waiting dense columns and adds them to the mini-batch:
     * <ol>
     * <li>the columns in two halves (whole groups of four; one half for fewer than two groups), each
     *     on one lane: its copy from the caller's array if it is still there
     *     ({@link #partialFit(double[], int, int, int)}), its projections
     *     ({@link Projector#projectBlock}: the products as one matrix product), each column's scale
     *     (on a copy of the {@link InfluenceCap}, which remembers the stream's norms in order: the
     *     second half's lane waits until the first half is projected and replays its norms), and
     *     the sums of A and B over its groups of four without an outsized item
     *     ({@link SufficientStatistics.Part}). Into an empty mini-batch the first half's sums are
     *     written directly (bitwise what adding its part would give);
     * <li>on this thread, in order: each column's prequential error and the re-seeding
     *     candidates;
     * <li>the halves' sums, in order; then, one by one with their scales, the columns of the
     *     groups with an outsized item and the columns after the last group of four.
     * </ol>
     * Every unit of work and every sum is fixed by the columns alone, so the result is bitwise
     * the same for any number of lanes. Each half's columns are read by one lane only, while they
     * are in its caches: on this machine a megabyte written by one core and read by the other cost
     * ~150 µs more than on one core, and summing B component by component, every lane reading
     * every column, kept two threads at about the speed of one.
     */
    private void flushGroup() {
        int n = grouped;
        if (n == 0) {
            return;
        }
        grouped = 0;
        lanes.settle();
        Basis basis = state.current();
        int groups = n / 4;
        int halves = groups >= 2 ? 2 : 1;
        // half u is columns halfBounds[u] ≤ q < halfBounds[u + 1]
        halfBounds[1] = halves == 2 ? 4 * ((groups + 1) / 2) : n;
        halfBounds[2] = n;
        boolean direct = batch.items() == 0;
        ensureParts(halves);
        if (lanes.alone()) {
            copyWaiting(0, n);
            projector.projectBlock(basis, groupColumns, 0, n, groupProjections);
            scale(cap, 0, n);
            for (int u = 0; u < halves; u++) {
                sumHalf(0, u, direct);
            }
        } else {
            firstHalfProjected = false;
            lanes.run(halves, (lane, u) -> {
                int from = halfBounds[u];
                int to = halfBounds[u + 1];
                try {
                    copyWaiting(from, to);
                    laneProjectors[lane].projectBlock(basis, groupColumns, from, to - from, groupProjections);
                } finally {
                    if (u == 0) {
                        firstHalfProjected = true; // even if it failed: the other half's lane must not wait forever
                    }
                }
                // unit 0 is always taken before unit 1, so its lane is at work
                while (!firstHalfProjected) {
                    Thread.onSpinWait();
                }
                InfluenceCap c = laneCaps[lane];
                c.copyFrom(cap);
                for (int q = 0; q < from; q++) {
                    c.scaleOf(groupProjections[q].logNorm()); // the first half's norms, remembered in order
                }
                scale(c, from, to);
                if (u == halves - 1) {
                    lastHalfLane = lane;
                }
                sumHalf(lane, u, direct);
            });
            // the last half's copy of the cap has remembered every column of the batch, in order
            cap.copyFrom(laneCaps[lastHalfLane]);
        }
        recordGroup(n, groups);
        for (int u = direct ? 1 : 0; u < halves; u++) {
            batch.add(parts[u]);
        }
        addOneByOne(n, groups);
    }

    /**
     * The scales of the waiting columns from ≤ q &lt; to ({@link #flushGroup}) on the cap
     * {@code c}, which has remembered the columns before them and remembers theirs, and which of
     * their groups of four hold an outsized item.
     */
    private void scale(InfluenceCap c, int from, int to) {
        for (int q = from; q < to; q++) {
            groupScales[q] = scaleOf(c, groupProjections[q], groupScales[q]);
        }
        for (int g = from / 4; g < to / 4; g++) {
            groupScaled[g] = groupScales[4 * g] < 1 || groupScales[4 * g + 1] < 1 || groupScales[4 * g + 2] < 1
                    || groupScales[4 * g + 3] < 1;
        }
    }

    /**
     * Half u's sums of A and B ({@link #flushGroup}): its groups of four without an outsized item,
     * in order; the first half's straight into the (empty) mini-batch when {@code direct}.
     */
    private void sumHalf(int lane, int u, boolean direct) {
        double[][] four = laneColumns[lane];
        double[][] weights = laneWeights[lane];
        boolean intoBatch = u == 0 && direct;
        SufficientStatistics.Part part = parts[u];
        if (!intoBatch) {
            part.clear();
        }
        int gFrom = halfBounds[u] / 4;
        int gTo = halfBounds[u + 1] / 4;
        // four components at a time over all the half's groups: their B columns stay in L1 while
        // the columns stream from L2 (group by group over all components wrote all of B to L2 per group)
        for (int kFrom = 0; kFrom < r; kFrom += 4) {
            int kTo = Math.min(r, kFrom + 4);
            for (int g = gFrom; g < gTo; g++) {
                if (!groupScaled[g]) {
                    for (int q = 0; q < 4; q++) {
                        four[q] = groupColumns[4 * g + q];
                        weights[q] = groupProjections[4 * g + q].h;
                    }
                    if (intoBatch) {
                        batch.add4(four, weights, kFrom, kTo);
                    } else {
                        part.add4(four, weights, kFrom, kTo);
                    }
                }
            }
        }
    }

    /** Keeps a copy of a sparse column until its mini-batch is full ({@link #drainSparse}). */
    private void holdSparse(SparseColumn v, double limit) {
        int nnz = v.nnz();
        int at = waitStart[waiting];
        if (waiting + 1 >= waitStart.length) {
            int size = Math.max(16, 2 * waitStart.length);
            waitStart = Arrays.copyOf(waitStart, size);
            waitLimits = Arrays.copyOf(waitLimits, size);
            int old = waitProjections.length;
            waitProjections = Arrays.copyOf(waitProjections, size);
            for (int q = old; q < size; q++) {
                waitProjections[q] = new Projection(r);
            }
        }
        if (at + nnz > waitIndices.length) {
            int size = Math.max(at + nnz, 2 * waitIndices.length);
            waitIndices = Arrays.copyOf(waitIndices, size);
            waitValues = Arrays.copyOf(waitValues, size);
        }
        System.arraycopy(v.indices(), v.offset(), waitIndices, at, nnz);
        System.arraycopy(v.values(), v.offset(), waitValues, at, nnz);
        waitLimits[waiting] = limit;
        waiting++;
        waitStart[waiting] = at + nnz;
    }

    /** {@code view} pointed at waiting sparse column q. */
    private SparseColumn waitingColumn(SparseColumn view, int q) {
        return view.set(m, waitIndices, waitValues, waitStart[q], waitStart[q + 1] - waitStart[q]);
    }

    /**
     * Projects the waiting sparse columns on all lanes (W has not changed since they arrived: it
     * changes only between mini-batches), then, on this thread and in order, finds each one's
     * scale, records it and adds it to the mini-batch, as one thread does column by column. The
     * projections do not depend on the lane that makes them, so the model is bitwise the same for
     * any number of threads.
     */
    private void drainSparse() {
        int n = waiting;
        if (n == 0) {
            return;
        }
        waiting = 0;
        lanes.settle();
        Basis basis = state.current();
        lanes.run((n + SPARSE_UNIT - 1) / SPARSE_UNIT, (lane, u) -> {
            SparseColumn view = laneSparse[lane];
            Projector own = laneProjectors[lane];
            for (int q = u * SPARSE_UNIT, to = Math.min(n, q + SPARSE_UNIT); q < to; q++) {
                own.project(basis, waitingColumn(view, q), waitProjections[q]);
            }
        });
        for (int q = 0; q < n; q++) {
            Projection p = waitProjections[q];
            double s = scaleOf(p, waitLimits[q]);
            record(p, s);
            SparseColumn v = waitingColumn(laneSparse[0], q); // the lanes' job is done
            addTo(batch, v, p, s);
            if (batchColumns != null) {
                batchColumns.add(v);
            }
        }
    }

    /** Copies the waiting columns from ≤ q &lt; to that are still in the caller's array. */
    private void copyWaiting(int from, int to) {
        for (int q = from; q < to; q++) {
            if (groupSource[q] != null) {
                System.arraycopy(groupSource[q], groupSourceOffset[q], groupColumns[q], 0, m);
                groupSource[q] = null;
            }
        }
    }

    /** Room for the halves' sums (allocated once: 2 · m · r values). */
    private void ensureParts(int halves) {
        if (parts.length < halves) {
            SufficientStatistics.Part[] more = Arrays.copyOf(parts, halves);
            for (int u = parts.length; u < halves; u++) {
                more[u] = new SufficientStatistics.Part(m, r);
            }
            parts = more;
        }
    }

    /**
     * The projected group's bookkeeping (in its own method, so that HotSpot compiles it whole and
     * early rather than flushGroup loop by loop): each column's prequential record (with the
     * scale {@link #scale} found) and candidacy for re-seeding.
     */
    private void recordGroup(int n, int groups) {
        for (int q = 0; q < n; q++) {
            record(groupProjections[q], groupScales[q]);
            if (batchColumns != null) {
                batchColumns.add(groupView.set(groupColumns[q], 0, m));
            }
        }
        for (int g = 0; g < groups; g++) {
            if (!groupScaled[g]) {
                batch.countDense4();
                for (int q = 4 * g; q < 4 * g + 4; q++) {
                    batch.offerCandidate(groupView.set(groupColumns[q], 0, m), groupProjections[q].residualSq);
                }
            }
        }
        if (reservoir != null) {
            // the kept columns' weights and scales (unless a later column took the slot meanwhile);
            // the n waiting columns were the last offered, so column q came at position seen − n + 1 + q
            long first = reservoir.seen() - n + 1;
            for (int q = 0; q < n; q++) {
                int slot = groupSlot[q];
                if (slot >= 0 && reservoir.position(slot) == first + q) {
                    reservoir.learned(slot, groupProjections[q].h, groupScales[q]);
                }
            }
        }
    }

    /** The columns of the groups with an outsized item, and those after the last group, each with its scale. */
    private void addOneByOne(int n, int groups) {
        for (int g = 0; g < groups; g++) {
            if (groupScaled[g]) {
                for (int q = 4 * g; q < 4 * g + 4; q++) {
                    addTo(batch, groupView.set(groupColumns[q], 0, m), groupProjections[q], groupScales[q]);
                }
            }
        }
        for (int j = 4 * groups; j < n; j++) {
            addTo(batch, groupView.set(groupColumns[j], 0, m), groupProjections[j], groupScales[j]);
        }
    }

    /** Room for {@code n} waiting columns (rows of m allocated once, as the first mini-batch fills). */
    void ensureGroupCapacity(int n) {
        if (n <= groupColumns.length) {
            return;
        }
        int size = Math.max(n, Math.min(Math.max(4, config.batchSize()), 2 * groupColumns.length));
        int old = groupColumns.length;
        groupColumns = Arrays.copyOf(groupColumns, size);
        groupProjections = Arrays.copyOf(groupProjections, size);
        groupScales = Arrays.copyOf(groupScales, Math.max(size, 4));
        groupScaled = new boolean[size / 4 + 1];
        groupSlot = Arrays.copyOf(groupSlot, size);
        groupSource = Arrays.copyOf(groupSource, size);
        groupSourceOffset = Arrays.copyOf(groupSourceOffset, size);
        for (int j = old; j < size; j++) {
            groupColumns[j] = new double[m];
            groupProjections[j] = new Projection(r);
        }
    }

    /** A projector and views per lane. */
    private void allocateLanes() {
        int n = lanes.count();
        laneProjectors = new Projector[n];
        laneColumns = new double[n][4][];
        laneWeights = new double[n][4][];
        laneProjectors[0] = projector;
        laneCaps = new InfluenceCap[n];
        for (int lane = 0; lane < n; lane++) {
            laneCaps[lane] = new InfluenceCap(config.influenceCap());
        }
        for (int lane = 1; lane < n; lane++) {
            laneProjectors[lane] = new Projector(r);
        }
        laneSparse = new SparseColumn[n];
        for (int lane = 0; lane < n; lane++) {
            laneSparse[lane] = new SparseColumn(0, new int[0], new double[0], 0, 0);
        }
    }

    /**
     * Learns on {@code threads} threads from now on: the waiting columns of each mini-batch (dense
     * or sparse) are projected, and W updated, by all of them, and the dense columns' sums of A
     * and B too (sparse columns are added on the calling thread, in order; while they wait, their
     * copies take 12 bytes per nonzero of the mini-batch). The results are bitwise the same for
     * any number of threads. The threads are daemons; {@link #close()} ends them.
     *
     * @return this learner
     * @throws IllegalArgumentException if threads &lt; 1
     */
    public OnlineNmf threads(int threads) {
        return threads(threads, true);
    }

    /**
     * {@link #threads(int)}; with {@code waitForJit} false the threads share the work from the first
     * mini-batch on, instead of once the JIT compiler has gone quiet (tests that the results do not
     * depend on the threads need them to work from the start).
     */
    OnlineNmf threads(int threads, boolean waitForJit) {
        if (threads != lanes.count()) {
            drainSparse(); // on one thread sparse columns do not wait: those waiting go first
            Lanes next = new Lanes(threads, waitForJit);
            lanes.close();
            lanes = next;
            state.parallel(threads > 1 ? next : null);
            if (m > 0) {
                allocateLanes();
            }
        }
        return this;
    }

    /** Units of work done by this learner's other threads so far (for tests). */
    long unitsByOtherThreads() {
        return lanes.unitsByOtherLanes();
    }

    /** The number of threads this learner uses. */
    public int threads() {
        return lanes.count();
    }

    /** Ends the learner's extra threads (the learner still works afterwards, on one thread). */
    @Override
    public void close() {
        threads(1);
    }

    /** One mini-batch update: decay, add, update W (with refinement rounds), re-seed, publish. */
    private void update() {
        flushGroup();
        drainSparse();
        double beta = state.startBatch(batch.items());
        long next = state.current().version() + 1;
        SufficientStatistics statistics = state.statistics();
        if (batchColumns == null) {
            if (reservoir != null) {
                reservoir.absorb(batch);
            }
            state.absorbAndStep(beta, batch);
            if (reservoir != null) {
                reservoir.followNorms(state.lastNorms());
            }
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

    /**
     * The floating-point operations one dense column costs the learner under the Frobenius loss
     * with HALS (a multiply-add counts two), by a model of the kernels, not a count:
     * per column c = Wᵀv and B += v hᵀ (2mr each), ‖v‖² (2m), the exact solve and the residual
     * (about 8r²) and A += h hᵀ (2r²); per mini-batch, shared by its columns, the W update
     * (steps × (2mr² + 3mr)), the decay and merge of A and B, the normalisation and rescaling
     * (about 10mr) and the new basis's Gram matrix (m r (r + 1)).
     */
    public static double denseFlopsPerColumn(int m, NmfConfig config) {
        double r = config.rank();
        double perColumn = 4.0 * m * r + 2.0 * m + 10.0 * r * r;
        double perBatch = config.steps() * (2.0 * m * r * r + 3.0 * m * r) + 10.0 * m * r + m * r * (r + 1);
        return perColumn + perBatch / config.batchSize();
    }

    /** The whole state (settings, W, statistics, counters, columns not yet learned from) as versioned bytes. */
    public byte[] toBytes() {
        drainSparse(); // W has not changed since they arrived: the same as projecting them then
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
                || batchColumns != null && batchColumns.size() > 0 || grouped > 0 || waiting > 0;
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
        this.batchSize = config.batchSizeAt(state.items() - batch.items());
    }
}
