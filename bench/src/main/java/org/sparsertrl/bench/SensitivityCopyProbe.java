package org.sparsertrl.bench;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

import jdk.incubator.vector.FloatVector;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.TearDown;
import org.sparsertrl.engine.cell.RnnLayout;
import org.sparsertrl.engine.memory.ModelMemory;

/**
 * The copy {@code a = b} over two buffers of the size of J at n (n rows of the vanilla cell's padded
 * parameter width, m = 4, o = 1, as StepBenchmark's networks): the rate a sparse step could move J at
 * if it read J once and wrote it once, from whichever level of the memory hierarchy J fits in (L2 at
 * n = 64, the last level cache or memory at n = 256). The buffers come from {@link ModelMemory}, as the
 * engine's J does, so they are on huge pages where the engine's are. One operation is one copy of J; the
 * report counts 8 bytes per float copied, as {@link BandwidthProbe#copy}.
 */
public class SensitivityCopyProbe extends MachineProbe {

    private static final ByteOrder ORDER = ByteOrder.nativeOrder();

    @Param({"64", "128", "256"})
    public int n;

    private ModelMemory memory;
    private MemorySegment a;
    private MemorySegment b;
    private long floats;

    @Setup(Level.Trial)
    public void setUp() {
        floats = (long) n * new RnnLayout(n, Learners.M, Learners.O).recurrentSize();
        memory = new ModelMemory();
        a = memory.allocateFloats(floats);
        b = memory.allocateFloats(floats);
        for (long i = 0; i < floats; i++) {
            b.setAtIndex(ValueLayout.JAVA_FLOAT, i, 1f);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        memory.close();
    }

    /** One copy of J; its floats per operation are n p, which JMH cannot take from a parameter: the report divides. */
    @Benchmark
    public void copy() {
        copy(b, a, floats);
    }

    /** Copies {@code floats} floats (a whole number of vectors) from {@code from} to {@code to}, a vector at a time. */
    static void copy(MemorySegment from, MemorySegment to, long floats) {
        int step = SPECIES.length();
        for (long i = 0; i < floats; i += step) {
            long offset = i * Float.BYTES;
            FloatVector.fromMemorySegment(SPECIES, from, offset, ORDER).intoMemorySegment(to, offset, ORDER);
        }
    }
}
