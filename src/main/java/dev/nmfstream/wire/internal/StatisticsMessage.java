package dev.nmfstream.wire.internal;

import dev.nmfstream.nmf.SufficientStatistics;
import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
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
 * that form fails on it with a clear error: update the updater's instances first),
 * sent as {@link Chunker} records of kind {@link #KIND} on the stats topic, or of kind
 * {@link #KL_KIND} for a model under the Kullback–Leibler loss: the same payload, whose statistics
 * are then the KL rule's (N in the place of B, S on A's diagonal: {@code KlStatistics}), so that an
 * updater never merges the statistics of one loss into a model of the other.
 */
public record StatisticsMessage(SufficientStatistics statistics, double residualSq, double normSq, long lost,
        long basisVersion) {

    public static final byte KIND = 'S';
    /** The kind of a statistics message under the KL loss (same payload). */
    public static final byte KL_KIND = 'K';
    /** The payload's bytes before the statistics. */
    private static final int HEAD_BYTES = 8 + 8 + 8 + 8;

    /** The stats-topic records (values) of this message, of kind {@link #KIND}. */
    public List<byte[]> records(long sender, long seq) {
        return records(sender, seq, KIND);
    }

    /** The stats-topic records (values) of this message, of the given kind ({@link #KIND} or {@link #KL_KIND}). */
    public List<byte[]> records(long sender, long seq, byte kind) {
        ByteBuffer payload = ByteBuffer.allocate(HEAD_BYTES + statistics.compactBytesBound());
        payload.putDouble(residualSq).putDouble(normSq).putLong(lost).putLong(basisVersion);
        statistics.writeCompactTo(payload);
        return Chunker.cut(kind, sender, seq, payload.array(), payload.position());
    }

    /** Decodes a joined payload. */
    public static StatisticsMessage decode(byte[] payload) {
        return decode(payload, null);
    }

    /**
     * Decodes a joined payload, its statistics into {@code reuse} when that has their shape
     * ({@link SufficientStatistics#readFrom(java.io.DataInput, SufficientStatistics)}).
     *
     * @param reuse statistics nobody else holds (a reader's scratch), or null
     */
    public static StatisticsMessage decode(byte[] payload, SufficientStatistics reuse) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(payload))) {
            double residualSq = in.readDouble();
            double normSq = in.readDouble();
            long lost = in.readLong();
            long basisVersion = in.readLong();
            return new StatisticsMessage(SufficientStatistics.readFrom(in, reuse), residualSq, normSq, lost,
                    basisVersion);
        } catch (IOException e) {
            throw new IllegalArgumentException("corrupt statistics message: " + e.getMessage(), e);
        }
    }
}
