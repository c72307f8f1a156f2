package org.sparsertrl.engine.runtime;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.ManyToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;
import org.sparsertrl.engine.Arguments;
import org.sparsertrl.engine.train.OnlineTrainer;
import org.sparsertrl.engine.train.TrainerState;

/**
 * An online learner embedded in a running service: samples stream in through an off-heap ring
 * buffer, a dedicated agent thread trains (or only predicts) on each, and predictions stream out
 * through a second ring buffer. Built on agrona (ring buffers, agent runner, counters) and
 * HdrHistogram (latency, recorded without allocation).
 *
 * <pre>{@code
 * try (OnlineTrainer trainer = OnlineTrainer.builder(32, 1, 1).learner(LearnerSpec.sparse(4, Selection.randomFixed(1))).build();
 *      EmbeddedTrainer runtime = EmbeddedTrainer.builder(trainer)
 *              .checkpoint(Path.of("model.ckpt"), 10_000, 0)
 *              .build()) {
 *     runtime.start();
 *     SampleProducer producer = runtime.producer();
 *     producer.offerTrain(0, new float[] {0.5f}, new float[] {0.48f});   // false if the ring is full
 *     runtime.pollPredictions((seq, enqueued, predicted, loss, y) -> System.out.println(y[0]), 100);
 * }
 * }</pre>
 *
 * <p>While the runtime runs, its agent thread owns the trainer: nothing else may step, predict or
 * change it. {@link #close()} stops the agent (writing a last checkpoint if configured), then
 * releases the rings and counters; the trainer stays open and belongs to the caller again.
 */
public final class EmbeddedTrainer implements AutoCloseable {

    /** What to do after a step that was not finite. */
    public enum Recovery {
        /** Go back to the last good snapshot: weights, state, optimizer, sensitivities. */
        ROLLBACK,
        /** Keep the weights; zero the hidden state, the sensitivities and the optimizer's moments. */
        RESET
    }

    private final OnlineTrainer trainer;
    private final Arena arena = Arena.ofShared();
    private final RingBuffer input;
    private final RingBuffer output;
    private final RuntimeCounters counters = new RuntimeCounters();
    private final Recorder stepNanos = new Recorder(TrainerAgent.MAX_NANOS, 3);
    private final Recorder endToEndNanos = new Recorder(TrainerAgent.MAX_NANOS, 3);
    private final Histogram stepTotal = new Histogram(TrainerAgent.MAX_NANOS, 3);
    private final Histogram endToEndTotal = new Histogram(TrainerAgent.MAX_NANOS, 3);
    private final TrainerState lastGood;
    private final CheckpointWriter checkpoints;
    private final AgentRunner runner;
    private final IdleStrategy idle;
    private final SampleProducer producer;
    private final PredictionReader predictions;
    private boolean started;
    private Thread agentThread;
    private boolean stopped;
    private boolean closed;

    private EmbeddedTrainer(Builder b) {
        this.trainer = b.trainer;
        this.input = ring(b.inputCapacity, b.manyProducers);
        this.output = ring(b.outputCapacity, false);
        this.lastGood = b.recovery == Recovery.ROLLBACK ? trainer.newState(true) : null;
        this.checkpoints = b.checkpointFile == null ? null : new CheckpointWriter(b.checkpointFile, trainer,
                b.checkpointSensitivities, counters, b.beforeRename);
        TrainerAgent agent = new TrainerAgent(trainer, input, output, counters, stepNanos, endToEndNanos, b.recovery,
                lastGood, b.snapshotEvery, checkpoints, b.checkpointEverySteps, b.checkpointEveryNanos, b.maxAgeNanos);
        this.idle = b.idle;
        this.runner = new AgentRunner(b.idle, Throwable::printStackTrace, null, agent);
        this.producer = new SampleProducer(input, counters.inputFull);
        this.predictions = new PredictionReader(output, trainer.layout().o());
    }

    private RingBuffer ring(int capacity, boolean many) {
        MemorySegment memory = arena.allocate(capacity + RingBufferDescriptor.TRAILER_LENGTH, 64);
        UnsafeBuffer buffer = new UnsafeBuffer(memory.address(), (int) memory.byteSize());
        return many ? new ManyToOneRingBuffer(buffer) : new OneToOneRingBuffer(buffer);
    }

