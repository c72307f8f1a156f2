package org.sparsertrl.engine.learn;

import java.lang.foreign.MemorySegment;

import org.sparsertrl.engine.cell.GatedCell;
import org.sparsertrl.engine.kernel.ColumnPool;
import org.sparsertrl.engine.kernel.Kernels;
import org.sparsertrl.engine.memory.ModelMemory;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;

/**
 * Exact RTRL for a gated cell (see {@link GatedTerms}):
 * <pre>
 *   J_t = D_t J_{t-1} + M_t        g_t = J_t^T delta_t
 * </pre>
 * over all S state rows (2n for the LSTM: the sensitivities of h and of c). D_t (S x S) is built
 * from the cell's coefficients each step, O(G n S); D_t J_{t-1} is an (S x S)(S x p) product done by
 * the same register-blocked {@link Kernels#denseStep} kernel as the vanilla cell's, with unit row
 * scale. Memory: two S x p sensitivity buffers, swapped by reference.
 */
final class GatedFullRtrl implements Learner {

    private final LearnerSpec spec;
    private final GatedCell cell;
    private final Kernels kernels;
    private final int rows;           // S
    private final int rowsPad;        // S padded: the row stride of D
    private final int width;          // p padded
    private final ColumnPool pool;
    private final int parts;
    private final ColumnPool.ColumnTask propagate = this::propagate;
    private final MemorySegment recurrent; // (S, rowsPad) D_t
    private final MemorySegment ones;      // (rowsPad) 1 on [0, S): the kernel's row scale
    private final SensitivityRows j;  // (S, width) J_{t-1} and J_t
    private MemorySegment grad;

    GatedFullRtrl(LearnerSpec spec, GatedCell cell, ModelMemory memory, Kernels kernels, ColumnPool pool) {
        this.spec = spec;
        this.cell = cell;
        this.kernels = kernels;
        this.rows = cell.stateSize();
        this.rowsPad = ModelMemory.padded(rows);
        this.width = cell.layout().recurrentSize();
        this.pool = pool;
        this.parts = pool.partsFor((long) rows * rows * width);
        this.recurrent = memory.allocateFloats((long) rows * rowsPad);
        this.ones = memory.allocateFloats(rowsPad);
        kernels.fill(ones, 0, rows, 1f);
        this.j = new SensitivityRows(memory, rows, width);
    }

    @Override
    public void step(MemorySegment grad) {
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < rows; c++) {
                recurrent.setAtIndex(JAVA_FLOAT, (long) r * rowsPad + c, GatedTerms.recurrent(cell, r, c));
            }
        }
        this.grad = grad;
        pool.run(propagate, width, parts);
        for (int r = 0; r < rows; r++) {
            GatedTerms.addImmediateToRow(cell, kernels, j.next(), (long) r * width, r);
        }
        GatedTerms.addImmediateToGradient(cell, kernels, grad);
        j.swap();
    }

    /** Columns {@code [from, to)} of {@code D_t J_{t-1}} and of its gradient. */
    private void propagate(int from, int to) {
        kernels.denseStep(recurrent, 0, rowsPad, rows, rows, j.previous(), from, width, j.next(), from, width,
                ones, cell.delta(), grad, from, to - from);
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
