package org.sparsertrl.engine.cell;

import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;

import org.sparsertrl.engine.kernel.Kernels;
import org.sparsertrl.engine.memory.ModelMemory;
import org.sparsertrl.engine.memory.StateSlab;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;

/**
 * The vanilla tanh RNN with a linear readout, its state and the per-step quantities the learners read.
 * <pre>
 *   a_t = W h_{t-1} + U x_t + b      h_t = tanh(a_t)      d_t = 1 - h_t^2
 *   y_t = V h_t + c                  loss_t = 1/2 |y_t - y*_t|^2      delta_t = V^T (y_t - y*_t)
 * </pre>
 * Parameters live in one slab laid out by {@link RnnLayout}. The buffers below are views the learners
 * read after {@link #forward} and {@link #loss}; callers validate inputs (see OnlineTrainer), this
 * class does the arithmetic only.
 *
 * <p>Initialisation ({@link #initialize}): W, U and V as the {@link Initialization} says (by default
 * {@code W ~ N(0, gain^2 / n)}, {@code U ~ N(0, 1 / m)}, {@code V ~ N(0, 1 / n)}); {@code b = c = 0}.
 */
public final class VanillaRnn implements RecurrentCell {

    private final RnnLayout layout;
    private final Kernels kernels;
    private final MemorySegment params; // (size) slab: W (n, nPad) | U (n, mPad) | b (nPad) | V (o, nPad) | c (oPad)
    private MemorySegment h;            // (nPad) h_t
    private final StateSlab.View hView; // h_t as part of the model's state (rebound at each swap)
    private MemorySegment hPrev;        // (nPad) h_{t-1}; swapped with h by reference each step
    private final MemorySegment x;      // (mPad) x_t
    private final MemorySegment d;      // (nPad) d_t = 1 - h_t^2
    private final Readout readout;      // y_t, err_t, delta_t = V^T err

    /**
     * A vanilla tanh RNN over {@code layout} (1 gate), its parameters in {@code memory}.
     *
     * @param layout  the slab layout, with 1 gate
     * @param memory  the model's memory
     * @param kernels the kernels every step runs on
     */
    public VanillaRnn(RnnLayout layout, ModelMemory memory, Kernels kernels) {
        this.layout = layout;
        this.kernels = kernels;
        this.params = memory.state().floats(StateSlab.Part.CELL, "cell.params", layout.size()).segment();
        this.hView = memory.state().floats(StateSlab.Part.CELL, "cell.h", layout.nPad());
        this.h = hView.segment();
        this.hPrev = memory.allocateFloats(layout.nPad());
        this.x = memory.allocateFloats(layout.mPad());
        this.d = memory.allocateFloats(layout.nPad());
        this.readout = new Readout(layout, memory, kernels, layout.n());
        memory.state().afterLoad(this::derivativeFromState);
    }

    /** d = 1 - h^2 for the h_t just loaded. */
    private void derivativeFromState() {
        for (int a = 0; a < layout.n(); a++) {
            float ha = h.getAtIndex(JAVA_FLOAT, a);
            d.setAtIndex(JAVA_FLOAT, a, 1f - ha * ha);
        }
    }

    @Override
    public CellKind kind() {
        return CellKind.VANILLA;
    }

    @Override
    public int stateSize() {
        return layout.n();
    }

    @Override
    public RnnLayout layout() {
        return layout;
    }

    /** Draws fresh weights as {@code init} says (see {@link Initialization}); b = c = 0; zeroes the state. */
    @Override
    public void initialize(long seed, Initialization init) {
        if (init == null) {
            throw new IllegalArgumentException("initialization is null");
        }
        kernels.fill(params, 0, layout.size(), 0f);
        InitialWeights.draw(init, layout, params, new SplittableRandom(seed));
        resetState();
    }

    /** Sets h to zero. */
    @Override
    public void resetState() {
        kernels.fill(h, 0, layout.nPad(), 0f);
        kernels.fill(hPrev, 0, layout.nPad(), 0f);
        kernels.fill(d, 0, layout.nPad(), 0f);
    }

    /** One forward step from h_{t-1} and {@code input} (length m, not checked here) to h_t, d_t and y_t. */
    @Override
    public void forward(float[] input) {
        int n = layout.n(), m = layout.m();
        MemorySegment swap = hPrev;
        hPrev = h;
        h = swap;
        hView.rebind(h);
        for (int j = 0; j < m; j++) {
            x.setAtIndex(JAVA_FLOAT, j, input[j]);
        }
        for (int a = 0; a < n; a++) {
            float pre = kernels.dot(params, layout.w(a, 0), hPrev, 0, n)
                    + kernels.dot(params, layout.u(a, 0), x, 0, m)
                    + params.getAtIndex(JAVA_FLOAT, layout.b(a));
            float ha = (float) Math.tanh(pre);
            h.setAtIndex(JAVA_FLOAT, a, ha);
            d.setAtIndex(JAVA_FLOAT, a, 1f - ha * ha);
        }
        readout.predict(params, h);
    }

