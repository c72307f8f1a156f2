package org.sparsertrl.engine.kernel;

import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;

/**
 * Plain-Java twin of {@link VectorKernels}: the same signatures and, for every output element, the
 * same fused multiply-adds in the same order. It is the reference the vector kernels are tested
 * against and the fallback when the Vector API is switched off.
 *
 * <p>The loop shapes are not the same. Here the sensitivity kernels walk the columns in blocks of
 * four, every row inside a block, with the block's gradient in four local accumulators. The vector
 * {@code denseStep} computes tiles of four rows by four vectors and scales them and adds them to the
 * gradient in a second pass through memory; the vector {@code sparseStep} goes row by row over the
 * whole column range, the gradient in memory. What both keep is the order of operations on each
 * element:
 * <pre>
 *   C[i, c] = s[i] * fma(..., fma(A[i, 1], B[1, c], fma(A[i, 0], B[0, c], 0)))    inner index ascending
 *   g[c]    = fma(..., fma(C[1, c], e[1], fma(C[0, c], e[0], 0)))                 rows ascending
 * </pre>
 * and likewise for {@code subsetStep}; the element-wise kernels apply the same few operations to each
 * element in both. So these results are bit-for-bit the vector kernels', which KernelTwinsTest checks,
 * and it checks both twins' sensitivity kernels against a reference that computes one element at a
 * time in this order. The two reductions ({@link #dot}, {@link #sumOfSquares}) sum in a different
 * order and agree within rounding.
 */
public final class ScalarKernels implements Kernels {

    /** Columns per block in the sensitivity kernels: four independent accumulators per row. */
    private static final int BLOCK = 4;

    ScalarKernels() {
    }

    @Override
    public String name() {
        return "scalar";
    }

    @Override
    public int lanes() {
        return 1;
    }

    private static float get(MemorySegment s, long i) {
        return s.getAtIndex(JAVA_FLOAT, i);
    }

    private static void set(MemorySegment s, long i, float v) {
        s.setAtIndex(JAVA_FLOAT, i, v);
    }

    @Override
    public float dot(MemorySegment a, long aOff, MemorySegment b, long bOff, int len) {
        // Four accumulators, as the vector twin, so that the dependency chain is a quarter as long.
        float s0 = 0f, s1 = 0f, s2 = 0f, s3 = 0f;
        int i = 0;
        for (; i <= len - 4; i += 4) {
            s0 = Math.fma(get(a, aOff + i), get(b, bOff + i), s0);
            s1 = Math.fma(get(a, aOff + i + 1), get(b, bOff + i + 1), s1);
            s2 = Math.fma(get(a, aOff + i + 2), get(b, bOff + i + 2), s2);
            s3 = Math.fma(get(a, aOff + i + 3), get(b, bOff + i + 3), s3);
        }
        float sum = (s0 + s1) + (s2 + s3);
        for (; i < len; i++) {
            sum = Math.fma(get(a, aOff + i), get(b, bOff + i), sum);
        }
        return sum;
    }

    @Override
    public void axpy(float alpha, MemorySegment x, long xOff, MemorySegment y, long yOff, int len) {
        for (int i = 0; i < len; i++) {
            set(y, yOff + i, Math.fma(get(x, xOff + i), alpha, get(y, yOff + i)));
        }
    }

    @Override
    public void rank1(float[] coef, MemorySegment x, long xOff, MemorySegment y, long yOff, long ldy, int rows, int len) {
        for (int r = 0; r < rows; r++) {
            axpy(coef[r], x, xOff, y, yOff + r * ldy, len);
        }
    }

    @Override
    public void addRows(float[] coef, MemorySegment a, long aOff, long lda, int rows, MemorySegment y, long yOff, int len) {
        for (int r = 0; r < rows; r++) {
            axpy(coef[r], a, aOff + r * lda, y, yOff, len);
        }
    }

    @Override
    public void traceStep(float decay, float gain, MemorySegment x, long xOff, MemorySegment t, long tOff,
                          float error, MemorySegment g, long gOff, int len) {
        for (int i = 0; i < len; i++) {
            float ti = Math.fma(get(x, xOff + i), gain, get(t, tOff + i) * decay);
            set(t, tOff + i, ti);
            set(g, gOff + i, Math.fma(ti, error, get(g, gOff + i)));
        }
    }

