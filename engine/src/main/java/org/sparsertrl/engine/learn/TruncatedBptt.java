package org.sparsertrl.engine.learn;

import java.lang.foreign.MemorySegment;

import org.sparsertrl.engine.cell.RnnLayout;
import org.sparsertrl.engine.cell.VanillaRnn;
import org.sparsertrl.engine.kernel.Kernels;
import org.sparsertrl.engine.memory.ModelMemory;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED;

/**
 * Truncated backpropagation through time, run online: at every step the current loss's error is
 * carried back through the last {@code window} steps, whose h_{s-1}, x_s and d_s are kept in a ring
 * buffer preallocated in the model's memory:
 * <pre>
 *   e_t = delta_t;   for s = t, t-1, ..., t-window+1:   a = e_s o d_s,   g += a z_s^T,   e_{s-1} = W^T a
 * </pre>
 * with z_s = [h_{s-1}; x_s; 1]. This is RTRL's gradient of the current loss, J_t^T delta_t, cut to
 * the paths of at most {@code window} steps; with a window at least as long as the sequence (and
 * frozen weights) it is exact, and the sum over a sequence is BPTT's gradient. Cost O(window n (n + m))
 * per step; the stored history is read with the current W, as online truncated BPTT does.
 */
public final class TruncatedBptt implements Learner {

    private final LearnerSpec spec;
    private final VanillaRnn cell;
    private final Kernels kernels;
    private final int n;
    private final int m;
    private final int nPad;
    private final int mPad;
    private final int window;
    private final MemorySegment previous;   // (window, nPad) h_{s-1}, slot s mod window
    private final MemorySegment inputs;     // (window, mPad) x_s
    private final MemorySegment derivatives; // (window, nPad) d_s
    private MemorySegment error;            // (nPad) e_s
    private MemorySegment nextError;        // (nPad) e_{s-1} being built; the two swap
    private final MemorySegment scaled;     // (nPad) a = e_s o d_s
    private int head;                       // slot of the newest step
    private int count;                      // steps held, at most window

    TruncatedBptt(LearnerSpec.TruncatedBpttSpec spec, VanillaRnn cell, ModelMemory memory, Kernels kernels) {
        this.spec = spec;
        this.cell = cell;
        this.kernels = kernels;
        RnnLayout layout = cell.layout();
        this.n = layout.n();
        this.m = layout.m();
        this.nPad = ModelMemory.padded(n);
        this.mPad = ModelMemory.padded(m);
        this.window = spec.window();
        this.previous = memory.allocateFloats((long) window * nPad);
        this.inputs = memory.allocateFloats((long) window * mPad);
        this.derivatives = memory.allocateFloats((long) window * nPad);
        this.error = memory.allocateFloats(nPad);
        this.nextError = memory.allocateFloats(nPad);
        this.scaled = memory.allocateFloats(nPad);
        this.head = window - 1;
    }

    @Override
    public void step(MemorySegment grad) {
        RnnLayout layout = cell.layout();
        head = head + 1 == window ? 0 : head + 1;
        count = Math.min(count + 1, window);
        MemorySegment.copy(cell.previousState(), 0, previous, (long) head * nPad * Float.BYTES, (long) n * Float.BYTES);
        MemorySegment.copy(cell.input(), 0, inputs, (long) head * mPad * Float.BYTES, (long) m * Float.BYTES);
        MemorySegment.copy(cell.derivative(), 0, derivatives, (long) head * nPad * Float.BYTES, (long) n * Float.BYTES);
        MemorySegment.copy(cell.delta(), 0, error, 0, (long) n * Float.BYTES);
        MemorySegment theta = cell.parameters();
        kernels.fill(grad, 0, layout.recurrentSize(), 0f);
        int slot = head;
        for (int back = 0; back < count; back++) {
            long h = (long) slot * nPad, x = (long) slot * mPad;
            for (int i = 0; i < n; i++) {
                float a = error.getAtIndex(JAVA_FLOAT, i) * derivatives.getAtIndex(JAVA_FLOAT, h + i);
                scaled.setAtIndex(JAVA_FLOAT, i, a);
                kernels.axpy(a, previous, h, grad, layout.w(i, 0), n);
                kernels.axpy(a, inputs, x, grad, layout.u(i, 0), m);
                int b = layout.b(i);
                grad.setAtIndex(JAVA_FLOAT, b, grad.getAtIndex(JAVA_FLOAT, b) + a);
            }
            if (back + 1 < count) {
                kernels.fill(nextError, 0, n, 0f);
                for (int i = 0; i < n; i++) {
                    kernels.axpy(scaled.getAtIndex(JAVA_FLOAT, i), theta, layout.w(i, 0), nextError, 0, n);
                }
                MemorySegment swap = error;
                error = nextError;
                nextError = swap;
                slot = slot == 0 ? window - 1 : slot - 1;
            }
        }
    }

    @Override
    public void reset() {
        count = 0;
        head = window - 1;
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

    /** The history (h, x, d of the last {@code window} steps), then head and count. */
    @Override
    public long stateBytes() {
        return previous.byteSize() + inputs.byteSize() + derivatives.byteSize() + 2L * Integer.BYTES;
    }

    @Override
    public void saveState(MemorySegment dst, long offset) {
        long at = offset;
        MemorySegment.copy(previous, 0, dst, at, previous.byteSize());
        at += previous.byteSize();
        MemorySegment.copy(inputs, 0, dst, at, inputs.byteSize());
        at += inputs.byteSize();
        MemorySegment.copy(derivatives, 0, dst, at, derivatives.byteSize());
        at += derivatives.byteSize();
        dst.set(JAVA_INT_UNALIGNED, at, head);
        dst.set(JAVA_INT_UNALIGNED, at + Integer.BYTES, count);
    }

    @Override
    public void loadState(MemorySegment src, long offset) {
        long at = offset;
        MemorySegment.copy(src, at, previous, 0, previous.byteSize());
        at += previous.byteSize();
        MemorySegment.copy(src, at, inputs, 0, inputs.byteSize());
        at += inputs.byteSize();
        MemorySegment.copy(src, at, derivatives, 0, derivatives.byteSize());
        at += derivatives.byteSize();
        head = src.get(JAVA_INT_UNALIGNED, at);
        count = src.get(JAVA_INT_UNALIGNED, at + Integer.BYTES);
    }
}
