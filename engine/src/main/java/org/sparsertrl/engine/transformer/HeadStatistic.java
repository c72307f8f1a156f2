package org.sparsertrl.engine.transformer;

/**
 * A per-head measure that the top and bottom selection rules rank heads by, and that
 * {@link OnlineTransformer#headStatistic} reports as a running mean.
 */
public enum HeadStatistic {

    /**
     * How concentrated the head's attention is: {@code log(window) - H(p)}, where {@code H(p)} is the
     * entropy (in nats) of the attention of the current step's query over the window. 0 for a head
     * that spreads evenly, {@code log(window)} for one that attends to a single step.
     */
    SPECIALISATION,

    /** Entropy {@code H(p)} of the current step's query's attention, in nats. */
    ENTROPY,

    /**
     * Euclidean norm of the head's own parameter gradient: its columns of {@code WQ}, {@code WK},
     * {@code WV} and its rows of {@code WO}, as computed (under the transport in force), before clipping.
     */
    GRADIENT_NORM;

    /** {@return the name in lower case with hyphens, such as {@code gradient-norm}} */
    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
    }
}
