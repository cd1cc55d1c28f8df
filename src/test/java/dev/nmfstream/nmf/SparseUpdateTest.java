package dev.nmfstream.nmf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nmfstream.nmf.synth.PlantedTopics;
import dev.nmfstream.nmf.synth.Recovery;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The W update of sparse mini-batches on the rows they touched ({@link ModelState}, partial
 * sweeps with a full one every {@link ModelState#FULL_SWEEP_EVERY} batches' worth of items)
 * against the update of every row (the same documents given as dense columns, whose batches
 * touch every row), and the Gram matrix carried through partial updates by the touched rows.
 */
class SparseUpdateTest {

    private static final int M = 10_000;
    private static final int R = 8;
    private static final int DOCUMENTS = 24_000;
    private static final int BATCH = 256;

    @Test
    void updatingTheTouchedRowsRecoversPlantedTopicsAsTheFullUpdateDoes() {
        // 8 topics of 1,000 terms each over 10,000: a batch of 256 documents touches about a third of the rows
        PlantedTopics topics = new PlantedTopics(M, R, 1_000, 30, 0.1, 21);
        List<SparseColumn> docs = documents(topics, DOCUMENTS);
        NmfConfig config = NmfConfig.defaults(R).withBatchSize(BATCH);
        OnlineNmf sparse = new OnlineNmf(config);
        OnlineNmf dense = new OnlineNmf(config);
        int[] rows = new int[M];
        for (SparseColumn v : docs) {
            sparse.partialFit(v);
            dense.partialFit(DenseColumn.of(toDense(v)));
        }
        // how much of W a batch touched (the approximation is used only below half)
        SufficientStatistics one = new SufficientStatistics(M, R);
        double[] h = new double[R];
        Arrays.fill(h, 1);
        for (int j = 0; j < BATCH; j++) {
            one.add(docs.get(j), h);
        }
        int touched = one.touchedRows(rows);
        assertTrue(touched > 0 && touched <= ModelState.PARTIAL_SWEEP_MAX_FRACTION * M,
                touched + " rows touched by a batch, expected few enough for the partial update");

        Recovery partial = Recovery.match(topics.trueBasis(), sparse.basis().toRowMajor(), M, R);
        Recovery full = Recovery.match(topics.trueBasis(), dense.basis().toRowMajor(), M, R);
        assertTrue(partial.worst() > 0.9, "partial update, worst matched cosine " + partial.worst());
        assertTrue(partial.worst() >= full.worst() - 0.01,
                "worst matched cosine " + partial.worst() + " (touched rows) vs " + full.worst() + " (all rows)");
        double partialError = relativeError(sparse.basis(), docs);
        double fullError = relativeError(dense.basis(), docs);
        assertTrue(partialError <= 1.005 * fullError,
                "relative error " + partialError + " (touched rows) vs " + fullError + " (all rows)");
        assertEquals(sparse.batches(), dense.batches());
    }

    @Test
    void theGramMatrixCarriedThroughPartialUpdatesIsTheOneOfTheNewBasis() {
        PlantedTopics topics = new PlantedTopics(M, R, 1_000, 30, 0.1, 5);
        OnlineNmf nmf = new OnlineNmf(NmfConfig.defaults(R).withBatchSize(BATCH));
        int[] idx = new int[M];
        double[] val = new double[M];
        long checked = 0;
        long version = -1;
        for (int j = 0; j < 6_000; j++) {
            int nnz = topics.next(idx, val);
            nmf.partialFit(new SparseColumn(M, Arrays.copyOf(idx, nnz), Arrays.copyOf(val, nnz), 0, nnz));
            if (nmf.batches() > 0 && nmf.basis().version() != version) {
                Basis basis = nmf.basis();
                version = basis.version();
                double[] carried = basis.gram();
                double[] fresh = Basis.gram(basis.wt, M, R);
                for (int q = 0; q < R * R; q++) {
                    assertEquals(fresh[q], carried[q], 1e-12,
                            "G[" + q / R + "][" + q % R + "] after version " + version);
                }
                checked++;
            }
        }
        // the ramp's batches of 16 and up, then batches of 256: partial updates among them
        assertTrue(checked > 20, checked + " versions checked");
    }

    /**
     * A learner whose basis nobody holds remakes it by the rows a partial update changed
     * ({@link Basis#refillRows}): through its accessors, its Gram matrix and its projections it is
     * the learner's W copied whole; and handed out, its factors are folded into its values.
     */
    @Test
    void aBasisRemadeByTheRowsThatChangedIsTheWorkingW() {
        PlantedTopics topics = new PlantedTopics(M, R, 1_000, 30, 0.1, 9);
        OnlineNmf nmf = new OnlineNmf(NmfConfig.defaults(R).withBatchSize(BATCH));
        Projector projector = new Projector(R);
        Projection onRows = new Projection(R);
        Projection onWhole = new Projection(R);
        int[] idx = new int[M];
        double[] val = new double[M];
        long version = -1;
        int remade = 0;
        for (int j = 0; j < 8_000; j++) {
            int nnz = topics.next(idx, val);
            SparseColumn doc = new SparseColumn(M, Arrays.copyOf(idx, nnz), Arrays.copyOf(val, nnz), 0, nnz);
            nmf.partialFit(doc);
            Basis current = nmf.state().current();
            if (current == null || current.version() == version) {
                continue;
            }
            version = current.version();
            if (current.factored) {
                remade++;
            }
            double[][] w = working(nmf.state());
            Basis whole = Basis.fromComponents(M, R, w, version);
            for (int k = 0; k < R; k++) {
                // the basis mirrors the model's stored values and factors bit for bit
                assertEquals(nmf.state().wScale()[k], current.scale[k], "factor " + k + " of version " + version);
                for (int i = 0; i < M; i++) {
                    assertEquals(nmf.state().w()[k][i], current.wt[k * M + i],
                            "stored W[" + i + "][" + k + "] of version " + version);
                    assertEquals(current.wt[k * M + i], current.w[i * R + k]);
                }
                double[] component = current.component(k);
                for (int i = 0; i < M; i++) {
                    assertEquals(w[k][i], component[i], "W[" + i + "][" + k + "] of version " + version);
                }
            }
            double[] g = current.gram();
            double[] fresh = whole.gram();
            for (int q = 0; q < R * R; q++) {
                assertEquals(fresh[q], g[q], 1e-10, "G[" + q / R + "][" + q % R + "] of version " + version);
            }
            projector.project(current, doc, onRows);
            projector.project(whole, doc, onWhole);
            for (int k = 0; k < R; k++) {
                assertEquals(onWhole.h[k], onRows.h[k], 1e-9 * (1 + Math.abs(onWhole.h[k])),
                        "h[" + k + "] on version " + version);
            }
            assertEquals(onWhole.residualSq, onRows.residualSq, 1e-9 * (1 + onWhole.normSq));
        }
        // the ramp's small batches and later ones touch under half of the rows: most versions remade by rows
        assertTrue(remade > 20, remade + " versions remade by their changed rows");
        Basis held = nmf.basis();
        assertTrue(!held.factored, "a basis handed out has no factors");
        double[][] w = working(nmf.state());
        for (int k = 0; k < R; k++) {
            assertEquals(0.0, TestData.maxDifference(w[k], held.component(k)), 1e-13, "component " + k + " handed out");
        }
    }

    /** The model's working W: its stored values times their factors. */
    private static double[][] working(ModelState state) {
        double[][] w = new double[R][];
        for (int k = 0; k < R; k++) {
            w[k] = state.w()[k].clone();
            for (int i = 0; i < w[k].length; i++) {
                w[k][i] *= state.wScale()[k];
            }
        }
        return w;
    }

    /**
     * A learner saved while its basis is remade by rows (factored) and restored continues bitwise
     * as the one never stopped: the state keeps W's stored values, their factors and G as the
     * basis holds them. Before format 4 it kept W folded and computed G again, and the two
     * learners parted in the last bits at the next update.
     */
    @Test
    void aLearnerSavedBetweenPartialUpdatesContinuesBitwise() {
        List<SparseColumn> docs = documents(new PlantedTopics(M, R, 1_000, 30, 0.1, 5), 6_000);
        OnlineNmf nmf = new OnlineNmf(NmfConfig.defaults(R).withBatchSize(BATCH));
        List<OnlineNmf> resumed = new ArrayList<>();
        for (int j = 0; j < docs.size(); j++) {
            nmf.partialFit(docs.get(j));
            for (OnlineNmf other : resumed) {
                other.partialFit(docs.get(j));
            }
            // saved mid-batch, at three points of the pass, while the basis carries factors
            if ((j == 1_000 || j == 3_001 || j == 4_567) && nmf.state().current().factored) {
                resumed.add(OnlineNmf.fromBytes(nmf.toBytes()));
            }
        }
        assertEquals(3, resumed.size(), "saves while the basis was remade by rows");
        nmf.flush();
        for (OnlineNmf other : resumed) {
            other.flush();
            assertEquals(nmf.state().batches(), other.state().batches());
            assertTrue(Arrays.equals(nmf.basis().toRowMajor(), other.basis().toRowMajor()), "W after the pass");
            assertEquals(nmf.prequentialError(), other.prequentialError());
        }
    }

    /**
     * Asking a learner for its basis in the middle of a mini-batch changes nothing it learns, on
     * sparse or dense columns: a basis with factors is handed out as a copy with them folded in,
     * the working one stays as it is.
     */
    @Test
    void askingForTheBasisMidBatchChangesNothingLearned() {
        List<SparseColumn> docs = documents(new PlantedTopics(M, R, 1_000, 30, 0.1, 6), 3_000);
        for (boolean dense : new boolean[] {false, true}) {
            OnlineNmf quiet = new OnlineNmf(NmfConfig.defaults(R).withBatchSize(BATCH));
            OnlineNmf asked = new OnlineNmf(NmfConfig.defaults(R).withBatchSize(BATCH));
            int factored = 0;
            for (int j = 0; j < docs.size(); j++) {
                Column v = dense ? DenseColumn.of(toDense(docs.get(j))) : docs.get(j);
                quiet.partialFit(v);
                asked.partialFit(v);
                if (j % 97 == 13 && asked.state().current() != null) {
                    factored += asked.state().current().factored ? 1 : 0;
                    Basis held = asked.basis();
                    assertTrue(!held.factored, "a basis handed out has no factors");
                    assertTrue(held == asked.basis(), "the same copy until the basis changes");
                }
            }
            String what = dense ? "dense" : "sparse";
            assertTrue(factored > 10, what + ": " + factored + " requests met a basis with factors");
            quiet.flush();
            asked.flush();
            assertTrue(Arrays.equals(quiet.basis().toRowMajor(), asked.basis().toRowMajor()), what + ": W");
            assertEquals(quiet.prequentialError(), asked.prequentialError(), what);
        }
    }

    @Test
    void updateRowsGivesEachRowWhatTheFullUpdateGivesIt() {
        SplittableRandom random = new SplittableRandom(4);
        int m = 300;
        int r = 5;
        Basis basis = new Basis(m, r, TestData.randomW(random, m, r, 0.5), 0);
        SufficientStatistics s = statisticsOn(basis, random, 200);
        double[][] full = basis.toComponents();
        double[][] some = basis.toComponents();
        int[] rows = {7, 3, 250, 299, 0, 120};
        BasisUpdater updater = new BasisUpdater(m, r);
        double floor = updater.floorFor(full);
        updater.update(UpdateRule.HALS, full, s, 2, floor);
        updater.updateRows(UpdateRule.HALS, some, s, 2, floor, rows, rows.length);
        double[][] before = basis.toComponents();
        boolean[] listed = new boolean[m];
        for (int i : rows) {
            listed[i] = true;
        }
        for (int k = 0; k < r; k++) {
            for (int i = 0; i < m; i++) {
                assertEquals(listed[i] ? full[k][i] : before[k][i], some[k][i], 0.0, "W[" + i + "][" + k + "]");
            }
        }
    }

    /**
     * The update of the touched rows on several lanes (a block of rows per unit, each block's Gram
     * products kept apart and added in block order) gives W and the change of G bitwise as on one
     * thread, for both rules, with the rows in several blocks and the lanes doing some of them.
     */
    @Test
    void updateRowsOnLanesIsBitwiseTheOneThreadUpdate() {
        SplittableRandom random = new SplittableRandom(8);
        int m = 6_000;
        int r = 24; // blocks of 910 rows: the 3,001 rows below are four blocks, the last one short
        Basis basis = new Basis(m, r, TestData.randomW(random, m, r, 0.5), 0);
        SufficientStatistics s = statisticsOn(basis, random, 100);
        int[] rows = new int[3_001];
        for (int x = 0; x < rows.length; x++) {
            rows[x] = (int) ((x * 7919L) % m); // distinct, out of order
        }
        try (Lanes lanes = new Lanes(3, false)) {
            for (UpdateRule rule : UpdateRule.values()) {
                BasisUpdater alone = new BasisUpdater(m, r);
                BasisUpdater shared = new BasisUpdater(m, r);
                shared.parallel(lanes);
                double[][] one = basis.toComponents();
                double[][] many = basis.toComponents();
                double floor = alone.floorFor(one);
                // W kept as stored values times a factor per component, as the model keeps it
                double[] factors = new double[r];
                for (int k = 0; k < r; k++) {
                    factors[k] = 0.5 + random.nextDouble() * 1.5;
                }
                // ten updates in a row, compared after each (whether a parked lane wakes in time
                // for one job depends on the machine; over ten it does)
                for (int round = 0; round < 10; round++) {
                    double[] gramOne = new double[r * r];
                    double[] gramMany = new double[r * r];
                    alone.updateRows(rule, one, factors, s, 2, floor, rows, rows.length, gramOne);
                    shared.updateRows(rule, many, factors, s, 2, floor, rows, rows.length, gramMany);
                    for (int k = 0; k < r; k++) {
                        assertTrue(Arrays.equals(one[k], many[k]), rule + " round " + round + ": component " + k);
                    }
                    assertTrue(Arrays.equals(gramOne, gramMany), rule + " round " + round + ": the change of G");
                    assertTrue(Arrays.stream(gramOne).anyMatch(x -> x != 0), rule + ": G did not change");
                }
            }
            assertTrue(lanes.unitsByOtherLanes() > 0, "the other lanes did no block");
        }
    }

    /** The statistics of n random dense columns made from the basis (30 % noise), projected on it. */
    private static SufficientStatistics statisticsOn(Basis basis, SplittableRandom random, int n) {
        int m = basis.dim();
        int r = basis.rank();
        double[] w0 = basis.toRowMajor();
        SufficientStatistics s = new SufficientStatistics(m, r);
        Projector projector = new Projector(r);
        Projection p = new Projection(r);
        for (int t = 0; t < n; t++) {
            double[] v = TestData.randomColumn(random, w0, m, r, 0.3);
            projector.project(basis, DenseColumn.of(v), p);
            s.add(DenseColumn.of(v), p.h);
        }
        return s;
    }

    private static double[] toDense(SparseColumn v) {
        double[] x = new double[M];
        for (int j = 0; j < v.nnz(); j++) {
            x[v.indices()[v.offset() + j]] = v.values()[v.offset() + j];
        }
        return x;
    }

    /** The next n documents of the planted topics, each its own column. */
    private static List<SparseColumn> documents(PlantedTopics topics, int n) {
        List<SparseColumn> docs = new ArrayList<>();
        int[] idx = new int[M];
        double[] val = new double[M];
        for (int j = 0; j < n; j++) {
            int nnz = topics.next(idx, val);
            docs.add(new SparseColumn(M, Arrays.copyOf(idx, nnz), Arrays.copyOf(val, nnz), 0, nnz));
        }
        return docs;
    }

    private static double relativeError(Basis basis, List<SparseColumn> docs) {
        Projector projector = new Projector(basis.rank());
        Projection p = new Projection(basis.rank());
        double residual = 0;
        double norm = 0;
        for (SparseColumn v : docs) {
            projector.project(basis, v, p);
            residual += p.residualSq;
            norm += p.normSq;
        }
        return Math.sqrt(residual / norm);
    }
}
