package org.sparsertrl.harness.runtime;

import java.lang.management.ManagementFactory;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;
import org.sparsertrl.engine.learn.LearnerSpec;
import org.sparsertrl.engine.learn.Selection;
import org.sparsertrl.engine.memory.ModelMemory;
import org.sparsertrl.engine.runtime.EmbeddedTrainer;
import org.sparsertrl.engine.runtime.RuntimeCounters;
import org.sparsertrl.engine.runtime.SampleProducer;
import org.sparsertrl.engine.train.OnlineTrainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One million training steps at n = 32, k = 4, with the producer, the agent and the prediction
 * reader on three threads: every sample accounted for (none lost, none duplicated, none reordered,
 * checked by sequence number), nothing allocated by the agent after warm-up, heap and off-heap flat.
 */
class SoakTest {

    static final int SAMPLES = 1_000_000;
    /**
     * Steps before the agent's allocation is measured. The agent's duty cycle takes up to 64 samples
     * per call, so C2 compiles it only after some 5,000 calls, about 320,000 samples; the switch from
     * the C1 code was measured to allocate 192 bytes once, near step 350,000.
     */
    static final int WARM_UP = 500_000;

    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    @Test
    void aMillionStepsEveryOneAccountedFor() throws Exception {
        long offHeapBefore = ModelMemory.liveBytes();
        try (OnlineTrainer trainer = OnlineTrainer.builder(32, 1, 1).seed(1)
                .learner(LearnerSpec.sparse(4, Selection.randomFixed(1))).build();
             EmbeddedTrainer runtime = EmbeddedTrainer.builder(trainer).build()) {
            runtime.start();
            long offHeapRunning = ModelMemory.liveBytes();
            SampleProducer producer = runtime.producer();
            AtomicReference<String> error = new AtomicReference<>();
            AtomicLong expected = new AtomicLong();
            AtomicLong agentBytesAtWarmUp = new AtomicLong(-1);
            long agent = runtime.agentThread().threadId();

            Thread reader = Thread.ofPlatform().name("soak-reader").start(() -> {
                while (expected.get() < SAMPLES && error.get() == null) {
                    int read = runtime.pollPredictions((sequence, enqueued, predicted, loss, y) -> {
                        if (sequence != expected.get()) {
                            error.compareAndSet(null, "prediction " + sequence + " arrived where " + expected.get()
                                    + " was due (lost, duplicated or reordered)");
                        }
                        if (expected.incrementAndGet() == WARM_UP) {
                            agentBytesAtWarmUp.set(THREADS.getThreadAllocatedBytes(agent));
                        }
                    }, 256);
                    if (read == 0) {
                        java.util.concurrent.locks.LockSupport.parkNanos(20_000); // leave the cores to the others
                    }
                }
            });
            float[] x = new float[1], y = new float[1];
            long refused = 0;
            for (long s = 0; s < SAMPLES; s++) {
                x[0] = (float) Math.sin(0.1 * s);
                y[0] = (float) Math.sin(0.1 * (s + 1));
                while (!producer.offerTrain(s, x, y)) {
                    refused++;
                    Thread.yield();
                }
                if (s < WARM_UP && s % 20_000 == 0) {
                    Thread.sleep(20); // let the agent run dry now and then, so its idle path is warm too
                }
            }
            reader.join(300_000);
            long agentBytesAtEnd = THREADS.getThreadAllocatedBytes(agent);
            assertNull(error.get());
            assertEquals(SAMPLES, expected.get(), "every prediction read, in order");
            RuntimeCounters c = runtime.counters();
            assertEquals(SAMPLES, c.received.get());
            assertEquals(SAMPLES, c.steps.get());
            assertEquals(0, c.rejectedLength.get() + c.rejectedNonFinite.get() + c.outputFull.get() + c.nonFiniteRecoveries.get());
            assertEquals(refused, c.inputFull.get(), "every refused offer counted");
            assertTrue(agentBytesAtWarmUp.get() >= 0);
            assertEquals(0, agentBytesAtEnd - agentBytesAtWarmUp.get(), "the agent allocated after warm-up ("
                    + (SAMPLES - WARM_UP) + " steps)");
            assertEquals(offHeapRunning, ModelMemory.liveBytes(), "off-heap memory flat while running");
            System.out.printf("soak: %,d steps; step latency p50 %.1f us, p99 %.1f us, max %.1f us; %,d offers refused%n",
                    SAMPLES, runtime.stepLatency().getValueAtPercentile(50) / 1e3,
                    runtime.stepLatency().getValueAtPercentile(99) / 1e3, runtime.stepLatency().getMaxValue() / 1e3, refused);
        }
        assertEquals(offHeapBefore, ModelMemory.liveBytes(), "off-heap memory released");
    }
}
