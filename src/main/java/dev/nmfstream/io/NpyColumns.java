package dev.nmfstream.io;

import dev.nmfstream.nmf.DenseColumn;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;

/**
 * The items of a dense float32 or float64 .npy file, converted to double a chunk of columns at a
 * time as a pass in item order reaches them ({@code fit}): the whole matrix is never held as
 * doubles, and the file may be larger than any Java array.
 *
 * <p>Why: {@link Npy#readDense} fills one {@code double[]} of m·n entries, and a fresh array of
 * that size costs the kernel a page fault and a zeroed page for every 4 KiB: on the 2-core
 * machine of BENCHMARKS.md, allocating the 635 MB of a 30-minute spectrogram (1025 × 77,516, a
 * 318 MB float32 file) took 1.7 s before a value was read, more than the learning pass. Here
 * one chunk of about {@link #CHUNK_BYTES} of doubles (and a buffer for its bytes) is allocated
 * and reused.
 *
 * <p>A chunk's bytes are read with positional reads: one read where the file holds each item's
 * values one after another (Fortran order, or C order with items as rows), else one per row of
 * the stored m × n array (its run of the columns of {@link #BAND} chunks), then transposed a tile
 * at a time. A memory map of the file was 3 % faster on the whole command (BENCHMARKS.md,
 * "fourteenth session"), but a file cut short while it is mapped makes the JVM raise an
 * {@link InternalError} at some later native call, after the missing values were read as
 * garbage; a read that finds the file shorter than its header says fails here, clearly.
 *
 * <p>Values are checked as each chunk is converted (finite and nonnegative, and at most
 * {@link #refuseAbove}), with the messages of {@link DataMatrix#validate()}: a bad value is
 * reported when the pass reaches it, as an {@link IllegalArgumentException}.
 *
 * <p>A cursor with one reusable view (as every {@link ColumnCursor}): {@link #at} re-targets it,
 * and loads the chunk holding the item when it is not the current one, so items are best taken
 * in order. Not thread-safe.
 */
public final class NpyColumns implements ColumnCursor, AutoCloseable {

    /** The size of one chunk of converted columns, in bytes of doubles (at least one column). */
    static final int CHUNK_BYTES = 1 << 22;
    /** Columns transposed together from a file that stores rows (m × n, C order). */
    private static final int TILE = 64;
    /**
     * Chunks read together from a file that stores rows: one read per row for this many chunks'
     * columns. Music (1025 × 77,516 float32, 511 columns per chunk): reads of one chunk's 2 KB took
     * 1.31 s in all, of eight chunks' 0.73 s, of sixteen 0.77 s (BENCHMARKS.md, "fourteenth
     * session").
     */
    static final int BAND = 8;

    private final String file;
    private final FileChannel channel;
    /** Where the array's data start in the file. */
    private final long dataStart;
    private final boolean f4;
    private final int itemSize;
    /** Whether the file holds each item's values one after another (else row i of m × n, item j at i·n + j). */
    private final boolean contiguous;
    private final int m;
    private final int n;
    private final int chunkColumns;
    private final double[] chunk;
    /** The bytes as read, in the file's byte order: a chunk's items, or m rows of a band's columns. */
    private final ByteBuffer bytes;
    /** Views of {@link #bytes}: the reads' target, and its values (made once: a pass allocates nothing). */
    private final ByteBuffer readTarget;
    private final FloatBuffer floats;
    private final DoubleBuffer doubles;
    /** For a file that stores rows: the band's first column and count, and the most columns it takes. */
    private final int bandColumns;
    private int bandStart = -1;
    private int bandCount;
    private final float[] floatScratch;
    private final double[] doubleScratch;
    private final DenseColumn view;
    private int chunkStart = -1;
    private int chunkCount;
    private double refuseAbove = Double.POSITIVE_INFINITY;
    private long loadNanos;

    private NpyColumns(String file, FileChannel channel, long dataStart, NpyInput.Dtype dtype, boolean contiguous,
            int m, int n, int chunkColumns) {
        this.file = file;
        this.channel = channel;
        this.dataStart = dataStart;
        this.f4 = dtype.kind() == NpyInput.Kind.F4;
        this.itemSize = dtype.itemSize();
        this.contiguous = contiguous;
        this.m = m;
        this.n = n;
        this.chunkColumns = chunkColumns;
        this.chunk = new double[chunkColumns * m];
        long band = contiguous ? chunkColumns : Math.min(n, (long) chunkColumns * BAND);
        this.bandColumns = band * m * itemSize <= Integer.MAX_VALUE ? (int) band : chunkColumns;
        this.bytes = ByteBuffer.allocateDirect(bandColumns * m * itemSize).order(dtype.order());
        this.readTarget = bytes.duplicate();
        this.floats = f4 ? bytes.asFloatBuffer() : null;
        this.doubles = f4 ? null : bytes.asDoubleBuffer();
        this.floatScratch = f4 ? new float[contiguous ? chunkColumns * m : TILE] : null;
        this.doubleScratch = f4 || contiguous ? null : new double[TILE];
        this.view = new DenseColumn(chunk, 0, m);
    }

