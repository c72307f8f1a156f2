package org.sparsertrl.engine.learn;

import java.util.Arrays;
import java.util.SplittableRandom;

/** Sets of distinct units: drawn uniformly at random, or checked when given. */
final class Units {

    private Units() {
    }

    /**
     * Draws k distinct units of [0, n) uniformly (a partial Fisher-Yates shuffle of
     * {@code permutation}, which must hold a permutation of [0, n) and stays one) and marks them in
     * {@code chosen}. Allocates nothing.
     */
    static void draw(SplittableRandom random, int k, int[] permutation, boolean[] chosen) {
        int n = permutation.length;
        for (int r = 0; r < k; r++) {
            int pick = r + random.nextInt(n - r);
            int t = permutation[r];
            permutation[r] = permutation[pick];
            permutation[pick] = t;
            chosen[permutation[r]] = true;
        }
    }

    /** The identity permutation of [0, n). */
    static int[] identity(int n) {
        int[] out = new int[n];
        for (int j = 0; j < n; j++) {
            out[j] = j;
        }
        return out;
    }

    /** A sorted copy of {@code units}, which must be distinct and in [0, n); the message names {@code name}. */
    static int[] sortedDistinct(String name, int[] units, int n, String expectation) {
        int[] sorted = units.clone();
        Arrays.sort(sorted);
        for (int s = 0; s < sorted.length; s++) {
            if (sorted[s] < 0 || sorted[s] >= n || (s > 0 && sorted[s] == sorted[s - 1])) {
                throw new IllegalArgumentException(name + " = " + Arrays.toString(units) + " must " + expectation
                        + " in [0, n = " + n + ")");
            }
        }
        return sorted;
    }
}
