package org.sparsertrl.engine.cell;

import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;

import org.sparsertrl.engine.kernel.Kernels;
import org.sparsertrl.engine.memory.ModelMemory;
import org.sparsertrl.engine.memory.StateSlab;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;

/**
 * What the gated cells ({@link Lstm}, {@link Gru}) share: the parameter slab, the state, the
 * readout, and the per-step coefficients from which the RTRL learners build both Jacobians.
 *
 * <p><b>Rows.</b> Unit i has G pre-activation rows {@code a = g n + i} (gate g), each
 * {@code W[a,:] h_{t-1} + U[a,:] x_t + b[a]} (the GRU's candidate row scales its W part by the reset
 * gate). The state s_t has S = n or 2n rows; state row {@code r} belongs to unit {@code r mod n}.
 *
 * <p><b>The two Jacobians.</b> Every state row r of unit i depends on the previous state only through
 * the pre-activations of unit i's own gates and through one state value of its own unit (the LSTM's
 * c_{t-1,i}, the GRU's h_{t-1,i}). So after each {@link #forward} the cell gives, per state row r:
 * <pre>
 *   cw[r,g] = ds_t[r] / dW[g n + i, j] / h_{t-1,j}     cu[r,g] = ds_t[r] / dU[g n + i, j] / x_{t,j} = ds_t[r] / db[g n + i]
 *   self[r] = ds_t[r] / ds_{t-1}[selfColumn(r)]  (through that state value alone)
 * </pre>
 * from which the immediate Jacobian M_t = ds_t / dtheta (s_{t-1} fixed) and the recurrent Jacobian
 * D_t = ds_t / ds_{t-1} follow:
 * <pre>
 *   M_t[r, W[g n + i, j]] = cw[r,g] h_{t-1,j}     M_t[r, U[g n + i, j]] = cu[r,g] x_{t,j}     M_t[r, b[g n + i]] = cu[r,g]
 *   D_t[r, h_j] = sum_g cw[r,g] W[g n + i, j] + [j = selfColumn(r)] self[r]      D_t[r, c_j] = [n + j = selfColumn(r)] self[r]
 * </pre>
 * (cw = cu except for the GRU's candidate row, whose W part is scaled by the reset gate.)
 */
public abstract sealed class GatedCell implements RecurrentCell permits Lstm, Gru {

    private final CellKind kind;
    /** The shape of the parameter slab. */
    protected final RnnLayout layout;
    /** The kernels every step runs on. */
    protected final Kernels kernels;
    /** Hidden units n. */
    protected final int n;
    /** Pre-activation rows per unit G. */
    protected final int gates;
    /** State rows per unit q. */
    protected final int stateRows;
    /** The parameter slab. */
    protected final MemorySegment params;  // (size) slab: W (G n, nPad) | U (G n, mPad) | b | V | c
    private MemorySegment s;               // (padded S) s_t = [h_t; c_t]
    private MemorySegment sPrev;           // (padded S) s_{t-1}; swapped with s by reference each step
    private final StateSlab.View sView;    // s_t as part of the model's state (rebound at each swap)
    private final MemorySegment x;         // (mPad) x_t
    /** W h_{t-1}, one value per pre-activation row. */
    protected final float[] wh;            // (G n) W[a,:] h_{t-1}
    /** U x_t + b, one value per pre-activation row. */
    protected final float[] ux;            // (G n) U[a,:] x_t + b[a]
    /** The coefficients cw of the last step (see {@link RecurrentCell#coefficientW}). */
    protected final float[] cw;            // (S, G) ds_t[r] / d(W row g of r's unit), per h_{t-1,j}
    /** The coefficients cu of the last step (see {@link RecurrentCell#coefficientU}). */
    protected final float[] cu;            // (S, G) ds_t[r] / d(U row g of r's unit), per x_{t,j}; also d/db
    /** The self-path coefficients of the last step (see {@link RecurrentCell#selfCoefficient}). */
    protected final float[] self;          // (S) ds_t[r] / ds_{t-1}[selfColumn(r)]
    private final MemorySegment ones;      // (padded S) 1 on [0, S): the row scale of D_t = diag(1) D_t
    private final Readout readout;

