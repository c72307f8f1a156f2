package org.sparsertrl.engine.learn;

import java.lang.foreign.MemorySegment;

import org.sparsertrl.engine.cell.RecurrentCell;
import org.sparsertrl.engine.cell.RnnLayout;
import org.sparsertrl.engine.kernel.Kernels;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;

/**
 * Adds {@code delta_t^T M_t} to the recurrent part of a gradient (M_t as in {@link CellTerms}): per gate
 * row a = g n + i the sums {@code sw_a = sum_{r in rows(i)} delta[r] cw[r, g]} and su_a likewise, then
 * {@code g[W_a] += sw_a h_{t-1}}, {@code g[U_a] += su_a x_t}, {@code g[b_a] += su_a}, the W and U parts
 * each in one kernel call for all rows ({@link Kernels#rank1}): each gradient element gets the one
 * FMA an axpy per gate row gave it, without a call per row. Holds the sums, so each learner has its own.
 */
final class ImmediateGradient {

    private final RecurrentCell cell;
    private final Kernels kernels;
    private final float[] sw; // (G n)
    private final float[] su; // (G n)

    ImmediateGradient(RecurrentCell cell, Kernels kernels) {
        this.cell = cell;
        this.kernels = kernels;
        this.sw = new float[cell.layout().rows()];
        this.su = new float[cell.layout().rows()];
    }

    /** Adds {@code delta_t^T M_t} to {@code grad}. Allocates nothing. */
    void addTo(MemorySegment grad) {
        RnnLayout layout = cell.layout();
        int n = layout.n(), rows = cell.stateSize(), gates = cell.gates();
        MemorySegment delta = cell.delta();
        for (int i = 0; i < n; i++) {
            for (int g = 0; g < gates; g++) {
                float w = 0f, u = 0f;
                for (int r = i; r < rows; r += n) {
                    float e = delta.getAtIndex(JAVA_FLOAT, r);
                    w = Math.fma(e, cell.coefficientW(r, g), w);
                    u = Math.fma(e, cell.coefficientU(r, g), u);
                }
                sw[g * n + i] = w;
                su[g * n + i] = u;
            }
        }
        kernels.rank1(sw, cell.previousState(), 0, grad, layout.w(0, 0), layout.nPad(), layout.rows(), n);
        kernels.rank1(su, cell.input(), 0, grad, layout.u(0, 0), layout.mPad(), layout.rows(), layout.m());
        for (int a = 0; a < layout.rows(); a++) {
            int b = layout.b(a);
            grad.setAtIndex(JAVA_FLOAT, b, grad.getAtIndex(JAVA_FLOAT, b) + su[a]);
        }
    }
}
