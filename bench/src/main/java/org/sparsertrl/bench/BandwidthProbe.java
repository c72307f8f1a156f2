package org.sparsertrl.bench;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

import jdk.incubator.vector.FloatVector;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The machine's memory bandwidth from Java: a STREAM-style triad {@code a = b + s c} over three
 * off-heap arrays of 128 MiB each, far larger than any cache, and a copy {@code a = b}. One operation is
 * one float of a; the report counts 12 bytes per float for the triad (read b and c, write a) and 8 for
 * the copy, the STREAM convention (the write-allocate read of a is not counted).
 */
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 5, time = 2)
public class BandwidthProbe extends MachineProbe {

    /** Floats per array: 128 MiB each. */
    public static final int FLOATS = 32 * 1024 * 1024;
    private static final ByteOrder ORDER = ByteOrder.nativeOrder();

    private Arena arena;
    private MemorySegment a;
    private MemorySegment b;
    private MemorySegment c;

    @Setup(Level.Trial)
    public void setUp() {
        arena = Arena.ofShared();
        a = arena.allocate((long) FLOATS * Float.BYTES, 64);
        b = arena.allocate((long) FLOATS * Float.BYTES, 64);
        c = arena.allocate((long) FLOATS * Float.BYTES, 64);
        for (long i = 0; i < FLOATS; i++) {
            b.setAtIndex(java.lang.foreign.ValueLayout.JAVA_FLOAT, i, 1f);
            c.setAtIndex(java.lang.foreign.ValueLayout.JAVA_FLOAT, i, 2f);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        arena.close();
    }

    /** STREAM copy {@code a = b}: the pattern of a sparse step (read J once, write J once), 8 bytes a float. */
    @Benchmark
    @org.openjdk.jmh.annotations.OperationsPerInvocation(FLOATS)
    public void copy() {
        int step = SPECIES.length();
        for (long i = 0; i < FLOATS; i += step) {
            long offset = i * Float.BYTES;
            FloatVector.fromMemorySegment(SPECIES, b, offset, ORDER).intoMemorySegment(a, offset, ORDER);
        }
    }

    /**
     * The copy on two threads, each over arrays of its own (JMH adds their rates): how much more
     * bandwidth a second core can draw, the ceiling of a memory-bound step split over two threads.
     */
    @Benchmark
    @org.openjdk.jmh.annotations.Threads(2)
    @org.openjdk.jmh.annotations.OperationsPerInvocation(FLOATS)
    public void copyTwoThreads() {
        copy();
    }

    @Benchmark
    @org.openjdk.jmh.annotations.OperationsPerInvocation(FLOATS)
    public void triad() {
        FloatVector s = FloatVector.broadcast(SPECIES, 3f);
        int step = SPECIES.length();
        for (long i = 0; i < FLOATS; i += step) {
            long offset = i * Float.BYTES;
            FloatVector.fromMemorySegment(SPECIES, c, offset, ORDER)
                    .fma(s, FloatVector.fromMemorySegment(SPECIES, b, offset, ORDER))
                    .intoMemorySegment(a, offset, ORDER);
        }
    }
}
