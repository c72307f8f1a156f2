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

    /** {@return bytes of this optimizer's state (moments and step count)} */
    long stateBytes();

    /**
     * Copies the state to {@code dst} at byte {@code offset}. Allocates nothing.
     *
     * @param dst    where to write
     * @param offset the byte offset in {@code dst}
     */
    void saveState(MemorySegment dst, long offset);

    /**
     * Restores a state saved by {@link #saveState} of an optimizer of the same spec and size.
     *
     * @param src    what {@link #saveState} wrote
     * @param offset the byte offset in {@code src}
     */
    void loadState(MemorySegment src, long offset);
}
