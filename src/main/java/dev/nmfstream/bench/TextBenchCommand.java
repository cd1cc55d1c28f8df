package dev.nmfstream.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nmfstream.io.DataFiles;
import dev.nmfstream.io.Npy;
import dev.nmfstream.kafka.EmbeddedKafka;
import dev.nmfstream.kafka.KafkaClients;
import dev.nmfstream.kafka.TopicSetup;
import dev.nmfstream.nmf.Basis;
import dev.nmfstream.nmf.NmfConfig;
import dev.nmfstream.nmf.OnlineNmf;
import dev.nmfstream.nmf.Projection;
import dev.nmfstream.nmf.SparseColumn;
import dev.nmfstream.service.NmfService;
import dev.nmfstream.stream.NmfStreamConfig;
import dev.nmfstream.stream.NmfTopology;
import dev.nmfstream.text.TextSettings;
import dev.nmfstream.text.TextVectorizer;
import dev.nmfstream.wire.ColumnDecoder;
import dev.nmfstream.wire.DecodedItem;
import dev.nmfstream.wire.TextColumns;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.Queue;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.streams.KafkaStreams;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code bench-text}: the service fed raw text documents against a passthrough topology of the
 * same records (same broker, partitions and run), and where a document's time goes on one
 * thread: reading the JSON and vectorising (tokenizing, hashing, weighting), projecting, and
 * learning; plus the hashing's collisions on the documents' words.
 */
@Command(name = "bench-text", mixinStandardHelpOptions = true,
        description = {"Raw text through the service (nmf.input.format=text) as a ratio to a passthrough topology of "
                + "the same JSON text records, medians of --repeats runs; then, on one thread, nanoseconds per document "
                + "to vectorise, to project and to learn, and the share of the documents' distinct words that share "
                + "their hashed row with another word. One JSON line each."})