    GatedCell(CellKind kind, RnnLayout layout, ModelMemory memory, Kernels kernels) {
        if (layout.gates() != kind.gates()) {
            throw new IllegalArgumentException("layout has " + layout.gates() + " gates, a " + kind.label()
                    + " needs " + kind.gates());
        }
        this.kind = kind;
        this.layout = layout;
        this.kernels = kernels;
        this.n = layout.n();
        this.gates = kind.gates();
        this.stateRows = kind.statesPerUnit() * n;
        this.params = memory.state().floats(StateSlab.Part.CELL, "cell.params", layout.size()).segment();
        this.sView = memory.state().floats(StateSlab.Part.CELL, "cell.s", ModelMemory.padded(stateRows));
        this.s = sView.segment();
        this.sPrev = memory.allocateFloats(ModelMemory.padded(stateRows));
        this.x = memory.allocateFloats(layout.mPad());
        this.wh = new float[layout.rows()];
        this.ux = new float[layout.rows()];
        this.cw = new float[stateRows * gates];
        this.cu = new float[stateRows * gates];
        this.self = new float[stateRows];
        this.ones = memory.allocateFloats(ModelMemory.padded(stateRows));
        kernels.fill(ones, 0, stateRows, 1f);
        this.readout = new Readout(layout, memory, kernels, stateRows);
    }

    /**
     * Draws fresh weights as {@code init} says (see {@link Initialization}): W gate block by gate block
     * (an orthogonal initialisation gives each gate's n x n block its own Q), then U, then V; biases
     * zero except as {@link #initialBias} says; zeroes the state.
     */
    @Override
    public void initialize(long seed, Initialization init) {
        if (init == null) {
            throw new IllegalArgumentException("initialization is null");
        }
        kernels.fill(params, 0, layout.size(), 0f);
        InitialWeights.draw(init, layout, params, new SplittableRandom(seed));
        for (int a = 0; a < layout.rows(); a++) {
            params.setAtIndex(JAVA_FLOAT, layout.b(a), initialBias(a / n));
        }
        resetState();
    }

    /**
     * {@return the initial bias of the rows of gate {@code gate}}
     *
     * @param gate a gate index in [0, G)
     */
    protected abstract float initialBias(int gate);

    /**
     * Computes unit {@code i}'s state values from {@link #wh}, {@link #ux} and s_{t-1}, writes them
     * with {@link #setStateValue}, and fills the unit's rows of {@link #cw}, {@link #cu} and {@link #self}.
     *
     * @param i        the unit
     * @param previous s_{t-1}
     */
    protected abstract void updateUnit(int i, MemorySegment previous);

    /** The state row whose previous value feeds row {@code r} directly (see the class comment). */
    @Override
    public abstract int selfColumn(int r);

    @Override
    public final void forward(float[] input) {
        int m = layout.m(), rows = layout.rows();
        MemorySegment swap = sPrev;
        sPrev = s;
        s = swap;
        sView.rebind(s);
        for (int j = 0; j < m; j++) {
            x.setAtIndex(JAVA_FLOAT, j, input[j]);
        }
        for (int a = 0; a < rows; a++) {
            wh[a] = kernels.dot(params, layout.w(a, 0), sPrev, 0, n);
            ux[a] = kernels.dot(params, layout.u(a, 0), x, 0, m) + params.getAtIndex(JAVA_FLOAT, layout.b(a));
        }
        for (int i = 0; i < n; i++) {
            updateUnit(i, sPrev);
        }
        readout.predict(params, s);
    }

    /**
     * Writes s_t[r] during {@link #forward}.
     *
     * @param r     a state row
     * @param value its new value
     */
    protected final void setStateValue(int r, float value) {
        s.setAtIndex(JAVA_FLOAT, r, value);
    }

    /**
     * {@return the logistic function 1 / (1 + e^-a)}
     *
     * @param a the pre-activation
     */
    protected static float sigmoid(float a) {
        return (float) (1.0 / (1.0 + Math.exp(-a)));
    }

