package org.sparsertrl.engine.learn;

import java.lang.foreign.MemorySegment;

import org.sparsertrl.engine.memory.ModelMemory;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;

/**
 * Stored rows of the sensitivity J, double-buffered: the rows of the last step (J_{t-1}) and the rows
 * being built (J_t), each row-major with one row of {@code width} floats per stored row, swapped by
 * reference after every step. Only the last step's rows are state (saved, restored, inspected).
 */
final class SensitivityRows {

    private final int width;
    private MemorySegment previous;   // (rows, width) J_{t-1}
    private MemorySegment next;       // (rows, width) J_t being built

    SensitivityRows(ModelMemory memory, long rows, int width) {
        this.width = width;
        this.previous = memory.allocateFloats(rows * width);
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

    /** After a step: the rows just built become the previous ones. */
    void swap() {
        MemorySegment t = previous;
        previous = next;
        next = t;
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

    long bytes() {
        return previous.byteSize();
    }

    void save(MemorySegment dst, long offset) {
        MemorySegment.copy(previous, 0, dst, offset, previous.byteSize());
    }

    void load(MemorySegment src, long offset) {
        MemorySegment.copy(src, offset, previous, 0, previous.byteSize());
    }
}
