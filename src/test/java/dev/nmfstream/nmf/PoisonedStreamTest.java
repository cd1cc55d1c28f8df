package dev.nmfstream.nmf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nmfstream.nmf.synth.PlantedModel;
import dev.nmfstream.nmf.synth.PoisonRecords;
import dev.nmfstream.nmf.synth.Recovery;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/**
 * Issue 10, item 1: a planted stream (m = 64, r = 5, 6,000 clean items) with 1% of valid but
 * hostile records interleaved (every kind of {@link PoisonRecords}, the first among the bootstrap
 * sample) learns the same model as the clean stream: recovery ≥ 0.99, and the final error on
 * clean columns and the prequential error within 10% of the clean stream's. Each poison record's
 * weights are finite and nonnegative. Figures go to {@code target/poisoned-stream.txt}.
 */
class PoisonedStreamTest {

    private static final int M = 64;
    private static final int R = 5;
    private static final int CLEAN = 6_000;
    /** One poison record after every this many clean ones: 1%. */
    private static final int EVERY = 100;
    private static final int HELD_OUT = 2_000;

    private record Run(Recovery recovery, double prequential, double finalError, OnlineNmf nmf) {}

    private static double[][] clean(int n, long seed) {
        PlantedModel planted = new PlantedModel(M, R, 0.3, 0.1, 0.05, seed);
        double[][] columns = new double[n][M];
        for (double[] v : columns) {
            planted.next(v, 0);
        }
        return columns;
    }

    /** The clean columns in order, with a poison record (kinds in turn) after every {@link #EVERY}th when poisoned. */
    private static Run run(double[][] columns, double[][] heldOut, double[] truth, boolean poisoned) {
        return run(NmfConfig.defaults(R).withSeed(3), columns, heldOut, truth, poisoned);
    }

    private static Run run(NmfConfig config, double[][] columns, double[][] heldOut, double[] truth, boolean poisoned) {
        OnlineNmf nmf = new OnlineNmf(config);
        PoisonRecords[] kinds = PoisonRecords.values();
        int made = 0;
        for (int j = 0; j < columns.length; j++) {
            nmf.partialFit(DenseColumn.of(columns[j]));
            if (poisoned && j % EVERY == 10) {
                double[] record = kinds[made++ % kinds.length].make(columns[j]);
                nmf.partialFit(DenseColumn.of(record));
                if (nmf.basis() != null) {
                    Projection p = nmf.project(DenseColumn.of(record));
                    for (int k = 0; k < R; k++) {
                        assertTrue(Double.isFinite(p.h[k]) && p.h[k] >= 0, kinds[(made - 1) % kinds.length]
                                + ": weight " + k + " = " + p.h[k]);
                    }
                    assertTrue(p.relativeResidual() >= 0 && p.relativeResidual() <= 1, "relative residual "
                            + p.relativeResidual());
                }
            }
        }
        nmf.flush();
        double residual = 0;
        double norm = 0;
        Projection p = new Projection(R);
        for (double[] v : heldOut) {
            nmf.project(DenseColumn.of(v), p);
            residual += p.residualSq;
            norm += p.normSq;
        }
        return new Run(Recovery.match(truth, nmf.basis().toRowMajor(), M, R), nmf.prequentialError(),
                Math.sqrt(residual / norm), nmf);
    }

    @Test
    void onePercentOfHostileRecordsChangeNothingThatMatters() throws IOException {
        double[][] columns = clean(CLEAN + HELD_OUT, 17);
        double[][] stream = new double[CLEAN][];
        double[][] heldOut = new double[HELD_OUT][];
        System.arraycopy(columns, 0, stream, 0, CLEAN);
        System.arraycopy(columns, CLEAN, heldOut, 0, HELD_OUT);
        double[] truth = new PlantedModel(M, R, 0.3, 0.1, 0.05, 17).trueBasis();

        Run clean = run(stream, heldOut, truth, false);
        Run poisoned = run(stream, heldOut, truth, true);
        Files.createDirectories(Path.of("target"));
        Files.writeString(Path.of("target", "poisoned-stream.txt"), String.format(Locale.ROOT,
                "clean:    recovery worst %.5f mean %.5f, prequential %.5f, final %.5f%n"
                        + "poisoned: recovery worst %.5f mean %.5f, prequential %.5f, final %.5f%n",
                clean.recovery.worst(), clean.recovery.mean(), clean.prequential, clean.finalError,
                poisoned.recovery.worst(), poisoned.recovery.mean(), poisoned.prequential, poisoned.finalError));

        assertEquals(CLEAN + CLEAN / EVERY, poisoned.nmf.items());
        assertTrue(clean.recovery.worst() >= 0.99, "clean recovery " + clean.recovery.worst());
        assertTrue(poisoned.recovery.worst() >= 0.99, "poisoned recovery " + poisoned.recovery.worst());
        assertTrue(poisoned.finalError <= 1.1 * clean.finalError, "final error " + poisoned.finalError
                + ", the clean stream's " + clean.finalError);
        assertTrue(poisoned.prequential <= 1.1 * clean.prequential, "prequential error " + poisoned.prequential
                + ", the clean stream's " + clean.prequential);

        // the same stream without the cap (κ beyond any norm ratio) is wrecked: the test can fail
        Run uncapped = run(NmfConfig.defaults(R).withSeed(3).withInfluenceCap(Double.MAX_VALUE), stream, heldOut,
                truth, true);
        Files.writeString(Path.of("target", "poisoned-stream.txt"), String.format(Locale.ROOT,
                "uncapped: recovery worst %.5f mean %.5f, prequential %.5f, final %.5f%n", uncapped.recovery.worst(),
                uncapped.recovery.mean(), uncapped.prequential, uncapped.finalError), StandardOpenOption.APPEND);
        assertTrue(!(uncapped.recovery.worst() >= 0.99) || !(uncapped.finalError <= 1.1 * clean.finalError),
                "without the cap: recovery " + uncapped.recovery.worst() + ", final error " + uncapped.finalError);
    }

