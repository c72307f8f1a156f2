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
 * <p>Shape of every kernel: a main loop over several vectors of columns, a one-vector remainder, and
 * a scalar tail that repeats the scalar twin's arithmetic. Rows are padded to whole vectors in the
 * engine's buffers, so the tails run only on the awkward lengths the tests throw at them.
 *
 * <p>Two rules keep these kernels allocation-free, and both are about C2's inliner:
 * <ul>
 *   <li>Vectors never cross a method boundary of ours: no helper takes or returns a vector. The JDK
 *       marks its vector methods force-inline; a method of ours is inlined only while the caller is
 *       under C2's node-count cutoff, and a vector passed to or from a call that was not inlined is
 *       boxed: an allocation per call on the hot path.</li>
 *   <li>No method holds more than one register block. Large kernels are a driver loop over small
 *       per-tile methods ({@code denseBlock4x4}, {@code sparseRow}, ...); partial results pass
 *       through memory between them.</li>
 * </ul>
 * Only {@link KernelProvider} constructs this class, and only after checking that the incubator
 * module is present.
 */
public final class VectorKernels implements Kernels {

    /** The one species of the engine: the widest the CPU offers (512 bits, 16 floats, on AVX-512). */
    static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
    private static final int L = SPECIES.length();
    private static final ByteOrder ORDER = ByteOrder.nativeOrder();
    private static final long F = Float.BYTES;

    private final long sparseTileBytes; // J_{t-1} bytes one column tile of the sparse step spans (all rows)
    /**
     * The sum of what {@link #touchTile} loaded: a value nobody reads, stored so that the loads stay.
     * Threads that step at once overwrite it, which is harmless for the same reason.
     */
    @SuppressWarnings("unused")
    private float touched;

    /** @param sparseTileBytes see {@link KernelProvider#SPARSE_TILE_PROPERTY} */
    VectorKernels(long sparseTileBytes) {
        this.sparseTileBytes = sparseTileBytes;
    }

    @Override
    public String name() {
        return "vector";
    }

    @Override
    public int lanes() {
        return L;
    }

    @Override
    public float dot(MemorySegment a, long aOff, MemorySegment b, long bOff, int len) {
        // Four independent accumulators: an FMA has 4 cycles of latency, so one accumulator would leave
        // the FMA unit idle three cycles in four.
        FloatVector s0 = FloatVector.zero(SPECIES), s1 = s0, s2 = s0, s3 = s0;
        int i = 0;
        for (; i <= len - 4 * L; i += 4 * L) {
            long ai = F * (aOff + i), bi = F * (bOff + i);
            s0 = FloatVector.fromMemorySegment(SPECIES, a, ai, ORDER)
                    .fma(FloatVector.fromMemorySegment(SPECIES, b, bi, ORDER), s0);
            s1 = FloatVector.fromMemorySegment(SPECIES, a, ai + F * L, ORDER)
                    .fma(FloatVector.fromMemorySegment(SPECIES, b, bi + F * L, ORDER), s1);
            s2 = FloatVector.fromMemorySegment(SPECIES, a, ai + 2 * F * L, ORDER)
                    .fma(FloatVector.fromMemorySegment(SPECIES, b, bi + 2 * F * L, ORDER), s2);
            s3 = FloatVector.fromMemorySegment(SPECIES, a, ai + 3 * F * L, ORDER)
                    .fma(FloatVector.fromMemorySegment(SPECIES, b, bi + 3 * F * L, ORDER), s3);
        }
        for (; i <= len - L; i += L) {
            s0 = FloatVector.fromMemorySegment(SPECIES, a, F * (aOff + i), ORDER)
                    .fma(FloatVector.fromMemorySegment(SPECIES, b, F * (bOff + i), ORDER), s0);
        }
        // The lanes are added in lane order, not with reduceLanes(ADD): C2's intrinsic adds them in
        // another order than the Java fallback that runs before compilation (measured: they disagree in
        // the last bits), which made a run's numbers depend on when the JIT compiled this kernel.
        FloatVector lanes = s0.add(s1).add(s2.add(s3));
        float sum = 0f;
        for (int lane = 0; lane < L; lane++) {
            sum += lanes.lane(lane);
        }
        for (; i < len; i++) {
            sum = Math.fma(a.getAtIndex(JAVA_FLOAT, aOff + i), b.getAtIndex(JAVA_FLOAT, bOff + i), sum);
        }
        return sum;
    }

    @Override
    public void axpy(float alpha, MemorySegment x, long xOff, MemorySegment y, long yOff, int len) {
        FloatVector va = FloatVector.broadcast(SPECIES, alpha);
        int i = 0;
        for (; i <= len - L; i += L) {
            long yi = F * (yOff + i);
            FloatVector.fromMemorySegment(SPECIES, x, F * (xOff + i), ORDER)
                    .fma(va, FloatVector.fromMemorySegment(SPECIES, y, yi, ORDER))
                    .intoMemorySegment(y, yi, ORDER);
        }
        for (; i < len; i++) {
            y.setAtIndex(JAVA_FLOAT, yOff + i,
                    Math.fma(x.getAtIndex(JAVA_FLOAT, xOff + i), alpha, y.getAtIndex(JAVA_FLOAT, yOff + i)));
        }
    }

    @Override
    public void rank1(float[] coef, MemorySegment x, long xOff, MemorySegment y, long yOff, long ldy, int rows, int len) {
        // One call for all rows: called per row, axpy is a real call each time (C2 does not inline a kernel
        // already compiled to this size), and truncated BPTT made thousands per step. With rank1 and
        // addRows its step at n = 64 went from 57 to 34 us (tbptt-16, JMH, best of three runs).
        for (int r = 0; r < rows; r++) {
            FloatVector va = FloatVector.broadcast(SPECIES, coef[r]);
            long yr = yOff + r * ldy;
            int i = 0;
            for (; i <= len - L; i += L) {
                long yi = F * (yr + i);
                FloatVector.fromMemorySegment(SPECIES, x, F * (xOff + i), ORDER)
                        .fma(va, FloatVector.fromMemorySegment(SPECIES, y, yi, ORDER))
                        .intoMemorySegment(y, yi, ORDER);
            }
            for (; i < len; i++) {
                y.setAtIndex(JAVA_FLOAT, yr + i,
                        Math.fma(x.getAtIndex(JAVA_FLOAT, xOff + i), coef[r], y.getAtIndex(JAVA_FLOAT, yr + i)));
            }
        }
    }

    @Override
    public void addRows(float[] coef, MemorySegment a, long aOff, long lda, int rows, MemorySegment y, long yOff, int len) {
        int i = 0;
        for (; i <= len - 4 * L; i += 4 * L) {
            addRows4(coef, a, aOff + i, lda, rows, y, yOff + i);
        }
        for (; i <= len - L; i += L) {
            long yi = F * (yOff + i);
            FloatVector acc = FloatVector.fromMemorySegment(SPECIES, y, yi, ORDER);
            for (int r = 0; r < rows; r++) {
                acc = FloatVector.fromMemorySegment(SPECIES, a, F * (aOff + r * lda + i), ORDER)
                        .fma(FloatVector.broadcast(SPECIES, coef[r]), acc);
            }
            acc.intoMemorySegment(y, yi, ORDER);
        }
        for (; i < len; i++) {
            float acc = y.getAtIndex(JAVA_FLOAT, yOff + i);
            for (int r = 0; r < rows; r++) {
                acc = Math.fma(a.getAtIndex(JAVA_FLOAT, aOff + r * lda + i), coef[r], acc);
            }
            y.setAtIndex(JAVA_FLOAT, yOff + i, acc);
        }
    }