    @Override
    public void scale(float alpha, MemorySegment x, long off, int len) {
        for (int i = 0; i < len; i++) {
            set(x, off + i, get(x, off + i) * alpha);
        }
    }

    @Override
    public void scaleInto(float alpha, MemorySegment x, long xOff, MemorySegment y, long yOff, int len) {
        for (int i = 0; i < len; i++) {
            set(y, yOff + i, get(x, xOff + i) * alpha);
        }
    }

    @Override
    public void fill(MemorySegment x, long off, int len, float value) {
        for (int i = 0; i < len; i++) {
            set(x, off + i, value);
        }
    }

    @Override
    public float sumOfSquares(MemorySegment x, long off, int len) {
        float s0 = 0f, s1 = 0f, s2 = 0f, s3 = 0f;
        int i = 0;
        for (; i <= len - 4; i += 4) {
            float v0 = get(x, off + i), v1 = get(x, off + i + 1), v2 = get(x, off + i + 2), v3 = get(x, off + i + 3);
            s0 = Math.fma(v0, v0, s0);
            s1 = Math.fma(v1, v1, s1);
            s2 = Math.fma(v2, v2, s2);
            s3 = Math.fma(v3, v3, s3);
        }
        float sum = (s0 + s1) + (s2 + s3);
        for (; i < len; i++) {
            float v = get(x, off + i);
            sum = Math.fma(v, v, sum);
        }
        return sum;
    }

    @Override
    public void denseStep(MemorySegment a, long aOff, long lda, int rows, int inner,
                          MemorySegment b, long bOff, long ldb,
                          MemorySegment c, long cOff, long ldc,
                          MemorySegment rowScale, MemorySegment rowWeight,
                          MemorySegment g, long gOff, int cols) {
        int col = 0;
        for (; col <= cols - BLOCK; col += BLOCK) {
            float g0 = 0f, g1 = 0f, g2 = 0f, g3 = 0f;
            for (int i = 0; i < rows; i++) {
                float c0 = 0f, c1 = 0f, c2 = 0f, c3 = 0f;
                long ai = aOff + i * lda;
                for (int j = 0; j < inner; j++) {
                    float aij = get(a, ai + j);
                    long bj = bOff + j * ldb + col;
                    c0 = Math.fma(get(b, bj), aij, c0);
                    c1 = Math.fma(get(b, bj + 1), aij, c1);
                    c2 = Math.fma(get(b, bj + 2), aij, c2);
                    c3 = Math.fma(get(b, bj + 3), aij, c3);
                }
                float s = get(rowScale, i), e = get(rowWeight, i);
                long ci = cOff + i * ldc + col;
                c0 *= s;
                c1 *= s;
                c2 *= s;
                c3 *= s;
                set(c, ci, c0);
                set(c, ci + 1, c1);
                set(c, ci + 2, c2);
                set(c, ci + 3, c3);
                g0 = Math.fma(c0, e, g0);
                g1 = Math.fma(c1, e, g1);
                g2 = Math.fma(c2, e, g2);
                g3 = Math.fma(c3, e, g3);
            }
            set(g, gOff + col, g0);
            set(g, gOff + col + 1, g1);
            set(g, gOff + col + 2, g2);
            set(g, gOff + col + 3, g3);
        }
        for (; col < cols; col++) {
            float g0 = 0f;
            for (int i = 0; i < rows; i++) {
                float c0 = 0f;
                long ai = aOff + i * lda;
                for (int j = 0; j < inner; j++) {
                    c0 = Math.fma(get(b, bOff + j * ldb + col), get(a, ai + j), c0);
                }
                c0 *= get(rowScale, i);
                set(c, cOff + i * ldc + col, c0);
                g0 = Math.fma(c0, get(rowWeight, i), g0);
            }
            set(g, gOff + col, g0);
        }
    }

