package org.sparsertrl.harness.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import org.HdrHistogram.Histogram;
import org.sparsertrl.engine.runtime.EmbeddedTrainer;
import org.sparsertrl.engine.runtime.SampleProducer;
import org.sparsertrl.engine.train.OnlineTrainer;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * The embedded runtime in action: a producer thread streams a signal at a chosen rate into the trainer
 * agent for a chosen time, a reader thread takes the predictions, and at the end the command prints
 * throughput, latency percentiles, the counters and where the checkpoint is.
 */
@Command(name = "embedded", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Streams a signal through the embedded runtime and reports throughput, latency and counters.")
public final class EmbeddedCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    LearnerOptions learner;

    @Option(names = "--n", defaultValue = "32", description = "Hidden units (default: ${DEFAULT-VALUE}).")
    int n;

    @Option(names = "--channels", defaultValue = "4", description = "Inputs per sample: phase-shifted sines (default: ${DEFAULT-VALUE}).")
    int channels;

    @Option(names = "--rate", defaultValue = "10000",
            description = "Samples per second offered; 0 offers as fast as the ring takes them (default: ${DEFAULT-VALUE}).")
    int rate;

    @Option(names = "--duration", defaultValue = "10", description = "Seconds to stream (default: ${DEFAULT-VALUE}).")
    double duration;

    @Option(names = "--checkpoint", defaultValue = "embedded.ckpt", description = "Checkpoint file (default: ${DEFAULT-VALUE}).")
    Path checkpoint;

    @Option(names = "--checkpoint-every", defaultValue = "50000",
            description = "Steps between checkpoints; one more is written on shutdown (default: ${DEFAULT-VALUE}).")
    long checkpointEvery;

    @Option(names = "--seed", defaultValue = "1", description = "Seed of the weights and paths (default: ${DEFAULT-VALUE}).")
    long seed;

    @Override
    public Integer call() throws InterruptedException {
        PrintWriter out = spec.commandLine().getOut();
        if (rate < 0 || !(duration > 0) || channels < 1) {
            throw new ParameterException(spec.commandLine(), "--rate = " + rate + ", --duration = " + duration
                    + ", --channels = " + channels + ": need rate >= 0, duration > 0, channels >= 1");
        }
        try (OnlineTrainer trainer = OnlineTrainer.builder(n, channels, 1).seed(seed).learner(learner.learner(seed))
                .optimizer(learner.optimizer()).clipNorm(learner.clipNorm).build();
             EmbeddedTrainer runtime = EmbeddedTrainer.builder(trainer).checkpoint(checkpoint, checkpointEvery, 0).build()) {
            out.printf("embedded: %s, n=%d, %d inputs, %s, offering %s for %.1f s; checkpoint %s every %,d steps%n",
                    trainer.learner().spec().label(), n, channels, trainer.optimizer().spec().label(),
                    rate == 0 ? "as fast as possible" : String.format("%,d samples/s", rate), duration,
                    checkpoint.toAbsolutePath(), checkpointEvery);
            out.flush();
            runtime.start();
            AtomicLong predictions = new AtomicLong(), acceptedTotal = new AtomicLong(Long.MAX_VALUE);
            double[] lossSum = {0};
            Thread reader = Thread.ofPlatform().name("embedded-reader").start(() -> {
                // Until every accepted sample's prediction is read (or the agent stops publishing).
                long idleSince = System.nanoTime();
                while (predictions.get() < acceptedTotal.get() && System.nanoTime() - idleSince < 10_000_000_000L) {
                    int read = runtime.pollPredictions((sequence, enqueued, predicted, loss, y) -> {
                        predictions.incrementAndGet();
                        lossSum[0] += loss;
                    }, 1024);
                    if (read == 0) {
                        LockSupport.parkNanos(50_000);
                    } else {
                        idleSince = System.nanoTime();
                    }
                }
            });
            SampleProducer producer = runtime.producer();
            float[] x = new float[channels], y = new float[1];
            long start = System.nanoTime(), end = start + (long) (duration * 1e9), offered = 0, accepted = 0;
            double interval = rate == 0 ? 0 : 1e9 / rate;
            for (long s = 0; System.nanoTime() < end; s++) {
                if (rate > 0) {
                    long due = start + (long) (s * interval);
                    while (System.nanoTime() < due) {
                        Thread.onSpinWait();
                    }
                }
                for (int j = 0; j < channels; j++) {
                    x[j] = (float) Math.sin(0.05 * s + j);
                }
                y[0] = (float) Math.sin(0.05 * (s + 1));
                offered++;
                if (producer.offerTrain(s, x, y)) {
                    accepted++;
                } else if (rate == 0) {
                    Thread.yield();
                }
            }
            acceptedTotal.set(accepted);
            long drainedBy = System.nanoTime() + 10_000_000_000L;
            while (runtime.counters().received.get() < accepted && System.nanoTime() < drainedBy) {
                LockSupport.parkNanos(1_000_000);
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            reader.join();
            Histogram step = runtime.stepLatency(), e2e = runtime.endToEndLatency();
            out.printf("%nthroughput: %,d samples offered, %,d accepted, %,d trained in %.2f s: %,.0f steps/s%n", offered,
                    accepted, runtime.counters().steps.get(), seconds, runtime.counters().steps.get() / seconds);
            out.printf("mean loss of the predictions read: %.4e (%,d read)%n", lossSum[0] / Math.max(1, predictions.get()),
                    predictions.get());
            out.println("latency (microseconds)      p50       p99     p99.9       max");
            out.printf("  step (agent)        %9.1f %9.1f %9.1f %9.1f%n", us(step, 50), us(step, 99), us(step, 99.9),
                    step.getMaxValue() / 1e3);
            out.printf("  offer to prediction %9.1f %9.1f %9.1f %9.1f%n", us(e2e, 50), us(e2e, 99), us(e2e, 99.9),
                    e2e.getMaxValue() / 1e3);
            out.flush();
            runtime.stop(); // stops the agent and writes the last checkpoint
            out.println("counters:");
            out.print(runtime.counters().describe());
            if (runtime.lastCheckpointFailure() != null) {
                out.println("last checkpoint failure: " + runtime.lastCheckpointFailure());
            }
            out.flush();
        }
        out.printf("checkpoint: %s%n", checkpoint.toAbsolutePath());
        return 0;
    }

    private static double us(Histogram h, double percentile) {
        return h.getValueAtPercentile(percentile) / 1e3;
    }
}
