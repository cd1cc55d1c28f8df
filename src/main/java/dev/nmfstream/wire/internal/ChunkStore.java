package dev.nmfstream.wire.internal;

/** Where chunks are kept under keys ({@link Chunker#key}): a state store. */
public interface ChunkStore extends ChunkSource {

    void put(String key, byte[] value);

    void delete(String key);
}
