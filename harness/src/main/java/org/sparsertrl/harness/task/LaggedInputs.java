package org.sparsertrl.harness.task;

import java.util.SplittableRandom;

import org.sparsertrl.engine.Arguments;

/**
 * What the memory tasks share: i.i.d. inputs x_t, a lag D that switches from {@code lagBefore} to
 * {@code lagAfter} at step {@code shiftAt}, and a ring of the last max(lagBefore, lagAfter) inputs so
 * a target can read x_{t-j}. Inputs before the first one count as 0. Allocates nothing per step.
 */
final class LaggedInputs {

    /** The longest lag: a ring of 10,000 floats, and far beyond the memory any studied network has. */
    static final int MAX_LAG = 10_000;

    private final int lagBefore;
    private final int lagAfter;
    private final long shiftAt;
    private final InputDistribution distribution;
    private final SplittableRandom random;
    // (capacity) the inputs x_{t-capacity} .. x_{t-1}; x_s sits at s mod capacity, so the slot of x_t
    // (head) holds the oldest input until advance() overwrites it. Zero before the first input.
    private final float[] history;
    private int head;
    private long step;

    LaggedInputs(int lagBefore, int lagAfter, long shiftAt, InputDistribution distribution, long seed) {
        Arguments.requireInRange("lagBefore", lagBefore, 1, MAX_LAG);
        Arguments.requireInRange("lagAfter", lagAfter, 1, MAX_LAG);
        if (shiftAt < 0) {
            throw new IllegalArgumentException("shiftAt = " + shiftAt + " must be >= 0");
        }
        if (distribution == null) {
            throw new IllegalArgumentException("distribution is null");
        }
        this.lagBefore = lagBefore;
        this.lagAfter = lagAfter;
        this.shiftAt = shiftAt;
        this.distribution = distribution;
        this.random = new SplittableRandom(seed);
        this.history = new float[Math.max(lagBefore, lagAfter)];
    }

    /** The lag D of step {@code t} (steps count from 0). */
    int lagAt(long t) {
        return t < shiftAt ? lagBefore : lagAfter;
    }

    /** The lag D of the step about to be drawn. */
    int lag() {
        return lagAt(step);
    }

    /** x_{t-back} for the step t about to be drawn, back in [1, max lag]; 0 before the first input. */
    float past(int back) {
        int at = head - back;
        return history[at < 0 ? at + history.length : at];
    }

    /** Draws x_t, stores it, and moves on to step t + 1. */
    float advance() {
        float x = (float) distribution.draw(random);
        history[head] = x;
        head = head + 1 == history.length ? 0 : head + 1;
        step++;
        return x;
    }
}
