package org.sparsertrl.flink;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.Metric;
import org.apache.flink.metrics.groups.OperatorMetricGroup;
import org.apache.flink.runtime.testutils.InMemoryReporter;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.sparsertrl.engine.runtime.EmbeddedTrainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * (c) Malformed samples go to the side output with their reason and leave the key's state as if they
 * had never come; (d) a diverging key is recovered by the engine's policy and counted in Flink's
 * metrics, the other keys untouched. Both against the bare engine, bit for bit.
 */
class SampleHandlingTest {

    static final TrainerTemplate TEMPLATE = TrainerTemplate.builder(8, 2, 1).learner("sparse-2").seed(3).build();
    static final int KEYS = 6;
    static final int STEPS = 30;

    static final InMemoryReporter REPORTER = InMemoryReporter.createWithRetainedMetrics();

    @RegisterExtension
    static final MiniClusterExtension CLUSTER = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setConfiguration(REPORTER.addToConfiguration(new Configuration()))
            .setNumberTaskManagers(1).setNumberSlotsPerTaskManager(2).build());

    /** The generated stream of {@link #KEYS} keys, {@code extra} inserted before sample number {@code at}. */
    static List<Sample> stream(int at, List<Sample> extra) {
        GeneratedSamples generated = new GeneratedSamples(KEYS, 2, 1, 5);
        List<Sample> samples = new ArrayList<>();
        for (int i = 0; i < KEYS * STEPS; i++) {
            if (i == at) {
                samples.addAll(extra);
            }
            samples.add(generated.sample(i));
        }
        return samples;
    }

    static SingleOutputStreamOperator<Prediction> run(StreamExecutionEnvironment env, List<Sample> samples, String run,
                                                      SparseRtrlOperator operator) {
        DataStream<Sample> source = env.fromData(samples, TypeInformation.of(Sample.class)).uid("source");
        SingleOutputStreamOperator<Prediction> predictions = SparseRtrlOperator.apply(source, operator);
        predictions.setParallelism(2);
        ExactlyOnceCollector.collect(predictions, run, "predictions", Prediction.class);
        ExactlyOnceCollector.collect(predictions.getSideOutput(SparseRtrlOperator.FINAL_STATES), run + "/final",
                "final", KeyState.class);
        ExactlyOnceCollector.collect(predictions.getSideOutput(SparseRtrlOperator.REJECTED), run + "/rejected",
                "rejected", Rejected.class);
        return predictions;
    }

    @Test
    void malformedSamplesGoToTheSideOutputWithTheirReasonAndTouchNoState(@TempDir Path dir) throws Exception {
        String key = GeneratedSamples.key(2);
        List<Sample> bad = List.of(
                new Sample(key, 1000, true, new float[] {0.1f, 0.2f, 0.3f}, new float[] {0.1f}),
                new Sample(key, 1001, true, new float[] {Float.NaN, 0.2f}, new float[] {0.1f}),
                new Sample(key, 1002, true, new float[] {0.1f, 0.2f}, new float[] {Float.POSITIVE_INFINITY}),
                new Sample(key, 1003, true, new float[] {0.1f, 0.2f}, new float[0]),
                new Sample("never-valid", 1004, false, new float[] {0.1f}, new float[0]));
        List<Sample> samples = stream(KEYS * 10 + 2, bad);
        StreamExecutionEnvironment env = FlinkJobs.environment(dir, 100, null);
        run(env, samples, "malformed", SparseRtrlOperator.builder(TEMPLATE).emitFinalStates(true).build());
        env.execute("malformed samples");

        List<Rejected> rejected = ExactlyOnceCollector.committed("malformed/rejected");
        rejected.sort((a, b) -> Long.compare(a.sample().time(), b.sample().time()));
        assertEquals(List.of(
                "input has length 3, expected m = 2",
                "input[0] = NaN is not finite",
                "target[0] = Infinity is not finite",
                "target has length 0, expected o = 1",
                "input has length 1, expected m = 2"), rejected.stream().map(Rejected::reason).toList());
        assertEquals(1004, rejected.get(4).sample().time(), "the rejected sample itself travels with its reason");

        Reference reference = Reference.run(TEMPLATE, stream(-1, List.of()), EmbeddedTrainer.Recovery.ROLLBACK, 1_000);
        reference.assertSamePredictions(ExactlyOnceCollector.committed("malformed"));
        reference.assertSameFinalStates(ExactlyOnceCollector.committed("malformed/final"));
    }

    /**
     * ROLLBACK: back to the snapshot taken every 5 updates. RESET: the engine's reset, which keeps the
     * weights and the update count and zeroes the hidden state, the sensitivities and the optimizer's moments.
     */
    @ParameterizedTest
    @EnumSource(EmbeddedTrainer.Recovery.class)
    void aDivergingKeyIsRecoveredByThePolicyAndCounted(EmbeddedTrainer.Recovery policy, @TempDir Path dir) throws Exception {
        String key = GeneratedSamples.key(4);
        // Finite, so the sample is accepted, but its loss overflows: the step diverges (non-finite loss).
        List<Sample> boom = List.of(new Sample(key, 500, true, new float[] {0.5f, 0.5f}, new float[] {3e38f}));
        List<Sample> samples = stream(KEYS * 23 + 4, boom);
        StreamExecutionEnvironment env = FlinkJobs.environment(dir, 100, null);
        SparseRtrlOperator operator = SparseRtrlOperator.builder(TEMPLATE).emitFinalStates(true)
                .recovery(policy, 5).build();
        String run = "divergence-" + policy;
        run(env, samples, run, operator);
        JobExecutionResult result = env.execute("divergence, " + policy);

        Reference reference = Reference.run(TEMPLATE, samples, policy, 5);
        assertTrue(reference.predictions.get(Reference.id(key, 500)).diverged(), "the reference diverged too");
        reference.assertSamePredictions(ExactlyOnceCollector.committed(run));
        reference.assertSameFinalStates(ExactlyOnceCollector.committed(run + "/final"));
        Reference other = Reference.run(TEMPLATE, samples, policy == EmbeddedTrainer.Recovery.RESET
                ? EmbeddedTrainer.Recovery.ROLLBACK : EmbeddedTrainer.Recovery.RESET, 5);
        assertTrue(!Arrays.equals(reference.finalStates.get(key), other.finalStates.get(key)),
                "the two policies leave the diverged key in different states (so the comparison tells them apart)");

        long divergences = 0, steps = 0, rejected = 0;
        long live = 0, histogramCount = 0;
        List<OperatorMetricGroup> groups = REPORTER.findOperatorMetricGroups(result.getJobID(), "sparse-rtrl.*");
        assertEquals(2, groups.size(), "one metric group per parallel instance of the operator");
        for (OperatorMetricGroup group : groups) {
            Map<String, Metric> metrics = REPORTER.getMetricsByGroup(group);
            divergences += ((Counter) metrics.get("divergences")).getCount();
            steps += ((Counter) metrics.get("steps")).getCount();
            rejected += ((Counter) metrics.get("rejectedSamples")).getCount();
            live += ((Number) ((Gauge<?>) metrics.get("liveTrainers")).getValue()).longValue();
            histogramCount += ((Histogram) metrics.get("stepLatencyNanos")).getCount();
        }
        assertEquals(1, divergences, "divergences counted in the operator's metrics");
        long trained = samples.stream().filter(Sample::train).count() - 1;
        assertEquals(trained, steps, "steps counted (every training sample but the diverging one)");
        assertEquals(0, rejected, "rejected samples");
        assertEquals(samples.size(), histogramCount, "step latencies recorded, one per sample");
        assertEquals(0, live, "live trainers after the job: all closed");
    }
}
