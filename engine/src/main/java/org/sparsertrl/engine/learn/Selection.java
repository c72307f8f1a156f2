package org.sparsertrl.engine.learn;

import java.util.Arrays;
import java.util.Locale;

import org.sparsertrl.engine.Arguments;

/**
 * How per-row sparse RTRL picks the k presynaptic units S_i through which row i of the sensitivity
 * is propagated. Every policy is seeded or deterministic, so a run is reproducible.
 *
 * <pre>{@code
 * Selection.randomFixed(7)            // k random units per row, drawn once
 * Selection.randomResampled(100, 7)   // drawn again every 100 steps
 * Selection.topK(100)                 // the k largest |W[i, j]|, refreshed every 100 steps
 * Selection.bottomK(100)              // the k smallest |W[i, j]|: the adversarial choice
 * }</pre>
 * Ties in |W| go to the lower index. Each S_i is kept in ascending order.
 *
 * @param policy       the rule
 * @param refreshEvery steps between refreshes (resampled, top-k, bottom-k); 0 for the fixed policies
 * @param seed         random seed (random policies)
 * @param explicit     the sets for {@link Policy#EXPLICIT}, one per row; null otherwise
 */
public record Selection(Policy policy, int refreshEvery, long seed, int[][] explicit) {

    /** The selection rules. */
    public enum Policy {
        /** k distinct units per row drawn uniformly once, at the first step. */
        RANDOM_FIXED,
        /** Drawn uniformly again every {@code refreshEvery} steps. */
        RANDOM_RESAMPLED,
        /** The k units with the largest |W[i, j]|, recomputed every {@code refreshEvery} steps. */
        TOP_K,
        /** The k units with the smallest |W[i, j]| (adversarial), recomputed every {@code refreshEvery} steps. */
        BOTTOM_K,
        /** Sets given by the caller. */
        EXPLICIT;

        /** {@return the policy's command-line name, e.g. {@code random-fixed}} */
        public String label() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }

        /** {@return true for the policies that choose again every {@code refreshEvery} steps} */
        public boolean refreshes() {
            return this == RANDOM_RESAMPLED || this == TOP_K || this == BOTTOM_K;
        }
    }

    /** Checks the components; a bad one throws IllegalArgumentException naming it and its value. */
    public Selection {
        if (policy == null) {
            throw new IllegalArgumentException("policy is null");
        }
        if (policy.refreshes()) {
            Arguments.requireAtLeast("refreshEvery", refreshEvery, 1);
        } else if (refreshEvery != 0) {
            throw new IllegalArgumentException("refreshEvery = " + refreshEvery + " must be 0 for the fixed policy "
                    + policy.label());
        }
        if ((policy == Policy.EXPLICIT) != (explicit != null)) {
            throw new IllegalArgumentException("explicit sets are given if and only if policy is EXPLICIT");
        }
        if (explicit != null) {
            explicit = Arguments.copyRows("explicit", explicit);
        }
    }

    /**
     * {@return paths drawn uniformly once, from {@code seed}}
     *
     * @param seed the seed of the draw
     */
    public static Selection randomFixed(long seed) {
        return new Selection(Policy.RANDOM_FIXED, 0, seed, null);
    }

    /**
     * {@return paths drawn uniformly again every {@code refreshEvery} steps}
     *
     * @param refreshEvery steps between draws, >= 1
     * @param seed         the seed of the draws
     */
    public static Selection randomResampled(int refreshEvery, long seed) {
        return new Selection(Policy.RANDOM_RESAMPLED, refreshEvery, seed, null);
    }

    /**
     * {@return the k paths of largest |W[i, j]|, recomputed every {@code refreshEvery} steps}
     *
     * @param refreshEvery steps between refreshes, >= 1
     */
    public static Selection topK(int refreshEvery) {
        return new Selection(Policy.TOP_K, refreshEvery, 0L, null);
    }

    /**
     * {@return the k paths of smallest |W[i, j]| (adversarial), recomputed every {@code refreshEvery} steps}
     *
     * @param refreshEvery steps between refreshes, >= 1
     */
    public static Selection bottomK(int refreshEvery) {
        return new Selection(Policy.BOTTOM_K, refreshEvery, 0L, null);
    }

    /**
     * Row i propagates through exactly the units {@code sets[i]} (each of the same length k, distinct).
     *
     * @param sets S_i for every row i
     * @return the explicit selection
     */
    public static Selection explicit(int[][] sets) {
        return new Selection(Policy.EXPLICIT, 0, 0L, sets);
    }

    /** {@return the sets of an explicit selection (a copy), or null} */
    @Override
    public int[][] explicit() {
        return explicit == null ? null : Arguments.copyRows("explicit", explicit);
    }

    /** True if the sets are recomputed before step {@code step} (counting from 0). */
    boolean refreshesAt(long step) {
        return step == 0 || (refreshEvery > 0 && step % refreshEvery == 0);
    }

    @Override
    public String toString() {
        return switch (policy) {
            case RANDOM_FIXED -> "random-fixed(seed=" + seed + ")";
            case RANDOM_RESAMPLED -> "random-resampled(every=" + refreshEvery + ", seed=" + seed + ")";
            case TOP_K, BOTTOM_K -> policy.label() + "(every=" + refreshEvery + ")";
            case EXPLICIT -> "explicit" + Arrays.deepToString(explicit);
        };
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Selection s && s.policy == policy && s.refreshEvery == refreshEvery
                && s.seed == seed && Arrays.deepEquals(s.explicit, explicit);
    }

    @Override
    public int hashCode() {
        return Arrays.deepHashCode(new Object[] {policy, refreshEvery, seed, explicit});
    }
}
