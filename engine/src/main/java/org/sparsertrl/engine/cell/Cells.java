package org.sparsertrl.engine.cell;

/** Checks shared by the cells. */
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
}
