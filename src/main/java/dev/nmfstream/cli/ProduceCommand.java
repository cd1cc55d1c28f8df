package dev.nmfstream.cli;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nmfstream.io.ColumnCursor;
import dev.nmfstream.io.DataFileException;
import dev.nmfstream.io.DataFiles;
import dev.nmfstream.io.DataMatrix;
import dev.nmfstream.io.NpyColumns;
import dev.nmfstream.kafka.KafkaClients;
import dev.nmfstream.kafka.RatePacer;
import dev.nmfstream.nmf.Column;
import dev.nmfstream.wire.ColumnEncoder;
import dev.nmfstream.wire.Topics;
import java.io.BufferedReader;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.ZipException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.TimeoutException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code produce}: a data file's columns (or JSON lines) into the input topic, with a progress bar. */
@Command(name = "produce", mixinStandardHelpOptions = true,
        description = {"Sends a data file to the input topic: a .npy (m × n, one item per column; --items-are-rows "
                + "for n × m) or .npz sparse matrix, each column as one record (key = --id-prefix + its index), "
                + "or a JSON-lines file (.jsonl, or .jsonl.gz gzipped: one column object or text document {\"id\",\"text\"} per line, key = its "
                + "\"id\"); for nmf.input.format=text also a folder (every .txt file under it is one document, id = its "
                + "relative path) or - (standard input, one document per line, id = --id-prefix + line number). "
                + "Shows progress on stderr."})
