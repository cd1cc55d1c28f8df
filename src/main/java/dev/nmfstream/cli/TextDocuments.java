package dev.nmfstream.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nmfstream.io.DataFileException;
import dev.nmfstream.io.DataFiles;
import dev.nmfstream.io.SparseMatrix;
import dev.nmfstream.text.BucketWords;
import dev.nmfstream.text.TextSettings;
import dev.nmfstream.text.TextVectorizer;
import java.io.BufferedReader;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.ZipException;

/**
 * Documents for {@code fit}: a JSON-lines file ({@code .jsonl}, or {@code .jsonl.gz} gzipped) of
 * {"id", "text"} objects, the form {@code produce} sends, turned into term columns by the
 * service's own vectoriser (same analysis, feature hashing, weighting and unit length, so that the
 * W learned is a basis the service can start from with {@code nmf.basis.file}); the rows' words
 * are counted on the way, to name each component's top rows.
 */
final class TextDocuments {

    /**
     * The documents as columns.
     *
     * @param matrix m × n, one column per document with at least one word
     * @param words each row's most frequent word among those counted, or null
     * @param withoutWords documents left out because the analysis kept no word of them
     */
    record Read(SparseMatrix matrix, BucketWords words, int withoutWords) {}

    private TextDocuments() {}

    /**
     * Reads and vectorises every document.
     *
     * @throws DataFileException naming the file (missing, unreadable, damaged gzip data) or the line
     *     that is not UTF-8, not a JSON object or has no string "text"
     */
    static Read read(Path file, TextSettings settings) throws IOException {
        int m = settings.buckets();
        BucketWords words = new BucketWords(m);
        TextVectorizer vectorizer = new TextVectorizer(settings, words);
        ObjectMapper json = new ObjectMapper();
        int[] indptr = new int[1024];
        int[] indices = new int[1 << 16];
        double[] values = new double[1 << 16];
        int[] rows = new int[256];
        double[] vals = new double[256];
        int n = 0;
        long nnz = 0;
        int withoutWords = 0;
        long line = 0;
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(DataFiles.openText(file),
                StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT)))) {
            for (String text = lines.readLine(); text != null; text = lines.readLine()) {
                line++;
                if (text.isBlank()) {
                    continue;
                }
                JsonNode doc;
                try {
                    doc = json.readTree(text);
                } catch (JsonProcessingException e) {
                    throw new DataFileException(file, "line " + line + ": "
                            + e.getOriginalMessage().lines().findFirst().orElse("")
                            + ", expected one JSON object {\"id\", \"text\"} per line");
                }
                JsonNode body = doc == null ? null : doc.get("text");
                if (body == null || !body.isTextual()) {
                    throw new DataFileException(file, "line " + line + ": no string \"text\", expected one JSON "
                            + "object {\"id\", \"text\"} per line");
                }
                vectorizer.start();
                vectorizer.add(body.asText());
                int distinct = vectorizer.distinct();
                if (distinct == 0) {
                    withoutWords++;
                    continue;
                }
                if (distinct > rows.length) {
                    rows = new int[Math.max(distinct, 2 * rows.length)];
                    vals = new double[rows.length];
                }
                int k = vectorizer.finish(rows, vals);
                if (nnz + k > Integer.MAX_VALUE - 8) {
                    throw new DataFileException(file, "more than " + (Integer.MAX_VALUE - 8) + " nonzeros, expected "
                            + "a corpus that fits one sparse matrix");
                }
                if (nnz + k > indices.length) {
                    int grown = (int) Math.min(Integer.MAX_VALUE - 8L, Math.max(nnz + k, 2L * indices.length));
                    indices = Arrays.copyOf(indices, grown);
                    values = Arrays.copyOf(values, grown);
                }
                System.arraycopy(rows, 0, indices, (int) nnz, k);
                System.arraycopy(vals, 0, values, (int) nnz, k);
                nnz += k;
                if (n + 2 > indptr.length) {
                    indptr = Arrays.copyOf(indptr, 2 * indptr.length);
                }
                indptr[++n] = (int) nnz;
            }
        } catch (CharacterCodingException e) {
            throw new DataFileException(file, "line " + (line + 1) + ": bytes that are not UTF-8, expected UTF-8 "
                    + "JSON text");
        } catch (ZipException | EOFException e) {
            throw new DataFileException(file, "the gzip data is damaged or cut short (" + e.getMessage()
                    + "), expected a whole .gz file");
        }
        SparseMatrix matrix = new SparseMatrix(m, n, Arrays.copyOf(indptr, n + 1), Arrays.copyOf(indices, (int) nnz),
                Arrays.copyOf(values, (int) nnz));
        return new Read(matrix, words, withoutWords);
    }
}
