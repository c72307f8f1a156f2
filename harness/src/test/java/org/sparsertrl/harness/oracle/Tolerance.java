package org.sparsertrl.harness.oracle;

/**
 * Float-versus-reference comparison: {@code |actual - expected| <= atol + rtol |expected|}, where the
 * absolute part scales with the largest magnitude of the compared quantity (so a value that cancels
 * to near zero is judged against the size of the terms that produced it).
 */
public record Tolerance(double atol, double rtol) {

    /** Fails with a message naming the quantity, the index and both values. */
    public void assertClose(String what, double[] expected, double[] actual) {
        assertClose(what, expected, actual, 0);
    }

    /**
     * As {@link #assertClose(String, double[], double[])}, with the absolute part scaled by at least
     * {@code floor}. A gradient is the output error times the sensitivities; when the prediction nearly
     * equals the target the error is itself a cancellation of two numbers of size |y|, so two correct
     * float implementations can differ by rounding of |y| there: pass |y| as the floor.
     */
    public void assertClose(String what, double[] expected, double[] actual, double floor) {
        if (expected.length != actual.length) {
            throw new AssertionError(what + ": length " + actual.length + ", expected " + expected.length);
        }
        double scale = floor;
        for (double e : expected) {
            scale = Math.max(scale, Math.abs(e));
        }
        for (int i = 0; i < expected.length; i++) {
            double bound = atol * Math.max(scale, 1e-30) + rtol * Math.abs(expected[i]);
            if (!(Math.abs(actual[i] - expected[i]) <= bound)) {
                throw new AssertionError(String.format(
                        "%s[%d]: expected %.9g, actual %.9g, |diff| %.3g > %.3g (atol %.1g x max %.4g, rtol %.1g)",
                        what, i, expected[i], actual[i], Math.abs(actual[i] - expected[i]), bound, atol, scale, rtol));
            }
        }
    }
}
