package dev.nmfstream.wire.internal;

/**
 * A whole message, its chunks joined ({@link Chunker}).
 *
 * @param kind what the message is
 * @param sender who sent it
 * @param seq its number from that sender (a basis: its version)
 * @param payload the joined payload
 */
public record Message(byte kind, long sender, long seq, byte[] payload) {}
