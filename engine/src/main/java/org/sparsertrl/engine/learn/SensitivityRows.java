package org.sparsertrl.engine.learn;

import java.lang.foreign.MemorySegment;

import org.sparsertrl.engine.cell.RecurrentCell;
import org.sparsertrl.engine.kernel.Kernels;
import org.sparsertrl.engine.memory.ModelMemory;
import org.sparsertrl.engine.memory.StateSlab;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;

/**
 * Stored rows of the sensitivity J, double-buffered: the rows of the last step (J_{t-1}) and the rows
 * being built (J_t), each row-major with one row of {@code width} floats per stored row, swapped by
 * reference after every step. Only the last step's rows are state (saved, restored, inspected): the
 * model's state view of them is rebound at every swap.
 */
final class SensitivityRows {

    private final int width;
    private MemorySegment previous;   // (rows, width) J_{t-1}
    private MemorySegment next;       // (rows, width) J_t being built
    private final StateSlab.View state; // J_{t-1} as part of the model's state

    /** Registers the rows as the learner's state view {@code name}. */
    SensitivityRows(ModelMemory memory, String name, long rows, int width) {
        this.width = width;
        this.state = memory.state().floats(StateSlab.Part.LEARNER, name, rows * width);
        this.previous = state.segment();
        this.next = memory.allocateFloats(rows * width);
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
     * row r (as row r of J_t) and to {@code grad}, then swaps. Allocates nothing.
     */
    void addImmediateAndSwap(RecurrentCell cell, Kernels kernels, ImmediateGradient immediate, MemorySegment grad) {
        for (int r = 0; r < cell.stateSize(); r++) {
            CellTerms.addImmediateToRow(cell, kernels, next, (long) r * width, r);
        }
        immediate.addTo(grad);
        swap();
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

    /** Stored row {@code row} of J_{t-1} at slab column {@code column}. */
    float get(int row, int column) {
        return previous.getAtIndex(JAVA_FLOAT, (long) row * width + column);
    }
}