    /** {@link #addRows} over four vectors of columns starting at a0 and y0, the four sums in registers across all rows. */
    private static void addRows4(float[] coef, MemorySegment a, long a0, long lda, int rows, MemorySegment y, long y0) {
        long y1 = F * y0;
        FloatVector s0 = FloatVector.fromMemorySegment(SPECIES, y, y1, ORDER);
        FloatVector s1 = FloatVector.fromMemorySegment(SPECIES, y, y1 + F * L, ORDER);
        FloatVector s2 = FloatVector.fromMemorySegment(SPECIES, y, y1 + 2 * F * L, ORDER);
        FloatVector s3 = FloatVector.fromMemorySegment(SPECIES, y, y1 + 3 * F * L, ORDER);
        for (int r = 0; r < rows; r++) {
            FloatVector w = FloatVector.broadcast(SPECIES, coef[r]);
            long ar = F * (a0 + r * lda);
            s0 = FloatVector.fromMemorySegment(SPECIES, a, ar, ORDER).fma(w, s0);
            s1 = FloatVector.fromMemorySegment(SPECIES, a, ar + F * L, ORDER).fma(w, s1);
            s2 = FloatVector.fromMemorySegment(SPECIES, a, ar + 2 * F * L, ORDER).fma(w, s2);
            s3 = FloatVector.fromMemorySegment(SPECIES, a, ar + 3 * F * L, ORDER).fma(w, s3);
        }
        s0.intoMemorySegment(y, y1, ORDER);
        s1.intoMemorySegment(y, y1 + F * L, ORDER);
        s2.intoMemorySegment(y, y1 + 2 * F * L, ORDER);
        s3.intoMemorySegment(y, y1 + 3 * F * L, ORDER);
    }

    @Override
    public void traceStep(float decay, float gain, MemorySegment x, long xOff, MemorySegment t, long tOff,
                          float error, MemorySegment g, long gOff, int len) {
        FloatVector vd = FloatVector.broadcast(SPECIES, decay);
        FloatVector vg = FloatVector.broadcast(SPECIES, gain);
        FloatVector ve = FloatVector.broadcast(SPECIES, error);
        int i = 0;
        for (; i <= len - L; i += L) {
            long ti = F * (tOff + i), gi = F * (gOff + i);
            FloatVector tv = FloatVector.fromMemorySegment(SPECIES, x, F * (xOff + i), ORDER)
                    .fma(vg, FloatVector.fromMemorySegment(SPECIES, t, ti, ORDER).mul(vd));
            tv.intoMemorySegment(t, ti, ORDER);
            tv.fma(ve, FloatVector.fromMemorySegment(SPECIES, g, gi, ORDER)).intoMemorySegment(g, gi, ORDER);
        }
        for (; i < len; i++) {
            float tv = Math.fma(x.getAtIndex(JAVA_FLOAT, xOff + i), gain, t.getAtIndex(JAVA_FLOAT, tOff + i) * decay);
            t.setAtIndex(JAVA_FLOAT, tOff + i, tv);
            g.setAtIndex(JAVA_FLOAT, gOff + i, Math.fma(tv, error, g.getAtIndex(JAVA_FLOAT, gOff + i)));
        }
    }

    @Override
    public void scale(float alpha, MemorySegment x, long off, int len) {
        int i = 0;
        for (; i <= len - L; i += L) {
            long xi = F * (off + i);
            FloatVector.fromMemorySegment(SPECIES, x, xi, ORDER).mul(alpha).intoMemorySegment(x, xi, ORDER);
        }
        for (; i < len; i++) {
            x.setAtIndex(JAVA_FLOAT, off + i, x.getAtIndex(JAVA_FLOAT, off + i) * alpha);
        }
    }

    @Override
    public void scaleInto(float alpha, MemorySegment x, long xOff, MemorySegment y, long yOff, int len) {
        int i = 0;
        for (; i <= len - L; i += L) {
            FloatVector.fromMemorySegment(SPECIES, x, F * (xOff + i), ORDER).mul(alpha)
                    .intoMemorySegment(y, F * (yOff + i), ORDER);
        }
        for (; i < len; i++) {
            y.setAtIndex(JAVA_FLOAT, yOff + i, x.getAtIndex(JAVA_FLOAT, xOff + i) * alpha);
        }
    }

    @Override
    public void fill(MemorySegment x, long off, int len, float value) {
        FloatVector v = FloatVector.broadcast(SPECIES, value);
        int i = 0;
        for (; i <= len - L; i += L) {
            v.intoMemorySegment(x, F * (off + i), ORDER);
        }
        for (; i < len; i++) {
            x.setAtIndex(JAVA_FLOAT, off + i, value);
        }
    }

    @Override
    public float sumOfSquares(MemorySegment x, long off, int len) {
        FloatVector s0 = FloatVector.zero(SPECIES), s1 = s0, s2 = s0, s3 = s0;
        int i = 0;
        for (; i <= len - 4 * L; i += 4 * L) {
            long xi = F * (off + i);
            FloatVector v0 = FloatVector.fromMemorySegment(SPECIES, x, xi, ORDER);
            FloatVector v1 = FloatVector.fromMemorySegment(SPECIES, x, xi + F * L, ORDER);
            FloatVector v2 = FloatVector.fromMemorySegment(SPECIES, x, xi + 2 * F * L, ORDER);
            FloatVector v3 = FloatVector.fromMemorySegment(SPECIES, x, xi + 3 * F * L, ORDER);
            s0 = v0.fma(v0, s0);
            s1 = v1.fma(v1, s1);
            s2 = v2.fma(v2, s2);
            s3 = v3.fma(v3, s3);
        }
        for (; i <= len - L; i += L) {
            FloatVector v = FloatVector.fromMemorySegment(SPECIES, x, F * (off + i), ORDER);
            s0 = v.fma(v, s0);
        }
        FloatVector lanes = s0.add(s1).add(s2.add(s3));
        float sum = 0f;
        for (int lane = 0; lane < L; lane++) {
            sum += lanes.lane(lane); // in lane order, as in dot
        }
        for (; i < len; i++) {
            float v = x.getAtIndex(JAVA_FLOAT, off + i);
            sum = Math.fma(v, v, sum);
        }
        return sum;
    }

