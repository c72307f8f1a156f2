package org.sparsertrl.engine.kernel;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;

/**
 * Vector API kernels (jdk.incubator.vector), the fast twin of {@link ScalarKernels}.
 *
 * <p>Shape of every kernel: a main loop over four vectors of columns, a one-vector remainder, and a
 * scalar tail that repeats the scalar twin's arithmetic. Rows are padded to whole vectors in the
 * engine's buffers, so the tails run only on the awkward lengths the tests throw at them.
 *
 * <p>Only {@link KernelProvider} constructs this class, and only after checking that the incubator
 * module is present: loading it without {@code --add-modules jdk.incubator.vector} fails.
 */
public final class VectorKernels implements Kernels {

    /** The one species of the engine: the widest the CPU offers (512 bits, 16 floats, on AVX-512). */
    static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
    private static final int L = SPECIES.length();
    private static final ByteOrder ORDER = ByteOrder.nativeOrder();

    VectorKernels() {
    }

    @Override
    public String name() {
        return "vector";
    }

    @Override
    public int lanes() {
        return L;
    }

    private static FloatVector load(MemorySegment s, long index) {
        return FloatVector.fromMemorySegment(SPECIES, s, index * Float.BYTES, ORDER);
    }

    private static void store(FloatVector v, MemorySegment s, long index) {
        v.intoMemorySegment(s, index * Float.BYTES, ORDER);
    }

    private static FloatVector splat(float value) {
        return FloatVector.broadcast(SPECIES, value);
    }

    /** Stores {@code acc * s} at {@code index} and returns it. */
    private static FloatVector scaledStore(FloatVector acc, float s, MemorySegment c, long index) {
        FloatVector scaled = acc.mul(s);
        store(scaled, c, index);
        return scaled;
    }

    private static float get(MemorySegment s, long i) {
        return s.getAtIndex(JAVA_FLOAT, i);
    }

    private static void set(MemorySegment s, long i, float v) {
        s.setAtIndex(JAVA_FLOAT, i, v);
    }

    @Override
    public float dot(MemorySegment a, long aOff, MemorySegment b, long bOff, int len) {
        // Four independent accumulators: an FMA has 4 cycles of latency and two issue ports, so one
        // accumulator would leave the ports idle most of the time.
        FloatVector s0 = FloatVector.zero(SPECIES), s1 = s0, s2 = s0, s3 = s0;
        int i = 0;
        for (; i <= len - 4 * L; i += 4 * L) {
            s0 = load(a, aOff + i).fma(load(b, bOff + i), s0);
            s1 = load(a, aOff + i + L).fma(load(b, bOff + i + L), s1);
            s2 = load(a, aOff + i + 2 * L).fma(load(b, bOff + i + 2 * L), s2);
            s3 = load(a, aOff + i + 3 * L).fma(load(b, bOff + i + 3 * L), s3);
        }
        for (; i <= len - L; i += L) {
            s0 = load(a, aOff + i).fma(load(b, bOff + i), s0);
        }
        float sum = s0.add(s1).add(s2.add(s3)).reduceLanes(VectorOperators.ADD);
        for (; i < len; i++) {
            sum = Math.fma(get(a, aOff + i), get(b, bOff + i), sum);
        }
        return sum;
    }

    @Override
    public void axpy(float alpha, MemorySegment x, long xOff, MemorySegment y, long yOff, int len) {
        FloatVector va = splat(alpha);
        int i = 0;
        for (; i <= len - L; i += L) {
            store(load(x, xOff + i).fma(va, load(y, yOff + i)), y, yOff + i);
        }
        for (; i < len; i++) {
            set(y, yOff + i, Math.fma(get(x, xOff + i), alpha, get(y, yOff + i)));
        }
    }

    @Override
    public void scale(float alpha, MemorySegment x, long off, int len) {
        int i = 0;
        for (; i <= len - L; i += L) {
            store(load(x, off + i).mul(alpha), x, off + i);
        }
        for (; i < len; i++) {
            set(x, off + i, get(x, off + i) * alpha);
        }
    }

    @Override
    public void fill(MemorySegment x, long off, int len, float value) {
        FloatVector v = splat(value);
        int i = 0;
        for (; i <= len - L; i += L) {
            store(v, x, off + i);
        }
        for (; i < len; i++) {
            set(x, off + i, value);
        }
    }

