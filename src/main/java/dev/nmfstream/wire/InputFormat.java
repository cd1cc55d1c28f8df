package dev.nmfstream.wire;

/** How input values are encoded. */
public enum InputFormat {
    /** JSON objects: dense {"id","values"} or sparse {"id","dim","indices","values"}. */
    JSON,
    /** The compact float32 layout of schemas/binary-column-format.md. */
    BINARY,
    /** Binary when the value starts with the magic "NMFB", JSON otherwise. */
    AUTO,
    /** Text documents as JSON {"id","text"}, optional "title" and "timestamp", vectorised by the service. */
    TEXT
}
