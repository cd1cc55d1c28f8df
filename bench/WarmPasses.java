import dev.nmfstream.io.ColumnCursor;
import dev.nmfstream.io.DataFiles;
import dev.nmfstream.io.DataMatrix;
import dev.nmfstream.io.DenseMatrix;
import dev.nmfstream.io.SparseMatrix;
import dev.nmfstream.nmf.NmfConfig;
import dev.nmfstream.nmf.OnlineNmf;
import java.nio.file.Path;

/**
 * Learning passes over one data file in one JVM, with {@code fit}'s defaults (mini-batch 4096 for
 * sparse input, the default reservoir and closing consolidation; a dense file in one call, as
 * {@code fit} gives it): how fast the engine learns once the JIT compiler has compiled it, against
 * the first (fresh) pass. One JSON line per pass.
 * THREADS (default 1) is a comma-separated list of thread counts ({@code fit --threads}) that the
 * passes take in turn, e.g. {@code 1,2}: one thread against two, warm, in the same JVM.
 *
 * <pre>  java -cp target/nmf-stream.jar bench/WarmPasses.java DATA RANK [PASSES [THREADS]]</pre>
 *
 * (Java's single-file source launcher; bench/jit_budget.py runs it.)
 */
public class WarmPasses {
    public static void main(String[] args) throws Exception {
        if (args.length < 2) {
            System.err.println("usage: java -cp target/nmf-stream.jar bench/WarmPasses.java DATA RANK [PASSES [THREADS]]");
            System.exit(2);
        }
        DataMatrix data = DataFiles.read(Path.of(args[0]));
        int rank = Integer.parseInt(args[1]);
        int passes = args.length > 2 ? Integer.parseInt(args[2]) : 6;
        String[] threadList = (args.length > 3 ? args[3] : "1").split(",");
        NmfConfig config = NmfConfig.defaults(rank);
        if (data instanceof SparseMatrix) {
            config = config.withBatchSize(NmfConfig.DEFAULT_SPARSE_BATCH);
        }
        for (int pass = 0; pass < passes; pass++) {
            int threads = Integer.parseInt(threadList[pass % threadList.length].strip());
            long start = System.nanoTime();
            try (OnlineNmf nmf = new OnlineNmf(config).reservoir(OnlineNmf.defaultReservoir(data.rows()))
                    .threads(threads)) {
                if (data instanceof DenseMatrix dense) {
                    // in one call, as fit gives a dense file read whole
                    nmf.partialFit(dense.data(), 0, dense.rows(), dense.columns());
                } else {
                    ColumnCursor cursor = data.cursor();
                    for (int j = 0; j < data.columns(); j++) {
                        nmf.partialFit(cursor.at(j));
                    }
                }
                nmf.flush();
                nmf.consolidate();
                double seconds = (System.nanoTime() - start) / 1e9;
                System.out.printf("{\"pass\":%d,\"threads\":%d,\"seconds\":%.4f,\"columnsPerSecond\":%.0f,"
                        + "\"prequentialError\":%.10f}%n",
                        pass, threads, seconds, data.columns() / seconds, nmf.prequentialError());
            }
        }
    }
}
