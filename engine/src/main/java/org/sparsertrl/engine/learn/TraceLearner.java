package org.sparsertrl.engine.learn;

import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;

import org.sparsertrl.engine.cell.RecurrentCell;
import org.sparsertrl.engine.cell.RnnLayout;
import org.sparsertrl.engine.kernel.Kernels;
import org.sparsertrl.engine.memory.ModelMemory;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;

/**
 * What e-prop and RFLO share: eligibility traces on M_t's one-step pattern ({@link UnitRows}), and an
 * error that reaches each state row through a learning signal, either the true delta_t = V^T err_t or
 * a fixed random feedback B err_t. B (n x o) ~ N(0, 1/n), the scale of V, is drawn here once from the
 * spec's seed, the same way for both, which is what makes random e-prop on the vanilla cell RFLO with
 * tau = 1 bit for bit. The subclasses say how a trace row is carried from step to step.
 */
abstract sealed class TraceLearner implements Learner permits EProp, Rflo {

    private final LearnerSpec spec;
    final RecurrentCell cell;
    final Kernels kernels;
    final UnitRows traces;                // e[r, theta of r's unit]
    private final int n;
    private final int oPad;
    private final MemorySegment feedback; // (n, oPad) B, row i = B[i, :]; null: the signal is delta_t

    /**
     * @param name           the traces' state view
     * @param randomFeedback whether the signal is B err_t (B drawn from {@code seed}) rather than delta_t
     */
    TraceLearner(LearnerSpec spec, RecurrentCell cell, ModelMemory memory, Kernels kernels, String name,
                 boolean randomFeedback, long seed) {
        this.spec = spec;
        this.cell = cell;
        this.kernels = kernels;
        this.traces = new UnitRows(cell, memory, kernels, name);
        this.n = cell.layout().n();
        this.oPad = cell.layout().oPad();
        this.feedback = randomFeedback ? drawFeedback(cell.layout(), memory, seed) : null;
    }

    /** B (n x o) ~ N(0, 1/n), row i = B[i, :] padded to oPad, drawn row by row from {@code seed}. */
    private static MemorySegment drawFeedback(RnnLayout layout, ModelMemory memory, long seed) {
        int n = layout.n(), oPad = layout.oPad();
        MemorySegment b = memory.allocateFloats((long) n * oPad);
        SplittableRandom random = new SplittableRandom(seed);
        double std = 1.0 / Math.sqrt(n);
        for (int i = 0; i < n; i++) {
            for (int k = 0; k < layout.o(); k++) {
                b.setAtIndex(JAVA_FLOAT, (long) i * oPad + k, (float) (std * random.nextGaussian()));
            }
        }
        return b;
    }

    /**
     * {@return the learning signal of state row {@code r} this step: delta_t[r], or with random feedback
     * (B err_t)[r] on the rows of h and 0 on the others (the LSTM's c)}
     *
     * @param r a state row
     */
    final float signal(int r) {
        if (feedback == null) {
            return cell.delta().getAtIndex(JAVA_FLOAT, r);
        }
        return r < n ? kernels.dot(feedback, (long) r * oPad, cell.error(), 0, cell.layout().o()) : 0f;
    }

    /**
     * {@return B[i, k] of the random feedback (for tests and inspection); NaN when the signal is delta_t}
     *
     * @param i a hidden unit
     * @param k an output
     */
    public final float feedback(int i, int k) {
        return feedback == null ? Float.NaN : feedback.getAtIndex(JAVA_FLOAT, (long) i * oPad + k);
    }

    @Override
    public final void reset() {
        traces.reset();
    }

    /** The eligibility trace e_t[r, column] for a parameter of r's unit, zero elsewhere. */
    @Override
    public final float sensitivity(int r, int column) {
        return traces.entry(r, column);
    }

    @Override
    public final LearnerSpec spec() {
        return spec;
    }
}
