package org.sparsertrl.bench;

import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;

/**
 * Runs an operation until the JIT has settled on it, before JMH times it: the approach of the soak
 * test (SoakTest), in windows. After each window the calling thread's allocated bytes, the JVM's
 * total compilation time and the CPU time of the process's other threads are read; warm-up ends
 * after {@value #QUIET_WINDOWS} consecutive windows in which the thread allocated nothing, no
 * compilation finished and the other threads (the JIT's compiler threads above all) used at most
 * {@value #OTHER_CPU_PERCENT} % of the window, or when the time bound runs out. The last test is
 * there because the compilation time moves only when a compilation finishes: a long C2 compilation
 * of the step (seconds on a busy core) spans quiet windows otherwise, and its code, installed during
 * the measurement, showed both as a slower first iteration and as the bytes of the switch.
 *
 * <p>Why JMH's own warm-up is not enough: a method the step calls once (a kernel, the learner's step)
 * reaches C2 only after some hundreds of calls (HotSpot's tier-4 thresholds count invocations), and
 * until then its interpreted or C1 code boxes vectors: 192 bytes a step. At 100 ms a step (full RTRL,
 * n = 256) that is a minute of stepping, far past a warm-up of a few seconds, so the measured
 * iterations showed the allocation. A loop-heavy method is replaced on its back edges (OSR) early,
 * but the code before its loop keeps running in the interpreter until the method itself is compiled.
 *
 * <p>The bound, in seconds, is the system property {@value #BOUND_PROPERTY} (bench/run sets it per
 * profile; JMH's forks inherit the launching JVM's flags, and the results file records them);
 * without it {@value #DEFAULT_BOUND_SECONDS} s. A warm-up that hits the bound says so on the
 * benchmark's output, and the allocation shows in its results.
 *
 * <pre>{@code
 * SteadyState.Outcome o = SteadyState.reach(() -> trainer.step(x, y), "full, n = 256");
 * }</pre>
 */
final class SteadyState {

    /** Consecutive quiet windows that end the warm-up (the soak test's QUIET_CHUNKS). */
    static final int QUIET_WINDOWS = 2;
    /** Shortest window: long enough for a compilation under way to finish inside it or the next. */
    static final long WINDOW_NANOS = 250_000_000L;
    /** Fewest steps in a window, so that a fast step is seen many times in one. */
    static final int WINDOW_STEPS = 20;
    /** Most CPU the process's other threads may use in a quiet window, as a share of its length. */
    static final int OTHER_CPU_PERCENT = 2;
    static final String BOUND_PROPERTY = "sparsertrl.bench.settleSeconds";
    static final int DEFAULT_BOUND_SECONDS = 60;

    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    private static final CompilationMXBean JIT = ManagementFactory.getCompilationMXBean();
    private static final com.sun.management.OperatingSystemMXBean OS =
            (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

    private SteadyState() {
    }

    /** How a warm-up ended: steps taken, its length, and whether it settled before the bound. */
    record Outcome(long steps, long nanos, boolean settled) {
        @Override
        public String toString() {
            return String.format("%,d steps in %.1f s, %s", steps, nanos / 1e9, settled
                    ? "settled (" + QUIET_WINDOWS + " windows with no allocation, no compilation, other threads idle)"
                    : "NOT settled: the bound ran out (" + BOUND_PROPERTY + ")");
        }
    }

    /** Steps {@code step} until settled or for at most the configured bound; prints the outcome under {@code label}. */
    static Outcome reach(Runnable step, String label) {
        Outcome o = reach(step, boundNanos(), WINDOW_NANOS, WINDOW_STEPS);
        System.out.println("warm-up until steady (" + label + "): " + o);
        return o;
    }

    /**
     * Steps {@code step} in windows of at least {@code windowNanos} and {@code windowSteps} steps until
     * {@value #QUIET_WINDOWS} consecutive windows allocated nothing on this thread, finished no compilation
     * and left the other threads idle, or until {@code maxNanos} have passed.
     */
    static Outcome reach(Runnable step, long maxNanos, long windowNanos, int windowSteps) {
        if (maxNanos < 0 || windowNanos <= 0 || windowSteps < 1) {
            throw new IllegalArgumentException("maxNanos = " + maxNanos + ", windowNanos = " + windowNanos
                    + ", windowSteps = " + windowSteps + ": need maxNanos >= 0 and positive windows");
        }
        long start = System.nanoTime(), steps = 0;
        int quiet = 0;
        long bytes = THREADS.getCurrentThreadAllocatedBytes(), jit = compilationMillis(), others = otherThreadsCpu();
        while (quiet < QUIET_WINDOWS && System.nanoTime() - start < maxNanos) {
            long windowStart = System.nanoTime();
            for (int s = 0; s < windowSteps || System.nanoTime() - windowStart < windowNanos; s++) {
                step.run();
                steps++;
            }
            long window = System.nanoTime() - windowStart;
            long nowBytes = THREADS.getCurrentThreadAllocatedBytes(), nowJit = compilationMillis(), nowOthers = otherThreadsCpu();
            boolean othersIdle = (nowOthers - others) * 100 <= OTHER_CPU_PERCENT * window;
            quiet = nowBytes == bytes && nowJit == jit && othersIdle ? quiet + 1 : 0;
            bytes = nowBytes;
            jit = nowJit;
            others = nowOthers;
        }
        return new Outcome(steps, System.nanoTime() - start, quiet >= QUIET_WINDOWS);
    }

    /** The configured bound: {@value #BOUND_PROPERTY} seconds, else {@value #DEFAULT_BOUND_SECONDS}. */
    static long boundNanos() {
        String value = System.getProperty(BOUND_PROPERTY);
        double seconds;
        try {
            seconds = value == null ? DEFAULT_BOUND_SECONDS : Double.parseDouble(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(BOUND_PROPERTY + " = '" + value + "' is not a number of seconds", e);
        }
        if (!(seconds >= 0)) {
            throw new IllegalArgumentException(BOUND_PROPERTY + " = '" + value + "' must be >= 0 seconds");
        }
        return (long) (seconds * 1e9);
    }

    /** CPU time of every thread of the process but this one, nanoseconds (0 where the platform does not say). */
    private static long otherThreadsCpu() {
        long process = OS.getProcessCpuTime();
        return process < 0 ? 0 : process - THREADS.getCurrentThreadCpuTime();
    }

    private static long compilationMillis() {
        return JIT.isCompilationTimeMonitoringSupported() ? JIT.getTotalCompilationTime() : 0;
    }
}