    @Override
    public void sparseStep(MemorySegment b, long bOff, long ldb, int[] idx, float[] w, int k, int rows,
                           MemorySegment rowScale, MemorySegment rowWeight,
                           MemorySegment c, long cOff, long ldc,
                           MemorySegment g, long gOff, int cols) {
        int col = 0;
        for (; col <= cols - BLOCK; col += BLOCK) {
            float g0 = 0f, g1 = 0f, g2 = 0f, g3 = 0f;
            for (int i = 0; i < rows; i++) {
                float c0 = 0f, c1 = 0f, c2 = 0f, c3 = 0f;
                for (int r = 0; r < k; r++) {
                    float wr = w[i * k + r];
                    long bj = bOff + idx[i * k + r] * ldb + col;
                    c0 = Math.fma(get(b, bj), wr, c0);
                    c1 = Math.fma(get(b, bj + 1), wr, c1);
                    c2 = Math.fma(get(b, bj + 2), wr, c2);
                    c3 = Math.fma(get(b, bj + 3), wr, c3);
                }
                float s = get(rowScale, i), e = get(rowWeight, i);
                long ci = cOff + i * ldc + col;
                c0 *= s;
                c1 *= s;
                c2 *= s;
                c3 *= s;
                set(c, ci, c0);
                set(c, ci + 1, c1);
                set(c, ci + 2, c2);
                set(c, ci + 3, c3);
                g0 = Math.fma(c0, e, g0);
                g1 = Math.fma(c1, e, g1);
                g2 = Math.fma(c2, e, g2);
                g3 = Math.fma(c3, e, g3);
            }
            set(g, gOff + col, g0);
            set(g, gOff + col + 1, g1);
            set(g, gOff + col + 2, g2);
            set(g, gOff + col + 3, g3);
        }
        for (; col < cols; col++) {
            float g0 = 0f;
            for (int i = 0; i < rows; i++) {
                float c0 = 0f;
                for (int r = 0; r < k; r++) {
                    c0 = Math.fma(get(b, bOff + idx[i * k + r] * ldb + col), w[i * k + r], c0);
                }
                c0 *= get(rowScale, i);
                set(c, cOff + i * ldc + col, c0);
                g0 = Math.fma(c0, get(rowWeight, i), g0);
            }
            set(g, gOff + col, g0);
        }
    }

    @Override
    public void subsetStep(MemorySegment b, long bOff, long ldb, int k, float[] w, float[] rowScale, float[] coef,
                           MemorySegment c, long cOff, long ldc,
                           MemorySegment g, long gOff, int cols) {
        int col = 0;
        for (; col <= cols - BLOCK; col += BLOCK) {
            float g0 = 0f, g1 = 0f, g2 = 0f, g3 = 0f;
            for (int r = 0; r < k; r++) {
                long br = bOff + r * ldb + col;
                float cr = coef[r];
                g0 = Math.fma(get(b, br), cr, g0);
                g1 = Math.fma(get(b, br + 1), cr, g1);
                g2 = Math.fma(get(b, br + 2), cr, g2);
                g3 = Math.fma(get(b, br + 3), cr, g3);
            }
            set(g, gOff + col, g0);
            set(g, gOff + col + 1, g1);
            set(g, gOff + col + 2, g2);
            set(g, gOff + col + 3, g3);
            for (int s = 0; s < k; s++) {
                float c0 = 0f, c1 = 0f, c2 = 0f, c3 = 0f;
                for (int r = 0; r < k; r++) {
                    float wr = w[s * k + r];
                    long br = bOff + r * ldb + col;
                    c0 = Math.fma(get(b, br), wr, c0);
                    c1 = Math.fma(get(b, br + 1), wr, c1);
                    c2 = Math.fma(get(b, br + 2), wr, c2);
                    c3 = Math.fma(get(b, br + 3), wr, c3);
                }
                float sc = rowScale[s];
                long cs = cOff + s * ldc + col;
                set(c, cs, c0 * sc);
                set(c, cs + 1, c1 * sc);
                set(c, cs + 2, c2 * sc);
                set(c, cs + 3, c3 * sc);
            }
        }
        for (; col < cols; col++) {
            float g0 = 0f;
            for (int r = 0; r < k; r++) {
                g0 = Math.fma(get(b, bOff + r * ldb + col), coef[r], g0);
            }
            set(g, gOff + col, g0);
            for (int s = 0; s < k; s++) {
                float c0 = 0f;
                for (int r = 0; r < k; r++) {
                    c0 = Math.fma(get(b, bOff + r * ldb + col), w[s * k + r], c0);
                }
                set(c, cOff + s * ldc + col, c0 * rowScale[s]);
            }
        }
    }