    @Override
    public float sumOfSquares(MemorySegment x, long off, int len) {
        FloatVector s0 = FloatVector.zero(SPECIES), s1 = s0, s2 = s0, s3 = s0;
        int i = 0;
        for (; i <= len - 4 * L; i += 4 * L) {
            FloatVector v0 = load(x, off + i), v1 = load(x, off + i + L);
            FloatVector v2 = load(x, off + i + 2 * L), v3 = load(x, off + i + 3 * L);
            s0 = v0.fma(v0, s0);
            s1 = v1.fma(v1, s1);
            s2 = v2.fma(v2, s2);
            s3 = v3.fma(v3, s3);
        }
        for (; i <= len - L; i += L) {
            FloatVector v = load(x, off + i);
            s0 = v.fma(v, s0);
        }
        float sum = s0.add(s1).add(s2.add(s3)).reduceLanes(VectorOperators.ADD);
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
        // Register block of 4 rows x 4 vectors: 16 accumulators + 4 gradient sums + 4 loaded B vectors
        // + 1 broadcast fit in the 32 vector registers, and every loaded vector of B feeds 4 FMAs.
        for (; col <= cols - 4 * L; col += 4 * L) {
            FloatVector g0 = FloatVector.zero(SPECIES), g1 = g0, g2 = g0, g3 = g0;
            int i = 0;
            for (; i <= rows - 4; i += 4) {
                FloatVector c00 = FloatVector.zero(SPECIES), c01 = c00, c02 = c00, c03 = c00;
                FloatVector c10 = c00, c11 = c00, c12 = c00, c13 = c00;
                FloatVector c20 = c00, c21 = c00, c22 = c00, c23 = c00;
                FloatVector c30 = c00, c31 = c00, c32 = c00, c33 = c00;
                long a0 = aOff + i * lda, a1 = a0 + lda, a2 = a1 + lda, a3 = a2 + lda;
                for (int j = 0; j < inner; j++) {
                    long bj = bOff + j * ldb + col;
                    FloatVector b0 = load(b, bj), b1 = load(b, bj + L), b2 = load(b, bj + 2 * L), b3 = load(b, bj + 3 * L);
                    FloatVector w = splat(get(a, a0 + j));
                    c00 = b0.fma(w, c00);
                    c01 = b1.fma(w, c01);
                    c02 = b2.fma(w, c02);
                    c03 = b3.fma(w, c03);
                    w = splat(get(a, a1 + j));
                    c10 = b0.fma(w, c10);
                    c11 = b1.fma(w, c11);
                    c12 = b2.fma(w, c12);
                    c13 = b3.fma(w, c13);
                    w = splat(get(a, a2 + j));
                    c20 = b0.fma(w, c20);
                    c21 = b1.fma(w, c21);
                    c22 = b2.fma(w, c22);
                    c23 = b3.fma(w, c23);
                    w = splat(get(a, a3 + j));
                    c30 = b0.fma(w, c30);
                    c31 = b1.fma(w, c31);
                    c32 = b2.fma(w, c32);
                    c33 = b3.fma(w, c33);
                }
                // Rows in ascending order, so each gradient sum sees the rows in the scalar twin's order.
                long ci = cOff + i * ldc + col;
                float s = get(rowScale, i);
                FloatVector e = splat(get(rowWeight, i));
                g0 = scaledStore(c00, s, c, ci).fma(e, g0);
                g1 = scaledStore(c01, s, c, ci + L).fma(e, g1);
                g2 = scaledStore(c02, s, c, ci + 2 * L).fma(e, g2);
                g3 = scaledStore(c03, s, c, ci + 3 * L).fma(e, g3);
                ci += ldc;
                s = get(rowScale, i + 1);
                e = splat(get(rowWeight, i + 1));
                g0 = scaledStore(c10, s, c, ci).fma(e, g0);
                g1 = scaledStore(c11, s, c, ci + L).fma(e, g1);
                g2 = scaledStore(c12, s, c, ci + 2 * L).fma(e, g2);
                g3 = scaledStore(c13, s, c, ci + 3 * L).fma(e, g3);
                ci += ldc;
                s = get(rowScale, i + 2);
                e = splat(get(rowWeight, i + 2));
                g0 = scaledStore(c20, s, c, ci).fma(e, g0);
                g1 = scaledStore(c21, s, c, ci + L).fma(e, g1);
                g2 = scaledStore(c22, s, c, ci + 2 * L).fma(e, g2);
                g3 = scaledStore(c23, s, c, ci + 3 * L).fma(e, g3);
                ci += ldc;
                s = get(rowScale, i + 3);
                e = splat(get(rowWeight, i + 3));
                g0 = scaledStore(c30, s, c, ci).fma(e, g0);
                g1 = scaledStore(c31, s, c, ci + L).fma(e, g1);
                g2 = scaledStore(c32, s, c, ci + 2 * L).fma(e, g2);
                g3 = scaledStore(c33, s, c, ci + 3 * L).fma(e, g3);
            }
            for (; i < rows; i++) {
                FloatVector c0 = FloatVector.zero(SPECIES), c1 = c0, c2 = c0, c3 = c0;
                long ai = aOff + i * lda;
                for (int j = 0; j < inner; j++) {
                    long bj = bOff + j * ldb + col;
                    FloatVector w = splat(get(a, ai + j));
                    c0 = load(b, bj).fma(w, c0);
                    c1 = load(b, bj + L).fma(w, c1);
                    c2 = load(b, bj + 2 * L).fma(w, c2);
                    c3 = load(b, bj + 3 * L).fma(w, c3);
                }
                float s = get(rowScale, i);
                FloatVector e = splat(get(rowWeight, i));
                long ci = cOff + i * ldc + col;
                c0 = c0.mul(s);
                c1 = c1.mul(s);
                c2 = c2.mul(s);
                c3 = c3.mul(s);
                store(c0, c, ci);
                store(c1, c, ci + L);
                store(c2, c, ci + 2 * L);
                store(c3, c, ci + 3 * L);
                g0 = c0.fma(e, g0);
                g1 = c1.fma(e, g1);
                g2 = c2.fma(e, g2);
                g3 = c3.fma(e, g3);
            }
            store(g0, g, gOff + col);
            store(g1, g, gOff + col + L);
            store(g2, g, gOff + col + 2 * L);
            store(g3, g, gOff + col + 3 * L);
        }
        for (; col <= cols - L; col += L) {
            FloatVector g0 = FloatVector.zero(SPECIES);
            for (int i = 0; i < rows; i++) {
                FloatVector c0 = FloatVector.zero(SPECIES);
                long ai = aOff + i * lda;
                for (int j = 0; j < inner; j++) {
                    c0 = load(b, bOff + j * ldb + col).fma(splat(get(a, ai + j)), c0);
                }
                c0 = c0.mul(get(rowScale, i));
                store(c0, c, cOff + i * ldc + col);
                g0 = c0.fma(splat(get(rowWeight, i)), g0);
            }
            store(g0, g, gOff + col);
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
        // Four vectors of columns per pass: four independent FMA chains per row, and the gradient of
        // the tile stays in registers while every row of the tile is produced.
        for (; col <= cols - 4 * L; col += 4 * L) {
            FloatVector g0 = FloatVector.zero(SPECIES), g1 = g0, g2 = g0, g3 = g0;
            for (int i = 0; i < rows; i++) {
                FloatVector c0 = FloatVector.zero(SPECIES), c1 = c0, c2 = c0, c3 = c0;
                int base = i * k;
                for (int r = 0; r < k; r++) {
                    FloatVector wr = splat(w[base + r]);
                    long bj = bOff + idx[base + r] * ldb + col;
                    c0 = load(b, bj).fma(wr, c0);
                    c1 = load(b, bj + L).fma(wr, c1);
                    c2 = load(b, bj + 2 * L).fma(wr, c2);
                    c3 = load(b, bj + 3 * L).fma(wr, c3);
                }
                float s = get(rowScale, i);
                FloatVector e = splat(get(rowWeight, i));
                long ci = cOff + i * ldc + col;
                c0 = c0.mul(s);
                c1 = c1.mul(s);
                c2 = c2.mul(s);
                c3 = c3.mul(s);
                store(c0, c, ci);
                store(c1, c, ci + L);
                store(c2, c, ci + 2 * L);
                store(c3, c, ci + 3 * L);
                g0 = c0.fma(e, g0);
                g1 = c1.fma(e, g1);
                g2 = c2.fma(e, g2);
                g3 = c3.fma(e, g3);
            }
            store(g0, g, gOff + col);
            store(g1, g, gOff + col + L);
            store(g2, g, gOff + col + 2 * L);
            store(g3, g, gOff + col + 3 * L);
        }
        for (; col <= cols - L; col += L) {
            FloatVector g0 = FloatVector.zero(SPECIES);
            for (int i = 0; i < rows; i++) {
                FloatVector c0 = FloatVector.zero(SPECIES);
                int base = i * k;
                for (int r = 0; r < k; r++) {
                    c0 = load(b, bOff + idx[base + r] * ldb + col).fma(splat(w[base + r]), c0);
                }
                c0 = c0.mul(get(rowScale, i));
                store(c0, c, cOff + i * ldc + col);
                g0 = c0.fma(splat(get(rowWeight, i)), g0);
            }
            store(g0, g, gOff + col);
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
        for (; col <= cols - 4 * L; col += 4 * L) {
            FloatVector g0 = FloatVector.zero(SPECIES), g1 = g0, g2 = g0, g3 = g0;
            for (int r = 0; r < k; r++) {
                long br = bOff + r * ldb + col;
                FloatVector cr = splat(coef[r]);
                g0 = load(b, br).fma(cr, g0);
                g1 = load(b, br + L).fma(cr, g1);
                g2 = load(b, br + 2 * L).fma(cr, g2);
                g3 = load(b, br + 3 * L).fma(cr, g3);
            }
            store(g0, g, gOff + col);
            store(g1, g, gOff + col + L);
            store(g2, g, gOff + col + 2 * L);
            store(g3, g, gOff + col + 3 * L);
            for (int s = 0; s < k; s++) {
                FloatVector c0 = FloatVector.zero(SPECIES), c1 = c0, c2 = c0, c3 = c0;
                for (int r = 0; r < k; r++) {
                    FloatVector wr = splat(w[s * k + r]);
                    long br = bOff + r * ldb + col;
                    c0 = load(b, br).fma(wr, c0);
                    c1 = load(b, br + L).fma(wr, c1);
                    c2 = load(b, br + 2 * L).fma(wr, c2);
                    c3 = load(b, br + 3 * L).fma(wr, c3);
                }
                float sc = rowScale[s];
                long cs = cOff + s * ldc + col;
                store(c0.mul(sc), c, cs);
                store(c1.mul(sc), c, cs + L);
                store(c2.mul(sc), c, cs + 2 * L);
                store(c3.mul(sc), c, cs + 3 * L);
            }
        }
        for (; col <= cols - L; col += L) {
            FloatVector g0 = FloatVector.zero(SPECIES);
            for (int r = 0; r < k; r++) {
                g0 = load(b, bOff + r * ldb + col).fma(splat(coef[r]), g0);
            }
            store(g0, g, gOff + col);
            for (int s = 0; s < k; s++) {
                FloatVector c0 = FloatVector.zero(SPECIES);
                for (int r = 0; r < k; r++) {
                    c0 = load(b, bOff + r * ldb + col).fma(splat(w[s * k + r]), c0);
                }
                store(c0.mul(rowScale[s]), c, cOff + s * ldc + col);
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
        FloatVector vmu = splat(mu), vlr = splat(-lr);
        int i = 0;
        for (; i <= len - L; i += L) {
            long o = off + i;
            FloatVector vi = load(v, o).fma(vmu, load(g, o));
            store(vi, v, o);
            store(vi.fma(vlr, load(p, o)), p, o);
        }
        for (; i < len; i++) {
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
        FloatVector b1 = splat(beta1), b2 = splat(beta2), ob1 = splat(oneMinusBeta1), ob2 = splat(oneMinusBeta2);
        FloatVector step = splat(-stepSize), bias = splat(invSqrtBias2), ve = splat(eps);
        int i = 0;
        for (; i <= len - L; i += L) {
            long o = off + i;
            FloatVector gi = load(g, o);
            FloatVector mi = gi.fma(ob1, load(m, o).mul(b1));
            FloatVector vi = gi.mul(gi).fma(ob2, load(v, o).mul(b2));
            store(mi, m, o);
            store(vi, v, o);
            FloatVector denom = vi.lanewise(VectorOperators.SQRT).fma(bias, ve);
            store(mi.div(denom).fma(step, load(p, o)), p, o);
        }
        for (; i < len; i++) {
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
        FloatVector vr = splat(rho), vor = splat(oneMinusRho), ve = splat(eps), vlr = splat(-lr);
        int i = 0;
        for (; i <= len - L; i += L) {
            long o = off + i;
            FloatVector gi = load(g, o);
            FloatVector vi = gi.mul(gi).fma(vor, load(v, o).mul(vr));
            store(vi, v, o);
            store(gi.div(vi.lanewise(VectorOperators.SQRT).add(ve)).fma(vlr, load(p, o)), p, o);
        }
        for (; i < len; i++) {
            long o = off + i;
            float gi = get(g, o);
            float vi = Math.fma(gi * gi, oneMinusRho, get(v, o) * rho);
            set(v, o, vi);
            set(p, o, Math.fma(gi / ((float) Math.sqrt(vi) + eps), -lr, get(p, o)));
        }
    }
}
