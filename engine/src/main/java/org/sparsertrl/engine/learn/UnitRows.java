package org.sparsertrl.engine.learn;

import java.lang.foreign.MemorySegment;

import org.sparsertrl.engine.cell.RecurrentCell;
import org.sparsertrl.engine.cell.RnnLayout;
import org.sparsertrl.engine.kernel.Kernels;
import org.sparsertrl.engine.memory.ModelMemory;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;

/**
 * A sensitivity kept only on M_t's one-step sparsity pattern: for each state row r, the entries
 * J[r, theta] for theta a parameter of r's own unit i's gates, stored compactly as one row of
 * G (nPad + mPad + 16) floats (per gate: the W part, the U part, the bias). With one state row per
 * unit (q = 1: the vanilla cell and the GRU) a new row is built from its own old row alone, so the
 * rows are updated in place, and the working set is half as large (at n = 64 one buffer fits L1, two
 * do not); with more (the LSTM) two buffers are swapped each step. SnAp-1, e-prop and RFLO carry it; they differ in which previous rows a new row is built from,
 * how much of M_t it adds and the error each row's trace is multiplied by. This class holds the rows, adds M_t and takes the
 * gradient.
 */
final class UnitRows {

    private final RecurrentCell cell;
    private final Kernels kernels;
    private final int n;
    private final int rowWidth;       // G block
    private final SensitivityRows rows; // (S, rowWidth)
    private final boolean inPlace;      // q = 1: new row r overwrites old row r, and nothing swaps

    /** Registers the rows as the learner's state view {@code name}. */
    UnitRows(RecurrentCell cell, ModelMemory memory, Kernels kernels, String name) {
        this.cell = cell;
        this.kernels = kernels;
        RnnLayout layout = cell.layout();
        this.n = layout.n();
        this.rowWidth = cell.gates() * blockFloats(layout);
        this.rows = new SensitivityRows(memory, name, cell.stateSize(), rowWidth);
        this.inPlace = cell.stateSize() == n;
    }

    /** The rows being built: the old rows themselves when updated in place. */
    private MemorySegment target() {
        return inPlace ? rows.previous() : rows.next();
    }

    /**
     * Sets new row r to {@code coefficient} times previous row {@code source} (the same products,
     * so the same bits, in place or not). In place {@code source} must be r.
     */
    void startFrom(int r, float coefficient, int source) {
        if (inPlace) {
            assert source == r : "in place, row " + r + " cannot start from row " + source;
            kernels.scale(coefficient, rows.previous(), (long) r * rowWidth, rowWidth);
        } else {
            kernels.scaleInto(coefficient, rows.previous(), (long) source * rowWidth, rows.next(), (long) r * rowWidth, rowWidth);
        }
    }

    /** Whether the rows are updated in place (one state row per unit): {@link #stepInPlace} applies. */
    boolean inPlace() {
        return inPlace;
    }

    /**
     * In place, the whole step of row r in one pass per part: row r = {@code decay} row r +
     * {@code gain} M_t[r, :], then {@code error} times it added to the gradient. The same roundings as
     * {@link #startFrom}, {@link #addImmediate(int, float)} and {@link #addToGradient} in turn (each
     * element sees the same operations in the same order), in a third of the kernel calls.
     */
    void stepInPlace(int r, float decay, float gain, MemorySegment grad, float error) {
        assert inPlace : "row " + r + ": the rows are double-buffered";
        RnnLayout layout = cell.layout();
        int nPad = layout.nPad(), mPad = layout.mPad(), block = blockFloats(layout);
        MemorySegment t = rows.previous();
        for (int g = 0; g < cell.gates(); g++) {
            int a = g * n + r;
            long gate = (long) r * rowWidth + (long) g * block, bias = gate + nPad + mPad;
            float cu = gain * cell.coefficientU(r, g);
            kernels.traceStep(decay, gain * cell.coefficientW(r, g), cell.previousState(), 0, t, gate, error, grad, layout.w(a, 0), n);
            kernels.traceStep(decay, cu, cell.input(), 0, t, gate + nPad, error, grad, layout.u(a, 0), layout.m());
            float tb = t.getAtIndex(JAVA_FLOAT, bias) * decay + cu;
            t.setAtIndex(JAVA_FLOAT, bias, tb);
            int b = layout.b(a);
            grad.setAtIndex(JAVA_FLOAT, b, grad.getAtIndex(JAVA_FLOAT, b) + error * tb);
        }
    }

    /** Sets new row r to zero. */
    void startFromZero(int r) {
        kernels.fill(target(), (long) r * rowWidth, rowWidth, 0f);
    }

