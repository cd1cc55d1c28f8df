package dev.nmfstream.wire.internal;

import dev.nmfstream.nmf.SufficientStatistics;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * What the updater keeps in its store beside the model: the statistics merged but not yet
 * learned from with their prequential sums, the prequential sums of the current factors window,
 * and the count of items lost to crashes. Payload:
 *
 * <pre>
 * lost(int64) residualSq normSq windowResidualSq windowNormSq (f64) hasStatistics(bool) [SufficientStatistics]
 * </pre>
 *
 * @param statistics the statistics not yet learned from, or null if there are none
 */
public record PendingStatistics(long lost, double residualSq, double normSq, double windowResidualSq,
        double windowNormSq, SufficientStatistics statistics) {

    public byte[] toBytes() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeLong(lost);
            out.writeDouble(residualSq);
            out.writeDouble(normSq);
            out.writeDouble(windowResidualSq);
            out.writeDouble(windowNormSq);
            boolean some = statistics != null && statistics.items() > 0;
            out.writeBoolean(some);
            if (some) {
                statistics.writeCompactTo(out);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** One statistics message as the updater keeps it until it has saved a model that learned from it. */
    public static byte[] part(SufficientStatistics statistics) {
        ByteBuffer bytes = ByteBuffer.allocate(statistics.compactBytesBound());
        statistics.writeCompactTo(bytes);
        return bytes.position() == bytes.capacity() ? bytes.array() : Arrays.copyOf(bytes.array(), bytes.position());
    }

    /** Reads {@link #part}. */
    public static SufficientStatistics fromPart(byte[] payload) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(payload))) {
            return SufficientStatistics.readFrom(in);
        } catch (IOException e) {
            throw new IllegalArgumentException("corrupt pending statistics part: " + e.getMessage(), e);
        }
    }

    public static PendingStatistics fromBytes(byte[] payload) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(payload))) {
            long lost = in.readLong();
            double residualSq = in.readDouble();
            double normSq = in.readDouble();
            double windowResidualSq = in.readDouble();
            double windowNormSq = in.readDouble();
            SufficientStatistics statistics = in.readBoolean() ? SufficientStatistics.readFrom(in) : null;
            return new PendingStatistics(lost, residualSq, normSq, windowResidualSq, windowNormSq, statistics);
        } catch (IOException e) {
            throw new IllegalArgumentException("corrupt pending statistics: " + e.getMessage(), e);
        }
    }
}
