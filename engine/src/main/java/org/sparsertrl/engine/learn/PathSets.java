package org.sparsertrl.engine.learn;

import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;

import org.sparsertrl.engine.memory.ModelMemory;
import org.sparsertrl.engine.memory.StateSlab;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The k paths S_i of each of n units, chosen by a {@link Selection} policy at the first step and,
 * for refreshing policies, again every {@code refreshEvery} steps. S_i is kept sorted, so sensitivity
 * rows are read in address order. Choosing allocates nothing.
 *
 * <p>The sets and the step count (which decides the next refresh) are part of the model's state. The
 * random generator of the resampling policy is not: after a restore, resampled paths continue from
 * the generator's current state.
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
    private final MemorySegment paths;  // (n, k) ints: S_i, ascending within a row
    private final MemorySegment steps;  // (1) long: steps counted, which decides the next refresh
    private final boolean[] chosen;     // (n) scratch for building one S_i
    private final int[] permutation;    // (n) scratch for random draws
    private final SplittableRandom random;

    PathSets(Selection selection, int n, int k, ModelMemory memory) {
        this.selection = selection;
        this.n = n;
        this.k = k;
        this.paths = memory.state().ints(StateSlab.Part.LEARNER, "sparse.paths", (long) n * k).segment();
        this.steps = memory.state().longs(StateSlab.Part.LEARNER, "sparse.path-steps", 1).segment();
        this.chosen = new boolean[n];
        this.permutation = Units.identity(n);
        this.random = new SplittableRandom(selection.seed());
        if (selection.policy() == Selection.Policy.EXPLICIT) {
            copyExplicitSets(selection.explicit());
        }
    }

    /** Chooses the sets again if the policy says this step does, then counts the step; true if they were chosen again. */
    boolean advance(Magnitude magnitude) {
        long counted = steps.get(JAVA_LONG, 0);
        boolean refresh = selection.policy() != Selection.Policy.EXPLICIT && selection.refreshesAt(counted);
        if (refresh) {
            select(selection.policy(), magnitude);
        }
        steps.set(JAVA_LONG, 0, counted + 1);
        return refresh;
    }

    /** The r-th path of unit i. */
    int path(int i, int r) {
        return paths.getAtIndex(JAVA_INT, (long) i * k + r);
    }

    /** S_i (a copy; inspection only). */
    int[] paths(int i) {
        int[] row = new int[k];
        for (int r = 0; r < k; r++) {
            row[r] = path(i, r);
        }
        return row;
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
                    paths.setAtIndex(JAVA_INT, (long) i * k + r++, j);
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
            for (int r = 0; r < k; r++) {
                paths.setAtIndex(JAVA_INT, (long) i * k + r, row[r]);
            }
        }
    }
}
