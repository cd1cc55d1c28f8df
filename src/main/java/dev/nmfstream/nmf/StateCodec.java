package dev.nmfstream.nmf;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;

/**
 * The state format of {@link ModelState} and {@link OnlineNmf}: one layout for both, the model's
 * part (settings, W, statistics, counters) and the library learner's part (the mini-batch not yet
 * learned from, the prequential sums, the bootstrap sample, the refinement buffer, the columns
 * gathered for the four-column grouping), which is empty for a bare model state.
 *
 * <pre>
 * magic "NMFS"(int32) format(int32)
 * rank batchSize steps (int32) forgetting rho, power (f64) rule(UTF) refineRounds(int32)
 * initialization(UTF) bootstrapSize(int32) learning(bool) seed(int64) influenceCap(f64, format ≥ 2)
 * m(int32), and if m &gt; 0:
 *   hasBasis(bool) [version(int64) W: r components of m f64 (stored values), (format ≥ 4) their factors: r f64
 *     and G = WᵀW as the basis holds it: r × r f64]
 *   statistics (SufficientStatistics.writeTo)
 *   hasBatch(bool) [batch statistics]
 *   items batches (int64) prequentialResidualSq prequentialNormSq (f64) reseeds(int64) grace r×int32
 *   hasBootstrap(bool) [ColumnBuffer]  hasBatchColumns(bool) [ColumnBuffer]
 *   grouped(int32, 0..3) grouped columns m f64 each
 *   (format ≥ 2) the grouped columns' scale limits (f64 each), the influence cap's window
 *   (format ≥ 3) loss(UTF, "FROBENIUS" or "KL") prequential divergence sum, mass sum (f64)
 * </pre>
 * Format 1 (without the influence cap) is read with the default cap and an empty window; formats 1
 * and 2 (before the KL loss) as Frobenius models; formats 1 to 3 (before G was kept) with G
 * computed from W and factors 1. The engine keeps W as stored values times a factor per component
 * and carries G through its updates (from the rows a partial update changed, or from each block
 * of a full one); W folded into one array, or G computed again from it, can differ in the last
 * bits, so format 4 keeps both as they are and a restored model continues bitwise.
 * All big-endian (DataOutput).
 */
final class StateCodec {

    private static final int MAGIC = 0x4E4D4653; // "NMFS"
    private static final int FORMAT = 4;
    /** The format before G was kept, still read (G computed from W). */
    private static final int FORMAT_3 = 3;
    /** The format before the KL loss, still read (as a Frobenius model). */
    private static final int FORMAT_2 = 2;
    /** The format before the influence cap, still read. */
    private static final int FORMAT_1 = 1;

    private StateCodec() {}

