package dev.nmfstream.cli;

import static dev.nmfstream.cli.MainTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nmfstream.cli.MainTest.Run;
import dev.nmfstream.io.Npy;
import dev.nmfstream.nmf.synth.Recovery;
import java.io.IOException;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code fit --loss kl}: a planted model of Poisson counts is recovered; bad combinations are refused. */
class FitKlTest {

    @TempDir
    Path dir;

    @Test
    void recoversAPlantedCountModel() throws IOException {
        int m = 60;
        int r = 4;
        int n = 5000;
        SplittableRandom random = new SplittableRandom(9);
        // W: four overlapping bumps; H: half the weights zero, the others exponential; V ~ Poisson(W H)
        double[] w = new double[m * r];
        for (int k = 0; k < r; k++) {
            double centre = (k + 0.5) * m / r;
            for (int i = 0; i < m; i++) {
                w[i * r + k] = Math.exp(-0.5 * Math.pow((i - centre) / 4.0, 2)) + 0.02;
            }
        }
        double[] v = new double[m * n];
        for (int j = 0; j < n; j++) {
            double[] h = new double[r];
            for (int k = 0; k < r; k++) {
                h[k] = random.nextDouble() < 0.5 ? 0 : -Math.log(1 - random.nextDouble()) * 6;
            }
            for (int i = 0; i < m; i++) {
                double lambda = 0;
                for (int k = 0; k < r; k++) {
                    lambda += w[i * r + k] * h[k];
                }
                // Poisson by inversion
                double p = Math.exp(-lambda);
                double u = random.nextDouble();
                int count = 0;
                double cdf = p;
                while (u > cdf && count < 500) {
                    count++;
                    p *= lambda / count;
                    cdf += p;
                }
                v[i * n + j] = count;
            }
        }
        Path data = dir.resolve("counts.npy");
        Npy.writeMatrix(data, m, n, v);
        Path out = dir.resolve("W.npy");
        Run fit = run("fit", data.toString(), "--rank", "" + r, "--loss", "kl", "-o", out.toString());
        assertEquals(0, fit.exitCode(), fit.describe());
        JsonNode json = new ObjectMapper().readTree(fit.out().lines().toList().get(0));
        assertEquals("kl", json.get("loss").asText());
        double relative = json.get("relativeDivergence").asDouble();
        assertTrue(relative > 0 && relative < json.get("prequentialDivergence").asDouble() + 1e-9,
                "final " + relative + " vs prequential " + json.get("prequentialDivergence"));
        assertEquals(relative, json.get("divergence").asDouble() / sum(v), 1e-9);
        Recovery recovery = Recovery.match(w, Npy.read(out).toDoubles(), m, r);
        assertTrue(recovery.worst() > 0.98, "worst matched cosine " + recovery.worst());

        // the Frobenius fit prints no divergence
        Run plain = run("fit", data.toString(), "--rank", "" + r, "-o", dir.resolve("W2.npy").toString());
        assertEquals(0, plain.exitCode(), plain.describe());
        assertTrue(!plain.out().contains("divergence"), plain.out());
    }

    @Test
    void badLossOrRefinementUnderKlIsRefusedByName() {
        Run bad = run("fit", "x.npy", "--rank", "2", "--loss", "is", "-o", "W.npy");
        assertTrue(bad.exitCode() != 0, bad.describe());
        assertTrue(bad.err().contains("--loss"), bad.describe());
        Run refine = run("fit", "x.npy", "--rank", "2", "--loss", "kl", "--refine", "1", "-o", "W.npy");
        assertTrue(refine.exitCode() != 0, refine.describe());
        assertTrue(refine.err().contains("--refine = 1 with --loss kl"), refine.describe());
    }

    private static double sum(double[] v) {
        double s = 0;
        for (double x : v) {
            s += x;
        }
        return s;
    }
}
