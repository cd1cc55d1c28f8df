package dev.nmfstream.cli;

import static dev.nmfstream.cli.MainTest.assertContains;
import static dev.nmfstream.cli.MainTest.run;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nmfstream.PlantedText;
import dev.nmfstream.cli.MainTest.Run;
import dev.nmfstream.io.Npy;
import dev.nmfstream.io.NpyArray;
import dev.nmfstream.nmf.synth.PlantedTopics;
import dev.nmfstream.text.TextVectorizer;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code fit} of documents (JSON lines {"id", "text"}): vectorised as the service vectorises text,
 * the planted topics come back named by their words, and bad files and options are named.
 */
class FitTextTest {

    private static final int TERMS = 1000;
    private static final int R = 5;

    @Test
    void plantedTopicsComeBackNamedByTheirWords(@TempDir Path dir) throws Exception {
        PlantedTopics planted = new PlantedTopics(TERMS, R, 30, 60, 0.1, 11);
        ObjectMapper json = new ObjectMapper();
        Path file = dir.resolve("docs.jsonl.gz");
        int[] idx = new int[512];
        double[] val = new double[512];
        try (OutputStream raw = Files.newOutputStream(file);
                Writer out = new OutputStreamWriter(new GZIPOutputStream(raw), StandardCharsets.UTF_8)) {
            for (int d = 0; d < 6000; d++) {
                ObjectNode doc = json.createObjectNode().put("id", "doc-" + d)
                        .put("text", PlantedText.next(planted, idx, val));
                out.write(json.writeValueAsString(doc) + "\n");
            }
            out.write("{\"id\":\"stop-words-only\",\"text\":\"the and of 42\"}\n\n");
        }
        int m = 1 << 14;
        Path w = dir.resolve("W.npy");
        Run r = run("fit", file.toString(), "--rank", "" + R, "--buckets", "" + m, "-o", w.toString());
        assertEquals(0, r.exitCode(), r.describe());
        assertContains(r.err(), "fit: warning: 1 documents of " + file + " have no word the analysis keeps");
        JsonNode out = json.readTree(r.out());
        assertEquals(m, out.get("rows").asInt());
        assertEquals(6000, out.get("columns").asInt(), "the document without words is left out");
        assertEquals(1, out.get("documentsWithoutWords").asInt());
        NpyArray basis = Npy.read(w);
        assertArrayEquals(new int[] {m, R}, basis.shape(), "W has a row per hashed row");
        double[] wRowMajor = basis.toDoubles(); // m × R, C order

        List<Set<String>> learned = new ArrayList<>();
        for (JsonNode topic : out.get("topics")) {
            Set<String> words = new HashSet<>();
            topic.forEach(x -> words.add(x.asText()));
            learned.add(words);
        }
        assertEquals(R, learned.size());
        PlantedText.assertRecovered(planted, learned);
        // the rows are the service's: a topic's first word has its largest value in that word's row
        String first = out.get("topics").get(0).get(0).asText();
        int row = TextVectorizer.bucketOf(first, m);
        double largest = 0;
        for (int i = 0; i < m; i++) {
            largest = Math.max(largest, wRowMajor[i * R]);
        }
        assertEquals(largest, wRowMajor[row * R], 0.0, "'" + first + "' names component 0's largest row");
    }

    @Test
    void badDocumentsAndOptionsAreNamed(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("docs.jsonl");
        Files.writeString(file, "{\"id\":\"a\",\"text\":\"copyright license software\"}\n{\"id\":\"b\",\"body\":\"x\"}\n");
        Path w = dir.resolve("W.npy");
        Run r = run("fit", file.toString(), "--rank", "1", "-o", w.toString());
        assertEquals(1, r.exitCode(), r.describe());
        assertEquals("fit: " + file + ": line 2: no string \"text\", expected one JSON object {\"id\", \"text\"} per "
                + "line", r.err().strip());

        Files.writeString(file, "{\"id\":\"a\",\"text\":\"copyright license\"}\n{\"id\":\"b\",\"text\":\"x\",}\n");
        r = run("fit", file.toString(), "--rank", "1", "-o", w.toString());
        assertEquals(1, r.exitCode(), r.describe());
        assertContains(r.err(), "fit: " + file + ": line 2: Unexpected character ('}'");

        Path gz = dir.resolve("docs.jsonl.gz");
        Files.writeString(gz, "not gzip");
        r = run("fit", gz.toString(), "--rank", "1", "-o", w.toString());
        assertEquals(1, r.exitCode(), r.describe());
        assertEquals("fit: " + gz + ": the gzip data is damaged or cut short (Not in GZIP format), expected a whole "
                + ".gz file", r.err().strip());

        r = run("fit", file.toString(), "--rank", "1", "--language", "klingon", "-o", w.toString());
        assertEquals(2, r.exitCode(), r.describe());
        assertContains(r.err(), "fit: ", "klingon");

        r = run("fit", file.toString(), "--rank", "1", "--buckets", "1", "-o", w.toString());
        assertEquals(2, r.exitCode(), r.describe());
        assertEquals("fit: --buckets = 1, expected at least 2", r.err().strip());

        Path npy = dir.resolve("V.npy");
        Npy.writeMatrix(npy, 3, 4, new double[12]);
        r = run("fit", npy.toString(), "--rank", "1", "--buckets", "64", "-o", w.toString());
        assertEquals(2, r.exitCode(), r.describe());
        assertEquals("fit: --buckets, --language, --stemming and --weighting are for documents (.jsonl or .jsonl.gz), "
                + "not " + npy, r.err().strip());
    }
}