    /** Adds {@code coefficient} times previous row {@code source} to new row r (never called in place: q = 1 has no other row). */
    void add(int r, float coefficient, int source) {
        assert !inPlace : "in place, row " + r + " cannot add row " + source;
        kernels.axpy(coefficient, rows.previous(), (long) source * rowWidth, rows.next(), (long) r * rowWidth, rowWidth);
    }

    /** Adds M_t[r, :] (on r's unit's parameters) to new row r. */
    void addImmediate(int r) {
        addImmediate(r, 1f);
    }

    /** Adds {@code gain} M_t[r, :] to new row r (RFLO's traces take 1/tau of it). */
    void addImmediate(int r, float gain) {
        addImmediate(cell, kernels, target(), (long) r * rowWidth, r, gain);
    }

    /** Adds {@code error} times new row r to the gradient of r's unit's parameters. */
    void addToGradient(MemorySegment grad, int r, float error) {
        addToGradient(cell, kernels, grad, target(), (long) r * rowWidth, r % n, error);
    }

    /**
     * Adds {@code gain} M_t[r, :] to the block of r's own unit that starts at float {@code at} of
     * {@code rows} (a block: per gate, the W part, the U part and the bias; see the class comment).
     */
    static void addImmediate(RecurrentCell cell, Kernels kernels, MemorySegment rows, long at, int r, float gain) {
        RnnLayout layout = cell.layout();
        int nPad = layout.nPad(), mPad = layout.mPad(), block = blockFloats(layout);
        for (int g = 0; g < cell.gates(); g++) {
            long gate = at + (long) g * block;
            float cu = gain * cell.coefficientU(r, g);
            kernels.axpy(gain * cell.coefficientW(r, g), cell.previousState(), 0, rows, gate, layout.n());
            kernels.axpy(cu, cell.input(), 0, rows, gate + nPad, layout.m());
            rows.setAtIndex(JAVA_FLOAT, gate + nPad + mPad, rows.getAtIndex(JAVA_FLOAT, gate + nPad + mPad) + cu);
        }
    }

    /** Adds {@code error} times the block of unit {@code unit} that starts at float {@code at} of {@code rows} to its gradient. */
    static void addToGradient(RecurrentCell cell, Kernels kernels, MemorySegment grad, MemorySegment rows, long at, int unit,
                              float error) {
        RnnLayout layout = cell.layout();
        int n = layout.n(), nPad = layout.nPad(), mPad = layout.mPad(), block = blockFloats(layout);
        for (int g = 0; g < cell.gates(); g++) {
            int a = g * n + unit;
            long gate = at + (long) g * block;
            kernels.axpy(error, rows, gate, grad, layout.w(a, 0), n);
            kernels.axpy(error, rows, gate + nPad, grad, layout.u(a, 0), layout.m());
            int b = layout.b(a);
            grad.setAtIndex(JAVA_FLOAT, b, grad.getAtIndex(JAVA_FLOAT, b) + error * rows.getAtIndex(JAVA_FLOAT, gate + nPad + mPad));
        }
    }

    /** Floats per gate in a unit's block: the W part, the U part, the bias (padded). */
    static int blockFloats(RnnLayout layout) {
        return layout.nPad() + layout.mPad() + ModelMemory.padded(1);
    }

    /** Where slab index {@code column} lies in unit {@code unit}'s block, or -1 if it is not one of that unit's parameters. */
    static int blockIndex(RnnLayout layout, int unit, int column) {
        int n = layout.n(), block = blockFloats(layout);
        for (int g = 0; g < layout.gates(); g++) {
            int a = g * n + unit, w0 = layout.w(a, 0), u0 = layout.u(a, 0);
            if (column >= w0 && column < w0 + n) {
                return g * block + column - w0;
            }
            if (column >= u0 && column < u0 + layout.m()) {
                return g * block + layout.nPad() + column - u0;
            }
            if (column == layout.b(a)) {
                return g * block + layout.nPad() + layout.mPad();
            }
        }
        return -1;
    }

    /** Makes the new rows the previous ones, after a step (nothing to do in place). */
    void swap() {
        if (!inPlace) {
            rows.swap();
        }
    }

    /** J[r, column] as held after the last step: the stored value for a parameter of r's unit, zero elsewhere. */
    float entry(int r, int column) {
        int at = blockIndex(cell.layout(), r % n, column);
        return at < 0 ? 0f : rows.get(r, at);
    }

    void reset() {
        rows.reset();
    }
}
