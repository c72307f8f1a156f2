package org.sparsertrl.engine.kernel;

import java.lang.foreign.MemorySegment;

/**
 * The arithmetic of one training step, over off-heap float buffers.
 *
 * <p>Two implementations exist: {@link ScalarKernels} (plain Java) and a Vector API one. Their loops
 * differ; what they share is the order of the fused multiply-adds that make each output element of
 * the element-wise and sensitivity kernels (see {@link ScalarKernels}). {@link KernelProvider} picks
 * one per process. Offsets, strides and lengths count floats,
 * not bytes. No kernel allocates, locks or throws in normal flow.
 *
 * <p>The three sensitivity kernels each write one column range of the new sensitivity matrix and of
 * the gradient, and read nothing outside it. That is what lets a step be split by columns across
 * threads. Every product is a fused multiply-add in a fixed order, so for each output element of the
 * element-wise and sensitivity kernels the two implementations give the same result bit for bit;
 * only the reductions ({@link #dot}, {@link #sumOfSquares}) sum in different orders.
 */
public interface Kernels {

    /** Short name for logs and reports: {@code "scalar"} or {@code "vector"}. */
    String name();

    /** Floats per vector register this implementation works in (1 for scalar). */
    int lanes();

    /** {@code sum_i a[aOff + i] * b[bOff + i]} for {@code i < len}. */
    float dot(MemorySegment a, long aOff, MemorySegment b, long bOff, int len);

    /** {@code y[yOff + i] += alpha * x[xOff + i]} for {@code i < len}. */
    void axpy(float alpha, MemorySegment x, long xOff, MemorySegment y, long yOff, int len);

    /**
     * {@link #axpy} on {@code rows} rows at once, a rank-one update:
     * {@code Y[r, i] += coef[r] * x[xOff + i]} for {@code r < rows, i < len}, with
     * {@code Y[r, i] = y[yOff + r * ldy + i]}; each element one FMA, as axpy gives it.
     */
    void rank1(float[] coef, MemorySegment x, long xOff, MemorySegment y, long yOff, long ldy, int rows, int len);

    /**
     * {@code y[yOff + i] += sum_{r < rows} coef[r] * A[r, i]} for {@code i < len}, with
     * {@code A[r, i] = a[aOff + r * lda + i]}: each element's FMAs in ascending r, as {@link #axpy} row
     * after row gives them.
     */
    void addRows(float[] coef, MemorySegment a, long aOff, long lda, int rows, MemorySegment y, long yOff, int len);

    /**
     * One step of a trace and its gradient, fused: {@code t[tOff + i] = fma(x[xOff + i], gain, t[tOff + i] * decay)},
     * then {@code g[gOff + i] = fma(t[tOff + i], error, g[gOff + i])}, for {@code i < len}: what
     * {@link #scale}, {@link #axpy} and {@link #axpy} give in three passes, with the same roundings.
     */
    void traceStep(float decay, float gain, MemorySegment x, long xOff, MemorySegment t, long tOff,
                   float error, MemorySegment g, long gOff, int len);

    /** {@code x[off + i] *= alpha} for {@code i < len}. */
    void scale(float alpha, MemorySegment x, long off, int len);

    /** {@code y[yOff + i] = alpha * x[xOff + i]} for {@code i < len}: a copy and a scale in one pass. */
    void scaleInto(float alpha, MemorySegment x, long xOff, MemorySegment y, long yOff, int len);

    /** {@code x[off + i] = value} for {@code i < len}. */
    void fill(MemorySegment x, long off, int len, float value);

    /** {@code sum_i x[off + i]^2} for {@code i < len}. */
    float sumOfSquares(MemorySegment x, long off, int len);

    /**
     * The dense sensitivity step (full RTRL), for the column range {@code [0, cols)}:
     * <pre>
     *   C[i, c] = s[i] * sum_{j < inner} A[i, j] * B[j, c]     for i < rows
     *   g[c]    = sum_{i < rows} e[i] * C[i, c]
     * </pre>
     * with {@code A[i, j] = a[aOff + i * lda + j]}, {@code B[j, c] = b[bOff + j * ldb + c]},
     * {@code C[i, c] = c[cOff + i * ldc + c]}, {@code g[c] = g[gOff + c]}, {@code s = rowScale[0..rows)}
     * and {@code e = rowWeight[0..rows)}. C and g are overwritten.
     */
    void denseStep(MemorySegment a, long aOff, long lda, int rows, int inner,
                   MemorySegment b, long bOff, long ldb,
                   MemorySegment c, long cOff, long ldc,
                   MemorySegment rowScale, MemorySegment rowWeight,
                   MemorySegment g, long gOff, int cols);

    /**
     * The per-row sparse sensitivity step: each output row combines its own k source rows.
     * <pre>
     *   C[i, c] = s[i] * sum_{r < k} w[i * k + r] * B[idx[i * k + r], c]     for i < rows
     *   g[c]    = sum_{i < rows} e[i] * C[i, c]
     * </pre>
     * Indexing as in {@link #denseStep}. With {@code k = 0} the rows of C and g are zero.
     */
    void sparseStep(MemorySegment b, long bOff, long ldb, int[] idx, float[] w, int k, int rows,
                    MemorySegment rowScale, MemorySegment rowWeight,
                    MemorySegment c, long cOff, long ldc,
                    MemorySegment g, long gOff, int cols);

