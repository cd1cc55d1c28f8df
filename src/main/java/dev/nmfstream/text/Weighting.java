package dev.nmfstream.text;

import java.util.Locale;

/**
 * How a term's count tf in one document becomes its value before the document vector is scaled
 * to unit length ({@code nmf.text.weighting}). No IDF: it would change the meaning of W's rows
 * as the stream runs and differ between instances (README, "Text").
 */
public enum Weighting {
    /** 1 + ln tf: a word said ten times counts 3.3 times one said once (the default). */
    SUBLINEAR,
    /** tf. */
    TF,
    /** 1 for every word present. */
    BINARY;

    /** The value of a term counted tf ≥ 1 times. */
    public double weight(int tf) {
        return switch (this) {
            case SUBLINEAR -> 1 + Math.log(tf);
            case TF -> tf;
            case BINARY -> 1;
        };
    }

    /**
     * The weighting of a name, case-insensitive.
     *
     * @throws IllegalArgumentException naming the value and the choices
     */
    public static Weighting parse(String name) {
        for (Weighting w : values()) {
            if (w.name().equalsIgnoreCase(name.trim())) {
                return w;
            }
        }
        throw new IllegalArgumentException("weighting '" + name + "', expected sublinear, tf or binary");
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
