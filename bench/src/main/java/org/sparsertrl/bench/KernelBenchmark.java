package org.sparsertrl.bench;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.sparsertrl.engine.kernel.KernelProvider;
import org.sparsertrl.engine.kernel.Kernels;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;

/**
 * The sensitivity kernels, scalar and vector side by side, at n = 64 and a column count that is not
 * a multiple of the vector length (a row of J at n = 64, m = 4 plus 13 columns). Time per call; the
 * report derives GFLOP/s (dense) and GB/s (sparse, subset) from the shapes.
 */
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class KernelBenchmark extends StepTiming {

    /** Rows of J (n). */
    public static final int ROWS = 64;
    /** Columns: a padded row of J at n = 64, m = 4 (5184), plus 13 to leave a ragged tail. */
    public static final int COLS = 5184 + 13;
    public static final int K = 4;

    @Param({"vector", "scalar"})
    public String kernels;

    private Kernels impl;
    private Arena arena;
    private MemorySegment a;
    private MemorySegment b;
    private MemorySegment c;
    private MemorySegment g;
    private MemorySegment s;
    private MemorySegment e;
    private MemorySegment moments;  // Adam's second moments, non-negative, as long as the longest update
    private final int[] idx = new int[ROWS * K];
    private final float[] w = new float[ROWS * K];
    private final float[] wk = new float[K * K];
    private final float[] sk = new float[K];
    private final float[] ck = new float[K];

    @Setup(Level.Trial)
    public void setUp() {
        impl = KernelProvider.byName(kernels);
        arena = Arena.ofShared();
        SplittableRandom random = new SplittableRandom(1);
        a = fill(arena.allocate((long) ROWS * ROWS * 4, 64), random);
        b = fill(arena.allocate((long) ROWS * COLS * 4, 64), random);
        c = arena.allocate((long) ROWS * COLS * 4, 64);
        g = arena.allocate((long) COLS * 4, 64);
        s = fill(arena.allocate(ROWS * 4L, 64), random);
        e = fill(arena.allocate(ROWS * 4L, 64), random);
        moments = arena.allocate((long) COLS * 4, 64);
        for (long i = 0; i < COLS; i++) {
            moments.setAtIndex(JAVA_FLOAT, i, (float) (0.01 * random.nextDouble()));
        }
        for (int i = 0; i < idx.length; i++) {
            idx[i] = ((i / K) * 7 + i % K) % ROWS;
            w[i] = (float) random.nextGaussian();
        }
        for (int i = 0; i < K * K; i++) {
            wk[i] = (float) random.nextGaussian();
        }
    }

    private static MemorySegment fill(MemorySegment m, SplittableRandom random) {
        for (long i = 0; i < m.byteSize() / 4; i++) {
            m.setAtIndex(JAVA_FLOAT, i, (float) random.nextGaussian() * 0.1f);
        }
        return m;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        arena.close();
    }

    /** C = diag(s) A B over 64 x 64 times 64 x COLS: 2 * 64 * 64 * COLS flops. */
    @Benchmark
    public MemorySegment dense() {
        impl.denseStep(a, 0, ROWS, ROWS, ROWS, b, 0, COLS, c, 0, COLS, s, e, g, 0, COLS);
        return c;
    }

    /** 64 rows from 4 source rows each: reads 64 x COLS floats once, writes as many. */
    @Benchmark
    public MemorySegment sparse() {
        impl.sparseStep(b, 0, COLS, idx, w, K, ROWS, s, e, c, 0, COLS, g, 0, COLS);
        return c;
    }

    /** 4 stored rows from 4: 4 x COLS floats read, 4 x COLS written, plus the gradient. */
    @Benchmark
    public MemorySegment subset() {
        impl.subsetStep(b, 0, COLS, K, wk, sk, ck, c, 0, COLS, g, 0, COLS);
        return c;
    }

    /** One dot product of length COLS. */
    @Benchmark
    public float dot() {
        return impl.dot(b, 0, c, 3, COLS);
    }

    /** One axpy of length COLS. */
    @Benchmark
    public MemorySegment axpy() {
        impl.axpy(0.5f, b, 1, c, 0, COLS);
        return c;
    }

    /** One Adam update of COLS parameters. */
    @Benchmark
    public MemorySegment adam() {
        impl.adam(c, b, a, moments, 0, Math.min(COLS, ROWS * ROWS) - 3, 0.9f, 0.999f, 1e-3f, 1.1f, 1e-8f);
        return c;
    }
}
