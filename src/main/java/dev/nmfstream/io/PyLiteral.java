package dev.nmfstream.io;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A parser for the Python literals found in a .npy header: dicts with string keys, strings,
 * integers (with an optional Python 2 {@code L} suffix), {@code True}, {@code False},
 * {@code None}, tuples and lists. Dicts become {@link LinkedHashMap}s, tuples and lists
 * {@link List}s, integers {@link Long}s and {@code None} {@code null}.
 */
final class PyLiteral {

    private final String text;
    private int pos;

    private PyLiteral(String text) {
        this.text = text;
    }

    /**
     * Parses one literal that makes up the whole text (surrounding whitespace allowed).
     *
     * @throws IllegalArgumentException naming the position and what was found and expected
     */
    static Object parse(String text) {
        PyLiteral parser = new PyLiteral(text);
        Object value = parser.value();
        parser.skipSpace();
        if (parser.pos != text.length()) {
            throw parser.error("end of the literal");
        }
        return value;
    }

    private Object value() {
        skipSpace();
        if (pos >= text.length()) {
            throw error("a value");
        }
        char c = text.charAt(pos);
        switch (c) {
            case '{':
                return dict();
            case '(':
                return sequence('(', ')');
            case '[':
                return sequence('[', ']');
            case '\'':
            case '"':
                return string();
            default:
                break;
        }
        if (c == '-' || c == '+' || (c >= '0' && c <= '9')) {
            return integer();
        }
        if (text.startsWith("True", pos)) {
            pos += 4;
            return Boolean.TRUE;
        }
        if (text.startsWith("False", pos)) {
            pos += 5;
            return Boolean.FALSE;
        }
        if (text.startsWith("None", pos)) {
            pos += 4;
            return null;
        }
        throw error("a value (dict, tuple, list, string, integer, True, False or None)");
    }

    private Map<String, Object> dict() {
        Map<String, Object> map = new LinkedHashMap<>();
        pos++;
        while (true) {
            skipSpace();
            if (peek() == '}') {
                pos++;
                return map;
            }
            if (peek() != '\'' && peek() != '"') {
                throw error("a string key or '}'");
            }
            String key = string();
            skipSpace();
            expect(':');
            Object value = value();
            if (map.containsKey(key)) {
                throw new IllegalArgumentException("key '" + key + "' appears twice, expected each key once");
            }
            map.put(key, value);
            skipSpace();
            if (peek() == ',') {
                pos++;
            } else if (peek() != '}') {
                throw error("',' or '}'");
            }
        }
    }

    private List<Object> sequence(char open, char close) {
        List<Object> list = new ArrayList<>();
        pos++;
        boolean comma = false;
        while (true) {
            skipSpace();
            if (peek() == close) {
                pos++;
                if (open == '(' && list.size() == 1 && !comma) {
                    // "(x)" is just x in Python, not a tuple
                    return parenthesized(list.get(0));
                }
                return list;
            }
            list.add(value());
            skipSpace();
            comma = false;
            if (peek() == ',') {
                pos++;
                comma = true;
            } else if (peek() != close) {
                throw error("',' or '" + close + "'");
            }
        }
    }

    @SuppressWarnings("unchecked")
    private static List<Object> parenthesized(Object value) {
        if (value instanceof List) {
            return (List<Object>) value;
        }
        throw new IllegalArgumentException("parenthesized value " + value + " is not a tuple, expected a tuple");
    }

    private String string() {
        char quote = text.charAt(pos++);
        StringBuilder sb = new StringBuilder();
        while (true) {
            if (pos >= text.length()) {
                throw error("closing quote " + quote);
            }
            char c = text.charAt(pos++);
            if (c == quote) {
                return sb.toString();
            }
            if (c == '\\') {
                if (pos >= text.length()) {
                    throw error("an escaped character");
                }
                char e = text.charAt(pos++);
                switch (e) {
                    case 'n':
                        sb.append('\n');
                        break;
                    case 't':
                        sb.append('\t');
                        break;
                    case 'r':
                        sb.append('\r');
                        break;
                    case '0':
                        sb.append('\0');
                        break;
                    default:
                        sb.append(e);
                        break;
                }
            } else {
                sb.append(c);
            }
        }
    }

    private Long integer() {
        int start = pos;
        if (peek() == '-' || peek() == '+') {
            pos++;
        }
        int digits = pos;
        while (pos < text.length() && Character.isDigit(text.charAt(pos))) {
            pos++;
        }
        if (pos == digits) {
            throw error("digits");
        }
        String number = text.substring(start, pos);
        if (peek() == 'L' || peek() == 'l') {
            pos++;
        }
        try {
            return Long.valueOf(number.startsWith("+") ? number.substring(1) : number);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("integer " + number + " at position " + start
                    + " is too large, expected a 64-bit integer", e);
        }
    }

    private void expect(char c) {
        if (peek() != c) {
            throw error("'" + c + "'");
        }
        pos++;
    }

    private char peek() {
        return pos < text.length() ? text.charAt(pos) : '\0';
    }

    private void skipSpace() {
        while (pos < text.length() && Character.isWhitespace(text.charAt(pos))) {
            pos++;
        }
    }

    private IllegalArgumentException error(String expected) {
        String found = pos >= text.length() ? "end of text"
                : "'" + text.substring(pos, Math.min(text.length(), pos + 12)) + "'";
        return new IllegalArgumentException("at position " + pos + " found " + found + ", expected " + expected);
    }
}
