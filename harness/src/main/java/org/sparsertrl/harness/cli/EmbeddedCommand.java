package org.sparsertrl.harness.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;

import org.HdrHistogram.Histogram;
import org.sparsertrl.engine.runtime.EmbeddedTrainer;
import org.sparsertrl.engine.runtime.RuntimeCounters;
import org.sparsertrl.engine.train.OnlineTrainer;
import org.sparsertrl.harness.embedded.EmbeddedRun;

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

    @Option(names = "--duration", defaultValue = "10",
            description = "Seconds to stream, at most 86400 (default: ${DEFAULT-VALUE}).")
    double duration;

    @Option(names = "--warm-up", defaultValue = "2",
            description = "Seconds streamed first, at the same rate, on a runtime of their own and not counted, so that "
                    + "the JIT has compiled the agent's loop; 0 measures a cold start; at most 86400 (default: ${DEFAULT-VALUE}).")
    double warmUp;

    @Option(names = "--drain", defaultValue = "5",
            description = "Seconds to wait after streaming for the queued samples to be trained; those still queued then "
                    + "are dropped and counted; at most 86400 (default: ${DEFAULT-VALUE}).")
    double drain;

    @Option(names = "--max-age", defaultValue = "0", paramLabel = "MS",
            description = "Drop (and count) samples that waited longer than this in the input ring, in milliseconds; "
                    + "0: no limit, every accepted sample waits its turn (default: ${DEFAULT-VALUE}).")
    double maxAge;

    @Option(names = "--checkpoint", defaultValue = "embedded.ckpt", description = "Checkpoint file (default: ${DEFAULT-VALUE}).")
    Path checkpoint;

    @Option(names = "--checkpoint-every", defaultValue = "50000",
            description = "Steps between checkpoints; one more is written on shutdown (default: ${DEFAULT-VALUE}).")
    long checkpointEvery;

    @Option(names = "--seed", defaultValue = "1", description = "Seed of the weights and paths (default: ${DEFAULT-VALUE}).")
    long seed;

    @Override
    public Integer call() throws InterruptedException, java.io.IOException {
        PrintWriter out = spec.commandLine().getOut();
        double max = EmbeddedRun.MAX_SECONDS;
        if (rate < 0) {
            throw new ParameterException(spec.commandLine(), "--rate = " + rate + " must be >= 0");
        }
        if (channels < 1) {
            throw new ParameterException(spec.commandLine(), "--channels = " + channels + " must be >= 1");
        }
        if (!(duration > 0 && duration <= max)) {
            throw new ParameterException(spec.commandLine(), "--duration = " + duration + " must be in (0, " + (long) max + "] s");
        }
        if (!(warmUp >= 0 && warmUp <= max)) {
            throw new ParameterException(spec.commandLine(), "--warm-up = " + warmUp + " must be in [0, " + (long) max + "] s");
        }
        if (!(drain >= 0 && drain <= max)) {
            throw new ParameterException(spec.commandLine(), "--drain = " + drain + " must be in [0, " + (long) max + "] s");
        }
        if (!(maxAge >= 0 && maxAge <= max * 1000)) {
            throw new ParameterException(spec.commandLine(), "--max-age = " + maxAge + " must be in [0, " + (long) max * 1000 + "] ms");
        }
        if (checkpointEvery < 0) {
            throw new ParameterException(spec.commandLine(), "--checkpoint-every = " + checkpointEvery
                    + " must be >= 0 (0: only the checkpoint on shutdown)");
        }
        if (Files.isDirectory(checkpoint)) {
            throw new ParameterException(spec.commandLine(), "--checkpoint = " + checkpoint + " is a directory, not a file");
        }
        Path folder = checkpoint.toAbsolutePath().getParent();
        if (folder == null || !Files.isDirectory(folder)) {
            throw new ParameterException(spec.commandLine(), "--checkpoint = " + checkpoint + ": the folder " + folder
                    + " does not exist");
        }
        try (OnlineTrainer trainer = learner.trainer(n, channels, 1, seed);
             EmbeddedTrainer runtime = EmbeddedTrainer.builder(trainer).checkpoint(checkpoint, checkpointEvery, 0)
                     .maxSampleAge(Duration.ofNanos((long) (maxAge * 1e6))).build()) {
            out.printf("embedded: %s, n=%d, %d inputs, %s, offering %s for %.1f s; %s; checkpoint %s every %,d steps%n",
                    trainer.learnerSpec().label(), n, channels, trainer.optimizerSpec().label(),
                    rate == 0 ? "as fast as possible" : String.format("%,d samples/s", rate), duration,
                    maxAge > 0 ? String.format("samples older than %s ms dropped", maxAge) : "no maximum sample age",
                    checkpoint.toAbsolutePath(), checkpointEvery);
            out.flush();
            if (warmUp > 0) {
                try (EmbeddedTrainer first = EmbeddedTrainer.builder(trainer).build()) {
                    first.start();
                    EmbeddedRun.stream(first, channels, rate, warmUp);
                }
                out.printf("warm-up: %.1f s streamed first on a runtime of its own, not counted below%n", warmUp);
                out.flush();
            }
            // SIGTERM or SIGINT mid-run: stop the agent and write the last checkpoint before the JVM goes.
            Thread hook = Thread.ofPlatform().unstarted(() -> {
                try {
                    runtime.stop();
                    System.err.printf("embedded: interrupted; %,d checkpoints written, %,d failed; the last in %s%n",
                            runtime.counters().checkpointsWritten.get(), runtime.counters().checkpointFailures.get(),
                            checkpoint.toAbsolutePath());
                } catch (IllegalStateException e) {
                    // The command finished and closed the runtime first: its own stop wrote the checkpoint.
                }
            });
            Runtime.getRuntime().addShutdownHook(hook);
            runtime.start();
            EmbeddedRun.Result r = EmbeddedRun.stream(runtime, channels, rate, duration, drain);
            Histogram step = r.step(), e2e = r.endToEnd();
            out.printf("%nthroughput: %,d samples offered, %,d accepted, %,d trained in %.2f s: %,.0f steps/s%n",
                    r.offered(), r.accepted(), r.steps(), r.seconds(), r.stepsPerSecond());
            out.printf("mean loss of the predictions read: %.4e (%,d read)%n", r.meanLoss(), r.predictionsRead());
            out.println("latency (microseconds)      p50       p99     p99.9       max");
            out.printf("  step (agent)        %9.1f %9.1f %9.1f %9.1f%n", us(step, 50), us(step, 99), us(step, 99.9),
                    step.getMaxValue() / 1e3);
            out.printf("  offer to prediction %9.1f %9.1f %9.1f %9.1f%n", us(e2e, 50), us(e2e, 99), us(e2e, 99.9),
                    e2e.getMaxValue() / 1e3);
            out.flush();
            runtime.stop(); // stops the agent and writes the last checkpoint
            removeHook(hook);
            RuntimeCounters c = runtime.counters();
            EmbeddedRun.Accounting a = EmbeddedRun.Accounting.of(r, runtime);
            out.printf("drain: %,d samples still queued after %.1f s were dropped, not trained%n", a.droppedAtStop(), drain);
            out.println("accounted for: " + a.describe());
            out.println("counters:");
            out.print(c.describe());
            out.flush();
            if (!a.balanced()) {
                throw new IllegalStateException("the counters do not account for every sample: " + a.describe());
            }
            if (c.checkpointsWritten.get() == 0 && c.checkpointFailures.get() > 0) {
                throw new java.io.IOException("every checkpoint write failed (" + c.checkpointFailures.get()
                        + "); the last: " + runtime.lastCheckpointFailure().getMessage());
            }
            if (runtime.lastCheckpointFailure() != null) {
                out.println("last checkpoint failure: " + runtime.lastCheckpointFailure().getMessage());
            }
        }
        out.printf("checkpoint: %s%n", checkpoint.toAbsolutePath());
        return 0;
    }

    private static void removeHook(Thread hook) {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // The JVM is shutting down: the hook is running or has run, and writes the checkpoint.
        }
    }

    private static double us(Histogram h, double percentile) {
        return h.getValueAtPercentile(percentile) / 1e3;
    }
}