public final class TextBenchCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "DOCUMENTS",
            description = "JSON lines (.jsonl or .jsonl.gz) of documents {\"id\",\"text\"}, cycled to --records")
    Path documents;

    @Option(names = "--records", defaultValue = "30000", description = "Records per run. Default: ${DEFAULT-VALUE}.")
    int records;

    @Option(names = "--rank", defaultValue = "20", description = "Default: ${DEFAULT-VALUE}.")
    int rank;

    @Option(names = "--repeats", defaultValue = "3", description = "Default: ${DEFAULT-VALUE}.")
    int repeats;

    @Option(names = "--buckets", defaultValue = "32768", description = "m, the hashing size. Default: ${DEFAULT-VALUE}.")
    int buckets;

    @Option(names = "--no-service", description = "Only the collisions and the one-thread breakdown, no broker.")
    boolean noService;

    @Option(names = "--fixed-basis", description = "The service with learning off (nmf.learning=false) on the basis "
            + "the breakdown learned from the same documents: reading, vectorising and projecting without the updater.")
    boolean fixedBasis;

    @Option(names = "--hashing-quality", split = ",", paramLabel = "M",
            description = "Instead of the runs above: feature hashing with these row counts (e.g. 8192,32768,131072) "
                    + "against an exact vocabulary on the documents as they are (not cycled), each learned in one pass "
                    + "with fit's sparse defaults at --rank, compared in word space (errors, matched topics' cosines "
                    + "and top-10 words), with two exact models of different seeds as the floor.")
    int[] hashingQuality;

    @Option(names = "--floor", description = "After each run, the projection floor on the same records: a topology "
            + "that only reads and vectorises each document, projects it on the basis the breakdown learned and "
            + "publishes its weights (no stores, statistics or updater; the passthrough's settings): floorPerSecond "
            + "and floorRatio (passthrough ÷ floor time), the most that any way of learning could bring the service to.")
    boolean floor;

    /** The basis the breakdown learned (for --fixed-basis and --floor). */
    private Basis learned;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        ObjectMapper json = new ObjectMapper();
        List<String> texts = read(json, documents);
        if (hashingQuality != null) {
            hashingQuality(out, json, texts);
            return 0;
        }
        List<byte[]> values = new ArrayList<>(records);
        for (int j = 0; j < records; j++) {
            ObjectNode doc = json.createObjectNode();
            doc.put("id", "d" + j);
            doc.put("text", texts.get(j % texts.size()));
            values.add(json.writeValueAsBytes(doc));
        }
        collisions(out, json, texts);
        breakdown(out, json, values);
        if (noService) {
            return 0;
        }
        Path dir = Files.createTempDirectory("nmf-bench-text");
        double[] ratios = new double[repeats];
        try (EmbeddedKafka broker = EmbeddedKafka.start(dir.resolve("kafka"), new Properties())) {
            for (int rep = 0; rep < repeats; rep++) {
                String input = "text-in-" + rep;
                NmfStreamConfig config = config(input, dir, rep);
                TopicSetup.ensure(broker.bootstrapServers(), config, new Properties());
                fill(broker, input, values);
                double pass = Passthrough.seconds(broker, input, dir, records);
                double nmf;
                try (KafkaStreams streams = new KafkaStreams(NmfTopology.build(config, NmfService.initialBasis(config)),
                        NmfService.streamsProperties(config, broker.bootstrapServers()))) {
                    long start = System.nanoTime();
                    streams.start();
                    KafkaClients.awaitRecords(broker.bootstrapServers(), config.topics().weights(), records,
                            Duration.ofMinutes(10));
                    nmf = (System.nanoTime() - start) / 1e9;
                }
                ratios[rep] = pass / nmf;
                ObjectNode row = json.createObjectNode();
                row.put("run", rep + 1);
                row.put("records", records);
                row.put("rank", rank);
                row.put("buckets", buckets);
                row.put("learning", !fixedBasis);
                row.put("passthroughPerSecond", records / pass);
                row.put("textPerSecond", records / nmf);
                row.put("ratio", pass / nmf);
                if (floor) {
                    double least = ProjectionFloor.seconds(broker, input, dir, records, config, learned);
                    row.put("floorPerSecond", records / least);
                    row.put("floorRatio", pass / least);
                }
                out.println(json.writeValueAsString(row));
                out.flush();
            }
        } finally {
            EmbeddedKafka.delete(dir);
        }
        Arrays.sort(ratios);
        ObjectNode median = json.createObjectNode();
        median.put("medianRatio", ratios[repeats / 2]);
        median.put("repeats", repeats);
        out.println(json.writeValueAsString(median));
        out.flush();
        return 0;
    }

    /**
     * Sends every record at least once: a send the broker refused (a busy embedded broker answers
     * OutOfOrderSequence now and then) is sent again. A record sent twice gets its weights twice,
     * which the counts below accept.
     */
    private void fill(EmbeddedKafka broker, String input, List<byte[]> values) {
        List<Integer> pending = new ArrayList<>();
        for (int j = 0; j < values.size(); j++) {
            pending.add(j);
        }
        for (int round = 0; !pending.isEmpty(); round++) {
            if (round == 5) {
                throw new IllegalStateException(pending.size() + " records not accepted by the broker after 5 rounds");
            }
            Queue<Integer> failed = new ConcurrentLinkedQueue<>();
            try (KafkaProducer<String, byte[]> producer = KafkaClients.inputProducer(broker.bootstrapServers(), 5)) {
                for (int j : pending) {
                    producer.send(new ProducerRecord<>(input, "d" + j, values.get(j)), (meta, e) -> {
                        if (e != null) {
                            failed.add(j);
                        }
                    });
                }
                producer.flush();
            }
            pending = new ArrayList<>(failed);
        }
    }

    private static List<String> read(ObjectMapper json, Path file) throws IOException {
        List<String> texts = new ArrayList<>();
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(DataFiles.openText(file),
                StandardCharsets.UTF_8))) {
            for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                if (!line.isBlank()) {
                    JsonNode text = json.readTree(line).get("text");
                    if (text != null && text.isTextual()) {
                        texts.add(text.asText());
                    }
                }
            }
        }
        if (texts.isEmpty()) {
            throw new IllegalArgumentException(file + ": no {\"text\": …} line");
        }
        return texts;
    }

    private NmfStreamConfig config(String input, Path dir, int rep) throws IOException {
        Properties p = BenchProperties.forInput(input, "bench-text", dir);
        if (fixedBasis) {
            Path file = dir.resolve("basis-" + rep + ".npy");
            Npy.writeMatrix(file, learned.dim(), learned.rank(), learned.toRowMajor());
            p.setProperty("nmf.learning", "false");
            p.setProperty("nmf.basis.file", file.toString());
        }
        p.putAll(textSettings());
        p.setProperty("nmf.model", "bench");
        return NmfStreamConfig.from(p);
    }

    /** The service's settings for text at --rank and --buckets. */
    private Properties textSettings() {
        Properties p = new Properties();
        p.setProperty("nmf.rank", "" + rank);
        p.setProperty("nmf.input.format", "text");
        p.setProperty("nmf.dimension", "" + buckets);
        return p;
    }

    /**
     * {@link HashingQuality} for each m of --hashing-quality: one JSON line for the exact models,
     * then per m one for feature hashing and one for a vocabulary of the m most frequent words.
     */
    private void hashingQuality(PrintWriter out, ObjectMapper json, List<String> texts) throws IOException {
        for (int m : hashingQuality) {
            if (m < 1) {
                throw new IllegalArgumentException("--hashing-quality: " + m + " rows, expected at least 1");
            }
        }
        TextSettings settings = TextSettings.defaults();
        long t0 = System.nanoTime();
        HashingQuality.Corpus corpus = new HashingQuality.Corpus(texts, settings);
        List<SparseColumn> exact = corpus.exactColumns(settings.weighting());
        Basis exact0 = HashingQuality.learn(exact, rank, 0);
        Basis exact1 = HashingQuality.learn(exact, rank, 1);
        HashingQuality.Projected p0 = HashingQuality.weights(exact0, exact);
        HashingQuality.Projected p1 = HashingQuality.weights(exact1, exact);
        double[][] h0 = p0.h();
        ObjectNode row = json.createObjectNode();
        row.put("model", "exact vocabulary");
        row.put("documents", exact.size());
        row.put("rows", corpus.vocabulary());
        row.put("rank", rank);
        row.put("errorSeed0", p0.error());
        row.put("errorSeed1", p1.error());
        put(row.putObject("seed1AgainstSeed0"), HashingQuality.agreement(exact1, null, exact1, p1.h(), exact0, null,
                exact0, h0));
        row.put("seconds", (System.nanoTime() - t0) / 1e9);
        out.println(json.writeValueAsString(row));
        out.flush();
        for (int m : hashingQuality) {
            t0 = System.nanoTime();
            int[] hashedRows = corpus.rowsOf(m);
            List<SparseColumn> hashed = corpus.columns(settings.weighting(), hashedRows, m);
            out.println(json.writeValueAsString(compared(json, "hashed", m, corpus, hashedRows, hashed, exact, exact0,
                    h0, t0)));
            out.flush();
            t0 = System.nanoTime();
            int[] cappedRows = corpus.cappedRows(m);
            List<SparseColumn> capped = corpus.columns(settings.weighting(), cappedRows, m);
            out.println(json.writeValueAsString(compared(json, "vocabulary of the m most frequent words", m, corpus,
                    cappedRows, capped, exact, exact0, h0, t0)));
            out.flush();
        }
    }

    /** One model of m rows (words to rows by {@code rowOfWord}) against the exact model of seed 0. */
    private ObjectNode compared(ObjectMapper json, String name, int m, HashingQuality.Corpus corpus, int[] rowOfWord,
            List<SparseColumn> columns, List<SparseColumn> exact, Basis exact0, double[][] h0, long t0) {
        int[] labels = HashingQuality.rowLabels(corpus, rowOfWord, m);
        int[] wordsInRow = new int[m];
        int dropped = 0;
        for (int r : rowOfWord) {
            if (r >= 0) {
                wordsInRow[r]++;
            } else {
                dropped++;
            }
        }
        int sharing = 0;
        for (int r : rowOfWord) {
            sharing += r >= 0 && wordsInRow[r] > 1 ? 1 : 0;
        }
        Basis model0 = HashingQuality.learn(columns, rank, 0);
        Basis model1 = HashingQuality.learn(columns, rank, 1);
        int[] byLabel = HashingQuality.labelsOnly(rowOfWord, labels);
        ObjectNode row = json.createObjectNode();
        row.put("model", name);
        row.put("rows", m);
        row.put("wordsSharingARow", (double) sharing / corpus.vocabulary());
        row.put("wordsDropped", (double) dropped / corpus.vocabulary());
        row.put("errorOwnColumnsSeed0", HashingQuality.relativeError(model0, columns));
        row.put("errorInWordsSeed0", HashingQuality.relativeError(HashingQuality.inWords(model0, rowOfWord), exact));
        row.put("errorInWordsSeed1", HashingQuality.relativeError(HashingQuality.inWords(model1, rowOfWord), exact));
        Basis labelled0 = HashingQuality.inWords(model0, byLabel);
        Basis labelled1 = HashingQuality.inWords(model1, byLabel);
        row.put("errorInWordsLabelsOnlySeed0", HashingQuality.relativeError(labelled0, exact));
        row.put("errorInWordsLabelsOnlySeed1", HashingQuality.relativeError(labelled1, exact));
        // topics compared as a user reads them: each row its label
        put(row.putObject("seed1AgainstExactSeed0"), HashingQuality.agreement(model1, labels, labelled1,
                HashingQuality.weights(model1, columns).h(), exact0, null, exact0, h0));
        row.put("seconds", (System.nanoTime() - t0) / 1e9);
        return row;
    }

    private static void put(ObjectNode node, HashingQuality.Agreement a) {
        node.put("meanCosine", a.meanCosine());
        node.put("minCosine", a.minCosine());
        node.put("meanTop10Overlap", a.meanTopOverlap());
        node.put("minTop10Overlap", a.minTopOverlap());
        node.put("meanWeightsCosine", a.meanWeightsCosine());
    }

    /** The share of distinct words, and of word occurrences, whose row holds another word too. */
    private void collisions(PrintWriter out, ObjectMapper json, List<String> texts) throws IOException {
        TextVectorizer v = new TextVectorizer(TextSettings.defaults().withBuckets(buckets));
        Map<String, Long> counts = new HashMap<>();
        for (String t : texts) {
            for (String w : v.terms(t)) {
                counts.merge(w, 1L, Long::sum);
            }
        }
        Map<Integer, List<String>> rows = new HashMap<>();
        for (String w : counts.keySet()) {
            rows.computeIfAbsent(TextVectorizer.bucketOf(w, buckets), k -> new ArrayList<>()).add(w);
        }
        long shared = 0;
        long occurrences = 0;
        long mislabelled = 0;
        Set<String> notLabel = new HashSet<>();
        for (List<String> words : rows.values()) {
            String label = words.stream().max((a, b) -> Long.compare(counts.get(a), counts.get(b))).orElseThrow();
            for (String w : words) {
                occurrences += counts.get(w);
                if (words.size() > 1) {
                    shared++;
                }
                if (!w.equals(label)) {
                    mislabelled += counts.get(w);
                    notLabel.add(w);
                }
            }
        }
        ObjectNode row = json.createObjectNode();
        row.put("buckets", buckets);
        row.put("distinctWords", counts.size());
        row.put("rowsUsed", rows.size());
        row.put("wordsSharingARow", (double) shared / counts.size());
        row.put("wordsNotTheirRowsLabel", notLabel.size());
        row.put("occurrencesNotTheirRowsLabel", (double) mislabelled / occurrences);
        out.println(json.writeValueAsString(row));
        out.flush();
    }

    /**
     * One thread, the documents three times over: vectorise (JSON → column), project on a basis
     * learned from them, and learn (OnlineNmf with the service's engine settings for text:
     * projection and update); nanoseconds per document, the best of three passes after a warm-up
     * pass.
     */
    private void breakdown(PrintWriter out, ObjectMapper json, List<byte[]> values) throws IOException {
        TextVectorizer vectorizer = new TextVectorizer(TextSettings.defaults().withBuckets(buckets));
        TextColumns columns = new TextColumns() {
            @Override
            public void start() {
                vectorizer.start();
            }

            @Override
            public void add(char[] chars, int offset, int length) {
                vectorizer.add(chars, offset, length);
            }

            @Override
            public int finish(int[] indices, double[] vals) {
                return vectorizer.finish(indices, vals);
            }
        };
        ColumnDecoder decoder = new ColumnDecoder(buckets, 4 << 20, 256, columns);
        DecodedItem item = new DecodedItem(buckets);
        int n = values.size();
        List<SparseColumn> vectors = new ArrayList<>(n);
        double vectorise = Double.MAX_VALUE;
        for (int pass = 0; pass < 4; pass++) {
            long start = System.nanoTime();
            for (byte[] value : values) {
                if (!decoder.decode(null, value, item)) {
                    throw new IllegalStateException("a bench document is invalid: " + item.reason());
                }
                if (pass == 0) {
                    SparseColumn c = (SparseColumn) item.column();
                    vectors.add(SparseColumn.of(buckets, Arrays.copyOfRange(c.indices(), c.offset(), c.offset()
                            + c.nnz()), Arrays.copyOfRange(c.values(), c.offset(), c.offset() + c.nnz())));
                }
            }
            if (pass > 0) {
                vectorise = Math.min(vectorise, (System.nanoTime() - start) / (double) n);
            }
        }
        double learn = Double.MAX_VALUE;
        Basis basis = null;
        // the engine settings the service runs text with (its sparse defaults: mini-batches of 1,024)
        NmfConfig engine = NmfStreamConfig.from(textSettings()).engine().withSeed(1);
        for (int pass = 0; pass < 4; pass++) {
            OnlineNmf nmf = new OnlineNmf(engine);
            long start = System.nanoTime();
            for (SparseColumn c : vectors) {
                nmf.partialFit(c);
            }
            nmf.flush();
            if (pass > 0) {
                learn = Math.min(learn, (System.nanoTime() - start) / (double) n);
            }
            basis = nmf.basis();
            learned = basis;
        }
        double project = Double.MAX_VALUE;
        OnlineNmf fixed = OnlineNmf.withBasis(NmfConfig.defaults(rank).withLearning(false), basis);
        Projection projection = new Projection(rank);
        for (int pass = 0; pass < 4; pass++) {
            long start = System.nanoTime();
            for (SparseColumn c : vectors) {
                fixed.project(c, projection);
            }
            if (pass > 0) {
                project = Math.min(project, (System.nanoTime() - start) / (double) n);
            }
        }
        ObjectNode row = json.createObjectNode();
        row.put("documents", n);
        row.put("meanNonzeros", vectors.stream().mapToInt(SparseColumn::nnz).average().orElse(0));
        row.put("vectoriseNsPerDocument", vectorise);
        row.put("projectNsPerDocument", project);
        row.put("learnNsPerDocument", learn);
        row.put("updateNsPerDocument", learn - project);
        out.println(json.writeValueAsString(row));
        out.flush();
    }
}
