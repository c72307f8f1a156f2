package org.sparsertrl.engine.transformer;

import org.sparsertrl.engine.Arguments;

/**
 * Which attention heads carry gradient back to earlier steps of the window.
 *
 * <p>Dense transport is ordinary backpropagation through the window. Sparse transport with fraction
 * {@code s} keeps, in each layer, a set S of {@code s H} heads (chosen by {@link #selection()}): in the
 * backward pass, the gradient a query at step i sends to the keys and values of earlier steps j &lt; i
 * flows only through the heads in S. A head outside S still gets the gradient of its own parameters
 * through the query (and the key and value) of step i itself, but transports nothing to the past.
 * {@code s = 1} is dense transport; {@code s = 0} is no temporal transport at all: the loss's gradient
 * never leaves the current step.
 *
 * <pre>{@code
 * HeadTransport.dense()
 * HeadTransport.sparse(0.5, HeadSelection.randomFixed(7))   // half the heads, chosen once at random
 * }</pre>
 *
 * @param everyHead true for dense transport (fraction 1, no selection)
 * @param fraction  s, in [0, 1]; it must be a multiple of 1/H for the model's H (checked when the model is built)
 * @param selection how S is chosen (null for dense)
 */
public record HeadTransport(boolean everyHead, double fraction, HeadSelection selection) {

    /**
     * Checks the components.
     *
     * @throws IllegalArgumentException naming {@code headFraction} when {@code fraction} is not in [0, 1] or
     *                                  is not 1 for dense transport, or when {@code selection} is null for
     *                                  sparse transport
     */
    public HeadTransport {
        if (!(fraction >= 0 && fraction <= 1)) {
            throw new IllegalArgumentException("headFraction = " + fraction + " must be in [0, 1]");
        }
        if (!everyHead && selection == null) {
            throw new IllegalArgumentException("selection is null: sparse transport needs a head selection");
        }
        if (everyHead && fraction != 1) {
            throw new IllegalArgumentException("headFraction = " + fraction + " with dense transport: dense means 1");
        }
    }

    /** {@return dense transport: every head carries gradient to earlier steps} */
    public static HeadTransport dense() {
        return new HeadTransport(true, 1, null);
    }

    /**
     * {@return sparse transport through a fraction {@code s} of each layer's heads, chosen by {@code selection}}
     *
     * @param s         the fraction of heads kept, in [0, 1]; a multiple of 1/H for the model's H
     * @param selection how the kept heads are chosen
     * @throws IllegalArgumentException when {@code s} is not in [0, 1] or {@code selection} is null
     */
    public static HeadTransport sparse(double s, HeadSelection selection) {
        return new HeadTransport(false, s, selection);
    }

    /**
     * {@return the number of kept heads, {@code s H}, for a model of {@code heads} heads}
     *
     * @param heads H, at least 1
     * @throws IllegalArgumentException naming {@code heads} when it is less than 1, or {@code headFraction}
     *                                  when {@code s H} is not a whole number
     */
    public int keptHeads(int heads) {
        Arguments.requireAtLeast("heads", heads, 1);
        double kept = fraction * heads;
        long whole = Math.round(kept);
        if (Math.abs(kept - whole) > 1e-6) {
            throw new IllegalArgumentException("headFraction = " + fraction + " is not a multiple of 1/heads = 1/" + heads
                    + " (s H = " + kept + " heads)");
        }
        return (int) whole;
    }

    /** {@return {@code dense}, or a label such as {@code s=1/2 random-fixed}} */
    public String label() {
        return everyHead ? "dense" : "s=" + fractionLabel(fraction) + " " + selection.label();
    }

    /**
     * {@return {@code s} as a small fraction when it is one ({@code 1/2}, {@code 1/6}, {@code 0}, {@code 1}),
     * else as a decimal}
     *
     * @param s a fraction; a denominator up to 12 is found
     */
    public static String fractionLabel(double s) {
        for (int q = 1; q <= 12; q++) {
            double p = s * q;
            if (Math.abs(p - Math.rint(p)) < 1e-9) {
                long top = Math.round(p);
                return q == 1 ? String.valueOf(top) : top + "/" + q;
            }
        }
        return String.valueOf(s);
    }
}
