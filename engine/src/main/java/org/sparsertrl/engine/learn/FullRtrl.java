package org.sparsertrl.engine.learn;

import java.lang.foreign.MemorySegment;

import org.sparsertrl.engine.cell.RnnLayout;
import org.sparsertrl.engine.cell.VanillaRnn;
import org.sparsertrl.engine.kernel.ColumnPool;
import org.sparsertrl.engine.kernel.Kernels;
import org.sparsertrl.engine.memory.ModelMemory;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;

/**
 * Exact RTRL, the O(n^4) reference path:
 * <pre>
 *   J_t = diag(d_t) (W J_{t-1} + M_t)        g_t = J_t^T delta_t
 * </pre>
 * W J_{t-1} is an (n x n)(n x p) matrix product, done by the register-blocked
 * {@link Kernels#denseStep} kernel, which also scales by d_t and sums the gradient in the same pass.
 * Memory: two n x p sensitivity buffers, swapped by reference.
 */
public final class FullRtrl implements Learner {

    private final LearnerSpec spec;
    private final VanillaRnn cell;
    private final Kernels kernels;
    private final int n;
    private final int width;          // p padded: RnnLayout.recurrentSize()
    private final ColumnPool pool;
    private final int parts;          // threads this learner's steps use (1 for small n)
    private final ColumnPool.ColumnTask propagate = this::propagate;
    private final SensitivityRows j;  // (n, width) J_{t-1} and J_t
    private MemorySegment grad;       // the gradient of the step under way

    FullRtrl(LearnerSpec spec, VanillaRnn cell, ModelMemory memory, Kernels kernels, ColumnPool pool) {
        this.spec = spec;
        this.cell = cell;
        this.kernels = kernels;
        RnnLayout layout = cell.layout();
        this.n = layout.n();
        this.width = layout.recurrentSize();
        this.pool = pool;
        this.parts = pool.partsFor((long) n * n * width);
        this.j = new SensitivityRows(memory, n, width);
    }

    @Override
    public void step(MemorySegment grad) {
        this.grad = grad;
        pool.run(propagate, width, parts);
        for (int i = 0; i < n; i++) {
            ImmediateTerm.addToRow(cell, kernels, j.next(), (long) i * width, i);
        }
        ImmediateTerm.addToGradient(cell, kernels, grad);
        j.swap();
    }

    /** Columns {@code [from, to)} of {@code J_t = diag(d_t) W J_{t-1}} and of its gradient. */
    private void propagate(int from, int to) {
        RnnLayout layout = cell.layout();
        kernels.denseStep(cell.parameters(), layout.wOffset(), layout.nPad(), n, n,
                j.previous(), from, width, j.next(), from, width,
                cell.derivative(), cell.delta(), grad, from, to - from);
    }

    @Override
    public void reset() {
        j.reset();
    }

    @Override
    public float sensitivity(int i, int column) {
        return j.get(i, column);
    }

    @Override
    public LearnerSpec spec() {
        return spec;
    }

    @Override
    public long stateBytes() {
        return j.bytes();
    }

    @Override
    public void saveState(MemorySegment dst, long offset) {
        j.save(dst, offset);
    }

    @Override
    public void loadState(MemorySegment src, long offset) {
        j.load(src, offset);
    }
}
