package dev.nmfstream.wire;

import dev.nmfstream.nmf.Column;
import dev.nmfstream.nmf.DenseColumn;
import dev.nmfstream.nmf.SparseColumn;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/** Encodes columns as input records: JSON or the compact binary float32 layout. */
public final class ColumnEncoder {

    private ColumnEncoder() {}

    /** {"id":…,"values":[…]} or {"id":…,"dim":…,"indices":[…],"values":[…]}, with "timestamp" if ≥ 0. */
    public static byte[] json(String id, Column column, long timestamp) {
        StringBuilder sb = new StringBuilder(16 + 12 * column.nnz());
        sb.append("{\"id\":");
        quote(sb, id);
        if (timestamp >= 0) {
            sb.append(",\"timestamp\":").append(timestamp);
        }
        if (column instanceof DenseColumn d) {
            sb.append(",\"values\":[");
            for (int i = 0; i < d.dim(); i++) {
                if (i > 0) {
                    sb.append(',');
                }
                sb.append(d.get(i));
            }
        } else {
            SparseColumn s = (SparseColumn) column;
            sb.append(",\"dim\":").append(s.dim()).append(",\"indices\":[");
            for (int j = 0; j < s.nnz(); j++) {
                if (j > 0) {
                    sb.append(',');
                }
                sb.append(s.indices()[s.offset() + j]);
            }
            sb.append("],\"values\":[");
            for (int j = 0; j < s.nnz(); j++) {
                if (j > 0) {
                    sb.append(',');
                }
                sb.append(s.values()[s.offset() + j]);
            }
        }
        return sb.append("]}").toString().getBytes(StandardCharsets.UTF_8);
    }

    /** The binary layout of schemas/binary-column-format.md (values rounded to float32). */
    public static byte[] binary(Column column, long timestamp) {
        boolean sparse = column instanceof SparseColumn;
        int count = column.nnz();
        int length = 16 + (timestamp >= 0 ? 8 : 0) + (sparse ? 4 * count : 0) + 4 * count;
        ByteBuffer b = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
        b.put(ColumnDecoder.MAGIC).put((byte) ColumnDecoder.VERSION)
                .put((byte) ((timestamp >= 0 ? 1 : 0) | (sparse ? 2 : 0))).putShort((short) 0)
                .putInt(column.dim()).putInt(count);
        if (timestamp >= 0) {
            b.putLong(timestamp);
        }
        if (sparse) {
            SparseColumn s = (SparseColumn) column;
            for (int j = 0; j < count; j++) {
                b.putInt(s.indices()[s.offset() + j]);
            }
            for (int j = 0; j < count; j++) {
                b.putFloat((float) s.values()[s.offset() + j]);
            }
        } else {
            DenseColumn d = (DenseColumn) column;
            for (int i = 0; i < count; i++) {
                b.putFloat((float) d.get(i));
            }
        }
        return b.array();
    }

    private static void quote(StringBuilder sb, String s) {
        sb.append('"');
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
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        sb.append('"');
    }
}
