package dev.nmfstream.nmf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The core math against float64 answers computed independently with numpy/scipy by
 * {@code src/test/resources/known-answers/make_known_answers.py} (its docstring states each
 * definition): NNLS solutions, HALS sweeps and MU steps with the normalisation after them, and
 * NNDSVDa. Values are compared with relative tolerances; NNLS solutions are also checked
 * against their KKT conditions.
 */
class KnownAnswersTest {

    private static final String RESOURCE = "/known-answers/known_answers.txt";
    private static final Map<String, double[][]> ANSWERS = load();

    // The tolerances are about 1000 times the largest difference measured (2e-12 for the NNLS
    // weights, 4e-15 for the updates, 1e-14 for NNDSVDa).
    /** Relative tolerance of the NNLS weights (the determined problems are well-conditioned once scaled). */
    private static final double NNLS_RTOL = 1e-9;
    /** Relative tolerance of W, A and B after one or two update steps and the normalisation. */
    private static final double UPDATE_RTOL = 1e-12;
    /** Relative tolerance of NNDSVDa (a randomised SVD against LAPACK's). */
    private static final double NNDSVDA_RTOL = 1e-11;

    // ----------------------------------------------------------------------------------------
    // NNLS

    static List<String> nnlsCases() {
        return cases("nnls_", "G");
    }

    @ParameterizedTest
    @MethodSource("nnlsCases")
    void nnlsSolverFindsTheReferenceSolutionOnBothPaths(String name) {
        double[] g = flat(get(name, "G"));
        double[] c = flat(get(name, "c"));
        int r = c.length;
        double[] inverse = NnlsSolver.scaledInverse(g, r);
        NnlsSolver solver = new NnlsSolver(r);
        double[] h = new double[r];
        solver.solve(g, c, h);
        checkSolution(name + " (active set)", g, c, h);
        if (inverse != null) {
            double[] fast = new double[r];
            solver.solve(g, inverse, c, fast);
            checkSolution(name + " (pivoting on the scaled inverse)", g, c, fast);
        }
    }

    /** The NNLS problems stated with a column v (the others are bare quadratic programs in G and c). */
    static List<String> projectionCases() {
        List<String> out = new ArrayList<>();
        for (String name : nnlsCases()) {
            if (ANSWERS.containsKey(name + ".v")) {
                out.add(name);
            }
        }
        return out;
    }

    @ParameterizedTest
    @MethodSource("projectionCases")
    void projectorFindsTheReferenceSolutionAndResidual(String name) {
        double[][] w = get(name, "W");
        int m = w.length;
        int r = w[0].length;
        double[] v = flat(get(name, "v"));
        Projection p = new Projector(r).project(new Basis(m, r, flat(w), 0), DenseColumn.of(v), new Projection(r));
        double[] g = flat(get(name, "G"));
        checkSolution(name + " (projector)", g, flat(get(name, "c")), p.h);
        double expected = get(name, "residualSq")[0][0];
        assertEquals(expected, p.residualSq, 1e-12 * p.normSq + 1e-9 * expected, name + ": ‖v − W h‖²");
    }

    @ParameterizedTest
    @ValueSource(strings = {"nnls_scaled_tiny", "nnls_scaled_huge"})
    void projectionScalesWithTheColumnFrom1eMinus30To1e30(String name) {
        double[][] w = get(name, "W");
        int m = w.length;
        int r = w[0].length;
        double[] v = flat(get(name, "v"));
        Projection p = new Projector(r).project(new Basis(m, r, flat(w), 0), DenseColumn.of(v), new Projection(r));
        assertClose(name + ": h", flat(get(name, "h")), p.h, NNLS_RTOL);
    }

