package org.sparsertrl.engine.transformer;

import java.util.Arrays;

import org.sparsertrl.engine.Arguments;

/**
 * How an {@link OnlineTransformer} with sparse transport picks the heads S of each layer that carry
 * gradient to earlier steps: at random once, at random again every {@code every} steps, by the top
 * or bottom of a {@link HeadStatistic} (its mean since the last choice, refreshed every {@code every}
 * steps, ties to the lower head index), or an explicit set per layer. The random policies draw from
 * {@code seed}, so a choice is reproducible.
 *
 * <pre>{@code
 * HeadSelection.randomFixed(7)
 * HeadSelection.resampled(100, 7)
 * HeadSelection.top(HeadStatistic.SPECIALISATION, 100)     // the most specialised heads
 * HeadSelection.explicit(new int[][] {{0, 2, 4}, {1, 3, 5}}) // layer 0 keeps heads 0, 2, 4; layer 1 keeps 1, 3, 5
 * }</pre>
 *
 * @param policy    the rule
 * @param every     steps between two choices (resampled, top, bottom); 0 for the others
 * @param statistic what top and bottom rank by; null for the others
 * @param seed      seed of the random policies
 * @param heads     per layer, the kept heads (explicit); null for the others
 */
public record HeadSelection(Policy policy, int every, HeadStatistic statistic, long seed, int[][] heads) {

    /** The selection rules. */
    public enum Policy {
        /** A random set per layer, drawn once from {@code seed}. */
        RANDOM_FIXED,
        /** A random set per layer, drawn again every {@code every} steps. */
        RANDOM_RESAMPLED,
        /** The heads with the highest mean {@code statistic} since the last choice, chosen every {@code every} steps. */
        TOP,
        /** The heads with the lowest mean {@code statistic} since the last choice, chosen every {@code every} steps. */
        BOTTOM,
        /** The sets given in {@code heads}, for the whole run. */
        EXPLICIT;

        /** {@return the name in lower case with hyphens, such as {@code random-fixed}} */
        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
        }

        /** {@return true for the rules that choose again every {@code every} steps} */
        public boolean refreshes() {
            return this == RANDOM_RESAMPLED || this == TOP || this == BOTTOM;
        }
    }

    /**
     * Checks the components the policy uses and copies {@code heads}. Whether {@code heads} fits the model
     * (one row per layer, the right number of distinct heads) is checked when the model is built.
     *
     * @throws IllegalArgumentException when {@code policy} is null, {@code every} &lt; 1 for a refreshing
     *                                  policy, {@code statistic} is null for top or bottom, or {@code heads}
     *                                  or one of its rows is null for an explicit selection
     */
    public HeadSelection {
        if (policy == null) {
            throw new IllegalArgumentException("policy is null");
        }
        if (policy.refreshes()) {
            Arguments.requireAtLeast("every", every, 1);
        }
        if ((policy == Policy.TOP || policy == Policy.BOTTOM) && statistic == null) {
            throw new IllegalArgumentException("statistic is null: the " + policy.label() + " rule ranks heads by one");
        }
        if (policy == Policy.EXPLICIT) {
            if (heads == null) {
                throw new IllegalArgumentException("heads is null: an explicit selection names the kept heads of each layer");
            }
            heads = Arguments.copyRows("heads", heads);
        }
    }

    /**
     * {@return a random set per layer, chosen once}
     *
     * @param seed seed of the random choice
     */
    public static HeadSelection randomFixed(long seed) {
        return new HeadSelection(Policy.RANDOM_FIXED, 0, null, seed, null);
    }

    /**
     * {@return a random set per layer, chosen again every {@code every} steps}
     *
     * @param every steps between two choices, at least 1
     * @param seed  seed of the random choices
     * @throws IllegalArgumentException naming {@code every} when it is less than 1
     */
    public static HeadSelection resampled(int every, long seed) {
        return new HeadSelection(Policy.RANDOM_RESAMPLED, every, null, seed, null);
    }

    /**
     * {@return the heads with the highest {@code statistic}}
     *
     * @param statistic what the heads are ranked by
     * @param every     steps between two choices, at least 1
     * @throws IllegalArgumentException when {@code statistic} is null or {@code every} is less than 1
     */
    public static HeadSelection top(HeadStatistic statistic, int every) {
        return new HeadSelection(Policy.TOP, every, statistic, 0, null);
    }

    /**
     * {@return the heads with the lowest {@code statistic}}
     *
     * @param statistic what the heads are ranked by
     * @param every     steps between two choices, at least 1
     * @throws IllegalArgumentException when {@code statistic} is null or {@code every} is less than 1
     */
    public static HeadSelection bottom(HeadStatistic statistic, int every) {
        return new HeadSelection(Policy.BOTTOM, every, statistic, 0, null);
    }

    /**
     * {@return the same heads for the whole run}
     *
     * @param heads {@code heads[l]} lists layer l's kept heads (copied)
     * @throws IllegalArgumentException when {@code heads} or one of its rows is null
     */
    public static HeadSelection explicit(int[][] heads) {
        return new HeadSelection(Policy.EXPLICIT, 0, null, 0, heads);
    }

    /** {@return true when the set changes during the run} */
    public boolean refreshes() {
        return policy.refreshes();
    }

    /** {@return a short label: {@code random-fixed}, {@code top-specialisation-every-100}, ...} */
    public String label() {
        return switch (policy) {
            case RANDOM_FIXED, EXPLICIT -> policy.label();
            case RANDOM_RESAMPLED -> policy.label() + "-every-" + every;
            case TOP, BOTTOM -> policy.label() + "-" + statistic.label() + "-every-" + every;
        };
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof HeadSelection s && policy == s.policy && every == s.every && statistic == s.statistic
                && seed == s.seed && Arrays.deepEquals(heads, s.heads);
    }

    @Override
    public int hashCode() {
        return ((policy.hashCode() * 31 + every) * 31 + Long.hashCode(seed)) * 31 + Arrays.deepHashCode(heads);
    }

    @Override
    public String toString() {
        return label() + (policy == Policy.EXPLICIT ? Arrays.deepToString(heads) : "");
    }
}
