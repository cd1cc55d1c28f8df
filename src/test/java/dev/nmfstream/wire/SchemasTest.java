package dev.nmfstream.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import dev.nmfstream.nmf.DenseColumn;
import dev.nmfstream.nmf.SparseColumn;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The schemas in schemas/ against their examples and against what the code writes. */
class SchemasTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static JsonSchema schema(String topic) throws IOException {
        JsonNode node = JSON.readTree(Files.readString(Path.of("schemas", topic + ".schema.json")));
        return JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012).getSchema(node);
    }

    private static Set<ValidationMessage> check(String topic, byte[] message) throws IOException {
        return schema(topic).validate(JSON.readTree(message));
    }

    @ParameterizedTest
    @ValueSource(strings = {"nmf-columns", "nmf-weights", "nmf-factors", "nmf-dead-letters"})
    void everyExampleIsValid(String topic) throws IOException {
        JsonNode node = JSON.readTree(Files.readString(Path.of("schemas", topic + ".schema.json")));
        JsonSchema schema = schema(topic);
        assertTrue(node.get("examples").size() >= 1);
        for (JsonNode example : node.get("examples")) {
            assertEquals(Set.of(), schema.validate(example), topic + " example " + example);
        }
    }

    @Test
    void whatTheServiceWritesIsValid() throws IOException {
        byte[] weights = WireSerdes.weights().serializer().serialize("t",
                new WeightsMessage("a", 3, new double[] {0, 1.5}, 0.25, 10, 11));
        assertEquals(Set.of(), check("nmf-weights", weights));
        byte[] component = WireSerdes.component().serializer().serialize("t",
                new ComponentMessage("nmf", 1, 3, 1, new double[] {0.6, 0.8}, List.of(new TopFeature(1, null, 0.8))));
        assertEquals(Set.of(), check("nmf-factors", component));
        byte[] summary = WireSerdes.summary().serializer().serialize("t",
                new SummaryMessage("nmf", 3, 2, 2, 100, null, 12));
        assertEquals(Set.of(), check("nmf-factors", summary));
        byte[] letter = WireSerdes.deadLetter().serializer().serialize("t",
                DeadLetter.of("k".getBytes(), new byte[10_000], "nmf-columns", 1, 7, "values: missing", 5, 4096));
        assertEquals(Set.of(), check("nmf-dead-letters", letter));
        byte[] dense = ColumnEncoder.json("a", DenseColumn.of(0, 1.5), 99);
        assertEquals(Set.of(), check("nmf-columns", dense));
        byte[] sparse = ColumnEncoder.json("b", SparseColumn.of(10, new int[] {1, 4}, new double[] {2, 3}), -1);
        assertEquals(Set.of(), check("nmf-columns", sparse));
    }

    @Test
    void invalidMessagesFailValidation() throws IOException {
        assertFalse(check("nmf-weights", "{\"id\":\"a\",\"weights\":[-1]}".getBytes()).isEmpty());
        assertFalse(check("nmf-columns", "{\"id\":\"a\",\"values\":[-1]}".getBytes()).isEmpty());
        assertFalse(check("nmf-factors", "{\"model\":\"nmf\"}".getBytes()).isEmpty());
        assertFalse(check("nmf-dead-letters", "{\"reason\":\"\"}".getBytes()).isEmpty());
    }

    @Test
    void theBinaryFormatsWorkedExamplesDecodeAsDocumented() throws IOException {
        String doc = Files.readString(Path.of("schemas", "binary-column-format.md"));
        assertTrue(doc.contains("4e 4d 46 42 01 01 00 00 03 00 00 00 03 00 00 00"));
        byte[] dense = HexFormat.ofDelimiter(" ").parseHex(
                "4e 4d 46 42 01 01 00 00 03 00 00 00 03 00 00 00 00 07 a2 b0 9a 01 00 00 00 00 00 00 00 00 c0 3f 00 00 80 3e");
        Decoded d = new ColumnDecoder(3, InputFormat.AUTO, 1000).decode("f".getBytes(), dense);
        Decoded.Valid valid = assertInstanceOf(Decoded.Valid.class, d, d.toString());
        assertEquals(1763900000000L, valid.eventTimestamp());
        assertEquals(1.5, ((DenseColumn) valid.column()).get(1));
        assertEquals(0.25, ((DenseColumn) valid.column()).get(2));
        assertArrayEquals(dense, ColumnEncoder.binary(valid.column(), 1763900000000L));
        byte[] sparse = HexFormat.ofDelimiter(" ").parseHex(
                "4e 4d 46 42 01 02 00 00 e0 2e 00 00 02 00 00 00 11 00 00 00 00 10 00 00 00 00 80 3f 00 00 00 3f");
        Decoded.Valid s = assertInstanceOf(Decoded.Valid.class,
                new ColumnDecoder(12000, InputFormat.BINARY, 1000).decode("d".getBytes(), sparse));
        SparseColumn column = (SparseColumn) s.column();
        assertEquals(4096, column.indices()[1]);
        assertEquals(0.5, column.values()[1]);
        assertArrayEquals(sparse, ColumnEncoder.binary(s.column(), -1));
    }
}