    /** Known answer (h, or where h is not unique or ill-conditioned G h and the objective) plus the KKT conditions. */
    private static void checkSolution(String what, double[] g, double[] c, double[] h) {
        String name = what.substring(0, what.indexOf(' '));
        int r = c.length;
        double[] gh = new double[r];
        for (int j = 0; j < r; j++) {
            for (int k = 0; k < r; k++) {
                gh[j] += g[j * r + k] * h[k];
            }
        }
        boolean determined = get(name, "determined")[0][0] == 1.0;
        if (determined) {
            assertClose(what + ": h", flat(get(name, "h")), h, NNLS_RTOL);
        }
        assertClose(what + ": G h", flat(get(name, "Gh")), gh, NNLS_RTOL);
        double objective = get(name, "objective")[0][0];
        assertEquals(objective, TestData.objective(g, c, h, r), 1e-12 * Math.max(1, Math.abs(objective)),
                what + ": ½hᵀGh − cᵀh");
        // KKT in the solver's scaled units: s = max_k c_k / √G_kk, gradient tolerance 1e-9·s·√G_kk
        double s = 0;
        for (int k = 0; k < r; k++) {
            if (g[k * r + k] > 0) {
                s = Math.max(s, c[k] / Math.sqrt(g[k * r + k]));
            }
        }
        for (int k = 0; k < r; k++) {
            double gkk = g[k * r + k];
            double gradient = gh[k] - c[k];
            assertTrue(h[k] >= 0 && Double.isFinite(h[k]), what + ": h[" + k + "] = " + h[k]);
            if (gkk == 0) {
                assertEquals(0.0, h[k], what + ": weight of the zero column " + k);
                continue;
            }
            double tol = 1e-9 * s * Math.sqrt(gkk);
            if (h[k] > 0) {
                assertEquals(0.0, gradient, tol, what + ": gradient at positive h[" + k + "]");
            } else {
                assertTrue(gradient >= -tol, what + ": gradient " + gradient + " at h[" + k + "] = 0, expected ≥ −" + tol);
            }
        }
    }

    // ----------------------------------------------------------------------------------------
    // HALS and MU

    static List<Arguments> updateCases() {
        List<Arguments> out = new ArrayList<>();
        for (String name : cases("update_", "W0")) {
            for (UpdateRule rule : UpdateRule.values()) {
                for (int steps = 1; steps <= 2; steps++) {
                    out.add(Arguments.of(name, rule, steps));
                }
            }
        }
        return out;
    }

    @ParameterizedTest
    @MethodSource("updateCases")
    void updateAndNormalisationGiveTheReferenceBasisAndStatistics(String name, UpdateRule rule, int steps) {
        double[][] v = get(name, "V");
        double[][] hm = get(name, "H");
        double[][] w0 = get(name, "W0");
        int m = v.length;
        int n = v[0].length;
        int r = hm.length;
        SufficientStatistics s = new SufficientStatistics(m, r);
        for (int j = 0; j < n; j++) {
            double[] column = new double[m];
            for (int i = 0; i < m; i++) {
                column[i] = v[i][j];
            }
            double[] h = new double[r];
            for (int k = 0; k < r; k++) {
                h[k] = hm[k][j];
            }
            s.add(DenseColumn.of(column), h);
        }
        assertClose(name + ": A = H Hᵀ", flat(get(name, "A")), s.aMatrix(), 1e-14);
        assertClose(name + ": B = V Hᵀ", flat(get(name, "B")), s.bMatrix(), 1e-14);

        double[][] w = new double[r][m];
        for (int k = 0; k < r; k++) {
            for (int i = 0; i < m; i++) {
                w[k][i] = w0[i][k];
            }
        }
        BasisUpdater updater = new BasisUpdater(m, r);
        double floor = updater.floorFor(w);
        assertEquals(get(name, "floor")[0][0], floor, 1e-15 * floor, name + ": floor");
        updater.update(rule, w, s, steps, floor);
        String key = (rule == UpdateRule.HALS ? "hals" : "mu") + steps;
        String what = name + " " + rule + " × " + steps;
        assertClose(what + ": W", flat(get(name, key + ".W")), rowMajor(w, m, r), UPDATE_RTOL);

        double[] norms = new double[r];
        updater.normalize(w, s, norms);
        assertClose(what + ": column norms", flat(get(name, key + ".norms")), norms, UPDATE_RTOL);
        assertClose(what + ": normalised W", flat(get(name, key + ".normalised.W")), rowMajor(w, m, r), UPDATE_RTOL);
        assertClose(what + ": rescaled A", flat(get(name, key + ".normalised.A")), s.aMatrix(), UPDATE_RTOL);
        assertClose(what + ": rescaled B", flat(get(name, key + ".normalised.B")), s.bMatrix(), UPDATE_RTOL);
    }

    // ----------------------------------------------------------------------------------------
    // NNDSVDa

    static List<Arguments> nndsvdaCases() {
        List<Arguments> out = new ArrayList<>();
        for (String name : cases("nndsvda_", "X")) {
            for (long seed = 0; seed < 4; seed++) {
                out.add(Arguments.of(name, seed));
            }
        }
        return out;
    }

