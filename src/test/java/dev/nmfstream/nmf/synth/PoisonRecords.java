package dev.nmfstream.nmf.synth;

import java.util.Arrays;

/**
 * The valid-but-hostile records of issue 10, item 1, each made from a clean planted column:
 * values far outside the stream's scale that a robust learner must survive. Deterministic: the
 * same clean column gives the same record.
 */
public enum PoisonRecords {

    /** Every value 1e-320 (subnormal). */
    SUBNORMAL {
        @Override
        public double[] make(double[] clean) {
            return filled(clean.length, 1e-320);
        }
    },
    /** Values spread log-uniformly from 1e-300 to 1e300. */
    SPAN_300 {
        @Override
        public double[] make(double[] clean) {
            return span(clean.length, -300, 300);
        }
    },
    /** The clean column as float32 with one entry 3e37 (a bit flip in a binary frame). */
    FLOAT32_3E37 {
        @Override
        public double[] make(double[] clean) {
            double[] v = new double[clean.length];
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) clean[i];
            }
            v[clean.length / 3] = (float) 3e37;
            return v;
        }
    },
    /** Every value 1e200. */
    EQUAL_1E200 {
        @Override
        public double[] make(double[] clean) {
            return filled(clean.length, 1e200);
        }
    },
    /** Every value 1e-200. */
    EQUAL_1E_MINUS_200 {
        @Override
        public double[] make(double[] clean) {
            return filled(clean.length, 1e-200);
        }
    },
    /** Every value 1e300. */
    EQUAL_1E300 {
        @Override
        public double[] make(double[] clean) {
            return filled(clean.length, 1e300);
        }
    },
    /** Every value 1e-300. */
    EQUAL_1E_MINUS_300 {
        @Override
        public double[] make(double[] clean) {
            return filled(clean.length, 1e-300);
        }
    },
    /** The clean column times 1e30. */
    SCALED_1E30 {
        @Override
        public double[] make(double[] clean) {
            return scaled(clean, 1e30);
        }
    },
    /** The clean column times 1e-30. */
    SCALED_1E_MINUS_30 {
        @Override
        public double[] make(double[] clean) {
            return scaled(clean, 1e-30);
        }
    },
    /** Values spread log-uniformly from 1e-30 to 1e30. */
    SPAN_30 {
        @Override
        public double[] make(double[] clean) {
            return span(clean.length, -30, 30);
        }
    };

    /** The record made from a clean column (not modified). */
    public abstract double[] make(double[] clean);

    /** Whether a value of this record exceeds {@code max} (the service's nmf.max.value dead-letters it). */
    public boolean exceeds(double[] record, double max) {
        for (double x : record) {
            if (x > max) {
                return true;
            }
        }
        return false;
    }

    private static double[] filled(int m, double x) {
        double[] v = new double[m];
        Arrays.fill(v, x);
        return v;
    }

    private static double[] span(int m, int fromExponent, int toExponent) {
        double[] v = new double[m];
        for (int i = 0; i < m; i++) {
            v[i] = Math.pow(10, fromExponent + (toExponent - fromExponent) * (double) i / (m - 1));
        }
        return v;
    }

    private static double[] scaled(double[] clean, double factor) {
        double[] v = new double[clean.length];
        for (int i = 0; i < v.length; i++) {
            v[i] = clean[i] * factor;
        }
        return v;
    }
}
