package org.sparsertrl.engine.transformer.kernel;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;

/**
 * Vector API twin of {@link ScalarMatrixKernels}. As in the engine's own vector kernels, no vector
 * crosses a method boundary of ours (a vector passed to a call C2 did not inline is boxed).
 *
 * <p>Every method here that holds a vector is longer than C2's {@code FreqInlineSize} (325 bytes of
 * bytecode), so C2 never inlines it into a caller and compiles it on its own, in a small graph. Inlined
 * into {@code OnlineTransformer.forward}, a large method, the Vector API calls of a short kernel were
 * inlined late, past C2's node-count cutoff, and in some runs (one in three of the zero-allocation
 * test's JVMs here) stayed boxed: 720 bytes a step. Hence the one-vector and one-row tails are written
 * in the drivers rather than in helpers of their own. {@code KernelInliningTest} checks the sizes.
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
            for (; col <= cols - L; col += L) { // one vector of the row, written here: see the class comment
                long c0 = F * (ci + col);
                FloatVector s0 = FloatVector.fromMemorySegment(SPECIES, c, c0, ORDER);
                for (int k = 0; k < inner; k++) {
                    s0 = FloatVector.fromMemorySegment(SPECIES, b, F * (bOff + k * ldb + col), ORDER)
                            .fma(FloatVector.broadcast(SPECIES, a.getAtIndex(JAVA_FLOAT, ai + k * aCol)), s0);
                }
                s0.intoMemorySegment(c, c0, ORDER);
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

    /**
     * Rows of A against rows of B: four dot products at a time share each vector of A's row (four
     * independent accumulators), then one at a time.
     */
    @Override
    public void multiplyTransposedAdd(MemorySegment a, long aOff, long lda, int rows,
                                      MemorySegment b, long bOff, long ldb, int bRows, int inner,
                                      MemorySegment c, long cOff, long ldc) {
        for (int i = 0; i < rows; i++) {
            long ai = aOff + i * lda, ci = cOff + i * ldc;
            int j = 0;
            for (; j <= bRows - 4; j += 4) {
                long bj = bOff + j * ldb;
                FloatVector s0 = FloatVector.zero(SPECIES), s1 = s0, s2 = s0, s3 = s0;
                int k = 0;
                for (; k <= inner - L; k += L) {
                    FloatVector x = FloatVector.fromMemorySegment(SPECIES, a, F * (ai + k), ORDER);
                    long bk = F * (bj + k);
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
                    r0 = Math.fma(x, b.getAtIndex(JAVA_FLOAT, bj + k), r0);
                    r1 = Math.fma(x, b.getAtIndex(JAVA_FLOAT, bj + ldb + k), r1);
                    r2 = Math.fma(x, b.getAtIndex(JAVA_FLOAT, bj + 2 * ldb + k), r2);
                    r3 = Math.fma(x, b.getAtIndex(JAVA_FLOAT, bj + 3 * ldb + k), r3);
                }
                long cj = ci + j;
                c.setAtIndex(JAVA_FLOAT, cj, c.getAtIndex(JAVA_FLOAT, cj) + r0);
                c.setAtIndex(JAVA_FLOAT, cj + 1, c.getAtIndex(JAVA_FLOAT, cj + 1) + r1);
                c.setAtIndex(JAVA_FLOAT, cj + 2, c.getAtIndex(JAVA_FLOAT, cj + 2) + r2);
                c.setAtIndex(JAVA_FLOAT, cj + 3, c.getAtIndex(JAVA_FLOAT, cj + 3) + r3);
            }
            for (; j < bRows; j++) {
                long bj = bOff + j * ldb;
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
                c.setAtIndex(JAVA_FLOAT, ci + j, c.getAtIndex(JAVA_FLOAT, ci + j) + r0);
            }
        }
    }
}
