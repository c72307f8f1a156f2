package org.sparsertrl.engine.learn;

import java.lang.foreign.MemorySegment;

import org.sparsertrl.engine.cell.RecurrentCell;
import org.sparsertrl.engine.cell.RnnLayout;
import org.sparsertrl.engine.kernel.Kernels;
import org.sparsertrl.engine.memory.ModelMemory;
import org.sparsertrl.engine.memory.StateSlab;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * Truncated backpropagation through time, run online, for every cell: the current loss's error e
 * (one value per state row) is carried back through the last {@code window} steps, whose h_{s-1},
 * x_s and Jacobian coefficients (see {@link RecurrentCell}) are kept in a ring preallocated in the
 * model's memory. Per step s, back from t, with {@code a = g n + i} a gate row:
 * <pre>
 *   sw_a = sum_{r in rows(i)} e[r] cw_s[r,g]      su_a = sum_{r in rows(i)} e[r] cu_s[r,g]
 *   g[W_a] += sw_a h_{s-1}      g[U_a] += su_a x_s      g[b_a] += su_a
 *   e_{s-1} = D_s^T e:  e_{s-1}[h] = sum_a sw_a W[a,:],   e_{s-1}[selfColumn(r)] += self_s[r] e[r]
 * </pre>
 * For the vanilla cell (cw = cu = d_s, no self path) that is {@code a = e_s o d_s, g += a z_s^T,
 * e_{s-1} = W^T a} with z_s = [h_{s-1}; x_s; 1]. This is RTRL's gradient of the current loss,
 * J_t^T delta_t, cut to the paths of at most {@code window} steps; with a window covering the sequence
 * (and frozen weights) the sum over the sequence is BPTT's gradient. Cost O(window G n (n + m)) per
 * step; the stored history is read with the current W, as online truncated BPTT does.
 */
public final class TruncatedBptt implements Learner {

    private final LearnerSpec spec;
    private final RecurrentCell cell;
    private final Kernels kernels;
    private final int n;
    private final int m;
    private final int rows;          // S
    private final int gates;
    private final int window;
    private final int[] selfColumns;  // (S) selfColumn(r), fixed for a cell; none has any on the vanilla cell
    private final boolean selfPaths;  // whether any row has a self path
    private final int coefficients;  // floats of cw (or cu) per step: S G
    private final int slotFloats;    // one step of history: h (nPad) | x (mPad) | cw | cu | self, padded
    private final MemorySegment history; // (window, slotFloats)
    private final float[] rowSums;   // (G n) sw_a
    private final float[] rowSumsU;  // (G n) su_a
    private MemorySegment error;     // (padded S) e_s
    private MemorySegment nextError; // (padded S) e_{s-1} being built; the two swap
    private final MemorySegment ring;    // (2) ints: the slot of the newest step (head), steps held (count)

    TruncatedBptt(LearnerSpec.TruncatedBpttSpec spec, RecurrentCell cell, ModelMemory memory, Kernels kernels) {
        this.spec = spec;
        this.cell = cell;
        this.kernels = kernels;
        RnnLayout layout = cell.layout();
        this.n = layout.n();
        this.m = layout.m();
        this.rows = cell.stateSize();
        this.gates = cell.gates();
        this.window = spec.window();
        this.coefficients = rows * gates;
        this.slotFloats = ModelMemory.padded(layout.nPad() + layout.mPad() + 2 * coefficients + rows);
        this.history = memory.state().floats(StateSlab.Part.LEARNER, "tbptt.history", (long) window * slotFloats).segment();
        this.ring = memory.state().ints(StateSlab.Part.LEARNER, "tbptt.ring", 2).segment();
        this.rowSums = new float[layout.rows()];
        this.rowSumsU = new float[layout.rows()];
        this.error = memory.allocateFloats(ModelMemory.padded(rows));
        this.nextError = memory.allocateFloats(ModelMemory.padded(rows));
        ring.setAtIndex(JAVA_INT, 0, window - 1);
        this.selfColumns = new int[rows];
        boolean any = false;
        for (int r = 0; r < rows; r++) {
            selfColumns[r] = cell.selfColumn(r);
            any |= selfColumns[r] >= 0;
        }
        this.selfPaths = any;
    }

