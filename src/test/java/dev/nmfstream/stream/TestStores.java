package dev.nmfstream.stream;

import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;

/** In-memory stores without changelogs, registered with a mock processor context. */
final class TestStores {

    private TestStores() {}

    static <K, V> KeyValueStore<K, V> keyValue(MockProcessorContext<?, ?> context, String name, Serde<K> keys,
            Serde<V> values) {
        KeyValueStore<K, V> store = Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(name), keys, values)
                .withLoggingDisabled().build();
        store.init(context.getStateStoreContext(), store);
        return store;
    }
}
