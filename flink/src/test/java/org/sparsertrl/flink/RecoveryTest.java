package org.sparsertrl.flink;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.api.common.state.CheckpointListener;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.sparsertrl.engine.runtime.EmbeddedTrainer;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Flink's failure model against the bare engine: 1,000 keys through the operator with a trainer cache
 * far smaller than the keys (so trainers are evicted and reloaded all the time), checkpoints every
 * 200 ms; (a) a failure injected after a completed checkpoint, (b) a stop with a savepoint at
 * parallelism 2 and restores at 1 and at 4. Every emitted prediction (loss, output, update count) and
 * every key's final stored trainer must equal the uninterrupted run's, bit for bit, and every sample's
 * prediction must reach the test's transactional sink exactly once.
 */
class RecoveryTest {

    static final int KEYS = 1_000;
    /** Steps per key of the savepoint test: its stream must outlast the first checkpoints, so that it stops mid-stream. */
    static final int STEPS = 24;
    static final long COUNT = (long) KEYS * STEPS;
    /**
     * Steps per key of the failure tests. The keys take turns, so with 100 live trainers per instance
     * every sample evicts one trainer and reloads another: each step of a key after its first runs on a
     * reloaded trainer, twelve steps as well as twenty-four, and one of them predicts only. The reloads
     * take most of the time (each closes a trainer, and closing its shared arena is a handshake with every
     * thread), so these tests step each key no more often than their properties need.
     */
    static final int FAILURE_STEPS = 12;
    static final long FAILURE_COUNT = (long) KEYS * FAILURE_STEPS;
    static final TrainerTemplate TEMPLATE = TrainerTemplate.builder(8, 2, 1).learner("sparse-2").seed(11).build();
    static final GeneratedSamples SAMPLES = new GeneratedSamples(KEYS, 2, 1, 8);

    @RegisterExtension
    static final MiniClusterExtension CLUSTER = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1).setNumberSlotsPerTaskManager(4).build());

    static Reference reference;
    static Reference failureReference;

    @BeforeAll
    static void uninterruptedRuns() {
        reference = uninterrupted(COUNT);
        failureReference = uninterrupted(FAILURE_COUNT);
    }

    static Reference uninterrupted(long count) {
        List<Sample> all = new ArrayList<>();
        for (long i = 0; i < count; i++) {
            all.add(SAMPLES.sample(i));
        }
        return Reference.run(TEMPLATE, all, EmbeddedTrainer.Recovery.ROLLBACK, 1_000);
    }

    /**
     * The job: the first {@code count} generated samples, at a rate that makes the stream last at least
     * 1.2 s (checkpoints every 200 ms complete within it), an optional failure injector, the operator,
     * two transactional sinks.
     */
    static void pipeline(StreamExecutionEnvironment env, int parallelism, String run, FailOnce failure, int batch,
                         long count) {
        DataStream<Sample> samples = FlinkJobs.generated(env, SAMPLES, count, count / 1.2);
        if (failure != null) {
            samples = samples.map(failure).setParallelism(1).uid("fail-once");
        }
        SingleOutputStreamOperator<Prediction> predictions = SparseRtrlOperator.apply(samples,
                SparseRtrlOperator.builder(TEMPLATE).maxLiveTrainers(100).emitFinalStates(true)
                        .batch(batch, Duration.ofMillis(50)).build());
        predictions.setParallelism(parallelism);
        ExactlyOnceCollector.collect(predictions, run, "predictions", Prediction.class);
        ExactlyOnceCollector.collect(predictions.getSideOutput(SparseRtrlOperator.FINAL_STATES), run + "/final",
                "final", KeyState.class);
    }

    /** Batch 1: every sample stepped as it comes; 64: samples held and stepped key by key, held ones flushed before each barrier. */
    @ParameterizedTest(name = "batches of {0}")
    @ValueSource(ints = {1, 64})
    void aFailureAfterACheckpointRecoversBitForBit(int batch, @TempDir Path dir) throws Exception {
        FailOnce.FAILED.set(false);
        FailOnce.CHECKPOINTED.set(false);
        StreamExecutionEnvironment env = FlinkJobs.environment(dir, 200, null);
        FailOnce failure = new FailOnce(FAILURE_COUNT / 2);
        String run = "failure-" + batch;
        pipeline(env, 2, run, failure, batch, FAILURE_COUNT);
        env.execute("failure recovery, batches of " + batch);

        assertTrue(FailOnce.FAILED.get(), "the failure was injected (after a completed checkpoint)");
        failureReference.assertSamePredictions(ExactlyOnceCollector.committed(run));
        failureReference.assertSameFinalStates(ExactlyOnceCollector.committed(run + "/final"));
    }

    @Test
    void aSavepointAtParallelism2RestoresAt1AndAt4BitForBit(@TempDir Path dir) throws Exception {
        StreamExecutionEnvironment first = FlinkJobs.environment(dir, 200, null);
        pipeline(first, 2, "p2", null, 1, COUNT);
        JobClient job = first.executeAsync("until the savepoint");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (ExactlyOnceCollector.count("p2") < COUNT / 4 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        String savepoint = job.stopWithSavepoint(false, dir.resolve("savepoints").toUri().toString(),
                SavepointFormatType.CANONICAL).get(60, TimeUnit.SECONDS);
        int before = ExactlyOnceCollector.count("p2");
        assertTrue(before >= COUNT / 4 && before < COUNT, "stopped mid-stream, after " + before + " predictions");

        for (int parallelism : new int[] {1, 4}) {
            StreamExecutionEnvironment restored = FlinkJobs.environment(dir.resolve("p" + parallelism), 200, savepoint);
            pipeline(restored, parallelism, "p2-then-" + parallelism, null, 1, COUNT);
            restored.execute("restored at parallelism " + parallelism);
            reference.assertSamePredictions(ExactlyOnceCollector.committed("p2", "p2-then-" + parallelism));
            reference.assertSameFinalStates(ExactlyOnceCollector.committed("p2-then-" + parallelism + "/final"));
        }
    }

    /** Throws once, at the {@code after}-th sample or later, once a checkpoint has completed. */
    static final class FailOnce extends RichMapFunction<Sample, Sample> implements CheckpointListener {
        private static final long serialVersionUID = 1L;
        static final AtomicBoolean FAILED = new AtomicBoolean();
        static final AtomicBoolean CHECKPOINTED = new AtomicBoolean();
        private final long after;
        private long seen;

        FailOnce(long after) {
            this.after = after;
        }

        @Override
        public Sample map(Sample sample) {
            if (++seen >= after && CHECKPOINTED.get() && !FAILED.getAndSet(true)) {
                throw new IllegalStateException("injected failure at sample " + seen);
            }
            return sample;
        }

        @Override
        public void notifyCheckpointComplete(long checkpointId) {
            CHECKPOINTED.set(true);
        }
    }
}
