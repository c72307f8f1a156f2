package org.sparsertrl.engine.learn;

import java.util.Locale;

/**
 * How a learner stores its sensitivity J between steps. Accumulation is always in float32; only the
 * stored rows change.
 *
 * <pre>{@code
 * LearnerSpec.sparse(4, Selection.randomFixed(1)).sensitivity(Precision.BF16)   // J in 2 bytes an entry
 * Precision.parse("bf16")                                                       // Precision.BF16
 * }</pre>
 *
 * <p>{@link #BF16} keeps the top 16 bits of a float32 (sign, the full 8-bit exponent, 7 of the 23
 * fraction bits), rounded to nearest, ties to even: the same range as float32, a relative error of at
 * most 2^-8 per store, half the memory and half the bytes a step moves. When not to use it: see the
 * README (long horizons with little contraction, tiny gradients, runs that must match float32 bit for
 * bit).
 */
public enum Precision {

    /** IEEE 754 single precision: 4 bytes an entry, the default. */
    FLOAT32("float32", 4),
    /** bfloat16: 2 bytes an entry, the top half of a float32, rounded to nearest even. */
    BF16("bf16", 2);

    private final String label;
    private final int bytes;

    Precision(String label, int bytes) {
        this.label = label;
        this.bytes = bytes;
    }

    /** {@return the name on the command line and in learner names: {@code float32} or {@code bf16}} */
    public String label() {
        return label;
    }

    /** {@return bytes per stored entry} */
    public int bytes() {
        return bytes;
    }

    /**
     * The precision called {@code value} ({@code float32} or {@code bf16}, any case).
     *
     * @param value the name
     * @return the precision
     * @throws IllegalArgumentException naming the option and the value, e.g.
     *                                  {@code precision = 'fp8': expected one of float32, bf16}
     */
    public static Precision parse(String value) {
        for (Precision p : values()) {
            if (p.label.equals(value == null ? null : value.trim().toLowerCase(Locale.ROOT))) {
                return p;
            }
        }
        throw new IllegalArgumentException("precision = '" + value + "': expected one of float32, bf16");
    }
}
