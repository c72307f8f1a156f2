package org.sparsertrl.engine.learn;

import java.lang.foreign.MemorySegment;

import org.sparsertrl.engine.cell.RecurrentCell;
import org.sparsertrl.engine.cell.RnnLayout;
import org.sparsertrl.engine.kernel.Bf16;
import org.sparsertrl.engine.kernel.Kernels;
import org.sparsertrl.engine.memory.ModelMemory;
import org.sparsertrl.engine.memory.StateSlab;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * Stored rows of the sensitivity J, double-buffered: the rows of the last step (J_{t-1}) and the rows
 * being built (J_t), each row-major with one row of {@code width} entries per stored row, swapped by
 * reference after every step. Only the last step's rows are state (saved, restored, inspected): the
 * model's state view of them is rebound at every swap.
 *
 * <p>The entries are float32, or bfloat16 for {@link Precision#BF16} (2 bytes each, a bf16 state view):
 * then the kernels that read and write the rows are the {@code Bf16} ones, and adding the immediate term
 * M_t to a new row rounds the entries it touches a second time (see {@link #addImmediateAndSwap}).
 */
final class SensitivityRows {

    private final int width;
    private final boolean bf16;
    private MemorySegment previous;   // (rows, width) J_{t-1}, float32 or bf16
    private MemorySegment next;       // (rows, width) J_t being built
    private final StateSlab.View state; // J_{t-1} as part of the model's state

    /** Registers float32 rows as the learner's state view {@code name}. */
    SensitivityRows(ModelMemory memory, String name, long rows, int width) {
        this(memory, name, rows, width, Precision.FLOAT32);
    }

    /** Registers the rows, stored at {@code precision}, as the learner's state view {@code name}. */
    SensitivityRows(ModelMemory memory, String name, long rows, int width, Precision precision) {
        this.width = width;
        this.bf16 = precision == Precision.BF16;
        this.state = bf16 ? memory.state().bf16s(StateSlab.Part.LEARNER, name, rows * width)
                : memory.state().floats(StateSlab.Part.LEARNER, name, rows * width);
        this.previous = state.segment();
        this.next = bf16 ? memory.allocateBf16(rows * width) : memory.allocateFloats(rows * width);
    }

    /** J_{t-1}: the rows the kernels read. */
    MemorySegment previous() {
        return previous;
    }

    /** J_t: the rows the kernels write. */
    MemorySegment next() {
        return next;
    }

    /**
     * Ends a step of a learner that stores every state row: adds the immediate term M_t to each new
     * row r (as row r of J_t) and to {@code grad}, then swaps. Allocates nothing. In bf16 the entries
     * M_t touches (row r's own unit's parameters, 1/n of the row) were rounded once by the kernel and are
     * rounded again here: at most two roundings per entry, a relative error of at most 2^-8 each.
     */
    void addImmediateAndSwap(RecurrentCell cell, Kernels kernels, ImmediateGradient immediate, MemorySegment grad) {
        for (int r = 0; r < cell.stateSize(); r++) {
            addImmediate(cell, kernels, r, r);
        }
        immediate.addTo(grad);
        swap();
    }

    /**
     * Adds row {@code stateRow} of the immediate term M_t to stored row {@code slot} of J_t (in bf16 each
     * entry it touches rounded again, as {@link #addImmediateAndSwap} says). Allocates nothing.
     */
    void addImmediate(RecurrentCell cell, Kernels kernels, int slot, int stateRow) {
        if (bf16) {
            addImmediateToBf16Row(cell, kernels, next, (long) slot * width, stateRow);
        } else {
            CellTerms.addImmediateToRow(cell, kernels, next, (long) slot * width, stateRow);
        }
    }

    /** {@link CellTerms#addImmediateToRow} into a bf16 row: the same sums, each entry rounded to bf16 after its add. */
    private static void addImmediateToBf16Row(RecurrentCell cell, Kernels kernels, MemorySegment j, long rowOffset, int r) {
        RnnLayout layout = cell.layout();
        int n = layout.n(), i = r % n;
        for (int g = 0; g < cell.gates(); g++) {
            int a = g * n + i;
            float bias = cell.coefficientU(r, g);
            kernels.axpyBf16(cell.coefficientW(r, g), cell.previousState(), 0, j, rowOffset + layout.w(a, 0), n);
            kernels.axpyBf16(bias, cell.input(), 0, j, rowOffset + layout.u(a, 0), layout.m());
            long at = rowOffset + layout.b(a);
            j.setAtIndex(JAVA_SHORT, at, Bf16.round(Bf16.toFloat(j.getAtIndex(JAVA_SHORT, at)) + bias));
        }
    }

    /** After a step: the rows just built become the previous ones. */
    void swap() {
        MemorySegment t = previous;
        previous = next;
        next = t;
        state.rebind(previous);
    }

    /** Zero, as at the start of a sequence. */
    void reset() {
        previous.fill((byte) 0);
        next.fill((byte) 0);
    }

    /** Stored row {@code row} of J_{t-1} at slab column {@code column}, widened to float32 if stored in bf16. */
    float get(int row, int column) {
        long at = (long) row * width + column;
        return bf16 ? Bf16.toFloat(previous.getAtIndex(JAVA_SHORT, at)) : previous.getAtIndex(JAVA_FLOAT, at);
    }
}