    /**
     * Opens a .npy file for reading by chunks, or returns null when it is not one this class reads
     * (not a .npy file, an element type other than float32 or float64, not 2-D, or no items or
     * features): read those with {@link DataFiles#read}, which says what is wrong with a file it
     * cannot read either.
     *
     * @param file the file
     * @param itemsAreRows whether the stored matrix is n × m (one item per row) instead of m × n
     * @throws DataFileException if the file cannot be opened or its .npy header is malformed or
     *     promises more data than the file holds (the messages of {@link DataFiles#read})
     */
    public static NpyColumns open(Path file, boolean itemsAreRows) throws DataFileException {
        return open(file, itemsAreRows, CHUNK_BYTES);
    }

    /** {@link #open(Path, boolean)} with chunks of about {@code chunkBytes} of doubles (tests: small chunks). */
    static NpyColumns open(Path file, boolean itemsAreRows, int chunkBytes) throws DataFileException {
        FileChannel channel = Npy.openForReading(file);
        boolean kept = false;
        try {
            long size = channel.size();
            ByteBuffer head = ByteBuffer.allocate(NpyInput.MAGIC.length);
            while (head.hasRemaining() && channel.read(head) >= 0) {
                // until the magic bytes are in or the file ends
            }
            if (head.hasRemaining() || !NpyInput.startsWithMagic(head.array())) {
                return null;
            }
            channel.position(0);
            NpyInput in = new NpyInput(channel, file.toString(), "", size);
            NpyInput.Kind kind = in.dtype().kind();
            int[] shape = in.shape();
            if ((kind != NpyInput.Kind.F4 && kind != NpyInput.Kind.F8) || shape.length != 2 || shape[0] == 0
                    || shape[1] == 0) {
                return null;
            }
            int m = itemsAreRows ? shape[1] : shape[0];
            int n = itemsAreRows ? shape[0] : shape[1];
            long start = channel.position();
            long dataBytes = (long) m * n * in.dtype().itemSize();
            if (size - start < dataBytes) {
                throw in.truncated(Math.max(0, size - start));
            }
            int chunkColumns = Math.max(1, Math.min(n, chunkBytes / Double.BYTES / m));
            if ((long) chunkColumns * m * Double.BYTES > Integer.MAX_VALUE) {
                return null; // one column of more than 2 GB of doubles: as a whole read would say
            }
            NpyColumns columns = new NpyColumns(file.toString(), channel, start, in.dtype(),
                    in.fortranOrder() != itemsAreRows, m, n, chunkColumns);
            kept = true;
            return columns;
        } catch (DataFileException e) {
            throw e;
        } catch (IOException e) {
            throw Npy.readError(file, e);
        } finally {
            if (!kept) {
                try {
                    channel.close();
                } catch (IOException e) {
                    // nothing was read from it that matters
                }
            }
        }
    }

    /** m, the items' dimension. */
    public int rows() {
        return m;
    }

    /** n, the number of items. */
    public int columns() {
        return n;
    }

    /** Values above {@code max} are refused as the chunks are converted (fit's --max-value); returns this. */
    public NpyColumns refuseAbove(double max) {
        this.refuseAbove = max;
        this.chunkStart = -1; // a chunk already converted was not checked against it
        return this;
    }

    /** The time spent reading, converting and checking chunks so far, in nanoseconds. */
    public long loadNanos() {
        return loadNanos;
    }

    /**
     * Converts the chunk of columns from {@code j} on (at most {@link #chunkCapacity()}) and returns
     * the array that holds them, column q of the chunk at index q·m; {@link #chunkCount()} says how
     * many there are. The array is this reader's own, overwritten by the next chunk.
     *
     * @throws IllegalArgumentException if a value is negative, NaN, infinite or above the limit
     * @throws IndexOutOfBoundsException if j is outside [0, columns())
     */
    public double[] chunkFrom(int j) {
        if (j < 0 || j >= n) {
            throw new IndexOutOfBoundsException("item " + j + " of " + n);
        }
        if (j != chunkStart) {
            load(j);
        }
        return chunk;
    }

