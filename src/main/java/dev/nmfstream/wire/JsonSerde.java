package dev.nmfstream.wire;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.StreamWriteFeature;
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

    /** The mapper of every serde: configured once, shared (ObjectMapper is thread-safe). */
    static final JsonMapper MAPPER = JsonMapper.builder()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(StreamReadFeature.USE_FAST_DOUBLE_PARSER)
            .build();
    /**
     * The mapper of the serdes made with {@link #fastDoubles}: doubles written with Jackson's
     * shortest-digits routine (Schubfach) instead of Java 17's {@code Double.toString}, which
     * took a third of the stream thread's time when the updater published the factors of a
     * 20,000-term model (bench-stream, JFR); 4× faster on a million doubles. The text can differ
     * from {@code Double.toString}'s in the last digit where Java 17 is not shortest; it reads
     * back as the same double.
     */
    static final JsonMapper FAST_DOUBLES = MAPPER.rebuild()
            .enable(StreamWriteFeature.USE_FAST_DOUBLE_WRITER)
            .build();

    private final Class<T> type;
    private final ObjectMapper mapper;

    /**
     * A serde for one message type.
     *
     * @param type the message class
     */
    public JsonSerde(Class<T> type) {
        this(type, MAPPER);
    }

    private JsonSerde(Class<T> type, ObjectMapper mapper) {
        this.type = Objects.requireNonNull(type, "type");
        this.mapper = mapper;
    }

    /**
     * A serde for a message type that carries many doubles, written with the fast routine of
     * {@link #FAST_DOUBLES}.
     *
     * @param type the message class
     * @param <T> the message type
     * @return the serde
     */
    public static <T> JsonSerde<T> fastDoubles(Class<T> type) {
        return new JsonSerde<>(type, FAST_DOUBLES);
    }

    @Override
    public Serializer<T> serializer() {
        return (topic, value) -> {
            if (value == null) {
                return null;
            }
            try {
                return mapper.writeValueAsBytes(value);
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
                return mapper.readValue(bytes, type);
            } catch (IOException e) {
                throw new SerializationException("cannot read a " + type.getSimpleName() + " from topic " + topic
                        + " (" + bytes.length + " bytes): " + e.getMessage(), e);
            }
        };
    }
}
