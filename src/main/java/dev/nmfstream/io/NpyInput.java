package dev.nmfstream.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ReadableByteChannel;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Reads one .npy array from a channel (a file or an npz member): the header on construction,
 * then the data in 1 MiB chunks decoded through bulk {@link ByteBuffer} views in the file's
 * byte order. Errors are {@link DataFileException}s whose message starts with the file name.
 */
final class NpyInput {

    /** The six magic bytes at the start of every .npy file. */
    static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};

    /** The dtypes this reader decodes, for error messages. */
    static final String SUPPORTED_DTYPES = "'<f4', '>f4', '<f8', '>f8', '<i4', '>i4', '<i8', '>i8', '|u1', '|i1'"
            + " and byte strings '|S<n>'";

    /** Largest header accepted; numpy itself refuses headers over 10 000 bytes by default. */
    private static final int MAX_HEADER_BYTES = 1 << 20;
    private static final int CHUNK_BYTES = 1 << 20;
    /** Scratch budget (elements) for the row blocks of a transposing read. */
    private static final int TRANSPOSE_BLOCK = 1 << 22;

    /** Element types. */
    enum Kind { F4, F8, I1, U1, I4, I8, S }

    /**
     * A parsed 'descr'.
     *
     * @param descr the dtype string as written in the header
     * @param kind the element type
     * @param itemSize bytes per element
     * @param order the byte order of multi-byte elements
     */
    record Dtype(String descr, Kind kind, int itemSize, ByteOrder order) {

        boolean isNumeric() {
            return kind != Kind.S;
        }

        boolean isInteger() {
            return kind == Kind.I1 || kind == Kind.U1 || kind == Kind.I4 || kind == Kind.I8;
        }
    }

    private final ReadableByteChannel in;
    private final String file;
    private final String context;
    private final Dtype dtype;
    private final int[] shape;
    private final boolean fortranOrder;
    private final long size;
    private final long dataBytes;
    private final ByteBuffer buffer;
    private long dataRead;
    private long elementsRead;
    private float[] floatScratch;

    /**
     * Reads and checks the header.
     *
     * @param in the channel, positioned at the magic bytes
     * @param file the file name that starts every error message
     * @param context text after the file name in errors ("" or e.g. "member data.npy: ")
     * @param totalBytes the number of bytes in the array's file or member, or -1 if unknown; used
     *     to report truncated data before allocating anything
     */
    NpyInput(ReadableByteChannel in, String file, String context, long totalBytes) throws IOException {
        this.in = in;
        this.file = file;
        this.context = context;
        ByteBuffer prefix = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN);
        prefix.limit(8);
        int got = fill(prefix);
        if (got < MAGIC.length || !startsWithMagic(prefix.array())) {
            throw error("not an npy file: starts with " + describeBytes(prefix.array(), got)
                    + ", expected the magic bytes \\x93NUMPY");
        }
        if (got < 8) {
            throw error("truncated header: the file ends after " + got + " bytes, expected at least 10");
        }
        int major = prefix.get(6) & 0xFF;
        int minor = prefix.get(7) & 0xFF;
        int lengthBytes;
        if (major == 1 && minor == 0) {
            lengthBytes = 2;
        } else if ((major == 2 || major == 3) && minor == 0) {
            lengthBytes = 4;
        } else {
            throw error("unsupported npy format version " + major + "." + minor + ", expected 1.0, 2.0 or 3.0");
        }
        prefix.limit(8 + lengthBytes);
        int lengthGot = fill(prefix);
        if (lengthGot < lengthBytes) {
            throw error("truncated header: the file ends after " + (8 + lengthGot) + " bytes, expected at least "
                    + (8 + lengthBytes));
        }
        long headerLength = lengthBytes == 2 ? prefix.getShort(8) & 0xFFFF : prefix.getInt(8) & 0xFFFFFFFFL;
        if (headerLength > MAX_HEADER_BYTES) {
            throw error("header length " + headerLength + " bytes, expected at most " + MAX_HEADER_BYTES);
        }
        ByteBuffer headerBytes = ByteBuffer.allocate((int) headerLength);
        int headerGot = fill(headerBytes);
        if (headerGot < headerLength) {
            throw error("truncated header: expected " + headerLength + " header bytes, found " + headerGot);
        }
        String header = new String(headerBytes.array(), 0, headerGot,
                major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        Map<String, Object> dict = parseHeader(header);
        this.dtype = parseDescr(dict.get("descr"));
        this.fortranOrder = parseFortranOrder(dict.get("fortran_order"));
        this.shape = parseShape(dict.get("shape"));
        long count = 1;
        boolean zero = false;
        for (int d : shape) {
            zero |= d == 0;
            count = count > Long.MAX_VALUE / Math.max(d, 1) ? Long.MAX_VALUE : count * d;
        }
        if (zero) {
            count = 0;
        }
        this.size = count;
        this.dataBytes = count * dtype.itemSize();
        if (totalBytes >= 0 && count <= Integer.MAX_VALUE) {
            long available = Math.max(0, totalBytes - (8 + lengthBytes + headerLength));
            if (available < dataBytes) {
                throw truncated(available);
            }
        }
        this.buffer = ByteBuffer.allocate(CHUNK_BYTES).order(dtype.order());
    }

    /** Whether {@code bytes} starts with the .npy magic. */
    static boolean startsWithMagic(byte[] bytes) {
        if (bytes.length < MAGIC.length) {
            return false;
        }
        for (int i = 0; i < MAGIC.length; i++) {
            if (bytes[i] != MAGIC[i]) {
                return false;
            }
        }
        return true;
    }

    /** The first {@code count} bytes (at most 8) as hex, for error messages. */
    static String describeBytes(byte[] bytes, int count) {
        if (count <= 0) {
            return "no bytes (empty file)";
        }
        StringBuilder sb = new StringBuilder("bytes");
        for (int i = 0; i < Math.min(count, 8); i++) {
            sb.append(String.format(" %02x", bytes[i] & 0xFF));
        }
        return sb.toString();
    }

    private Map<String, Object> parseHeader(String header) throws DataFileException {
        Object parsed;
        try {
            parsed = PyLiteral.parse(header);
        } catch (IllegalArgumentException e) {
            throw error("malformed header " + quote(header) + ": " + e.getMessage());
        }
        if (!(parsed instanceof Map)) {
            throw error("header " + quote(header) + " is not a dict, expected {'descr': ..., 'fortran_order': ..., "
                    + "'shape': ...}");
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> dict = (Map<String, Object>) parsed;
        for (String key : List.of("descr", "fortran_order", "shape")) {
            if (!dict.containsKey(key)) {
                throw error("header " + quote(header) + " has no key '" + key
                        + "', expected the keys 'descr', 'fortran_order' and 'shape'");
            }
        }
        return dict;
    }

    private static String quote(String header) {
        String trimmed = header.strip();
        return trimmed.length() <= 200 ? trimmed : trimmed.substring(0, 200) + "...";
    }

    private Dtype parseDescr(Object descr) throws DataFileException {
        if (!(descr instanceof String)) {
            throw error("unsupported dtype " + descr + " (a structured dtype), expected one of " + SUPPORTED_DTYPES);
        }
        String s = (String) descr;
        Dtype parsed = dtypeOf(s);
        if (parsed == null) {
            throw error("unsupported dtype '" + s + "', expected one of " + SUPPORTED_DTYPES);
        }
        return parsed;
    }

    private static Dtype dtypeOf(String s) {
        if (s.length() < 2) {
            return null;
        }
        char endian = s.charAt(0);
        String type = s.substring(1);
        ByteOrder order;
        switch (endian) {
            case '<':
                order = ByteOrder.LITTLE_ENDIAN;
                break;
            case '>':
                order = ByteOrder.BIG_ENDIAN;
                break;
            case '=':
                order = ByteOrder.nativeOrder();
                break;
            case '|':
                order = ByteOrder.LITTLE_ENDIAN;
                break;
            default:
                return null;
        }
        if (type.equals("u1") || type.equals("i1")) {
            return new Dtype(s, type.equals("u1") ? Kind.U1 : Kind.I1, 1, order);
        }
        if (type.startsWith("S")) {
            try {
                int n = Integer.parseInt(type.substring(1));
                return n >= 1 && endian == '|' ? new Dtype(s, Kind.S, n, order) : null;
            } catch (NumberFormatException e) {
                return null;
            }
        }
        if (endian == '|') {
            return null;
        }
        switch (type) {
            case "f4":
                return new Dtype(s, Kind.F4, 4, order);
            case "f8":
                return new Dtype(s, Kind.F8, 8, order);
            case "i4":
                return new Dtype(s, Kind.I4, 4, order);
            case "i8":
                return new Dtype(s, Kind.I8, 8, order);
            default:
                return null;
        }
    }

    private boolean parseFortranOrder(Object value) throws DataFileException {
        if (!(value instanceof Boolean)) {
            throw error("header 'fortran_order' is " + value + ", expected True or False");
        }
        return (Boolean) value;
    }

    private int[] parseShape(Object value) throws DataFileException {
        if (!(value instanceof List)) {
            throw error("header 'shape' is " + value + ", expected a tuple of nonnegative integers");
        }
        List<?> list = (List<?>) value;
        int[] dims = new int[list.size()];
        for (int d = 0; d < dims.length; d++) {
            Object v = list.get(d);
            if (!(v instanceof Long) || (Long) v < 0 || (Long) v > Integer.MAX_VALUE) {
                throw error("header 'shape' entry " + d + " is " + v + ", expected an integer in [0, "
                        + Integer.MAX_VALUE + "]");
            }
            dims[d] = (int) (long) (Long) v;
        }
        return dims;
    }

    Dtype dtype() {
        return dtype;
    }

    /** The shape (not a copy). */
    int[] shape() {
        return shape;
    }

    boolean fortranOrder() {
        return fortranOrder;
    }

    /** The number of elements ({@link Long#MAX_VALUE} if more than that). */
    long size() {
        return size;
    }

    /** The shape as Python prints it, e.g. "(7, 5)" or "(3,)". */
    static String shapeString(int[] shape) {
        StringBuilder sb = new StringBuilder("(");
        for (int d = 0; d < shape.length; d++) {
            if (d > 0) {
                sb.append(", ");
            }
            sb.append(shape[d]);
        }
        return sb.append(shape.length == 1 ? ",)" : ")").toString();
    }

    String shapeString() {
        return shapeString(shape);
    }

    /** An error with the file name and context prefixed. */
    DataFileException error(String problem) {
        return new DataFileException(file, context + problem, null);
    }

    /** Fails unless the element count fits in one Java array. */
    int checkedSize() throws DataFileException {
        if (size > DenseMatrix.MAX_ENTRIES) {
            throw error("array of shape " + shapeString() + " has " + (size == Long.MAX_VALUE ? "more than "
                    + Long.MAX_VALUE : size) + " elements, expected at most " + DenseMatrix.MAX_ENTRIES
                    + " (the largest Java array)");
        }
        return (int) size;
    }

    DataFileException truncated(long found) {
        return error("truncated data: expected " + dataBytes + " bytes of array data (dtype '" + dtype.descr()
                + "', shape " + shapeString() + "), found " + found);
    }

    /** Reads until {@code buf} is full or the input ends; returns the number of bytes read. */
    private int fill(ByteBuffer buf) throws IOException {
        int total = 0;
        while (buf.hasRemaining()) {
            int n = in.read(buf);
            if (n < 0) {
                break;
            }
            total += n;
        }
        return total;
    }

    /** Reads the next {@code count} elements' bytes into the buffer, flipped for decoding. */
    private ByteBuffer chunk(int count) throws IOException {
        buffer.clear();
        buffer.limit(count * dtype.itemSize());
        int got = fill(buffer);
        dataRead += got;
        if (buffer.hasRemaining()) {
            throw truncated(dataRead);
        }
        buffer.flip();
        return buffer;
    }

    private int chunkElements() {
        return Math.max(1, CHUNK_BYTES / dtype.itemSize());
    }

    /** Takes one chunk of {@code n} elements read into {@code b}, for destination index {@code o} on. */
    private interface ChunkReader {
        void take(ByteBuffer b, int o, int n) throws IOException;
    }

    /** Reads the next {@code count} elements a chunk at a time, each handed to {@code reader}. */
    private void readChunks(int off, int count, ChunkReader reader) throws IOException {
        int per = chunkElements();
        for (int done = 0; done < count; ) {
            int n = Math.min(per, count - done);
            reader.take(chunk(n), off + done, n);
            done += n;
            elementsRead += n;
        }
    }

    /** Element {@code k} of a chunk of integers, widened to long. */
    private long integerAt(ByteBuffer b, int k) {
        return switch (dtype.kind()) {
            case I8 -> b.getLong(k * Long.BYTES);
            case I4 -> b.getInt(k * Integer.BYTES);
            case U1 -> b.get(k) & 0xFF;
            case I1 -> b.get(k);
            default -> throw new IllegalStateException("not an integer: " + dtype.descr());
        };
    }

    /** Reads the next {@code count} numeric elements, converted to double, into dst[off ..]. */
    void readDoubles(double[] dst, int off, int count) throws IOException {
        requireNumeric();
        readChunks(off, count, (b, o, n) -> {
            switch (dtype.kind()) {
                case F8 -> b.asDoubleBuffer().get(dst, o, n);
                case F4 -> {
                    b.asFloatBuffer().get(floats(), 0, n);
                    for (int k = 0; k < n; k++) {
                        dst[o + k] = floatScratch[k];
                    }
                }
                default -> {
                    for (int k = 0; k < n; k++) {
                        dst[o + k] = integerAt(b, k);
                    }
                }
            }
        });
    }

    /**
     * Reads the next {@code count} integer elements into dst[off ..].
     *
     * @throws DataFileException if a 64-bit value does not fit in an int ({@code what} names it)
     */
    void readInts(int[] dst, int off, int count, String what) throws IOException {
        requireInteger(what);
        readChunks(off, count, (b, o, n) -> {
            if (dtype.kind() == Kind.I4) {
                b.asIntBuffer().get(dst, o, n);
                return;
            }
            for (int k = 0; k < n; k++) {
                long v = integerAt(b, k);
                if (v != (int) v) {
                    throw error(what + " entry " + (elementsRead + k) + " = " + v
                            + " does not fit in a 32-bit int, expected a value in [" + Integer.MIN_VALUE
                            + ", " + Integer.MAX_VALUE + "]");
                }
                dst[o + k] = (int) v;
            }
        });
    }

    /** Reads the next {@code count} integer elements into dst[off ..]. */
    void readLongs(long[] dst, int off, int count, String what) throws IOException {
        requireInteger(what);
        readChunks(off, count, (b, o, n) -> {
            if (dtype.kind() == Kind.I8) {
                b.asLongBuffer().get(dst, o, n);
                return;
            }
            for (int k = 0; k < n; k++) {
                dst[o + k] = integerAt(b, k);
            }
        });
    }

    /** Reads the next {@code count} byte strings (trailing NUL bytes removed, decoded as Latin-1). */
    String[] readStrings(int count) throws IOException {
        if (dtype.kind() != Kind.S) {
            throw new IllegalStateException("not a byte string: " + dtype.descr());
        }
        String[] out = new String[count];
        int item = dtype.itemSize();
        ByteBuffer one = ByteBuffer.allocate(item);
        for (int k = 0; k < count; k++) {
            one.clear();
            int got = fill(one);
            dataRead += got;
            if (got < item) {
                throw truncated(dataRead);
            }
            int len = item;
            while (len > 0 && one.get(len - 1) == 0) {
                len--;
            }
            out[k] = new String(one.array(), 0, len, StandardCharsets.ISO_8859_1);
            elementsRead++;
        }
        return out;
    }

    /**
     * Reads the rest of a p × q row-major array (p·q elements) into {@code dst} as its transpose
     * stored row-major, i.e. element (r, c) goes to {@code dst[c*p + r]}. Rows are read in blocks
     * and transposed column by column so that both sides stay cache friendly.
     */
    void readTransposed(double[] dst, int p, int q) throws IOException {
        requireNumeric();
        if (p == 0 || q == 0) {
            return;
        }
        int blockRows = TRANSPOSE_BLOCK / q;
        if (blockRows >= 1) {
            blockRows = Math.min(blockRows, p);
            double[] block = new double[blockRows * q];
            for (int r0 = 0; r0 < p; r0 += blockRows) {
                int rows = Math.min(blockRows, p - r0);
                readDoubles(block, 0, rows * q);
                for (int c = 0; c < q; c++) {
                    int to = c * p + r0;
                    int from = c;
                    for (int r = 0; r < rows; r++) {
                        dst[to + r] = block[from];
                        from += q;
                    }
                }
            }
        } else {
            // rows longer than the block: scatter element by element
            int per = chunkElements();
            double[] block = new double[per];
            long remaining = (long) p * q;
            int r = 0;
            int c = 0;
            while (remaining > 0) {
                int n = (int) Math.min(per, remaining);
                readDoubles(block, 0, n);
                for (int k = 0; k < n; k++) {
                    dst[c * p + r] = block[k];
                    if (++c == q) {
                        c = 0;
                        r++;
                    }
                }
                remaining -= n;
            }
        }
    }

    private void requireNumeric() {
        if (!dtype.isNumeric()) {
            throw new IllegalStateException("not numeric: " + dtype.descr());
        }
    }

    private void requireInteger(String what) throws DataFileException {
        if (!dtype.isInteger()) {
            throw error(what + " has dtype '" + dtype.descr() + "', expected an integer dtype ('<i4', '<i8', "
                    + "'>i4', '>i8', '|u1' or '|i1')");
        }
    }

    private float[] floats() {
        if (floatScratch == null) {
            floatScratch = new float[chunkElements()];
        }
        return floatScratch;
    }

    @Override
    public String toString() {
        return "NpyInput[" + file + ", '" + dtype.descr() + "', " + Arrays.toString(shape) + "]";
    }
}
