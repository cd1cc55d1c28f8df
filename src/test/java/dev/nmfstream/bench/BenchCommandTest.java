package dev.nmfstream.bench;

import static dev.nmfstream.cli.MainTest.assertContains;
import static dev.nmfstream.cli.MainTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nmfstream.TestDiagnostics;
import dev.nmfstream.cli.MainTest.Run;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code bench} on one small case (about a second), and its option checks. */
class BenchCommandTest {

    @TempDir
    Path dir;

    @Test
    void smallDenseCase() throws IOException {
        Path table = dir.resolve("bench.md");
        Run r = run("bench", "--case", "dense500", "--columns", "2000", "--repeats", "1", "--markdown",
                table.toString());
        assertEquals(0, r.exitCode(), r.describe());
        assertEquals("", r.err(), r.describe());

        List<String> json = r.out().lines().filter(l -> l.startsWith("{")).toList();
        assertEquals(1, json.size(), "one JSON line per case: " + r.describe());
        JsonNode row = new ObjectMapper().readTree(json.get(0));
        TestDiagnostics.record(BenchCommandTest.class, row.toString());
        assertEquals("dense500", row.get("case").asText());
        assertEquals(500, row.get("m").asInt());
        assertEquals(20, row.get("r").asInt());
        assertEquals(2000, row.get("columns").asInt());
        assertEquals(1, row.get("repeats").asInt());
        assertPositive(row, "productPerSecond");
        assertPositive(row, "projectionsPerSecond");
        assertPositive(row, "projectionCostRatio");
        assertPositive(row, "learnPerSecond");
        // the projection path allocates nothing (README; NnlsSolverTest measures it on its own):
        // one object would be at least 16 bytes, the counter's own few bytes spread over 2,000
        // projections stay under one per projection
        double bytes = row.get("bytesAllocatedPerProjection").asDouble();
        assertTrue(bytes >= 0 && bytes < 1, "bytes allocated per projection: " + row);
        // the ratio is the two rates' quotient (both from the same median times)
        assertEquals(row.get("productPerSecond").asDouble() / row.get("projectionsPerSecond").asDouble(),
                row.get("projectionCostRatio").asDouble(), 1e-9 * row.get("projectionCostRatio").asDouble(),
                "projection / product in " + row);
        double prequential = row.get("prequentialError").asDouble();
        assertTrue(prequential >= 0 && prequential <= 1, row.toString());
        // the service's first basis from max(batch 128, 2r) columns
        assertEquals(128, row.get("serviceFirstBasisSample").asInt(), row.toString());
        assertPositive(row, "serviceFirstBasisSeconds");

        String markdown = Files.readString(table, StandardCharsets.UTF_8);
        assertTrue(markdown.startsWith("| case |"), markdown);
        assertContains(markdown, "|---|", "| dense500 | 500 | 20 |");
        assertEquals(3, markdown.lines().count(), markdown);
        // the same table is printed after the JSON lines
        assertContains(r.out(), markdown.strip());
    }

    private static void assertPositive(JsonNode row, String field) {
        double x = row.get(field).asDouble();
        assertTrue(x > 0 && Double.isFinite(x), field + " in " + row);
    }

    @Test
    void unknownCase() {
        Run r = run("bench", "--case", "dense7", "--columns", "1000", "--repeats", "1");
        assertEquals(2, r.exitCode(), r.describe());
        assertContains(r.err(), "unknown case 'dense7'", "dense500");
    }

    @Test
    void tooFewColumns() {
        Run r = run("bench", "--columns", "10");
        assertEquals(2, r.exitCode(), r.describe());
        assertContains(r.err(), "--columns");
    }

    @Test
    void noRepeats() {
        Run r = run("bench", "--repeats", "0");
        assertEquals(2, r.exitCode(), r.describe());
        assertContains(r.err(), "--repeats");
    }
}
