package org.sparsertrl.engine.cell;

import java.lang.foreign.MemorySegment;

/**
 * A recurrent cell with a linear readout: what the trainer drives. The state s_t has
 * {@link #stateSize()} values, h_t first (the LSTM adds c_t after it); the readout reads h_t only.
 * Parameters live in one slab laid out by {@link #layout()}. Callers validate inputs (see
 * OnlineTrainer); cells do the arithmetic only, and allocate nothing in {@link #forward},
 * {@link #loss}, {@link #clearError} and {@link #readoutGradient}.
 */
public sealed interface RecurrentCell permits VanillaRnn, GatedCell {

    CellKind kind();

    RnnLayout layout();

    /** Values of the state s_t: n, or 2n for the LSTM (h then c). */
    int stateSize();

    /**
     * Draws fresh weights from {@code seed} as {@code init} says (see {@link Initialization}; the gated
     * cells add their gate biases) and zeroes the state. Runs once per model, off the hot path.
     */
    void initialize(long seed, Initialization init);

    /** Sets the state to zero. */
    void resetState();

    /** One forward step from s_{t-1} and {@code input} (length m, not checked here) to s_t and y_t. */
    void forward(float[] input);

    /** After {@link #forward}: the error, delta_t = dloss_t / ds_t and the loss {@code 1/2 |y - target|^2}. */
    float loss(float[] target);

    /** After {@link #forward}, for a step without a target: err_t = 0 and delta_t = 0. */
    void clearError();

    /** Writes the exact readout gradient {@code dV = err h_t^T, dc = err} into {@code grad} (slab layout). */
    void readoutGradient(MemorySegment grad);

    /** True if the state holds no NaN or infinity. */
    boolean stateIsFinite();

    /** Copies every parameter of {@code source}, which must be of the same kind and layout. */
    void copyParametersFrom(RecurrentCell source);

    /** Copies the state of {@code source}, which must be of the same kind and layout. */
    void copyStateFrom(RecurrentCell source);

    /** The parameter at slab index {@code index} (see {@link RnnLayout}). */
    float parameter(int index);

    /** Sets the parameter at slab index {@code index}; padding indices and non-finite values are refused. */
    void setParameter(int index, float value);

    /** The parameter slab (see {@link RnnLayout}). */
    MemorySegment parameters();

    /** Copies y_t into {@code out[0..o)}. */
    void output(float[] out);

    /** Sets s_t from {@code values[0..stateSize)}; the caller checks the values. */
    void setState(float[] values);

    /** Copies s_t into {@code out[0..stateSize)}. */
    void hidden(float[] out);

    /** err_t = y_t - y*_t (o values), after {@link #loss}. */
    MemorySegment error();

    /** delta_t = dloss_t / ds_t (stateSize values; zero on the LSTM's c rows). */
    MemorySegment delta();

    // ---- The two Jacobians, in the learners' and kernels' form -------------------------------------
    //
    // Unit i has G pre-activation rows a = g n + i and q state rows r = i, n + i, ... (q = S / n).
    // After forward, every learner builds the immediate Jacobian M_t = ds_t / dtheta and the recurrent
    // Jacobian D_t = ds_t / ds_{t-1} from these (see GatedCell's class comment for the gated cells):
    //
    //   M_t[r, W[g n + i, j]] = cw[r,g] h_{t-1,j}    M_t[r, U[g n + i, j]] = cu[r,g] x_{t,j}    M_t[r, b[g n + i]] = cu[r,g]
    //   D_t = diag(rowScale_t) A_t
    //
    // The vanilla cell is the case G = q = 1, cw = cu = d_t, rowScale = d_t and A_t = W, so its
    // learners keep the order of operations diag(d_t) (W J_{t-1}) and so their bits; the gated cells
    // have rowScale = 1 and A_t = D_t.

    /** G: pre-activation rows per unit (1 for the vanilla cell). */
    int gates();

    /** q: state rows per unit (2 for the LSTM's h and c, else 1). */
    default int statesPerUnit() {
        return stateSize() / layout().n();
    }

    /** h_{t-1} (the first n values of s_{t-1}): the W part of z_t. */
    MemorySegment previousState();

    /** x_t: the U part of z_t. */
    MemorySegment input();

    /** cw[r, g] of the last step: ds_t[r] / dW[g n + i, j], per h_{t-1,j}. */
    float coefficientW(int r, int g);

    /** cu[r, g] of the last step: ds_t[r] / dU[g n + i, j], per x_{t,j}; also ds_t[r] / db[g n + i]. */
    float coefficientU(int r, int g);

    /** The row scale of D_t = diag(rowScale) A_t: d_t for the vanilla cell, ones for a gated cell (padded S values). */
    MemorySegment rowScale();

    /** A_t[r, column] of the last step, {@code column} a state row. */
    float recurrentFactor(int r, int column);

    /**
     * Where A_t lies in the parameter slab when it is a block of it (the vanilla cell's W, row stride
     * {@link RnnLayout#nPad()}), so dense learners read it in place; -1 when it must be built each step.
     */
    long recurrentFactorOffset();

    /**
     * The one state row of the previous step that reaches row {@code r} other than through the
     * pre-activations (the LSTM's c_{t-1,i}, the GRU's h_{t-1,i}), or -1 if none (the vanilla cell).
     */
    int selfColumn(int r);

    /** ds_t[r] / ds_{t-1}[selfColumn(r)] through that path alone, of the last step (0 if there is none). */
    float selfCoefficient(int r);
}