    /**
     * Rows of B per packed panel: 256 rows of four vectors (64 KiB with 16-float vectors), so that full
     * RTRL up to n = 256 (and the gated cells' 256 state rows at n = 128) packs each column block once and
     * finishes its rows in one pass, without the partial sums' round trip through C that a second panel
     * costs. The panel then outgrows a 32 KiB L1 and is read from L2, in order.
     * Measured on an AMD EPYC of family 25, model 17 (Zen 4, L1d 32 KiB; StepBenchmark and
     * GatedStepBenchmark, full RTRL, jars alternated, two rounds, A's blocks packed in both): 128-row panels
     * 98,670 and 100,601 us against 91,451 and 91,318 at n = 256; the LSTM at n = 128 108,684 and 110,222
     * against 102,816 and 101,841; 64-row panels (before A was packed) were 5 to 8 % slower than 128 at
     * n = 128 and 256. On the earlier CPU of the same name (L1d 48 KiB, where 128 rows stayed in L1) 256
     * rows had been 2 to 4 % faster at n = 256 but 7 % slower for the LSTM at n = 128. Outside JMH, best of
     * alternated runs there: packing 2, 4 or 16 column blocks at once, so that each row of J is read in
     * longer runs, was 2 to 10 % slower at n = 64, 128 and 256; writing J_t over J_{t-1} (each column block
     * is packed before it is written) was 3 % faster at n = 64 and alike at n = 128.
     */
    private static final int PANEL_ROWS = 256;

    /**
     * Each thread's copy of the current panel of B, rows contiguous. B's rows lie J's row stride apart
     * (68,096 bytes at n = 128, 267,264 at n = 256: multiples of 1 or 4 KiB plus a little), so a panel
     * read in place maps its rows onto a quarter or less of L1's sets and evicts itself; a packed panel
     * maps onto all of them. Allocated on a thread's first dense step, then reused. Measured and not kept
     * (StepBenchmark, full RTRL, jars alternated, three rounds, Zen 4): two panels, the next packed a slice
     * after each register block so that its reads of J_{t-1} overlap the blocks' FMAs, took 95,981, 96,525
     * and 96,201 us against 93,916, 92,347 and 92,064 at n = 256; 7,016, 7,588 and 6,604 against 6,652,
     * 6,703 and 7,104 at n = 128.
     */
    private static final ThreadLocal<float[]> PANEL = ThreadLocal.withInitial(() -> new float[PANEL_ROWS * 4 * L]);

    /**
     * Each thread's register tile: the 4 rows x 4 vectors a {@link #denseBlock4x4} leaves, row r's vector v
     * at float {@code (4 r + v) L}. The block stores its accumulators here, in L1 and with plain array
     * stores, and {@link #finishTile} or {@link #copyTile} moves them to C; storing them to C and then
     * reading them back to finish (the kernel before 19e8c73) wrote each line of C twice. Measured outside
     * JMH, best of runs alternated with that kernel, together with {@link #pack}'s vector copy: 155, 170 and
     * 176 GFLOP/s against 141, 144 and 160 at n = 64, 128 and 256. A block that finishes its rows in
     * registers was faster still at n = 64 (167), but its larger method fell out of C1 (out of virtual
     * registers) or past C2's inlining node limit and ran boxed, 100 times slower.
     */
    private static final ThreadLocal<float[]> TILE = ThreadLocal.withInitial(() -> new float[16 * L]);

    /**
     * Each thread's copy of A for the register blocks: rows in blocks of four, the four rows interleaved
     * (block q's element (r, j) at float {@code 4 q inner + 4 j + r}), so that each step of
     * {@link #denseBlock4x4}'s loop broadcasts from four adjacent floats of a heap array instead of four
     * rows of a segment. Packed once per call ({@link #packBlocksOfA}: the whole blocks' rows x inner floats
     * against the call's rows x inner x cols FMAs); grown, and so allocated, only when a call needs more
     * than it holds, and kept at the largest a thread has needed (256 KiB for full RTRL at n = 256, 4 MiB
     * for 1024 rows of A x 1024).
     */
    private static final ThreadLocal<float[][]> A_BLOCKS = ThreadLocal.withInitial(() -> new float[][] {new float[0]});

    /** The calling thread's {@link #A_BLOCKS} holding A's whole 4-row blocks, packed. */
    private static float[] packBlocksOfA(MemorySegment a, long aOff, long lda, int rows, int inner) {
        float[][] holder = A_BLOCKS.get();
        int floats = rows / 4 * 4 * inner;
        if (holder[0].length < floats) {
            holder[0] = new float[floats];
        }
        float[] blocks = holder[0];
        for (int i = 0; i < rows / 4 * 4; i++) {
            int q = i / 4 * 4 * inner + i % 4;
            long ai = aOff + i * lda;
            for (int j = 0; j < inner; j++) {
                blocks[q + 4 * j] = a.getAtIndex(JAVA_FLOAT, ai + j);
            }
        }
        return blocks;
    }

    @Override
    public void denseStep(MemorySegment a, long aOff, long lda, int rows, int inner,
                          MemorySegment b, long bOff, long ldb,
                          MemorySegment c, long cOff, long ldc,
                          MemorySegment rowScale, MemorySegment rowWeight,
                          MemorySegment g, long gOff, int cols) {
        int col = 0;
        float[] panel = cols >= 4 * L ? PANEL.get() : null;
        float[] tile = cols >= 4 * L ? TILE.get() : null;
        float[] blocksOfA = cols >= 4 * L ? packBlocksOfA(a, aOff, lda, rows, inner) : null;
        for (; col <= cols - 4 * L; col += 4 * L) {
            fill(g, gOff + col, 4 * L, 0f);
            // Panels of B in order of j: each output element's FMAs stay in ascending j, the partial sums
            // passing through C between panels, so the bits do not depend on the panel height.
            for (int j0 = 0; j0 < inner || j0 == 0; j0 += PANEL_ROWS) {
                int height = Math.min(PANEL_ROWS, inner - j0);
                boolean first = j0 == 0, last = j0 + height >= inner;
                pack(b, bOff + j0 * ldb + col, ldb, height, panel);
                int i = 0;
                for (; i <= rows - 4; i += 4) {
                    long ci = cOff + i * ldc + col;
                    denseBlock4x4(blocksOfA, i * inner + 4 * j0, height, panel, first, c, ci, ldc, tile);
                    if (last) {
                        finishTile(tile, c, ci, ldc, rowScale, rowWeight, i, g, gOff + col);
                    } else {
                        copyTile(tile, c, ci, ldc);
                    }
                }
                for (; i < rows; i++) {
                    denseBlock1x4(a, aOff + i * lda + j0, height, panel, first, c, cOff + i * ldc + col);
                    if (last) {
                        finishRows(c, cOff + i * ldc + col, ldc, 1, 4, rowScale, rowWeight, i, g, gOff + col);
                    }
                }
            }
        }
        for (; col <= cols - L; col += L) {
            fill(g, gOff + col, L, 0f);
            for (int i = 0; i < rows; i++) {
                denseBlock1x1(a, aOff + i * lda, inner, b, bOff + col, ldb, c, cOff + i * ldc + col);
                finishRows(c, cOff + i * ldc + col, ldc, 1, 1, rowScale, rowWeight, i, g, gOff + col);
            }
        }
        for (; col < cols; col++) {
            float g0 = 0f;
            for (int i = 0; i < rows; i++) {
                float c0 = 0f;
                long ai = aOff + i * lda;
                for (int j = 0; j < inner; j++) {
                    c0 = Math.fma(b.getAtIndex(JAVA_FLOAT, bOff + j * ldb + col), a.getAtIndex(JAVA_FLOAT, ai + j), c0);
                }
                c0 *= rowScale.getAtIndex(JAVA_FLOAT, i);
                c.setAtIndex(JAVA_FLOAT, cOff + i * ldc + col, c0);
                g0 = Math.fma(c0, rowWeight.getAtIndex(JAVA_FLOAT, i), g0);
            }
            g.setAtIndex(JAVA_FLOAT, gOff + col, g0);
        }
    }

