package org.sparsertrl.harness.task;

import java.util.SplittableRandom;

/**
 * The adding problem (Hochreiter and Schmidhuber, 1997), the paper's scope-condition task: each
 * sequence has {@code length} steps of two inputs, a value drawn uniformly from [0, 1) and a marker;
 * the marker is 1 at one step drawn from the first half and one drawn from the second half, 0
 * elsewhere. The target, given only at the last step, is the sum of the two marked values. Its
 * variance is 1/6, so always answering the mean 1 scores a mean squared error of 0.167, the
 * "trivial predictor" of the paper.
 */
public final class AddingProblem {

    private final int length;
    private final SplittableRandom random;

    /**
     * @param length steps per sequence, at least 2
     * @param seed   seed of the values and markers
     */
    public AddingProblem(int length, long seed) {
        if (length < 2) {
            throw new IllegalArgumentException("length = " + length + " must be >= 2");
        }
        this.length = length;
        this.random = new SplittableRandom(seed);
    }

    public int length() {
        return length;
    }

    /** Fills {@code inputs} (length x 2: value, marker) with the next sequence and returns its target. */
    public float next(float[][] inputs) {
        if (inputs.length != length) {
            throw new IllegalArgumentException("inputs has " + inputs.length + " rows, expected length = " + length);
        }
        int half = length / 2;
        int first = random.nextInt(half), second = half + random.nextInt(length - half);
        float sum = 0;
        for (int t = 0; t < length; t++) {
            inputs[t][0] = (float) random.nextDouble();
            inputs[t][1] = t == first || t == second ? 1f : 0f;
            if (t == first || t == second) {
                sum += inputs[t][0];
            }
        }
        return sum;
    }
}
