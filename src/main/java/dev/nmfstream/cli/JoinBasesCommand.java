package dev.nmfstream.cli;

import dev.nmfstream.io.DataFileException;
import dev.nmfstream.io.DataFiles;
import dev.nmfstream.io.DataMatrix;
import dev.nmfstream.io.DenseMatrix;
import dev.nmfstream.io.Npy;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code join-bases}: bases learned apart (one per source) side by side as one basis, for a fixed-basis service. */
@Command(name = "join-bases", mixinStandardHelpOptions = true,
        description = {"Joins bases W₁ (m × r₁), W₂ (m × r₂), … into one W = [W₁ W₂ …] (m × Σr), components in the "
                + "order given: the first file's are 0 … r₁−1, and so on. For nmf.basis.file with nmf.learning=false "
                + "and separate --groups."})
final class JoinBasesCommand implements Callable<Integer> {

    @Parameters(arity = "2..*", paramLabel = "W.npy", description = "The bases, each m × r (fit's output).")
    List<Path> files;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "W.npy", description = "Where to write the joined basis.")
    Path output;

    @Spec
    CommandSpec spec;

    /**
     * A basis file's components: W (m × r, a dense .npy) as r arrays of length m.
     *
     * @throws DataFileException if the file is not a dense matrix of finite values ≥ 0
     */
    static double[][] components(Path file) throws DataFileException {
        DataMatrix data = DataFiles.read(file);
        if (!(data instanceof DenseMatrix w)) {
            throw new DataFileException(file, "a sparse matrix, expected a dense W (m × r) .npy");
        }
        w.validate();
        double[][] out = new double[w.columns()][w.rows()];
        for (int i = 0; i < w.rows(); i++) {
            for (int k = 0; k < w.columns(); k++) {
                out[k][i] = w.get(i, k);
            }
        }
        return out;
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        List<double[]> components = new ArrayList<>();
        int m = -1;
        StringBuilder groups = new StringBuilder();
        try {
            for (Path file : files) {
                double[][] w = components(file);
                if (m >= 0 && w[0].length != m) {
                    throw new IllegalArgumentException(file + " has " + w[0].length + " rows and " + files.get(0)
                            + " has " + m + ", expected the same dimension");
                }
                m = w[0].length;
                int first = components.size();
                components.addAll(List.of(w));
                groups.append(groups.length() > 0 ? "," : "").append(first).append('-').append(components.size() - 1);
            }
        } catch (DataFileException e) {
            err.println("join-bases: " + e.getMessage());
            return 1;
        } catch (IllegalArgumentException e) {
            err.println("join-bases: " + e.getMessage());
            return 2;
        }
        int r = components.size();
        double[] rowMajor = new double[m * r];
        for (int k = 0; k < r; k++) {
            for (int i = 0; i < m; i++) {
                rowMajor[i * r + k] = components.get(k)[i];
            }
        }
        Npy.writeMatrix(output, m, r, rowMajor);
        spec.commandLine().getOut().println(String.format(Locale.ROOT,
                "{\"file\":\"%s\",\"rows\":%d,\"columns\":%d,\"groups\":\"%s\"}",
                output.toString().replace("\\", "\\\\").replace("\"", "\\\""), m, r, groups));
        return 0;
    }
}