    /**
     * Copies {@code height} rows of four vectors of B, starting at float b0, into the panel, rows
     * contiguous. Four vector loads and stores a row: MemorySegment.copy, a call into the copy stub for
     * each 256-byte row, took 9 % of a full step at n = 64 (perf, cpu-clock samples).
     */
    private static void pack(MemorySegment b, long b0, long ldb, int height, float[] panel) {
        for (int j = 0; j < height; j++) {
            long row = F * (b0 + j * ldb);
            int p = j * 4 * L;
            FloatVector.fromMemorySegment(SPECIES, b, row, ORDER).intoArray(panel, p);
            FloatVector.fromMemorySegment(SPECIES, b, row + F * L, ORDER).intoArray(panel, p + L);
            FloatVector.fromMemorySegment(SPECIES, b, row + 2 * F * L, ORDER).intoArray(panel, p + 2 * L);
            FloatVector.fromMemorySegment(SPECIES, b, row + 3 * F * L, ORDER).intoArray(panel, p + 3 * L);
        }
    }

    /**
     * Unscaled {@code T = C[i..i+3] + A[i..i+3] P} over the four vectors of columns of a packed panel P of
     * {@code height} rows (C taken as zero on the first panel), left in the register tile T (see
     * {@link #TILE}): a register block of 4 rows x 4 vectors.
     * Sixteen accumulators, four loaded vectors of P and a broadcast fit in the 32 vector registers;
     * each loaded vector of P feeds four FMAs and each broadcast four, so loads stay well under the FMA
     * rate (measured: 94 GFLOP/s of a 115 GFLOP/s peak at n = 64, where a 4 x 2 block gave 55). The
     * scaling and the gradient are finished by {@link #finishTile}: one method holding both would pass
     * C2's node limit. For the same reason the block is no larger: 5 x 4 or 6 x 4 blocks (20 or 24
     * accumulators) would still fit the registers, but C2 then stops inlining the vector operations and
     * boxes every vector (measured 4 to 10 times slower). Measured and not kept (n = 64 and 128, outside
     * JMH): a 3 x 5 block ran alike, 2 x 8 and 1 x 16 blocks 15 and 50 % slower.
     * <p>The broadcasts read A from {@link #A_BLOCKS}, the four rows' elements of each j adjacent. Reading
     * them from A's four rows in the segment instead, on an AMD EPYC of family 25, model 17 (Zen 4): the
     * block alone (a standalone copy, not in the repository, panel and A in L1), 104.5 GFLOP/s against
     * 112.8 (peak 116.9); a full RTRL step
     * (StepBenchmark, jars alternated, two rounds) 7,431 and 7,148 us against 6,858 and 6,734 at n = 128,
     * 107,235 and 102,111 against 99,836 and 99,143 at n = 256. (On the earlier CPU of the same name, A
     * packed once per step into a heap array had been within the noise.)
     */
    private static void denseBlock4x4(float[] blocksOfA, int a0, int height, float[] panel, boolean first,
                                      MemorySegment c, long c0, long ldc, float[] tile) {
        long r0 = F * c0, r1 = r0 + F * ldc, r2 = r1 + F * ldc, r3 = r2 + F * ldc;
        FloatVector c00, c01, c02, c03, c10, c11, c12, c13, c20, c21, c22, c23, c30, c31, c32, c33;
        if (first) {
            c00 = FloatVector.zero(SPECIES);
            c01 = c00; c02 = c00; c03 = c00;
            c10 = c00; c11 = c00; c12 = c00; c13 = c00;
            c20 = c00; c21 = c00; c22 = c00; c23 = c00;
            c30 = c00; c31 = c00; c32 = c00; c33 = c00;
        } else {
            c00 = FloatVector.fromMemorySegment(SPECIES, c, r0, ORDER);
            c01 = FloatVector.fromMemorySegment(SPECIES, c, r0 + F * L, ORDER);
            c02 = FloatVector.fromMemorySegment(SPECIES, c, r0 + 2 * F * L, ORDER);
            c03 = FloatVector.fromMemorySegment(SPECIES, c, r0 + 3 * F * L, ORDER);
            c10 = FloatVector.fromMemorySegment(SPECIES, c, r1, ORDER);
            c11 = FloatVector.fromMemorySegment(SPECIES, c, r1 + F * L, ORDER);
            c12 = FloatVector.fromMemorySegment(SPECIES, c, r1 + 2 * F * L, ORDER);
            c13 = FloatVector.fromMemorySegment(SPECIES, c, r1 + 3 * F * L, ORDER);
            c20 = FloatVector.fromMemorySegment(SPECIES, c, r2, ORDER);
            c21 = FloatVector.fromMemorySegment(SPECIES, c, r2 + F * L, ORDER);
            c22 = FloatVector.fromMemorySegment(SPECIES, c, r2 + 2 * F * L, ORDER);
            c23 = FloatVector.fromMemorySegment(SPECIES, c, r2 + 3 * F * L, ORDER);
            c30 = FloatVector.fromMemorySegment(SPECIES, c, r3, ORDER);
            c31 = FloatVector.fromMemorySegment(SPECIES, c, r3 + F * L, ORDER);
            c32 = FloatVector.fromMemorySegment(SPECIES, c, r3 + 2 * F * L, ORDER);
            c33 = FloatVector.fromMemorySegment(SPECIES, c, r3 + 3 * F * L, ORDER);
        }
        for (int j = 0; j < height; j++) {
            int pj = j * 4 * L, aj = a0 + 4 * j;
            FloatVector v0 = FloatVector.fromArray(SPECIES, panel, pj);
            FloatVector v1 = FloatVector.fromArray(SPECIES, panel, pj + L);
            FloatVector v2 = FloatVector.fromArray(SPECIES, panel, pj + 2 * L);
            FloatVector v3 = FloatVector.fromArray(SPECIES, panel, pj + 3 * L);
            FloatVector w = FloatVector.broadcast(SPECIES, blocksOfA[aj]);
            c00 = v0.fma(w, c00);
            c01 = v1.fma(w, c01);
            c02 = v2.fma(w, c02);
            c03 = v3.fma(w, c03);
            w = FloatVector.broadcast(SPECIES, blocksOfA[aj + 1]);
            c10 = v0.fma(w, c10);
            c11 = v1.fma(w, c11);
            c12 = v2.fma(w, c12);
            c13 = v3.fma(w, c13);
            w = FloatVector.broadcast(SPECIES, blocksOfA[aj + 2]);
            c20 = v0.fma(w, c20);
            c21 = v1.fma(w, c21);
            c22 = v2.fma(w, c22);
            c23 = v3.fma(w, c23);
            w = FloatVector.broadcast(SPECIES, blocksOfA[aj + 3]);
            c30 = v0.fma(w, c30);
            c31 = v1.fma(w, c31);
            c32 = v2.fma(w, c32);
            c33 = v3.fma(w, c33);
        }
        c00.intoArray(tile, 0);
        c01.intoArray(tile, L);
        c02.intoArray(tile, 2 * L);
        c03.intoArray(tile, 3 * L);
        c10.intoArray(tile, 4 * L);
        c11.intoArray(tile, 5 * L);
        c12.intoArray(tile, 6 * L);
        c13.intoArray(tile, 7 * L);
        c20.intoArray(tile, 8 * L);
        c21.intoArray(tile, 9 * L);
        c22.intoArray(tile, 10 * L);
        c23.intoArray(tile, 11 * L);
        c30.intoArray(tile, 12 * L);
        c31.intoArray(tile, 13 * L);
        c32.intoArray(tile, 14 * L);
        c33.intoArray(tile, 15 * L);
    }

