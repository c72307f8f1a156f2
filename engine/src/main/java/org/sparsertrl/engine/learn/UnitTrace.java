package org.sparsertrl.engine.learn;

import java.lang.foreign.MemorySegment;

import org.sparsertrl.engine.cell.RnnLayout;
import org.sparsertrl.engine.cell.VanillaRnn;
import org.sparsertrl.engine.kernel.Kernels;
import org.sparsertrl.engine.memory.ModelMemory;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;

/**
 * A sensitivity kept only on its one-step sparsity pattern: one value per recurrent parameter, the
 * entry J[i, theta] of the unit i that owns theta (W[i,:], U[i,:], b[i]), held in a slab-shaped
 * vector in the model's memory. RFLO updates it unit by unit as
 * {@code trace[theta] = decay_i trace[theta] + gain_i z_t[theta]} and takes {@code error_i trace[theta]}
 * as the gradient. (SnAp-1 keeps the same entries for every cell, in rows per state row: {@link Snap1}.)
 */
final class UnitTrace {

    private final VanillaRnn cell;
    private final Kernels kernels;
    private final int width;
    private final MemorySegment trace;   // (width) J[owner(theta), theta], slab layout

    UnitTrace(VanillaRnn cell, ModelMemory memory, Kernels kernels) {
        this.cell = cell;
        this.kernels = kernels;
        this.width = cell.layout().recurrentSize();
        this.trace = memory.allocateFloats(width);
    }

    /** Zeroes the recurrent gradient before a step's units write their parts. */
    void clearGradient(MemorySegment grad) {
        kernels.fill(grad, 0, width, 0f);
    }

    /** Updates unit i's part of the trace and writes unit i's part of {@code grad}. */
    void step(MemorySegment grad, int i, float decay, float gain, float error) {
        RnnLayout layout = cell.layout();
        int n = layout.n(), m = layout.m();
        long w = layout.w(i, 0), u = layout.u(i, 0), b = layout.b(i);
        kernels.scale(decay, trace, w, n);
        kernels.axpy(gain, cell.previousState(), 0, trace, w, n);
        kernels.scale(decay, trace, u, m);
        kernels.axpy(gain, cell.input(), 0, trace, u, m);
        trace.setAtIndex(JAVA_FLOAT, b, decay * trace.getAtIndex(JAVA_FLOAT, b) + gain);
        kernels.axpy(error, trace, w, grad, w, n);
        kernels.axpy(error, trace, u, grad, u, m);
        grad.setAtIndex(JAVA_FLOAT, b, error * trace.getAtIndex(JAVA_FLOAT, b));
    }

    /** J[i, column] as the trace holds it: its value if unit i owns the column, 0 otherwise. */
    float entry(int i, int column) {
        RnnLayout layout = cell.layout();
        int w = layout.w(i, 0), u = layout.u(i, 0);
        boolean own = column >= w && column < w + layout.n() || column >= u && column < u + layout.m()
                || column == layout.b(i);
        return own ? trace.getAtIndex(JAVA_FLOAT, column) : 0f;
    }

    void reset() {
        kernels.fill(trace, 0, width, 0f);
    }

    long bytes() {
        return (long) width * Float.BYTES;
    }

    void save(MemorySegment dst, long offset) {
        MemorySegment.copy(trace, 0, dst, offset, bytes());
    }

    void load(MemorySegment src, long offset) {
        MemorySegment.copy(src, offset, trace, 0, bytes());
    }
}
