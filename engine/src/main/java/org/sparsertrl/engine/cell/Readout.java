package org.sparsertrl.engine.cell;

import java.lang.foreign.MemorySegment;

import org.sparsertrl.engine.kernel.Kernels;
import org.sparsertrl.engine.memory.ModelMemory;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;

/**
 * The linear readout every cell shares, and the error signal it sends back:
 * <pre>
 *   y_t = V h_t + c        loss_t = 1/2 |y_t - y*_t|^2        delta_t = dloss_t / ds_t = [V^T (y_t - y*_t); 0]
 * </pre>
 * delta_t has one value per state row: the rows of h get V^T err, any further state rows (the
 * LSTM's c) stay zero, as the readout does not read them.
 */
final class Readout {

    private final RnnLayout layout;
    private final Kernels kernels;
    private final MemorySegment y;      // (oPad) y_t
    private final MemorySegment err;    // (oPad) y_t - y*_t
    private final MemorySegment delta;  // (padded state rows) dloss_t / ds_t

    Readout(RnnLayout layout, ModelMemory memory, Kernels kernels, int stateRows) {
        this.layout = layout;
        this.kernels = kernels;
        this.y = memory.allocateFloats(layout.oPad());
        this.err = memory.allocateFloats(layout.oPad());
        this.delta = memory.allocateFloats(ModelMemory.padded(stateRows));
    }

    /** y_t from h_t, which starts at float 0 of {@code h}. */
    void predict(MemorySegment params, MemorySegment h) {
        for (int r = 0; r < layout.o(); r++) {
            y.setAtIndex(JAVA_FLOAT, r, kernels.dot(params, layout.v(r, 0), h, 0, layout.n())
                    + params.getAtIndex(JAVA_FLOAT, layout.c(r)));
        }
    }

    /** The error, delta_t and the loss {@code 1/2 |y - target|^2}, after {@link #predict}. */
    float loss(MemorySegment params, float[] target) {
        int n = layout.n();
        float sum = 0f;
        kernels.fill(delta, 0, layout.nPad(), 0f);
        for (int r = 0; r < layout.o(); r++) {
            float e = y.getAtIndex(JAVA_FLOAT, r) - target[r];
            err.setAtIndex(JAVA_FLOAT, r, e);
            sum = Math.fma(e, e, sum);
            kernels.axpy(e, params, layout.v(r, 0), delta, 0, n);
        }
        return 0.5f * sum;
    }

    /** err_t = 0 and delta_t = 0: a step without a target. */
    void clearError() {
        kernels.fill(err, 0, layout.oPad(), 0f);
        kernels.fill(delta, 0, layout.nPad(), 0f);
    }

    /** Writes {@code dV = err h_t^T, dc = err} into {@code grad} (slab layout), zeroing the rest of the readout part. */
    void gradient(MemorySegment h, MemorySegment grad) {
        kernels.fill(grad, layout.vOffset(), layout.size() - layout.vOffset(), 0f);
        for (int r = 0; r < layout.o(); r++) {
            float e = err.getAtIndex(JAVA_FLOAT, r);
            kernels.axpy(e, h, 0, grad, layout.v(r, 0), layout.n());
            grad.setAtIndex(JAVA_FLOAT, layout.c(r), e);
        }
    }

    /** Copies y_t into {@code out[0..o)}. */
    void output(float[] out) {
        for (int r = 0; r < layout.o(); r++) {
            out[r] = y.getAtIndex(JAVA_FLOAT, r);
        }
    }

    MemorySegment error() {
        return err;
    }

    MemorySegment delta() {
        return delta;
    }
}
