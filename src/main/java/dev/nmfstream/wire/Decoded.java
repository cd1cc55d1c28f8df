package dev.nmfstream.wire;

import dev.nmfstream.nmf.Column;

/**
 * The outcome of decoding one input record as a value the caller may keep: a valid column that
 * owns its arrays, or the reason it is not one. The stream path decodes into a reusable
 * {@link DecodedItem} instead, which allocates nothing per record.
 */
public sealed interface Decoded permits Decoded.Valid, Decoded.Invalid {

    /**
     * A valid item.
     *
     * @param id the item id (the record key, or the JSON id)
     * @param column its values, checked finite, nonnegative, of the configured dimension
     * @param eventTimestamp the item's own timestamp (epoch ms), or −1 when it has none
     */
    record Valid(String id, Column column, long eventTimestamp) implements Decoded {}

    /**
     * An invalid record.
     *
     * @param reason what is wrong: the field, the value and what was expected
     */
    record Invalid(String reason) implements Decoded {}
}
