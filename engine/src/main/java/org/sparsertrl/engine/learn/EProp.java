package org.sparsertrl.engine.learn;

import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;

import org.sparsertrl.engine.cell.RecurrentCell;
import org.sparsertrl.engine.cell.RnnLayout;
import org.sparsertrl.engine.kernel.Kernels;
import org.sparsertrl.engine.memory.ModelMemory;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;

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
public final class EProp implements Learner {

    /** Where the learning signal comes from. */
    public enum Feedback {
        /** The readout's own weights: L_t = V^T err_t, the true delta_t. */
        SYMMETRIC,
        /** A fixed random matrix B (n x o), drawn once from the spec's seed. */
        RANDOM
    }

    private final LearnerSpec.EPropSpec spec;
    private final RecurrentCell cell;
    private final Kernels kernels;
    private final int n;
    private final int rows;           // S
    private final int oPad;
    private final MemorySegment feedback; // (n, oPad) B, row i = B[i, :]; random feedback only
    private final float[] signal;     // (S) L_t
    private final UnitRows e;         // e[r, theta of r's unit]

    EProp(LearnerSpec.EPropSpec spec, RecurrentCell cell, ModelMemory memory, Kernels kernels) {
        this.spec = spec;
        this.cell = cell;
        this.kernels = kernels;
        RnnLayout layout = cell.layout();
        this.n = layout.n();
        this.rows = cell.stateSize();
        this.oPad = layout.oPad();
        this.signal = new float[rows];
        this.e = new UnitRows(cell, memory, kernels, "eprop.traces");
        if (spec.feedback() == Feedback.RANDOM) {
            // Drawn as RFLO draws its B, so that on the vanilla cell random e-prop is RFLO with tau = 1.
            this.feedback = memory.allocateFloats((long) n * oPad);
            SplittableRandom random = new SplittableRandom(spec.seed());
            double std = 1.0 / Math.sqrt(n);
            for (int i = 0; i < n; i++) {
                for (int k = 0; k < layout.o(); k++) {
                    feedback.setAtIndex(JAVA_FLOAT, (long) i * oPad + k, (float) (std * random.nextGaussian()));
                }
            }
        } else {
            this.feedback = null;
        }
    }

    @Override
    public void step(MemorySegment grad) {
        RnnLayout layout = cell.layout();
        MemorySegment delta = cell.delta(), err = cell.error();
        for (int r = 0; r < rows; r++) {
            signal[r] = feedback == null ? delta.getAtIndex(JAVA_FLOAT, r)
                    : r < n ? kernels.dot(feedback, (long) r * oPad, err, 0, layout.o()) : 0f;
        }
        kernels.fill(grad, 0, layout.recurrentSize(), 0f);
        for (int i = 0; i < n; i++) {
            for (int r = i; r < rows; r += n) {
                int self = cell.selfColumn(r);
                if (self < 0) {
                    e.startFromZero(r);
                } else {
                    e.startFrom(r, cell.selfCoefficient(r), self);
                }
                e.addImmediate(r);
                e.addToGradient(grad, r, signal[r]);
            }
        }
        e.swap();
    }

    /**
     * {@return B[i, k] of the random feedback (for tests and inspection); NaN with symmetric feedback}
     *
     * @param i a hidden unit
     * @param k an output
     */
    public float feedback(int i, int k) {
        return feedback == null ? Float.NaN : feedback.getAtIndex(JAVA_FLOAT, (long) i * oPad + k);
    }

    @Override
    public void reset() {
        e.reset();
    }

    /** The eligibility trace e_t[r, column] for a parameter of r's unit, zero elsewhere. */
    @Override
    public float sensitivity(int r, int column) {
        return e.entry(r, column);
    }

    @Override
    public LearnerSpec spec() {
        return spec;
    }
}
