package org.sparsertrl.engine.kernel;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static jdk.incubator.vector.VectorOperators.I2S;
import static jdk.incubator.vector.VectorOperators.LSHL;
import static jdk.incubator.vector.VectorOperators.LSHR;
import static jdk.incubator.vector.VectorOperators.S2I;

/**
 * The Vector API code of {@link VectorKernels}' bfloat16 kernels (a sensitivity stored in bf16, see
 * {@link Bf16}), in a class of its own so that the float32 kernels' file stays as it is. Same rules as
 * there: no vector crosses a method boundary, one register block per method, and the scalar tails are
 * {@link ScalarKernels}' own code.
 */
final class VectorBf16 {

    private static final VectorSpecies<Float> SPECIES = VectorKernels.SPECIES;
    private static final int L = SPECIES.length();
    private static final ByteOrder ORDER = ByteOrder.nativeOrder();
    private static final long F = Float.BYTES;

    // A bf16 entry widens exactly to a float32 whose low 16 bits are zero: load HALVES (L shorts), convert
    // S2I to L ints (the sign extension is shifted out), shift left 16, reinterpret as floats. A float32
    // narrows by Bf16's integer rounding on the lanes, then I2S keeps each lane's low 16 bits. Every
    // conversion is written out where it is used: a helper taking or returning a vector would box it
    // (see VectorKernels' class comment).

    /** L bf16 lanes: half the float species' width. */
    private static final VectorSpecies<Short> HALVES = VectorSpecies.of(short.class, VectorShape.forBitSize(L * Short.SIZE));
    /** L int lanes, the float species' shape: the bits of the floats. */
    private static final VectorSpecies<Integer> BITS = SPECIES.vectorShape().withLanes(int.class);
    /** Bytes of a bf16 entry. */
    private static final long H = Short.BYTES;

    private VectorBf16() {
    }

