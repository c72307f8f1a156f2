package org.sparsertrl.harness;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.sparsertrl.engine.kernel.Bf16;
import org.sparsertrl.engine.kernel.KernelProvider;
import org.sparsertrl.engine.kernel.Kernels;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

/**
 * The bfloat16 kernels (a sensitivity stored in bf16): the conversion rounds to nearest, ties to even;
 * the vector kernels equal their scalar twins bit for bit at every length from 0 to 150, at awkward
 * lengths and offsets, and at QuickTheories' random ones; and both equal, bit for bit, a reference that
 * computes one element at a time as the documented chain of float32 FMAs, which in turn is the float32
 * {@code sparseStep} on the widened rows (its gradient unchanged, its rows rounded). The same for the dense
 * (full RTRL) and subset steps, against the float32 {@code denseStep} and {@code subsetStep}.
 */
class Bf16KernelTest {

    static final int[] AWKWARD = {1021, 4099};
    /** Rows of the sparse kernel: more than a vector's worth of rows is not needed, its rows are independent. */
    static final int ROWS = 5;
    static final int K = 3;
    /** Rows of the dense kernel's A and C: one 4-row register block and two rows left over. */
    static final int DENSE_ROWS = 6;
    /** B's rows in the dense kernel: more than one 256-row panel, so partial sums cross panels. */
    static final int INNER = 261;

    private final Kernels scalar = KernelProvider.scalar();
    private final Kernels vector = KernelProvider.vector();
    /** Vector kernels whose sparse steps work in column tiles of one 4-vector block (1 KiB of bf16 over ROWS rows): tile edges everywhere. */
    private final Kernels tiled = KernelProvider.vector(1);

    @Test
    void roundingIsToNearestTiesToEven() {
        // The cases that name the rule: exact, below, above and at the half-way point, ties both ways,
        // the carry into the exponent and past the largest bf16 into infinity, subnormals, signs.
        assertRounds(1f, 0x3F80);
        assertRounds(Float.intBitsToFloat(0x3F807FFF), 0x3F80);
        assertRounds(Float.intBitsToFloat(0x3F808001), 0x3F81);
        assertRounds(Float.intBitsToFloat(0x3F808000), 0x3F80);   // tie, 0x3F80 even: down
        assertRounds(Float.intBitsToFloat(0x3F818000), 0x3F82);   // tie, 0x3F81 odd: up
        assertRounds(Float.intBitsToFloat(0x3FFFFFFF), 0x4000);   // carry into the exponent
        assertRounds(Float.MAX_VALUE, 0x7F80);                     // past the largest bf16: infinity
        assertRounds(Float.intBitsToFloat(0x7F7F7FFF), 0x7F7F);
        assertRounds(Float.MIN_VALUE, 0x0000);
        assertRounds(Float.intBitsToFloat(0x00008001), 0x0001);   // subnormal, above half
        assertRounds(-1.5f, (short) 0xBFC0);
        assertRounds(Float.intBitsToFloat(0xBF808001), (short) 0xBF81);
        assertTrue(Float.isNaN(Bf16.toFloat(Bf16.round(Float.NaN))), "NaN stays NaN");
        assertTrue(Float.isNaN(Bf16.toFloat(Bf16.round(Float.intBitsToFloat(0xFFC00000)))), "x86's default NaN stays NaN");
        qt().withExamples(20_000).forAll(integers().all()).checkAssert(bits -> {
            float x = Float.intBitsToFloat(bits);
            if (!Float.isNaN(x)) {
                assertEquals(nearestEven(x), Bf16.round(x), () -> "bf16 of " + x + " (bits " + Integer.toHexString(bits) + ")");
                assertEquals(bits & 0xFFFF0000, Float.floatToRawIntBits(Bf16.toFloat((short) (bits >>> 16))), "widening is exact");
            }
        });
    }

    private static void assertRounds(float x, int expected) {
        assertEquals((short) expected, Bf16.round(x), "bf16 of " + x);
        assertEquals((short) expected, nearestEven(x), "the reference's bf16 of " + x);
    }

