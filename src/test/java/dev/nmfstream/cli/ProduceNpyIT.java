package dev.nmfstream.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nmfstream.io.Npy;
import dev.nmfstream.kafka.EmbeddedKafka;
import dev.nmfstream.kafka.KafkaClients;
import dev.nmfstream.nmf.Column;
import dev.nmfstream.nmf.DenseColumn;
import dev.nmfstream.nmf.SparseColumn;
import dev.nmfstream.wire.ColumnDecoder;
import dev.nmfstream.wire.Decoded;
import dev.nmfstream.wire.InputFormat;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.SplittableRandom;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code produce} of a dense .npy file, read a chunk of columns at a time, on a real broker: every
 * column arrives once, in order, with its values; a file with a bad value in a later chunk is
 * refused before anything is sent.
 */
class ProduceNpyIT {

    @TempDir
    Path dir;

    @Test
    void everyColumnArrivesWithItsValuesAndABadFileSendsNothing() throws Exception {
        int m = 3000; // 174 columns per chunk of the reader: three chunks
        int n = 400;
        SplittableRandom random = new SplittableRandom(21);
        double[] rowMajor = new double[m * n];
        for (int k = 0; k < rowMajor.length; k++) {
            rowMajor[k] = random.nextInt(8) == 0 ? 0 : (float) (random.nextDouble() * 50);
        }
        Path good = dir.resolve("good.npy");
        Npy.writeMatrix(good, m, n, rowMajor);
        double[] spoiled = rowMajor.clone();
        spoiled[17 * n + 350] = -1.5; // row 17 of column 350, in the reader's third chunk
        Path bad = dir.resolve("bad.npy");
        Npy.writeMatrix(bad, m, n, spoiled);

        try (EmbeddedKafka broker = EmbeddedKafka.start(dir.resolve("kafka"), new Properties())) {
            String bootstrap = broker.bootstrapServers();
            broker.createTopics(List.of(EmbeddedKafka.TopicSpec.deleted("good-in", 1),
                    EmbeddedKafka.TopicSpec.deleted("bad-in", 1)));

            MainTest.Run sent = MainTest.run("produce", good.toString(), "-b", bootstrap, "-t", "good-in",
                    "--format", "binary");
            assertEquals(0, sent.exitCode(), sent.toString());
            assertTrue(sent.out().contains("{\"records\":" + n + ",\"topic\":\"good-in\"}"), sent.out());

            MainTest.Run refused = MainTest.run("produce", bad.toString(), "-b", bootstrap, "-t", "bad-in",
                    "--format", "binary");
            assertEquals(1, refused.exitCode(), refused.toString());
            assertTrue(refused.err().contains("column 350, row 17"), refused.err());

            List<ConsumerRecord<String, byte[]>> records = readAll(bootstrap, "good-in", n);
            assertEquals(n, records.size());
            ColumnDecoder decoder = new ColumnDecoder(m, InputFormat.BINARY, 1 << 20);
            for (int j = 0; j < n; j++) {
                ConsumerRecord<String, byte[]> r = records.get(j);
                assertEquals("item-" + j, r.key(), "records in column order");
                Decoded decoded = decoder.decode(r.key().getBytes(), r.value());
                Column column = assertInstanceOf(Decoded.Valid.class, decoded, decoded.toString()).column();
                assertEquals(m, column.dim());
                double[] values = dense(column);
                for (int i = 0; i < m; i++) {
                    assertEquals(rowMajor[i * n + j], values[i], "column " + j + ", row " + i);
                }
            }
            assertEquals(0, readAll(bootstrap, "bad-in", 0).size(), "nothing sent from the refused file");
        }
    }

    /** A column's values, dense. */
    private static double[] dense(Column column) {
        double[] values = new double[column.dim()];
        if (column instanceof DenseColumn d) {
            System.arraycopy(d.data(), d.offset(), values, 0, d.dim());
        } else {
            SparseColumn sp = (SparseColumn) column;
            for (int k = 0; k < sp.nnz(); k++) {
                values[sp.indices()[sp.offset() + k]] = sp.values()[sp.offset() + k];
            }
        }
        return values;
    }

    /** The topic's records from the beginning: until {@code expected} have come, or 5 s without one. */
    private static List<ConsumerRecord<String, byte[]>> readAll(String bootstrap, String topic, int expected) {
        List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer = KafkaClients.committedConsumer(bootstrap, "check-" + topic, true)) {
            consumer.subscribe(List.of(topic));
            long quietSince = System.nanoTime();
            while (System.nanoTime() - quietSince < 5_000_000_000L && (expected == 0 || records.size() < expected)) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    records.add(r);
                    quietSince = System.nanoTime();
                }
            }
        }
        return records;
    }
}
