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

    /** {@return the cell's kind} */
    CellKind kind();

    /** {@return the shape of the parameter slab} */
    RnnLayout layout();

    /** {@return values of the state s_t: n, or 2n for the LSTM (h then c)} */
    int stateSize();

    /**
     * Draws fresh weights from {@code seed} as {@code init} says (see {@link Initialization}; the gated
     * cells add their gate biases) and zeroes the state. Runs once per model, off the hot path.
     *
     * @param seed the seed of the weights
     * @param init how the weights are drawn
     */
    void initialize(long seed, Initialization init);

    /** Sets the state to zero. */
    void resetState();

    /**
     * One forward step from s_{t-1} and {@code input} (length m, not checked here) to s_t and y_t.
     *
     * @param input x_t
     */
    void forward(float[] input);

    /**
     * After {@link #forward}: the error, delta_t = dloss_t / ds_t and the loss {@code 1/2 |y - target|^2}.
     *
     * @param target y*_t (length o)
     * @return the loss
     */
    float loss(float[] target);

    /** After {@link #forward}, for a step without a target: err_t = 0 and delta_t = 0. */
    void clearError();

    /**
     * Writes the exact readout gradient {@code dV = err h_t^T, dc = err} into {@code grad} (slab layout).
     *
     * @param grad the gradient slab; only the readout part is written
     */
    void readoutGradient(MemorySegment grad);

    /** {@return true if the state holds no NaN or infinity} */
    boolean stateIsFinite();

    /**
     * Copies every parameter of {@code source}, which must be of the same kind and layout.
     *
     * @param source the cell to copy from
     */
    void copyParametersFrom(RecurrentCell source);

    /**
     * Copies the state of {@code source}, which must be of the same kind and layout.
     *
     * @param source the cell to copy from
     */
    void copyStateFrom(RecurrentCell source);

    /**
     * {@return the parameter at slab index {@code index} (see {@link RnnLayout})}
     *
     * @param index a slab index
     */
    float parameter(int index);

    /**
     * Sets the parameter at slab index {@code index}; padding indices and non-finite values are refused.
     *
     * @param index a slab index of a parameter
     * @param value its new value, finite
     */
    void setParameter(int index, float value);

    /** {@return the parameter slab (see {@link RnnLayout})} */
    MemorySegment parameters();

    /**
     * Copies y_t into {@code out[0..o)}.
     *
     * @param out where y_t goes
     */
    void output(float[] out);

    /**
     * Sets s_t from {@code values[0..stateSize)}; the caller checks the values.
     *
     * @param values the new s_t
     */
    void setState(float[] values);

    /**
     * Copies s_t into {@code out[0..stateSize)}.
     *
     * @param out where s_t goes
     */
    void hidden(float[] out);

    /** {@return err_t = y_t - y*_t (o values), after {@link #loss}} */
    MemorySegment error();

    /** {@return delta_t = dloss_t / ds_t (stateSize values; zero on the LSTM's c rows)} */
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

    /** {@return G: pre-activation rows per unit (1 for the vanilla cell)} */
    int gates();

    /** {@return q: state rows per unit (2 for the LSTM's h and c, else 1)} */
    default int statesPerUnit() {
        return stateSize() / layout().n();
    }

    /** {@return h_{t-1} (the first n values of s_{t-1}): the W part of z_t} */
    MemorySegment previousState();

    /** {@return x_t: the U part of z_t} */
    MemorySegment input();

    /**
     * {@return cw[r, g] of the last step: ds_t[r] / dW[g n + i, j], per h_{t-1,j}}
     *
     * @param r a state row
     * @param g a gate
     */
    float coefficientW(int r, int g);

    /**
     * {@return cu[r, g] of the last step: ds_t[r] / dU[g n + i, j], per x_{t,j}; also ds_t[r] / db[g n + i]}
     *
     * @param r a state row
     * @param g a gate
     */
    float coefficientU(int r, int g);

    /** {@return the row scale of D_t = diag(rowScale) A_t: d_t for the vanilla cell, ones for a gated cell (padded S values)} */
    MemorySegment rowScale();

    /**
     * {@return A_t[r, column] of the last step, {@code column} a state row}
     *
     * @param r      a state row
     * @param column a state row of the previous step
     */
    float recurrentFactor(int r, int column);

    /**
     * Where A_t lies in the parameter slab when it is a block of it (the vanilla cell's W, row stride
     * {@link RnnLayout#nPad()}), so dense learners read it in place; -1 when it must be built each step.
     *
     * @return the byte offset of A_t in the slab, or -1
     */
    long recurrentFactorOffset();

    /**
     * The one state row of the previous step that reaches row {@code r} other than through the
     * pre-activations (the LSTM's c_{t-1,i}, the GRU's h_{t-1,i}), or -1 if none (the vanilla cell).
     *
     * @param r a state row
     * @return the state row, or -1
     */
    int selfColumn(int r);

    /**
     * {@return ds_t[r] / ds_{t-1}[selfColumn(r)] through that path alone, of the last step (0 if there is none)}
     *
     * @param r a state row
     */
    float selfCoefficient(int r);
}