    /**
     * Finishes a register tile (see {@link #TILE}) into C's rows i..i+3 at c0: row r scaled by s[i + r],
     * then added, weighted by e[i + r], to the gradient's four vectors at g0, rows in ascending order as
     * in {@link #finishRows}.
     */
    private static void finishTile(float[] tile, MemorySegment c, long c0, long ldc,
                                   MemorySegment rowScale, MemorySegment rowWeight, int i, MemorySegment g, long g0) {
        float s0 = rowScale.getAtIndex(JAVA_FLOAT, i);
        float s1 = rowScale.getAtIndex(JAVA_FLOAT, i + 1);
        float s2 = rowScale.getAtIndex(JAVA_FLOAT, i + 2);
        float s3 = rowScale.getAtIndex(JAVA_FLOAT, i + 3);
        FloatVector e0 = FloatVector.broadcast(SPECIES, rowWeight.getAtIndex(JAVA_FLOAT, i));
        FloatVector e1 = FloatVector.broadcast(SPECIES, rowWeight.getAtIndex(JAVA_FLOAT, i + 1));
        FloatVector e2 = FloatVector.broadcast(SPECIES, rowWeight.getAtIndex(JAVA_FLOAT, i + 2));
        FloatVector e3 = FloatVector.broadcast(SPECIES, rowWeight.getAtIndex(JAVA_FLOAT, i + 3));
        long r0 = F * c0, r1 = r0 + F * ldc, r2 = r1 + F * ldc, r3 = r2 + F * ldc;
        for (int v = 0; v < 4; v++) {
            long o = F * v * L, gv = F * g0 + o;
            FloatVector x0 = FloatVector.fromArray(SPECIES, tile, v * L).mul(s0);
            FloatVector x1 = FloatVector.fromArray(SPECIES, tile, (4 + v) * L).mul(s1);
            FloatVector x2 = FloatVector.fromArray(SPECIES, tile, (8 + v) * L).mul(s2);
            FloatVector x3 = FloatVector.fromArray(SPECIES, tile, (12 + v) * L).mul(s3);
            x0.intoMemorySegment(c, r0 + o, ORDER);
            x1.intoMemorySegment(c, r1 + o, ORDER);
            x2.intoMemorySegment(c, r2 + o, ORDER);
            x3.intoMemorySegment(c, r3 + o, ORDER);
            FloatVector sum = FloatVector.fromMemorySegment(SPECIES, g, gv, ORDER);
            sum = x3.fma(e3, x2.fma(e2, x1.fma(e1, x0.fma(e0, sum))));
            sum.intoMemorySegment(g, gv, ORDER);
        }
    }

    /** Copies a register tile (see {@link #TILE}) unscaled into four rows of C at c0: a panel's partial sums. */
    private static void copyTile(float[] tile, MemorySegment c, long c0, long ldc) {
        for (int r = 0; r < 4; r++) {
            long cr = F * (c0 + r * ldc);
            for (int v = 0; v < 4; v++) {
                FloatVector.fromArray(SPECIES, tile, (4 * r + v) * L).intoMemorySegment(c, cr + F * v * L, ORDER);
            }
        }
    }

    /** Unscaled {@code C[i] += A[i] P} over a packed panel's four vectors (rows left over from the 4-row blocks). */
    private static void denseBlock1x4(MemorySegment a, long ai, int height, float[] panel, boolean first,
                                      MemorySegment c, long ci) {
        long r = F * ci;
        FloatVector c0, c1, c2, c3;
        if (first) {
            c0 = FloatVector.zero(SPECIES);
            c1 = c0; c2 = c0; c3 = c0;
        } else {
            c0 = FloatVector.fromMemorySegment(SPECIES, c, r, ORDER);
            c1 = FloatVector.fromMemorySegment(SPECIES, c, r + F * L, ORDER);
            c2 = FloatVector.fromMemorySegment(SPECIES, c, r + 2 * F * L, ORDER);
            c3 = FloatVector.fromMemorySegment(SPECIES, c, r + 3 * F * L, ORDER);
        }
        for (int j = 0; j < height; j++) {
            int pj = j * 4 * L;
            FloatVector w = FloatVector.broadcast(SPECIES, a.getAtIndex(JAVA_FLOAT, ai + j));
            c0 = FloatVector.fromArray(SPECIES, panel, pj).fma(w, c0);
            c1 = FloatVector.fromArray(SPECIES, panel, pj + L).fma(w, c1);
            c2 = FloatVector.fromArray(SPECIES, panel, pj + 2 * L).fma(w, c2);
            c3 = FloatVector.fromArray(SPECIES, panel, pj + 3 * L).fma(w, c3);
        }
        c0.intoMemorySegment(c, r, ORDER);
        c1.intoMemorySegment(c, r + F * L, ORDER);
        c2.intoMemorySegment(c, r + 2 * F * L, ORDER);
        c3.intoMemorySegment(c, r + 3 * F * L, ORDER);
    }

    /** Unscaled {@code C[i] = A[i] B} over one vector of columns. */
    private static void denseBlock1x1(MemorySegment a, long ai, int inner,
                                      MemorySegment b, long b0, long ldb, MemorySegment c, long ci) {
        FloatVector acc = FloatVector.zero(SPECIES);
        for (int j = 0; j < inner; j++) {
            acc = FloatVector.fromMemorySegment(SPECIES, b, F * (b0 + j * ldb), ORDER)
                    .fma(FloatVector.broadcast(SPECIES, a.getAtIndex(JAVA_FLOAT, ai + j)), acc);
        }
        acc.intoMemorySegment(c, F * ci, ORDER);
    }

    /**
     * Finishes {@code rows} rows of a block {@code vectors} vectors wide, stored unscaled at c0: each
     * row is scaled by s[i + r] and added, weighted by e[i + r], to the gradient, rows in ascending
     * order so each gradient sum sees them in the scalar twin's order.
     */
    private static void finishRows(MemorySegment c, long c0, long ldc, int rows, int vectors,
                                   MemorySegment rowScale, MemorySegment rowWeight, int i,
                                   MemorySegment g, long g0) {
        for (int v = 0; v < vectors; v++) {
            long gv = F * (g0 + v * L);
            FloatVector sum = FloatVector.fromMemorySegment(SPECIES, g, gv, ORDER);
            for (int r = 0; r < rows; r++) {
                long cr = F * (c0 + r * ldc + v * L);
                FloatVector scaled = FloatVector.fromMemorySegment(SPECIES, c, cr, ORDER)
                        .mul(rowScale.getAtIndex(JAVA_FLOAT, i + r));
                scaled.intoMemorySegment(c, cr, ORDER);
                sum = scaled.fma(FloatVector.broadcast(SPECIES, rowWeight.getAtIndex(JAVA_FLOAT, i + r)), sum);
            }
            sum.intoMemorySegment(g, gv, ORDER);
        }
    }

