package org.sparsertrl.engine.optim;

import java.lang.foreign.MemorySegment;

/**
 * Updates a parameter slab in place from a gradient slab of the same layout, element-wise and
 * vectorized. Moment buffers live off-heap in the model's memory. Created from an {@link OptimizerSpec}.
 */
public interface Optimizer {

    /** One update of {@code params[0, size)} from {@code grad[0, size)}. Allocates nothing. */
    void update(MemorySegment params, MemorySegment grad);

    float learningRate();

    /**
     * Changes the learning rate from the next update on.
     *
     * @throws IllegalArgumentException if {@code learningRate} is not finite and positive
     */
    void setLearningRate(float learningRate);

    /** Clears moments and the step count, as for a fresh optimizer. */
    void reset();

    OptimizerSpec spec();
}
