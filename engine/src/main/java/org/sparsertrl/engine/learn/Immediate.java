package org.sparsertrl.engine.learn;

import java.lang.foreign.MemorySegment;

import org.sparsertrl.engine.cell.RecurrentCell;
import org.sparsertrl.engine.kernel.Kernels;

/**
 * Immediate derivatives only, the k = 0 end of sparse RTRL, for every cell: {@code J_t = M_t}, so
 * {@code g_t = delta_t^T M_t} (see {@link CellTerms}); for the vanilla cell {@code J_t = diag(d_t) M_t}
 * with M_t = da_t / dtheta. Nothing is carried between steps, not even a unit's own c_{t-1}, and
 * nothing is stored; the cost is O(G n (n + m)) per step. With a second-moment optimizer this is the
 * companion paper's competitor to full RTRL.
 */
public final class Immediate implements Learner {

    private final LearnerSpec spec;
    private final RecurrentCell cell;
    private final Kernels kernels;
    private final ImmediateGradient immediate; // delta_t^T M_t, added to every step's gradient

    Immediate(LearnerSpec spec, RecurrentCell cell, Kernels kernels) {
        this.spec = spec;
        this.cell = cell;
        this.kernels = kernels;
        this.immediate = new ImmediateGradient(cell, kernels);
    }

    @Override
    public void step(MemorySegment grad) {
        kernels.fill(grad, 0, cell.layout().recurrentSize(), 0f);
        immediate.addTo(grad);
    }

    @Override
    public void reset() {
        // Nothing is carried from step to step.
    }

    @Override
    public float sensitivity(int i, int column) {
        return CellTerms.immediateEntry(cell, i, column);
    }
    @Override
    public LearnerSpec spec() {
        return spec;
    }
}
