package dev.nmfstream.wire;

/** The serdes of the public topics' values. */
public final class WireSerdes {

    private WireSerdes() {}

    public static JsonSerde<WeightsMessage> weights() {
        return new JsonSerde<>(WeightsMessage.class);
    }

    public static JsonSerde<ComponentMessage> component() {
        return new JsonSerde<>(ComponentMessage.class);
    }

    public static JsonSerde<SummaryMessage> summary() {
        return new JsonSerde<>(SummaryMessage.class);
    }

    public static JsonSerde<DeadLetter> deadLetter() {
        return new JsonSerde<>(DeadLetter.class);
    }
}
