package org.sparsertrl.engine.learn;

import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;

import org.sparsertrl.engine.cell.RnnLayout;
import org.sparsertrl.engine.cell.VanillaRnn;
import org.sparsertrl.engine.kernel.Kernels;
import org.sparsertrl.engine.memory.ModelMemory;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;

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
public final class Rflo implements Learner {

    /** Where the error that reaches the hidden units comes from. */
    public enum Feedback {
        /** A fixed random matrix B, drawn once. */
        RANDOM,
        /** The readout's own V^T: the true delta_t. */
        READOUT
    }

    private final LearnerSpec.RfloSpec spec;
    private final VanillaRnn cell;
    private final Kernels kernels;
    private final int oPad;
    private final float decay;
    private final float gain;
    private final UnitRows trace;         // P[i, theta of unit i]
    private final MemorySegment feedback; // (n, oPad) B, row i = B[i, :]

    Rflo(LearnerSpec.RfloSpec spec, VanillaRnn cell, ModelMemory memory, Kernels kernels) {
        this.spec = spec;
        this.cell = cell;
        this.kernels = kernels;
        RnnLayout layout = cell.layout();
        this.oPad = layout.oPad();
        this.decay = 1f - 1f / spec.tau();
        this.gain = 1f / spec.tau();
        this.trace = new UnitRows(cell, memory, kernels, "rflo.traces");
        this.feedback = memory.allocateFloats((long) layout.n() * oPad);
        SplittableRandom random = new SplittableRandom(spec.seed());
        double std = 1.0 / Math.sqrt(layout.n());
        for (int i = 0; i < layout.n(); i++) {
            for (int k = 0; k < layout.o(); k++) {
                feedback.setAtIndex(JAVA_FLOAT, (long) i * oPad + k, (float) (std * random.nextGaussian()));
            }
        }
    }

    @Override
    public void step(MemorySegment grad) {
        RnnLayout layout = cell.layout();
        MemorySegment err = cell.error(), delta = cell.delta();
        kernels.fill(grad, 0, layout.recurrentSize(), 0f);
        for (int i = 0; i < layout.n(); i++) {
            float e = spec.feedback() == Feedback.READOUT ? delta.getAtIndex(JAVA_FLOAT, i)
                    : kernels.dot(feedback, (long) i * oPad, err, 0, layout.o());
            trace.stepInPlace(i, decay, gain, grad, e); // the vanilla cell: one state row per unit
        }
        trace.swap();
    }

    /**
     * {@return B[i, k] of the random feedback (for tests and inspection)}
     *
     * @param i a hidden unit
     * @param k an output
     */
    public float feedback(int i, int k) {
        return feedback.getAtIndex(JAVA_FLOAT, (long) i * oPad + k);
    }

    @Override
    public void reset() {
        trace.reset();
    }

    /** The eligibility trace P[theta] for theta of unit i, 0 elsewhere. */
    @Override
    public float sensitivity(int i, int column) {
        return trace.entry(i, column);
    }

    @Override
    public LearnerSpec spec() {
        return spec;
    }
}
