package org.sparsertrl.bench;

import java.lang.management.ManagementFactory;

import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Bytes allocated by the benchmark thread itself during each measured iteration, and the steps it
 * took: their ratio is the allocation per step. JMH's gc profiler counts every thread of the JVM,
 * its own included, so its bytes per operation grow with the time an operation takes; this counter
 * sees only the stepping thread (workers of a two-thread trainer are covered by the tests).
 */
@State(Scope.Thread)
@AuxCounters(AuxCounters.Type.EVENTS)
public class SteppingThreadAllocation {

    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    /** Bytes the stepping thread allocated in the iteration. */
    public long allocatedBytes;

    /** Steps taken in the iteration. */
    public long steps;

    private long start;

    @Setup(Level.Iteration)
    public void begin() {
        steps = 0;
        allocatedBytes = 0;
        start = THREADS.getCurrentThreadAllocatedBytes();
    }

    @TearDown(Level.Iteration)
    public void end() {
        allocatedBytes = THREADS.getCurrentThreadAllocatedBytes() - start;
    }
}