    @Override
    public void momentum(MemorySegment p, MemorySegment g, MemorySegment v, long off, int len, float lr, float mu) {
        for (int i = 0; i < len; i++) {
            long o = off + i;
            float vi = Math.fma(get(v, o), mu, get(g, o));
            set(v, o, vi);
            set(p, o, Math.fma(vi, -lr, get(p, o)));
        }
    }

    @Override
    public void adam(MemorySegment p, MemorySegment g, MemorySegment m, MemorySegment v, long off, int len,
                     float beta1, float beta2, float stepSize, float invSqrtBias2, float eps) {
        float oneMinusBeta1 = 1f - beta1, oneMinusBeta2 = 1f - beta2;
        for (int i = 0; i < len; i++) {
            long o = off + i;
            float gi = get(g, o);
            float mi = Math.fma(gi, oneMinusBeta1, get(m, o) * beta1);
            float vi = Math.fma(gi * gi, oneMinusBeta2, get(v, o) * beta2);
            set(m, o, mi);
            set(v, o, vi);
            float denom = Math.fma((float) Math.sqrt(vi), invSqrtBias2, eps);
            set(p, o, Math.fma(mi / denom, -stepSize, get(p, o)));
        }
    }

    @Override
    public void rmsprop(MemorySegment p, MemorySegment g, MemorySegment v, long off, int len,
                        float lr, float rho, float eps) {
        float oneMinusRho = 1f - rho;
        for (int i = 0; i < len; i++) {
            long o = off + i;
            float gi = get(g, o);
            float vi = Math.fma(gi * gi, oneMinusRho, get(v, o) * rho);
            set(v, o, vi);
            set(p, o, Math.fma(gi / ((float) Math.sqrt(vi) + eps), -lr, get(p, o)));
        }
    }

    // ---- bfloat16 sensitivity storage (see Bf16) ----
    // Unlike sparseStep's, this twin goes row by row with the gradient in memory, the vector twin's loop
    // shape: the vector kernels' scalar tails call the two range methods below, so both twins share one
    // scalar form of every bf16 element.

    /** A bf16 entry: 2 bytes, read and written with {@link Bf16}. */
    private static final java.lang.foreign.ValueLayout.OfShort HALF = java.lang.foreign.ValueLayout.JAVA_SHORT;

    @Override
    public void sparseStepBf16(MemorySegment b, long bOff, long ldb, int[] idx, float[] w, int k, int rows,
                               MemorySegment rowScale, MemorySegment rowWeight,
                               MemorySegment c, long cOff, long ldc,
                               MemorySegment g, long gOff, int cols) {
        fill(g, gOff, cols, 0f);
        for (int i = 0; i < rows; i++) {
            sparseRowBf16(b, bOff, ldb, idx, w, i * k, k, get(rowScale, i), get(rowWeight, i), c, cOff + i * ldc,
                    g, gOff, 0, cols);
        }
    }

    /**
     * Columns {@code [from, to)} of one new row: {@code C~ = s sum_r w[base + r] float(B[idx[base + r]])}
     * (FMAs, r ascending), {@code C[i] = bf16(C~)} and {@code g = fma(C~, e, g)}.
     */
    static void sparseRowBf16(MemorySegment b, long bOff, long ldb, int[] idx, float[] w, int base, int k,
                              float s, float e, MemorySegment c, long ci, MemorySegment g, long g0, int from, int to) {
        for (int col = from; col < to; col++) {
            float sum = 0f;
            for (int r = 0; r < k; r++) {
                sum = Math.fma(Bf16.toFloat(b.getAtIndex(HALF, bOff + idx[base + r] * ldb + col)), w[base + r], sum);
            }
            sum *= s;
            c.setAtIndex(HALF, ci + col, Bf16.round(sum));
            set(g, g0 + col, Math.fma(sum, e, get(g, g0 + col)));
        }
    }