    @Override
    public void sparseStep(MemorySegment b, long bOff, long ldb, int[] idx, float[] w, int k, int rows,
                           MemorySegment rowScale, MemorySegment rowWeight,
                           MemorySegment c, long cOff, long ldc,
                           MemorySegment g, long gOff, int cols) {
        // Column tiles of J_{t-1} (every source row's segment of it) small enough to stay in L2 while the
        // tile's rows are built, so each source segment comes from memory once per tile and its other
        // k - 1 reads hit cache. A tile is first loaded into cache by one pass over its source rows in
        // order (touchTile): the k-fold reads that follow land on random rows, which the hardware
        // prefetcher cannot foresee, while the touch pass streams. Within a tile, row by row (sparseRows).
        // StepBenchmark, sparse-4, best of three interleaved runs against 16 MiB tiles without the touch
        // pass: n = 256 10,987 against 13,281 us, n = 128 1,029 against 1,394, n = 64 104 alike (bf16:
        // 8,254 against 10,449 us at n = 256, 819 against 771 at n = 128). Rows ascend within every
        // tile, so each gradient sum sees the rows in the scalar twin's order and the bits do not depend
        // on the tile.
        int vectorEnd = cols / L * L;
        int tile = sparseTile(rows, F);
        int sources = tile < vectorEnd ? sourceRows(idx, rows * k) : 0;
        fill(g, gOff, vectorEnd, 0f);
        for (int start = 0; start < vectorEnd; start += tile) {
            int end = Math.min(start + tile, vectorEnd);
            if (tile < vectorEnd) {
                touchTile(b, bOff, ldb, sources, F, start, end);
            }
            sparseRows(b, bOff, ldb, idx, w, k, rows, rowScale, rowWeight, c, cOff, ldc, g, gOff, start, end);
        }
        for (int col = vectorEnd; col < cols; col++) {
            float g0 = 0f;
            for (int i = 0; i < rows; i++) {
                float c0 = 0f;
                for (int r = 0; r < k; r++) {
                    c0 = Math.fma(b.getAtIndex(JAVA_FLOAT, bOff + idx[i * k + r] * ldb + col), w[i * k + r], c0);
                }
                c0 *= rowScale.getAtIndex(JAVA_FLOAT, i);
                c.setAtIndex(JAVA_FLOAT, cOff + i * ldc + col, c0);
                g0 = Math.fma(c0, rowWeight.getAtIndex(JAVA_FLOAT, i), g0);
            }
            g.setAtIndex(JAVA_FLOAT, gOff + col, g0);
        }
    }

    /**
     * Columns per tile of the sparse step for {@code rows} rows of {@code bytes}-byte entries: a whole
     * number of 4-vector blocks, at least one.
     */
    private int sparseTile(int rows, long bytes) {
        long columns = sparseTileBytes / (bytes * Math.max(rows, 1));
        long blocks = Math.max(1, columns / (4 * L));
        return (int) Math.min(Integer.MAX_VALUE / 2, blocks * 4 * L);
    }

    /** Rows of B a sparse step reads: one more than the largest of its {@code count} source indices. */
    private static int sourceRows(int[] idx, int count) {
        int max = -1;
        for (int i = 0; i < count; i++) {
            max = Math.max(max, idx[i]);
        }
        return max + 1;
    }

    /**
     * Loads columns {@code [start, end)} of B's first {@code rows} rows ({@code bytes}-byte entries) into
     * cache, row by row, one load per 64-byte line; the loads' sum goes to {@link #touched} so that the
     * JIT keeps them.
     */
    private void touchTile(MemorySegment b, long bOff, long ldb, int rows, long bytes, int start, int end) {
        int perLine = (int) (64 / bytes), last = end - (int) (F * L / bytes); // entries a line; the last whole vector
        FloatVector sum = FloatVector.zero(SPECIES);
        for (int i = 0; i < rows; i++) {
            long row = bOff + i * ldb;
            for (int col = start; col <= last; col += perLine) {
                sum = sum.add(FloatVector.fromMemorySegment(SPECIES, b, bytes * (row + col), ORDER));
            }
        }
        touched = sum.reduceLanes(VectorOperators.ADD);
    }

