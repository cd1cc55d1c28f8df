package dev.nmfstream.wire;

import java.math.BigInteger;

/**
 * Writes a finite double as ASCII text exactly as {@link Double#toString(double)} does (and so as
 * Jackson writes doubles), into a byte array, without allocating.
 *
 * <p>The digits are the shortest decimal that reads back as the same double (Giulietti's
 * Schubfach algorithm, "The Schubfach way to render doubles", 2020), laid out like
 * {@code Double.toString}: plain ({@code 0.0412}, {@code 100.0}) for 10⁻³ ≤ |v| &lt; 10⁷, else
 * {@code d.dddE±n}. Java 17's own {@code Double.toString} is not always the shortest: it gives one
 * digit too many for some powers of two, subnormals and values ≥ 10¹⁶ (JDK-4511638, fixed in
 * Java 19). Those values are written through {@code StringBuilder.append(double)}, the JDK's own
 * routine, so the text is the JDK's on every version; everything else costs no allocation.
 * Not thread-safe (one scratch buffer): one per encoder.
 */
final class DoubleText {

    /** Longest text: "-d.ddddddddddddddddE-ddd". */
    static final int MAX_CHARS = 25;

    private static final int K_MIN = -324;
    private static final int K_MAX = 292;
    private static final long MASK_63 = (1L << 63) - 1;
    /** Values at or above this go through the JDK (Java 17 is not shortest there). */
    private static final double JDK_FROM = 1e16;
    /**
     * g(k) = floor(β) + 1 for 10^(−k) = β · 2^r with 2^125 ≤ β &lt; 2^126, as two 63-bit halves
     * (high at 2(k − K_MIN), low at 2(k − K_MIN) + 1): computed once, exactly, with BigInteger.
     */
    private static final long[] G = new long[2 * (K_MAX - K_MIN + 1)];

    static {
        BigInteger low63 = BigInteger.ONE.shiftLeft(63).subtract(BigInteger.ONE);
        for (int k = K_MIN; k <= K_MAX; k++) {
            int e = -k;
            BigInteger beta;
            if (e >= 0) {
                BigInteger n = BigInteger.TEN.pow(e);
                int shift = n.bitLength() - 126;
                beta = shift >= 0 ? n.shiftRight(shift) : n.shiftLeft(-shift);
            } else {
                BigInteger d = BigInteger.TEN.pow(-e);
                beta = BigInteger.ONE.shiftLeft(125 + d.bitLength()).divide(d);
            }
            BigInteger g = beta.add(BigInteger.ONE);
            G[2 * (k - K_MIN)] = g.shiftRight(63).longValueExact();
            G[2 * (k - K_MIN) + 1] = g.and(low63).longValueExact();
        }
    }

    private final byte[] digits = new byte[20];
    private final StringBuilder jdk = new StringBuilder(MAX_CHARS);

    /**
     * Writes v at {@code out[at]}; out must have {@link #MAX_CHARS} bytes of room there.
     *
     * @return the position after the text
     * @throws IllegalArgumentException if v is NaN or infinite (no JSON number)
     */
    int write(double v, byte[] out, int at) {
        if (!Double.isFinite(v)) {
            throw new IllegalArgumentException("value = " + v + ", expected a finite number");
        }
        long bits = Double.doubleToRawLongBits(v);
        int biasedExponent = (int) (bits >>> 52) & 0x7FF;
        long fraction = bits & ((1L << 52) - 1);
        if (biasedExponent == 0 || fraction == 0 || Math.abs(v) >= JDK_FROM) {
            return writeJdk(v, out, at); // zero, subnormals, powers of two, huge values
        }
        if (bits < 0) {
            out[at++] = '-';
        }
        long c = (1L << 52) | fraction;
        int q = biasedExponent - 1075; // |v| = c · 2^q
        if (q < 0 && q > -53) {
            long f = c >> -q;
            if (f << -q == c) {
                return layout(f, 0, out, at); // an integer below 2^53: its digits are the shortest
            }
        }
        return shortest(c, q, out, at);
    }

    private int writeJdk(double v, byte[] out, int at) {
        jdk.setLength(0);
        jdk.append(v);
        for (int i = 0; i < jdk.length(); i++) {
            out[at++] = (byte) jdk.charAt(i);
        }
        return at;
    }

