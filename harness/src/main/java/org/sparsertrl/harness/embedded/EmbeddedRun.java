package org.sparsertrl.harness.embedded;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import org.HdrHistogram.Histogram;
import org.sparsertrl.engine.runtime.EmbeddedTrainer;
import org.sparsertrl.engine.runtime.RuntimeCounters;
import org.sparsertrl.engine.runtime.SampleProducer;

/**
 * Streams a signal through a started {@link EmbeddedTrainer}: the calling thread offers samples
 * (phase-shifted sines on every input, the next value of the first as the target) at a fixed rate,
 * parking between samples as a paced source would, or as fast as the ring takes them, and a reader
 * thread takes the predictions. Used by the
 * {@code embedded} command and by the benchmark suite's latency probe.
 */
public final class EmbeddedRun {

    /** What one stream measured. The histograms are in nanoseconds, accumulated since the runtime started. */
    public record Result(long offered, long accepted, long steps, double seconds, long predictionsRead,
                         double meanLoss, Histogram step, Histogram endToEnd) {

        public double stepsPerSecond() {
            return steps / seconds;
        }
    }

    /**
     * Where every sample a stream offered went, read from the runtime's counters after it stopped:
     * offered = processed + dropped + refused, each side counted by its own party (the producer loop
     * counts offers; the agent what it did; the ring's refusals and the drop at stop are counted by the
     * runtime). Valid for a runtime that ran this one stream.
     */
    public record Accounting(long offered, long refused, long trained, long predicted, long rejected, long recovered,
                             long stale, long droppedAtStop) {

        /** Reads the counters of {@code runtime}, which must be stopped, beside what {@code result} offered. */
        public static Accounting of(Result result, EmbeddedTrainer runtime) {
            RuntimeCounters c = runtime.counters();
            return new Accounting(result.offered(), c.inputFull.get(), c.steps.get(), c.predictions.get(),
                    c.rejectedLength.get() + c.rejectedNonFinite.get(), c.nonFiniteRecoveries.get(), c.droppedStale.get(),
                    c.droppedAtStop.get());
        }

        public long processed() {
            return trained + predicted + rejected + recovered;
        }

        public long dropped() {
            return stale + droppedAtStop;
        }

        /** True if every offered sample is counted exactly once. */
        public boolean balanced() {
            return offered == processed() + dropped() + refused;
        }

        public String describe() {
            return String.format("%,d offered = %,d processed (%,d trained, %,d predicted, %,d rejected, %,d recovered)"
                            + " + %,d dropped (%,d older than the maximum age, %,d queued at stop) + %,d refused (ring full)%s",
                    offered, processed(), trained, predicted, rejected, recovered, dropped(), stale, droppedAtStop, refused,
                    balanced() ? "" : String.format("; MISMATCH: %,d samples not accounted for",
                            offered - processed() - dropped() - refused));
        }
    }

    /**
     * How long before a sample is due the producer stops parking and spins: about the time a park
     * oversleeps on Linux, so samples leave on time without a core spent waiting between them.
     */
    private static final long SPIN_NANOS = 80_000;

    /** The longest stream, warm-up or drain: one day, far beyond any demo, far below a long's nanoseconds. */
    public static final double MAX_SECONDS = 86_400;

    private EmbeddedRun() {
    }

    /** Parks until shortly before {@code due}, then spins, so a paced producer leaves the cores to the agent. */
    private static void awaitDue(long due) {
        long left;
        while ((left = due - System.nanoTime()) > SPIN_NANOS) {
            LockSupport.parkNanos(left - SPIN_NANOS);
        }
        while (System.nanoTime() < due) {
            Thread.onSpinWait();
        }
    }

    /** As {@link #stream(EmbeddedTrainer, int, int, double, double)} with a drain of at most 10 s. */
    public static Result stream(EmbeddedTrainer runtime, int inputs, int rate, double seconds)
            throws InterruptedException {
        return stream(runtime, inputs, rate, seconds, 10);
    }

    /**
     * Offers samples for {@code seconds}: {@code rate} per second, or as fast as the ring takes them
     * when {@code rate} is 0 (a refused offer then yields and moves on to the next sample). Returns
     * once every accepted sample's prediction has been read, or after at most {@code drainSeconds}
     * more (and at once if the agent goes quiet for that long): at overload the queue can hold more
     * work than is worth waiting for. Samples still queued then are the caller's to count as dropped.
     */
    public static Result stream(EmbeddedTrainer runtime, int inputs, int rate, double seconds, double drainSeconds)
            throws InterruptedException {
        if (inputs < 1 || rate < 0 || !(seconds > 0 && seconds <= MAX_SECONDS)
                || !(drainSeconds >= 0 && drainSeconds <= MAX_SECONDS)) {
            throw new IllegalArgumentException("inputs = " + inputs + ", rate = " + rate + ", seconds = " + seconds
                    + ", drainSeconds = " + drainSeconds + ": need inputs >= 1, rate >= 0, seconds in (0, "
                    + MAX_SECONDS + "], drainSeconds in [0, " + MAX_SECONDS + "]");
        }
        AtomicLong predictions = new AtomicLong(), acceptedTotal = new AtomicLong(Long.MAX_VALUE);
        AtomicLong drainDeadline = new AtomicLong(); // 0 until the producer is done
        long drainNanos = (long) (drainSeconds * 1e9);
        double[] lossSum = {0};
        Thread reader = Thread.ofPlatform().name("embedded-reader").start(() -> {
            long idleSince = System.nanoTime();
            while (predictions.get() < acceptedTotal.get() && System.nanoTime() - idleSince < 10_000_000_000L
                    && (drainDeadline.get() == 0 || System.nanoTime() - drainDeadline.get() < 0)) {
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
        float[] x = new float[inputs], y = new float[1];
        long stepsBefore = runtime.counters().steps.get();
        long start = System.nanoTime(), end = start + (long) (seconds * 1e9), offered = 0, accepted = 0;
        double interval = rate == 0 ? 0 : 1e9 / rate;
        for (long s = 0; System.nanoTime() < end; s++) {
            if (rate > 0) {
                awaitDue(start + (long) (s * interval));
            }
            for (int j = 0; j < inputs; j++) {
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
        drainDeadline.set((System.nanoTime() + drainNanos) | 1);
        acceptedTotal.set(accepted);
        reader.join();
        double elapsed = (System.nanoTime() - start) / 1e9;
        long steps = runtime.counters().steps.get() - stepsBefore;
        return new Result(offered, accepted, steps, elapsed, predictions.get(),
                lossSum[0] / Math.max(1, predictions.get()), runtime.stepLatency(), runtime.endToEndLatency());
    }
}
