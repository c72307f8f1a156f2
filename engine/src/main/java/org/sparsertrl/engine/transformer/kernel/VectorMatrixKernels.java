package org.sparsertrl.engine.transformer.kernel;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;

/**
 * Vector API twin of {@link ScalarMatrixKernels}. As in the engine's own vector kernels, no vector
 * crosses a method boundary of ours (a vector passed to a call C2 did not inline is boxed), and each
 * method holds one register block; the drivers loop over small per-tile methods.
 */
final class VectorMatrixKernels implements MatrixKernels {

    /** The species of the engine: the widest the CPU offers. */
    private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
    private static final int L = SPECIES.length();
    private static final ByteOrder ORDER = ByteOrder.nativeOrder();
    private static final long F = Float.BYTES;

    VectorMatrixKernels() {
    }

    @Override
    public String name() {
        return "vector";
    }

    @Override
    public void multiplyAdd(MemorySegment a, long aOff, long aRow, long aCol, int rows, int inner,
                            MemorySegment b, long bOff, long ldb,
                            MemorySegment c, long cOff, long ldc, int cols) {
        for (int i = 0; i < rows; i++) {
            long ai = aOff + i * aRow, ci = cOff + i * ldc;
            int col = 0;
            for (; col <= cols - 4 * L; col += 4 * L) {
                row4(a, ai, aCol, inner, b, bOff + col, ldb, c, ci + col);
            }
            for (; col <= cols - L; col += L) {
                row1(a, ai, aCol, inner, b, bOff + col, ldb, c, ci + col);
            }
            for (; col < cols; col++) {
                float acc = c.getAtIndex(JAVA_FLOAT, ci + col);
                for (int k = 0; k < inner; k++) {
                    acc = Math.fma(a.getAtIndex(JAVA_FLOAT, ai + k * aCol), b.getAtIndex(JAVA_FLOAT, bOff + k * ldb + col), acc);
                }
                c.setAtIndex(JAVA_FLOAT, ci + col, acc);
            }
        }
    }

    /** Four vectors of one output row: four independent FMA chains hide the FMA's latency. */
    private static void row4(MemorySegment a, long ai, long aCol, int inner, MemorySegment b, long bOff, long ldb,
                             MemorySegment c, long cOff) {
        long c0 = F * cOff;
        FloatVector s0 = FloatVector.fromMemorySegment(SPECIES, c, c0, ORDER);
        FloatVector s1 = FloatVector.fromMemorySegment(SPECIES, c, c0 + F * L, ORDER);
        FloatVector s2 = FloatVector.fromMemorySegment(SPECIES, c, c0 + 2 * F * L, ORDER);
        FloatVector s3 = FloatVector.fromMemorySegment(SPECIES, c, c0 + 3 * F * L, ORDER);
        for (int k = 0; k < inner; k++) {
            FloatVector x = FloatVector.broadcast(SPECIES, a.getAtIndex(JAVA_FLOAT, ai + k * aCol));
            long bk = F * (bOff + k * ldb);
            s0 = FloatVector.fromMemorySegment(SPECIES, b, bk, ORDER).fma(x, s0);
            s1 = FloatVector.fromMemorySegment(SPECIES, b, bk + F * L, ORDER).fma(x, s1);
            s2 = FloatVector.fromMemorySegment(SPECIES, b, bk + 2 * F * L, ORDER).fma(x, s2);
            s3 = FloatVector.fromMemorySegment(SPECIES, b, bk + 3 * F * L, ORDER).fma(x, s3);
        }
        s0.intoMemorySegment(c, c0, ORDER);
        s1.intoMemorySegment(c, c0 + F * L, ORDER);
        s2.intoMemorySegment(c, c0 + 2 * F * L, ORDER);
        s3.intoMemorySegment(c, c0 + 3 * F * L, ORDER);
    }

    private static void row1(MemorySegment a, long ai, long aCol, int inner, MemorySegment b, long bOff, long ldb,
                             MemorySegment c, long cOff) {
        long c0 = F * cOff;
        FloatVector s0 = FloatVector.fromMemorySegment(SPECIES, c, c0, ORDER);
        for (int k = 0; k < inner; k++) {
            s0 = FloatVector.fromMemorySegment(SPECIES, b, F * (bOff + k * ldb), ORDER)
                    .fma(FloatVector.broadcast(SPECIES, a.getAtIndex(JAVA_FLOAT, ai + k * aCol)), s0);
        }
        s0.intoMemorySegment(c, c0, ORDER);
    }

