package dev.nmfstream.wire;

/** The serdes of the public output topics' values (record keys are plain UTF-8 strings). */
public final class WireSerdes {

    private WireSerdes() {}

    /**
     * The weights topic's values.
     *
     * @return a JSON serde of {@link WeightsMessage}
     */
    public static JsonSerde<WeightsMessage> weights() {
        return new JsonSerde<>(WeightsMessage.class);
    }

    /**
     * The factors topic's component records (keys "model/k").
     *
     * @return a JSON serde of {@link ComponentMessage} (its m values written with
     *     {@link JsonSerde#fastDoubles}: a component of a large vocabulary is many doubles)
     */
    public static JsonSerde<ComponentMessage> component() {
        return JsonSerde.fastDoubles(ComponentMessage.class);
    }

    /**
     * The factors topic's summary records (key "model").
     *
     * @return a JSON serde of {@link SummaryMessage}
     */
    public static JsonSerde<SummaryMessage> summary() {
        return new JsonSerde<>(SummaryMessage.class);
    }

    /**
     * The dead-letters topic's values.
     *
     * @return a JSON serde of {@link DeadLetter}
     */
    public static JsonSerde<DeadLetter> deadLetter() {
        return new JsonSerde<>(DeadLetter.class);
    }
}