    /** Recovery of the planted model from a stream with a huge spike in every 7th column. */
    private static double outsizedEverySeventh(NmfConfig config, int threads) {
        double[][] columns = clean(6_000, 31);
        try (OnlineNmf nmf = new OnlineNmf(config).threads(threads, false)) {
            for (int j = 0; j < columns.length; j++) {
                double[] v = columns[j];
                if (j % 7 == 3) {
                    v = v.clone();
                    v[(j / 7) % M] += 1e6; // a spike off the model, a million times the stream's scale
                }
                nmf.partialFit(DenseColumn.of(v));
            }
            nmf.flush();
            double[] truth = new PlantedModel(M, R, 0.3, 0.1, 0.05, 31).trueBasis();
            return Recovery.match(truth, nmf.basis().toRowMajor(), M, R).worst();
        }
    }

    /**
     * Mini-batches of 6 dense columns (a group of four, then two) with outsized items falling at
     * every position in turn: each enters scaled, in the group or after it, on one thread or two.
     */
    @Test
    void outsizedItemsEnterScaledWhereverTheyFallInAMiniBatch() {
        NmfConfig config = NmfConfig.defaults(R).withSeed(3).withBatchSize(6);
        for (int threads : new int[] {1, 2}) {
            double worst = outsizedEverySeventh(config, threads);
            assertTrue(worst >= 0.99, threads + " threads: recovery " + worst);
        }
        double uncapped = outsizedEverySeventh(config.withInfluenceCap(Double.MAX_VALUE), 1);
        assertTrue(!(uncapped >= 0.99), "without the cap: recovery " + uncapped);
    }

    @Test
    void anOrdinaryStreamLearnsBitwiseTheSameWithAndWithoutTheCap() {
        double[][] columns = clean(3_000, 23);
        OnlineNmf capped = new OnlineNmf(NmfConfig.defaults(R).withSeed(5));
        OnlineNmf uncapped = new OnlineNmf(NmfConfig.defaults(R).withSeed(5).withInfluenceCap(Double.MAX_VALUE));
        for (double[] v : columns) {
            capped.partialFit(DenseColumn.of(v));
            uncapped.partialFit(DenseColumn.of(v));
        }
        capped.flush();
        uncapped.flush();
        assertArrayEquals(uncapped.basis().toRowMajor(), capped.basis().toRowMajor(), 0.0);
        assertEquals(uncapped.prequentialResidualSq(), capped.prequentialResidualSq(), 0.0);
        assertEquals(uncapped.seenNormSq(), capped.seenNormSq(), 0.0);
    }

    @Test
    void aPoisonedStreamRestoredMidwayContinuesBitwise() {
        double[][] columns = clean(1_500, 29);
        PoisonRecords[] kinds = PoisonRecords.values();
        NmfConfig config = NmfConfig.defaults(R).withSeed(7);
        OnlineNmf whole = new OnlineNmf(config);
        OnlineNmf first = new OnlineNmf(config);
        OnlineNmf resumed = null;
        for (int j = 0; j < columns.length; j++) {
            OnlineNmf second = resumed != null ? resumed : first;
            whole.partialFit(DenseColumn.of(columns[j]));
            second.partialFit(DenseColumn.of(columns[j]));
            if (j % 37 == 5) {
                double[] record = kinds[j % kinds.length].make(columns[j]);
                whole.partialFit(DenseColumn.of(record));
                second.partialFit(DenseColumn.of(record));
            }
            if (j == 701) { // mid-batch, with columns grouped four at a time pending
                resumed = OnlineNmf.fromBytes(first.toBytes());
            }
        }
        whole.flush();
        resumed.flush();
        assertArrayEquals(whole.basis().toRowMajor(), resumed.basis().toRowMajor(), 0.0);
        assertEquals(whole.prequentialResidualSq(), resumed.prequentialResidualSq(), 0.0);
    }
}