    /**
     * Any seed gives the reference: NNDSVDa's choices do not depend on the singular vectors'
     * signs, and the randomised SVD is exact on these samples up to round-off.
     */
    @ParameterizedTest
    @MethodSource("nndsvdaCases")
    void nndsvdaMatchesTheReferenceForAnySeed(String name, long seed) {
        double[][] x = get(name, "X");
        int m = x.length;
        int n = x[0].length;
        int r = (int) get(name, "r")[0][0];
        boolean sparse = get(name, "sparse")[0][0] == 1.0;
        ColumnBuffer sample = new ColumnBuffer(m, n);
        for (int j = 0; j < n; j++) {
            double[] column = new double[m];
            int nnz = 0;
            for (int i = 0; i < m; i++) {
                column[i] = x[i][j];
                nnz += x[i][j] != 0 ? 1 : 0;
            }
            if (sparse) {
                int[] indices = new int[nnz];
                double[] values = new double[nnz];
                int q = 0;
                for (int i = 0; i < m; i++) {
                    if (column[i] != 0) {
                        indices[q] = i;
                        values[q++] = column[i];
                    }
                }
                sample.add(SparseColumn.of(m, indices, values));
            } else {
                sample.add(DenseColumn.of(column));
            }
        }
        String what = name + " seed " + seed;
        assertClose(what + ": NNDSVDa", flat(get(name, "raw")), Initializer.nndsvda(sample, m, r, seed), NNDSVDA_RTOL);
        assertClose(what + ": first basis", flat(get(name, "init")),
                Initializer.initialize(Initialization.NNDSVDA, sample, m, r, seed), NNDSVDA_RTOL);
    }

    // ----------------------------------------------------------------------------------------
    // The answers file and comparisons

    /** expected vs actual entry by entry: |e − a| ≤ rtol·max(|e|, 1e-6·max|e|). */
    private static void assertClose(String what, double[] expected, double[] actual, double rtol) {
        assertEquals(expected.length, actual.length, what + ": length");
        double largest = 0;
        for (double e : expected) {
            largest = Math.max(largest, Math.abs(e));
        }
        for (int i = 0; i < expected.length; i++) {
            double tol = rtol * Math.max(Math.abs(expected[i]), 1e-6 * largest);
            assertEquals(expected[i], actual[i], tol, what + " [" + i + "]");
        }
    }

    private static double[] rowMajor(double[][] components, int m, int r) {
        double[] out = new double[m * r];
        for (int k = 0; k < r; k++) {
            for (int i = 0; i < m; i++) {
                out[i * r + k] = components[k][i];
            }
        }
        return out;
    }

    private static double[] flat(double[][] a) {
        double[] out = new double[a.length * a[0].length];
        for (int i = 0; i < a.length; i++) {
            System.arraycopy(a[i], 0, out, i * a[0].length, a[0].length);
        }
        return out;
    }

    private static double[][] get(String name, String field) {
        double[][] a = ANSWERS.get(name + "." + field);
        assertNotNull(a, "no " + name + "." + field + " in " + RESOURCE + " (run make_known_answers.py)");
        return a;
    }

    /** The case names with the given prefix that have the given field, in file order. */
    private static List<String> cases(String prefix, String field) {
        List<String> out = new ArrayList<>();
        String suffix = "." + field;
        for (String key : ANSWERS.keySet()) {
            if (key.startsWith(prefix) && key.endsWith(suffix) && key.indexOf('.') == key.length() - suffix.length()) {
                out.add(key.substring(0, key.length() - suffix.length()));
            }
        }
        if (out.isEmpty()) {
            throw new IllegalStateException("no " + prefix + "* cases in " + RESOURCE);
        }
        return out;
    }

    /** Lines {@code <case>.<name> <rows> <cols> <values…>}; '#' starts a comment line. */
    private static Map<String, double[][]> load() {
        Map<String, double[][]> out = new LinkedHashMap<>();
        InputStream in = KnownAnswersTest.class.getResourceAsStream(RESOURCE);
        if (in == null) {
            throw new IllegalStateException("missing " + RESOURCE + " (run make_known_answers.py)");
        }
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            String line;
            while ((line = reader.readLine()) != null) {
                String t = line.strip();
                if (t.isEmpty() || t.startsWith("#")) {
                    continue;
                }
                String[] parts = t.split(" ");
                int rows = Integer.parseInt(parts[1]);
                int cols = Integer.parseInt(parts[2]);
                if (parts.length != 3 + rows * cols) {
                    throw new IllegalStateException(parts[0] + ": " + (parts.length - 3) + " values, expected "
                            + rows + " × " + cols);
                }
                double[][] a = new double[rows][cols];
                for (int i = 0; i < rows; i++) {
                    for (int j = 0; j < cols; j++) {
                        a[i][j] = Double.parseDouble(parts[3 + i * cols + j]);
                    }
                }
                out.put(parts[0], a);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }
}
