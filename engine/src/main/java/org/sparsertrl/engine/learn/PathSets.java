package org.sparsertrl.engine.learn;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * The k paths S_i of each of n units, chosen by a {@link Selection} policy at the first step and,
 * for refreshing policies, again every {@code refreshEvery} steps. S_i is kept sorted, so sensitivity
 * rows are read in address order. Choosing allocates nothing.
 */
final class PathSets {

    /** The size of the weight of path (i, j) that the top-k and bottom-k policies rank by. */
    @FunctionalInterface
    interface Magnitude {
        float of(int i, int j);
    }

    private final Selection selection;
    private final int n;
    private final int k;
    private final int[] paths;          // (n, k) S_i, ascending within a row
    private final boolean[] chosen;     // (n) scratch for building one S_i
    private final int[] permutation;    // (n) scratch for random draws
    private final SplittableRandom random;
    private long steps;

    PathSets(Selection selection, int n, int k) {
        this.selection = selection;
        this.n = n;
        this.k = k;
        this.paths = new int[n * k];
        this.chosen = new boolean[n];
        this.permutation = Units.identity(n);
        this.random = new SplittableRandom(selection.seed());
        if (selection.policy() == Selection.Policy.EXPLICIT) {
            copyExplicitSets(selection.explicit());
        }
    }

    /** Chooses the sets again if the policy says this step does, then counts the step; true if they were chosen again. */
    boolean advance(Magnitude magnitude) {
        boolean refresh = selection.policy() != Selection.Policy.EXPLICIT && selection.refreshesAt(steps);
        if (refresh) {
            select(selection.policy(), magnitude);
        }
        steps++;
        return refresh;
    }

    /** The r-th path of unit i. */
    int path(int i, int r) {
        return paths[i * k + r];
    }

    /** S_i (a copy; inspection only). */
    int[] paths(int i) {
        return Arrays.copyOfRange(paths, i * k, i * k + k);
    }

    private void select(Selection.Policy policy, Magnitude magnitude) {
        for (int i = 0; i < n; i++) {
            switch (policy) {
                case RANDOM_FIXED, RANDOM_RESAMPLED -> Units.draw(random, k, permutation, chosen);
                case TOP_K, BOTTOM_K -> {
                    boolean largest = policy == Selection.Policy.TOP_K;
                    for (int r = 0; r < k; r++) {
                        int best = -1;
                        float bestMagnitude = 0f;
                        for (int j = 0; j < n; j++) {
                            if (chosen[j]) {
                                continue;
                            }
                            float size = magnitude.of(i, j);
                            if (best < 0 || (largest ? size > bestMagnitude : size < bestMagnitude)) {
                                best = j;
                                bestMagnitude = size;
                            }
                        }
                        chosen[best] = true;
                    }
                }
                default -> throw new IllegalStateException("not a computed policy: " + policy);
            }
            // Collect in ascending order and clear the marks for the next row.
            int r = 0;
            for (int j = 0; j < n; j++) {
                if (chosen[j]) {
                    paths[i * k + r++] = j;
                    chosen[j] = false;
                }
            }
        }
    }

    private void copyExplicitSets(int[][] sets) {
        if (sets.length != n) {
            throw new IllegalArgumentException("explicit selection has " + sets.length + " rows, expected n = " + n);
        }
        for (int i = 0; i < n; i++) {
            if (sets[i].length != k) {
                throw new IllegalArgumentException("explicit[" + i + "] has " + sets[i].length
                        + " units, expected k = " + k);
            }
            int[] row = Units.sortedDistinct("explicit[" + i + "]", sets[i], n, "hold k distinct units");
            System.arraycopy(row, 0, paths, i * k, k);
        }
    }

    /**
     * The sets (n k ints) and the step count (which decides the next refresh). The random generator
     * of the resampling policy is not part of it: after a restore, resampled paths continue from the
     * generator's current state.
     */
    long stateBytes() {
        return (long) paths.length * Integer.BYTES + Long.BYTES;
    }

    void saveState(MemorySegment dst, long at) {
        // Element by element: the array overload of MemorySegment.copy goes through a type switch
        // whose first compilations were seen to allocate on this rarely taken path.
        for (int r = 0; r < paths.length; r++) {
            dst.set(ValueLayout.JAVA_INT_UNALIGNED, at + (long) r * Integer.BYTES, paths[r]);
        }
        dst.set(ValueLayout.JAVA_LONG_UNALIGNED, at + (long) paths.length * Integer.BYTES, steps);
    }

    void loadState(MemorySegment src, long at) {
        for (int r = 0; r < paths.length; r++) {
            paths[r] = src.get(ValueLayout.JAVA_INT_UNALIGNED, at + (long) r * Integer.BYTES);
        }
        steps = src.get(ValueLayout.JAVA_LONG_UNALIGNED, at + (long) paths.length * Integer.BYTES);
    }
}
