package org.sparsertrl.harness;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.sparsertrl.engine.kernel.KernelProvider;
import org.sparsertrl.engine.kernel.Kernels;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

/**
 * Property 5: every vector kernel equals its scalar twin, for every length from 0 to 4099 and for
 * offsets that are not vector-aligned. Element-wise kernels (and the sensitivity kernels, which are
 * element-wise in their columns) must agree bit for bit; the two reductions within the classical
 * bound {@code (len + 1) u sum|a_i b_i|}, u = 2^-24.
 */
class KernelTwinsTest {

    static final int MAX_LENGTH = 4099;
    static final int[] AWKWARD = {0, 1, 13, 207, 1021, 4098, 4099};
    /** Rows of the sensitivity kernels: a block of four and a remainder. */
    static final int ROWS = 5;
    static final int INNER = 3;
    static final int K = 3;

    private final Kernels scalar = KernelProvider.scalar();
    private final Kernels vector = KernelProvider.vector();

    @Test
    void everyLengthFromZeroTo4099WithUnalignedOffsets() {
        assertTrue(vector.lanes() > 1, "vector kernels must use vectors");
        for (int len = 0; len <= MAX_LENGTH; len++) {
            check(len, (len * 7) % 16, 1 + (len * 3) % 15, len);
        }
    }

    @Test
    void randomLengthsAndOffsets() {
        for (int len : AWKWARD) {
            check(len, 3, 5, len);
        }
        qt().withExamples(200).forAll(
                integers().between(0, MAX_LENGTH), integers().between(0, 63), integers().between(0, 63), longs().all()
        ).checkAssert((len, off1, off2, seed) -> check(len, off1, off2, seed));
    }

    private void check(int len, int off1, int off2, long seed) {
        try (Arena arena = Arena.ofConfined()) {
            Buffers s = new Buffers(arena, len, off1, off2, seed);
            Buffers v = new Buffers(arena, len, off1, off2, seed);
            String at = " len=" + len + " offsets=" + off1 + "," + off2 + " seed=" + seed;

            float ds = scalar.dot(s.x, off1, s.y, off2, len), dv = vector.dot(v.x, off1, v.y, off2, len);
            assertEquals(ds, dv, reductionBound(s.x, off1, s.y, off2, len), "dot" + at);
            float qs = scalar.sumOfSquares(s.x, off1, len), qv = vector.sumOfSquares(v.x, off1, len);
            assertEquals(qs, qv, reductionBound(s.x, off1, s.x, off1, len), "sumOfSquares" + at);

            scalar.axpy(0.37f, s.x, off1, s.y, off2, len);
            vector.axpy(0.37f, v.x, off1, v.y, off2, len);
            s.assertSame(v, "axpy" + at);
            scalar.scale(-1.3f, s.y, off2, len);
            vector.scale(-1.3f, v.y, off2, len);
            s.assertSame(v, "scale" + at);
            scalar.momentum(s.x, s.y, s.z, off1, len, 0.01f, 0.9f);
            vector.momentum(v.x, v.y, v.z, off1, len, 0.01f, 0.9f);
            s.assertSame(v, "momentum" + at);
            scalar.adam(s.x, s.y, s.z, s.w, off2, len, 0.9f, 0.999f, 0.01f, 3.1f, 1e-8f);
            vector.adam(v.x, v.y, v.z, v.w, off2, len, 0.9f, 0.999f, 0.01f, 3.1f, 1e-8f);
            s.assertSame(v, "adam" + at);
            scalar.rmsprop(s.x, s.y, s.w, off1, len, 0.01f, 0.99f, 1e-8f);
            vector.rmsprop(v.x, v.y, v.w, off1, len, 0.01f, 0.99f, 1e-8f);
            s.assertSame(v, "rmsprop" + at);

            long ld = len + off2 + 3; // row stride that is not a multiple of the vector length
            scalar.denseStep(s.a, off1, INNER + 2, ROWS, INNER, s.b, off2, ld, s.c, off1, ld, s.scale, s.weight, s.g, off2, len);
            vector.denseStep(v.a, off1, INNER + 2, ROWS, INNER, v.b, off2, ld, v.c, off1, ld, v.scale, v.weight, v.g, off2, len);
            s.assertSame(v, "denseStep" + at);
            scalar.sparseStep(s.b, off1, ld, s.idx, s.wk, K, ROWS, s.scale, s.weight, s.c, off2, ld, s.g, off1, len);
            vector.sparseStep(v.b, off1, ld, v.idx, v.wk, K, ROWS, v.scale, v.weight, v.c, off2, ld, v.g, off1, len);
            s.assertSame(v, "sparseStep" + at);
            scalar.subsetStep(s.b, off2, ld, K, s.wkk, s.scaleK, s.coefK, s.c, off1, ld, s.g, off2, len);
            vector.subsetStep(v.b, off2, ld, K, v.wkk, v.scaleK, v.coefK, v.c, off1, ld, v.g, off2, len);
            s.assertSame(v, "subsetStep" + at);

            scalar.fill(s.y, off1, len, 2.5f);
            vector.fill(v.y, off1, len, 2.5f);
            s.assertSame(v, "fill" + at);
        }
    }

