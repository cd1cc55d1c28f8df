package dev.nmfstream.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nmfstream.io.Npy;
import dev.nmfstream.nmf.synth.PlantedModel;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code generate}: writes a planted-model data set (and its true basis) as .npy files. */
@Command(name = "generate", mixinStandardHelpOptions = true,
        description = "Writes a planted-model data set V = W_true H + noise (m × n, one item per column) as .npy, "
                + "and W_true beside it (FILE.truth.npy): data with a known answer to try fit on.")
final class GenerateCommand implements Callable<Integer> {

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "FILE.npy", description = "Where to write V.")
    Path output;

    @Option(names = "--rows", defaultValue = "500", description = "Dimension m. Default: ${DEFAULT-VALUE}.")
    int rows;

    @Option(names = "--columns", defaultValue = "100000", description = "Items n. Default: ${DEFAULT-VALUE}.")
    int columns;

    @Option(names = "--rank", defaultValue = "20", description = "Planted rank r. Default: ${DEFAULT-VALUE}.")
    int rank;

    @Option(names = "--density", defaultValue = "0.2", description = "Nonzero fraction of W_true. Default: ${DEFAULT-VALUE}.")
    double density;

    @Option(names = "--alpha", defaultValue = "0.1", description = "Dirichlet concentration of the weights. Default: ${DEFAULT-VALUE}.")
    double alpha;

    @Option(names = "--noise", defaultValue = "0.05", description = "Half-normal noise relative to the signal. Default: ${DEFAULT-VALUE}.")
    double noise;

    @Option(names = "--seed", defaultValue = "0", description = "Seed. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        if (rows < 1 || columns < 1 || rank < 1 || (long) rows * columns > Integer.MAX_VALUE - 8) {
            err.println("generate: --rows " + rows + " × --columns " + columns + " with --rank " + rank
                    + ": expected positive sizes with rows·columns < 2^31");
            return 2;
        }
        if (!(density > 0 && density <= 1) || !(alpha > 0 && Double.isFinite(alpha))
                || !(noise >= 0 && Double.isFinite(noise))) {
            err.println("generate: --density " + density + ", --alpha " + alpha + ", --noise " + noise
                    + ": expected 0 < density ≤ 1, a finite alpha > 0 and a finite noise ≥ 0");
            return 2;
        }
        PlantedModel planted = new PlantedModel(rows, rank, density, alpha, noise, seed);
        // column-major generation, written row-major (m × n, C order)
        double[] byColumn = new double[rows * columns];
        for (int j = 0; j < columns; j++) {
            planted.next(byColumn, j * rows);
        }
        double[] rowMajor = new double[rows * columns];
        for (int j = 0; j < columns; j++) {
            for (int i = 0; i < rows; i++) {
                rowMajor[i * columns + j] = byColumn[j * rows + i];
            }
        }
        String name = output.getFileName().toString();
        Path truth = output.resolveSibling(name.replaceFirst("\\.npy$", "") + ".truth.npy");
        try {
            Npy.writeMatrix(output, rows, columns, rowMajor);
            Npy.writeMatrix(truth, rows, rank, planted.trueBasis());
        } catch (IOException e) {
            err.println("generate: cannot write " + e.getMessage());
            return 1;
        }
        ObjectMapper json = new ObjectMapper();
        ObjectNode line = json.createObjectNode();
        line.put("output", output.toString());
        line.put("truth", truth.toString());
        line.put("rows", rows);
        line.put("columns", columns);
        line.put("rank", rank);
        spec.commandLine().getOut().println(json.writeValueAsString(line));
        spec.commandLine().getOut().flush();
        return 0;
    }
}
