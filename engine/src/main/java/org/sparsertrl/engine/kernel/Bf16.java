package org.sparsertrl.engine.kernel;

/**
 * bfloat16 conversions, one value at a time: the scalar form of what the vector kernels do on lanes.
 * A bf16 value is the top 16 bits of a float32, so widening is a shift and exact; narrowing rounds to
 * nearest, ties to even, by integer arithmetic on the bits:
 * <pre>
 *   bits = floatToRawIntBits(x);   bf16 = (bits + 0x7FFF + ((bits >>> 16) & 1)) >>> 16
 * </pre>
 * Adding 0x7FFF carries into bit 16 exactly when the dropped half is above one half of the last kept
 * bit, and the added last kept bit breaks a tie towards even. The carry may run into the exponent,
 * which is the right result (the next binade, or infinity past the largest bf16). A quiet NaN (what
 * arithmetic makes) stays a NaN; a signalling NaN whose payload lies only in the dropped bits would
 * become an infinity, and no kernel makes one.
 */
public final class Bf16 {

    private Bf16() {
    }

    /** {@return the float32 value of the bf16 {@code bits}: exact} */
    public static float toFloat(short bits) {
        return Float.intBitsToFloat(bits << 16);
    }

    /** {@return {@code x} rounded to bf16, to nearest, ties to even} */
    public static short round(float x) {
        int bits = Float.floatToRawIntBits(x);
        return (short) ((bits + 0x7FFF + ((bits >>> 16) & 1)) >>> 16);
    }
}