    /**
     * {@return a builder for a runtime around {@code trainer}}
     *
     * @param trainer the trainer the agent steps; the runtime owns it from now on
     */
    public static Builder builder(OnlineTrainer trainer) {
        return new Builder(trainer);
    }

    /** Starts the agent thread. */
    public synchronized void start() {
        if (stopped || started) {
            throw new IllegalStateException(stopped ? "the runtime is stopped" : "the runtime is already started");
        }
        started = true;
        RarePathWarmUp.run(idle); // here, so that the JIT's one-time allocations for them are not the agent's
        agentThread = AgentRunner.startOnThread(runner);
    }

    /** {@return the producer side of the input ring} */
    public SampleProducer producer() {
        return producer;
    }

    /**
     * Reads up to {@code limit} predictions from the output ring into {@code handler}, on the calling
     * thread (one consumer at a time); returns how many. Allocates nothing.
     *
     * @param handler called once per prediction
     * @param limit   the most predictions to read
     * @return predictions read
     */
    public int pollPredictions(PredictionHandler handler, int limit) {
        return predictions.poll(handler, limit);
    }

    /** {@return the counters, readable from any thread while the runtime runs} */
    public RuntimeCounters counters() {
        return counters;
    }

    /** {@return latency of each step (agent side), accumulated since the start}; allocates, so not for the hot path. */
    public synchronized Histogram stepLatency() {
        stepTotal.add(stepNanos.getIntervalHistogram());
        return stepTotal.copy();
    }

    /** {@return latency from offer to published prediction, accumulated since the start} */
    public synchronized Histogram endToEndLatency() {
        endToEndTotal.add(endToEndNanos.getIntervalHistogram());
        return endToEndTotal.copy();
    }

    /** {@return the agent's thread once started (for monitoring, e.g. its allocated bytes), or null} */
    public synchronized Thread agentThread() {
        return agentThread;
    }

    /** {@return the last checkpoint write that failed, or null} */
    public java.io.IOException lastCheckpointFailure() {
        return checkpoints == null ? null : checkpoints.lastFailure();
    }

    /** {@return where checkpoints go, or null} */
    public Path checkpointFile() {
        return checkpoints == null ? null : checkpoints.file();
    }

    /**
     * Stops the agent and writes the last checkpoint (if configured), keeping the counters and
     * histograms readable; the trainer belongs to the caller again. Samples still queued in the input
     * ring are dropped and counted ({@link RuntimeCounters#droppedAtStop}), so that every sample
     * accepted before the stop is counted once: trained, predicted, rejected, recovered, dropped as
     * too old, or dropped here. Idempotent; {@link #close()} stops too.
     */
    public synchronized void stop() {
        if (stopped) {
            return;
        }
        stopped = true;
        if (started) {
            runner.close(); // calls the agent's onClose, which hands over the last checkpoint
        }
        // What the agent never took is dropped here, counted, so that every accepted sample is accounted for.
        for (int read; (read = input.read((type, buffer, index, length) -> { }, Integer.MAX_VALUE)) > 0; ) {
            counters.droppedAtStop.getAndAddRelease(read);
        }
        if (checkpoints != null) {
            checkpoints.close();
        }
    }

    /** Stops (see {@link #stop()}) and releases rings, counters and snapshots. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        stop();
        closed = true;
        if (lastGood != null) {
            lastGood.close();
        }
        counters.close();
        arena.close();
    }

    /** The choices of an {@link EmbeddedTrainer}; each setter checks its argument at once. */
    public static final class Builder {
        private final OnlineTrainer trainer;
        private int inputCapacity = 1 << 20;
        private int outputCapacity = 1 << 20;
        private boolean manyProducers;
        private IdleStrategy idle = new BackoffIdleStrategy(100, 10, TimeUnit.MICROSECONDS.toNanos(1),
                TimeUnit.MICROSECONDS.toNanos(100));
        private Recovery recovery = Recovery.ROLLBACK;
        private int snapshotEvery = 1_000;
        private Path checkpointFile;
        private long checkpointEverySteps;
        private long checkpointEveryNanos;
        private boolean checkpointSensitivities;
        private Runnable beforeRename = () -> { };
        private long maxAgeNanos;

        private Builder(OnlineTrainer trainer) {
            if (trainer == null) {
                throw new IllegalArgumentException("trainer is null");
            }
            this.trainer = trainer;
        }