    /**
     * Every row over columns {@code [start, end)} (both multiples of the vector length), in ascending order:
     * {@code C[i] = s[i] sum_r w[i k + r] B[idx[i k + r]]}, and {@code g += e[i] C[i]}. The row loop is
     * here, not in the caller: C2 does not inline a method this large into sparseStep, and a call per row
     * and tile cost some 3 ms a step at n = 256 with 256 KiB tiles (70,000 calls).
     */
    private static void sparseRows(MemorySegment b, long bOff, long ldb, int[] idx, float[] w, int k, int rows,
                                   MemorySegment rowScale, MemorySegment rowWeight, MemorySegment c, long cOff, long ldc,
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
                    long bj = F * (bOff + idx[base + r] * ldb + col);
                    a0 = FloatVector.fromMemorySegment(SPECIES, b, bj, ORDER).fma(wr, a0);
                    a1 = FloatVector.fromMemorySegment(SPECIES, b, bj + F * L, ORDER).fma(wr, a1);
                    a2 = FloatVector.fromMemorySegment(SPECIES, b, bj + 2 * F * L, ORDER).fma(wr, a2);
                    a3 = FloatVector.fromMemorySegment(SPECIES, b, bj + 3 * F * L, ORDER).fma(wr, a3);
                }
                long cc = F * (ci + col), gc = F * (g0 + col);
                a0 = a0.mul(s);
                a1 = a1.mul(s);
                a2 = a2.mul(s);
                a3 = a3.mul(s);
                a0.intoMemorySegment(c, cc, ORDER);
                a1.intoMemorySegment(c, cc + F * L, ORDER);
                a2.intoMemorySegment(c, cc + 2 * F * L, ORDER);
                a3.intoMemorySegment(c, cc + 3 * F * L, ORDER);
                a0.fma(e, FloatVector.fromMemorySegment(SPECIES, g, gc, ORDER)).intoMemorySegment(g, gc, ORDER);
                a1.fma(e, FloatVector.fromMemorySegment(SPECIES, g, gc + F * L, ORDER)).intoMemorySegment(g, gc + F * L, ORDER);
                a2.fma(e, FloatVector.fromMemorySegment(SPECIES, g, gc + 2 * F * L, ORDER)).intoMemorySegment(g, gc + 2 * F * L, ORDER);
                a3.fma(e, FloatVector.fromMemorySegment(SPECIES, g, gc + 3 * F * L, ORDER)).intoMemorySegment(g, gc + 3 * F * L, ORDER);
            }
            for (; col < end; col += L) {
                FloatVector acc = FloatVector.zero(SPECIES);
                for (int r = 0; r < k; r++) {
                    acc = FloatVector.fromMemorySegment(SPECIES, b, F * (bOff + idx[base + r] * ldb + col), ORDER)
                            .fma(FloatVector.broadcast(SPECIES, w[base + r]), acc);
                }
                acc = acc.mul(s);
                acc.intoMemorySegment(c, F * (ci + col), ORDER);
                long gc = F * (g0 + col);
                acc.fma(e, FloatVector.fromMemorySegment(SPECIES, g, gc, ORDER)).intoMemorySegment(g, gc, ORDER);
            }
        }
    }

    @Override
    public void subsetStep(MemorySegment b, long bOff, long ldb, int k, float[] w, float[] rowScale, float[] coef,
                           MemorySegment c, long cOff, long ldc,
                           MemorySegment g, long gOff, int cols) {
        int col = 0;
        for (; col <= cols - 4 * L; col += 4 * L) {
            combineRows4(b, bOff + col, ldb, k, coef, 0, 1f, g, gOff + col);
            for (int s = 0; s < k; s++) {
                combineRows4(b, bOff + col, ldb, k, w, s * k, rowScale[s], c, cOff + s * ldc + col);
            }
        }
        for (; col <= cols - L; col += L) {
            combineRows1(b, bOff + col, ldb, k, coef, 0, 1f, g, gOff + col);
            for (int s = 0; s < k; s++) {
                combineRows1(b, bOff + col, ldb, k, w, s * k, rowScale[s], c, cOff + s * ldc + col);
            }
        }
        for (; col < cols; col++) {
            float g0 = 0f;
            for (int r = 0; r < k; r++) {
                g0 = Math.fma(b.getAtIndex(JAVA_FLOAT, bOff + r * ldb + col), coef[r], g0);
            }
            g.setAtIndex(JAVA_FLOAT, gOff + col, g0);
            for (int s = 0; s < k; s++) {
                float c0 = 0f;
                for (int r = 0; r < k; r++) {
                    c0 = Math.fma(b.getAtIndex(JAVA_FLOAT, bOff + r * ldb + col), w[s * k + r], c0);
                }
                c.setAtIndex(JAVA_FLOAT, cOff + s * ldc + col, c0 * rowScale[s]);
            }
        }
    }

    /** {@code out = scale * sum_{r < k} coef[base + r] B[r]} over four vectors of columns. */
    private static void combineRows4(MemorySegment b, long b0, long ldb, int k, float[] coef, int base, float scale,
                                     MemorySegment out, long o0) {
        FloatVector a0 = FloatVector.zero(SPECIES), a1 = a0, a2 = a0, a3 = a0;
        for (int r = 0; r < k; r++) {
            FloatVector cr = FloatVector.broadcast(SPECIES, coef[base + r]);
            long br = F * (b0 + r * ldb);
            a0 = FloatVector.fromMemorySegment(SPECIES, b, br, ORDER).fma(cr, a0);
            a1 = FloatVector.fromMemorySegment(SPECIES, b, br + F * L, ORDER).fma(cr, a1);
            a2 = FloatVector.fromMemorySegment(SPECIES, b, br + 2 * F * L, ORDER).fma(cr, a2);
            a3 = FloatVector.fromMemorySegment(SPECIES, b, br + 3 * F * L, ORDER).fma(cr, a3);
        }
        long oi = F * o0;
        a0.mul(scale).intoMemorySegment(out, oi, ORDER);
        a1.mul(scale).intoMemorySegment(out, oi + F * L, ORDER);
        a2.mul(scale).intoMemorySegment(out, oi + 2 * F * L, ORDER);
        a3.mul(scale).intoMemorySegment(out, oi + 3 * F * L, ORDER);
    }

    /** {@code out = scale * sum_{r < k} coef[base + r] B[r]} over one vector of columns. */
    private static void combineRows1(MemorySegment b, long b0, long ldb, int k, float[] coef, int base, float scale,
                                     MemorySegment out, long o0) {
        FloatVector acc = FloatVector.zero(SPECIES);
        for (int r = 0; r < k; r++) {
            acc = FloatVector.fromMemorySegment(SPECIES, b, F * (b0 + r * ldb), ORDER)
                    .fma(FloatVector.broadcast(SPECIES, coef[base + r]), acc);
        }
        acc.mul(scale).intoMemorySegment(out, F * o0, ORDER);
    }

    @Override
    public void momentum(MemorySegment p, MemorySegment g, MemorySegment v, long off, int len, float lr, float mu) {
        FloatVector vmu = FloatVector.broadcast(SPECIES, mu), vlr = FloatVector.broadcast(SPECIES, -lr);
        int i = 0;
        for (; i <= len - L; i += L) {
            long o = F * (off + i);
            FloatVector vi = FloatVector.fromMemorySegment(SPECIES, v, o, ORDER)
                    .fma(vmu, FloatVector.fromMemorySegment(SPECIES, g, o, ORDER));
            vi.intoMemorySegment(v, o, ORDER);
            vi.fma(vlr, FloatVector.fromMemorySegment(SPECIES, p, o, ORDER)).intoMemorySegment(p, o, ORDER);
        }
        for (; i < len; i++) {
            long o = off + i;
            float vi = Math.fma(v.getAtIndex(JAVA_FLOAT, o), mu, g.getAtIndex(JAVA_FLOAT, o));
            v.setAtIndex(JAVA_FLOAT, o, vi);
            p.setAtIndex(JAVA_FLOAT, o, Math.fma(vi, -lr, p.getAtIndex(JAVA_FLOAT, o)));
        }
    }

    @Override
    public void adam(MemorySegment p, MemorySegment g, MemorySegment m, MemorySegment v, long off, int len,
                     float beta1, float beta2, float stepSize, float invSqrtBias2, float eps) {
        float oneMinusBeta1 = 1f - beta1, oneMinusBeta2 = 1f - beta2;
        FloatVector b1 = FloatVector.broadcast(SPECIES, beta1), b2 = FloatVector.broadcast(SPECIES, beta2);
        FloatVector ob1 = FloatVector.broadcast(SPECIES, oneMinusBeta1), ob2 = FloatVector.broadcast(SPECIES, oneMinusBeta2);
        FloatVector step = FloatVector.broadcast(SPECIES, -stepSize), bias = FloatVector.broadcast(SPECIES, invSqrtBias2);
        FloatVector ve = FloatVector.broadcast(SPECIES, eps);
        int i = 0;
        for (; i <= len - L; i += L) {
            long o = F * (off + i);
            FloatVector gi = FloatVector.fromMemorySegment(SPECIES, g, o, ORDER);
            FloatVector mi = gi.fma(ob1, FloatVector.fromMemorySegment(SPECIES, m, o, ORDER).mul(b1));
            FloatVector vi = gi.mul(gi).fma(ob2, FloatVector.fromMemorySegment(SPECIES, v, o, ORDER).mul(b2));
            mi.intoMemorySegment(m, o, ORDER);
            vi.intoMemorySegment(v, o, ORDER);
            FloatVector denom = vi.lanewise(VectorOperators.SQRT).fma(bias, ve);
            mi.div(denom).fma(step, FloatVector.fromMemorySegment(SPECIES, p, o, ORDER)).intoMemorySegment(p, o, ORDER);
        }
        for (; i < len; i++) {
            long o = off + i;
            float gi = g.getAtIndex(JAVA_FLOAT, o);
            float mi = Math.fma(gi, oneMinusBeta1, m.getAtIndex(JAVA_FLOAT, o) * beta1);
            float vi = Math.fma(gi * gi, oneMinusBeta2, v.getAtIndex(JAVA_FLOAT, o) * beta2);
            m.setAtIndex(JAVA_FLOAT, o, mi);
            v.setAtIndex(JAVA_FLOAT, o, vi);
            float denom = Math.fma((float) Math.sqrt(vi), invSqrtBias2, eps);
            p.setAtIndex(JAVA_FLOAT, o, Math.fma(mi / denom, -stepSize, p.getAtIndex(JAVA_FLOAT, o)));
        }
    }

    @Override
    public void rmsprop(MemorySegment p, MemorySegment g, MemorySegment v, long off, int len,
                        float lr, float rho, float eps) {
        float oneMinusRho = 1f - rho;
        FloatVector vr = FloatVector.broadcast(SPECIES, rho), vor = FloatVector.broadcast(SPECIES, oneMinusRho);
        FloatVector ve = FloatVector.broadcast(SPECIES, eps), vlr = FloatVector.broadcast(SPECIES, -lr);
        int i = 0;
        for (; i <= len - L; i += L) {
            long o = F * (off + i);
            FloatVector gi = FloatVector.fromMemorySegment(SPECIES, g, o, ORDER);
            FloatVector vi = gi.mul(gi).fma(vor, FloatVector.fromMemorySegment(SPECIES, v, o, ORDER).mul(vr));
            vi.intoMemorySegment(v, o, ORDER);
            gi.div(vi.lanewise(VectorOperators.SQRT).add(ve))
                    .fma(vlr, FloatVector.fromMemorySegment(SPECIES, p, o, ORDER)).intoMemorySegment(p, o, ORDER);
        }
        for (; i < len; i++) {
            long o = off + i;
            float gi = g.getAtIndex(JAVA_FLOAT, o);
            float vi = Math.fma(gi * gi, oneMinusRho, v.getAtIndex(JAVA_FLOAT, o) * rho);
            v.setAtIndex(JAVA_FLOAT, o, vi);
            p.setAtIndex(JAVA_FLOAT, o, Math.fma(gi / ((float) Math.sqrt(vi) + eps), -lr, p.getAtIndex(JAVA_FLOAT, o)));
        }
    }

    // ---- bfloat16 sensitivity storage: the vector code is VectorBf16's ----

    @Override
    public void sparseStepBf16(MemorySegment b, long bOff, long ldb, int[] idx, float[] w, int k, int rows,
                               MemorySegment rowScale, MemorySegment rowWeight,
                               MemorySegment c, long cOff, long ldc,
                               MemorySegment g, long gOff, int cols) {
        // Tiles and the touch pass as in sparseStep, a tile spanning as many bytes of J_{t-1} and so twice
        // the columns; the columns past the last whole vector go through the scalar twin's code, row by row.
        int vectorEnd = cols / L * L;
        int tile = sparseTile(rows, Short.BYTES);
        int sources = tile < vectorEnd ? sourceRows(idx, rows * k) : 0;
        fill(g, gOff, cols, 0f);
        for (int start = 0; start < vectorEnd; start += tile) {
            int end = Math.min(start + tile, vectorEnd);
            if (tile < vectorEnd) {
                touchTile(b, bOff, ldb, sources, Short.BYTES, start, end);
            }
            VectorBf16.sparseRows(b, bOff, ldb, idx, w, k, rows, rowScale, rowWeight, c, cOff, ldc, g, gOff, start, end);
        }
        for (int i = 0; vectorEnd < cols && i < rows; i++) {
            ScalarKernels.sparseRowBf16(b, bOff, ldb, idx, w, i * k, k, rowScale.getAtIndex(JAVA_FLOAT, i),
                    rowWeight.getAtIndex(JAVA_FLOAT, i), c, cOff + i * ldc, g, gOff, vectorEnd, cols);
        }
    }

    @Override
    public void denseStepBf16(MemorySegment a, long aOff, long lda, int rows, int inner,
                              MemorySegment b, long bOff, long ldb,
                              MemorySegment c, long cOff, long ldc,
                              MemorySegment rowScale, MemorySegment rowWeight,
                              MemorySegment g, long gOff, int cols, MemorySegment scratch, long scratchOff) {
        // denseStep's panels and register blocks, with B's panels widened to float32 as they are packed and
        // C's partial sums in the float32 scratch (row i at float i * 4L); the scratch is finished into bf16
        // C and the gradient once its last panel is in. Columns past the last 4-vector block: one vector at a
        // time, then the scalar twin's code.
        fill(g, gOff, cols, 0f);
        int col = 0;
        if (cols >= 4 * L) {
            float[] panel = PANEL.get();
            float[] tile = TILE.get();
            float[] blocksOfA = packBlocksOfA(a, aOff, lda, rows, inner);
            for (; col <= cols - 4 * L; col += 4 * L) {
                for (int j0 = 0; j0 < inner || j0 == 0; j0 += PANEL_ROWS) {
                    int height = Math.min(PANEL_ROWS, inner - j0);
                    boolean first = j0 == 0;
                    VectorBf16.pack(b, bOff + j0 * ldb + col, ldb, height, panel);
                    int i = 0;
                    for (; i <= rows - 4; i += 4) {
                        long si = scratchOff + (long) i * 4 * L;
                        denseBlock4x4(blocksOfA, i * inner + 4 * j0, height, panel, first, scratch, si, 4 * L, tile);
                        copyTile(tile, scratch, si, 4 * L);
                    }
                    for (; i < rows; i++) {
                        denseBlock1x4(a, aOff + i * lda + j0, height, panel, first, scratch, scratchOff + (long) i * 4 * L);
                    }
                }
                VectorBf16.finishStrip(scratch, scratchOff, rows, rowScale, rowWeight, c, cOff + col, ldc, g, gOff + col);
            }
        }
        for (; col <= cols - L; col += L) {
            VectorBf16.denseColumns(a, aOff, lda, rows, inner, b, bOff + col, ldb, rowScale, rowWeight, c, cOff + col, ldc,
                    g, gOff + col);
        }
        for (int i = 0; col < cols && i < rows; i++) {
            ScalarKernels.denseRowBf16(a, aOff + i * lda, inner, b, bOff, ldb, rowScale.getAtIndex(JAVA_FLOAT, i),
                    rowWeight.getAtIndex(JAVA_FLOAT, i), c, cOff + i * ldc, g, gOff, col, cols);
        }
    }

    @Override
    public void subsetStepBf16(MemorySegment b, long bOff, long ldb, int k, float[] w, float[] rowScale, float[] coef,
                               MemorySegment c, long cOff, long ldc,
                               MemorySegment g, long gOff, int cols) {
        int vectorEnd = cols / L * L;
        VectorBf16.subsetColumns(b, bOff, ldb, k, w, rowScale, coef, c, cOff, ldc, g, gOff, vectorEnd);
        ScalarKernels.subsetColumnsBf16(b, bOff, ldb, k, w, rowScale, coef, c, cOff, ldc, g, gOff, vectorEnd, cols);
    }

    @Override
    public void axpyBf16(float alpha, MemorySegment x, long xOff, MemorySegment y, long yOff, int len) {
        VectorBf16.axpy(alpha, x, xOff, y, yOff, len);
    }
}