    @Override
    public void step(MemorySegment grad) {
        RnnLayout layout = cell.layout();
        int nPad = layout.nPad(), mPad = layout.mPad();
        int last = ring.getAtIndex(JAVA_INT, 0);
        int head = last + 1 == window ? 0 : last + 1;
        int count = Math.min(ring.getAtIndex(JAVA_INT, 1) + 1, window);
        ring.setAtIndex(JAVA_INT, 0, head);
        ring.setAtIndex(JAVA_INT, 1, count);
        long at = (long) head * slotFloats;
        MemorySegment.copy(cell.previousState(), 0, history, at * Float.BYTES, (long) n * Float.BYTES);
        MemorySegment.copy(cell.input(), 0, history, (at + nPad) * Float.BYTES, (long) m * Float.BYTES);
        long cwAt = at + nPad + mPad, cuAt = cwAt + coefficients, selfAt = cuAt + coefficients;
        for (int r = 0; r < rows; r++) {
            for (int g = 0; g < gates; g++) {
                history.setAtIndex(JAVA_FLOAT, cwAt + (long) r * gates + g, cell.coefficientW(r, g));
                history.setAtIndex(JAVA_FLOAT, cuAt + (long) r * gates + g, cell.coefficientU(r, g));
            }
            history.setAtIndex(JAVA_FLOAT, selfAt + r, cell.selfCoefficient(r));
        }
        MemorySegment.copy(cell.delta(), 0, error, 0, (long) rows * Float.BYTES);
        kernels.fill(grad, 0, layout.recurrentSize(), 0f);
        int slot = head;
        for (int back = 0; back < count; back++) {
            long slotAt = (long) slot * slotFloats;
            addGradientOfStep(slotAt, grad);
            if (back + 1 < count) {
                carryErrorBack(slotAt);
                slot = slot == 0 ? window - 1 : slot - 1;
            }
        }
    }

    /**
     * Adds step s's terms to the gradient (s the step whose history starts at float {@code at}): the
     * row sums sw_a and su_a first, then each part of the gradient in one kernel call for all rows.
     * Each gradient element still gets one FMA per step back, so the bits are those of an axpy per row.
     */
    private void addGradientOfStep(long at, MemorySegment grad) {
        RnnLayout layout = cell.layout();
        long h = at, x = h + layout.nPad(), cw = x + layout.mPad(), cu = cw + coefficients;
        for (int i = 0; i < n; i++) {
            for (int g = 0; g < gates; g++) {
                float sw = 0f, su = 0f;
                for (int r = i; r < rows; r += n) {
                    float e = error.getAtIndex(JAVA_FLOAT, r);
                    sw = Math.fma(e, history.getAtIndex(JAVA_FLOAT, cw + (long) r * gates + g), sw);
                    su = Math.fma(e, history.getAtIndex(JAVA_FLOAT, cu + (long) r * gates + g), su);
                }
                rowSums[g * n + i] = sw;
                rowSumsU[g * n + i] = su;
            }
        }
        int gateRows = layout.rows();
        kernels.rank1(rowSums, history, h, grad, layout.w(0, 0), layout.nPad(), gateRows, n);
        kernels.rank1(rowSumsU, history, x, grad, layout.u(0, 0), layout.mPad(), gateRows, m);
        for (int a = 0; a < gateRows; a++) {
            int b = layout.b(a);
            grad.setAtIndex(JAVA_FLOAT, b, grad.getAtIndex(JAVA_FLOAT, b) + rowSumsU[a]);
        }
    }

    /** e_{s-1} = D_s^T e_s, through the current W and step s's self coefficients; then e_{s-1} becomes the error. */
    private void carryErrorBack(long at) {
        RnnLayout layout = cell.layout();
        MemorySegment theta = cell.parameters();
        long self = at + layout.nPad() + layout.mPad() + 2L * coefficients;
        kernels.fill(nextError, 0, rows, 0f);
        kernels.addRows(rowSums, theta, layout.w(0, 0), layout.nPad(), layout.rows(), nextError, 0, n);
        for (int r = 0; selfPaths && r < rows; r++) {
            int c = selfColumns[r];
            if (c < 0) {
                continue;
            }
            nextError.setAtIndex(JAVA_FLOAT, c, Math.fma(history.getAtIndex(JAVA_FLOAT, self + r),
                    error.getAtIndex(JAVA_FLOAT, r), nextError.getAtIndex(JAVA_FLOAT, c)));
        }
        MemorySegment swap = error;
        error = nextError;
        nextError = swap;
    }

    @Override
    public void reset() {
        ring.setAtIndex(JAVA_INT, 0, window - 1);
        ring.setAtIndex(JAVA_INT, 1, 0);
    }

    /** Not carried: this learner holds a history, not J; NaN everywhere. */
    @Override
    public float sensitivity(int i, int column) {
        return Float.NaN;
    }

    @Override
    public LearnerSpec spec() {
        return spec;
    }
}
