package dev.nmfstream.wire;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.util.Objects;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * A Kafka serde for the output messages, as UTF-8 JSON through one shared, thread-safe Jackson
 * mapper. Null is written as a null value (a tombstone) and read back as null. Reading ignores
 * fields it does not know (newer producers may add some); bad bytes throw Kafka's
 * {@link SerializationException}.
 *
 * @param <T> the message type (a record of this package)
 */
public final class JsonSerde<T> implements Serde<T> {

    /** The one mapper of every serde: configured once, shared (ObjectMapper is thread-safe). */
    static final ObjectMapper MAPPER = JsonMapper.builder()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();

    private final Class<T> type;

    /**
     * A serde for one message type.
     *
     * @param type the message class
     */
    public JsonSerde(Class<T> type) {
        this.type = Objects.requireNonNull(type, "type");
    }

    @Override
    public Serializer<T> serializer() {
        return (topic, value) -> {
            if (value == null) {
                return null;
            }
            try {
                return MAPPER.writeValueAsBytes(value);
            } catch (JsonProcessingException e) {
                throw new SerializationException("cannot write a " + type.getSimpleName() + " as JSON for topic "
                        + topic + ": " + e.getOriginalMessage(), e);
            }
        };
    }

    @Override
    public Deserializer<T> deserializer() {
        return (topic, bytes) -> {
            if (bytes == null) {
                return null;
            }
            try {
                return MAPPER.readValue(bytes, type);
            } catch (IOException e) {
                throw new SerializationException("cannot read a " + type.getSimpleName() + " from topic " + topic
                        + " (" + bytes.length + " bytes): " + e.getMessage(), e);
            }
        };
    }
}
