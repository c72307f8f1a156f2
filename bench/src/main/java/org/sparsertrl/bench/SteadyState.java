package org.sparsertrl.bench;

import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import org.sparsertrl.engine.kernel.ColumnPool;

/**
 * Runs an operation until the JIT has settled on it, before JMH times it: the approach of the soak
 * test (SoakTest), in windows. After each window the bytes allocated by the step's threads (the
 * calling thread and the column pool's workers, {@link ColumnPool#WORKER_NAME_PREFIX}), the JVM's
 * total compilation time and the CPU time of the process's other threads are read; warm-up ends
 * after {@value #QUIET_WINDOWS} consecutive windows in which the step's threads allocated nothing, no
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
 * <p>Quiet windows alone end the warm-up too early: a method the step calls once (the learner's step, a
 * view's rebind, JMH's Blackhole.consume) runs as quiet C1 code until some {@value #TIER4_FALLBACK} calls,
 * HotSpot's tier-4 invocation threshold, and when it then asks for its C2 compilation, HotSpot first
 * resolves the string constants of its class (the messages of exceptions never thrown) on the calling
 * thread: some 64 to 752 bytes, once, in whatever measured iteration that call falls (seen with JFR and
 * -XX:+PrintCompilation at full RTRL, n = 128, steps 2,765 to 6,000). So the warm-up also takes at least
 * twice that threshold in steps ({@link #minSteps()}), read from the running JVM, before the quiet windows
 * count.
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
    /** HotSpot's default Tier4InvocationThreshold, used where the JVM does not report it. */
    static final int TIER4_FALLBACK = 5000;

    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    private static final CompilationMXBean JIT = ManagementFactory.getCompilationMXBean();
    private static final com.sun.management.OperatingSystemMXBean OS =
            (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

    private SteadyState() {
    }

    /**
     * How a warm-up ended: steps taken, its length, its floor of steps, whether it settled (the floor, then
     * the quiet windows) and, if not, whether its last windows were quiet all the same (a slow step whose
     * floor does not fit in the bound).
     */
    record Outcome(long steps, long nanos, long minSteps, boolean settled, boolean quietAtEnd) {
        @Override
        public String toString() {
            String how = settled
                    ? "settled (at least " + String.format("%,d", minSteps) + " steps, then " + QUIET_WINDOWS
                            + " windows with no allocation, no compilation, other threads idle)"
                    : quietAtEnd
                            ? "quiet, but the bound (" + BOUND_PROPERTY + ") ran out before " + String.format("%,d", minSteps)
                                    + " steps: a method called once a step may still ask for C2 while JMH measures"
                            : "NOT settled: the bound ran out (" + BOUND_PROPERTY + ")";
            return String.format("%,d steps in %.1f s, %s", steps, nanos / 1e9, how);
        }
    }

    /** Steps {@code step} until settled or for at most the configured bound; prints the outcome under {@code label}. */
    static Outcome reach(Runnable step, String label) {
        Outcome o = reach(step, boundNanos(), WINDOW_NANOS, WINDOW_STEPS, minSteps());
        System.out.println("warm-up until steady (" + label + "): " + o);
        return o;
    }

    /**
     * Steps {@code step} in windows of at least {@code windowNanos} and {@code windowSteps} steps until it
     * has taken at least {@code minSteps} steps and {@value #QUIET_WINDOWS} consecutive windows allocated
     * nothing on the step's threads, finished no compilation and left the other threads idle, or until
     * {@code maxNanos} have passed.
     */
    static Outcome reach(Runnable step, long maxNanos, long windowNanos, int windowSteps, long minSteps) {
        if (maxNanos < 0 || windowNanos <= 0 || windowSteps < 1 || minSteps < 0) {
            throw new IllegalArgumentException("maxNanos = " + maxNanos + ", windowNanos = " + windowNanos
                    + ", windowSteps = " + windowSteps + ", minSteps = " + minSteps
                    + ": need maxNanos >= 0, positive windows and minSteps >= 0");
        }
        // The pool's workers run the step beside this thread (two-thread trials): their CPU is the step's, not a
        // compiler's, and what they allocate is the step's.
        long[] workers = poolWorkers();
        long start = System.nanoTime(), steps = 0;
        int quiet = 0, quietPastFloor = 0;
        long jit = compilationMillis(), others = otherThreadsCpu(workers);
        // Read after the CPU times, whose reading allocates on this thread (ThreadMXBean.getThreadCpuTime(id)).
        long bytes = stepThreadsAllocated(workers);
        while (quietPastFloor < QUIET_WINDOWS && System.nanoTime() - start < maxNanos) {
            long windowStart = System.nanoTime();
            for (int s = 0; s < windowSteps || System.nanoTime() - windowStart < windowNanos; s++) {
                step.run();
                steps++;
            }
            long window = System.nanoTime() - windowStart;
            long nowBytes = stepThreadsAllocated(workers), nowJit = compilationMillis(), nowOthers = otherThreadsCpu(workers);
            boolean othersIdle = (nowOthers - others) * 100 <= OTHER_CPU_PERCENT * window;
            boolean quietWindow = nowBytes == bytes && nowJit == jit && othersIdle;
            quiet = quietWindow ? quiet + 1 : 0;
            // Only windows past the floor settle the warm-up: the late C2 requests the floor waits for come after the
            // first quiet ones.
            quietPastFloor = quietWindow && steps >= minSteps ? quietPastFloor + 1 : 0;
            bytes = stepThreadsAllocated(workers);
            jit = nowJit;
            others = nowOthers;
        }
        return new Outcome(steps, System.nanoTime() - start, minSteps, quietPastFloor >= QUIET_WINDOWS, quiet >= QUIET_WINDOWS);
    }

    /**
     * The fewest warm-up steps: twice the running JVM's Tier4InvocationThreshold, so that every method the
     * step calls once has asked for its C2 compilation before JMH measures. Where the JVM does not report
     * the flag, twice its default, {@value #TIER4_FALLBACK}.
     */
    static long minSteps() {
        long threshold = TIER4_FALLBACK;
        try {
            var hotspot = ManagementFactory.getPlatformMXBean(com.sun.management.HotSpotDiagnosticMXBean.class);
            threshold = Long.parseLong(hotspot.getVMOption("Tier4InvocationThreshold").getValue());
        } catch (IllegalArgumentException | NullPointerException e) {
            // Not a HotSpot JVM, or one without the flag: the default threshold.
        }
        return 2 * threshold;
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

    /** The live threads of column pools ({@link ColumnPool#WORKER_NAME_PREFIX}): the step's threads besides this one. */
    private static long[] poolWorkers() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith(ColumnPool.WORKER_NAME_PREFIX))
                .mapToLong(Thread::threadId)
                .toArray();
    }

    /** Bytes allocated by this thread and by {@code workers} (a worker that has ended counts 0). */
    private static long stepThreadsAllocated(long[] workers) {
        long bytes = THREADS.getCurrentThreadAllocatedBytes();
        for (long worker : workers) {
            bytes += Math.max(0, THREADS.getThreadAllocatedBytes(worker));
        }
        return bytes;
    }

    /**
     * CPU time of every thread of the process but this one and {@code workers}, nanoseconds (0 where the
     * platform does not say).
     */
    private static long otherThreadsCpu(long[] workers) {
        long process = OS.getProcessCpuTime();
        if (process < 0) {
            return 0;
        }
        long step = THREADS.getCurrentThreadCpuTime();
        for (long worker : workers) {
            step += Math.max(0, THREADS.getThreadCpuTime(worker));
        }
        return process - step;
    }

    private static long compilationMillis() {
        return JIT.isCompilationTimeMonitoringSupported() ? JIT.getTotalCompilationTime() : 0;
    }
}
