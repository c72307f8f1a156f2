package org.sparsertrl.engine.learn;

import java.lang.foreign.MemorySegment;

import org.sparsertrl.engine.cell.GatedCell;
import org.sparsertrl.engine.cell.RecurrentCell;
import org.sparsertrl.engine.cell.VanillaRnn;
import org.sparsertrl.engine.kernel.Kernels;

/**
 * Immediate derivatives only, the k = 0 end of sparse RTRL: {@code J_t = diag(d_t) M_t}, so
 * {@code g_t = (delta_t o d_t)^T M_t}. Nothing is carried between steps and nothing is stored; the
 * cost is O(n (n + m)) per step. With a second-moment optimizer this is the companion paper's
 * competitor to full RTRL.
 *
 * <p>For a gated cell the same idea gives {@code J_t = M_t} and {@code g_t = delta_t^T M_t} (see
 * {@link GatedTerms}): no path is carried, not even a unit's own c_{t-1}.
 */
public final class Immediate implements Learner {

    private final LearnerSpec spec;
    private final VanillaRnn vanilla; // the cell if it is vanilla, else null
    private final GatedCell gated;    // the cell if it is gated, else null
    private final RecurrentCell cell;
    private final Kernels kernels;

    Immediate(LearnerSpec spec, RecurrentCell cell, Kernels kernels) {
        this.spec = spec;
        this.cell = cell;
        this.vanilla = cell instanceof VanillaRnn v ? v : null;
        this.gated = cell instanceof GatedCell g ? g : null;
        this.kernels = kernels;
    }

    @Override
    public void step(MemorySegment grad) {
        kernels.fill(grad, 0, cell.layout().recurrentSize(), 0f);
        if (gated != null) {
            GatedTerms.addImmediateToGradient(gated, kernels, grad);
        } else {
            ImmediateTerm.addToGradient(vanilla, kernels, grad);
        }
    }

    @Override
    public void reset() {
        // Nothing is carried from step to step.
    }

    @Override
    public float sensitivity(int i, int column) {
        return gated != null ? GatedTerms.immediateEntry(gated, i, column) : ImmediateTerm.scaledEntry(vanilla, i, column);
    }

    @Override
    public LearnerSpec spec() {
        return spec;
    }

    @Override
    public long stateBytes() {
        return 0;
    }

    @Override
    public void saveState(MemorySegment dst, long offset) {
        // Nothing is carried from step to step.
    }

    @Override
    public void loadState(MemorySegment src, long offset) {
        // Nothing is carried from step to step.
    }
}
