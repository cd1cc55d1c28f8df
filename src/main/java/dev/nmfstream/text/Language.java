package dev.nmfstream.text;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import org.apache.lucene.analysis.CharArraySet;
import org.apache.lucene.analysis.WordlistLoader;
import org.apache.lucene.analysis.da.DanishAnalyzer;
import org.apache.lucene.analysis.de.GermanAnalyzer;
import org.apache.lucene.analysis.en.EnglishAnalyzer;
import org.apache.lucene.analysis.es.SpanishAnalyzer;
import org.apache.lucene.analysis.fr.FrenchAnalyzer;
import org.apache.lucene.analysis.it.ItalianAnalyzer;
import org.apache.lucene.analysis.nl.DutchAnalyzer;
import org.apache.lucene.analysis.pt.PortugueseAnalyzer;
import org.apache.lucene.analysis.ru.RussianAnalyzer;
import org.apache.lucene.analysis.snowball.SnowballFilter;
import org.apache.lucene.analysis.sv.SwedishAnalyzer;
import org.apache.lucene.util.IOUtils;

/**
 * The languages the text pipeline knows: each brings Lucene's stop-word list for it (English:
 * Snowball's list and Lucene's default together) and its Snowball stemmer ({@code nmf.text.language}).
 */
public enum Language {
    ENGLISH("English"),
    FRENCH("French"),
    GERMAN("German"),
    SPANISH("Spanish"),
    ITALIAN("Italian"),
    PORTUGUESE("Portuguese"),
    DUTCH("Dutch"),
    SWEDISH("Swedish"),
    DANISH("Danish"),
    RUSSIAN("Russian");

    private final String snowball;

    Language(String snowball) {
        this.snowball = snowball;
    }

    /** The name of its Snowball stemmer ({@code org.tartarus.snowball.ext.<name>Stemmer}). */
    String snowballName() {
        return snowball;
    }

    /** Lucene's default stop words for the language (shared, read-only). */
    CharArraySet stopWords() {
        return switch (this) {
            case ENGLISH -> EnglishStopWords.SET;
            case FRENCH -> FrenchAnalyzer.getDefaultStopSet();
            case GERMAN -> GermanAnalyzer.getDefaultStopSet();
            case SPANISH -> SpanishAnalyzer.getDefaultStopSet();
            case ITALIAN -> ItalianAnalyzer.getDefaultStopSet();
            case PORTUGUESE -> PortugueseAnalyzer.getDefaultStopSet();
            case DUTCH -> DutchAnalyzer.getDefaultStopSet();
            case SWEDISH -> SwedishAnalyzer.getDefaultStopSet();
            case DANISH -> DanishAnalyzer.getDefaultStopSet();
            case RUSSIAN -> RussianAnalyzer.getDefaultStopSet();
        };
    }

    /** Snowball's English list (174 words: pronouns, auxiliaries, …) and Lucene's default (33), read once. */
    private static final class EnglishStopWords {
        static final CharArraySet SET = load();

        private static CharArraySet load() {
            try (InputStream in = SnowballFilter.class.getResourceAsStream("english_stop.txt")) {
                if (in == null) {
                    throw new IllegalStateException("lucene-analysis-common: english_stop.txt missing from the jar");
                }
                CharArraySet set = new CharArraySet(256, false);
                set.addAll(WordlistLoader.getSnowballWordSet(IOUtils.getDecodingReader(in, StandardCharsets.UTF_8)));
                set.addAll(EnglishAnalyzer.ENGLISH_STOP_WORDS_SET);
                return CharArraySet.unmodifiableSet(set);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /**
     * The language of a name, case-insensitive ({@code english}, {@code french}, …).
     *
     * @throws IllegalArgumentException naming the value and the languages known
     */
    public static Language parse(String name) {
        for (Language l : values()) {
            if (l.name().equalsIgnoreCase(name.trim())) {
                return l;
            }
        }
        throw new IllegalArgumentException("language '" + name + "', expected one of " + names());
    }

    /** The known names, lower case, comma-separated. */
    public static String names() {
        StringBuilder sb = new StringBuilder();
        for (Language l : values()) {
            sb.append(sb.length() == 0 ? "" : ", ").append(l.name().toLowerCase(Locale.ROOT));
        }
        return sb.toString();
    }
}
