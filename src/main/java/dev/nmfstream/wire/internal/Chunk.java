package dev.nmfstream.wire.internal;

/**
 * One record of a chunked message ({@link Chunker}): the header and this chunk's part of the
 * payload.
 *
 * @param kind what the message is ({@link StatisticsMessage#KIND}, {@link SampleMessage#KIND},
 *     {@link BasisMessage#KIND}, or a kind of the updater's store)
 * @param sender who sent it (a projector task's random id; 0 where there is one writer)
 * @param seq the message's number from that sender (a basis message: its version)
 * @param index this chunk's place, 0 ≤ index &lt; count
 * @param count the chunks of the message
 * @param data this chunk's bytes of the payload
 */
public record Chunk(byte kind, long sender, long seq, int index, int count, byte[] data) {

    /** Whether this chunk belongs to the same message as {@code other}. */
    public boolean sameMessage(Chunk other) {
        return kind == other.kind && sender == other.sender && seq == other.seq && count == other.count;
    }
}
