package org.sparsertrl.engine.learn;

import java.lang.foreign.MemorySegment;

import org.sparsertrl.engine.cell.RecurrentCell;
import org.sparsertrl.engine.cell.RnnLayout;
import org.sparsertrl.engine.kernel.Kernels;
import org.sparsertrl.engine.memory.ModelMemory;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;

/**
 * SnAp-1 (Menick et al., 2021), for every cell: J_t[r, theta] is kept only where M_t has its
 * one-step sparsity pattern, the parameters of the gates of r's own unit i, and carried through the
 * unit's own state rows only (for the LSTM: h_i and c_i from h_i and c_i; see {@link CellTerms}):
 * <pre>
 *   J_t[r, theta] = sum_{r' in rows(i)} D_t[r, r'] J_{t-1}[r', theta] + M_t[r, theta]      theta of unit i,   g_t = J_t^T delta_t
 * </pre>
 * For the vanilla cell that is {@code s_t[theta] = d_t[i] W[i,i] s_{t-1}[theta] + d_t[i] z_t[theta]}. It is
 * per-row sparse RTRL with S_i = {i}, stored compactly: each state row keeps one row of
 * G (nPad + mPad + 16) floats (per gate: the W part, the U part, the bias), so memory is
 * O(S G (n + m)) = O(n^2) and work per step O(q^2 G n (n + m)) for q state rows per unit. For n = 1 it
 * is full RTRL.
 */
public final class Snap1 implements Learner {

    private final LearnerSpec spec;
    private final RecurrentCell cell;
    private final Kernels kernels;
    private final int n;
    private final int m;
    private final int rows;          // S
    private final int perUnit;       // q
    private final int block;         // floats per gate in a stored row: W part, U part, bias
    private final int rowWidth;      // G block
    private final SensitivityRows j; // (S, rowWidth)

    Snap1(LearnerSpec spec, RecurrentCell cell, ModelMemory memory, Kernels kernels) {
        this.spec = spec;
        this.cell = cell;
        this.kernels = kernels;
        RnnLayout layout = cell.layout();
        this.n = layout.n();
        this.m = layout.m();
        this.rows = cell.stateSize();
        this.perUnit = cell.statesPerUnit();
        this.block = layout.nPad() + layout.mPad() + ModelMemory.padded(1);
        this.rowWidth = cell.gates() * block;
        this.j = new SensitivityRows(memory, rows, rowWidth);
    }

    @Override
    public void step(MemorySegment grad) {
        RnnLayout layout = cell.layout();
        int nPad = layout.nPad(), mPad = layout.mPad();
        MemorySegment previous = j.previous(), next = j.next(), hPrev = cell.previousState(), x = cell.input();
        MemorySegment delta = cell.delta(), rowScale = cell.rowScale();
        kernels.fill(grad, 0, layout.recurrentSize(), 0f);
        for (int i = 0; i < n; i++) {
            for (int q = 0; q < perUnit; q++) {
                int r = q * n + i;
                long out = (long) r * rowWidth;
                float scale = rowScale.getAtIndex(JAVA_FLOAT, r);
                MemorySegment.copy(previous, (long) i * rowWidth * Float.BYTES, next, out * Float.BYTES,
                        (long) rowWidth * Float.BYTES);
                kernels.scale(scale * cell.recurrentFactor(r, i), next, out, rowWidth);
                for (int q2 = 1; q2 < perUnit; q2++) {
                    int source = q2 * n + i;
                    kernels.axpy(scale * cell.recurrentFactor(r, source), previous, (long) source * rowWidth, next, out, rowWidth);
                }
                for (int g = 0; g < cell.gates(); g++) {
                    long at = out + (long) g * block;
                    float cu = cell.coefficientU(r, g);
                    kernels.axpy(cell.coefficientW(r, g), hPrev, 0, next, at, n);
                    kernels.axpy(cu, x, 0, next, at + nPad, m);
                    next.setAtIndex(JAVA_FLOAT, at + nPad + mPad, next.getAtIndex(JAVA_FLOAT, at + nPad + mPad) + cu);
                }
                float e = delta.getAtIndex(JAVA_FLOAT, r);
                for (int g = 0; g < cell.gates(); g++) {
                    int a = g * n + i;
                    long at = out + (long) g * block;
                    kernels.axpy(e, next, at, grad, layout.w(a, 0), n);
                    kernels.axpy(e, next, at + nPad, grad, layout.u(a, 0), m);
                    int b = layout.b(a);
                    grad.setAtIndex(JAVA_FLOAT, b, grad.getAtIndex(JAVA_FLOAT, b) + e * next.getAtIndex(JAVA_FLOAT, at + nPad + mPad));
                }
            }
        }
        j.swap();
    }

    @Override
    public void reset() {
        j.reset();
    }

    /** J_t[r, column]: the stored value for a parameter of r's unit, zero elsewhere. */
    @Override
    public float sensitivity(int r, int column) {
        RnnLayout layout = cell.layout();
        int i = r % n;
        for (int g = 0; g < cell.gates(); g++) {
            int a = g * n + i, w0 = layout.w(a, 0), u0 = layout.u(a, 0);
            if (column >= w0 && column < w0 + n) {
                return j.get(r, g * block + column - w0);
            }
            if (column >= u0 && column < u0 + m) {
                return j.get(r, g * block + layout.nPad() + column - u0);
            }
            if (column == layout.b(a)) {
                return j.get(r, g * block + layout.nPad() + layout.mPad());
            }
        }
        return 0f;
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
