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
    /** An int lane's high 16 bits: the high entry of a pair of bf16, widened by keeping them. */
    private static final int HIGH = 0xFFFF0000;
    /**
     * Whether the low 16 bits of an int loaded from two bf16 entries are the first (even) column's: true
     * on a little-endian machine, where both the entries and the int are stored low byte first.
     */
    private static final boolean LOW_IS_EVEN = ORDER == ByteOrder.LITTLE_ENDIAN;
    /** Lane sources of {@link #unpair}'s first output vector: lanes 0 to L - 1 the low halves, L to 2L - 1 the high. */
    private static final float[] UNPAIR_FIRST = unpairSources(0);
    /** Lane sources of {@link #unpair}'s second output vector. */
    private static final float[] UNPAIR_SECOND = unpairSources(L / 2);

    private VectorBf16() {
    }

    /**
     * Column {@code 2j} of a half block is pair j's even entry and {@code 2j + 1} its odd one; the output vector
     * starting at pair {@code first} takes each from the low (index j) or high (index L + j) vector.
     */
    private static float[] unpairSources(int first) {
        float[] sources = new float[L];
        for (int lane = 0; lane < L; lane++) {
            int pair = first + lane / 2;
            boolean even = lane % 2 == 0;
            sources[lane] = even == LOW_IS_EVEN ? pair : L + pair;
        }
        return sources;
    }

    /**
     * Columns {@code [start, end)} (multiples of the vector length) of {@link Kernels#sparseStepBf16}, row by
     * row, added to the gradient, as one column tile of VectorKernels.sparseStep (why: see there; the row
     * loop is here for the reason VectorKernels.sparseRows gives). Each row, bf16 in and out:
     * {@code C~ = s sum_r w[base + r] float(B[idx[base + r]])}, {@code C[i] = bf16(C~)}, {@code g += e C~}.
     *
     * <p>Four vectors of columns per pass, as VectorKernels.sparseRows (four independent FMA chains), read
     * as pairs: two full-width int loads hold the block's 4L bf16 entries, two to a lane, and each pair
     * widens without a conversion, the low entry by a shift left 16 and the high one by masking off the
     * low 16 bits ({@link #LOW_IS_EVEN} says which is which column). The chains hold the low and the high
     * halves of each load, so C~ is rounded in the same lanes and the halves are put back together by a
     * shift and an or. The gradient's block is summed in that paired order too, and each tile's blocks
     * are put back in column order once its rows are done ({@link #unpair}): one shuffle per gradient
     * vector a tile, not one per row. SparsePatternProbe.kernelBf16, two interleaved runs each against
     * the half-vector loads widened by S2I before: n = 256 7,150 / 6,059 against 9,512 / 10,030 us, n = 128
     * 598 / 597 against 1,005 / 899, n = 64 82 / 77 against 83 / 84. The same bits.
     */
    static void sparseRows(MemorySegment b, long bOff, long ldb, int[] idx, float[] w, int k, int rows,
                           MemorySegment rowScale, MemorySegment rowWeight,
                           MemorySegment c, long cOff, long ldc,
                           MemorySegment g, long g0, int start, int end) {
        int blocksEnd = start + (end - start) / (4 * L) * (4 * L);
        for (int i = 0; i < rows; i++) {
            int base = i * k;
            float s = rowScale.getAtIndex(JAVA_FLOAT, i);
            FloatVector e = FloatVector.broadcast(SPECIES, rowWeight.getAtIndex(JAVA_FLOAT, i));
            long ci = cOff + i * ldc;
            int col = start;
            for (; col < blocksEnd; col += 4 * L) {
                FloatVector a0 = FloatVector.zero(SPECIES), a1 = a0, a2 = a0, a3 = a0;
                for (int r = 0; r < k; r++) {
                    FloatVector wr = FloatVector.broadcast(SPECIES, w[base + r]);
                    long bj = H * (bOff + idx[base + r] * ldb + col);
                    IntVector p0 = IntVector.fromMemorySegment(BITS, b, bj, ORDER);
                    IntVector p1 = IntVector.fromMemorySegment(BITS, b, bj + F * L, ORDER);
                    a0 = p0.lanewise(LSHL, 16).reinterpretAsFloats().fma(wr, a0);
                    a1 = p0.and(HIGH).reinterpretAsFloats().fma(wr, a1);
                    a2 = p1.lanewise(LSHL, 16).reinterpretAsFloats().fma(wr, a2);
                    a3 = p1.and(HIGH).reinterpretAsFloats().fma(wr, a3);
                }
                a0 = a0.mul(s);
                a1 = a1.mul(s);
                a2 = a2.mul(s);
                a3 = a3.mul(s);
                long cc = H * (ci + col), gc = F * (g0 + col);
                IntVector n0 = a0.reinterpretAsInts(), n1 = a1.reinterpretAsInts(), n2 = a2.reinterpretAsInts(),
                        n3 = a3.reinterpretAsInts();
                n0 = n0.add(n0.lanewise(LSHR, 16).and(1)).add(0x7FFF);
                n1 = n1.add(n1.lanewise(LSHR, 16).and(1)).add(0x7FFF);
                n2 = n2.add(n2.lanewise(LSHR, 16).and(1)).add(0x7FFF);
                n3 = n3.add(n3.lanewise(LSHR, 16).and(1)).add(0x7FFF);
                n0.lanewise(LSHR, 16).or(n1.and(HIGH)).intoMemorySegment(c, cc, ORDER);
                n2.lanewise(LSHR, 16).or(n3.and(HIGH)).intoMemorySegment(c, cc + F * L, ORDER);
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
        unpair(g, g0, start, blocksEnd);
    }

    /**
     * Puts the gradient's columns {@code [start, end)} (whole 4-vector blocks) back in column order from
     * {@link #sparseRows}' paired order: in each half block, L low entries then L high ones.
     */
    private static void unpair(MemorySegment g, long g0, int start, int end) {
        FloatVector first = FloatVector.fromArray(SPECIES, UNPAIR_FIRST, 0);
        FloatVector second = FloatVector.fromArray(SPECIES, UNPAIR_SECOND, 0);
        for (int col = start; col < end; col += 2 * L) {
            long gc = F * (g0 + col);
            FloatVector low = FloatVector.fromMemorySegment(SPECIES, g, gc, ORDER);
            FloatVector high = FloatVector.fromMemorySegment(SPECIES, g, gc + F * L, ORDER);
            first.selectFrom(low, high).intoMemorySegment(g, gc, ORDER);
            second.selectFrom(low, high).intoMemorySegment(g, gc + F * L, ORDER);
        }
    }

    /**
     * Widens {@code height} rows of four vectors of bf16 B, starting at entry b0, into the float32 panel,
     * rows contiguous: VectorKernels' pack for a bf16 B.
     */
    static void pack(MemorySegment b, long b0, long ldb, int height, float[] panel) {
        for (int j = 0; j < height; j++) {
            long bj = H * (b0 + j * ldb);
            int pj = j * 4 * L;
            ((IntVector) ShortVector.fromMemorySegment(HALVES, b, bj, ORDER).convertShape(S2I, BITS, 0))
                    .lanewise(LSHL, 16).reinterpretAsFloats().intoArray(panel, pj);
            ((IntVector) ShortVector.fromMemorySegment(HALVES, b, bj + H * L, ORDER).convertShape(S2I, BITS, 0))
                    .lanewise(LSHL, 16).reinterpretAsFloats().intoArray(panel, pj + L);
            ((IntVector) ShortVector.fromMemorySegment(HALVES, b, bj + 2 * H * L, ORDER).convertShape(S2I, BITS, 0))
                    .lanewise(LSHL, 16).reinterpretAsFloats().intoArray(panel, pj + 2 * L);
            ((IntVector) ShortVector.fromMemorySegment(HALVES, b, bj + 3 * H * L, ORDER).convertShape(S2I, BITS, 0))
                    .lanewise(LSHL, 16).reinterpretAsFloats().intoArray(panel, pj + 3 * L);
        }
    }

    /**
     * Finishes a float32 strip of {@code rows} unscaled rows of four vectors (row i at float s0 + i * 4L) into
     * bf16 C (entry c0 on) and the gradient: {@code C~ = s[i] strip[i]}, {@code C[i] = bf16(C~)},
     * {@code g += e[i] C~}, rows ascending for each vector, as VectorKernels.finishRows.
     */
    static void finishStrip(MemorySegment strip, long s0, int rows, MemorySegment rowScale, MemorySegment rowWeight,
                            MemorySegment c, long c0, long ldc, MemorySegment g, long g0) {
        for (int v = 0; v < 4; v++) {
            long gv = F * (g0 + v * L);
            FloatVector sum = FloatVector.fromMemorySegment(SPECIES, g, gv, ORDER);
            for (int i = 0; i < rows; i++) {
                FloatVector x = FloatVector.fromMemorySegment(SPECIES, strip, F * (s0 + (long) i * 4 * L + v * L), ORDER)
                        .mul(rowScale.getAtIndex(JAVA_FLOAT, i));
                IntVector bits = x.reinterpretAsInts();
                ((ShortVector) bits.add(bits.lanewise(LSHR, 16).and(1)).add(0x7FFF).lanewise(LSHR, 16)
                        .convertShape(I2S, HALVES, 0)).intoMemorySegment(c, H * (c0 + i * ldc + v * L), ORDER);
                sum = x.fma(FloatVector.broadcast(SPECIES, rowWeight.getAtIndex(JAVA_FLOAT, i)), sum);
            }
            sum.intoMemorySegment(g, gv, ORDER);
        }
    }

    /**
     * One vector of columns of {@link Kernels#denseStepBf16} (B, C and g at the block's first column),
     * every row in ascending order: {@code C~ = s[i] sum_j A[i, j] float(B[j])}, {@code C[i] = bf16(C~)},
     * {@code g += e[i] C~}. The columns left over from denseStepBf16's 4-vector blocks.
     */
    static void denseColumns(MemorySegment a, long aOff, long lda, int rows, int inner,
                             MemorySegment b, long b0, long ldb, MemorySegment rowScale, MemorySegment rowWeight,
                             MemorySegment c, long c0, long ldc, MemorySegment g, long g0) {
        for (int i = 0; i < rows; i++) {
            long ai = aOff + i * lda;
            FloatVector acc = FloatVector.zero(SPECIES);
            for (int j = 0; j < inner; j++) {
                acc = ((IntVector) ShortVector.fromMemorySegment(HALVES, b, H * (b0 + j * ldb), ORDER).convertShape(S2I, BITS, 0))
                        .lanewise(LSHL, 16).reinterpretAsFloats()
                        .fma(FloatVector.broadcast(SPECIES, a.getAtIndex(JAVA_FLOAT, ai + j)), acc);
            }
            acc = acc.mul(rowScale.getAtIndex(JAVA_FLOAT, i));
            IntVector bits = acc.reinterpretAsInts();
            ((ShortVector) bits.add(bits.lanewise(LSHR, 16).and(1)).add(0x7FFF).lanewise(LSHR, 16)
                    .convertShape(I2S, HALVES, 0)).intoMemorySegment(c, H * (c0 + i * ldc), ORDER);
            acc.fma(FloatVector.broadcast(SPECIES, rowWeight.getAtIndex(JAVA_FLOAT, i)),
                    FloatVector.fromMemorySegment(SPECIES, g, F * g0, ORDER)).intoMemorySegment(g, F * g0, ORDER);
        }
    }

    /**
     * Columns {@code [0, end)} ({@code end} a multiple of the vector length) of {@link Kernels#subsetStepBf16}:
     * four vectors of columns at a time, then one; for each block the gradient, then every stored row.
     */
    static void subsetColumns(MemorySegment b, long bOff, long ldb, int k, float[] w, float[] rowScale, float[] coef,
                              MemorySegment c, long cOff, long ldc, MemorySegment g, long gOff, int end) {
        int col = 0;
        for (; col <= end - 4 * L; col += 4 * L) {
            combineRows4(b, bOff + col, ldb, k, coef, 0, 1f, g, gOff + col, false);
            for (int s = 0; s < k; s++) {
                combineRows4(b, bOff + col, ldb, k, w, s * k, rowScale[s], c, cOff + s * ldc + col, true);
            }
        }
        for (; col < end; col += L) {
            combineRows1(b, bOff + col, ldb, k, coef, 0, 1f, g, gOff + col, false);
            for (int s = 0; s < k; s++) {
                combineRows1(b, bOff + col, ldb, k, w, s * k, rowScale[s], c, cOff + s * ldc + col, true);
            }
        }
    }

    /**
     * {@code out = scale * sum_{r < k} coef[base + r] float(B[r])} over four vectors of columns of bf16 B,
     * stored rounded to bf16 ({@code rounded}, out's offset in bf16 entries) or as float32.
     */
    private static void combineRows4(MemorySegment b, long b0, long ldb, int k, float[] coef, int base, float scale,
                                     MemorySegment out, long o0, boolean rounded) {
        FloatVector a0 = FloatVector.zero(SPECIES), a1 = a0, a2 = a0, a3 = a0;
        for (int r = 0; r < k; r++) {
            FloatVector cr = FloatVector.broadcast(SPECIES, coef[base + r]);
            long br = H * (b0 + r * ldb);
            a0 = ((IntVector) ShortVector.fromMemorySegment(HALVES, b, br, ORDER).convertShape(S2I, BITS, 0))
                    .lanewise(LSHL, 16).reinterpretAsFloats().fma(cr, a0);
            a1 = ((IntVector) ShortVector.fromMemorySegment(HALVES, b, br + H * L, ORDER).convertShape(S2I, BITS, 0))
                    .lanewise(LSHL, 16).reinterpretAsFloats().fma(cr, a1);
            a2 = ((IntVector) ShortVector.fromMemorySegment(HALVES, b, br + 2 * H * L, ORDER).convertShape(S2I, BITS, 0))
                    .lanewise(LSHL, 16).reinterpretAsFloats().fma(cr, a2);
            a3 = ((IntVector) ShortVector.fromMemorySegment(HALVES, b, br + 3 * H * L, ORDER).convertShape(S2I, BITS, 0))
                    .lanewise(LSHL, 16).reinterpretAsFloats().fma(cr, a3);
        }
        a0 = a0.mul(scale);
        a1 = a1.mul(scale);
        a2 = a2.mul(scale);
        a3 = a3.mul(scale);
        if (rounded) {
            long oc = H * o0;
            IntVector n0 = a0.reinterpretAsInts(), n1 = a1.reinterpretAsInts(), n2 = a2.reinterpretAsInts(),
                    n3 = a3.reinterpretAsInts();
            ((ShortVector) n0.add(n0.lanewise(LSHR, 16).and(1)).add(0x7FFF).lanewise(LSHR, 16)
                    .convertShape(I2S, HALVES, 0)).intoMemorySegment(out, oc, ORDER);
            ((ShortVector) n1.add(n1.lanewise(LSHR, 16).and(1)).add(0x7FFF).lanewise(LSHR, 16)
                    .convertShape(I2S, HALVES, 0)).intoMemorySegment(out, oc + H * L, ORDER);
            ((ShortVector) n2.add(n2.lanewise(LSHR, 16).and(1)).add(0x7FFF).lanewise(LSHR, 16)
                    .convertShape(I2S, HALVES, 0)).intoMemorySegment(out, oc + 2 * H * L, ORDER);
            ((ShortVector) n3.add(n3.lanewise(LSHR, 16).and(1)).add(0x7FFF).lanewise(LSHR, 16)
                    .convertShape(I2S, HALVES, 0)).intoMemorySegment(out, oc + 3 * H * L, ORDER);
        } else {
            long oi = F * o0;
            a0.intoMemorySegment(out, oi, ORDER);
            a1.intoMemorySegment(out, oi + F * L, ORDER);
            a2.intoMemorySegment(out, oi + 2 * F * L, ORDER);
            a3.intoMemorySegment(out, oi + 3 * F * L, ORDER);
        }
    }

    /** {@link #combineRows4} over one vector of columns. */
    private static void combineRows1(MemorySegment b, long b0, long ldb, int k, float[] coef, int base, float scale,
                                     MemorySegment out, long o0, boolean rounded) {
        FloatVector acc = FloatVector.zero(SPECIES);
        for (int r = 0; r < k; r++) {
            acc = ((IntVector) ShortVector.fromMemorySegment(HALVES, b, H * (b0 + r * ldb), ORDER).convertShape(S2I, BITS, 0))
                    .lanewise(LSHL, 16).reinterpretAsFloats().fma(FloatVector.broadcast(SPECIES, coef[base + r]), acc);
        }
        acc = acc.mul(scale);
        if (rounded) {
            IntVector bits = acc.reinterpretAsInts();
            ((ShortVector) bits.add(bits.lanewise(LSHR, 16).and(1)).add(0x7FFF).lanewise(LSHR, 16)
                    .convertShape(I2S, HALVES, 0)).intoMemorySegment(out, H * o0, ORDER);
        } else {
            acc.intoMemorySegment(out, F * o0, ORDER);
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
