package org.sparsertrl.engine.optim;

import java.lang.foreign.MemorySegment;

/**
 * Updates a parameter slab in place from a gradient slab of the same layout, element-wise and
 * vectorized. Moment buffers live off-heap in the model's memory. Created from an {@link OptimizerSpec}.
 */
public interface Optimizer {

    /**
     * One update of {@code params[0, size)} from {@code grad[0, size)}. Allocates nothing.
     *
     * @param params the parameters, updated in place
     * @param grad   the gradient
     */
    void update(MemorySegment params, MemorySegment grad);

    /** {@return the learning rate in use} */
    float learningRate();

    /**
     * Changes the learning rate from the next update on.
     *
     * @param learningRate the new learning rate
     * @throws IllegalArgumentException if {@code learningRate} is not finite and positive
     */
    void setLearningRate(float learningRate);

    /** Clears moments and the step count, as for a fresh optimizer. */
    void reset();

    /** {@return the spec this optimizer was created from} */
    OptimizerSpec spec();
}
