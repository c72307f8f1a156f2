package org.sparsertrl.harness.runtime;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparsertrl.engine.learn.LearnerSpec;
import org.sparsertrl.engine.learn.Selection;
import org.sparsertrl.engine.runtime.Checkpoint;
import org.sparsertrl.engine.runtime.EmbeddedTrainer;
import org.sparsertrl.engine.runtime.RuntimeCounters;
import org.sparsertrl.engine.runtime.SampleProducer;
import org.sparsertrl.engine.train.OnlineTrainer;
import org.sparsertrl.harness.oracle.EngineProbe;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The embedded runtime under faults: bad samples, non-finite steps, a full ring, a crash mid-checkpoint. */
class EmbeddedTrainerTest {

    static OnlineTrainer trainer() {
        return OnlineTrainer.builder(16, 1, 1).seed(2).learner(LearnerSpec.sparse(4, Selection.randomFixed(1))).build();
    }

    /** Waits until the agent has finished with {@code count} samples (trained, predicted, rejected or recovered). */
    static void awaitReceived(RuntimeCounters counters, long count) throws InterruptedException {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (processed(counters) < count) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the agent finished only " + processed(counters) + " of " + count);
            }
            Thread.sleep(1);
        }
    }

    /** Samples the agent is done with: each ends in exactly one of these counters. */
    static long processed(RuntimeCounters c) {
        return c.steps.get() + c.predictions.get() + c.rejectedLength.get() + c.rejectedNonFinite.get()
                + c.nonFiniteRecoveries.get() + c.droppedStale.get();
    }

    @Test
    void malformedSamplesAreRejectedCountedAndChangeNothing() throws InterruptedException {
        try (OnlineTrainer trainer = trainer()) {
            double[] before = EngineProbe.weights(trainer);
            try (EmbeddedTrainer runtime = EmbeddedTrainer.builder(trainer).build()) {
                runtime.start();
                SampleProducer p = runtime.producer();
                assertTrue(p.offerTrain(0, new float[] {Float.NaN}, new float[] {0f}));
                assertTrue(p.offerTrain(1, new float[] {0f}, new float[] {Float.POSITIVE_INFINITY}));
                assertTrue(p.offerTrain(2, new float[] {0f, 1f}, new float[] {0f}));
                assertTrue(p.offerTrain(3, new float[] {0f}, new float[] {0f, 2f}));
                assertTrue(p.offerPredict(4, new float[] {Float.NaN}));
                awaitReceived(runtime.counters(), 5);
                RuntimeCounters c = runtime.counters();
                assertEquals(3, c.rejectedNonFinite.get());
                assertEquals(2, c.rejectedLength.get());
                assertEquals(0, c.steps.get());
                assertEquals(0, runtime.pollPredictions((s, e, t, l, y) -> { }, 10), "no prediction for a rejected sample");
            }
            assertArrayEquals(before, EngineProbe.weights(trainer), "weights untouched by rejected samples");
            assertEquals(0, trainer.steps());
        }
    }

    @Test
    void aNonFiniteStepRollsBackToTheSnapshotAndTrainingGoesOn() throws InterruptedException {
        // Snapshots after steps 4 and 8: the bad sample after step 10 goes back to step 8, not to step 10,
        // so a recovery that only clears the divergence is told apart from one that restores.
        try (OnlineTrainer trainer = trainer(); OnlineTrainer twin = trainer()) {
            try (EmbeddedTrainer runtime = EmbeddedTrainer.builder(trainer).recovery(EmbeddedTrainer.Recovery.ROLLBACK, 4).build()) {
                streamWithANonFiniteStepAt10(runtime);
                RuntimeCounters c = runtime.counters();
                assertEquals(1, c.nonFiniteRecoveries.get());
                assertEquals(19, c.steps.get(), "every other step trained");
                // The step counter moves before the prediction is published: read until all 19 arrive.
                AtomicInteger finite = new AtomicInteger();
                int read = 0;
                long deadline = System.nanoTime() + 30_000_000_000L;
                while (read < 19 && System.nanoTime() < deadline) {
                    read += runtime.pollPredictions((s, e, t, loss, y) -> {
                        if (Float.isFinite(loss) && Float.isFinite(y[0])) {
                            finite.incrementAndGet();
                        }
                    }, 100);
                }
                assertEquals(19, read, "one prediction for every trained step, none for the rolled-back one");
                assertEquals(19, finite.get());
                runtime.stop(); // the trainer is ours again
            }
            // The twin is the snapshot of step 8 (samples 0 to 7), then trains on samples 11 to 19.
            stepSines(twin, 0, 8);
            stepSines(twin, 11, 20);
            assertSameState(twin, trainer, "rolled back to the snapshot of step 8");
            assertEquals(17, trainer.steps(), "8 updates kept, 2 rolled back, 9 after");
        }
    }

    @Test
    void resetRecoveryKeepsTheWeights() throws InterruptedException {
        try (OnlineTrainer trainer = trainer(); OnlineTrainer twin = trainer()) {
            try (EmbeddedTrainer runtime = EmbeddedTrainer.builder(trainer).recovery(EmbeddedTrainer.Recovery.RESET, 1).build()) {
                streamWithANonFiniteStepAt10(runtime);
                assertEquals(1, runtime.counters().nonFiniteRecoveries.get());
                assertEquals(19, runtime.counters().steps.get());
                runtime.stop(); // the trainer is ours again
            }
            // The twin keeps the weights of step 10, zeroes the hidden state, the sensitivities and the
            // optimizer's moments, and trains on samples 11 to 19.
            stepSines(twin, 0, 10);
            twin.reset();
            twin.resetOptimizer();
            stepSines(twin, 11, 20);
            assertSameState(twin, trainer, "weights of step 10 kept, the rest reset");
            assertEquals(19, trainer.steps());
        }
    }

    /**
     * Starts {@code runtime} and streams samples 0 to 19 of {@link #offerSines}, but for sample 10: a finite
     * target so large that the loss overflows, so that step is not finite. Returns once the agent has
     * finished with all 20.
     */
    private static void streamWithANonFiniteStepAt10(EmbeddedTrainer runtime) throws InterruptedException {
        runtime.start();
        SampleProducer p = runtime.producer();
        offerSines(p, 0, 10);
        awaitReceived(runtime.counters(), 10);
        assertTrue(p.offerTrain(10, new float[] {0.5f}, new float[] {3e38f}));
        offerSines(p, 11, 20);
        awaitReceived(runtime.counters(), 20);
    }

    /** Offers the training samples s in [from, to): input sin(s), target sin(s + 1); each must be accepted. */
    private static void offerSines(SampleProducer p, int from, int to) {
        for (int s = from; s < to; s++) {
            assertTrue(p.offerTrain(s, new float[] {(float) Math.sin(s)}, new float[] {(float) Math.sin(s + 1)}));
        }
    }

    /** Trains {@code trainer} directly on the samples {@link #offerSines} offers. */
    private static void stepSines(OnlineTrainer trainer, int from, int to) {
        for (int s = from; s < to; s++) {
            trainer.step(new float[] {(float) Math.sin(s)}, new float[] {(float) Math.sin(s + 1)});
        }
    }

    /** Weights, hidden state and sensitivities equal bit for bit. */
    private static void assertSameState(OnlineTrainer expected, OnlineTrainer actual, String what) {
        assertArrayEquals(EngineProbe.weights(expected), EngineProbe.weights(actual), "weights: " + what);
        assertArrayEquals(expected.hiddenState(), actual.hiddenState(), "hidden state: " + what);
        assertArrayEquals(EngineProbe.allSensitivities(expected), EngineProbe.allSensitivities(actual), "sensitivities: " + what);
    }

    @Test
    void manyProducersAreEachAccountedForInTheirOwnOrder() throws InterruptedException {
        int producers = 3, each = 20_000;
        try (OnlineTrainer trainer = trainer();
             // Output room for all 60,000 predictions (48 bytes each): a reader descheduled on a loaded machine
             // must not make the agent drop predictions, which is not what this test is about.
             EmbeddedTrainer runtime = EmbeddedTrainer.builder(trainer).manyProducers(true).capacity(1 << 20, 1 << 22).build()) {
            runtime.start();
            long[] accepted = new long[producers], refused = new long[producers], last = new long[producers];
            java.util.Arrays.fill(last, -1);
            AtomicInteger disorder = new AtomicInteger();
            Thread[] threads = new Thread[producers];
            for (int t = 0; t < producers; t++) {
                int id = t;
                threads[t] = Thread.ofPlatform().start(() -> {
                    SampleProducer p = runtime.producer();
                    float[] x = new float[1], y = new float[1];
                    for (int s = 0; s < each; s++) {
                        x[0] = (float) Math.sin(0.1 * s);
                        y[0] = (float) Math.sin(0.1 * (s + 1));
                        while (!p.offerTrain((long) id * 1_000_000 + s, x, y)) {
                            refused[id]++;
                            Thread.yield();
                        }
                        accepted[id]++;
                    }
                });
            }
            // The limit is on a stall (60 s without a single prediction), not on the whole run: on a loaded
            // machine 60,000 steps may take longer than a minute, and that is not what this test is about.
            long read = 0, total = (long) producers * each, lastProgress = System.nanoTime();
            while (read < total && System.nanoTime() - lastProgress < 60_000_000_000L) {
                int got = runtime.pollPredictions((sequence, enqueued, predicted, loss, out) -> {
                    int id = (int) (sequence / 1_000_000);
                    if (sequence % 1_000_000 != last[id] + 1) {
                        disorder.incrementAndGet();
                    }
                    last[id] = sequence % 1_000_000;
                }, 256);
                if (got > 0) {
                    read += got;
                    lastProgress = System.nanoTime();
                }
            }
            for (Thread t : threads) {
                t.join();
            }
            assertEquals(total, read, "every sample of every producer came back as a prediction");
            assertEquals(0, disorder.get(), "each producer's samples in its own order, none lost or duplicated");
            assertEquals(total, runtime.counters().steps.get());
            assertEquals(java.util.Arrays.stream(refused).sum(), runtime.counters().inputFull.get(),
                    "every refused offer of every producer counted");
        }
    }

    @Test
    void aFullRingRefusesAndCountsEveryOfferItCannotTake() throws InterruptedException {
        try (OnlineTrainer slow = OnlineTrainer.builder(96, 1, 1).learner(LearnerSpec.full()).build();
             EmbeddedTrainer runtime = EmbeddedTrainer.builder(slow).capacity(1024, 1 << 16).build()) {
            runtime.start();
            SampleProducer p = runtime.producer();
            int offered = 5_000, accepted = 0;
            float[] x = {0.1f}, y = {0.2f};
            for (int s = 0; s < offered; s++) {
                if (p.offerTrain(s, x, y)) {
                    accepted++;
                }
            }
            RuntimeCounters c = runtime.counters();
            assertTrue(accepted < offered, "a 1 KiB ring in front of a 1 ms step must fill");
            assertEquals(offered - accepted, c.inputFull.get(), "every refusal counted exactly");
            awaitReceived(c, accepted);
            Thread.sleep(50);
            assertEquals(accepted, c.received.get(), "every accepted sample reached the agent, and nothing else");
        }
    }

    @Test
    void aCrashBetweenWriteAndRenameLeavesThePreviousCheckpoint(@TempDir Path dir) throws IOException, InterruptedException {
        Path file = dir.resolve("model.ckpt");
        AtomicInteger writes = new AtomicInteger();
        try (OnlineTrainer trainer = trainer()) {
            EmbeddedTrainer runtime = EmbeddedTrainer.builder(trainer).checkpoint(file, 10, 0)
                    .beforeCheckpointRename(() -> {
                        if (writes.incrementAndGet() > 1) {
                            throw new IllegalStateException("simulated crash before the rename");
                        }
                    }).build();
            runtime.start();
            SampleProducer p = runtime.producer();
            offerSines(p, 0, 10);
            awaitCheckpoints(runtime, 1);
            offerSines(p, 10, 25);
            awaitReceived(runtime.counters(), 25);
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (runtime.counters().checkpointFailures.get() < 1 && System.nanoTime() < deadline) {
                Thread.sleep(1);
            }
            assertTrue(runtime.counters().checkpointFailures.get() >= 1, "the second write crashed");
            assertNotNull(runtime.lastCheckpointFailure());
            runtime.close(); // its last checkpoint crashes too
        }
        assertTrue(Files.exists(dir.resolve("model.ckpt.tmp")), "the crashed write left its temporary file");
        try (OnlineTrainer fresh = trainer()) {
            Checkpoint.load(file, fresh);
            assertEquals(10, fresh.steps(), "the file is still the first checkpoint, whole");
        }
    }

    /**
     * "Every 50 steps" means at steps 50, 100, 150, ...: each either written or, when the writer is
     * still busy (a slow disk, simulated by a pause before the rename), counted once as skipped;
     * not at the end of the agent's batches, and not counted once per idle loop.
     */
    @Test
    void checkpointsComeExactlyEveryNStepsAndEachMissedOneIsCountedOnce(@TempDir Path dir) throws InterruptedException {
        Path file = dir.resolve("model.ckpt"), temporary = dir.resolve("model.ckpt.tmp");
        java.util.List<Long> written = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
        int every = 50, samples = 1_000;
        try (OnlineTrainer trainer = trainer()) {
            EmbeddedTrainer runtime = EmbeddedTrainer.builder(trainer).checkpoint(file, every, 0)
                    .beforeCheckpointRename(() -> {
                        try {
                            byte[] head = Files.readAllBytes(temporary);
                            written.add(java.nio.ByteBuffer.wrap(head).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong(28));
                            Thread.sleep(3);
                        } catch (IOException | InterruptedException e) {
                            throw new IllegalStateException(e);
                        }
                    }).build();
            runtime.start();
            SampleProducer p = runtime.producer();
            for (int s = 0; s < samples; s++) {
                assertTrue(p.offerTrain(s, new float[] {(float) Math.sin(s)}, new float[] {(float) Math.sin(s + 1)}));
            }
            awaitReceived(runtime.counters(), samples);
            Thread.sleep(100); // an idle agent loops many times: none of those loops may count as a skip
            runtime.stop(); // and the checkpoint on shutdown
            RuntimeCounters c = runtime.counters();
            System.out.printf("checkpoint cadence: every %d of %d steps: %d written at %s, %d skipped%n", every, samples,
                    c.checkpointsWritten.get(), written, c.checkpointsSkipped.get());
            for (long steps : written) {
                assertEquals(0, steps % every, "a checkpoint at step " + steps + " of " + written);
            }
            assertEquals(samples / every + 1, c.checkpointsWritten.get() + c.checkpointsSkipped.get(),
                    "each of the 20 periodic checkpoints and the last one either written or skipped, once");
            assertEquals(c.checkpointsWritten.get(), written.size());
            runtime.close();
        }
    }

    private static void awaitCheckpoints(EmbeddedTrainer runtime, long count) throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (runtime.counters().checkpointsWritten.get() < count) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no checkpoint written");
            }
            Thread.sleep(1);
        }
    }
}
