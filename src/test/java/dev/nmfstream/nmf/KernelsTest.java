package dev.nmfstream.nmf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The SIMD kernels, the scalar ones and the selected ones against a plain reference, on lengths
 * that leave tails; and which kernels a JVM's settings select, told apart by their results.
 */
class KernelsTest {

    /**
     * Whether this JVM can load the SIMD kernels (the build's test JVMs can: pom.xml's argLine;
     * its scalar-kernels run cannot). Without them the SIMD comparisons of
     * {@link #vectorAndScalarKernelsAgree} have nothing to compare; the selected and scalar
     * kernels are checked either way, and {@link #theJvmSettingsSelectTheKernels} starts JVMs
     * with and without the module whatever this one has.
     */
    private static final boolean SIMD_AVAILABLE = ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();

    /** The probe's size: long enough for the SIMD paths, with tails. */
    private static final int PROBE_M = 1025;
    private static final int PROBE_R = 21;

    private static double[] random(SplittableRandom random, int n) {
        double[] x = new double[n];
        for (int i = 0; i < n; i++) {
            x[i] = random.nextDouble();
        }
        return x;
    }

    @ParameterizedTest
    @CsvSource({"1, 1", "7, 3", "64, 4", "1025, 20", "500, 21", "333, 50"})
    void vectorAndScalarKernelsAgree(int m, int r) {
        SplittableRandom random = new SplittableRandom(m * 31L + r);
        double[] wt = random(random, m * r);
        double[][] v = {random(random, m), random(random, m), random(random, m), random(random, m)};
        double[][] reference = new double[4][r];
        for (int q = 0; q < 4; q++) {
            for (int k = 0; k < r; k++) {
                for (int i = 0; i < m; i++) {
                    reference[q][k] += wt[k * m + i] * v[q][i];
                }
            }
        }
        double tol = 1e-12 * m;
        double[] scalar = new double[r];
        double[] vector = new double[r];
        double[] selected = new double[r];
        double[][] four = new double[4][r];
        double[][] vectorFour = new double[4][r];
        Kernels.multTransDense4(wt, m, r, v, four);
        if (SIMD_AVAILABLE) {
            VectorKernels.multTransDense4(wt, m, r, v, vectorFour);
        }
        for (int q = 0; q < 4; q++) {
            Kernels.multTransDenseScalar(wt, m, r, v[q], 0, scalar);
            Kernels.multTransDense(wt, m, r, v[q], 0, selected);
            assertArrayEquals(reference[q], scalar, tol, "scalar c = Wᵀv, column " + q);
            assertArrayEquals(reference[q], selected, tol, "selected c = Wᵀv, column " + q);
            assertArrayEquals(reference[q], four[q], tol, "selected four at once, column " + q);
            double dot = 0;
            for (int i = 0; i < m; i++) {
                dot += v[q][i] * v[q][i];
            }
            assertEquals(dot, Kernels.dotScalar(v[q], 0, v[q], 0, m), tol, "scalar vᵀv");
            assertEquals(dot, Kernels.dot(v[q], 0, v[q], 0, m), tol, "selected vᵀv");
            if (SIMD_AVAILABLE) {
                VectorKernels.multTransDense(wt, m, r, v[q], 0, vector);
                assertArrayEquals(reference[q], vector, tol, "SIMD c = Wᵀv, column " + q);
                assertArrayEquals(reference[q], vectorFour[q], tol, "SIMD four at once, column " + q);
                assertEquals(dot, VectorKernels.dot(v[q], 0, v[q], 0, m), tol, "SIMD vᵀv");
            }
        }
        if (SIMD_AVAILABLE) {
            // B += Σ_q v_q h_qᵀ four components at a time, against single axpys
            double[][] h = {random(random, r), random(random, r), random(random, r), random(random, r)};
            double[][] b = new double[r][m];
            double[][] expected = new double[r][m];
            for (int k = 0; k + 3 < r; k += 4) {
                VectorKernels.addOuter4(b, k, v, h, m);
            }
            for (int k = 0; k < (r / 4) * 4; k++) {
                for (int q = 0; q < 4; q++) {
                    Kernels.axpy(h[q][k], v[q], expected[k], m);
                }
            }
            for (int k = 0; k < r; k++) {
                assertArrayEquals(expected[k], b[k], tol, "SIMD B += v hᵀ, component " + k);
            }
        }
        // the Gram matrix through either path equals the plain one
        double[] g = Basis.gram(wt, m, r);
        for (int j = 0; j < r; j++) {
            for (int k = 0; k < r; k++) {
                double s = 0;
                for (int i = 0; i < m; i++) {
                    s += wt[j * m + i] * wt[k * m + i];
                }
                assertEquals(s, g[j * r + k], tol, "G[" + j + "][" + k + "]");
            }
        }
    }

