package dev.nmfstream.http;

import dev.nmfstream.stream.StreamMetrics;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The items this instance projected last, and the worst explained (highest relative residual)
 * of the last one to two windows of {@link #WINDOW_MS}: new kinds of input the model does not
 * know yet. Fed by the projector tasks ({@link StreamMetrics#item}) into slots allocated once, so
 * that a record costs a copy of its weights and no allocation; read by the page's updates.
 */
public final class RecentItems implements StreamMetrics {

    /** How many latest items are kept. */
    public static final int LATEST = 20;
    /** How many worst-explained items each window keeps. */
    public static final int WORST = 10;
    /** The worst-explained items come from the current window and the one before. */
    public static final long WINDOW_MS = 30_000;

    /** One item as kept: id, basis version, weights, relative residual, event time. */
    public record Item(String id, long basisVersion, double[] weights, double relativeResidual, long timestamp) {}

    private static final class Slot {
        byte[] id = new byte[64];
        int idLength;
        long version;
        final double[] h;
        double residual = -1;
        long timestamp;

        Slot(int rank) {
            h = new double[rank];
        }

        void set(byte[] idBytes, int length, long basisVersion, double[] weights, double relativeResidual, long time) {
            if (id.length < length) {
                id = new byte[Math.max(length, 2 * id.length)];
            }
            System.arraycopy(idBytes, 0, id, 0, length);
            idLength = length;
            version = basisVersion;
            System.arraycopy(weights, 0, h, 0, h.length);
            residual = relativeResidual;
            timestamp = time;
        }

        Item toItem() {
            return new Item(new String(id, 0, idLength, StandardCharsets.UTF_8), version, h.clone(), residual,
                    timestamp);
        }
    }

    private final Slot[] latest;
    private int next;
    private long count;
    /** The worst-explained items of the current window and of the one before. */
    private Slot[] worst;
    private Slot[] previousWorst;
    private long windowStart = Long.MIN_VALUE;

    /** @param rank r, the length of every item's weights */
    public RecentItems(int rank) {
        latest = slots(LATEST, rank);
        worst = slots(WORST, rank);
        previousWorst = slots(WORST, rank);
    }

    private static Slot[] slots(int n, int rank) {
        Slot[] s = new Slot[n];
        for (int i = 0; i < n; i++) {
            s[i] = new Slot(rank);
        }
        return s;
    }

    @Override
    public synchronized void item(byte[] id, int idLength, long basisVersion, double[] h, double relativeResidual,
            long timestamp) {
        latest[next].set(id, idLength, basisVersion, h, relativeResidual, timestamp);
        next = (next + 1) % latest.length;
        count++;
        long now = System.currentTimeMillis();
        if (now - windowStart >= WINDOW_MS) {
            Slot[] t = previousWorst;
            previousWorst = worst;
            worst = t;
            for (Slot s : worst) {
                s.residual = -1;
            }
            windowStart = now;
        }
        int lowest = 0;
        for (int q = 1; q < worst.length; q++) {
            if (worst[q].residual < worst[lowest].residual) {
                lowest = q;
            }
        }
        if (relativeResidual > worst[lowest].residual) {
            worst[lowest].set(id, idLength, basisVersion, h, relativeResidual, timestamp);
        }
    }

    /** Items recorded since the start. */
    public synchronized long count() {
        return count;
    }

    /** The latest items, newest first. */
    public synchronized List<Item> latest() {
        List<Item> out = new ArrayList<>(latest.length);
        for (int q = 1; q <= latest.length; q++) {
            Slot s = latest[Math.floorMod(next - q, latest.length)];
            if (s.residual >= 0) {
                out.add(s.toItem());
            }
        }
        return out;
    }

    /** The worst-explained items of the last one to two windows, worst first, at most {@link #WORST}. */
    public synchronized List<Item> worst() {
        List<Item> out = new ArrayList<>(2 * WORST);
        for (Slot s : worst) {
            if (s.residual >= 0) {
                out.add(s.toItem());
            }
        }
        for (Slot s : previousWorst) {
            if (s.residual >= 0) {
                out.add(s.toItem());
            }
        }
        out.sort(Comparator.comparingDouble(Item::relativeResidual).reversed());
        return out.size() > WORST ? new ArrayList<>(out.subList(0, WORST)) : out;
    }

    /**
     * The indices of the n largest entries, largest first (the earlier index first among equal
     * ones); O(length · n) at worst, one pass for the short lists asked for here and by
     * {@code fit}'s topics over m rows.
     */
    public static int[] top(double[] h, int n) {
        int[] best = new int[Math.max(0, Math.min(n, h.length))];
        int found = 0;
        for (int i = 0; i < h.length && best.length > 0; i++) {
            if (found == best.length && !(h[i] > h[best[found - 1]])) {
                continue;
            }
            int at = found < best.length ? found++ : found - 1;
            while (at > 0 && h[best[at - 1]] < h[i]) {
                best[at] = best[at - 1];
                at--;
            }
            best[at] = i;
        }
        return best;
    }
}
