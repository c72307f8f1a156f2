package org.sparsertrl.engine.learn;

import java.lang.foreign.MemorySegment;

import org.sparsertrl.engine.cell.RecurrentCell;
import org.sparsertrl.engine.kernel.Kernels;

/**
 * The do-little control: no gradient for the recurrent parameters (W, U, b stay as initialised), so
 * only the readout V, c learns, from the exact readout gradient the trainer adds for every learner.
 * The network is then a fixed random reservoir with a trained linear readout; a learner that cannot
 * beat this has learned nothing through the recurrence. Carries nothing between steps, stores
 * nothing, and costs one fill of the recurrent gradient per step, on every cell.
 */
public final class ReadoutOnly implements Learner {

    private final int recurrentSize;
    private final Kernels kernels;

    ReadoutOnly(RecurrentCell cell, Kernels kernels) {
        this.recurrentSize = cell.layout().recurrentSize();
        this.kernels = kernels;
    }

    /** Writes zeros into {@code grad[0, recurrentSize)}: the recurrent part gets no update. */
    @Override
    public void step(MemorySegment grad) {
        kernels.fill(grad, 0, recurrentSize, 0f);
    }

    @Override
    public void reset() {
        // Nothing is carried from step to step.
    }

    /** 0: this learner treats h_t as independent of the recurrent parameters. */
    @Override
    public float sensitivity(int i, int column) {
        return 0f;
    }

    @Override
    public LearnerSpec spec() {
        return LearnerSpec.readoutOnly();
    }
}