        /**
         * Bytes of each ring buffer, a power of two (default 1 MiB).
         *
         * @param inputBytes  bytes of the input ring
         * @param outputBytes bytes of the output ring
         * @return this builder
         */
        public Builder capacity(int inputBytes, int outputBytes) {
            this.inputCapacity = requirePowerOfTwo("inputBytes", inputBytes);
            this.outputCapacity = requirePowerOfTwo("outputBytes", outputBytes);
            return this;
        }

        private static int requirePowerOfTwo(String name, int bytes) {
            if (bytes < 1024 || Integer.bitCount(bytes) != 1) {
                throw new IllegalArgumentException(name + " = " + bytes + " must be a power of two >= 1024");
            }
            return bytes;
        }

        /**
         * Several threads may offer samples at once (a many-to-one ring; default one producer).
         *
         * @param many whether several producers may offer at once
         * @return this builder
         */
        public Builder manyProducers(boolean many) {
            this.manyProducers = many;
            return this;
        }

        /**
         * How the agent waits for work (default: back off from spinning to 100 us parks).
         *
         * @param strategy the idle strategy
         * @return this builder
         */
        public Builder idleStrategy(IdleStrategy strategy) {
            if (strategy == null) {
                throw new IllegalArgumentException("idleStrategy is null");
            }
            this.idle = strategy;
            return this;
        }

        /**
         * What a non-finite step leads to (default ROLLBACK to a snapshot taken every {@code snapshotEvery} steps).
         *
         * @param recovery      rollback or reset
         * @param snapshotEvery steps between snapshots, >= 1
         * @return this builder
         */
        public Builder recovery(Recovery recovery, int snapshotEvery) {
            if (recovery == null) {
                throw new IllegalArgumentException("recovery is null");
            }
            this.recovery = recovery;
            this.snapshotEvery = Arguments.requireAtLeast("snapshotEvery", snapshotEvery, 1);
            return this;
        }

        /**
         * Writes checkpoints to {@code file} every {@code everySteps} steps and every {@code everyMillis}
         * milliseconds (0: not by that measure), and once more on close.
         *
         * @param file        the checkpoint file
         * @param everySteps  steps between checkpoints, 0 for none by steps
         * @param everyMillis milliseconds between checkpoints, 0 for none by time
         * @return this builder
         */
        public Builder checkpoint(Path file, long everySteps, long everyMillis) {
            if (file == null) {
                throw new IllegalArgumentException("file is null");
            }
            if (everySteps < 0 || everyMillis < 0) {
                throw new IllegalArgumentException("everySteps = " + everySteps + " and everyMillis = " + everyMillis
                        + " must be >= 0");
            }
            this.checkpointFile = file;
            this.checkpointEverySteps = everySteps;
            this.checkpointEveryNanos = TimeUnit.MILLISECONDS.toNanos(everyMillis);
            return this;
        }

        /**
         * Whether checkpoints include the learner's sensitivities (default no: weights, state, optimizer).
         *
         * @param include whether to include them
         * @return this builder
         */
        public Builder checkpointSensitivities(boolean include) {
            this.checkpointSensitivities = include;
            return this;
        }

        /**
         * A hook run after a checkpoint is on disk and before it is renamed into place (fault tests).
         *
         * @param hook run on the writer thread
         * @return this builder
         */
        public Builder beforeCheckpointRename(Runnable hook) {
            if (hook == null) {
                throw new IllegalArgumentException("hook is null");
            }
            this.beforeRename = hook;
            return this;
        }

        /**
         * Drops samples that waited in the input ring longer than {@code age} (measured from the offer to
         * the moment the agent takes the sample), counting them in {@link RuntimeCounters#droppedStale},
         * so that overload degrades by shedding old samples rather than by a growing delay for every
         * sample. Default: {@link Duration#ZERO}, no limit.
         *
         * @param age the maximum age, zero for no limit, at most one day
         * @return this builder
         */
        public Builder maxSampleAge(Duration age) {
            if (age == null || age.isNegative() || age.compareTo(Duration.ofDays(1)) > 0) {
                throw new IllegalArgumentException("maxSampleAge = " + age + " must be in [0, 1 day]");
            }
            this.maxAgeNanos = age.toNanos();
            return this;
        }

        /** {@return the runtime, not yet started} */
        public EmbeddedTrainer build() {
            return new EmbeddedTrainer(this);
        }
    }
}
