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
 * G (nPad + mPad + 16) floats (per gate: the W part, the U part, the bias), two buffers swapped each
 * step. SnAp-1, e-prop and RFLO carry it; they differ in which previous rows a new row is built from,
 * how much of M_t it adds and the error each row's trace is multiplied by. This class holds the rows, adds M_t and takes the
 * gradient.
 */
final class UnitRows {

    private final RecurrentCell cell;
    private final Kernels kernels;
    private final int n;
    private final int m;
    private final int block;          // floats per gate in a row: W part, U part, bias
    private final int rowWidth;       // G block
    private final SensitivityRows rows; // (S, rowWidth)

    /** Registers the rows as the learner's state view {@code name}. */
    UnitRows(RecurrentCell cell, ModelMemory memory, Kernels kernels, String name) {
        this.cell = cell;
        this.kernels = kernels;
        RnnLayout layout = cell.layout();
        this.n = layout.n();
        this.m = layout.m();
        this.block = layout.nPad() + layout.mPad() + ModelMemory.padded(1);
        this.rowWidth = cell.gates() * block;
        this.rows = new SensitivityRows(memory, name, cell.stateSize(), rowWidth);
    }

    /** Sets new row r to {@code coefficient} times previous row {@code source}. */
    void startFrom(int r, float coefficient, int source) {
        kernels.scaleInto(coefficient, rows.previous(), (long) source * rowWidth, rows.next(), (long) r * rowWidth, rowWidth);
    }

    /** Sets new row r to zero. */
    void startFromZero(int r) {
        kernels.fill(rows.next(), (long) r * rowWidth, rowWidth, 0f);
    }

    /** Adds {@code coefficient} times previous row {@code source} to new row r. */
    void add(int r, float coefficient, int source) {
        kernels.axpy(coefficient, rows.previous(), (long) source * rowWidth, rows.next(), (long) r * rowWidth, rowWidth);
    }

    /** Adds M_t[r, :] (on r's unit's parameters) to new row r. */
    void addImmediate(int r) {
        addImmediate(r, 1f);
    }

    /** Adds {@code gain} M_t[r, :] to new row r (RFLO's traces take 1/tau of it). */
    void addImmediate(int r, float gain) {
        RnnLayout layout = cell.layout();
        int nPad = layout.nPad(), mPad = layout.mPad();
        MemorySegment next = rows.next();
        for (int g = 0; g < cell.gates(); g++) {
            long at = (long) r * rowWidth + (long) g * block;
            float cu = gain * cell.coefficientU(r, g);
            kernels.axpy(gain * cell.coefficientW(r, g), cell.previousState(), 0, next, at, n);
            kernels.axpy(cu, cell.input(), 0, next, at + nPad, m);
            next.setAtIndex(JAVA_FLOAT, at + nPad + mPad, next.getAtIndex(JAVA_FLOAT, at + nPad + mPad) + cu);
        }
    }

    /** Adds {@code error} times new row r to the gradient of r's unit's parameters. */
    void addToGradient(MemorySegment grad, int r, float error) {
        RnnLayout layout = cell.layout();
        int nPad = layout.nPad(), mPad = layout.mPad(), i = r % n;
        MemorySegment next = rows.next();
        for (int g = 0; g < cell.gates(); g++) {
            int a = g * n + i;
            long at = (long) r * rowWidth + (long) g * block;
            kernels.axpy(error, next, at, grad, layout.w(a, 0), n);
            kernels.axpy(error, next, at + nPad, grad, layout.u(a, 0), m);
            int b = layout.b(a);
            grad.setAtIndex(JAVA_FLOAT, b, grad.getAtIndex(JAVA_FLOAT, b) + error * next.getAtIndex(JAVA_FLOAT, at + nPad + mPad));
        }
    }

    /** Makes the new rows the previous ones, after a step. */
    void swap() {
        rows.swap();
    }

    /** J[r, column] as held after the last step: the stored value for a parameter of r's unit, zero elsewhere. */
    float entry(int r, int column) {
        RnnLayout layout = cell.layout();
        int i = r % n;
        for (int g = 0; g < cell.gates(); g++) {
            int a = g * n + i, w0 = layout.w(a, 0), u0 = layout.u(a, 0);
            if (column >= w0 && column < w0 + n) {
                return rows.get(r, g * block + column - w0);
            }
            if (column >= u0 && column < u0 + m) {
                return rows.get(r, g * block + layout.nPad() + column - u0);
            }
            if (column == layout.b(a)) {
                return rows.get(r, g * block + layout.nPad() + layout.mPad());
            }
        }
        return 0f;
    }

    void reset() {
        rows.reset();
    }
}
