package org.sparsertrl.harness.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.HdrHistogram.Histogram;
import org.sparsertrl.engine.learn.LearnerSpec;
import org.sparsertrl.engine.optim.OptimizerSpec;
import org.sparsertrl.engine.runtime.EmbeddedTrainer;
import org.sparsertrl.engine.train.OnlineTrainer;
import org.sparsertrl.harness.embedded.EmbeddedRun;

/**
 * The embedded runtime end to end, at n in {32, 64, 128} with sparse RTRL k = 4 (m = 4, o = 1): the
 * producer, the trainer agent and the prediction reader on their own threads, as a service would run
 * them. Not a JMH benchmark, because what it reports are latency percentiles of a stream, not the
 * mean time of an operation. For each n, on one trainer: a warm-up stream (discarded), a stream
 * offered as fast as the input ring takes it (the sustained rate), then a stream at half that rate,
 * whose step and offer-to-prediction latencies are reported. Each stream runs on a fresh runtime so
 * that its histograms hold only its own samples.
 *
 * <p>Usage: {@code EmbeddedProbe RESULTS.json SECONDS}; bench/run runs it after the JMH suite. It lives in
 * the harness, beside {@link EmbeddedRun} (which the {@code embedded} command streams with too), so that
 * the benchmark jar needs nothing but the engine and JMH.
 */
public final class EmbeddedProbe {

    static final int[] SIZES = {32, 64, 128};
    static final int K = 4;

    private EmbeddedProbe() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 2) {
            System.err.println("usage: EmbeddedProbe RESULTS.json SECONDS");
            System.exit(2);
        }
        double seconds = Double.parseDouble(args[1]);
        List<EmbeddedResult> results = new ArrayList<>();
        for (int n : SIZES) {
            // The network and trainer of the JMH step benchmarks: m = 4, o = 1, seed 1, Adam at 1e-4, one thread.
            try (OnlineTrainer trainer = OnlineTrainer.builder(n, PerformanceModel.M, PerformanceModel.O).seed(1)
                    .learner(LearnerSpec.parse("sparse-" + K, 1)).optimizer(OptimizerSpec.adam(1e-4f)).threads(1).build()) {
                stream(trainer, 0, seconds); // warm-up: the JIT compiles the agent's loop
                double sustained = stream(trainer, 0, seconds).stepsPerSecond();
                int rate = (int) Math.max(1, sustained / 2);
                EmbeddedRun.Result r = stream(trainer, rate, seconds);
                Histogram s = r.step(), e = r.endToEnd();
                results.add(new EmbeddedResult(n, K, sustained, rate, r.steps(),
                        us(s, 50), us(s, 99), us(s, 99.9), s.getMaxValue() / 1e3,
                        us(e, 50), us(e, 99), us(e, 99.9), e.getMaxValue() / 1e3));
                System.out.printf("embedded n=%d k=%d: sustained %,.0f steps/s; at %,d/s: step p50 %.1f us, "
                                + "offer-to-prediction p50 %.1f us, p99 %.1f us, p99.9 %.1f us, max %.1f us%n",
                        n, K, sustained, rate, us(s, 50), us(e, 50), us(e, 99), us(e, 99.9), e.getMaxValue() / 1e3);
            }
        }
        EmbeddedResult.write(Path.of(args[0]), results);
    }

    /**
     * One stream, then every offered sample accounted for. Flat out ({@code rate} 0) the ring can hold more
     * work than the stream's drain waits for (at n = 128 some 20,000 samples, 20 s of steps), so samples
     * still queued at stop are dropped and counted; paced at half the sustained rate, none may be.
     */
    private static EmbeddedRun.Result stream(OnlineTrainer trainer, int rate, double seconds) throws InterruptedException {
        try (EmbeddedTrainer runtime = EmbeddedTrainer.builder(trainer).build()) {
            runtime.start();
            EmbeddedRun.Result r = EmbeddedRun.stream(runtime, PerformanceModel.M, rate, seconds);
            runtime.stop();
            EmbeddedRun.Accounting a = EmbeddedRun.Accounting.of(r, runtime);
            if (!a.balanced() || (rate > 0 && (a.dropped() > 0 || r.predictionsRead() != r.accepted()))) {
                throw new IllegalStateException("the runtime lost samples at rate " + rate + ": " + a.describe());
            }
            return r;
        }
    }

    private static double us(Histogram h, double percentile) {
        return h.getValueAtPercentile(percentile) / 1e3;
    }
}