    /**
     * c = Wᵀv and vᵀv on fixed inputs through the kernels that this JVM selects ({@code scalar}
     * false) or through the scalar ones ({@code scalar} true): r + 1 values.
     */
    static double[] probe(boolean scalar) {
        SplittableRandom random = new SplittableRandom(20_260_101L);
        double[] wt = random(random, PROBE_M * PROBE_R);
        double[] v = random(random, PROBE_M);
        double[] out = new double[PROBE_R + 1];
        if (scalar) {
            Kernels.multTransDenseScalar(wt, PROBE_M, PROBE_R, v, 0, out);
            out[PROBE_R] = Kernels.dotScalar(v, 0, v, 0, PROBE_M);
        } else {
            Kernels.multTransDense(wt, PROBE_M, PROBE_R, v, 0, out);
            out[PROBE_R] = Kernels.dot(v, 0, v, 0, PROBE_M);
        }
        return out;
    }

    /**
     * Run in a JVM of its own by {@link #theJvmSettingsSelectTheKernels}: writes the selected
     * kernels' probe to its standard output (read by the test), one value a line as the hex of its
     * bits.
     */
    public static final class Probe {
        public static void main(String[] args) {
            for (double x : probe(false)) {
                System.out.println(Long.toHexString(Double.doubleToRawLongBits(x)));
            }
        }
    }

    /**
     * What a JVM computes with: with {@code -Dnmf.kernels=scalar}, or without the Vector API
     * module, the selected kernels give the scalar kernels' results to the bit; with the module
     * and no setting they give other bits (SIMD: another summation order, fused multiply-adds),
     * equal to the scalar results within the tolerance.
     */
    @Test
    void theJvmSettingsSelectTheKernels() throws Exception {
        double[] scalar = probe(true);
        assertArrayEquals(scalar, probeInAJvm("--add-modules", "jdk.incubator.vector", "-Dnmf.kernels=scalar"),
                "-Dnmf.kernels=scalar with the Vector API module: the scalar kernels");
        assertArrayEquals(scalar, probeInAJvm(), "without the Vector API module: the scalar kernels");
        double[] simd = probeInAJvm("--add-modules", "jdk.incubator.vector");
        assertFalse(Arrays.equals(scalar, simd), "with the Vector API module and no setting the SIMD kernels "
                + "compute (results that differ from the scalar ones in some bits): " + Arrays.toString(simd));
        assertArrayEquals(scalar, simd, 1e-12 * PROBE_M, "SIMD against scalar results");
    }

    /** The probe's values from a new JVM with these options, on this JVM's class path. */
    private static double[] probeInAJvm(String... options) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse("java"));
        command.add("-Xmx64m");
        command.addAll(List.of(options));
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(Probe.class.getName());
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "probe JVM " + command + " did not end");
        assertEquals(0, process.exitValue(), "probe JVM " + List.of(options) + " said: " + output);
        // the JVM's own notes (e.g. the incubator module's warning) are not hex lines
        double[] values = output.lines().filter(l -> l.matches("[0-9a-f]{1,16}"))
                .mapToDouble(l -> Double.longBitsToDouble(Long.parseUnsignedLong(l, 16))).toArray();
        assertEquals(PROBE_R + 1, values.length, "probe JVM " + List.of(options) + " said: " + output);
        return values;
    }

    /** The per-mini-batch kernels of the W update and the statistics, against the loops they replaced. */
    @ParameterizedTest
    @CsvSource({"1", "7", "64", "1025"})
    void theUpdateKernelsDoWhatTheirLoopsDid(int n) {
        SplittableRandom random = new SplittableRandom(n);
        double[] w = new double[n];
        double[] b = new double[n];
        double[] u = new double[n];
        for (int i = 0; i < n; i++) {
            w[i] = random.nextDouble() - 0.3;
            b[i] = random.nextDouble();
            u[i] = random.nextDouble();
        }
        double inv = 0.7;
        double floor = 1e-3;
        double[] step = w.clone();
        Kernels.halsStep(step, b, u, inv, floor, n);
        for (int i = 0; i < n; i++) {
            double x = w[i] + (b[i] - u[i]) * inv;
            assertEquals(x > floor ? x : floor, step[i], 0.0, "HALS step " + i);
        }
        double[] raised = w.clone();
        Kernels.raiseTo(floor, raised, n);
        for (int i = 0; i < n; i++) {
            double conditional = w[i] > floor ? w[i] : floor; // the loop it replaced: the same bits
            assertEquals(conditional, raised[i], 0.0, "floor " + i);
        }
        double[] y = b.clone();
        double[] x = u.clone();
        Kernels.decayAndTake(0.9, y, x, n);
        for (int i = 0; i < n; i++) {
            assertEquals(0.9 * b[i] + u[i], y[i], 0.0, "decayed " + i);
            assertEquals(0.0, x[i], 0.0, "taken " + i);
        }
    }
}
