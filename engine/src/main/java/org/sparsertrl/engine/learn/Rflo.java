package org.sparsertrl.engine.learn;

import java.lang.foreign.MemorySegment;

import org.sparsertrl.engine.cell.VanillaRnn;
import org.sparsertrl.engine.kernel.Kernels;
import org.sparsertrl.engine.memory.ModelMemory;

/**
 * RFLO, random-feedback local online learning (Murray, 2019), on this library's non-leaky tanh cell.
 * Each parameter of unit i keeps a local eligibility trace, and the output error reaches unit i
 * through a fixed random feedback matrix B (n x o) instead of the readout's V^T:
 * <pre>
 *   P_t[theta] = (1 - 1/tau) P_{t-1}[theta] + (1/tau) d_t[i] z_t[theta]      g_t[theta] = (B err_t)[i] P_t[theta]
 * </pre>
 * Murray's network is leaky with time constant tau and its trace decays at the same rate; here the
 * cell has no leak, so tau is the trace's own time constant (an option: tau = 1 keeps no memory).
 * With {@code Feedback.READOUT}, B = V^T and RFLO differs from SnAp-1 only in decaying by the fixed
 * 1 - 1/tau instead of W[i,i]; with tau = 1 it is {@link Immediate}. B ~ N(0, 1/n), the scale of V,
 * drawn from the spec's seed. O(p) memory and work per step.
 */
public final class Rflo extends TraceLearner {

    /** Where the error that reaches the hidden units comes from. */
    public enum Feedback {
        /** A fixed random matrix B, drawn once. */
        RANDOM,
        /** The readout's own V^T: the true delta_t. */
        READOUT
    }

    private final float decay;
    private final float gain;

    Rflo(LearnerSpec.RfloSpec spec, VanillaRnn cell, ModelMemory memory, Kernels kernels) {
        super(spec, cell, memory, kernels, "rflo.traces", spec.feedback() == Feedback.RANDOM, spec.seed());
        this.decay = 1f - 1f / spec.tau();
        this.gain = 1f / spec.tau();
    }

    @Override
    public void step(MemorySegment grad) {
        int n = cell.layout().n();
        kernels.fill(grad, 0, cell.layout().recurrentSize(), 0f);
        for (int i = 0; i < n; i++) {
            traces.stepInPlace(i, decay, gain, grad, signal(i)); // the vanilla cell: one state row per unit
        }
        traces.swap();
    }
}
