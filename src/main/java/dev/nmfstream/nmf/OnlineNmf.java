package dev.nmfstream.nmf;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.SplittableRandom;

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
 * <p>The whole state serialises with {@link #toBytes()}; {@link #fromBytes} continues exactly
 * where it stopped (bitwise the same W as an uninterrupted run).
 *
 * <p>Not thread-safe. The per-column path allocates nothing.
 */
public final class OnlineNmf {

    private static final int MAGIC = 0x4E4D4653; // "NMFS"
    private static final int FORMAT = 1;
    /** Batches a re-seeded component is left alone before it can be declared dead again. */
    static final int GRACE_BATCHES = 10;
    /** Weight of a re-seeded component's statistics, relative to the mean diagonal of A. */
    static final double RESEED_WEIGHT = 1e-2;

    private final NmfConfig config;
    private final int r;
    private int m;
    private Basis basis;
    /** The working W, r component arrays of length m. */
    private double[][] w;
    private SufficientStatistics model;
    private SufficientStatistics batch;
    private SufficientStatistics base;
    private BasisUpdater updater;
    private Projector projector;
    private Projection projection;
    private ColumnBuffer bootstrap;
    private ColumnBuffer batchColumns;
    private long items;
    private long batches;
    private double prequentialResidualSq;
    private double prequentialNormSq;
    private long reseeds;
    private int[] grace;
    private double[] norms;
    /** Up to three dense columns (copies) waiting to be projected and added four at a time; weights scratch. */
    private double[][] pendingColumns;
    private double[][] pendingWeights;
    private int pending;
    private Projection[] projections4;
    private DenseColumn pendingView;

    /** A model that makes its first basis from the stream's first columns. */
    public OnlineNmf(NmfConfig config) {
        this.config = config;
        this.r = config.rank();
    }

    /** A model that starts from the given basis (warm start; with learning off, a fixed basis). */
    public static OnlineNmf withBasis(NmfConfig config, Basis initial) {
        if (initial.rank() != config.rank()) {
            throw new IllegalArgumentException("basis of rank " + initial.rank() + ", the configuration says rank "
                    + config.rank());
        }
        OnlineNmf nmf = new OnlineNmf(config);
        nmf.allocate(initial.dim());
        nmf.w = initial.toComponents();
        nmf.basis = initial;
        nmf.bootstrap = null;
        return nmf;
    }

    private void allocate(int dim) {
        if (dim <= 0) {
            throw new IllegalArgumentException("column of dimension " + dim + ", expected a positive dimension");
        }
        m = dim;
        model = new SufficientStatistics(m, r);
        batch = new SufficientStatistics(m, r);
        updater = new BasisUpdater(m, r);
        projector = new Projector(r);
        projection = new Projection(r);
        grace = new int[r];
        norms = new double[r];
        pendingColumns = new double[4][m];
        pendingWeights = new double[4][r];
        projections4 = new Projection[] {new Projection(r), new Projection(r), new Projection(r), new Projection(r)};
        pendingView = new DenseColumn(new double[0], 0, 0);
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
        return basis;
    }

    /** The model's statistics (A, B, counts), live: do not modify. */
    public SufficientStatistics statistics() {
        return model;
    }

    /** Columns learned from (projected on arrival), bootstrap columns included once processed. */
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
        if (basis == null) {
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
        if (basis == null && bootstrap.size() > 0) {
            initializeFromBootstrap();
        }
        if (config.learning() && batch.items() + pending > 0) {
            update();
        }
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
        basis = new Basis(m, r, Initializer.initialize(config.initialization(), buffer, m, r, config.seed()), 0);
        w = basis.toComponents();
        bootstrap = null;
        return basis;
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
            basis = Basis.trusted(m, r, w, version);
        }
    }

    /**
     * The weight of statistics computed with an older basis: they count as if they had been
     * absorbed when that basis was current, i.e. with the forgetting of every update since
     * (Π ρ_u over the {@code version() − basisVersion} most recent batches; (t_then / t_now)^p
     * for the default schedule). 1 for the current basis. Projections made with a basis many
     * updates old describe a model that no longer exists; without this a backlog projected with
     * the first basis weighs on the model for a hundred thousand items (BENCHMARKS.md).
     *
     * @param basisVersion the version the statistics' weights were computed with
     * @return a factor in (0, 1] to {@link SufficientStatistics#decay} them with before merging
     */
    public double staleWeight(long basisVersion) {
        if (basis == null) {
            return 1.0;
        }
        long lag = basis.version() - basisVersion;
        long t = batches + 1;
        double weight = 1.0;
        for (long u = t; u > t - lag && u >= 2 && weight > 1e-12; u--) {
            weight *= config.forgetting().factor(u);
        }
        return Math.max(weight, 1e-12);
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
    public Basis learnFromStatistics(SufficientStatistics statistics) {
        if (basis == null) {
            throw new IllegalStateException("no basis yet: initialise the model first");
        }
        if (!config.learning()) {
            throw new IllegalStateException("learning is off (fixed basis)");
        }
        if (statistics.dim() != m || statistics.rank() != r) {
            throw new IllegalArgumentException("statistics of " + statistics.dim() + " × " + statistics.rank()
                    + ", the model is " + m + " × " + r);
        }
        items += statistics.items();
        batches++;
        model.absorb(config.forgetting().factor(batches), statistics);
        step(null);
        reseedDead();
        basis = Basis.trusted(m, r, w, basis.version() + 1);
        return basis;
    }

    /** Projects a column on the current basis, without learning from it. Allocates the result. */
    public Projection project(Column v) {
        return project(v, new Projection(r));
    }

    /** Projects a column on the current basis into {@code out}, without learning. No allocation. */
    public Projection project(Column v, Projection out) {
        if (basis == null) {
            throw new IllegalStateException("no basis yet: the first " + config.effectiveBootstrapSize()
                    + " columns make it (" + (bootstrap == null ? 0 : bootstrap.size()) + " so far), or call flush()");
        }
        return projector.project(basis, v, out);
    }

    private void initializeFromBootstrap() {
        basis = new Basis(m, r, Initializer.initialize(config.initialization(), bootstrap, m, r, config.seed()), 0);
        w = basis.toComponents();
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
                && (pending > 0 || config.batchSize() - batch.items() >= 4);
        if (!group) {
            flushPending();
            projector.project(basis, v, projection);
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
        System.arraycopy(dense.data(), dense.offset(), pendingColumns[pending], 0, m);
        if (++pending < 4) {
            return;
        }
        pending = 0;
        projector.project4(basis, pendingColumns, projections4);
        for (int q = 0; q < 4; q++) {
            record(projections4[q]);
            System.arraycopy(projections4[q].h, 0, pendingWeights[q], 0, r);
        }
        batch.addDense4(pendingColumns, pendingWeights);
        for (int q = 0; q < 4; q++) {
            Column c = pendingView.set(pendingColumns[q], 0, m);
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
        items++;
        prequentialResidualSq += p.residualSq;
        prequentialNormSq += p.normSq;
    }

    /** Projects and adds the dense columns still gathered (fewer than four), one by one. */
    private void flushPending() {
        int n = pending;
        pending = 0;
        for (int q = 0; q < n; q++) {
            Column v = pendingView.set(pendingColumns[q], 0, m);
            projector.project(basis, v, projection);
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
        flushPending();
        batches++;
        double beta = config.forgetting().factor(batches);
        long next = basis.version() + 1;
        if (batchColumns == null) {
            model.absorb(beta, batch);
            step(null);
        } else {
            base.copyFrom(model);
            base.clearCandidates();
            base.decay(beta);
            for (int round = 0; round <= config.refineRounds(); round++) {
                if (round > 0) {
                    // re-project the batch with the refined W and swap its contribution
                    basis = Basis.fromComponents(m, r, w, next);
                    batch.clear();
                    for (int q = 0; q < batchColumns.size(); q++) {
                        Column v = batchColumns.get(q);
                        projector.project(basis, v, projection);
                        batch.add(v, projection.h);
                        batch.offerCandidate(v, projection.residualSq);
                    }
                }
                model.copyFrom(base);
                model.merge(batch);
                step(base);
            }
            batchColumns.clear();
            batch.clear();
        }
        reseedDead();
        basis = Basis.trusted(m, r, w, next);
    }

    /** Updates W on the model's statistics and normalises it (rescaling {@code alsoRescale} too). */
    private void step(SufficientStatistics alsoRescale) {
        double floor = updater.floorFor(w);
        updater.update(config.rule(), w, model, config.steps(), floor);
        updater.normalize(w, model, norms);
        if (alsoRescale != null) {
            double[] inverse = new double[r];
            for (int k = 0; k < r; k++) {
                inverse[k] = 1.0 / norms[k];
            }
            alsoRescale.rescale(inverse);
        }
    }

    private void reseedDead() {
        double floor = BasisUpdater.FLOOR;
        double collapsed = 2 * floor * Math.sqrt(m);
        double meanDiag = 0;
        for (int k = 0; k < r; k++) {
            meanDiag += model.a(k, k);
        }
        meanDiag /= r;
        boolean[] used = null;
        for (int k = 0; k < r; k++) {
            if (grace[k] > 0) {
                grace[k]--;
                continue;
            }
            if (!updater.isDead(model, k, norms[k], collapsed)) {
                continue;
            }
            if (used == null) {
                used = new boolean[SufficientStatistics.CANDIDATES];
            }
            int best = -1;
            for (int q = 0; q < model.candidateCount(); q++) {
                if (!used[q] && (best < 0 || model.candidateScore(q) > model.candidateScore(best))) {
                    best = q;
                }
            }
            if (best >= 0) {
                used[best] = true;
            }
            SplittableRandom random = new SplittableRandom(config.seed() ^ (0x9E3779B97F4A7C15L * (batches + 31L * k)));
            double tau = RESEED_WEIGHT * (meanDiag > 0 ? meanDiag : 1.0);
            updater.reseed(w, model, k, best, tau, random);
            grace[k] = GRACE_BATCHES;
            reseeds++;
        }
    }

    /** The whole state (settings, W, statistics, counters, pending columns) as versioned bytes. */
    public byte[] toBytes() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(MAGIC);
            out.writeInt(FORMAT);
            out.writeInt(config.rank());
            out.writeInt(config.batchSize());
            out.writeInt(config.steps());
            out.writeDouble(config.forgetting().rho());
            out.writeDouble(config.forgetting().power());
            out.writeUTF(config.rule().name());
            out.writeInt(config.refineRounds());
            out.writeUTF(config.initialization().name());
            out.writeInt(config.bootstrapSize());
            out.writeBoolean(config.learning());
            out.writeLong(config.seed());
            out.writeInt(m);
            if (m > 0) {
                out.writeBoolean(basis != null);
                if (basis != null) {
                    out.writeLong(basis.version());
                    for (double[] wk : w) {
                        SufficientStatistics.writeDoubles(out, wk);
                    }
                }
                model.writeTo(out);
                // the pending batch is often empty (always, in the streaming updater): no zeros then
                out.writeBoolean(batch.items() > 0);
                if (batch.items() > 0) {
                    batch.writeTo(out);
                }
                out.writeLong(items);
                out.writeLong(batches);
                out.writeDouble(prequentialResidualSq);
                out.writeDouble(prequentialNormSq);
                out.writeLong(reseeds);
                for (int k = 0; k < r; k++) {
                    out.writeInt(grace[k]);
                }
                out.writeBoolean(bootstrap != null);
                if (bootstrap != null) {
                    bootstrap.writeTo(out);
                }
                out.writeBoolean(batchColumns != null);
                if (batchColumns != null) {
                    batchColumns.writeTo(out);
                }
                out.writeInt(pending);
                for (int q = 0; q < pending; q++) {
                    for (double x : pendingColumns[q]) {
                        out.writeDouble(x);
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /**
     * Restores a model from {@link #toBytes()}.
     *
     * @throws IllegalArgumentException if the bytes are not such a state, or of another format version
     */
    public static OnlineNmf fromBytes(byte[] data) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(data))) {
            int magic = in.readInt();
            if (magic != MAGIC) {
                throw new IllegalArgumentException("not an nmf-stream model state (magic " + Integer.toHexString(magic)
                        + ", expected " + Integer.toHexString(MAGIC) + ")");
            }
            int format = in.readInt();
            if (format != FORMAT) {
                throw new IllegalArgumentException("model state format " + format + ", this version reads format "
                        + FORMAT);
            }
            int rank = in.readInt();
            int batchSize = in.readInt();
            int steps = in.readInt();
            double rho = in.readDouble();
            double power = in.readDouble();
            UpdateRule rule = UpdateRule.valueOf(in.readUTF());
            int refine = in.readInt();
            Initialization init = Initialization.valueOf(in.readUTF());
            int bootstrapSize = in.readInt();
            boolean learning = in.readBoolean();
            long seed = in.readLong();
            NmfConfig config = new NmfConfig(rank, batchSize, steps, new Forgetting(rho, power), rule, refine, init,
                    bootstrapSize, learning, seed);
            OnlineNmf nmf = new OnlineNmf(config);
            int m = in.readInt();
            if (m == 0) {
                return nmf;
            }
            nmf.allocate(m);
            if (in.readBoolean()) {
                long version = in.readLong();
                nmf.w = new double[rank][m];
                for (double[] wk : nmf.w) {
                    SufficientStatistics.readDoubles(in, wk);
                }
                nmf.basis = Basis.fromComponents(m, rank, nmf.w, version);
            }
            nmf.model = SufficientStatistics.readFrom(in);
            nmf.batch = in.readBoolean() ? SufficientStatistics.readFrom(in) : new SufficientStatistics(m, rank);
            if (nmf.model.dim() != m || nmf.model.rank() != rank || nmf.batch.dim() != m || nmf.batch.rank() != rank) {
                throw new IllegalArgumentException("model state: statistics do not match " + m + " × " + rank);
            }
            nmf.items = in.readLong();
            nmf.batches = in.readLong();
            nmf.prequentialResidualSq = in.readDouble();
            nmf.prequentialNormSq = in.readDouble();
            nmf.reseeds = in.readLong();
            for (int k = 0; k < rank; k++) {
                nmf.grace[k] = in.readInt();
            }
            nmf.bootstrap = in.readBoolean() ? ColumnBuffer.readFrom(in) : null;
            if (in.readBoolean()) {
                nmf.batchColumns = ColumnBuffer.readFrom(in);
            }
            int pending = in.readInt();
            if (pending < 0 || pending > 3) {
                throw new IllegalArgumentException("model state: " + pending + " pending columns, expected 0..3");
            }
            for (int q = 0; q < pending; q++) {
                for (int i = 0; i < m; i++) {
                    nmf.pendingColumns[q][i] = in.readDouble();
                }
            }
            nmf.pending = pending;
            if (in.read() != -1) {
                throw new IllegalArgumentException("model state has trailing bytes");
            }
            return nmf;
        } catch (IOException e) {
            throw new IllegalArgumentException("model state is truncated or corrupt: " + e.getMessage(), e);
        }
    }
}
