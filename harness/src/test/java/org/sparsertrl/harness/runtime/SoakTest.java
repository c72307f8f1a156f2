package org.sparsertrl.harness.runtime;

import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparsertrl.engine.learn.LearnerSpec;
import org.sparsertrl.engine.learn.Selection;
import org.sparsertrl.engine.memory.ModelMemory;
import org.sparsertrl.engine.runtime.Checkpoint;
import org.sparsertrl.engine.runtime.EmbeddedTrainer;
import org.sparsertrl.engine.runtime.RuntimeCounters;
import org.sparsertrl.engine.runtime.SampleProducer;
import org.sparsertrl.engine.train.OnlineTrainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One million training steps at n = 32, k = 4, with the producer, the agent and the prediction
 * reader on three threads and a checkpoint every {@value #CHECKPOINT_EVERY} steps: every sample
 * accounted for (none lost, none duplicated, none reordered, checked by sequence number), every
 * checkpoint that came due written or counted as skipped, nothing allocated by the agent in the
 * measured million steps, the heap flat (used heap after a full
 * collection, before and after the million steps, within {@value #HEAP_SLACK_BYTES} bytes: a leak of 16 bytes a step would be 16 MB)
 * and off-heap memory flat.
 *
 * <p>The million measured steps follow a warm-up that lasts until the JIT has settled, because the
 * moment C2 replaces the agent's C1 code depends on the machine (on two busy cores it came after
 * 500,000 steps) and that switch was seen to allocate a few hundred bytes once. The warm-up runs in
 * chunks; after each chunk the producer waits until the agent has drained it, then reads the
 * agent thread's allocated bytes and the JVM's total compilation time. It ends after two
 * consecutive chunks in which neither moved.
 *
 * <p>The measured steps run in the same chunks, and every chunk that allocated is printed: the million
 * must allocate nothing. (Before the runtime warmed its rare paths at start, the agent allocated 144
 * to 192 bytes once, mid-run: when the JIT was first asked to optimise the snapshot copy, at about step
 * 1,800,000, or the idle strategy, it resolved the string constants of their classes on the agent's
 * thread; see RarePathWarmUp.) A
 * chunk is smaller than the output ring holds, so a slow reader cannot make the agent drop
 * predictions.
 */
class SoakTest {

    static final int MEASURED = 1_000_000;
    static final int CHUNK = 50_000;
    static final int QUIET_CHUNKS = 2;
    /** Past this the measurement starts whatever the JIT does; the assertion then decides. */
    static final int MAX_WARM_UP = 2_000_000;
    static final int CHECKPOINT_EVERY = 100_000;
    static final long HEAP_SLACK_BYTES = 4L << 20;
    /** Room for 87,381 predictions of 48 bytes, more than a chunk. */
    static final int OUTPUT_RING_BYTES = 1 << 22;

    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    private static final CompilationMXBean JIT = ManagementFactory.getCompilationMXBean();

    @Test
    void aMillionStepsEveryOneAccountedFor(@TempDir Path dir) throws Exception {
        long offHeapBefore = ModelMemory.liveBytes();
        Path checkpoint = dir.resolve("soak.ckpt");
        try (OnlineTrainer trainer = OnlineTrainer.builder(32, 1, 1).seed(1)
                .learner(LearnerSpec.sparse(4, Selection.randomFixed(1))).build();
             EmbeddedTrainer runtime = EmbeddedTrainer.builder(trainer).checkpoint(checkpoint, CHECKPOINT_EVERY, 0)
                     .capacity(1 << 20, OUTPUT_RING_BYTES).build()) {
            runtime.start();
            long offHeapRunning = ModelMemory.liveBytes();
            SampleProducer producer = runtime.producer();
            AtomicReference<String> error = new AtomicReference<>();
            AtomicLong expected = new AtomicLong();
            AtomicLong total = new AtomicLong(Long.MAX_VALUE);
            long agent = runtime.agentThread().threadId();

            Thread reader = Thread.ofPlatform().name("soak-reader").start(() -> {
                while (expected.get() < total.get() && error.get() == null) {
                    int read = runtime.pollPredictions((sequence, enqueued, predicted, loss, y) -> {
                        if (sequence != expected.get()) {
                            error.compareAndSet(null, "prediction " + sequence + " arrived where " + expected.get()
                                    + " was due (lost, duplicated or reordered)");
                        }
                        expected.incrementAndGet();
                    }, 256);
                    if (read == 0) {
                        LockSupport.parkNanos(20_000); // leave the cores to the others
                    }
                }
            });
            float[] x = new float[1], y = new float[1];
            long[] refused = {0};
            List<String> warmUp = new ArrayList<>();
            long s = 0;
            int quiet = 0;
            long bytes = THREADS.getThreadAllocatedBytes(agent), jitMillis = compilationMillis();
            while (quiet < QUIET_CHUNKS && s < MAX_WARM_UP && error.get() == null) {
                s = offer(producer, s, CHUNK, x, y, refused);
                awaitDrained(expected, s, error); // the agent runs dry here, so its idle path is warm too
                long nowBytes = THREADS.getThreadAllocatedBytes(agent), nowJit = compilationMillis();
                quiet = nowBytes == bytes && nowJit == jitMillis ? quiet + 1 : 0;
                warmUp.add(s + ": agent +" + (nowBytes - bytes) + " B, JIT +" + (nowJit - jitMillis) + " ms");
                bytes = nowBytes;
                jitMillis = nowJit;
            }
            long warmUpSteps = s;
            long heapBefore = usedHeapAfterGc();
            total.set(warmUpSteps + MEASURED);
            // Measured in chunks too, so that an allocation can be told from a JIT transition: a chunk in
            // which no compilation finished must allocate nothing; one in which the JIT replaced code may
            // show the few hundred bytes the interpreter allocates while the new code is installed.
            List<String> allocated = new ArrayList<>();
            long agentBytes = 0;
            for (long end = warmUpSteps + MEASURED; s < end && error.get() == null; ) {
                s = offer(producer, s, Math.min(CHUNK, end - s), x, y, refused);
                awaitDrained(expected, s, error);
                long nowBytes = THREADS.getThreadAllocatedBytes(agent), nowJit = compilationMillis();
                if (nowBytes != bytes) {
                    allocated.add(s + ": agent +" + (nowBytes - bytes) + " B, JIT +" + (nowJit - jitMillis) + " ms");
                    agentBytes += nowBytes - bytes;
                }
                bytes = nowBytes;
                jitMillis = nowJit;
            }
            reader.join(300_000);
            long heapAfter = usedHeapAfterGc();

            assertNull(error.get());
            assertEquals(total.get(), expected.get(), "every prediction read, in order");
            RuntimeCounters c = runtime.counters();
            assertEquals(total.get(), c.received.get());
            assertEquals(total.get(), c.steps.get());
            assertEquals(0, c.rejectedLength.get() + c.rejectedNonFinite.get() + c.outputFull.get() + c.nonFiniteRecoveries.get());
            assertEquals(refused[0], c.inputFull.get(), "every refused offer counted");
            assertEquals(0, agentBytes, "the agent allocated " + agentBytes + " bytes in " + MEASURED
                    + " steps after a warm-up of " + warmUpSteps + " steps; measured chunks that allocated: " + allocated
                    + "; warm-up chunks: " + warmUp);
            assertEquals(offHeapRunning, ModelMemory.liveBytes(), "off-heap memory flat while running");
            assertTrue(heapAfter - heapBefore < HEAP_SLACK_BYTES, "used heap after a full collection grew from "
                    + heapBefore + " to " + heapAfter + " bytes over the measured steps");
            runtime.stop(); // writes the checkpoint on shutdown
            assertEquals(total.get() / CHECKPOINT_EVERY + 1, c.checkpointsWritten.get() + c.checkpointsSkipped.get(),
                    "every checkpoint that came due (and the one on shutdown) written or counted as skipped");
            assertEquals(0, c.checkpointFailures.get(), "checkpoint failures");
            assertTrue(c.checkpointsWritten.get() >= 2, "checkpoints written: " + c.checkpointsWritten.get());
            try (OnlineTrainer restored = OnlineTrainer.builder(32, 1, 1).seed(1)
                    .learner(LearnerSpec.sparse(4, Selection.randomFixed(1))).build()) {
                Checkpoint.load(checkpoint, restored);
                assertEquals(total.get(), restored.steps(), "the checkpoint on shutdown holds the last step");
            }
            System.out.printf("soak: %,d warm-up + %,d measured steps; step latency p50 %.1f us, p99 %.1f us, "
                            + "max %.1f us; %,d offers refused; heap %+,d bytes; %,d checkpoints written, %,d skipped; "
                    + "agent allocated %,d bytes in the measured steps %s%n",
                    warmUpSteps, MEASURED,
                    runtime.stepLatency().getValueAtPercentile(50) / 1e3,
                    runtime.stepLatency().getValueAtPercentile(99) / 1e3, runtime.stepLatency().getMaxValue() / 1e3,
                    refused[0], heapAfter - heapBefore, c.checkpointsWritten.get(), c.checkpointsSkipped.get(), agentBytes,
                    allocated);
        }
        assertEquals(offHeapBefore, ModelMemory.liveBytes(), "off-heap memory released");
    }

    /** Offers samples {@code from .. from + count - 1}, retrying each refused offer; returns the next sequence. */
    private static long offer(SampleProducer producer, long from, long count, float[] x, float[] y, long[] refused) {
        for (long s = from; s < from + count; s++) {
            x[0] = (float) Math.sin(0.1 * s);
            y[0] = (float) Math.sin(0.1 * (s + 1));
            while (!producer.offerTrain(s, x, y)) {
                refused[0]++;
                Thread.yield();
            }
        }
        return from + count;
    }

    private static void awaitDrained(AtomicLong expected, long sent, AtomicReference<String> error) {
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (expected.get() < sent && error.get() == null && System.nanoTime() < deadline) {
            LockSupport.parkNanos(100_000);
        }
    }

    /** Used heap after full collections (asked for twice: one may leave work for the next). */
    private static long usedHeapAfterGc() {
        System.gc();
        System.gc();
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    private static long compilationMillis() {
        return JIT.isCompilationTimeMonitoringSupported() ? JIT.getTotalCompilationTime() : 0;
    }
}
