package org.sparsertrl.harness.runtime;

import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.sparsertrl.engine.learn.LearnerSpec;
import org.sparsertrl.engine.runtime.EmbeddedTrainer;
import org.sparsertrl.engine.runtime.RuntimeCounters;
import org.sparsertrl.engine.runtime.SampleProducer;
import org.sparsertrl.engine.train.OnlineTrainer;
import org.sparsertrl.harness.embedded.EmbeddedRun;
import org.sparsertrl.harness.oracle.EngineProbe;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Work the embedded runtime bounds: samples older than the maximum age are dropped and counted, not
 * trained; the drain after a stream ends at its limit; and every offered sample is accounted for.
 */
class BoundedWorkTest {

    @Test
    void samplesOlderThanTheMaximumAgeAreDroppedAndCountedNotTrained() throws InterruptedException {
        try (OnlineTrainer trainer = EmbeddedTrainerTest.trainer();
             EmbeddedTrainer runtime = EmbeddedTrainer.builder(trainer).maxSampleAge(Duration.ofMillis(20)).build()) {
            double[] before = EngineProbe.weights(trainer);
            SampleProducer p = runtime.producer();
            for (int s = 0; s < 10; s++) { // queued before the agent runs, so they age in the ring
                assertTrue(p.offerTrain(s, new float[] {0.1f * s}, new float[] {0.5f}));
            }
            Thread.sleep(60);
            runtime.start();
            RuntimeCounters c = runtime.counters();
            EmbeddedTrainerTest.awaitReceived(c, 10);
            assertEquals(10, c.droppedStale.get(), "dropped as too old");
            assertEquals(0, c.steps.get(), "trained");
            runtime.stop();
            assertArrayEquals(before, EngineProbe.weights(trainer), "a stale sample changed the weights");
        }
        try (OnlineTrainer trainer = EmbeddedTrainerTest.trainer();
             EmbeddedTrainer runtime = EmbeddedTrainer.builder(trainer).maxSampleAge(Duration.ofSeconds(10)).build()) {
            runtime.start();
            for (int s = 0; s < 10; s++) {
                assertTrue(runtime.producer().offerTrain(s, new float[] {0.1f * s}, new float[] {0.5f}));
            }
            EmbeddedTrainerTest.awaitReceived(runtime.counters(), 10);
            assertEquals(10, runtime.counters().steps.get(), "fresh samples are trained");
            assertEquals(0, runtime.counters().droppedStale.get());
        }
        try (OnlineTrainer trainer = EmbeddedTrainerTest.trainer()) {
            EmbeddedTrainer.Builder builder = EmbeddedTrainer.builder(trainer);
            assertThrows(IllegalArgumentException.class, () -> builder.maxSampleAge(Duration.ofMillis(-1)));
            assertThrows(IllegalArgumentException.class, () -> builder.maxSampleAge(Duration.ofDays(2)));
        }
    }

    @Test
    void theDrainEndsAtItsLimitAndEverySampleIsAccountedFor() throws InterruptedException {
        // Full RTRL at n = 96 takes milliseconds a step: offered as fast as the ring takes them, far more
        // queue up than the agent can train in the drain's 0.2 s.
        try (OnlineTrainer trainer = OnlineTrainer.builder(96, 2, 1).learner(LearnerSpec.full()).build();
             EmbeddedTrainer runtime = EmbeddedTrainer.builder(trainer).capacity(1 << 16, 1 << 16).build()) {
            runtime.start();
            long start = System.nanoTime();
            EmbeddedRun.Result r = EmbeddedRun.stream(runtime, 2, 0, 0.3, 0.2);
            double seconds = (System.nanoTime() - start) / 1e9;
            runtime.stop();
            EmbeddedRun.Accounting a = EmbeddedRun.Accounting.of(r, runtime);
            assertTrue(seconds < 0.3 + 0.2 + 1.5, "the stream and its drain took " + seconds + " s");
            assertTrue(a.droppedAtStop() > 0, "some samples still queued at the end: " + a.describe());
            assertTrue(a.refused() > 0, "the ring refused some: " + a.describe());
            assertTrue(a.balanced(), a.describe());
            assertEquals(r.offered() - r.accepted(), a.refused(), "refusals counted by the producer and by the runtime");
        }
    }
}
