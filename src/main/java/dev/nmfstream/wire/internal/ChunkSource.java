package dev.nmfstream.wire.internal;

/** Where chunks are kept under keys ({@link Chunker#key}): a state store, read side. */
@FunctionalInterface
public interface ChunkSource {

    /** The value under the key, or null. */
    byte[] get(String key);
}