    @Override
    public CellKind kind() {
        return kind;
    }

    @Override
    public RnnLayout layout() {
        return layout;
    }

    @Override
    public int stateSize() {
        return stateRows;
    }

    /** Pre-activation rows per unit. */
    @Override
    public int gates() {
        return gates;
    }

    /** cw[r, g] of the last step (see the class comment). */
    @Override
    public float coefficientW(int r, int g) {
        return cw[r * gates + g];
    }

    /** cu[r, g] of the last step (see the class comment). */
    @Override
    public float coefficientU(int r, int g) {
        return cu[r * gates + g];
    }

    /** self[r] of the last step (see the class comment). */
    @Override
    public float selfCoefficient(int r) {
        return self[r];
    }

    /** Ones: a gated cell's D_t is built whole by {@link #recurrentFactor}. */
    @Override
    public MemorySegment rowScale() {
        return ones;
    }

    /** D_t[r, column] (see the class comment). */
    @Override
    public float recurrentFactor(int r, int column) {
        int i = r % n;
        float sum = column == selfColumn(r) ? self[r] : 0f;
        if (column < n) {
            for (int g = 0; g < gates; g++) {
                sum = Math.fma(cw[r * gates + g], params.getAtIndex(JAVA_FLOAT, layout.w(g * n + i, column)), sum);
            }
        }
        return sum;
    }

    /** -1: D_t mixes the gates' weights with the step's coefficients, so it is built each step. */
    @Override
    public long recurrentFactorOffset() {
        return -1;
    }

    @Override
    public void resetState() {
        kernels.fill(s, 0, (int) (s.byteSize() / Float.BYTES), 0f);
        kernels.fill(sPrev, 0, (int) (sPrev.byteSize() / Float.BYTES), 0f);
    }

    @Override
    public float loss(float[] target) {
        return readout.loss(params, target);
    }

    @Override
    public void clearError() {
        readout.clearError();
    }

    @Override
    public void readoutGradient(MemorySegment grad) {
        readout.gradient(s, grad);
    }

    @Override
    public boolean stateIsFinite() {
        for (int r = 0; r < stateRows; r++) {
            if (!Float.isFinite(s.getAtIndex(JAVA_FLOAT, r))) {
                return false;
            }
        }
        return true;
    }

    @Override
    public void copyParametersFrom(RecurrentCell source) {
        Cells.requireSameShape(this, source);
        MemorySegment.copy(source.parameters(), 0, params, 0, params.byteSize());
    }

    @Override
    public void copyStateFrom(RecurrentCell source) {
        Cells.requireSameShape(this, source);
        GatedCell other = (GatedCell) source;
        MemorySegment.copy(other.s, 0, s, 0, s.byteSize());
        MemorySegment.copy(other.sPrev, 0, sPrev, 0, sPrev.byteSize());
    }

    @Override
    public float parameter(int index) {
        return params.getAtIndex(JAVA_FLOAT, index);
    }

    @Override
    public void setParameter(int index, float value) {
        Cells.setParameter(layout, params, index, value);
    }

    @Override
    public MemorySegment parameters() {
        return params;
    }

    @Override
    public void output(float[] out) {
        readout.output(out);
    }

    @Override
    public void setState(float[] values) {
        for (int r = 0; r < stateRows; r++) {
            s.setAtIndex(JAVA_FLOAT, r, values[r]);
        }
    }

    @Override
    public void hidden(float[] out) {
        for (int r = 0; r < stateRows; r++) {
            out[r] = s.getAtIndex(JAVA_FLOAT, r);
        }
    }

    /** s_{t-1}: h_{t-1} in its first n values. */
    @Override
    public MemorySegment previousState() {
        return sPrev;
    }

    /** x_t. */
    @Override
    public MemorySegment input() {
        return x;
    }

    @Override
    public MemorySegment error() {
        return readout.error();
    }

    @Override
    public MemorySegment delta() {
        return readout.delta();
    }
}
