package org.sparsertrl.engine.learn;

import java.lang.foreign.MemorySegment;

import org.sparsertrl.engine.cell.RecurrentCell;
import org.sparsertrl.engine.kernel.Kernels;
import org.sparsertrl.engine.memory.ModelMemory;

/**
 * e-prop (Bellec et al., 2020, "A solution to the learning dilemma for recurrent networks of spiking
 * neurons"), for every cell: each parameter keeps an eligibility trace carried only through its unit's
 * internal state, the one path from s_{t-1} to s_t that crosses no recurrent weight (the LSTM's
 * c_{t-1,i} -> c_t and h_t, the GRU's h_{t-1,i} -> h_t; see {@link RecurrentCell#selfColumn}), and
 * the output error reaches each unit through a learning signal L_t:
 * <pre>
 *   e_t[r, theta] = self_t[r] e_{t-1}[selfColumn(r), theta] + M_t[r, theta]      theta of unit i = r mod n
 *   g_t[theta]    = sum_r L_t[r] e_t[r, theta]
 *   L_t = delta_t = V^T err_t            (symmetric feedback: the readout's own weights)
 *   L_t = B err_t on the h rows, 0 else  (random feedback: B (n x o) ~ N(0, 1/n), fixed, from the seed)
 * </pre>
 * This is SnAp-1 without the paths through the recurrent weights W (SnAp-1 on a network whose W has a
 * zero diagonal in every gate gives the same numbers). The vanilla tanh cell has no internal state
 * (h_t depends on h_{t-1} only through W), so there its traces are the immediate ones:
 * symmetric e-prop is {@link Immediate} and random e-prop is RFLO with tau = 1. Stored like SnAp-1's
 * rows, one row of G (nPad + mPad + 16) floats per state row; O(S G (n + m)) memory and work per step.
 */
public final class EProp extends TraceLearner {

    /** Where the learning signal comes from. */
    public enum Feedback {
        /** The readout's own weights: L_t = V^T err_t, the true delta_t. */
        SYMMETRIC,
        /** A fixed random matrix B (n x o), drawn once from the spec's seed. */
        RANDOM
    }

    private final int n;
    private final int rows;           // S
    private final float[] signal;     // (S) L_t

    EProp(LearnerSpec.EPropSpec spec, RecurrentCell cell, ModelMemory memory, Kernels kernels) {
        super(spec, cell, memory, kernels, "eprop.traces", spec.feedback() == Feedback.RANDOM, spec.seed());
        this.n = cell.layout().n();
        this.rows = cell.stateSize();
        this.signal = new float[rows];
    }

    @Override
    public void step(MemorySegment grad) {
        for (int r = 0; r < rows; r++) {
            signal[r] = signal(r);
        }
        kernels.fill(grad, 0, cell.layout().recurrentSize(), 0f);
        for (int i = 0; i < n; i++) {
            for (int r = i; r < rows; r += n) {
                int self = cell.selfColumn(r);
                if (self < 0) {
                    traces.startFromZero(r);
                } else {
                    traces.startFrom(r, cell.selfCoefficient(r), self);
                }
                traces.addImmediate(r);
                traces.addToGradient(grad, r, signal[r]);
            }
        }
        traces.swap();
    }
}