    /** After {@link #forward}: the error, {@code delta_t = V^T err}, and the loss {@code 1/2 |y - target|^2}. */
    @Override
    public float loss(float[] target) {
        return readout.loss(params, target);
    }

    /**
     * After {@link #forward}, for a step without a target: err_t = 0 and delta_t = 0, so a learner
     * that steps now advances its sensitivities and contributes no gradient.
     */
    @Override
    public void clearError() {
        readout.clearError();
    }

    /** Writes the exact readout gradient {@code dV = err h_t^T, dc = err} into {@code grad} (slab layout). */
    @Override
    public void readoutGradient(MemorySegment grad) {
        readout.gradient(h, grad);
    }

    /** True if h_t holds no NaN or infinity. */
    @Override
    public boolean stateIsFinite() {
        for (int a = 0; a < layout.n(); a++) {
            if (!Float.isFinite(h.getAtIndex(JAVA_FLOAT, a))) {
                return false;
            }
        }
        return true;
    }

    /** Copies every parameter of {@code source}, which must have the same layout. */
    @Override
    public void copyParametersFrom(RecurrentCell source) {
        VanillaRnn other = requireSameShape(source);
        MemorySegment.copy(other.params, 0, params, 0, (long) layout.size() * Float.BYTES);
    }

    /** Copies h_t (and d_t) of {@code source}, which must have the same layout. */
    @Override
    public void copyStateFrom(RecurrentCell source) {
        VanillaRnn other = requireSameShape(source);
        long bytes = (long) layout.nPad() * Float.BYTES;
        MemorySegment.copy(other.h, 0, h, 0, bytes);
        MemorySegment.copy(other.hPrev, 0, hPrev, 0, bytes);
        MemorySegment.copy(other.d, 0, d, 0, bytes);
    }

    private VanillaRnn requireSameShape(RecurrentCell source) {
        Cells.requireSameShape(this, source);
        return (VanillaRnn) source;
    }

    /** The parameter at slab index {@code index} (see {@link RnnLayout}). */
    @Override
    public float parameter(int index) {
        return params.getAtIndex(JAVA_FLOAT, index);
    }

    /** Sets the parameter at slab index {@code index}; padding indices are refused. */
    @Override
    public void setParameter(int index, float value) {
        Cells.setParameter(layout, params, index, value);
    }

    /** Copies y_t into {@code out[0..o)}. */
    @Override
    public void output(float[] out) {
        readout.output(out);
    }

    /** Sets h_t (and d_t = 1 - h_t^2) from {@code values[0..n)}; the caller checks the values. */
    @Override
    public void setState(float[] values) {
        for (int a = 0; a < layout.n(); a++) {
            h.setAtIndex(JAVA_FLOAT, a, values[a]);
            d.setAtIndex(JAVA_FLOAT, a, 1f - values[a] * values[a]);
        }
    }

    /** Copies h_t into {@code out[0..n)}. */
    @Override
    public void hidden(float[] out) {
        for (int a = 0; a < layout.n(); a++) {
            out[a] = h.getAtIndex(JAVA_FLOAT, a);
        }
    }

    /** The parameter slab (see {@link RnnLayout}). */
    @Override
    public MemorySegment parameters() {
        return params;
    }

    /** {@return h_t} */
    public MemorySegment state() {
        return h;
    }

    /** h_{t-1}, the first part of z_t = [h_{t-1}; x_t; 1]. */
    @Override
    public MemorySegment previousState() {
        return hPrev;
    }

    /** x_t. */
    @Override
    public MemorySegment input() {
        return x;
    }

    /** {@return d_t = 1 - h_t^2 = tanh'(a_t)} */
    public MemorySegment derivative() {
        return d;
    }

    /** err_t = y_t - y*_t (o values), after {@link #loss}. */
    @Override
    public MemorySegment error() {
        return readout.error();
    }

    /** delta_t = V^T (y_t - y*_t) = dloss_t / dh_t. */
    @Override
    public MemorySegment delta() {
        return readout.delta();
    }

    @Override
    public int gates() {
        return 1;
    }

    /** d_t[r]: M_t[r, W[r, j]] = d_t[r] h_{t-1,j}. */
    @Override
    public float coefficientW(int r, int g) {
        return d.getAtIndex(JAVA_FLOAT, r);
    }

    /** d_t[r]: M_t[r, U[r, j]] = d_t[r] x_{t,j} and M_t[r, b[r]] = d_t[r]. */
    @Override
    public float coefficientU(int r, int g) {
        return d.getAtIndex(JAVA_FLOAT, r);
    }

    /** d_t: D_t = diag(d_t) W. */
    @Override
    public MemorySegment rowScale() {
        return d;
    }

    /** W[r, column]. */
    @Override
    public float recurrentFactor(int r, int column) {
        return params.getAtIndex(JAVA_FLOAT, layout.w(r, column));
    }

    /** W's offset in the slab. */
    @Override
    public long recurrentFactorOffset() {
        return layout.wOffset();
    }

    /** None: h_{t-1} reaches h_t only through W. */
    @Override
    public int selfColumn(int r) {
        return -1;
    }

    @Override
    public float selfCoefficient(int r) {
        return 0f;
    }
}
