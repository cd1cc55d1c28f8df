package dev.nmfstream.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nmfstream.nmf.Basis;
import dev.nmfstream.nmf.synth.PlantedModel;
import dev.nmfstream.nmf.synth.Recovery;
import java.util.Arrays;
import java.util.Properties;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The same backlog learns the same model however the run interleaves: a fresh service (4
 * projector tasks and the updater, {@link BacklogSimulation}) on 5,000 clean planted records,
 * under schedules that differ as two runs on a broker do. Before the first basis was refined on
 * the bootstrap sample, schedules 0, 18, 24 and 28 ended at a worst matched cosine of 0.86, 0.51,
 * 0.51 and 0.51 (the others at 0.96–0.999), from the same data.
 */
class BacklogRecoveryTest {

    private static final int ITEMS = 5_000;

    private static NmfStreamConfig config(int m, int r) {
        Properties p = new Properties();
        p.setProperty("nmf.rank", "" + r);
        p.setProperty("nmf.dimension", "" + m);
        return NmfStreamConfig.from(p);
    }

    private static Recovery run(int m, int r, long plantedSeed, long schedule, BacklogSimulation[] out) {
        PlantedModel planted = new PlantedModel(m, r, 0.2, 0.1, 0.05, plantedSeed);
        BacklogSimulation simulation = new BacklogSimulation(config(m, r), 4, schedule);
        simulation.backlog(planted, ITEMS);
        Basis learned = simulation.run(20_000);
        out[0] = simulation;
        return BacklogSimulation.recovery(planted, learned);
    }

    @ParameterizedTest(name = "schedule {0}")
    @ValueSource(longs = {0, 18, 24, 28, 2, 4, 6, 8, 23, 26})
    void everyInterleavingOfOneBacklogRecoversThePlantedModel(long schedule) {
        BacklogSimulation[] simulation = new BacklogSimulation[1];
        Recovery recovery = run(64, 5, 7, schedule, simulation);
        assertEquals(ITEMS, simulation[0].itemsLearned(), "every item learned from");
        assertTrue(recovery.worst() >= 0.99, "schedule " + schedule + ": worst matched cosine " + recovery.worst()
                + ", cosines " + Arrays.toString(recovery.cosines()) + ", items per basis version "
                + simulation[0].projectedWith());
    }

    @ParameterizedTest(name = "m = {0}, r = {1}, schedule {2}")
    @CsvSource({"200, 10, 1", "200, 10, 5", "200, 10, 9"})
    void largerModelsToo(int m, int r, long schedule) {
        BacklogSimulation[] simulation = new BacklogSimulation[1];
        Recovery recovery = run(m, r, 7, schedule, simulation);
        assertTrue(recovery.worst() >= 0.99, "worst matched cosine " + recovery.worst() + ", cosines "
                + Arrays.toString(recovery.cosines()) + ", items per basis version " + simulation[0].projectedWith());
    }
}
