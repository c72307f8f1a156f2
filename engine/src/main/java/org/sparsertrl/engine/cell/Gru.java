package org.sparsertrl.engine.cell;

import java.lang.foreign.MemorySegment;

import org.sparsertrl.engine.kernel.Kernels;
import org.sparsertrl.engine.memory.ModelMemory;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;

/**
 * The GRU, rows in the order update, reset, candidate, with the reset gate applied after the
 * recurrent product (as in cuDNN and PyTorch):
 * <pre>
 *   z_t = sigma(a_z)   r_t = sigma(a_r)     a_X = W_X h_{t-1} + U_X x_t + b_X
 *   q_t = W_n h_{t-1}  n_t = tanh(U_n x_t + b_n + r_t o q_t)
 *   h_t = (1 - z_t) o n_t + z_t o h_{t-1}
 * </pre>
 * State s_t = h_t (n rows). Per unit, with {@code nu = (1 - z) (1 - n^2)} (element-wise):
 * <pre>
 *   dh/da_z = (h_{t-1} - n) z (1 - z)      dh/da_r = nu q r (1 - r)
 *   dh/dW_n[i,j] = nu r h_{t-1,j}          dh/dU_n[i,j] = nu x_j      dh/db_n = nu
 *   self: dh_t/dh_{t-1} = z                (through h_{t-1,i} of the same unit)
 * </pre>
 * Initialisation as in {@link GatedCell#initialize}, all biases zero.
 */
public final class Gru extends GatedCell {

    /**
     * A GRU over {@code layout} (3 gates), its parameters in {@code memory}.
     *
     * @param layout  the slab layout, with 3 gates
     * @param memory  the model's memory
     * @param kernels the kernels every step runs on
     */
    public Gru(RnnLayout layout, ModelMemory memory, Kernels kernels) {
        super(CellKind.GRU, layout, memory, kernels);
    }

    @Override
    protected float initialBias(int gate) {
        return 0f;
    }

    @Override
    public int selfColumn(int r) {
        return r;
    }

    @Override
    protected void updateUnit(int i, MemorySegment previous) {
        float z = sigmoid(wh[i] + ux[i]);
        float reset = sigmoid(wh[n + i] + ux[n + i]);
        float q = wh[2 * n + i];
        float cand = (float) Math.tanh(ux[2 * n + i] + reset * q);
        float hPrev = previous.getAtIndex(JAVA_FLOAT, i);
        setStateValue(i, (1f - z) * cand + z * hPrev);
        float nu = (1f - z) * (1f - cand * cand);
        float dz = (hPrev - cand) * z * (1f - z), dr = nu * q * reset * (1f - reset);
        int row = i * gates;
        cw[row] = dz;
        cw[row + 1] = dr;
        cw[row + 2] = nu * reset;
        cu[row] = dz;
        cu[row + 1] = dr;
        cu[row + 2] = nu;
        self[i] = z;
    }
}
