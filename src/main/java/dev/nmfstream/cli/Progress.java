package dev.nmfstream.cli;

import java.io.PrintWriter;

/** A progress bar on stderr, redrawn at most four times a second. */
final class Progress {

    private final PrintWriter err;
    private final String unit;
    private long lastDraw;

    Progress(PrintWriter err, String unit) {
        this.err = err;
        this.unit = unit;
    }

    /**
     * Draws the bar.
     *
     * @param total the expected count, or −1 when unknown (a count and a rate only)
     * @param last the final draw (always drawn, ends the line)
     */
    void draw(long done, long total, long startNanos, boolean last) {
        long now = System.nanoTime();
        if (!last && now - lastDraw < 250_000_000L) {
            return;
        }
        lastDraw = now;
        double seconds = (now - startNanos) / 1e9;
        double perSecond = seconds > 0 ? done / seconds : 0;
        if (total >= 0) {
            int width = 30;
            int filled = total > 0 ? (int) Math.min(width, width * done / total) : width;
            err.printf("\r[%s%s] %3d%% %,d/%,d %s %,.0f/s", "#".repeat(filled), " ".repeat(width - filled),
                    total > 0 ? Math.min(100, 100 * done / total) : 100, done, total, unit, perSecond);
        } else {
            err.printf("\r%,d %s %,.0f/s", done, unit, perSecond);
        }
        if (last) {
            err.println();
        }
        err.flush();
    }
}
