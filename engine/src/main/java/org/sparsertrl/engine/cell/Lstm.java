package org.sparsertrl.engine.cell;

import java.lang.foreign.MemorySegment;

import org.sparsertrl.engine.kernel.Kernels;
import org.sparsertrl.engine.memory.ModelMemory;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;

/**
 * The LSTM without peepholes, gates in the order input, forget, candidate, output:
 * <pre>
 *   i_t = sigma(a_i)   f_t = sigma(a_f)   g_t = tanh(a_g)   o_t = sigma(a_o)     a_X = W_X h_{t-1} + U_X x_t + b_X
 *   c_t = f_t o c_{t-1} + i_t o g_t                  h_t = o_t o tanh(c_t)
 * </pre>
 * State s_t = [h_t; c_t] (2n rows: row i is h_i, row n + i is c_i). Per unit, with
 * {@code phi = tanh(c_t)} and {@code kappa = o_t (1 - phi^2)} (all element-wise):
 * <pre>
 *   dc/da_i = g i (1 - i)   dc/da_f = c_{t-1} f (1 - f)   dc/da_g = i (1 - g^2)   dc/da_o = 0
 *   dh/da_X = kappa dc/da_X  for X in {i, f, g}           dh/da_o = phi o (1 - o)
 *   self: dc_t/dc_{t-1} = f     dh_t/dc_{t-1} = kappa f     (both through c_{t-1,i} of the same unit)
 * </pre>
 * so both Jacobians of {@link GatedCell} are propagated in full: the h rows and the c rows of the
 * sensitivity, each through h_{t-1} (all four gates) and through the unit's own c_{t-1}.
 * Initialisation as in {@link GatedCell#initialize}, with forget-gate bias 1 (the usual choice, so
 * that memory is kept at the start).
 */
public final class Lstm extends GatedCell {

    /**
     * An LSTM over {@code layout} (4 gates), its parameters in {@code memory}.
     *
     * @param layout  the slab layout, with 4 gates
     * @param memory  the model's memory
     * @param kernels the kernels every step runs on
     */
    public Lstm(RnnLayout layout, ModelMemory memory, Kernels kernels) {
        super(CellKind.LSTM, layout, memory, kernels);
    }

    @Override
    protected float initialBias(int gate) {
        return gate == 1 ? 1f : 0f;
    }

    @Override
    public int selfColumn(int r) {
        return r < n ? r + n : r;
    }

    @Override
    protected void updateUnit(int i, MemorySegment previous) {
        float in = sigmoid(wh[i] + ux[i]);
        float forget = sigmoid(wh[n + i] + ux[n + i]);
        float cand = (float) Math.tanh(wh[2 * n + i] + ux[2 * n + i]);
        float out = sigmoid(wh[3 * n + i] + ux[3 * n + i]);
        float cPrev = previous.getAtIndex(JAVA_FLOAT, n + i);
        float c = forget * cPrev + in * cand;
        float phi = (float) Math.tanh(c);
        setStateValue(i, out * phi);
        setStateValue(n + i, c);
        float dci = cand * in * (1f - in), dcf = cPrev * forget * (1f - forget), dcg = in * (1f - cand * cand);
        float kappa = out * (1f - phi * phi), dho = phi * out * (1f - out);
        int h = i * gates, cRow = (n + i) * gates;
        cw[cRow] = dci;
        cw[cRow + 1] = dcf;
        cw[cRow + 2] = dcg;
        cw[cRow + 3] = 0f;
        cw[h] = kappa * dci;
        cw[h + 1] = kappa * dcf;
        cw[h + 2] = kappa * dcg;
        cw[h + 3] = dho;
        for (int g = 0; g < gates; g++) {
            cu[cRow + g] = cw[cRow + g];
            cu[h + g] = cw[h + g];
        }
        self[n + i] = forget;
        self[i] = kappa * forget;
    }
}
