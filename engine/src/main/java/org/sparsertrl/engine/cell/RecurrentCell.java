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

    /** Bytes of the state {@link #saveState} writes: the parameter slab, then s_t. */
    long stateBytes();

    /** Copies the parameters and s_t to {@code dst} at byte {@code offset}. Allocates nothing. */
    void saveState(MemorySegment dst, long offset);

    /** Restores what {@link #saveState} wrote, for a cell of the same kind and layout. */
    void loadState(MemorySegment src, long offset);

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
}
