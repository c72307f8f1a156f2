package org.sparsertrl.bench;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.SplittableRandom;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.CompilerControl;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.TearDown;
import org.sparsertrl.engine.cell.RnnLayout;
import org.sparsertrl.engine.kernel.KernelProvider;
import org.sparsertrl.engine.kernel.Kernels;

/**
 * The sparse step's memory accesses with none of its arithmetic but the sums: the measured ceiling of
 * the two-pass bound's share (issue 11, item 2). Over J at n (n rows of the vanilla cell's padded
 * parameter width p, as {@link SensitivityCopyProbe}), each row i of the new J is the sum of k = 4 rows
 * of the old one, chosen at random once (distinct, seed 1), read a vector at a time and stored once:
 * k loads and a store per output vector, as the engine's sparse step, in the engine's column tiles
 * ({@link KernelProvider#DEFAULT_SPARSE_TILE_KIB} KiB of the old J each, every source row touched once
 * in order before the tile's rows are built, as its {@code touchTile} does). What the engine's step adds
 * to this (the weights, the row scale, the gradient, the cell, the readout and the optimizer) can only
 * make it slower, so where this probe itself falls short of the bound, the bound cannot be reached here.
 * Beside it, in the same run and on the same buffers and paths, {@link #kernel} times the engine's own
 * sparse kernel (the step's O(k n p) part): the ceiling and what reaches it, measured side by side, not
 * hours apart. One operation is one pass over J; the report turns it into microseconds.
 */
public class SparsePatternProbe extends MachineProbe {

    private static final ByteOrder ORDER = ByteOrder.nativeOrder();
    private static final int L = SPECIES.length();
    private static final long F = Float.BYTES;
    /** Source rows per output row: the sparse step's k in every target. */
    public static final int K = 4;

    @Param({"64", "128", "256"})
    public int n;

    private Arena arena;
    private MemorySegment from;
    private MemorySegment to;
    private int[] sources;
    private int width;
    private int tile;
    private final Kernels engine = KernelProvider.vector();
    private float[] weights;
    private MemorySegment rowScale;
    private MemorySegment rowWeight;
    private MemorySegment gradient;

    @Setup(Level.Trial)
    public void setUp() {
        width = new RnnLayout(n, Learners.M, Learners.O).recurrentSize();
        long floats = (long) n * width;
        arena = Arena.ofShared();
        from = arena.allocate(floats * F, 64);
        to = arena.allocate(floats * F, 64);
        for (long i = 0; i < floats; i++) {
            from.setAtIndex(ValueLayout.JAVA_FLOAT, i, 1f);
        }
        SplittableRandom random = new SplittableRandom(1);
        sources = new int[n * K];
        for (int i = 0; i < n; i++) {
            for (int r = 0; r < K; r++) {
                int j;
                do {
                    j = random.nextInt(n);
                } while (chosen(i, r, j));
                sources[i * K + r] = j;
            }
        }
        // The engine's tile: whole blocks of four vectors, as many columns as fit the default KiB over all rows.
        long columns = KernelProvider.DEFAULT_SPARSE_TILE_KIB * 1024L / (F * n);
        tile = (int) Math.max(4 * L, columns / (4 * L) * 4 * L);
        weights = new float[n * K];
        Arrays.fill(weights, 0.25f);
        rowScale = arena.allocate(n * F, 64);
        rowWeight = arena.allocate(n * F, 64);
        for (int i = 0; i < n; i++) {
            rowScale.setAtIndex(ValueLayout.JAVA_FLOAT, i, 0.5f);
            rowWeight.setAtIndex(ValueLayout.JAVA_FLOAT, i, 1f / n);
        }
        gradient = arena.allocate(width * F, 64);
        SteadyState.reach(this::pattern, "SparsePatternProbe.pattern, n = " + n);
        SteadyState.reach(this::kernel, "SparsePatternProbe.kernel, n = " + n);
    }

    private boolean chosen(int i, int r, int j) {
        for (int s = 0; s < r; s++) {
            if (sources[i * K + s] == j) {
                return true;
            }
        }
        return false;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        arena.close();
    }

    /** One pass over J, tile by tile; returns the touch passes' sum so that the JIT keeps their loads. */
    @Benchmark
    public float pattern() {
        int vectorEnd = width / L * L;
        float touched = 0f;
        for (int start = 0; start < vectorEnd; start += tile) {
            int end = Math.min(start + tile, vectorEnd);
            if (tile < vectorEnd) {
                touched += touch(from, width, n, start, end);
            }
            rows(from, to, width, sources, n, start, end);
        }
        return touched;
    }

    /**
     * The engine's sparse kernel (vector, default tiles) over the same J and paths: the new J, with
     * weights, the row scale and the gradient's sum, exactly as a sparse k = 4 step calls it.
     */
    @Benchmark
    public void kernel() {
        engine.sparseStep(from, 0, width, sources, weights, K, n, rowScale, rowWeight, to, 0, width, gradient, 0, width);
    }

    /** Loads columns [start, end) of every row, one load per 64-byte line, in order. */
    @CompilerControl(CompilerControl.Mode.DONT_INLINE)
    static float touch(MemorySegment b, int ld, int rows, int start, int end) {
        FloatVector sum = FloatVector.zero(SPECIES);
        int perLine = (int) (64 / F), last = end - L;
        for (int i = 0; i < rows; i++) {
            long row = (long) i * ld;
            for (int col = start; col <= last; col += perLine) {
                sum = sum.add(FloatVector.fromMemorySegment(SPECIES, b, F * (row + col), ORDER));
            }
        }
        return sum.reduceLanes(VectorOperators.ADD);
    }

    /** Every row over columns [start, end): the sum of its K source rows, four vectors at a time, then one. */
    @CompilerControl(CompilerControl.Mode.DONT_INLINE)
    static void rows(MemorySegment b, MemorySegment c, int ld, int[] idx, int rows, int start, int end) {
        for (int i = 0; i < rows; i++) {
            int base = i * K;
            long ci = (long) i * ld;
            int col = start;
            for (; col <= end - 4 * L; col += 4 * L) {
                FloatVector a0 = FloatVector.zero(SPECIES), a1 = a0, a2 = a0, a3 = a0;
                for (int r = 0; r < K; r++) {
                    long bj = F * ((long) idx[base + r] * ld + col);
                    a0 = a0.add(FloatVector.fromMemorySegment(SPECIES, b, bj, ORDER));
                    a1 = a1.add(FloatVector.fromMemorySegment(SPECIES, b, bj + F * L, ORDER));
                    a2 = a2.add(FloatVector.fromMemorySegment(SPECIES, b, bj + 2 * F * L, ORDER));
                    a3 = a3.add(FloatVector.fromMemorySegment(SPECIES, b, bj + 3 * F * L, ORDER));
                }
                long cc = F * (ci + col);
                a0.intoMemorySegment(c, cc, ORDER);
                a1.intoMemorySegment(c, cc + F * L, ORDER);
                a2.intoMemorySegment(c, cc + 2 * F * L, ORDER);
                a3.intoMemorySegment(c, cc + 3 * F * L, ORDER);
            }
            for (; col < end; col += L) {
                FloatVector acc = FloatVector.zero(SPECIES);
                for (int r = 0; r < K; r++) {
                    acc = acc.add(FloatVector.fromMemorySegment(SPECIES, b, F * ((long) idx[base + r] * ld + col), ORDER));
                }
                acc.intoMemorySegment(c, F * (ci + col), ORDER);
            }
        }
    }
}