    /** The shortest decimal in the rounding interval of c · 2^q (regular spacing: c is not 2^52). */
    private int shortest(long c, int q, byte[] out, int at) {
        int odd = (int) c & 1; // the interval's ends belong to it when c is even
        long cb = c << 2;
        long cbl = cb - 2;
        long cbr = cb + 2;
        int k = floorLog10Pow2(q);
        int h = q + floorLog2Pow10(-k) + 2;
        long g1 = G[2 * (k - K_MIN)];
        long g0 = G[2 * (k - K_MIN) + 1];
        long vb = roundOdd(g1, g0, cb << h);
        long vbl = roundOdd(g1, g0, cbl << h);
        long vbr = roundOdd(g1, g0, cbr << h);
        long s = vb >> 2;
        if (s >= 100) {
            // one digit fewer: 10·floor(s/10) or the next multiple of 10, if exactly one is inside
            long sp10 = 10 * (s / 10);
            long tp10 = sp10 + 10;
            boolean upInside = vbl + odd <= sp10 << 2;
            boolean wpInside = (tp10 << 2) + odd <= vbr;
            if (upInside != wpInside) {
                return layout(upInside ? sp10 : tp10, k, out, at);
            }
        }
        long t = s + 1;
        boolean uInside = vbl + odd <= s << 2;
        boolean wInside = (t << 2) + odd <= vbr;
        if (uInside != wInside) {
            return layout(uInside ? s : t, k, out, at);
        }
        long cmp = vb - (s + t << 1); // both inside: the closer one, the even one on a tie
        return layout(cmp < 0 || cmp == 0 && (s & 1) == 0 ? s : t, k, out, at);
    }

    /** Round to odd of cp · g · 2^(−127). */
    private static long roundOdd(long g1, long g0, long cp) {
        long x1 = Math.multiplyHigh(g0, cp);
        long y0 = g1 * cp;
        long y1 = Math.multiplyHigh(g1, cp);
        long z = (y0 >>> 1) + x1;
        long vbp = y1 + (z >>> 63);
        return vbp | (z & MASK_63) + MASK_63 >>> 63;
    }

    /** floor(log10(2^e)) for |e| ≤ 5456721: floor(log10(2) · 2^41) = 661971961083. */
    private static int floorLog10Pow2(int e) {
        return (int) (e * 661_971_961_083L >> 41);
    }

    /** floor(log2(10^e)) for |e| ≤ 1838394: floor(log2(10) · 2^38) = 913124641741. */
    private static int floorLog2Pow10(int e) {
        return (int) (e * 913_124_641_741L >> 38);
    }

    /** Writes f · 10^e (f &gt; 0) in Double.toString's layout. */
    private int layout(long f, int e, byte[] out, int at) {
        while (f % 10 == 0) {
            f /= 10;
            e++;
        }
        int n = 0;
        for (long x = f; x != 0; x /= 10) {
            digits[n++] = (byte) ('0' + x % 10);
        }
        // digits[n-1] is the first digit; the value is 0.d₁d₂…dₙ · 10^point
        int point = e + n;
        if (point > 0 && point <= 7) {
            for (int i = 0; i < point; i++) {
                out[at++] = i < n ? digits[n - 1 - i] : (byte) '0';
            }
            out[at++] = '.';
            if (n <= point) {
                out[at++] = '0';
            }
            for (int i = point; i < n; i++) {
                out[at++] = digits[n - 1 - i];
            }
            return at;
        }
        if (point <= 0 && point > -3) {
            out[at++] = '0';
            out[at++] = '.';
            for (int i = point; i < 0; i++) {
                out[at++] = '0';
            }
            for (int i = 0; i < n; i++) {
                out[at++] = digits[n - 1 - i];
            }
            return at;
        }
        out[at++] = digits[n - 1];
        out[at++] = '.';
        if (n == 1) {
            out[at++] = '0';
        }
        for (int i = 1; i < n; i++) {
            out[at++] = digits[n - 1 - i];
        }
        out[at++] = 'E';
        int exponent = point - 1;
        if (exponent < 0) {
            out[at++] = '-';
            exponent = -exponent;
        }
        if (exponent >= 100) {
            out[at++] = (byte) ('0' + exponent / 100);
        }
        if (exponent >= 10) {
            out[at++] = (byte) ('0' + exponent / 10 % 10);
        }
        out[at++] = (byte) ('0' + exponent % 10);
        return at;
    }
}
