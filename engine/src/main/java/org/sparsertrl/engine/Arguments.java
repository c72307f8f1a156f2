package org.sparsertrl.engine;

/**
 * Argument checks shared by the public API. Each failure is an {@link IllegalArgumentException} whose
 * message names the argument and its value, and each check runs before the caller changes any state.
 */
public final class Arguments {

    private Arguments() {
    }

    /** Requires {@code lo <= value <= hi}. */
    public static int requireInRange(String name, int value, int lo, int hi) {
        if (value < lo || value > hi) {
            throw new IllegalArgumentException(name + " = " + value + " is out of range [" + lo + ", " + hi + "]");
        }
        return value;
    }

    /** Requires {@code value >= lo}. */
    public static int requireAtLeast(String name, int value, int lo) {
        if (value < lo) {
            throw new IllegalArgumentException(name + " = " + value + " must be >= " + lo);
        }
        return value;
    }

    /** Requires a finite value greater than zero. */
    public static float requirePositive(String name, float value) {
        if (!(value > 0f) || !Float.isFinite(value)) {
            throw new IllegalArgumentException(name + " = " + value + " must be finite and > 0");
        }
        return value;
    }

    /** Requires a finite value in {@code [lo, hi)}. */
    public static float requireInUnitRange(String name, float value, float lo, float hi) {
        if (!(value >= lo && value < hi)) {
            throw new IllegalArgumentException(name + " = " + value + " must be in [" + lo + ", " + hi + ")");
        }
        return value;
    }

    /** Requires a finite value. */
    public static float requireFinite(String name, float value) {
        if (!Float.isFinite(value)) {
            throw new IllegalArgumentException(name + " = " + value + " must be finite");
        }
        return value;
    }

    /**
     * Requires that no row of {@code rows} is null, and returns a deep copy, so that a caller's later
     * change to its arrays cannot reach the copy's owner.
     */
    public static int[][] copyRows(String name, int[][] rows) {
        int[][] copy = new int[rows.length][];
        for (int i = 0; i < rows.length; i++) {
            if (rows[i] == null) {
                throw new IllegalArgumentException(name + "[" + i + "] is null");
            }
            copy[i] = rows[i].clone();
        }
        return copy;
    }

    /** Requires an array of exactly {@code length} finite values. Allocates nothing when it passes. */
    public static float[] requireFiniteVector(String name, float[] values, int length, String lengthName) {
        if (values == null) {
            throw new IllegalArgumentException(name + " is null");
        }
        if (values.length != length) {
            throw new IllegalArgumentException(name + " has length " + values.length + ", expected "
                    + lengthName + " = " + length);
        }
        for (int i = 0; i < length; i++) {
            if (!Float.isFinite(values[i])) {
                throw new IllegalArgumentException(name + "[" + i + "] = " + values[i] + " is not finite");
            }
        }
        return values;
    }
}
