package org.sparsertrl.engine.cell;

import java.lang.foreign.MemorySegment;

import org.sparsertrl.engine.Arguments;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;

/** Checks and accessors shared by the cells. */
final class Cells {

    private Cells() {
    }

    /** Throws unless {@code source} is a cell of the same kind and shape as {@code cell}. */
    static void requireSameShape(RecurrentCell cell, RecurrentCell source) {
        if (source == null) {
            throw new IllegalArgumentException("source is null");
        }
        RnnLayout mine = cell.layout(), other = source.layout();
        if (source.kind() != cell.kind() || other.n() != mine.n() || other.m() != mine.m() || other.o() != mine.o()) {
            throw new IllegalArgumentException("source is " + source.kind().label() + " (n=" + other.n() + ", m="
                    + other.m() + ", o=" + other.o() + "), expected " + cell.kind().label() + " (n=" + mine.n()
                    + ", m=" + mine.m() + ", o=" + mine.o() + ")");
        }
    }

    /** Sets the parameter at slab index {@code index} of {@code params}; padding indices and non-finite values are refused. */
    static void setParameter(RnnLayout layout, MemorySegment params, int index, float value) {
        if (!layout.isParameter(index)) {
            throw new IllegalArgumentException("index = " + index + " is not a parameter of " + layout);
        }
        if (!Float.isFinite(value)) {
            // The parameter's name is built only for the message: setWeights sets every parameter
            // this way, and a name per call made it cost more than a sparse learner's step.
            Arguments.requireFinite(layout.nameOf(index), value);
        }
        params.setAtIndex(JAVA_FLOAT, index, value);
    }
}
