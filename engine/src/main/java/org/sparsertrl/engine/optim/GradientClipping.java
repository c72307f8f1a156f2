package org.sparsertrl.engine.optim;

import java.lang.foreign.MemorySegment;

import org.sparsertrl.engine.kernel.Kernels;

/** Global-norm gradient clipping: if |g| exceeds the limit, g is scaled to have exactly that norm. */
public final class GradientClipping {

    private GradientClipping() {
    }

    /**
     * Clips {@code grad[0, size)} in place to norm at most {@code maxNorm} (infinite: no clipping)
     * and returns the norm it had before; NaN or infinity if the gradient is not finite, in which case
     * nothing is scaled.
     *
     * @param kernels the kernels to run on
     * @param grad    the gradient
     * @param size    floats of the gradient
     * @param maxNorm the limit, > 0
     * @return the norm before clipping
     */
    public static float clip(Kernels kernels, MemorySegment grad, int size, float maxNorm) {
        float norm = (float) Math.sqrt(kernels.sumOfSquares(grad, 0, size));
        if (norm == Float.POSITIVE_INFINITY) {
            // The float sum of squares overflows for norms above about 1.8e19; recount in double
            // before calling such a gradient infinite.
            norm = (float) doubleNorm(grad, size);
        }
        if (maxNorm != Float.POSITIVE_INFINITY && Float.isFinite(norm)) {
            // Scale on every step, by exactly 1 when under the limit: a branch that is rarely taken
            // gets compiled as a trap, and the deoptimized, interpreted vector code allocates.
            kernels.scale(norm > maxNorm ? maxNorm / norm : 1f, grad, 0, size);
        }
        return norm;
    }

    private static double doubleNorm(MemorySegment grad, int size) {
        double sum = 0;
        for (int i = 0; i < size; i++) {
            double v = grad.getAtIndex(java.lang.foreign.ValueLayout.JAVA_FLOAT, i);
            sum += v * v;
        }
        return Math.sqrt(sum);
    }
}
