package org.sparsertrl.bench;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.SplittableRandom;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.CompilerControl;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.Blackhole;
import org.sparsertrl.engine.cell.RnnLayout;
import org.sparsertrl.engine.kernel.KernelProvider;
import org.sparsertrl.engine.kernel.Kernels;
import org.sparsertrl.engine.memory.ModelMemory;

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
 * hours apart. {@link #patternBf16} and {@link #kernelBf16} do the same over J stored in bfloat16 (the
 * learners' {@code Precision.BF16}): the same rows and paths moving half the bytes, in the engine's bf16
 * tiles (as many bytes of J, so twice the columns), the pattern's loads and stores as wide as the float32
 * pattern's. Their ratio to the float32 pair is the measured ceiling of the bf16 speed-up (issue 11, item
 * 3). {@link #copy} measures, in the same run and on the same buffers, the rate the shares divide by: J
 * read once and written once, as {@link SensitivityCopyProbe}, so that this part's shares stand on its own
 * run's bandwidth when it is measured apart from the rest of the suite (on a machine whose memory is
 * shared, one hour's copy rate can be half another's). One operation is one pass over J; the report turns
 * it into microseconds, or for {@link #copy} into bytes per second. Every buffer comes from
 * {@link ModelMemory}, as the engine's do, so J is on huge pages where the engine's J is.
 */
public class SparsePatternProbe extends MachineProbe {

    private static final ByteOrder ORDER = ByteOrder.nativeOrder();
    private static final int L = SPECIES.length();
    private static final long F = Float.BYTES;
    private static final long H = Short.BYTES;
    /** bf16 entries in a full vector: the bf16 pattern's loads and stores are as wide as the float32 pattern's. */
    private static final VectorSpecies<Short> WIDE = SPECIES.vectorShape().withLanes(short.class);
    /** L bf16 entries: half a vector, for the columns past the last whole one. */
    private static final VectorSpecies<Short> HALVES = VectorSpecies.of(short.class, VectorShape.forBitSize(L * Short.SIZE));
    /** bfloat16's 1.0: J's every entry in the bf16 buffers. */
    private static final short BF16_ONE = (short) 0x3F80;
    /** Source rows per output row: the sparse step's k in every target. */
    public static final int K = 4;

    @Param({"64", "128", "256"})
    public int n;

    private ModelMemory memory;
    private MemorySegment from;
    private MemorySegment to;
    private MemorySegment fromBf16;
    private MemorySegment toBf16;
    private int[] sources;
    private int width;
    private int tile;
    private int tileBf16;
    private final Kernels engine = KernelProvider.vector();
    private float[] weights;
    private MemorySegment rowScale;
    private MemorySegment rowWeight;
    private MemorySegment gradient;

    @Setup(Level.Trial)
    public void setUp(Blackhole blackhole, BenchmarkParams params) {
        width = new RnnLayout(n, Learners.M, Learners.O).recurrentSize();
        long floats = (long) n * width;
        memory = new ModelMemory();
        from = memory.allocateFloats(floats);
        to = memory.allocateFloats(floats);
        fromBf16 = memory.allocateBf16(floats);
        toBf16 = memory.allocateBf16(floats);
        for (long i = 0; i < floats; i++) {
            from.setAtIndex(ValueLayout.JAVA_FLOAT, i, 1f);
            fromBf16.setAtIndex(ValueLayout.JAVA_SHORT, i, BF16_ONE);
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
        // The engine's tiles: whole blocks of four vectors, as many columns as fit the default KiB over all rows.
        tile = engineTile(F);
        tileBf16 = engineTile(H);
        weights = new float[n * K];
        Arrays.fill(weights, 0.25f);
        rowScale = memory.allocateFloats(n);
        rowWeight = memory.allocateFloats(n);
        for (int i = 0; i < n; i++) {
            rowScale.setAtIndex(ValueLayout.JAVA_FLOAT, i, 0.5f);
            rowWeight.setAtIndex(ValueLayout.JAVA_FLOAT, i, 1f / n);
        }
        gradient = memory.allocateFloats(width);
        // Warm up the method being run (each trial runs one), its result handed to JMH's Blackhole as JMH's loop does.
        String method = params.getBenchmark().substring(params.getBenchmark().lastIndexOf('.') + 1);
        Runnable call = switch (method) {
            case "pattern" -> () -> blackhole.consume(pattern());
            case "kernel" -> this::kernel;
            case "patternBf16" -> () -> blackhole.consume(patternBf16());
            case "kernelBf16" -> this::kernelBf16;
            case "copy" -> this::copy;
            default -> throw new IllegalStateException("no warm-up for benchmark " + params.getBenchmark());
        };
        SteadyState.reach(call, "SparsePatternProbe." + method + ", n = " + n);
    }

    /** The engine's sparse tile, in columns, for entries of {@code bytes} bytes (VectorKernels.sparseTile). */
    private int engineTile(long bytes) {
        long columns = KernelProvider.DEFAULT_SPARSE_TILE_KIB * 1024L / (bytes * n);
        return (int) Math.max(4 * L, columns / (4 * L) * 4 * L);
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
        memory.close();
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

    /** {@link #pattern} over J in bf16: one pass, in the engine's bf16 tiles. */
    @Benchmark
    public float patternBf16() {
        int vectorEnd = width / L * L;
        float touched = 0f;
        for (int start = 0; start < vectorEnd; start += tileBf16) {
            int end = Math.min(start + tileBf16, vectorEnd);
            if (tileBf16 < vectorEnd) {
                touched += touchBf16(fromBf16, width, n, start, end);
            }
            rowsBf16(fromBf16, toBf16, width, sources, n, start, end);
        }
        return touched;
    }

    /**
     * J copied once from the old buffer into the new, a vector at a time: the two-pass bound's rate in this
     * run (the report counts {@code 8 n p} bytes per pass, as for SensitivityCopyProbe).
     */
    @Benchmark
    public void copy() {
        SensitivityCopyProbe.copy(from, to, (long) n * width);
    }

    /**
     * The engine's sparse kernel (vector, default tiles) over the same J and paths: the new J, with
     * weights, the row scale and the gradient's sum, exactly as a sparse k = 4 step calls it.
     */
    @Benchmark
    public void kernel() {
        engine.sparseStep(from, 0, width, sources, weights, K, n, rowScale, rowWeight, to, 0, width, gradient, 0, width);
    }

    /** {@link #kernel} over J in bf16: the engine's {@code sparseStepBf16}, as a sparse k = 4 bf16 step calls it. */
    @Benchmark
    public void kernelBf16() {
        engine.sparseStepBf16(fromBf16, 0, width, sources, weights, K, n, rowScale, rowWeight, toBf16, 0, width,
                gradient, 0, width);
    }

    /**
     * Loads columns [start, end) of every row of float32 entries, one load per 64-byte line, in order, as the
     * engine's touchTile. One method per entry size, each with a stride the JIT knows: a shared method taking
     * the entry's bytes made the float32 pattern at n = 256 some 45 % slower (12.9 against 8.4 to 9.6 ms).
     */
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

    /** {@link #touch} over bf16 entries: one load per 64-byte line, each load a whole vector's bytes. */
    @CompilerControl(CompilerControl.Mode.DONT_INLINE)
    static float touchBf16(MemorySegment b, int ld, int rows, int start, int end) {
        FloatVector sum = FloatVector.zero(SPECIES);
        int perLine = (int) (64 / H), last = end - 2 * L;
        for (int i = 0; i < rows; i++) {
            long row = (long) i * ld;
            for (int col = start; col <= last; col += perLine) {
                sum = sum.add(FloatVector.fromMemorySegment(SPECIES, b, H * (row + col), ORDER));
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

    /**
     * {@link #rows} over bf16 entries ({@code start} and {@code end} multiples of L): the sum of the K
     * source rows, bf16 bits added as 16-bit integers (the bytes, not the values, are the point), four full
     * vectors at a time, then half vectors.
     */
    @CompilerControl(CompilerControl.Mode.DONT_INLINE)
    static void rowsBf16(MemorySegment b, MemorySegment c, int ld, int[] idx, int rows, int start, int end) {
        int w = WIDE.length();
        for (int i = 0; i < rows; i++) {
            int base = i * K;
            long ci = (long) i * ld;
            int col = start;
            for (; col <= end - 4 * w; col += 4 * w) {
                ShortVector a0 = ShortVector.zero(WIDE), a1 = a0, a2 = a0, a3 = a0;
                for (int r = 0; r < K; r++) {
                    long bj = H * ((long) idx[base + r] * ld + col);
                    a0 = a0.add(ShortVector.fromMemorySegment(WIDE, b, bj, ORDER));
                    a1 = a1.add(ShortVector.fromMemorySegment(WIDE, b, bj + H * w, ORDER));
                    a2 = a2.add(ShortVector.fromMemorySegment(WIDE, b, bj + 2 * H * w, ORDER));
                    a3 = a3.add(ShortVector.fromMemorySegment(WIDE, b, bj + 3 * H * w, ORDER));
                }
                long cc = H * (ci + col);
                a0.intoMemorySegment(c, cc, ORDER);
                a1.intoMemorySegment(c, cc + H * w, ORDER);
                a2.intoMemorySegment(c, cc + 2 * H * w, ORDER);
                a3.intoMemorySegment(c, cc + 3 * H * w, ORDER);
            }
            for (; col < end; col += L) {
                ShortVector acc = ShortVector.zero(HALVES);
                for (int r = 0; r < K; r++) {
                    acc = acc.add(ShortVector.fromMemorySegment(HALVES, b, H * ((long) idx[base + r] * ld + col), ORDER));
                }
                acc.intoMemorySegment(c, H * (ci + col), ORDER);
            }
        }
    }
}
