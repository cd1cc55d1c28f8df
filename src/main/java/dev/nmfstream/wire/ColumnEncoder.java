package dev.nmfstream.wire;

import dev.nmfstream.nmf.Column;
import dev.nmfstream.nmf.DenseColumn;
import dev.nmfstream.nmf.SparseColumn;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Encodes columns as input records for {@code nmf-columns}: the JSON forms of
 * {@code schemas/nmf-columns.schema.json} or the compact binary float32 layout of
 * {@code schemas/binary-column-format.md}. The inverse of {@link ColumnDecoder}; used by the
 * {@code produce} command and by tests. Only the column's own slice of a view is written.
 *
 * <p>The values are written as they are, unchecked: a negative or non-finite value gives a record
 * that the decoder rejects (JSON writes the tokens NaN and Infinity for those).
 */
public final class ColumnEncoder {

    private ColumnEncoder() {}

    /**
     * A JSON column: {@code {"id":…,"values":[…]}} for a dense column or
     * {@code {"id":…,"dim":…,"indices":[…],"values":[…]}} for a sparse one, with
     * {@code "timestamp"} when given. Doubles are written in Java's shortest round-trip form, so
     * they decode to exactly the same values.
     *
     * @param id the item id, or null to write no "id" (the record key then names the item)
     * @param column the column; not modified
     * @param timestamp the item's timestamp (epoch ms), or any negative value (−1) for none
     * @return UTF-8 JSON
     */
    public static byte[] json(String id, Column column, long timestamp) {
        StringBuilder sb = new StringBuilder(32 + 12 * column.nnz());
        sb.append('{');
        if (id != null) {
            sb.append("\"id\":\"");
            escape(sb, id);
            sb.append("\",");
        }
        if (timestamp >= 0) {
            sb.append("\"timestamp\":").append(timestamp).append(',');
        }
        if (column instanceof DenseColumn d) {
            sb.append("\"values\":[");
            for (int i = 0; i < d.dim(); i++) {
                if (i > 0) {
                    sb.append(',');
                }
                sb.append(d.get(i));
            }
        } else {
            SparseColumn s = (SparseColumn) column;
            int[] indices = s.indices();
            double[] values = s.values();
            sb.append("\"dim\":").append(s.dim()).append(",\"indices\":[");
            for (int j = 0; j < s.nnz(); j++) {
                if (j > 0) {
                    sb.append(',');
                }
                sb.append(indices[s.offset() + j]);
            }
            sb.append("],\"values\":[");
            for (int j = 0; j < s.nnz(); j++) {
                if (j > 0) {
                    sb.append(',');
                }
                sb.append(values[s.offset() + j]);
            }
        }
        return sb.append("]}").toString().getBytes(StandardCharsets.UTF_8);
    }

    /**
     * A binary column (values rounded to float32, little-endian). The record key must carry the
     * item id: the binary form has none.
     *
     * @param column the column; not modified
     * @param timestamp the item's timestamp (epoch ms), or any negative value (−1) for none
     * @return the bytes: header, optional timestamp, indices (sparse only), values
     */
    public static byte[] binary(Column column, long timestamp) {
        boolean sparse = column instanceof SparseColumn;
        boolean hasTimestamp = timestamp >= 0;
        int count = column.nnz();
        int length = ColumnDecoder.HEADER_BYTES + (hasTimestamp ? 8 : 0) + (sparse ? 4 * count : 0) + 4 * count;
        ByteBuffer b = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
        int flags = (hasTimestamp ? ColumnDecoder.FLAG_TIMESTAMP : 0) | (sparse ? ColumnDecoder.FLAG_SPARSE : 0);
        b.put(ColumnDecoder.MAGIC).put((byte) ColumnDecoder.VERSION).put((byte) flags).putShort((short) 0)
                .putInt(column.dim()).putInt(count);
        if (hasTimestamp) {
            b.putLong(timestamp);
        }
        if (sparse) {
            SparseColumn s = (SparseColumn) column;
            int[] indices = s.indices();
            double[] values = s.values();
            for (int j = 0; j < count; j++) {
                b.putInt(indices[s.offset() + j]);
            }
            for (int j = 0; j < count; j++) {
                b.putFloat((float) values[s.offset() + j]);
            }
        } else {
            DenseColumn d = (DenseColumn) column;
            for (int i = 0; i < count; i++) {
                b.putFloat((float) d.get(i));
            }
        }
        return b.array();
    }

    /** Appends s with JSON string escapes (no quotes). */
    static void escape(StringBuilder sb, String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20) {
                        sb.append("\\u00").append(Character.forDigit(c >> 4, 16)).append(Character.forDigit(c & 0xF, 16));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
    }
}
