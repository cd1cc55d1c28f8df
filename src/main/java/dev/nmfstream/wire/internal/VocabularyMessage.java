package dev.nmfstream.wire.internal;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Words for rows of W (text input): a projector task tells the updater which word labels each
 * hashed row it has seen change, sent as {@link Chunker} records of kind {@link #KIND} on the stats
 * topic beside the statistics. Payload:
 *
 * <pre>
 * count(int32) then per entry: row(int32) count(int32) length(int32) word(UTF-8 bytes)
 * </pre>
 *
 * @param entries the rows' words with the counts they were seen with
 */
public record VocabularyMessage(List<Entry> entries) {

    public static final byte KIND = 'V';

    /**
     * One row's word.
     *
     * @param row the row of W (the hashed bucket)
     * @param word its most frequent word as the sender saw it
     * @param count how often the sender counted it
     */
    public record Entry(int row, String word, int count) {}

    public VocabularyMessage {
        entries = List.copyOf(entries);
    }

    /** The stats-topic records (values) of this message. */
    public List<byte[]> records(long sender, long seq) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(16 + 16 * entries.size());
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(entries.size());
            for (Entry e : entries) {
                byte[] word = e.word().getBytes(StandardCharsets.UTF_8);
                out.writeInt(e.row());
                out.writeInt(e.count());
                out.writeInt(word.length);
                out.write(word);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Chunker.cut(KIND, sender, seq, bytes.toByteArray());
    }

    /**
     * Decodes a joined payload.
     *
     * @throws IllegalArgumentException if it is not one
     */
    public static VocabularyMessage decode(byte[] payload) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(payload))) {
            int n = in.readInt();
            if (n < 0 || n > payload.length / 12) {
                throw new IllegalArgumentException("corrupt vocabulary message: " + n + " entries in " + payload.length
                        + " bytes");
            }
            List<Entry> entries = new ArrayList<>(n);
            for (int q = 0; q < n; q++) {
                int row = in.readInt();
                int count = in.readInt();
                int length = in.readInt();
                if (length < 0 || length > in.available()) {
                    throw new IllegalArgumentException("corrupt vocabulary message: a word of " + length + " bytes");
                }
                byte[] word = in.readNBytes(length);
                entries.add(new Entry(row, new String(word, StandardCharsets.UTF_8), count));
            }
            return new VocabularyMessage(entries);
        } catch (IOException e) {
            throw new IllegalArgumentException("corrupt vocabulary message: " + e.getMessage(), e);
        }
    }
}
