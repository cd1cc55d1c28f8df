package dev.nmfstream.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nmfstream.io.ColumnCursor;
import dev.nmfstream.io.DataFileException;
import dev.nmfstream.io.DataFiles;
import dev.nmfstream.io.DataMatrix;
import dev.nmfstream.kafka.KafkaClients;
import dev.nmfstream.kafka.RatePacer;
import dev.nmfstream.nmf.Column;
import dev.nmfstream.wire.ColumnEncoder;
import dev.nmfstream.wire.Topics;
import java.io.BufferedReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
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
                + "or a JSON-lines file (.jsonl: one column object per line, key = its \"id\"). Shows progress on stderr."})
final class ProduceCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "FILE", description = ".npy, .npz or .jsonl")
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

    @Override
    public Integer call() throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        if (!format.equals("json") && !format.equals("binary")) {
            err.println("produce: --format " + format + ", expected json or binary");
            return 2;
        }
        if (!Files.isRegularFile(file)) {
            err.println("produce: " + file + ": no such file");
            return 1;
        }
        String bootstrap = kafka.bootstrapServers();
        String topic = kafka.topicOr(Topics.COLUMNS);
        AtomicReference<Exception> failure = new AtomicReference<>();
        AtomicLong acked = new AtomicLong();
        long sent = 0;
        long start = System.nanoTime();
        RatePacer pacer = rate.pacer();
        try (KafkaProducer<String, byte[]> producer = KafkaClients.producer(bootstrap, 20)) {
            if (file.toString().endsWith(".jsonl")) {
                ObjectMapper json = new ObjectMapper();
                long total = Files.lines(file).count();
                try (BufferedReader lines = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                    String line;
                    long number = 0;
                    while ((line = lines.readLine()) != null) {
                        number++;
                        if (line.isBlank()) {
                            continue;
                        }
                        JsonNode id = json.readTree(line).get("id");
                        if (id == null || !id.isTextual()) {
                            err.println("produce: " + file + " line " + number + ": no string \"id\", expected one per line");
                            return 1;
                        }
                        send(producer, id.asText(), line.getBytes(StandardCharsets.UTF_8), acked, failure, pacer, sent++);
                        progress(err, sent, total, start, false);
                    }
                }
            } else {
                DataMatrix data;
                try {
                    data = DataFiles.read(file, layout.itemsAreRows());
                    data.validate();
                } catch (DataFileException e) {
                    err.println("produce: " + e.getMessage());
                    return 1;
                } catch (IllegalArgumentException e) {
                    err.println("produce: " + file + ": " + e.getMessage());
                    return 1;
                }
                ColumnCursor cursor = data.cursor();
                for (int j = 0; j < data.columns(); j++) {
                    Column c = cursor.at(j);
                    String id = idPrefix + j;
                    byte[] value = format.equals("binary") ? ColumnEncoder.binary(c, -1) : ColumnEncoder.json(id, c, -1);
                    send(producer, id, value, acked, failure, pacer, sent++);
                    progress(err, sent, data.columns(), start, false);
                }
            }
            producer.flush();
        }
        if (failure.get() != null) {
            err.println("produce: sending to " + topic + " at " + bootstrap + " failed: " + failure.get().getMessage());
            return 1;
        }
        progress(err, sent, sent, start, true);
        spec.commandLine().getOut().println("{\"records\":" + acked.get() + ",\"topic\":\"" + topic + "\"}");
        spec.commandLine().getOut().flush();
        return 0;
    }

    private void send(KafkaProducer<String, byte[]> producer, String id, byte[] value, AtomicLong acked,
            AtomicReference<Exception> failure, RatePacer pacer, long index) throws Exception {
        if (failure.get() != null) {
            throw failure.get();
        }
        pacer.await(index);
        producer.send(new ProducerRecord<>(kafka.topicOr(Topics.COLUMNS), id, value), (meta, e) -> {
            if (e != null) {
                failure.compareAndSet(null, e);
            } else {
                acked.incrementAndGet();
            }
        });
    }

    private long lastDraw;

    private void progress(PrintWriter err, long done, long total, long start, boolean last) {
        long now = System.nanoTime();
        if (!last && now - lastDraw < 250_000_000L) {
            return;
        }
        lastDraw = now;
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
