package dev.nmfstream.wire.internal;

import java.util.function.BiConsumer;
import java.util.function.Consumer;

/** Where chunks are kept under keys ({@link Chunker#key}): a state store. */
public interface ChunkStore extends ChunkSource {

    void put(String key, byte[] value);

    void delete(String key);

    /** A chunk store from the three operations of a key-value store. */
    static ChunkStore of(ChunkSource get, BiConsumer<String, byte[]> put, Consumer<String> delete) {
        return new ChunkStore() {
            @Override
            public byte[] get(String key) {
                return get.get(key);
            }

            @Override
            public void put(String key, byte[] value) {
                put.accept(key, value);
            }

            @Override
            public void delete(String key) {
                delete.accept(key);
            }
        };
    }
}