    /**
     * The rule itself, in double arithmetic (exact for these values): of the two bf16 values around x,
     * the nearer; on a tie the one whose last bit is 0. The value above the largest finite bf16 is taken
     * as 2^128 (unbounded exponent), so that x rounds to infinity exactly when IEEE says it overflows.
     */
    private static short nearestEven(float x) {
        int bits = Float.floatToRawIntBits(x);
        int down = bits & 0xFFFF0000;                                   // towards zero
        double low = Math.abs((double) Float.intBitsToFloat(down));
        int exponent = Math.max(Math.getExponent(Float.intBitsToFloat(down)), Float.MIN_EXPONENT);
        double high = low + Math.scalb(1.0, exponent - 7);              // one bf16 ulp further from zero
        double v = Math.abs((double) x);
        boolean up = v - low > high - v || (v - low == high - v && ((down >>> 16) & 1) == 1);
        return (short) ((up ? down + 0x10000 : down) >>> 16);
    }

    @Test
    void vectorEqualsScalarAndTheReferenceAtEveryLengthTo150() {
        assertTrue(vector.lanes() > 1, "vector kernels must use vectors");
        for (int len = 0; len <= 150; len++) { // past two passes of four vectors, each remainder, each tail
            check(len, (len * 7) % 16, 1 + (len * 3) % 15, len);
        }
        for (int len : AWKWARD) {
            check(len, 5, 11, ~len);
        }
    }

    @Test
    void vectorEqualsScalarAtRandomLengthsAndOffsets() {
        qt().withExamples(50).forAll(integers().between(0, 1100), integers().between(0, 63), integers().between(0, 63),
                longs().all()).checkAssert(this::check);
    }

    /** Both twins and the reference on identical inputs; every output bit for bit. */
    private void check(int len, int off1, int off2, long seed) {
        try (Arena arena = Arena.ofConfined()) {
            String at = " len=" + len + " offsets=" + off1 + "," + off2 + " seed=" + seed;
            long ld = len + off2 + 3; // a row stride that is not a multiple of the vector length
            Buffers r = new Buffers(arena, len, ld, seed), s = new Buffers(arena, len, ld, seed), v = new Buffers(arena, len, ld, seed);
            // The dense kernel's float32 scratch, at an offset, holding garbage: what it holds on entry must not matter.
            MemorySegment scratch = Buffers.floats(arena, off2 + DENSE_ROWS * 4L * vector.lanes() + 64, new SplittableRandom(~seed));
            reference(r.b, off1, ld, r.idx, r.w, K, ROWS, r.scale, r.weight, r.c, off2, ld, r.g, off1, len);
            scalar.sparseStepBf16(s.b, off1, ld, s.idx, s.w, K, ROWS, s.scale, s.weight, s.c, off2, ld, s.g, off1, len);
            vector.sparseStepBf16(v.b, off1, ld, v.idx, v.w, K, ROWS, v.scale, v.weight, v.c, off2, ld, v.g, off1, len);
            r.assertSame(s, "sparseStepBf16" + at, "reference", "scalar");
            s.assertSame(v, "sparseStepBf16" + at, "scalar", "vector");
            Buffers t = new Buffers(arena, len, ld, seed);
            tiled.sparseStepBf16(t.b, off1, ld, t.idx, t.w, K, ROWS, t.scale, t.weight, t.c, off2, ld, t.g, off1, len);
            s.assertSame(t, "sparseStepBf16" + at, "scalar", "vector, 1 KiB tiles");
            // The reference is the float32 kernel on the widened rows: the same gradient, the rows rounded.
            Buffers f = new Buffers(arena, len, ld, seed);
            MemorySegment wide = arena.allocate(f.b.byteSize() * 2, 64), out = arena.allocate(f.c.byteSize() * 2, 64);
            for (long i = 0; i < f.b.byteSize() / 2; i++) {
                wide.setAtIndex(JAVA_FLOAT, i, Bf16.toFloat(f.b.getAtIndex(JAVA_SHORT, i)));
            }
            for (Kernels kernels : new Kernels[] {scalar, vector}) {
                kernels.sparseStep(wide, off1, ld, f.idx, f.w, K, ROWS, f.scale, f.weight, out, off2, ld, f.g, off1, len);
                assertEquals(-1, f.g.mismatch(s.g), "the float32 " + kernels.name() + " sparseStep's gradient" + at);
                for (int i = 0; i < ROWS; i++) {
                    for (int col = 0; col < len; col++) {
                        long o = off2 + i * ld + col;
                        int row = i, column = col;
                        assertEquals(Bf16.round(out.getAtIndex(JAVA_FLOAT, o)), s.c.getAtIndex(JAVA_SHORT, o),
                                () -> "row " + row + " col " + column + ": the rounded float32 " + kernels.name() + " sparseStep" + at);
                    }
                }
            }
            checkDense(arena, len, off1, off2, seed, at, scratch);
            checkSubset(arena, len, off1, off2, seed, at);
            referenceAxpy(0.37f, r.x, off2, r.c, off1, len);
            scalar.axpyBf16(0.37f, s.x, off2, s.c, off1, len);
            vector.axpyBf16(0.37f, v.x, off2, v.c, off1, len);
            r.assertSame(s, "axpyBf16" + at, "reference", "scalar");
            s.assertSame(v, "axpyBf16" + at, "scalar", "vector");
        }
    }

