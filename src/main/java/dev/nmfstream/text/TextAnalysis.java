package dev.nmfstream.text;

import java.io.IOException;
import java.io.Reader;
import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.FilteringTokenFilter;
import org.apache.lucene.analysis.LowerCaseFilter;
import org.apache.lucene.analysis.StopFilter;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.Tokenizer;
import org.apache.lucene.analysis.en.EnglishPossessiveFilter;
import org.apache.lucene.analysis.snowball.SnowballFilter;
import org.apache.lucene.analysis.standard.StandardTokenizer;
import org.apache.lucene.analysis.tokenattributes.CharTermAttribute;
import org.apache.lucene.analysis.tokenattributes.TypeAttribute;

/**
 * The analysis chain, all Lucene: {@link StandardTokenizer} (Unicode word boundaries, UAX #29),
 * English possessives stripped ("model's" → "model", English only), lower case, numbers and
 * one-letter words and words longer than {@value #MAX_WORD_CHARS} chars dropped, the language's
 * stop words removed, and with stemming the language's Snowball stemmer.
 */
final class TextAnalysis {

    /** Longer tokens (URLs, base64, hashes) carry no topic: dropped. */
    static final int MAX_WORD_CHARS = 40;

    private TextAnalysis() {}

    /** A new analyzer for the settings; reuses its token stream per thread (Lucene's default strategy). */
    static Analyzer analyzer(TextSettings settings) {
        Language language = settings.language();
        boolean stemming = settings.stemming();
        return new Analyzer() {
            @Override
            protected TokenStreamComponents createComponents(String fieldName) {
                Tokenizer source = new StandardTokenizer();
                TokenStream out = source;
                if (language == Language.ENGLISH) {
                    out = new EnglishPossessiveFilter(out);
                }
                out = new LowerCaseFilter(out);
                out = new WordFilter(out);
                out = new StopFilter(out, language.stopWords());
                if (stemming) {
                    out = new SnowballFilter(out, language.snowballName());
                }
                return new TokenStreamComponents(source, out);
            }

            @Override
            protected TokenStream normalize(String fieldName, TokenStream in) {
                return new LowerCaseFilter(in);
            }
        };
    }

    /** Keeps words: drops numbers ({@code <NUM>}), one-char alphanumerics and overlong tokens. */
    private static final class WordFilter extends FilteringTokenFilter {
        private final CharTermAttribute term = addAttribute(CharTermAttribute.class);
        private final TypeAttribute type = addAttribute(TypeAttribute.class);

        WordFilter(TokenStream in) {
            super(in);
        }

        @Override
        protected boolean accept() {
            int n = term.length();
            String t = type.type();
            // type strings are StandardTokenizer's interned constants
            if (t == StandardTokenizer.TOKEN_TYPES[StandardTokenizer.NUM]) {
                return false;
            }
            if (n > MAX_WORD_CHARS) {
                return false;
            }
            return n > 1 || t != StandardTokenizer.TOKEN_TYPES[StandardTokenizer.ALPHANUM];
        }
    }

    /** A reader over a char range that can be re-pointed: the analyzer reads each document through one. */
    static final class CharsReader extends Reader {
        private char[] chars = new char[0];
        private int at;
        private int end;

        void reset(char[] source, int offset, int length) {
            chars = source;
            at = offset;
            end = offset + length;
        }

        @Override
        public int read(char[] cbuf, int off, int len) {
            if (at >= end) {
                return -1;
            }
            int n = Math.min(len, end - at);
            System.arraycopy(chars, at, cbuf, off, n);
            at += n;
            return n;
        }

        @Override
        public int read() {
            return at < end ? chars[at++] : -1;
        }

        @Override
        public void close() throws IOException {
            // nothing to release; the array belongs to the caller
        }
    }
}