    /**
     * The shared-subset sensitivity step: k stored rows, each combining all k old rows, and a gradient
     * taken from the old rows.
     * <pre>
     *   C[s, c] = s[s] * sum_{r < k} w[s * k + r] * B[r, c]     for s < k
     *   g[c]    = sum_{r < k} coef[r] * B[r, c]
     * </pre>
     */
    void subsetStep(MemorySegment b, long bOff, long ldb, int k, float[] w, float[] rowScale, float[] coef,
                    MemorySegment c, long cOff, long ldc,
                    MemorySegment g, long gOff, int cols);

    /** SGD with momentum: {@code v = mu * v + g; p -= lr * v}. */
    void momentum(MemorySegment p, MemorySegment g, MemorySegment v, long off, int len, float lr, float mu);

    /**
     * Adam: {@code m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g^2;
     * p -= stepSize * m / (sqrt(v) * invSqrtBias2 + eps)}, where the caller folds the bias corrections
     * into {@code stepSize = lr / (1 - b1^t)} and {@code invSqrtBias2 = 1 / sqrt(1 - b2^t)}.
     */
    void adam(MemorySegment p, MemorySegment g, MemorySegment m, MemorySegment v, long off, int len,
              float beta1, float beta2, float stepSize, float invSqrtBias2, float eps);

    /** RMSprop: {@code v = rho v + (1 - rho) g^2; p -= lr * g / (sqrt(v) + eps)}. */
    void rmsprop(MemorySegment p, MemorySegment g, MemorySegment v, long off, int len,
                 float lr, float rho, float eps);

    // ---- bfloat16 sensitivity storage (see Bf16): the learners' Precision.BF16 ----

    /**
     * {@return the float32 scratch {@link #denseStepBf16} takes for {@code rows} rows: {@code rows} times
     * four vectors of lanes}
     *
     * @param rows the rows of A and C
     */
    default long denseScratchFloats(int rows) {
        return (long) rows * 4 * lanes();
    }

    /**
     * {@link #sparseStep} over a sensitivity stored as bfloat16: B and C hold bf16 entries (their
     * offsets and strides count bf16 entries), everything else is float32.
     * <pre>
     *   C~[i, c] = s[i] * sum_{r < k} w[i * k + r] * float(B[idx[i * k + r], c])     float32, for i < rows
     *   C[i, c]  = bf16(C~[i, c])                                                    rounded to nearest even
     *   g[c]     = sum_{i < rows} e[i] * C~[i, c]
     * </pre>
     * Widening a bf16 entry is exact; each C~ element and each g element is the same chain of float32
     * FMAs, in the same order, as in {@link #sparseStep}, so with B holding bf16-exact values C~ and g
     * are sparseStep's bits. The gradient takes the float32 row C~, not the rounded one: it is the more
     * accurate of the two and already in registers, so a step's gradient carries only the rounding of
     * the rows it read, never its own.
     */
    void sparseStepBf16(MemorySegment b, long bOff, long ldb, int[] idx, float[] w, int k, int rows,
                        MemorySegment rowScale, MemorySegment rowWeight,
                        MemorySegment c, long cOff, long ldc,
                        MemorySegment g, long gOff, int cols);

    /**
     * {@link #denseStep} over a sensitivity stored as bfloat16: B and C hold bf16 entries (their offsets
     * and strides count bf16 entries), A and everything else is float32.
     * <pre>
     *   C~[i, c] = s[i] * sum_{j < inner} A[i, j] * float(B[j, c])     float32, for i < rows
     *   C[i, c]  = bf16(C~[i, c])                                       rounded to nearest even
     *   g[c]     = sum_{i < rows} e[i] * C~[i, c]
     * </pre>
     * The same chains of float32 FMAs, in the same order, as {@link #denseStep}; as in
     * {@link #sparseStepBf16} the gradient takes the unrounded row. {@code scratch}: float32 working memory
     * of the caller's, {@link #denseScratchFloats} floats from {@code scratchOff}, which no other thread
     * uses during the call (the partial sums of C, which a bf16 C cannot hold between panels).
     */
    void denseStepBf16(MemorySegment a, long aOff, long lda, int rows, int inner,
                       MemorySegment b, long bOff, long ldb,
                       MemorySegment c, long cOff, long ldc,
                       MemorySegment rowScale, MemorySegment rowWeight,
                       MemorySegment g, long gOff, int cols, MemorySegment scratch, long scratchOff);

    /**
     * {@link #subsetStep} over stored rows held as bfloat16: B and C hold bf16 entries (their offsets and
     * strides count bf16 entries), everything else is float32.
     * <pre>
     *   C[s, c] = bf16(s[s] * sum_{r < k} w[s * k + r] * float(B[r, c]))     for s < k
     *   g[c]    = sum_{r < k} coef[r] * float(B[r, c])
     * </pre>
     * The same chains of float32 FMAs, in the same order, as {@link #subsetStep}.
     */
    void subsetStepBf16(MemorySegment b, long bOff, long ldb, int k, float[] w, float[] rowScale, float[] coef,
                        MemorySegment c, long cOff, long ldc,
                        MemorySegment g, long gOff, int cols);

    /**
     * {@code y[yOff + i] = bf16(fma(x[xOff + i], alpha, float(y[yOff + i])))} for {@code i < len}: {@link #axpy}
     * into a bf16 array ({@code y}'s offset counts bf16 entries, {@code x} is float32).
     */
    void axpyBf16(float alpha, MemorySegment x, long xOff, MemorySegment y, long yOff, int len);
}
