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
 *
 * <p>The twins do not share loop shapes (the vector sensitivity kernels tile rows and columns
 * differently and finish the gradient in a second pass); what makes their bits agree is that each
 * output element sees the same fused multiply-adds in the same order. That invariant is pinned on its
 * own: both sensitivity kernels are compared, bit for bit, with a reference that computes one element
 * at a time as the documented chain of FMAs, so a change of order in both twins alike still fails.
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
    /** Vector kernels whose sparse step works in column tiles of one 4-vector block (1 KiB over ROWS rows): tile edges everywhere. */
    private final Kernels tiled = KernelProvider.vector(1);

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

    @Test
    void sensitivityKernelsFollowThePerElementFmaOrder() {
        for (int len = 0; len <= 300; len++) {
            checkOrder(len, (len * 5) % 16, 1 + (len * 11) % 15, len);
        }
        for (int len : AWKWARD) {
            checkOrder(len, 7, 2, ~len);
        }
    }

    /**
     * The vector dense step packs B in panels of 256 rows and carries partial sums through C between
     * panels: inner sizes around and past a panel, against the reference, bit for bit. The largest comes
     * first, so that later calls pack A into the larger array the thread keeps (a stride from the array's
     * length instead of the call's inner size would fail here).
     */
    @Test
    void denseStepAcrossPanelsFollowsThePerElementFmaOrder() {
        int rows = 9; // two blocks of four rows and one left over
        for (int inner : new int[] {300, 127, 255, 128, 256, 129, 257}) {
            for (int cols : new int[] {64, 200}) {
                try (Arena arena = Arena.ofConfined()) {
                    SplittableRandom random = new SplittableRandom(inner * 31L + cols);
                    long lda = inner + 5, ldb = cols + 7;
                    MemorySegment a = Buffers.random(arena, rows * lda, random);
                    MemorySegment b = Buffers.random(arena, inner * ldb, random);
                    MemorySegment scale = Buffers.random(arena, rows, random), weight = Buffers.random(arena, rows, random);
                    MemorySegment[] c = new MemorySegment[3], g = new MemorySegment[3];
                    for (int t = 0; t < 3; t++) {
                        c[t] = arena.allocate((long) rows * ldb * Float.BYTES, 64);
                        g[t] = arena.allocate((long) cols * Float.BYTES, 64);
                    }
                    referenceDenseStep(a, 0, lda, rows, inner, b, 0, ldb, c[0], 0, ldb, scale, weight, g[0], 0, cols);
                    scalar.denseStep(a, 0, lda, rows, inner, b, 0, ldb, c[1], 0, ldb, scale, weight, g[1], 0, cols);
                    vector.denseStep(a, 0, lda, rows, inner, b, 0, ldb, c[2], 0, ldb, scale, weight, g[2], 0, cols);
                    for (int t = 1; t < 3; t++) {
                        String at = "denseStep inner=" + inner + " cols=" + cols + " (" + (t == 1 ? "scalar" : "vector") + ")";
                        assertEquals(-1, c[0].mismatch(c[t]), at + ": C differs from the reference");
                        assertEquals(-1, g[0].mismatch(g[t]), at + ": g differs from the reference");
                    }
                }
            }
        }
    }

    /** Scalar and vector sensitivity kernels against the one-element-at-a-time reference below. */
    private void checkOrder(int len, int off1, int off2, long seed) {
        try (Arena arena = Arena.ofConfined()) {
            String at = " len=" + len + " offsets=" + off1 + "," + off2 + " seed=" + seed;
            long ld = len + off2 + 3;
            for (Kernels kernels : new Kernels[] {scalar, vector, tiled}) {
                Buffers r = new Buffers(arena, len, off1, off2, seed);
                Buffers k = new Buffers(arena, len, off1, off2, seed);
                String who = kernels == tiled ? "vector, 1 KiB tiles" : kernels.name();
                referenceDenseStep(r.a, off1, INNER + 2, ROWS, INNER, r.b, off2, ld, r.c, off1, ld, r.scale, r.weight, r.g, off2, len);
                kernels.denseStep(k.a, off1, INNER + 2, ROWS, INNER, k.b, off2, ld, k.c, off1, ld, k.scale, k.weight, k.g, off2, len);
                r.assertSame(k, "denseStep" + at, "reference", who);
                referenceSparseStep(r.b, off1, ld, r.idx, r.wk, K, ROWS, r.scale, r.weight, r.c, off2, ld, r.g, off1, len);
                kernels.sparseStep(k.b, off1, ld, k.idx, k.wk, K, ROWS, k.scale, k.weight, k.c, off2, ld, k.g, off1, len);
                r.assertSame(k, "sparseStep" + at, "reference", who);
                referenceSubsetStep(r.b, off2, ld, K, r.wkk, r.scaleK, r.coefK, r.c, off1, ld, r.g, off2, len);
                kernels.subsetStep(k.b, off2, ld, K, k.wkk, k.scaleK, k.coefK, k.c, off1, ld, k.g, off2, len);
                r.assertSame(k, "subsetStep" + at, "reference", who);
            }
        }
    }

    private static float get(MemorySegment s, long i) {
        return s.getAtIndex(JAVA_FLOAT, i);
    }

    /**
     * {@code C[i, c] = s[i] * (FMAs over j ascending from 0)}, {@code g[c] = FMAs of C[i, c] e[i] over
     * i ascending from 0}: one element at a time, no tiling.
     */
    private static void referenceDenseStep(MemorySegment a, long aOff, long lda, int rows, int inner,
                                           MemorySegment b, long bOff, long ldb, MemorySegment c, long cOff, long ldc,
                                           MemorySegment rowScale, MemorySegment rowWeight, MemorySegment g, long gOff, int cols) {
        for (int col = 0; col < cols; col++) {
            float gc = 0f;
            for (int i = 0; i < rows; i++) {
                float ci = 0f;
                for (int j = 0; j < inner; j++) {
                    ci = Math.fma(get(a, aOff + i * lda + j), get(b, bOff + j * ldb + col), ci);
                }
                ci *= get(rowScale, i);
                c.setAtIndex(JAVA_FLOAT, cOff + i * ldc + col, ci);
                gc = Math.fma(ci, get(rowWeight, i), gc);
            }
            g.setAtIndex(JAVA_FLOAT, gOff + col, gc);
        }
    }

    /** As {@link #referenceDenseStep}, with row i summing its k sources r ascending. */
    private static void referenceSparseStep(MemorySegment b, long bOff, long ldb, int[] idx, float[] w, int k, int rows,
                                            MemorySegment rowScale, MemorySegment rowWeight,
                                            MemorySegment c, long cOff, long ldc, MemorySegment g, long gOff, int cols) {
        for (int col = 0; col < cols; col++) {
            float gc = 0f;
            for (int i = 0; i < rows; i++) {
                float ci = 0f;
                for (int r = 0; r < k; r++) {
                    ci = Math.fma(w[i * k + r], get(b, bOff + idx[i * k + r] * ldb + col), ci);
                }
                ci *= get(rowScale, i);
                c.setAtIndex(JAVA_FLOAT, cOff + i * ldc + col, ci);
                gc = Math.fma(ci, get(rowWeight, i), gc);
            }
            g.setAtIndex(JAVA_FLOAT, gOff + col, gc);
        }
    }

    /** {@code g[c]} = FMAs of B[r, c] coef[r] over r ascending; {@code C[s, c]} = FMAs of B[r, c] w[s, r], times s[s]. */
    private static void referenceSubsetStep(MemorySegment b, long bOff, long ldb, int k, float[] w, float[] rowScale,
                                            float[] coef, MemorySegment c, long cOff, long ldc, MemorySegment g, long gOff, int cols) {
        for (int col = 0; col < cols; col++) {
            float gc = 0f;
            for (int r = 0; r < k; r++) {
                gc = Math.fma(coef[r], get(b, bOff + r * ldb + col), gc);
            }
            g.setAtIndex(JAVA_FLOAT, gOff + col, gc);
            for (int s = 0; s < k; s++) {
                float cs = 0f;
                for (int r = 0; r < k; r++) {
                    cs = Math.fma(w[s * k + r], get(b, bOff + r * ldb + col), cs);
                }
                c.setAtIndex(JAVA_FLOAT, cOff + s * ldc + col, cs * rowScale[s]);
            }
        }
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
            scalar.scaleInto(0.61f, s.y, off2, s.x, off1, len);
            vector.scaleInto(0.61f, v.y, off2, v.x, off1, len);
            s.assertSame(v, "scaleInto" + at);
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
            scalar.rank1(s.wk, s.x, off1, s.c, off2, ld, ROWS, len);
            vector.rank1(v.wk, v.x, off1, v.c, off2, ld, ROWS, len);
            s.assertSame(v, "rank1" + at);
            scalar.addRows(s.wk, s.b, off1, ld, ROWS, s.y, off2, len);
            vector.addRows(v.wk, v.b, off1, ld, ROWS, v.y, off2, len);
            s.assertSame(v, "addRows" + at);
            scalar.traceStep(0.83f, -0.41f, s.x, off1, s.y, off2, 1.7f, s.z, off1, len);
            vector.traceStep(0.83f, -0.41f, v.x, off1, v.y, off2, 1.7f, v.z, off1, len);
            s.assertSame(v, "traceStep" + at);
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
    static final class Buffers {
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

        static MemorySegment random(Arena arena, long count, SplittableRandom random) {
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

        /** Every output buffer equal bit for bit, this one the scalar kernels', {@code other} the vector kernels'. */
        void assertSame(Buffers other, String what) {
            assertSame(other, what, "scalar", "vector");
        }

        /** Every output buffer equal bit for bit; {@code mineName} and {@code otherName} say whose they are. */
        void assertSame(Buffers other, String what, String mineName, String otherName) {
            MemorySegment[] mine = {x, y, z, w, c, g}, theirs = {other.x, other.y, other.z, other.w, other.c, other.g};
            String[] names = {"x", "y", "z", "w", "c", "g"};
            for (int k = 0; k < mine.length; k++) {
                long mismatch = mine[k].mismatch(theirs[k]);
                if (mismatch >= 0) {
                    long i = mismatch / Float.BYTES;
                    throw new AssertionError(what + ": buffer " + names[k] + " differs at element " + i + ": " + mineName
                            + " " + mine[k].getAtIndex(JAVA_FLOAT, i) + ", " + otherName + " " + theirs[k].getAtIndex(JAVA_FLOAT, i));
                }
            }
        }
    }
}