    /** denseStepBf16: reference, scalar and vector bit for bit; the gradient the float32 denseStep's on the widened B. */
    private void checkDense(Arena arena, int len, int off1, int off2, long seed, String at, MemorySegment scratch) {
        long ld = len + off2 + 3;
        SplittableRandom random = new SplittableRandom(seed ^ 0xD);
        MemorySegment a = Buffers.floats(arena, DENSE_ROWS * (long) INNER, random);
        MemorySegment b = Buffers.halves(arena, INNER * (ld + 64), random);
        MemorySegment scale = Buffers.floats(arena, DENSE_ROWS, random), weight = Buffers.floats(arena, DENSE_ROWS, random);
        MemorySegment[] c = new MemorySegment[3], g = new MemorySegment[3];
        for (int t = 0; t < 3; t++) {
            c[t] = arena.allocate(DENSE_ROWS * (ld + 64) * Short.BYTES, 64);
            g[t] = arena.allocate((len + 64) * (long) Float.BYTES, 64);
        }
        referenceDense(a, INNER, b, off1, ld, c[0], off2, ld, scale, weight, g[0], off1, len);
        scalar.denseStepBf16(a, 0, INNER, DENSE_ROWS, INNER, b, off1, ld, c[1], off2, ld, scale, weight, g[1], off1, len,
                scratch, off2);
        vector.denseStepBf16(a, 0, INNER, DENSE_ROWS, INNER, b, off1, ld, c[2], off2, ld, scale, weight, g[2], off1, len,
                scratch, off2);
        assertSame(c, g, "denseStepBf16" + at);
        MemorySegment wide = widened(arena, b), out = arena.allocate(c[0].byteSize() * 2, 64);
        MemorySegment gf = arena.allocate(g[0].byteSize(), 64);
        vector.denseStep(a, 0, INNER, DENSE_ROWS, INNER, wide, off1, ld, out, off2, ld, scale, weight, gf, off1, len);
        assertRounded(out, c[1], gf, g[1], DENSE_ROWS, off2, ld, len, "the float32 denseStep" + at);
    }

