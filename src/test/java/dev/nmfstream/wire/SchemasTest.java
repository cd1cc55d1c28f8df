package dev.nmfstream.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import dev.nmfstream.nmf.DenseColumn;
import dev.nmfstream.nmf.SparseColumn;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.FieldSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The schemas in schemas/ against their examples and against what the code really writes, and the
 * documented binary examples against the decoder. Validation is networknt's, draft 2020-12.
 */
class SchemasTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path DIR = Path.of("schemas");
    private static final Map<String, JsonSchema> SCHEMAS = new HashMap<>();
    private static final List<String> TOPICS = Topics.PUBLIC;
    /** The dimension the dead-letter examples were written for (the dense example frames have 5 values). */
    private static final int EXAMPLE_DIM = 5;
    private static final int DEFAULT_MAX_VALUE_BYTES = 4 * 1024 * 1024;

    private static JsonNode file(String topic) {
        try {
            return JSON.readTree(Files.readString(DIR.resolve(topic + ".schema.json")));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static synchronized JsonSchema schema(String topic) {
        return SCHEMAS.computeIfAbsent(topic, t -> JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012)
                .getSchema(file(t)));
    }

    private static Set<ValidationMessage> check(String topic, JsonNode message) {
        return schema(topic).validate(message);
    }

    private static JsonNode tree(byte[] bytes) {
        try {
            return JSON.readTree(bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void assertValid(String topic, byte[] message) {
        assertEquals(Set.of(), check(topic, tree(message)), () -> topic + ": " + new String(message, StandardCharsets.UTF_8));
    }

    @ParameterizedTest
    @FieldSource("TOPICS")
    void everyExampleIsValid(String topic) {
        JsonNode node = file(topic);
        assertEquals("https://json-schema.org/draft/2020-12/schema", node.path("$schema").asText());
        assertTrue(node.path("$id").asText().endsWith("/" + topic + ".schema.json"), node.path("$id").asText());
        assertTrue(node.path("examples").size() >= 2, topic + " has at least two examples");
        for (JsonNode example : node.get("examples")) {
            assertEquals(Set.of(), check(topic, example), () -> topic + " example " + example);
        }
    }

    /** Real serialized outputs, as the service writes them. */
    static Stream<Arguments> realOutputs() {
        List<Arguments> out = new ArrayList<>();
        out.add(Arguments.of(Topics.WEIGHTS, WireSerdes.weights().serializer().serialize(Topics.WEIGHTS,
                new WeightsMessage("frame-1", 3, new double[] {0, 1.5, 2e-9}, 0.25, 1763900000000L, 1763900000012L))));
        out.add(Arguments.of(Topics.WEIGHTS, WireSerdes.weights().serializer().serialize(Topics.WEIGHTS,
                new WeightsMessage("doc-1", 0, new double[] {0}, 0, -1, 1763900000012L))));
        out.add(Arguments.of(Topics.FACTORS, WireSerdes.component().serializer().serialize(Topics.FACTORS,
                new ComponentMessage("nmf", 1, 3, 1, new double[] {0.6, 0.8}, List.of(new TopFeature(1, null, 0.8))))));
        out.add(Arguments.of(Topics.FACTORS, WireSerdes.component().serializer().serialize(Topics.FACTORS,
                new ComponentMessage("news", 0, 3, 1, new double[] {1, 0}, List.of(new TopFeature(0, "vote", 1),
                        new TopFeature(1, "poll", 0))))));
        out.add(Arguments.of(Topics.FACTORS, WireSerdes.component().serializer().serialize(Topics.FACTORS,
                new ComponentMessage("nmf", 0, 0, 1, new double[] {1}, List.of()))));
        out.add(Arguments.of(Topics.FACTORS, WireSerdes.summary().serializer().serialize(Topics.FACTORS,
                new SummaryMessage("nmf", 3, 2, 2, 100, 0, null, 12))));
        out.add(Arguments.of(Topics.FACTORS, WireSerdes.summary().serializer().serialize(Topics.FACTORS,
                new SummaryMessage("nmf", 4, 2, 2, 356, 17, 0.0431, 13))));
        ColumnDecoder decoder = new ColumnDecoder(4, InputFormat.AUTO, 100);
        byte[][][] bad = {
            {"k".getBytes(StandardCharsets.UTF_8), "{\"values\":[1,2,3,-4]}".getBytes(StandardCharsets.UTF_8)},
            {null, ColumnEncoder.binary(DenseColumn.of(1, 2, 3, 4), -1)},
            {new byte[] {(byte) 0xc3}, "{}".getBytes(StandardCharsets.UTF_8)},
            {"k".getBytes(StandardCharsets.UTF_8), null},
            {"k".getBytes(StandardCharsets.UTF_8), new byte[5000]},
        };
        for (byte[][] record : bad) {
            String reason = ((Decoded.Invalid) decoder.decode(record[0], record[1])).reason();
            out.add(Arguments.of(Topics.DEAD_LETTERS, WireSerdes.deadLetter().serializer().serialize(Topics.DEAD_LETTERS,
                    DeadLetter.of(record[0], record[1], Topics.COLUMNS, 1, 7, reason, 5))));
        }
        out.add(Arguments.of(Topics.COLUMNS, ColumnEncoder.json("a", DenseColumn.of(0, 1.5), 99)));
        out.add(Arguments.of(Topics.COLUMNS, ColumnEncoder.json(null, DenseColumn.of(0.25), -1)));
        out.add(Arguments.of(Topics.COLUMNS, ColumnEncoder.json("b", SparseColumn.of(10, new int[] {1, 4},
                new double[] {2, 3}), -1)));
        return out.stream();
    }

    @ParameterizedTest
    @MethodSource("realOutputs")
    void whatTheServiceWritesIsValid(String topic, byte[] message) {
        assertValid(topic, message);
    }

    /**
     * Each field of a real output, removed or replaced by an object, makes it invalid, and so does
     * an extra field: the schema pins down exactly what the code writes.
     */
    @ParameterizedTest
    @MethodSource("realOutputs")
    void everyFieldIsChecked(String topic, byte[] message) {
        if (topic.equals(Topics.COLUMNS)) {
            return; // input: extra fields are allowed, id and timestamp are optional
        }
        ObjectNode original = (ObjectNode) tree(message);
        for (Iterator<String> names = original.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            ObjectNode removed = original.deepCopy();
            removed.remove(name);
            assertFalse(check(topic, removed).isEmpty(), () -> topic + " without " + name + " passed: " + removed);
            ObjectNode wrongType = original.deepCopy();
            wrongType.putObject(name).put("x", 1);
            assertFalse(check(topic, wrongType).isEmpty(), () -> topic + " with an object as " + name + " passed");
        }
        ObjectNode extra = original.deepCopy();
        extra.put("unexpected", 1);
        assertFalse(check(topic, extra).isEmpty(), () -> topic + " with an extra field passed");
    }

    static Stream<Arguments> invalidMessages() {
        return Stream.of(
                Arguments.of(Topics.COLUMNS, "{\"id\":\"a\",\"values\":[-1]}"),
                Arguments.of(Topics.COLUMNS, "{\"id\":\"a\",\"values\":[]}"),
                Arguments.of(Topics.COLUMNS, "{\"id\":\"a\"}"),
                Arguments.of(Topics.COLUMNS, "{\"id\":\"a\",\"values\":[\"1\"]}"),
                Arguments.of(Topics.COLUMNS, "{\"id\":\"a\",\"values\":[1],\"timestamp\":-1}"),
                Arguments.of(Topics.COLUMNS, "{\"id\":\"a\",\"values\":[1],\"timestamp\":1.5}"),
                Arguments.of(Topics.COLUMNS, "{\"id\":\"a\",\"indices\":[1],\"values\":[1]}"),
                Arguments.of(Topics.COLUMNS, "{\"id\":\"a\",\"dim\":4,\"indices\":[1,1],\"values\":[1,2]}"),
                Arguments.of(Topics.COLUMNS, "{\"id\":\"a\",\"dim\":4,\"indices\":[-1],\"values\":[1]}"),
                Arguments.of(Topics.COLUMNS, "{\"id\":7,\"values\":[1]}"),
                Arguments.of(Topics.COLUMNS, "[1,2]"),
                Arguments.of(Topics.WEIGHTS, "{\"id\":\"a\",\"weights\":[-1]}"),
                Arguments.of(Topics.WEIGHTS, "{\"id\":\"a\",\"basisVersion\":1,\"weights\":[-1],\"relativeResidual\":0,"
                        + "\"eventTimestamp\":null,\"processedTimestamp\":1}"),
                Arguments.of(Topics.WEIGHTS, "{\"id\":\"a\",\"basisVersion\":1,\"weights\":[1],\"relativeResidual\":0,"
                        + "\"eventTimestamp\":-1,\"processedTimestamp\":1}"),
                Arguments.of(Topics.FACTORS, "{\"model\":\"nmf\"}"),
                Arguments.of(Topics.FACTORS, "{\"model\":\"nmf\",\"component\":0,\"version\":1,\"norm\":1,\"vector\":[1],"
                        + "\"topFeatures\":[{\"index\":0,\"weight\":1}]}"),
                Arguments.of(Topics.FACTORS, "{\"model\":\"nmf\",\"version\":1,\"rank\":0,\"dim\":5,\"itemsSeen\":0,"
                        + "\"itemsLost\":0,\"runningError\":null,\"updatedAt\":1}"),
                Arguments.of(Topics.DEAD_LETTERS, "{\"reason\":\"\"}"),
                Arguments.of(Topics.DEAD_LETTERS, "{\"key\":null,\"keyBase64\":null,\"valueBase64\":null,\"valueLength\":-1,"
                        + "\"valueTruncated\":false,\"topic\":\"t\",\"partition\":0,\"offset\":0,\"reason\":\"\","
                        + "\"timestamp\":0}"));
    }

    @ParameterizedTest
    @MethodSource("invalidMessages")
    void mismatchesAreCaught(String topic, String message) {
        assertFalse(check(topic, tree(message.getBytes(StandardCharsets.UTF_8))).isEmpty(), () -> topic + ": " + message);
    }

    @Test
    void theColumnExamplesDecode() {
        for (JsonNode example : file(Topics.COLUMNS).get("examples")) {
            if (example.has("text")) {
                continue; // theTextExamplesDecode
            }
            int dim = example.has("indices") ? example.get("dim").asInt() : example.get("values").size();
            byte[] value = example.toString().getBytes(StandardCharsets.UTF_8);
            String id = example.hasNonNull("id") ? example.get("id").asText() : "the-record-key";
            Decoded d = new ColumnDecoder(dim, InputFormat.AUTO, DEFAULT_MAX_VALUE_BYTES)
                    .decode(id.getBytes(StandardCharsets.UTF_8), value);
            assertInstanceOf(Decoded.Valid.class, d, () -> example + " gave " + d);
        }
    }

    /** The text documents among the column examples decode with nmf.input.format = text; the bad ones do not. */
    @Test
    void theTextExamplesDecode() {
        int texts = 0;
        for (JsonNode example : file(Topics.COLUMNS).get("examples")) {
            if (!example.has("text")) {
                continue;
            }
            texts++;
            byte[] value = example.toString().getBytes(StandardCharsets.UTF_8);
            Decoded d = new ColumnDecoder(8, DEFAULT_MAX_VALUE_BYTES, 256, new WordsAsRows()).decode(null, value);
            assertInstanceOf(Decoded.Valid.class, d, () -> example + " gave " + d);
            assertEquals(Set.of(), check(Topics.COLUMNS, example));
        }
        assertTrue(texts > 0, "a text example");
        for (String bad : List.of("{\"id\":\"a\",\"text\":\"\"}", "{\"id\":\"a\",\"text\":3}", "{\"id\":\"a\",\"text\":\"  \"}",
                "{\"id\":\"a\",\"title\":\"only a title\"}")) {
            assertFalse(check(Topics.COLUMNS, tree(bad.getBytes(StandardCharsets.UTF_8))).isEmpty(), bad);
            assertInstanceOf(Decoded.Invalid.class, new ColumnDecoder(8, DEFAULT_MAX_VALUE_BYTES, 256, new WordsAsRows())
                    .decode(null, bad.getBytes(StandardCharsets.UTF_8)), bad);
        }
    }

    /** A stand-in vectoriser (the real one is the text package's): one row per word count, at most 8. */
    private static final class WordsAsRows implements TextColumns {
        private int words;

        @Override
        public void start() {
            words = 0;
        }

        @Override
        public void add(char[] chars, int offset, int length) {
            for (int i = 0; i < length; i++) {
                if (!Character.isWhitespace(chars[offset + i]) && (i == 0 || Character.isWhitespace(chars[offset + i - 1]))) {
                    words++;
                }
            }
        }

        @Override
        public int finish(int[] indices, double[] values) {
            int n = Math.min(words, 8);
            for (int j = 0; j < n; j++) {
                indices[j] = j;
                values[j] = 1 / Math.sqrt(n);
            }
            return n;
        }
    }

    /** Each dead-letter example is what the decoder really says about its key and value (dim 5, default limits). */
    @Test
    void theDeadLetterExamplesAreRealReasons() {
        ColumnDecoder decoder = new ColumnDecoder(EXAMPLE_DIM, InputFormat.AUTO, DEFAULT_MAX_VALUE_BYTES);
        Base64.Decoder b64 = Base64.getDecoder();
        for (JsonNode example : file(Topics.DEAD_LETTERS).get("examples")) {
            byte[] key = example.get("keyBase64").isNull() ? null : b64.decode(example.get("keyBase64").asText());
            byte[] value = example.get("valueBase64").isNull() ? null : b64.decode(example.get("valueBase64").asText());
            DeadLetter letter = DeadLetter.of(key, value, example.get("topic").asText(), example.get("partition").asInt(),
                    example.get("offset").asLong(), example.get("reason").asText(), example.get("timestamp").asLong());
            if (example.get("valueTruncated").asBoolean()) {
                assertTrue(value.length < example.get("valueLength").asInt());
                assertTrue(example.get("reason").asText().startsWith("value: " + example.get("valueLength").asInt()
                        + " bytes, expected at most"), example.toString());
                continue;
            }
            assertEquals(example, tree(WireSerdes.deadLetter().serializer().serialize(Topics.DEAD_LETTERS, letter)),
                    "the example is what DeadLetter.of writes for its bytes");
            Decoded d = decoder.decode(key, value);
            assertEquals(example.get("reason").asText(), assertInstanceOf(Decoded.Invalid.class, d, d::toString).reason());
        }
    }

    private static final Pattern HEX_LINE = Pattern.compile("^((?:[0-9a-f]{2} )*[0-9a-f]{2})(?: {2,}.*)?$");

    /** The hex blocks of binary-column-format.md, in order: every line of a fenced block is hex bytes. */
    private static List<byte[]> documentedHexBlocks() throws IOException {
        List<byte[]> blocks = new ArrayList<>();
        String[] parts = Files.readString(DIR.resolve("binary-column-format.md")).split("```");
        for (int i = 1; i < parts.length; i += 2) {
            StringBuilder hex = new StringBuilder();
            boolean allHex = true;
            for (String line : parts[i].strip().split("\n")) {
                Matcher m = HEX_LINE.matcher(line);
                if (!m.matches()) {
                    allHex = false;
                    break;
                }
                hex.append(m.group(1).replace(" ", ""));
            }
            if (allHex) {
                blocks.add(HexFormat.of().parseHex(hex));
            }
        }
        return blocks;
    }

    @Test
    void theBinaryFormatsWorkedExamplesDecodeAsDocumented() throws IOException {
        List<byte[]> blocks = documentedHexBlocks();
        assertEquals(2, blocks.size(), "the dense and the sparse example");

        byte[] dense = blocks.get(0);
        Decoded d = new ColumnDecoder(3, InputFormat.AUTO, 1000).decode("f".getBytes(StandardCharsets.UTF_8), dense);
        Decoded.Valid valid = assertInstanceOf(Decoded.Valid.class, d, d::toString);
        assertEquals(1763900000000L, valid.eventTimestamp());
        assertArrayEquals(new double[] {0, 1.5, 0.25}, ((DenseColumn) valid.column()).data());
        assertArrayEquals(dense, ColumnEncoder.binary(DenseColumn.of(0, 1.5, 0.25), 1763900000000L));

        byte[] sparse = blocks.get(1);
        Decoded s = new ColumnDecoder(12000, InputFormat.BINARY, 1000).decode("d".getBytes(StandardCharsets.UTF_8), sparse);
        Decoded.Valid sv = assertInstanceOf(Decoded.Valid.class, s, s::toString);
        assertEquals(-1, sv.eventTimestamp());
        SparseColumn column = (SparseColumn) sv.column();
        assertEquals(12000, column.dim());
        assertArrayEquals(new int[] {17, 4096}, column.indices());
        assertArrayEquals(new double[] {1, 0.5}, column.values());
        assertArrayEquals(sparse, ColumnEncoder.binary(SparseColumn.of(12000, new int[] {17, 4096},
                new double[] {1, 0.5}), -1));
    }

    @Test
    void theReadmeListsEveryTopicAndSchema() throws IOException {
        String readme = Files.readString(DIR.resolve("README.md"));
        for (String topic : Topics.PUBLIC) {
            assertTrue(Files.exists(DIR.resolve(topic + ".schema.json")), topic);
            assertTrue(readme.contains("| `" + topic + "`"), topic + " has a row");
            assertTrue(readme.contains("`" + topic + ".schema.json`"), topic + " names its schema");
        }
        for (String topic : Topics.INTERNAL) {
            assertTrue(readme.contains("| `" + topic + "` (internal"), topic + " has a row");
        }
        try (Stream<Path> files = Files.list(DIR)) {
            files.map(p -> p.getFileName().toString()).filter(n -> !n.equals("README.md"))
                    .forEach(n -> assertTrue(readme.contains("`" + n + "`"), n + " is in the README"));
        }
    }
}
