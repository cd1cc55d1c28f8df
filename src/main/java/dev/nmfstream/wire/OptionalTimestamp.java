package dev.nmfstream.wire;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.SerializerProvider;
import java.io.IOException;

/**
 * The JSON form of an optional epoch-millisecond timestamp held in a {@code long}: −1 (any
 * negative value) in Java is {@code null} in JSON, and {@code null} or an absent field reads back
 * as −1.
 */
final class OptionalTimestamp {

    private OptionalTimestamp() {}

    /** Writes a negative timestamp as null. */
    static final class Writer extends JsonSerializer<Long> {
        @Override
        public void serialize(Long value, JsonGenerator gen, SerializerProvider serializers) throws IOException {
            if (value == null || value < 0) {
                gen.writeNull();
            } else {
                gen.writeNumber(value.longValue());
            }
        }
    }

    /** Reads null or an absent field as −1. */
    static final class Reader extends JsonDeserializer<Long> {
        private static final Long NONE = -1L;

        @Override
        public Long deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            if (p.currentToken() != JsonToken.VALUE_NUMBER_INT) {
                return (Long) ctxt.handleUnexpectedToken(Long.class, p);
            }
            return p.getLongValue();
        }

        @Override
        public Long getNullValue(DeserializationContext ctxt) {
            return NONE;
        }

        @Override
        public Object getAbsentValue(DeserializationContext ctxt) {
            return NONE;
        }
    }
}
