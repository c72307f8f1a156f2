package org.sparsertrl.engine.learn;

import java.lang.foreign.MemorySegment;

import org.sparsertrl.engine.cell.RecurrentCell;
import org.sparsertrl.engine.cell.RnnLayout;
import org.sparsertrl.engine.kernel.Kernels;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;

/**
 * What every learner builds from a cell's per-step coefficients (see {@link RecurrentCell}): the
 * immediate Jacobian M_t = ds_t / dtheta and its share of the gradient, and the size of a path. The
 * RTRL recursion is {@code J_t = D_t J_{t-1} + M_t}, {@code g_t = J_t^T delta_t}, with
 * {@code D_t = diag(rowScale_t) A_t}; each learner keeps some of the terms of D_t and all of M_t.
 *
 * <p>"Paths" are over units: keeping path (i, j) keeps every entry of D_t that links a state row of
 * unit i to a state row of unit j (for the LSTM, the four entries h_i/c_i from h_j/c_j). Row r of
 * M_t touches only the parameters of its own unit's gate rows.
 */
final class CellTerms {

    private CellTerms() {
    }

    /** D_t[r, column] = rowScale[r] A_t[r, column]. For inspection and tests. */
    static float recurrent(RecurrentCell cell, int r, int column) {
        return cell.rowScale().getAtIndex(JAVA_FLOAT, r) * cell.recurrentFactor(r, column);
    }

    /** Adds M_t[r, :] to the sensitivity row that starts at {@code rowOffset}. */
    static void addImmediateToRow(RecurrentCell cell, Kernels kernels, MemorySegment j, long rowOffset, int r) {
        RnnLayout layout = cell.layout();
        int n = layout.n(), i = r % n;
        for (int g = 0; g < cell.gates(); g++) {
            int a = g * n + i;
            float cu = cell.coefficientU(r, g);
            kernels.axpy(cell.coefficientW(r, g), cell.previousState(), 0, j, rowOffset + layout.w(a, 0), n);
            kernels.axpy(cu, cell.input(), 0, j, rowOffset + layout.u(a, 0), layout.m());
            long b = rowOffset + layout.b(a);
            j.setAtIndex(JAVA_FLOAT, b, j.getAtIndex(JAVA_FLOAT, b) + cu);
        }
    }

    /** M_t[r, column]: the sensitivity the immediate learner implies. For inspection and tests. */
    static float immediateEntry(RecurrentCell cell, int r, int column) {
        RnnLayout layout = cell.layout();
        int n = layout.n(), i = r % n;
        for (int g = 0; g < cell.gates(); g++) {
            int a = g * n + i, w0 = layout.w(a, 0), u0 = layout.u(a, 0);
            if (column >= w0 && column < w0 + n) {
                return cell.coefficientW(r, g) * cell.previousState().getAtIndex(JAVA_FLOAT, column - w0);
            }
            if (column >= u0 && column < u0 + layout.m()) {
                return cell.coefficientU(r, g) * cell.input().getAtIndex(JAVA_FLOAT, column - u0);
            }
            if (column == layout.b(a)) {
                return cell.coefficientU(r, g);
            }
        }
        return 0f;
    }

    /** {@code sum_g |W[g n + i, j]|}, the size of every weight from unit j into unit i's gates: what top-k and bottom-k rank path (i, j) by. */
    static float pathMagnitude(RecurrentCell cell, int i, int j) {
        RnnLayout layout = cell.layout();
        int n = layout.n();
        float sum = 0f;
        for (int g = 0; g < cell.gates(); g++) {
            sum += Math.abs(cell.parameter(layout.w(g * n + i, j)));
        }
        return sum;
    }

    /** The state rows of the units in {@code units} (ascending), h rows first, then c rows: ascending too. */
    static int[] stateRowsOf(int[] units, int n, int statesPerUnit) {
        int[] rows = new int[units.length * statesPerUnit];
        for (int q = 0; q < statesPerUnit; q++) {
            for (int s = 0; s < units.length; s++) {
                rows[q * units.length + s] = q * n + units[s];
            }
        }
        return rows;
    }
}