    @Override
    public void multiplyTransposedAdd(MemorySegment a, long aOff, long lda, int rows,
                                      MemorySegment b, long bOff, long ldb, int bRows, int inner,
                                      MemorySegment c, long cOff, long ldc) {
        for (int i = 0; i < rows; i++) {
            long ai = aOff + i * lda, ci = cOff + i * ldc;
            int j = 0;
            for (; j <= bRows - 4; j += 4) {
                dot4(a, ai, b, bOff + j * ldb, ldb, inner, c, ci + j);
            }
            for (; j < bRows; j++) {
                dot1(a, ai, b, bOff + j * ldb, inner, c, ci + j);
            }
        }
    }

    /** Four dot products sharing one row of A: four independent accumulators, each A vector loaded once. */
    private static void dot4(MemorySegment a, long ai, MemorySegment b, long bOff, long ldb, int inner,
                             MemorySegment c, long cOff) {
        FloatVector s0 = FloatVector.zero(SPECIES), s1 = s0, s2 = s0, s3 = s0;
        int k = 0;
        for (; k <= inner - L; k += L) {
            FloatVector x = FloatVector.fromMemorySegment(SPECIES, a, F * (ai + k), ORDER);
            long bk = F * (bOff + k);
            s0 = FloatVector.fromMemorySegment(SPECIES, b, bk, ORDER).fma(x, s0);
            s1 = FloatVector.fromMemorySegment(SPECIES, b, bk + F * ldb, ORDER).fma(x, s1);
            s2 = FloatVector.fromMemorySegment(SPECIES, b, bk + 2 * F * ldb, ORDER).fma(x, s2);
            s3 = FloatVector.fromMemorySegment(SPECIES, b, bk + 3 * F * ldb, ORDER).fma(x, s3);
        }
        // Lanes summed in lane order (not reduceLanes): the intrinsic and its interpreted fallback add in
        // different orders, which would make the bits depend on when the JIT compiled this method.
        float r0 = 0f, r1 = 0f, r2 = 0f, r3 = 0f;
        for (int lane = 0; lane < L; lane++) {
            r0 += s0.lane(lane);
            r1 += s1.lane(lane);
            r2 += s2.lane(lane);
            r3 += s3.lane(lane);
        }
        for (; k < inner; k++) {
            float x = a.getAtIndex(JAVA_FLOAT, ai + k);
            r0 = Math.fma(x, b.getAtIndex(JAVA_FLOAT, bOff + k), r0);
            r1 = Math.fma(x, b.getAtIndex(JAVA_FLOAT, bOff + ldb + k), r1);
            r2 = Math.fma(x, b.getAtIndex(JAVA_FLOAT, bOff + 2 * ldb + k), r2);
            r3 = Math.fma(x, b.getAtIndex(JAVA_FLOAT, bOff + 3 * ldb + k), r3);
        }
        c.setAtIndex(JAVA_FLOAT, cOff, c.getAtIndex(JAVA_FLOAT, cOff) + r0);
        c.setAtIndex(JAVA_FLOAT, cOff + 1, c.getAtIndex(JAVA_FLOAT, cOff + 1) + r1);
        c.setAtIndex(JAVA_FLOAT, cOff + 2, c.getAtIndex(JAVA_FLOAT, cOff + 2) + r2);
        c.setAtIndex(JAVA_FLOAT, cOff + 3, c.getAtIndex(JAVA_FLOAT, cOff + 3) + r3);
    }

    private static void dot1(MemorySegment a, long ai, MemorySegment b, long bj, int inner, MemorySegment c, long cOff) {
        FloatVector s0 = FloatVector.zero(SPECIES);
        int k = 0;
        for (; k <= inner - L; k += L) {
            s0 = FloatVector.fromMemorySegment(SPECIES, b, F * (bj + k), ORDER)
                    .fma(FloatVector.fromMemorySegment(SPECIES, a, F * (ai + k), ORDER), s0);
        }
        float r0 = 0f;
        for (int lane = 0; lane < L; lane++) {
            r0 += s0.lane(lane);
        }
        for (; k < inner; k++) {
            r0 = Math.fma(a.getAtIndex(JAVA_FLOAT, ai + k), b.getAtIndex(JAVA_FLOAT, bj + k), r0);
        }
        c.setAtIndex(JAVA_FLOAT, cOff, c.getAtIndex(JAVA_FLOAT, cOff) + r0);
    }
}