    /**
     * Columns {@code [start, end)} (multiples of the vector length) of {@link Kernels#sparseStepBf16}, row by
     * row, added to the gradient, as one column tile of VectorKernels.sparseStep (why: see there; the row
     * loop is here for the reason VectorKernels.sparseRows gives). Each row, bf16 in and out:
     * {@code C~ = s sum_r w[base + r] float(B[idx[base + r]])}, {@code C[i] = bf16(C~)}, {@code g += e C~}.
     * Four vectors of columns per pass, as VectorKernels.sparseRows: four independent FMA chains.
     */
    static void sparseRows(MemorySegment b, long bOff, long ldb, int[] idx, float[] w, int k, int rows,
                           MemorySegment rowScale, MemorySegment rowWeight,
                           MemorySegment c, long cOff, long ldc,
                           MemorySegment g, long g0, int start, int end) {
        for (int i = 0; i < rows; i++) {
            int base = i * k;
            float s = rowScale.getAtIndex(JAVA_FLOAT, i);
            FloatVector e = FloatVector.broadcast(SPECIES, rowWeight.getAtIndex(JAVA_FLOAT, i));
            long ci = cOff + i * ldc;
            int col = start;
            for (; col <= end - 4 * L; col += 4 * L) {
                FloatVector a0 = FloatVector.zero(SPECIES), a1 = a0, a2 = a0, a3 = a0;
                for (int r = 0; r < k; r++) {
                    FloatVector wr = FloatVector.broadcast(SPECIES, w[base + r]);
                    long bj = H * (bOff + idx[base + r] * ldb + col);
                    a0 = ((IntVector) ShortVector.fromMemorySegment(HALVES, b, bj, ORDER).convertShape(S2I, BITS, 0))
                            .lanewise(LSHL, 16).reinterpretAsFloats().fma(wr, a0);
                    a1 = ((IntVector) ShortVector.fromMemorySegment(HALVES, b, bj + H * L, ORDER).convertShape(S2I, BITS, 0))
                            .lanewise(LSHL, 16).reinterpretAsFloats().fma(wr, a1);
                    a2 = ((IntVector) ShortVector.fromMemorySegment(HALVES, b, bj + 2 * H * L, ORDER).convertShape(S2I, BITS, 0))
                            .lanewise(LSHL, 16).reinterpretAsFloats().fma(wr, a2);
                    a3 = ((IntVector) ShortVector.fromMemorySegment(HALVES, b, bj + 3 * H * L, ORDER).convertShape(S2I, BITS, 0))
                            .lanewise(LSHL, 16).reinterpretAsFloats().fma(wr, a3);
                }
                a0 = a0.mul(s);
                a1 = a1.mul(s);
                a2 = a2.mul(s);
                a3 = a3.mul(s);
                long cc = H * (ci + col), gc = F * (g0 + col);
                IntVector n0 = a0.reinterpretAsInts(), n1 = a1.reinterpretAsInts(), n2 = a2.reinterpretAsInts(),
                        n3 = a3.reinterpretAsInts();
                ((ShortVector) n0.add(n0.lanewise(LSHR, 16).and(1)).add(0x7FFF).lanewise(LSHR, 16)
                        .convertShape(I2S, HALVES, 0)).intoMemorySegment(c, cc, ORDER);
                ((ShortVector) n1.add(n1.lanewise(LSHR, 16).and(1)).add(0x7FFF).lanewise(LSHR, 16)
                        .convertShape(I2S, HALVES, 0)).intoMemorySegment(c, cc + H * L, ORDER);
                ((ShortVector) n2.add(n2.lanewise(LSHR, 16).and(1)).add(0x7FFF).lanewise(LSHR, 16)
                        .convertShape(I2S, HALVES, 0)).intoMemorySegment(c, cc + 2 * H * L, ORDER);
                ((ShortVector) n3.add(n3.lanewise(LSHR, 16).and(1)).add(0x7FFF).lanewise(LSHR, 16)
                        .convertShape(I2S, HALVES, 0)).intoMemorySegment(c, cc + 3 * H * L, ORDER);
                a0.fma(e, FloatVector.fromMemorySegment(SPECIES, g, gc, ORDER)).intoMemorySegment(g, gc, ORDER);
                a1.fma(e, FloatVector.fromMemorySegment(SPECIES, g, gc + F * L, ORDER)).intoMemorySegment(g, gc + F * L, ORDER);
                a2.fma(e, FloatVector.fromMemorySegment(SPECIES, g, gc + 2 * F * L, ORDER)).intoMemorySegment(g, gc + 2 * F * L, ORDER);
                a3.fma(e, FloatVector.fromMemorySegment(SPECIES, g, gc + 3 * F * L, ORDER)).intoMemorySegment(g, gc + 3 * F * L, ORDER);
            }
            for (; col < end; col += L) {
                FloatVector acc = FloatVector.zero(SPECIES);
                for (int r = 0; r < k; r++) {
                    long bj = H * (bOff + idx[base + r] * ldb + col);
                    acc = ((IntVector) ShortVector.fromMemorySegment(HALVES, b, bj, ORDER).convertShape(S2I, BITS, 0))
                            .lanewise(LSHL, 16).reinterpretAsFloats().fma(FloatVector.broadcast(SPECIES, w[base + r]), acc);
                }
                acc = acc.mul(s);
                IntVector bits = acc.reinterpretAsInts();
                ((ShortVector) bits.add(bits.lanewise(LSHR, 16).and(1)).add(0x7FFF).lanewise(LSHR, 16)
                        .convertShape(I2S, HALVES, 0)).intoMemorySegment(c, H * (ci + col), ORDER);
                long gc = F * (g0 + col);
                acc.fma(e, FloatVector.fromMemorySegment(SPECIES, g, gc, ORDER)).intoMemorySegment(g, gc, ORDER);
            }
        }
    }

    /** {@link Kernels#axpyBf16}. */
    static void axpy(float alpha, MemorySegment x, long xOff, MemorySegment y, long yOff, int len) {
        FloatVector va = FloatVector.broadcast(SPECIES, alpha);
        int i = 0;
        for (; i <= len - L; i += L) {
            long yi = H * (yOff + i);
            IntVector bits = FloatVector.fromMemorySegment(SPECIES, x, F * (xOff + i), ORDER)
                    .fma(va, ((IntVector) ShortVector.fromMemorySegment(HALVES, y, yi, ORDER).convertShape(S2I, BITS, 0))
                            .lanewise(LSHL, 16).reinterpretAsFloats()).reinterpretAsInts();
            ((ShortVector) bits.add(bits.lanewise(LSHR, 16).and(1)).add(0x7FFF).lanewise(LSHR, 16)
                    .convertShape(I2S, HALVES, 0)).intoMemorySegment(y, yi, ORDER);
        }
        ScalarKernels.axpyBf16(alpha, x, xOff, y, yOff, i, len);
    }
}
