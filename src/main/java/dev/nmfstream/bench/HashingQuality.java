package dev.nmfstream.bench;

import dev.nmfstream.nmf.Basis;
import dev.nmfstream.nmf.NmfConfig;
import dev.nmfstream.nmf.OnlineNmf;
import dev.nmfstream.nmf.Projection;
import dev.nmfstream.nmf.SparseColumn;
import dev.nmfstream.text.TextSettings;
import dev.nmfstream.text.TextVectorizer;
import dev.nmfstream.text.Weighting;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What feature hashing costs the learned topics, against an exact vocabulary on the same
 * documents: each model learned in one pass with {@code fit}'s sparse defaults, then compared in
 * word space, where a user reads them.
 *
 * <p>The exact model has one row per distinct analysed word (the service's analysis chain,
 * weighting and unit length). The hashed model learns the columns the service's vectoriser makes
 * with m rows (built here from the words already analysed, {@link Corpus#columns}: the same bit
 * for bit, which HashingQualityTest checks, without analysing the texts again for each m); in
 * word space each word takes its row's values (two words in one row are predicted alike, as the
 * hashed model predicts them), and a topic's top words are its top rows named by their most
 * frequent word, as {@code nmf-factors} names them. The alternative of the same memory is a
 * vocabulary of the m most frequent words (the rest dropped), with the counts known at the end,
 * which no stream can know.
 *
 * <p>Reported per m: the share of words that share a row or are dropped; the relative error of
 * the model on its own columns and, in word space, on the exact columns (exact NNLS on the
 * expanded basis; also with each row read as its label alone, its other words predicted 0),
 * against the exact model's; and how alike its topics and the exact model's are (components
 * matched greedily by cosine: the matched cosines, the overlap of their top-10 words, and the
 * cosine of each document's weights). Nonnegative factorisations are not unique, so the same
 * comparison between two exact models with different seeds is the floor any difference is read
 * against: the model with seed 1 is compared with the exact model with seed 0, like the exact
 * model with seed 1.
 */
final class HashingQuality {

    /** Words per topic compared. */
    static final int TOP = 10;

    /** The documents analysed once: each document's words with their counts, and the vocabulary. */
    static final class Corpus {
        /** The documents with at least one word, in order. */
        final List<String> texts = new ArrayList<>();
        /** Word → row of the exact vocabulary (order of first appearance). */
        final Map<String, Integer> ids = new HashMap<>();
        /** The words by row of the exact vocabulary. */
        final List<String> words = new ArrayList<>();
        /** Per document of {@link #texts}: its words' rows and counts. */
        final List<long[]> counts = new ArrayList<>();
        /** Per word: its count over all documents. */
        final long[] totals;

        /**
         * Analyses the documents; each kept document's words are stored as sorted pairs
         * (row &lt;&lt; 32 | count) in {@link #counts}.
         */
        Corpus(List<String> documents, TextSettings settings) {
            TextVectorizer analysis = new TextVectorizer(settings);
            for (String text : documents) {
                Map<Integer, Integer> doc = new HashMap<>();
                for (String w : analysis.terms(text)) {
                    Integer id = ids.get(w);
                    if (id == null) {
                        id = ids.size();
                        ids.put(w, id);
                        words.add(w);
                    }
                    doc.merge(id, 1, Integer::sum);
                }
                if (doc.isEmpty()) {
                    continue; // a document without words is no column in either model
                }
                long[] pairs = new long[doc.size()];
                int q = 0;
                for (Map.Entry<Integer, Integer> e : doc.entrySet()) {
                    pairs[q++] = (long) e.getKey() << 32 | e.getValue();
                }
                Arrays.sort(pairs);
                texts.add(text);
                counts.add(pairs);
            }
            totals = new long[words.size()];
            for (long[] pairs : counts) {
                for (long pair : pairs) {
                    totals[(int) (pair >>> 32)] += (int) pair;
                }
            }
        }

        int vocabulary() {
            return words.size();
        }

        /** The exact columns: one row per word, weighted and of unit length as the vectoriser does. */
        List<SparseColumn> exactColumns(Weighting weighting) {
            int[] identity = new int[vocabulary()];
            for (int i = 0; i < identity.length; i++) {
                identity[i] = i;
            }
            return columns(weighting, identity, vocabulary());
        }

        /**
         * The m most frequent words (by count over all documents, the first seen first among
         * equals), each its own row in order of first appearance; the others -1. What a
         * vocabulary of m words published with the model would keep at best: it knows the
         * counts only at the end.
         */
        int[] cappedRows(int m) {
            Integer[] order = new Integer[vocabulary()];
            for (int i = 0; i < order.length; i++) {
                order[i] = i;
            }
            Arrays.sort(order, (a, b) -> totals[a] != totals[b] ? Long.compare(totals[b], totals[a])
                    : Integer.compare(a, b));
            boolean[] kept = new boolean[vocabulary()];
            for (int q = 0; q < Math.min(m, order.length); q++) {
                kept[order[q]] = true;
            }
            int[] rows = new int[vocabulary()];
            int next = 0;
            for (int i = 0; i < rows.length; i++) {
                rows[i] = kept[i] ? next++ : -1;
            }
            return rows;
        }

        /**
         * One column per document over m rows, word i in row {@code rowOfWord[i]} (dropped if
         * -1, merged if several words share a row: their counts add, as in the vectoriser), then
         * weighted and scaled to unit length; a document left without words is an empty column.
         */
        List<SparseColumn> columns(Weighting weighting, int[] rowOfWord, int m) {
            List<SparseColumn> out = new ArrayList<>(counts.size());
            for (long[] pairs : counts) {
                long[] merged = new long[pairs.length];
                int n = 0;
                for (long pair : pairs) {
                    int row = rowOfWord[(int) (pair >>> 32)];
                    if (row >= 0) {
                        merged[n++] = (long) row << 32 | (int) pair;
                    }
                }
                Arrays.sort(merged, 0, n);
                int[] idx = new int[n];
                double[] val = new double[n];
                int nnz = 0;
                for (int q = 0; q < n; q++) {
                    int row = (int) (merged[q] >>> 32);
                    int count = (int) merged[q];
                    if (nnz > 0 && idx[nnz - 1] == row) {
                        val[nnz - 1] += count;
                    } else {
                        idx[nnz] = row;
                        val[nnz++] = count;
                    }
                }
                double sumSq = 0;
                for (int q = 0; q < nnz; q++) {
                    val[q] = weighting.weight((int) val[q]);
                    sumSq += val[q] * val[q];
                }
                double scale = sumSq > 0 ? 1 / Math.sqrt(sumSq) : 0;
                for (int q = 0; q < nnz; q++) {
                    val[q] *= scale;
                }
                out.add(SparseColumn.of(m, Arrays.copyOf(idx, nnz), Arrays.copyOf(val, nnz)));
            }
            return out;
        }

        /** Each word's row among m. */
        int[] rowsOf(int m) {
            int[] rows = new int[vocabulary()];
            for (int i = 0; i < rows.length; i++) {
                rows[i] = TextVectorizer.bucketOf(words.get(i), m);
            }
            return rows;
        }
    }

    /** One pass of {@code fit}'s sparse defaults over the columns in order. */
    static Basis learn(List<SparseColumn> columns, int rank, long seed) {
        OnlineNmf nmf = new OnlineNmf(NmfConfig.defaults(rank).withBatchSize(NmfConfig.DEFAULT_SPARSE_BATCH)
                .withSeed(seed));
        for (SparseColumn c : columns) {
            if (c.nnz() > 0) {
                nmf.partialFit(c);
            }
        }
        nmf.flush();
        return nmf.basis();
    }

    /** ‖V − W H‖ / ‖V‖ with H by exact NNLS on the basis. */
    static double relativeError(Basis basis, List<SparseColumn> columns) {
        return project(basis, columns, null);
    }

    /** Every document's weights on a model (exact NNLS; zeros for an empty column), and the relative error. */
    record Projected(double[][] h, double error) {}

    static Projected weights(Basis basis, List<SparseColumn> columns) {
        double[][] h = new double[columns.size()][];
        double error = project(basis, columns, h);
        return new Projected(h, error);
    }

    /** Projects every column on the basis, keeps the weights in {@code h} unless it is null; ‖V − W H‖ / ‖V‖. */
    private static double project(Basis basis, List<SparseColumn> columns, double[][] h) {
        OnlineNmf fixed = OnlineNmf.withBasis(NmfConfig.defaults(basis.rank()).withLearning(false), basis);
        Projection p = new Projection(basis.rank());
        double res = 0;
        double norm = 0;
        for (int j = 0; j < columns.size(); j++) {
            SparseColumn c = columns.get(j);
            if (c.nnz() == 0) {
                if (h != null) {
                    h[j] = new double[basis.rank()];
                }
                continue;
            }
            fixed.project(c, p);
            res += p.residualSq;
            norm += p.normSq;
            if (h != null) {
                h[j] = p.h.clone();
            }
        }
        return Math.sqrt(res / norm);
    }

    /** A basis in word space: word i's row is row {@code rowOfWord[i]} of the model's (zero for -1). */
    static Basis inWords(Basis model, int[] rowOfWord) {
        int r = model.rank();
        double[] w = model.toRowMajor();
        double[] out = new double[rowOfWord.length * r];
        for (int i = 0; i < rowOfWord.length; i++) {
            if (rowOfWord[i] >= 0) {
                System.arraycopy(w, rowOfWord[i] * r, out, i * r, r);
            }
        }
        return new Basis(rowOfWord.length, r, out, 0);
    }

    /**
     * Each row's name: its most frequent word (what the service's labels converge to), or -1
     * for a row no word reached; words in row -1 are ignored.
     */
    static int[] rowLabels(Corpus corpus, int[] rowOfWord, int m) {
        int[] label = new int[m];
        Arrays.fill(label, -1);
        for (int i = 0; i < rowOfWord.length; i++) {
            int row = rowOfWord[i];
            if (row < 0) {
                continue;
            }
            if (label[row] < 0 || corpus.totals[i] > corpus.totals[label[row]]) {
                label[row] = i;
            }
        }
        return label;
    }

    /**
     * Words to rows when each row stands for its label alone (as {@code nmf-factors} names it):
     * a row's label keeps the row, its other words get -1 (predicted 0).
     */
    static int[] labelsOnly(int[] rowOfWord, int[] labels) {
        int[] out = new int[rowOfWord.length];
        for (int i = 0; i < out.length; i++) {
            int row = rowOfWord[i];
            out[i] = row >= 0 && labels[row] == i ? row : -1;
        }
        return out;
    }

    /** Component k's top words (word rows), largest first; rows named through {@code label} (null: rows are words). */
    static int[] topWords(Basis basis, int k, int[] label, int top) {
        double[] c = basis.component(k);
        Integer[] order = new Integer[c.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Double.compare(c[b], c[a]));
        int[] out = new int[Math.min(top, c.length)];
        int n = 0;
        for (int q = 0; q < order.length && n < out.length; q++) {
            int word = label == null ? order[q] : label[order[q]];
            if (word >= 0 && c[order[q]] > 0) {
                out[n++] = word;
            }
        }
        return Arrays.copyOf(out, n);
    }

    /**
     * Greedy matching of a's components to b's (both in the same row space) by cosine, the
     * largest first; {@code result[k]} is the component of b matched with a's component k.
     */
    static int[] match(Basis a, Basis b) {
        return match(cosines(a, b));
    }

    /** {@link #match(Basis, Basis)} given the cosines, {@code cos[i][j]} between a's i and b's j. */
    static int[] match(double[][] cos) {
        int r = cos.length;
        int[] matched = new int[r];
        Arrays.fill(matched, -1);
        boolean[] taken = new boolean[r];
        for (int round = 0; round < r; round++) {
            int bi = -1;
            int bj = -1;
            for (int i = 0; i < r; i++) {
                if (matched[i] >= 0) {
                    continue;
                }
                for (int j = 0; j < r; j++) {
                    if (!taken[j] && (bi < 0 || cos[i][j] > cos[bi][bj])) {
                        bi = i;
                        bj = j;
                    }
                }
            }
            matched[bi] = bj;
            taken[bj] = true;
        }
        return matched;
    }

    static double[][] cosines(Basis a, Basis b) {
        if (a.dim() != b.dim() || a.rank() != b.rank()) {
            throw new IllegalArgumentException("bases of " + a.dim() + " × " + a.rank() + " and " + b.dim() + " × "
                    + b.rank());
        }
        int r = a.rank();
        double[][] ca = new double[r][];
        double[][] cb = new double[r][];
        for (int k = 0; k < r; k++) {
            ca[k] = unit(a.component(k));
            cb[k] = unit(b.component(k));
        }
        double[][] cos = new double[r][r];
        for (int i = 0; i < r; i++) {
            for (int j = 0; j < r; j++) {
                double s = 0;
                for (int x = 0; x < ca[i].length; x++) {
                    s += ca[i][x] * cb[j][x];
                }
                cos[i][j] = s;
            }
        }
        return cos;
    }

    private static double[] unit(double[] v) {
        double s = 0;
        for (double x : v) {
            s += x * x;
        }
        double[] out = v.clone();
        if (s > 0) {
            double inv = 1 / Math.sqrt(s);
            for (int i = 0; i < out.length; i++) {
                out[i] *= inv;
            }
        }
        return out;
    }

    /**
     * How alike two models are: their topics' matched cosines and top-word overlaps, and the mean
     * cosine between a document's weights under the two (b's components in the matched order).
     */
    record Agreement(double meanCosine, double minCosine, double meanTopOverlap, double minTopOverlap,
            double meanWeightsCosine) {}

    /** Mean over documents of cos(h_a, h_b permuted by the matching); a document with a zero vector counts 0. */
    static double weightsCosine(double[][] ha, double[][] hb, int[] matched) {
        double sum = 0;
        for (int j = 0; j < ha.length; j++) {
            double ab = 0;
            double aa = 0;
            double bb = 0;
            for (int k = 0; k < matched.length; k++) {
                double x = ha[j][k];
                double y = hb[j][matched[k]];
                ab += x * y;
                aa += x * x;
                bb += y * y;
            }
            sum += aa > 0 && bb > 0 ? ab / Math.sqrt(aa * bb) : 0;
        }
        return sum / ha.length;
    }

    /**
     * a and b in the same word space; {@code labelA}/{@code labelB} name their rows (null: rows
     * are words), for the top words; {@code ha}, {@code hb} the documents' weights on each.
     */
    static Agreement agreement(Basis a, int[] labelA, Basis aInWords, double[][] ha, Basis b, int[] labelB,
            Basis bInWords, double[][] hb) {
        double[][] cos = cosines(aInWords, bInWords);
        int[] m = match(cos);
        int r = m.length;
        double sumCos = 0;
        double minCos = Double.POSITIVE_INFINITY;
        double sumOverlap = 0;
        double minOverlap = Double.POSITIVE_INFINITY;
        for (int k = 0; k < r; k++) {
            double c = cos[k][m[k]];
            sumCos += c;
            minCos = Math.min(minCos, c);
            double o = overlap(topWords(a, k, labelA, TOP), topWords(b, m[k], labelB, TOP));
            sumOverlap += o;
            minOverlap = Math.min(minOverlap, o);
        }
        return new Agreement(sumCos / r, minCos, sumOverlap / r, minOverlap, weightsCosine(ha, hb, m));
    }

    /** |x ∩ y| / TOP. */
    static double overlap(int[] x, int[] y) {
        int n = 0;
        for (int a : x) {
            for (int b : y) {
                if (a == b) {
                    n++;
                    break;
                }
            }
        }
        return n / (double) TOP;
    }
}