    /** The number of columns in the chunk {@link #chunkFrom} returned last. */
    public int chunkCount() {
        return chunkCount;
    }

    /** The most columns one chunk holds. */
    public int chunkCapacity() {
        return chunkColumns;
    }

    @Override
    public DenseColumn at(int j) {
        if (j < chunkStart || j >= chunkStart + chunkCount || chunkStart < 0) {
            chunkFrom(j - j % chunkColumns);
        }
        return view.set(chunk, (j - chunkStart) * m, m);
    }

    private void load(int from) {
        long start = System.nanoTime();
        int count = Math.min(chunkColumns, n - from);
        chunkStart = -1; // until it is converted and checked
        if (contiguous) {
            readFully(0, (long) from * m, count * m);
            if (f4) {
                floats.get(0, floatScratch, 0, count * m);
                for (int k = 0, end = count * m; k < end; k++) {
                    chunk[k] = floatScratch[k];
                }
            } else {
                doubles.get(0, chunk, 0, count * m);
            }
        } else {
            if (from < bandStart || from + count > bandStart + bandCount) {
                // one read per row for the next BAND chunks' columns: fewer, longer reads
                bandStart = from;
                bandCount = Math.min(bandColumns, n - from);
                for (int i = 0; i < m; i++) {
                    readFully(i * bandCount, (long) i * n + from, bandCount);
                }
            }
            transpose(from - bandStart, count);
        }
        check(from, count);
        chunkStart = from;
        chunkCount = count;
        loadNanos += System.nanoTime() - start;
    }

    /**
     * Reads {@code count} elements from element {@code element} of the array into {@link #bytes} from
     * element {@code at} on.
     *
     * @throws IllegalArgumentException if the file ends first (it was cut short after it was opened)
     */
    private void readFully(int at, long element, int count) {
        ByteBuffer target = readTarget;
        target.limit((at + count) * itemSize).position(at * itemSize);
        long position = dataStart + element * itemSize;
        try {
            while (target.hasRemaining()) {
                int got = channel.read(target, position);
                if (got < 0) {
                    throw new IllegalArgumentException("the file changed while it was read: it ends at byte "
                            + position + ", before the array's data end (its header promises "
                            + (dataStart + (long) m * n * itemSize) + " bytes)");
                }
                position += got;
            }
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read the data at byte " + position + ": " + e.getMessage(), e);
        }
    }

    /**
     * {@link #bytes} holds m rows of the band's columns: its columns [first, first + count) into
     * the chunk, column q at q·m.
     */
    private void transpose(int first, int count) {
        for (int t = 0; t < count; t += TILE) {
            int width = Math.min(TILE, count - t);
            for (int i = 0; i < m; i++) {
                int at = i * bandCount + first + t;
                int to = t * m + i;
                if (f4) {
                    floats.get(at, floatScratch, 0, width);
                    for (int q = 0; q < width; q++) {
                        chunk[to + q * m] = floatScratch[q];
                    }
                } else {
                    doubles.get(at, doubleScratch, 0, width);
                    for (int q = 0; q < width; q++) {
                        chunk[to + q * m] = doubleScratch[q];
                    }
                }
            }
        }
    }

    private void check(int from, int count) {
        double max = refuseAbove;
        for (int q = 0; q < count; q++) {
            int base = q * m;
            for (int i = 0; i < m; i++) {
                double x = chunk[base + i];
                if (!(x >= 0) || x == Double.POSITIVE_INFINITY) {
                    SizedMatrix.requireValue(x, from + q, i);
                }
                if (x > max) {
                    requireAtMost(x, max, from + q, i);
                }
            }
        }
    }

    /**
     * @throws IllegalArgumentException naming column j, row i, x and the limit if x is above it
     *     (fit's {@code --max-value}, which refuses a whole matrix read whole with the same message)
     */
    public static void requireAtMost(double x, double max, int j, int i) {
        if (x > max) {
            throw new IllegalArgumentException("column " + j + ", row " + i + " = " + x + ", expected at most " + max
                    + " (--max-value)");
        }
    }

    /**
     * Reads and checks every chunk (as {@link DataMatrix#validate()} checks a matrix read whole, and
     * against {@link #refuseAbove}), so that a caller can refuse the file before it acts on any item.
     *
     * @throws IllegalArgumentException naming the first bad value's column and row
     */
    public void validate() {
        for (int j = 0; j < n; j += chunkCount) {
            chunkFrom(j);
        }
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException e) {
            // read-only: nothing to lose
        }
    }

    @Override
    public String toString() {
        return "NpyColumns[" + file + ", " + m + " × " + n + "]";
    }
}
