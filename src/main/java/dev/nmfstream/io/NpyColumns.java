package dev.nmfstream.io;

import dev.nmfstream.nmf.DenseColumn;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;

/**
 * The items of a dense float32 or float64 .npy file, converted to double a chunk of columns at a
 * time from a memory map of the file, for passes in item order ({@code fit}): the whole matrix is
 * never held as doubles.
 *
 * <p>Why: {@link Npy#readDense} fills one {@code double[]} of m·n entries, and a fresh array of
 * that size costs the kernel a page fault and a zeroed page for every 4 KiB: on the 2-core
 * machine of BENCHMARKS.md, allocating the 635 MB of a 30-minute spectrogram (1025 × 77,516, a
 * 318 MB float32 file) took 1.7 s before a value was read, more than the learning pass. Here
 * the file's pages come from the page cache and only one chunk of about {@link #CHUNK_BYTES} is
 * allocated, reused for every chunk.
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
    /** Columns converted together from a file that stores rows (m × n, C order): one short run of each row. */
    private static final int TILE = 64;
    /** The most bytes one memory map covers (a map holds at most 2 GiB). */
    static final long WINDOW_BYTES = 1L << 30;

    private final String file;
    private final FileChannel channel;
    /**
     * The data, mapped in windows of whole units of at most {@link #WINDOW_BYTES}: a unit is an
     * item where the file holds each item's values one after another ({@link #contiguous}), else
     * a row of the stored m × n array (item j of row i at i·n + j).
     */
    private final FloatBuffer[] floats;
    private final DoubleBuffer[] doubles;
    private final int unitsPerWindow;
    private final boolean contiguous;
    private final int m;
    private final int n;
    private final int chunkColumns;
    private final double[] chunk;
    private final float[] floatScratch;
    private final double[] doubleScratch;
    private final DenseColumn view;
    private int chunkStart = -1;
    private int chunkCount;
    private double refuseAbove = Double.POSITIVE_INFINITY;
    private long loadNanos;

    private NpyColumns(String file, FileChannel channel, ByteBuffer[] windows, int unitsPerWindow, boolean f4,
            boolean contiguous, int m, int n) {
        this.file = file;
        this.channel = channel;
        this.floats = f4 ? new FloatBuffer[windows.length] : null;
        this.doubles = f4 ? null : new DoubleBuffer[windows.length];
        for (int w = 0; w < windows.length; w++) {
            if (f4) {
                floats[w] = windows[w].asFloatBuffer();
            } else {
                doubles[w] = windows[w].asDoubleBuffer();
            }
        }
        this.unitsPerWindow = unitsPerWindow;
        this.contiguous = contiguous;
        this.m = m;
        this.n = n;
        this.chunkColumns = Math.max(1, Math.min(n, CHUNK_BYTES / Double.BYTES / m));
        this.chunk = new double[chunkColumns * m];
        int scratch = contiguous ? m : TILE;
        this.floatScratch = f4 ? new float[scratch] : null;
        this.doubleScratch = f4 || contiguous ? null : new double[TILE];
        this.view = new DenseColumn(chunk, 0, m);
    }

    /**
     * Opens a .npy file for reading by chunks, or returns null when it is not one this class reads
     * (not a .npy file, an element type other than float32 or float64, not 2-D, no items or
     * features, or one row of the stored array over {@link #WINDOW_BYTES}): read those with
     * {@link DataFiles#read}, which says what is wrong with a file it cannot read either. The file
     * may be larger than any Java array: it is mapped in windows.
     *
     * @param file the file
     * @param itemsAreRows whether the stored matrix is n × m (one item per row) instead of m × n
     * @throws DataFileException if the file cannot be opened or its .npy header is malformed or
     *     promises more data than the file holds (the messages of {@link DataFiles#read})
     */
    public static NpyColumns open(Path file, boolean itemsAreRows) throws DataFileException {
        return open(file, itemsAreRows, WINDOW_BYTES);
    }

    /** {@link #open(Path, boolean)} with maps of at most {@code windowBytes} (tests: small windows). */
    static NpyColumns open(Path file, boolean itemsAreRows, long windowBytes) throws DataFileException {
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
            boolean contiguous = in.fortranOrder() != itemsAreRows;
            int itemSize = in.dtype().itemSize();
            long start = channel.position();
            long bytes = (long) m * n * itemSize;
            if (size - start < bytes) {
                throw in.truncated(Math.max(0, size - start));
            }
            long unitBytes = (long) (contiguous ? m : n) * itemSize;
            if (unitBytes > windowBytes) {
                return null;
            }
            int units = contiguous ? n : m;
            int unitsPerWindow = (int) Math.min(units, windowBytes / unitBytes);
            ByteBuffer[] windows = new ByteBuffer[(units + unitsPerWindow - 1) / unitsPerWindow];
            for (int w = 0; w < windows.length; w++) {
                long first = (long) w * unitsPerWindow;
                long count = Math.min(unitsPerWindow, units - first);
                MappedByteBuffer window = channel.map(FileChannel.MapMode.READ_ONLY, start + first * unitBytes,
                        count * unitBytes);
                windows[w] = window.order(in.dtype().order());
            }
            NpyColumns columns = new NpyColumns(file.toString(), channel, windows, unitsPerWindow,
                    in.dtype().kind() == NpyInput.Kind.F4, contiguous, m, n);
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

    /** The time spent converting chunks so far, in nanoseconds. */
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
        try {
            convert(from, count);
        } catch (InternalError e) {
            // the JVM's report of a fault in a mapped page: the file was cut short while it was mapped
            throw new IllegalArgumentException("the file changed while it was read (it is now shorter than its "
                    + "header says), at column " + from, e);
        }
        check(from, count);
        chunkStart = from;
        chunkCount = count;
        loadNanos += System.nanoTime() - start;
    }

    private void convert(int from, int count) {
        if (contiguous) {
            for (int q = 0; q < count; q++) {
                int j = from + q;
                int window = j / unitsPerWindow;
                int at = (j % unitsPerWindow) * m;
                if (floats != null) {
                    floats[window].get(at, floatScratch, 0, m);
                    for (int i = 0, to = q * m; i < m; i++) {
                        chunk[to + i] = floatScratch[i];
                    }
                } else {
                    doubles[window].get(at, chunk, q * m, m);
                }
            }
        } else {
            for (int t = 0; t < count; t += TILE) {
                int width = Math.min(TILE, count - t);
                for (int i = 0; i < m; i++) {
                    int window = i / unitsPerWindow;
                    int at = (i % unitsPerWindow) * n + from + t;
                    int to = t * m + i;
                    if (floats != null) {
                        floats[window].get(at, floatScratch, 0, width);
                        for (int q = 0; q < width; q++) {
                            chunk[to + q * m] = floatScratch[q];
                        }
                    } else {
                        doubles[window].get(at, doubleScratch, 0, width);
                        for (int q = 0; q < width; q++) {
                            chunk[to + q * m] = doubleScratch[q];
                        }
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
                    throw new IllegalArgumentException("column " + (from + q) + ", row " + i + " = " + x
                            + ", expected at most " + max + " (--max-value)");
                }
            }
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
