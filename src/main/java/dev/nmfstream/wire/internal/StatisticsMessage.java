package dev.nmfstream.wire.internal;

import dev.nmfstream.nmf.SufficientStatistics;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * A projector task's mini-batch statistics for the updater, with the prequential sums of the
 * items they hold, the items the task found lost to a crash since its previous message, and the
 * (oldest) basis version the items were projected with (−1 if none). Payload:
 *
 * <pre>
 * residualSq(f64) normSq(f64) lost(int64) basisVersion(int64) SufficientStatistics.writeCompactTo
 * </pre>
 * (B as the rows the mini-batch touched when that is smaller than all m rows; a reader older than
 * that form fails on it with a clear error: update the updater's instances first).
 * sent as {@link Chunker} records of kind {@link #KIND} on the stats topic.
 */
public record StatisticsMessage(SufficientStatistics statistics, double residualSq, double normSq, long lost,
        long basisVersion) {

    public static final byte KIND = 'S';

    /** The stats-topic records (values) of this message. */
    public List<byte[]> records(long sender, long seq) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeDouble(residualSq);
            out.writeDouble(normSq);
            out.writeLong(lost);
            out.writeLong(basisVersion);
            statistics.writeCompactTo(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Chunker.cut(KIND, sender, seq, bytes.toByteArray());
    }

    /** Decodes a joined payload. */
    public static StatisticsMessage decode(byte[] payload) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(payload))) {
            double residualSq = in.readDouble();
            double normSq = in.readDouble();
            long lost = in.readLong();
            long basisVersion = in.readLong();
            return new StatisticsMessage(SufficientStatistics.readFrom(in), residualSq, normSq, lost, basisVersion);
        } catch (IOException e) {
            throw new IllegalArgumentException("corrupt statistics message: " + e.getMessage(), e);
        }
    }
}