    /**
     * The state as bytes.
     *
     * @param learner the library learner built on {@code state}, or null for a bare model state
     */
    static byte[] toBytes(ModelState state, OnlineNmf learner) {
        NmfConfig config = learner != null ? learner.config() : state.config();
        int m = state.dim();
        int r = state.rank();
        // sized for W and the model's statistics up front: a stream that grows as a model of
        // megabytes is written copies it several times (the updater saves it every update)
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(
                (int) Math.min(1 << 30, 8L * m * r + (m == 0 ? 0 : state.statistics().denseBytes()) + 4096));
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
            out.writeDouble(config.influenceCap());
            out.writeUTF(config.loss().name());
            out.writeInt(m);
            if (m == 0) {
                return bytes.toByteArray();
            }
            Basis basis = state.current(); // as it is: basis() would fold it for handing out
            out.writeBoolean(basis != null);
            if (basis != null) {
                out.writeLong(basis.version());
                for (double[] wk : state.w()) {
                    SufficientStatistics.writeDoubles(out, wk);
                }
                SufficientStatistics.writeDoubles(out, state.wScale());
                SufficientStatistics.writeDoubles(out, basis.g);
            }
            state.statistics().writeTo(out);
            // the mini-batch is often empty (always for a bare model state): no zeros then
            SufficientStatistics batch = learner == null ? null : learner.batch();
            out.writeBoolean(batch != null && batch.items() > 0);
            if (batch != null && batch.items() > 0) {
                batch.writeTo(out);
            }
            out.writeLong(state.items());
            out.writeLong(state.batches());
            out.writeDouble(learner == null ? 0.0 : learner.prequentialResidualSq());
            out.writeDouble(learner == null ? 0.0 : learner.seenNormSq());
            out.writeLong(state.reseeds());
            for (int k = 0; k < r; k++) {
                out.writeInt(state.grace()[k]);
            }
            ColumnBuffer bootstrap = learner == null ? null : learner.bootstrap();
            out.writeBoolean(bootstrap != null);
            if (bootstrap != null) {
                bootstrap.writeTo(out);
            }
            ColumnBuffer batchColumns = learner == null ? null : learner.batchColumns();
            out.writeBoolean(batchColumns != null);
            if (batchColumns != null) {
                batchColumns.writeTo(out);
            }
            int grouped = learner == null ? 0 : learner.grouped();
            out.writeInt(grouped);
            for (int q = 0; q < grouped; q++) {
                for (double x : learner.groupColumns()[q]) {
                    out.writeDouble(x);
                }
            }
            for (int q = 0; q < grouped; q++) {
                out.writeDouble(learner.groupScales()[q]);
            }
            if (learner != null) {
                learner.cap().writeTo(out);
            } else {
                new InfluenceCap(config.influenceCap()).writeTo(out);
            }
            out.writeDouble(learner == null ? 0.0 : learner.prequentialDivergenceSum());
            out.writeDouble(learner == null ? 0.0 : learner.seenMass());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /**
     * Restores the state written by {@link #toBytes} as a library learner (whose
     * {@link OnlineNmf#state()} is the model), with the settings it was saved with.
     *
     * @throws IllegalArgumentException if the bytes are not such a state, or of another format version
     */
    static OnlineNmf fromBytes(byte[] data) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(data))) {
            int magic = in.readInt();
            if (magic != MAGIC) {
                throw new IllegalArgumentException("not an nmf-stream model state (magic " + Integer.toHexString(magic)
                        + ", expected " + Integer.toHexString(MAGIC) + ")");
            }
            int format = in.readInt();
            if (format != FORMAT && format != FORMAT_3 && format != FORMAT_2 && format != FORMAT_1) {
                throw new IllegalArgumentException("model state format " + format + ", this version reads formats "
                        + FORMAT_1 + " to " + FORMAT);
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
            double influenceCap = format >= FORMAT_2 ? in.readDouble() : InfluenceCap.DEFAULT_FACTOR;
            Loss loss = format >= FORMAT_3 ? Loss.valueOf(in.readUTF()) : Loss.FROBENIUS;
            NmfConfig config = new NmfConfig(rank, batchSize, steps, new Forgetting(rho, power), rule, refine, init,
                    bootstrapSize, learning, seed, influenceCap, loss);
            OnlineNmf nmf = new OnlineNmf(config);
            int m = in.readInt();
            if (m == 0) {
                return nmf;
            }
            nmf.allocate(m);
            ModelState state = nmf.state();
            Basis basis = null;
            double[][] w = null;
            double[] wScale = null;
            if (in.readBoolean()) {
                long version = in.readLong();
                w = new double[rank][m];
                for (double[] wk : w) {
                    SufficientStatistics.readDoubles(in, wk);
                }
                double[] gram = null;
                if (format >= FORMAT) {
                    wScale = new double[rank];
                    SufficientStatistics.readDoubles(in, wScale);
                    gram = new double[rank * rank];
                    SufficientStatistics.readDoubles(in, gram);
                }
                basis = Basis.fromComponents(m, rank, w, wScale, version, gram);
            }
            SufficientStatistics statistics = SufficientStatistics.readFrom(in);
            SufficientStatistics batch = in.readBoolean() ? SufficientStatistics.readFrom(in)
                    : new SufficientStatistics(m, rank);
            if (statistics.dim() != m || statistics.rank() != rank || batch.dim() != m || batch.rank() != rank) {
                throw new IllegalArgumentException("model state: statistics do not match " + m + " × " + rank);
            }
            long items = in.readLong();
            long batches = in.readLong();
            double prequentialResidualSq = in.readDouble();
            double prequentialNormSq = in.readDouble();
            long reseeds = in.readLong();
            state.restore(basis, w, wScale, statistics, items, batches, reseeds);
            for (int k = 0; k < rank; k++) {
                state.grace()[k] = in.readInt();
            }
            ColumnBuffer bootstrap = in.readBoolean() ? ColumnBuffer.readFrom(in) : null;
            ColumnBuffer batchColumns = in.readBoolean() ? ColumnBuffer.readFrom(in) : null;
            int grouped = in.readInt();
            if (grouped < 0 || grouped >= Math.max(4, config.batchSize())) {
                throw new IllegalArgumentException("model state: " + grouped + " waiting columns, expected 0.."
                        + (Math.max(4, config.batchSize()) - 1));
            }
            nmf.ensureGroupCapacity(grouped);
            for (int q = 0; q < grouped; q++) {
                for (int i = 0; i < m; i++) {
                    nmf.groupColumns()[q][i] = in.readDouble();
                }
            }
            if (format >= FORMAT_2) {
                for (int q = 0; q < grouped; q++) {
                    nmf.groupScales()[q] = in.readDouble();
                }
                nmf.cap().readFrom(in);
            } else {
                Arrays.fill(nmf.groupScales(), 1.0);
            }
            if (format >= FORMAT_3) {
                nmf.restoreDivergence(in.readDouble(), in.readDouble());
            }
            nmf.restore(batch, prequentialResidualSq, prequentialNormSq, bootstrap, batchColumns, grouped);
            if (in.read() != -1) {
                throw new IllegalArgumentException("model state has trailing bytes");
            }
            return nmf;
        } catch (IOException e) {
            throw new IllegalArgumentException("model state is truncated or corrupt: " + e.getMessage(), e);
        }
    }
}
