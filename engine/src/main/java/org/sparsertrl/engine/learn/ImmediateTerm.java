package org.sparsertrl.engine.learn;

import java.lang.foreign.MemorySegment;

import org.sparsertrl.engine.cell.RnnLayout;
import org.sparsertrl.engine.cell.VanillaRnn;
import org.sparsertrl.engine.kernel.Kernels;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;

/**
 * The immediate Jacobian M_t = da_t / dtheta with h_{t-1} held fixed, and its share of the gradient.
 * With z_t = [h_{t-1}; x_t; 1], M_t[i, block a] = z_t if i == a and 0 otherwise: row i of M touches
 * only the parameters of unit i (W[i,:], U[i,:], b[i]). Every learner adds {@code diag(d_t) M_t} to
 * its new sensitivities and {@code (delta_t o d_t)^T M_t} to its gradient through this class.
 */
final class ImmediateTerm {

    private ImmediateTerm() {
    }

    /** Adds {@code d_t[unit] * M_t[unit, :]} to the sensitivity row that starts at {@code rowOffset}. */
    static void addToRow(VanillaRnn cell, Kernels kernels, MemorySegment j, long rowOffset, int unit) {
        RnnLayout layout = cell.layout();
        float du = cell.derivative().getAtIndex(JAVA_FLOAT, unit);
        kernels.axpy(du, cell.previousState(), 0, j, rowOffset + layout.w(unit, 0), layout.n());
        kernels.axpy(du, cell.input(), 0, j, rowOffset + layout.u(unit, 0), layout.m());
        long b = rowOffset + layout.b(unit);
        j.setAtIndex(JAVA_FLOAT, b, j.getAtIndex(JAVA_FLOAT, b) + du);
    }

    /** Adds {@code sum_a delta_t[a] d_t[a] M_t[a, :]} to the recurrent part of {@code grad}. */
    static void addToGradient(VanillaRnn cell, Kernels kernels, MemorySegment grad) {
        RnnLayout layout = cell.layout();
        MemorySegment d = cell.derivative(), delta = cell.delta();
        for (int a = 0; a < layout.n(); a++) {
            float s = delta.getAtIndex(JAVA_FLOAT, a) * d.getAtIndex(JAVA_FLOAT, a);
            kernels.axpy(s, cell.previousState(), 0, grad, layout.w(a, 0), layout.n());
            kernels.axpy(s, cell.input(), 0, grad, layout.u(a, 0), layout.m());
            int b = layout.b(a);
            grad.setAtIndex(JAVA_FLOAT, b, grad.getAtIndex(JAVA_FLOAT, b) + s);
        }
    }

    /** M_t[i, column] for the current z_t, scaled by d_t[i]: the sensitivity the immediate learner implies. */
    static float scaledEntry(VanillaRnn cell, int i, int column) {
        RnnLayout layout = cell.layout();
        float di = cell.derivative().getAtIndex(JAVA_FLOAT, i);
        int w0 = layout.w(i, 0), u0 = layout.u(i, 0);
        if (column >= w0 && column < w0 + layout.n()) {
            return di * cell.previousState().getAtIndex(JAVA_FLOAT, column - w0);
        }
        if (column >= u0 && column < u0 + layout.m()) {
            return di * cell.input().getAtIndex(JAVA_FLOAT, column - u0);
        }
        return column == layout.b(i) ? di : 0f;
    }
}
