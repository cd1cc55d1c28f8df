package dev.nmfstream.nmf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nmfstream.nmf.synth.PlantedModel;
import dev.nmfstream.nmf.synth.Recovery;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The first basis (the updater's {@link ModelState#initialize}) is not made by one huge column of
 * the bootstrap sample: columns beyond κ times the sample's median norm are scaled down first;
 * an ordinary sample is used bit for bit.
 */
class BootstrapCapTest {

    private static final int M = 64;
    private static final int R = 5;

    private static List<Column> sample(PlantedModel planted, int n) {
        List<Column> sample = new ArrayList<>();
        for (int j = 0; j < n; j++) {
            double[] v = new double[M];
            planted.next(v, 0);
            sample.add(DenseColumn.of(v));
        }
        return sample;
    }

    @Test
    void anOrdinarySampleMakesBitwiseTheBasisOfTheInitializer() {
        List<Column> sample = sample(new PlantedModel(M, R, 0.3, 0.1, 0.05, 4), 128);
        NmfConfig config = NmfConfig.defaults(R).withSeed(9);
        ColumnBuffer buffer = new ColumnBuffer(M, sample.size());
        sample.forEach(buffer::add);
        double[] direct = Initializer.refine(Initializer.initialize(Initialization.NNDSVDA, buffer, M, R, 9), buffer, M,
                R, config.rule(), ModelState.SAMPLE_REFINE_PASSES);
        assertArrayEquals(direct, new ModelState(config).initialize(sample).toRowMajor(), 0.0);
    }

    @Test
    void oneHugeColumnDoesNotMakeTheFirstBasis() {
        PlantedModel planted = new PlantedModel(M, R, 0.3, 0.1, 0.05, 4);
        List<Column> clean = sample(planted, 128);
        NmfConfig config = NmfConfig.defaults(R).withSeed(9);
        double cleanRecovery = Recovery.match(planted.trueBasis(),
                new ModelState(config).initialize(clean).toRowMajor(), M, R).mean();
        for (double[] huge : new double[][] {filled(1e300), filled(1e30), spike(3e37)}) {
            List<Column> poisoned = new ArrayList<>(clean);
            poisoned.set(5, DenseColumn.of(huge));
            Basis first = new ModelState(config).initialize(poisoned);
            for (double x : first.toRowMajor()) {
                assertTrue(Double.isFinite(x) && x >= 0, "W entry " + x);
            }
            double recovery = Recovery.match(planted.trueBasis(), first.toRowMajor(), M, R).mean();
            assertTrue(recovery >= cleanRecovery - 0.05, "mean cosine " + recovery + " with a column of max "
                    + huge[M / 3] + ", the clean sample's " + cleanRecovery);
            Basis uncapped = new ModelState(config.withInfluenceCap(Double.MAX_VALUE)).initialize(poisoned);
            double wrecked = Recovery.match(planted.trueBasis(), uncapped.toRowMajor(), M, R).mean();
            assertTrue(wrecked < recovery, "without the cap " + wrecked + ", with it " + recovery);
        }
    }

    private static double[] filled(double x) {
        double[] v = new double[M];
        Arrays.fill(v, x);
        return v;
    }

    private static double[] spike(double x) {
        double[] v = new double[M];
        Arrays.fill(v, 0.01);
        v[M / 3] = x;
        return v;
    }
}
