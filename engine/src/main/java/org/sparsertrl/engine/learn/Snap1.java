package org.sparsertrl.engine.learn;

import java.lang.foreign.MemorySegment;

import org.sparsertrl.engine.cell.RecurrentCell;
import org.sparsertrl.engine.kernel.Kernels;
import org.sparsertrl.engine.memory.ModelMemory;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;

/**
 * SnAp-1 (Menick et al., 2021), for every cell: J_t[r, theta] is kept only where M_t has its
 * one-step sparsity pattern, the parameters of the gates of r's own unit i, and carried through the
 * unit's own state rows only (for the LSTM: h_i and c_i from h_i and c_i; see {@link CellTerms}):
 * <pre>
 *   J_t[r, theta] = sum_{r' in rows(i)} D_t[r, r'] J_{t-1}[r', theta] + M_t[r, theta]      theta of unit i,   g_t = J_t^T delta_t
 * </pre>
 * For the vanilla cell that is {@code s_t[theta] = d_t[i] W[i,i] s_{t-1}[theta] + d_t[i] z_t[theta]}. It is
 * per-row sparse RTRL with S_i = {i}, stored compactly: each state row keeps one row of
 * G (nPad + mPad + 16) floats (per gate: the W part, the U part, the bias), so memory is
 * O(S G (n + m)) = O(n^2) and work per step O(q^2 G n (n + m)) for q state rows per unit. For n = 1 it
 * is full RTRL.
 */
public final class Snap1 implements Learner {

    private final LearnerSpec spec;
    private final RecurrentCell cell;
    private final Kernels kernels;
    private final UnitRows j;        // J[r, theta of r's unit]

    Snap1(LearnerSpec spec, RecurrentCell cell, ModelMemory memory, Kernels kernels) {
        this.spec = spec;
        this.cell = cell;
        this.kernels = kernels;
        this.j = new UnitRows(cell, memory, kernels, "snap1.J");
    }

    @Override
    public void step(MemorySegment grad) {
        int n = cell.layout().n(), rows = cell.stateSize();
        MemorySegment delta = cell.delta(), rowScale = cell.rowScale();
        kernels.fill(grad, 0, cell.layout().recurrentSize(), 0f);
        if (j.inPlace()) {
            // One state row per unit (vanilla, GRU): D_t[i, i] = rowScale[i] A_t[i, i], one fused pass per part.
            for (int i = 0; i < n; i++) {
                j.stepInPlace(i, rowScale.getAtIndex(JAVA_FLOAT, i) * cell.recurrentFactor(i, i), 1f, grad,
                        delta.getAtIndex(JAVA_FLOAT, i));
            }
            return;
        }
        for (int i = 0; i < n; i++) {
            for (int r = i; r < rows; r += n) {
                // D_t[r, r'] = rowScale[r] A_t[r, r'] over the unit's own state rows r' = i, n + i, ...
                float scale = rowScale.getAtIndex(JAVA_FLOAT, r);
                j.startFrom(r, scale * cell.recurrentFactor(r, i), i);
                for (int source = i + n; source < rows; source += n) {
                    j.add(r, scale * cell.recurrentFactor(r, source), source);
                }
                j.addImmediate(r);
                j.addToGradient(grad, r, delta.getAtIndex(JAVA_FLOAT, r));
            }
        }
        j.swap();
    }

    @Override
    public void reset() {
        j.reset();
    }

    /** J_t[r, column]: the stored value for a parameter of r's unit, zero elsewhere. */
    @Override
    public float sensitivity(int r, int column) {
        return j.entry(r, column);
    }

    @Override
    public LearnerSpec spec() {
        return spec;
    }
}
