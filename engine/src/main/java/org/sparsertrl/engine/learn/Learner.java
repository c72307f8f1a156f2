package org.sparsertrl.engine.learn;

import java.lang.foreign.MemorySegment;

/**
 * A gradient estimator for the recurrent parameters theta = (W, U, b): it carries (some of) the
 * sensitivity J_t = dh_t / dtheta from step to step and turns it into the online gradient
 * {@code g_t = J_t^T delta_t}.
 *
 * <p>The trainer calls {@link #step} once per training step, after the cell's forward pass and loss
 * and before any weight changes, so J_t is built with the weights that produced h_t. Learners are
 * created from a {@link LearnerSpec} and own off-heap buffers in the model's memory.
 */
public interface Learner {

    /**
     * Advances the sensitivities from J_{t-1} to J_t and writes the recurrent gradient into
     * {@code grad[0, recurrentSize)} (slab layout of {@code RnnLayout}), overwriting it.
     * Allocates nothing.
     *
     * @param grad the gradient slab; its recurrent part is written
     */
    void step(MemorySegment grad);

    /** Sets every stored sensitivity to zero, as at the start of a sequence. */
    void reset();

    /**
     * J_t[i, column] as this learner holds it after the last step, with {@code column} a slab index
     * of the recurrent part; NaN where the learner stores no value (rows outside a subset).
     * For inspection and tests, not for the hot path.
     *
     * @param i      a state row
     * @param column a slab index of the recurrent part
     * @return the sensitivity, or NaN
     */
    float sensitivity(int i, int column);

    /** {@return the spec this learner was created from} */
    LearnerSpec spec();
}