final class ProduceCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "FILE", description = ".npy, .npz, .jsonl[.gz], a folder of .txt files, or - "
            + "(text lines on standard input)")
    Path file;

    @Mixin
    KafkaOptions kafka;

    @Option(names = "--format", defaultValue = "json",
            description = "For .npy/.npz: json or binary (float32). Default: ${DEFAULT-VALUE}.")
    String format;

    @Mixin
    LayoutOption layout;

    @Option(names = "--id-prefix", defaultValue = "item-", description = "Default: ${DEFAULT-VALUE}.")
    String idPrefix;

    @Mixin
    RateOption rate;

    @Spec
    CommandSpec spec;

    @Mixin
    ConnectTimeoutOption connect;

    @Override
    public Integer call() throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        if (!format.equals("json") && !format.equals("binary")) {
            err.println("produce: --format " + format + ", expected json or binary");
            return 2;
        }
        Duration timeout;
        try {
            timeout = connect.timeout();
        } catch (IllegalArgumentException e) {
            err.println("produce: " + e.getMessage());
            return 2;
        }
        boolean stdin = file.toString().equals("-");
        boolean folder = !stdin && Files.isDirectory(file);
        if (stdin || folder) {
            return produceText(err, timeout, stdin);
        }
        if (!Files.isRegularFile(file)) {
            err.println("produce: " + file + ": no such file");
            return 1;
        }
        boolean jsonLines = DataFiles.isJsonLines(file);
        long total = jsonLines ? checkJsonLines(err) : 0;
        if (total < 0) {
            return 1;
        }
        String bootstrap = kafka.bootstrapServers();
        if (!reachable(err, bootstrap, timeout)) {
            return 1;
        }
        AtomicReference<Exception> failure = new AtomicReference<>();
        AtomicLong acked = new AtomicLong();
        long sent = 0;
        long start = System.nanoTime();
        RatePacer pacer = rate.pacer();
        try (KafkaProducer<String, byte[]> producer = KafkaClients.producer(bootstrap, 20, timeout)) {
            if (jsonLines) {
                ObjectMapper json = new ObjectMapper();
                try (BufferedReader lines = new BufferedReader(new InputStreamReader(DataFiles.openText(file),
                        StandardCharsets.UTF_8))) {
                    for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                        if (line.isBlank()) {
                            continue;
                        }
                        // checked by checkJsonLines: an object with a string "id"
                        String id = json.readTree(line).get("id").asText();
                        if (!send(producer, id, line.getBytes(StandardCharsets.UTF_8), acked, failure, pacer, sent++)) {
                            break;
                        }
                        progress(err, sent, total, start, false);
                    }
                }
            } else {
                try (Columns columns = columns(err)) {
                    if (columns == null) {
                        return 1;
                    }
                    for (int j = 0; j < columns.count(); j++) {
                        Column c;
                        try {
                            c = columns.cursor().at(j);
                        } catch (IllegalArgumentException e) {
                            // the file changed between the check and the send (NpyColumns reads it again)
                            failure.compareAndSet(null, new IllegalStateException(file + ": " + e.getMessage(), e));
                            break;
                        }
                        String id = idPrefix + j;
                        byte[] value = format.equals("binary") ? ColumnEncoder.binary(c, -1) : ColumnEncoder.json(id, c, -1);
                        if (!send(producer, id, value, acked, failure, pacer, sent++)) {
                            break;
                        }
                        progress(err, sent, columns.count(), start, false);
                    }
                }
            }
            producer.flush();
        } catch (KafkaException e) {
            failure.compareAndSet(null, e);
        }
        return finish(err, failure.get(), acked.get(), sent, sent, start);
    }

    /**
     * The columns of a .npy or .npz file, every value checked first, so that nothing is sent from a
     * file with a bad value; null after printing what is wrong.
     *
     * @param cursor the items, in order
     * @param count how many
     * @param chunks a dense .npy file read a chunk of columns at a time (not whole), else null
     */
    private record Columns(ColumnCursor cursor, int count, NpyColumns chunks) implements AutoCloseable {
        @Override
        public void close() {
            if (chunks != null) {
                chunks.close();
            }
        }
    }

    private Columns columns(PrintWriter err) {
        NpyColumns chunks = null;
        try {
            chunks = NpyColumns.open(file, layout.itemsAreRows());
            if (chunks != null) {
                chunks.validate();
                return new Columns(chunks, chunks.columns(), chunks);
            }
            DataMatrix data = DataFiles.read(file, layout.itemsAreRows());
            data.validate();
            return new Columns(data.cursor(), data.columns(), null);
        } catch (DataFileException e) {
            err.println("produce: " + e.getMessage());
        } catch (IllegalArgumentException e) {
            err.println("produce: " + file + ": " + e.getMessage());
        }
        if (chunks != null) {
            chunks.close();
        }
        return null;
    }

    /**
     * Reads the JSON-lines file (gzipped if its name ends with .gz) once before anything is sent:
     * every non-blank line must be UTF-8 text holding one JSON object with a string "id".
     *
     * @return the number of records, or −1 after printing what is wrong (file, line, column)
     */
    private long checkJsonLines(PrintWriter err) throws IOException {
        ObjectMapper json = new ObjectMapper();
        CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
        long records = 0;
        long number = 0;
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(DataFiles.openText(file), utf8))) {
            while (true) {
                String line;
                try {
                    line = lines.readLine();
                } catch (CharacterCodingException e) {
                    err.println("produce: " + file + " line " + (number + 1) + ": bytes that are not UTF-8, "
                            + "expected UTF-8 JSON text");
                    return -1;
                } catch (ZipException | EOFException e) {
                    err.println("produce: " + file + " line " + (number + 1) + ": the gzip data is damaged or cut short ("
                            + e.getMessage() + "), expected a whole .gz file");
                    return -1;
                }
                if (line == null) {
                    return records;
                }
                number++;
                if (line.isBlank()) {
                    continue;
                }
                JsonNode record;
                try {
                    record = json.readTree(line);
                } catch (JsonProcessingException e) {
                    JsonLocation at = e.getLocation();
                    err.println("produce: " + file + " line " + number
                            + (at != null && at.getColumnNr() > 0 ? ", column " + at.getColumnNr() : "") + ": "
                            + e.getOriginalMessage().lines().findFirst().orElse("") + ", expected one JSON object per line");
                    return -1;
                }
                JsonNode id = record.get("id");
                if (id == null || !id.isTextual()) {
                    err.println("produce: " + file + " line " + number + ": no string \"id\", expected one per line");
                    return -1;
                }
                records++;
            }
        } catch (ZipException | EOFException e) {
            err.println("produce: " + file + ": not gzip data (" + e.getMessage() + "), expected a .gz file");
            return -1;
        }
    }

    /**
     * Sends text documents {"id","text"}: each .txt file under the folder (sorted by path, id = the
     * path relative to the folder, with '/'), or each non-blank line of standard input (id =
     * --id-prefix + its line number from 1).
     */
    private int produceText(PrintWriter err, Duration timeout, boolean stdin) throws IOException {
        List<Path> files = List.of();
        if (!stdin) {
            try (Stream<Path> walk = Files.walk(file)) {
                files = walk.filter(f -> Files.isRegularFile(f) && f.getFileName().toString().endsWith(".txt"))
                        .sorted().collect(Collectors.toList());
            }
            if (files.isEmpty()) {
                err.println("produce: " + file + ": no .txt file in the folder, expected one document per .txt file");
                return 1;
            }
        }
        String bootstrap = kafka.bootstrapServers();
        if (!reachable(err, bootstrap, timeout)) {
            return 1;
        }
        AtomicReference<Exception> failure = new AtomicReference<>();
        AtomicLong acked = new AtomicLong();
        long sent = 0;
        long start = System.nanoTime();
        RatePacer pacer = rate.pacer();
        ObjectMapper json = new ObjectMapper();
        try (KafkaProducer<String, byte[]> producer = KafkaClients.producer(bootstrap, 20, timeout)) {
            if (stdin) {
                BufferedReader lines = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
                long number = 0;
                for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                    number++;
                    if (line.isBlank()) {
                        continue;
                    }
                    String id = idPrefix + number;
                    if (!send(producer, id, document(json, id, line), acked, failure, pacer, sent++)) {
                        break;
                    }
                    progress(err, sent, -1, start, false);
                }
            } else {
                for (Path f : files) {
                    String id = file.relativize(f).toString().replace('\\', '/');
                    String text;
                    try {
                        text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                                .decode(ByteBuffer.wrap(Files.readAllBytes(f))).toString();
                    } catch (CharacterCodingException e) {
                        err.println();
                        err.println("produce: " + f + ": bytes that are not UTF-8, expected UTF-8 text; stopped after "
                                + sent + " documents");
                        return 1;
                    }
                    if (!send(producer, id, document(json, id, text), acked, failure, pacer, sent++)) {
                        break;
                    }
                    progress(err, sent, files.size(), start, false);
                }
            }
            producer.flush();
        } catch (KafkaException e) {
            failure.compareAndSet(null, e);
        }
        return finish(err, failure.get(), acked.get(), sent, stdin ? -1 : sent, start);
    }

    /** Whether the broker answers within the timeout; if not, says why. */
    private boolean reachable(PrintWriter err, String bootstrap, Duration timeout) {
        try {
            KafkaClients.requireReachable(bootstrap, new Properties(), timeout);
            return true;
        } catch (IllegalStateException e) {
            err.println("produce: " + e.getMessage());
            return false;
        }
    }

    /**
     * Ends a run: the failure of a send if there was one (exit 1), else the last progress line
     * and the summary {"records","topic"} on standard output (exit 0).
     */
    private int finish(PrintWriter err, Exception failure, long acked, long sent, long total, long start) {
        String topic = kafka.topicOr(Topics.COLUMNS);
        if (failure != null) {
            err.println();
            err.println("produce: sending to topic " + topic + " at " + kafka.bootstrapServers() + " failed: "
                    + failure.getMessage() + (failure instanceof TimeoutException
                    ? " (expected the topic to exist: run creates it at start; --timeout sets the wait)" : ""));
            return 1;
        }
        progress(err, sent, total, start, true);
        spec.commandLine().getOut().println("{\"records\":" + acked + ",\"topic\":\"" + topic + "\"}");
        spec.commandLine().getOut().flush();
        return 0;
    }

    /** A text document as the service reads it with nmf.input.format=text. */
    private static byte[] document(ObjectMapper json, String id, String text) throws IOException {
        ObjectNode doc = json.createObjectNode();
        doc.put("id", id);
        doc.put("text", text);
        return json.writeValueAsBytes(doc);
    }

    /** Sends one record, paced; false once a send has failed (the failure is kept). */
    private boolean send(KafkaProducer<String, byte[]> producer, String id, byte[] value, AtomicLong acked,
            AtomicReference<Exception> failure, RatePacer pacer, long index) {
        if (failure.get() != null) {
            return false;
        }
        pacer.await(index);
        producer.send(new ProducerRecord<>(kafka.topicOr(Topics.COLUMNS), id, value), (meta, e) -> {
            if (e != null) {
                failure.compareAndSet(null, e);
            } else {
                acked.incrementAndGet();
            }
        });
        return true;
    }

    private long lastDraw;

    private void progress(PrintWriter err, long done, long total, long start, boolean last) {
        long now = System.nanoTime();
        if (!last && now - lastDraw < 250_000_000L) {
            return;
        }
        lastDraw = now;
        double elapsed = (now - start) / 1e9;
        if (total < 0) { // standard input: no total known
            err.printf("\r%,d records %,.0f/s", done, elapsed > 0 ? done / elapsed : 0);
            if (last) {
                err.println();
            }
            err.flush();
            return;
        }
        int width = 30;
        int filled = total > 0 ? (int) (width * done / total) : width;
        double seconds = (now - start) / 1e9;
        err.printf("\r[%s%s] %3d%% %,d/%,d records %,.0f/s", "#".repeat(filled), " ".repeat(width - filled),
                total > 0 ? 100 * done / total : 100, done, total, seconds > 0 ? done / seconds : 0);
        if (last) {
            err.println();
        }
        err.flush();
    }
}