    /** The worst-case rounding of a float sum of len products, (len + 1) u sum |a_i b_i|. */
    private static double reductionBound(MemorySegment a, long aOff, MemorySegment b, long bOff, int len) {
        double sum = 0;
        for (int i = 0; i < len; i++) {
            sum += Math.abs((double) a.getAtIndex(JAVA_FLOAT, aOff + i) * b.getAtIndex(JAVA_FLOAT, bOff + i));
        }
        return (len + 1) * 0x1p-24 * sum;
    }

    /** Identically seeded inputs for one implementation. */
    private static final class Buffers {
        final MemorySegment x, y, z, w, a, b, c, g, scale, weight;
        final int[] idx = new int[ROWS * K];
        final float[] wk = new float[ROWS * K], wkk = new float[K * K], scaleK = new float[K], coefK = new float[K];

        Buffers(Arena arena, int len, int off1, int off2, long seed) {
            SplittableRandom random = new SplittableRandom(seed);
            int span = len + 64;
            x = random(arena, span, random);
            y = random(arena, span, random);
            z = random(arena, span, random);
            w = abs(random(arena, span, random)); // second moments are non-negative
            a = random(arena, ROWS * (INNER + 2) + 64, random);
            long rowsOfB = Math.max(INNER, ROWS + 1);
            b = random(arena, rowsOfB * (span + 3), random);
            c = random(arena, (long) ROWS * (span + 3) + 64, random);
            g = random(arena, span, random);
            scale = random(arena, ROWS, random);
            weight = random(arena, ROWS, random);
            for (int i = 0; i < idx.length; i++) {
                idx[i] = random.nextInt(ROWS + 1);
                wk[i] = (float) random.nextGaussian();
            }
            for (int i = 0; i < wkk.length; i++) {
                wkk[i] = (float) random.nextGaussian();
            }
            for (int i = 0; i < K; i++) {
                scaleK[i] = (float) random.nextGaussian();
                coefK[i] = (float) random.nextGaussian();
            }
        }

        private static MemorySegment random(Arena arena, long count, SplittableRandom random) {
            MemorySegment s = arena.allocate(count * Float.BYTES, 64);
            for (long i = 0; i < count; i++) {
                s.setAtIndex(JAVA_FLOAT, i, (float) random.nextGaussian());
            }
            return s;
        }

        private static MemorySegment abs(MemorySegment s) {
            for (long i = 0; i < s.byteSize() / Float.BYTES; i++) {
                s.setAtIndex(JAVA_FLOAT, i, Math.abs(s.getAtIndex(JAVA_FLOAT, i)));
            }
            return s;
        }

        /** Every output buffer equal bit for bit. */
        void assertSame(Buffers other, String what) {
            MemorySegment[] mine = {x, y, z, w, c, g}, theirs = {other.x, other.y, other.z, other.w, other.c, other.g};
            String[] names = {"x", "y", "z", "w", "c", "g"};
            for (int k = 0; k < mine.length; k++) {
                long mismatch = mine[k].mismatch(theirs[k]);
                if (mismatch >= 0) {
                    long i = mismatch / Float.BYTES;
                    throw new AssertionError(what + ": buffer " + names[k] + " differs at element " + i + ": scalar "
                            + mine[k].getAtIndex(JAVA_FLOAT, i) + ", vector " + theirs[k].getAtIndex(JAVA_FLOAT, i));
                }
            }
        }
    }
}