    @Override
    public void denseStepBf16(MemorySegment a, long aOff, long lda, int rows, int inner,
                              MemorySegment b, long bOff, long ldb,
                              MemorySegment c, long cOff, long ldc,
                              MemorySegment rowScale, MemorySegment rowWeight,
                              MemorySegment g, long gOff, int cols, MemorySegment scratch, long scratchOff) {
        fill(g, gOff, cols, 0f);
        for (int i = 0; i < rows; i++) {
            denseRowBf16(a, aOff + i * lda, inner, b, bOff, ldb, get(rowScale, i), get(rowWeight, i), c, cOff + i * ldc,
                    g, gOff, 0, cols);
        }
    }

    /**
     * Columns {@code [from, to)} of one new row: {@code C~ = s sum_j A[i, j] float(B[j])} (FMAs, j
     * ascending), {@code C[i] = bf16(C~)} and {@code g = fma(C~, e, g)}; {@code ai} is row i of A.
     */
    static void denseRowBf16(MemorySegment a, long ai, int inner, MemorySegment b, long bOff, long ldb,
                             float s, float e, MemorySegment c, long ci, MemorySegment g, long g0, int from, int to) {
        for (int col = from; col < to; col++) {
            float sum = 0f;
            for (int j = 0; j < inner; j++) {
                sum = Math.fma(Bf16.toFloat(b.getAtIndex(HALF, bOff + j * ldb + col)), get(a, ai + j), sum);
            }
            sum *= s;
            c.setAtIndex(HALF, ci + col, Bf16.round(sum));
            set(g, g0 + col, Math.fma(sum, e, get(g, g0 + col)));
        }
    }

    @Override
    public void subsetStepBf16(MemorySegment b, long bOff, long ldb, int k, float[] w, float[] rowScale, float[] coef,
                               MemorySegment c, long cOff, long ldc,
                               MemorySegment g, long gOff, int cols) {
        subsetColumnsBf16(b, bOff, ldb, k, w, rowScale, coef, c, cOff, ldc, g, gOff, 0, cols);
    }

    /** Columns {@code [from, to)} of {@link #subsetStepBf16}, one column at a time. */
    static void subsetColumnsBf16(MemorySegment b, long bOff, long ldb, int k, float[] w, float[] rowScale, float[] coef,
                                  MemorySegment c, long cOff, long ldc, MemorySegment g, long gOff, int from, int to) {
        for (int col = from; col < to; col++) {
            float g0 = 0f;
            for (int r = 0; r < k; r++) {
                g0 = Math.fma(Bf16.toFloat(b.getAtIndex(HALF, bOff + r * ldb + col)), coef[r], g0);
            }
            set(g, gOff + col, g0);
            for (int s = 0; s < k; s++) {
                float c0 = 0f;
                for (int r = 0; r < k; r++) {
                    c0 = Math.fma(Bf16.toFloat(b.getAtIndex(HALF, bOff + r * ldb + col)), w[s * k + r], c0);
                }
                c.setAtIndex(HALF, cOff + s * ldc + col, Bf16.round(c0 * rowScale[s]));
            }
        }
    }

    @Override
    public void axpyBf16(float alpha, MemorySegment x, long xOff, MemorySegment y, long yOff, int len) {
        axpyBf16(alpha, x, xOff, y, yOff, 0, len);
    }

    /** Elements {@code [from, to)} of {@link #axpyBf16(float, MemorySegment, long, MemorySegment, long, int)}. */
    static void axpyBf16(float alpha, MemorySegment x, long xOff, MemorySegment y, long yOff, int from, int to) {
        for (int i = from; i < to; i++) {
            float sum = Math.fma(get(x, xOff + i), alpha, Bf16.toFloat(y.getAtIndex(HALF, yOff + i)));
            y.setAtIndex(HALF, yOff + i, Bf16.round(sum));
        }
    }
}