    /** subsetStepBf16 (k = ROWS stored rows): reference, scalar and vector bit for bit; the float32 subsetStep on the widened rows. */
    private void checkSubset(Arena arena, int len, int off1, int off2, long seed, String at) {
        long ld = len + off2 + 3;
        SplittableRandom random = new SplittableRandom(seed ^ 0x5);
        MemorySegment b = Buffers.halves(arena, ROWS * (ld + 64), random);
        float[] w = new float[ROWS * ROWS], scale = new float[ROWS], coef = new float[ROWS];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) random.nextGaussian();
        }
        for (int i = 0; i < ROWS; i++) {
            scale[i] = (float) random.nextGaussian();
            coef[i] = (float) random.nextGaussian();
        }
        MemorySegment[] c = new MemorySegment[3], g = new MemorySegment[3];
        for (int t = 0; t < 3; t++) {
            c[t] = arena.allocate(ROWS * (ld + 64) * Short.BYTES, 64);
            g[t] = arena.allocate((len + 64) * (long) Float.BYTES, 64);
        }
        for (int col = 0; col < len; col++) {
            float gc = 0f;
            for (int r = 0; r < ROWS; r++) {
                gc = Math.fma(coef[r], Bf16.toFloat(b.getAtIndex(JAVA_SHORT, off1 + r * ld + col)), gc);
            }
            g[0].setAtIndex(JAVA_FLOAT, off1 + col, gc);
            for (int i = 0; i < ROWS; i++) {
                float ci = 0f;
                for (int r = 0; r < ROWS; r++) {
                    ci = Math.fma(w[i * ROWS + r], Bf16.toFloat(b.getAtIndex(JAVA_SHORT, off1 + r * ld + col)), ci);
                }
                c[0].setAtIndex(JAVA_SHORT, off2 + i * ld + col, Bf16.round(ci * scale[i]));
            }
        }
        scalar.subsetStepBf16(b, off1, ld, ROWS, w, scale, coef, c[1], off2, ld, g[1], off1, len);
        vector.subsetStepBf16(b, off1, ld, ROWS, w, scale, coef, c[2], off2, ld, g[2], off1, len);
        assertSame(c, g, "subsetStepBf16" + at);
        MemorySegment wide = widened(arena, b), out = arena.allocate(c[0].byteSize() * 2, 64);
        MemorySegment gf = arena.allocate(g[0].byteSize(), 64);
        vector.subsetStep(wide, off1, ld, ROWS, w, scale, coef, out, off2, ld, gf, off1, len);
        assertRounded(out, c[1], gf, g[1], ROWS, off2, ld, len, "the float32 subsetStep" + at);
    }

    /** The bf16 buffer {@code b} widened to float32. */
    private static MemorySegment widened(Arena arena, MemorySegment b) {
        MemorySegment wide = arena.allocate(b.byteSize() * 2, 64);
        for (long i = 0; i < b.byteSize() / 2; i++) {
            wide.setAtIndex(JAVA_FLOAT, i, Bf16.toFloat(b.getAtIndex(JAVA_SHORT, i)));
        }
        return wide;
    }

    /** The reference's (0), the scalar (1) and the vector (2) outputs equal bit for bit. */
    private static void assertSame(MemorySegment[] c, MemorySegment[] g, String what) {
        String[] names = {"reference", "scalar", "vector"};
        for (int t = 1; t < 3; t++) {
            assertEquals(-1, c[t - 1].mismatch(c[t]), what + ": c (bf16) of " + names[t - 1] + " and " + names[t]);
            assertEquals(-1, g[t - 1].mismatch(g[t]), what + ": g of " + names[t - 1] + " and " + names[t]);
        }
    }

    /** The float32 kernel's gradient equals the bf16 one's, and its rows rounded are the bf16 rows. */
    private static void assertRounded(MemorySegment out, MemorySegment c, MemorySegment gf, MemorySegment g, int rows,
                                      long off, long ld, int len, String what) {
        assertEquals(-1, gf.mismatch(g), "the gradient of " + what);
        for (int i = 0; i < rows; i++) {
            for (int col = 0; col < len; col++) {
                long o = off + i * ld + col;
                int row = i, column = col;
                assertEquals(Bf16.round(out.getAtIndex(JAVA_FLOAT, o)), c.getAtIndex(JAVA_SHORT, o),
                        () -> "row " + row + " col " + column + ": " + what + ", rounded");
            }
        }
    }

    /**
     * One element at a time, {@code C~[i, c]} = FMAs of {@code A[i, j] float(B[j, c])} over j ascending, times s[i];
     * {@code C[i, c] = bf16(C~)}; {@code g[c]} = FMAs of {@code C~[i, c] e[i]} over i ascending.
     */
    private static void referenceDense(MemorySegment a, int inner, MemorySegment b, long bOff, long ldb,
                                       MemorySegment c, long cOff, long ldc, MemorySegment rowScale, MemorySegment rowWeight,
                                       MemorySegment g, long gOff, int cols) {
        for (int col = 0; col < cols; col++) {
            float gc = 0f;
            for (int i = 0; i < DENSE_ROWS; i++) {
                float ci = 0f;
                for (int j = 0; j < inner; j++) {
                    ci = Math.fma(a.getAtIndex(JAVA_FLOAT, (long) i * inner + j), Bf16.toFloat(b.getAtIndex(JAVA_SHORT, bOff + j * ldb + col)), ci);
                }
                ci *= rowScale.getAtIndex(JAVA_FLOAT, i);
                c.setAtIndex(JAVA_SHORT, cOff + i * ldc + col, Bf16.round(ci));
                gc = Math.fma(ci, rowWeight.getAtIndex(JAVA_FLOAT, i), gc);
            }
            g.setAtIndex(JAVA_FLOAT, gOff + col, gc);
        }
    }

    /**
     * One element at a time, no tiling: {@code C~[i, c]} = FMAs of {@code float(B[idx, c]) w} over r ascending from
     * 0, times s[i]; {@code C[i, c] = bf16(C~)}; {@code g[c]} = FMAs of {@code C~[i, c] e[i]} over i ascending from 0.
     */
    private static void reference(MemorySegment b, long bOff, long ldb, int[] idx, float[] w, int k, int rows,
                                  MemorySegment rowScale, MemorySegment rowWeight,
                                  MemorySegment c, long cOff, long ldc, MemorySegment g, long gOff, int cols) {
        for (int col = 0; col < cols; col++) {
            float gc = 0f;
            for (int i = 0; i < rows; i++) {
                float ci = 0f;
                for (int r = 0; r < k; r++) {
                    ci = Math.fma(w[i * k + r], Bf16.toFloat(b.getAtIndex(JAVA_SHORT, bOff + idx[i * k + r] * ldb + col)), ci);
                }
                ci *= rowScale.getAtIndex(JAVA_FLOAT, i);
                c.setAtIndex(JAVA_SHORT, cOff + i * ldc + col, Bf16.round(ci));
                gc = Math.fma(ci, rowWeight.getAtIndex(JAVA_FLOAT, i), gc);
            }
            g.setAtIndex(JAVA_FLOAT, gOff + col, gc);
        }
    }

    private static void referenceAxpy(float alpha, MemorySegment x, long xOff, MemorySegment y, long yOff, int len) {
        for (int i = 0; i < len; i++) {
            float sum = Math.fma(x.getAtIndex(JAVA_FLOAT, xOff + i), alpha, Bf16.toFloat(y.getAtIndex(JAVA_SHORT, yOff + i)));
            y.setAtIndex(JAVA_SHORT, yOff + i, Bf16.round(sum));
        }
    }

    /** Identically seeded inputs: B and C in bf16, x, g, the row scales and weights in float32. */
    private static final class Buffers {
        final MemorySegment b, c, g, x, scale, weight;
        final int[] idx = new int[ROWS * K];
        final float[] w = new float[ROWS * K];

        Buffers(Arena arena, int len, long ld, long seed) {
            SplittableRandom random = new SplittableRandom(seed);
            long span = len + 64;
            b = halves(arena, (ROWS + 1) * (ld + 64), random);
            c = halves(arena, ROWS * (ld + 64), random);
            g = floats(arena, span, random);
            x = floats(arena, span, random);
            scale = floats(arena, ROWS, random);
            weight = floats(arena, ROWS, random);
            for (int i = 0; i < idx.length; i++) {
                idx[i] = random.nextInt(ROWS + 1);
                w[i] = (float) random.nextGaussian();
            }
        }

        private static MemorySegment floats(Arena arena, long count, SplittableRandom random) {
            return KernelTwinsTest.Buffers.random(arena, count, random);
        }

        private static MemorySegment halves(Arena arena, long count, SplittableRandom random) {
            MemorySegment s = arena.allocate(count * Short.BYTES, 64);
            for (long i = 0; i < count; i++) {
                s.setAtIndex(JAVA_SHORT, i, Bf16.round((float) random.nextGaussian()));
            }
            return s;
        }

        /** Every output buffer (C in bf16, g and x in float32) equal bit for bit. */
        void assertSame(Buffers other, String what, String mineName, String otherName) {
            MemorySegment[] mine = {c, g, x}, theirs = {other.c, other.g, other.x};
            String[] names = {"c (bf16)", "g", "x"};
            for (int k = 0; k < mine.length; k++) {
                long mismatch = mine[k].mismatch(theirs[k]);
                if (mismatch >= 0) {
                    throw new AssertionError(what + ": buffer " + names[k] + " differs at byte " + mismatch + ": "
                            + mineName + " and " + otherName);
                }
            }
        }
    }
}
