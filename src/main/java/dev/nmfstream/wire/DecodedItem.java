package dev.nmfstream.wire;

import dev.nmfstream.nmf.Column;
import dev.nmfstream.nmf.DenseColumn;
import dev.nmfstream.nmf.SparseColumn;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * One decoded input record, reused for every record: either a valid item (its id, its column,
 * its event timestamp) or the reason it is not one. {@link ColumnDecoder#decode(byte[], byte[],
 * DecodedItem)} fills it; the column is a view over arrays this object owns, and the id is the
 * record key itself when the key names the item, so a valid binary record costs no allocation.
 *
 * <p>Everything read from it is valid until the next decode into it: a caller that keeps an item
 * (e.g. while no basis exists yet) copies it with {@link #toDecoded()}. Not thread-safe.
 */
public final class DecodedItem {

    private final int dim;
    /** Room for m values and indices, plus one: a sparse JSON column with more entries than m is invalid at or before entry m. */
    private final double[] values;
    private final int[] indices;
    private final DenseColumn dense;
    private final SparseColumn sparse;
    private Column column;
    private byte[] idBuffer = new byte[64];
    /** The id's UTF-8 bytes: the record key, or {@link #idBuffer} for an id read from JSON. */
    private byte[] id;
    private int idLength;
    private boolean idIsKey;
    private long eventTimestamp = -1;
    private String reason = "nothing decoded yet";

    /**
     * An empty item for columns of one dimension.
     *
     * @param dim the dimension m ({@code nmf.dimension}), ≥ 1
     * @throws IllegalArgumentException if dim is not positive
     */
    public DecodedItem(int dim) {
        if (dim <= 0) {
            throw new IllegalArgumentException("dim = " + dim + ", expected a positive dimension (nmf.dimension)");
        }
        this.dim = dim;
        this.values = new double[dim + 1];
        this.indices = new int[dim + 1];
        this.dense = new DenseColumn(values, 0, dim);
        this.sparse = new SparseColumn(dim, indices, values, 0, 0);
    }

    /** The dimension m this item holds columns of. */
    public int dim() {
        return dim;
    }

    /** Whether the last record decoded into this item is a valid item. */
    public boolean isValid() {
        return reason == null;
    }

    /**
     * What is wrong with the last record: the field, the value and what was expected.
     *
     * @throws IllegalStateException if the record was valid
     */
    public String reason() {
        if (reason == null) {
            throw new IllegalStateException("the record is valid: it has no reason");
        }
        return reason;
    }

    /** The item's values, checked finite, nonnegative, of dimension m: a view over this item's arrays. */
    public Column column() {
        requireValid();
        return column;
    }

    /** The item's own timestamp (epoch ms), or −1 when it has none. */
    public long eventTimestamp() {
        requireValid();
        return eventTimestamp;
    }

    /**
     * The array holding the item id as UTF-8 in {@code [0, idLength())}: not a copy, and possibly
     * longer than the id.
     */
    public byte[] idUtf8() {
        requireValid();
        return id;
    }

    /** The length of the item id in UTF-8 bytes (≥ 1). */
    public int idLength() {
        requireValid();
        return idLength;
    }

    /**
     * The item id as UTF-8, exactly its length, for a record key: the input record's key itself
     * when that is the id (no copy), otherwise a new array (a JSON record with an "id" and no key).
     */
    public byte[] idKey() {
        requireValid();
        return idIsKey ? id : Arrays.copyOf(id, idLength);
    }

    /** The item id as a new string. */
    public String id() {
        requireValid();
        return new String(id, 0, idLength, StandardCharsets.UTF_8);
    }

    /** A copy that owns its arrays: {@link Decoded.Valid} or {@link Decoded.Invalid}. */
    public Decoded toDecoded() {
        if (reason != null) {
            return new Decoded.Invalid(reason);
        }
        Column copy = column == dense
                ? DenseColumn.of(Arrays.copyOf(values, dim))
                : SparseColumn.of(dim, Arrays.copyOf(indices, sparse.nnz()), Arrays.copyOf(values, sparse.nnz()));
        return new Decoded.Valid(id(), copy, eventTimestamp);
    }

    @Override
    public String toString() {
        return reason != null ? "invalid: " + reason
                : "item " + id() + " (" + column.nnz() + " of " + dim + " values stored, event time " + eventTimestamp + ")";
    }

    private void requireValid() {
        if (reason != null) {
            throw new IllegalStateException("the record is invalid (" + reason + "): it has no item");
        }
    }

    // ---- filled by ColumnDecoder ----

    /** The array values are read into: room for m + 1. */
    double[] valueArray() {
        return values;
    }

    /** The array indices are read into: room for m + 1. */
    int[] indexArray() {
        return indices;
    }

    void invalid(String why) {
        reason = why;
    }

    /** Starts a record: no id, no timestamp, not yet valid. */
    void start() {
        reason = "not decoded";
        id = null;
        idLength = 0;
        idIsKey = false;
        eventTimestamp = -1;
        column = null;
    }

    void idFromKey(byte[] key) {
        id = key;
        idLength = key.length;
        idIsKey = true;
    }

    boolean hasId() {
        return id != null;
    }

    boolean idIsKey() {
        return idIsKey;
    }

    /** The id read so far, even before the record is known valid (for reasons). */
    byte[] idSoFar() {
        return id;
    }

    int idLengthSoFar() {
        return idLength;
    }

    /**
     * Sets the id from UTF-16 text (a JSON string as the parser holds it), encoded as UTF-8 into
     * this item's own buffer.
     *
     * @return −1, or the position of a lone surrogate (text that has no UTF-8 form)
     */
    int idFromChars(char[] text, int offset, int length) {
        if (idBuffer.length < 3 * length) {
            idBuffer = new byte[Math.max(3 * length, 2 * idBuffer.length)];
        }
        byte[] b = idBuffer;
        int n = 0;
        for (int i = 0; i < length; i++) {
            char c = text[offset + i];
            if (c < 0x80) {
                b[n++] = (byte) c;
            } else if (c < 0x800) {
                b[n++] = (byte) (0xC0 | c >> 6);
                b[n++] = (byte) (0x80 | c & 0x3F);
            } else if (Character.isHighSurrogate(c) && i + 1 < length
                    && Character.isLowSurrogate(text[offset + i + 1])) {
                int cp = Character.toCodePoint(c, text[offset + ++i]);
                b[n++] = (byte) (0xF0 | cp >> 18);
                b[n++] = (byte) (0x80 | cp >> 12 & 0x3F);
                b[n++] = (byte) (0x80 | cp >> 6 & 0x3F);
                b[n++] = (byte) (0x80 | cp & 0x3F);
            } else if (Character.isSurrogate(c)) {
                return i;
            } else {
                b[n++] = (byte) (0xE0 | c >> 12);
                b[n++] = (byte) (0x80 | c >> 6 & 0x3F);
                b[n++] = (byte) (0x80 | c & 0x3F);
            }
        }
        id = b;
        idLength = n;
        idIsKey = false;
        return -1;
    }

    /** Makes this a valid dense item over the first m values. */
    void validDense(long timestamp) {
        column = dense.set(values, 0, dim);
        eventTimestamp = timestamp;
    }

    /** Makes this a sparse item over the first nnz entries (still to be validated). */
    void validSparse(int nnz, long timestamp) {
        column = sparse.set(dim, indices, values, 0, nnz);
        eventTimestamp = timestamp;
    }

    /** The column just set, for its validation. */
    Column columnSoFar() {
        return column;
    }

    void valid() {
        reason = null;
    }
}
