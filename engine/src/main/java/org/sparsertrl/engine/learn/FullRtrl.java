package org.sparsertrl.engine.learn;

import java.lang.foreign.MemorySegment;

import org.sparsertrl.engine.cell.RecurrentCell;
import org.sparsertrl.engine.kernel.ColumnPool;
import org.sparsertrl.engine.kernel.Kernels;
import org.sparsertrl.engine.memory.ModelMemory;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;

/**
 * Exact RTRL, the O(n^4) reference path, for every cell (see {@link CellTerms}):
 * <pre>
 *   J_t = diag(rowScale_t) A_t J_{t-1} + M_t        g_t = J_t^T delta_t
 * </pre>
 * over all S state rows (2n for the LSTM: the sensitivities of h and of c). For the vanilla cell
 * A_t = W is read in place from the parameter slab and the row scale is d_t, so this is
 * {@code J_t = diag(d_t) (W J_{t-1} + M_t)}; a gated cell's D_t (S x S) is built from its coefficients
 * each step, O(G n S), with unit row scale. A_t J_{t-1} is an (S x S)(S x p) product done by the
 * register-blocked {@link Kernels#denseStep} kernel, which also applies the row scale and sums the
 * gradient in the same pass. Memory: two S x p sensitivity buffers, swapped by reference.
 *
 * <p>With {@link Precision#BF16} (see {@link LearnerSpec.FullSpec#sensitivity}) the two buffers hold
 * bfloat16: {@link Kernels#denseStepBf16} widens J_{t-1} to float32 as it packs it, sums in float32,
 * stores the new rows rounded and gives the gradient the unrounded ones. The step stays bound by its
 * FLOPs, so bf16 halves the memory, not the time.
 */
public final class FullRtrl implements Learner {

    private final LearnerSpec spec;
    private final RecurrentCell cell;
    private final Kernels kernels;
    private final ImmediateGradient immediate; // delta_t^T M_t, added to every step's gradient
    private final int rows;           // S
    private final int width;          // p padded: RnnLayout.recurrentSize()
    private final MemorySegment factor; // A_t: the parameter slab (vanilla) or a (S, stride) buffer built each step
    private final long factorOffset;
    private final int factorStride;
    private final boolean builds;     // whether A_t is built each step
    private final ColumnPool pool;
    private final int parts;          // threads this learner's steps use (1 for small n)
    private final ColumnPool.ColumnTask propagate = this::propagate;
    private final SensitivityRows j;  // (S, width) J_{t-1} and J_t, float32 or bf16
    private final boolean bf16;       // whether J is stored in bfloat16
    private final MemorySegment scratch; // bf16: each part's float32 partial sums (Kernels#denseScratchFloats)
    private final long scratchPerPart;
    private MemorySegment grad;       // the gradient of the step under way

    FullRtrl(LearnerSpec.FullSpec spec, RecurrentCell cell, ModelMemory memory, Kernels kernels, ColumnPool pool) {
        this.spec = spec;
        this.cell = cell;
        this.kernels = kernels;
        this.immediate = new ImmediateGradient(cell, kernels);
        this.rows = cell.stateSize();
        this.width = cell.layout().recurrentSize();
        this.builds = cell.recurrentFactorOffset() < 0;
        if (builds) {
            this.factorStride = ModelMemory.padded(rows);
            this.factor = memory.allocateFloats((long) rows * factorStride);
            this.factorOffset = 0;
        } else {
            this.factorStride = cell.layout().nPad();
            this.factor = cell.parameters();
            this.factorOffset = cell.recurrentFactorOffset();
        }
        this.pool = pool;
        this.parts = pool.partsFor((long) rows * rows * width);
        this.bf16 = spec.precision() == Precision.BF16;
        this.j = new SensitivityRows(memory, "full.J", rows, width, spec.precision());
        this.scratchPerPart = bf16 ? kernels.denseScratchFloats(rows) : 0;
        this.scratch = bf16 ? memory.allocateFloats(parts * scratchPerPart) : null;
    }

    @Override
    public void step(MemorySegment grad) {
        if (builds) {
            for (int r = 0; r < rows; r++) {
                for (int c = 0; c < rows; c++) {
                    factor.setAtIndex(JAVA_FLOAT, (long) r * factorStride + c, cell.recurrentFactor(r, c));
                }
            }
        }
        this.grad = grad;
        pool.run(propagate, width, parts);
        j.addImmediateAndSwap(cell, kernels, immediate, grad);
    }

    /** Columns {@code [from, to)} of {@code J_t = diag(rowScale) A_t J_{t-1}} and of its gradient. */
    private void propagate(int part, int from, int to) {
        if (bf16) {
            kernels.denseStepBf16(factor, factorOffset, factorStride, rows, rows, j.previous(), from, width, j.next(), from,
                    width, cell.rowScale(), cell.delta(), grad, from, to - from, scratch, part * scratchPerPart);
        } else {
            kernels.denseStep(factor, factorOffset, factorStride, rows, rows, j.previous(), from, width, j.next(), from, width,
                    cell.rowScale(), cell.delta(), grad, from, to - from);
        }
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
}
