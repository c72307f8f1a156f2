package org.sparsertrl.engine.runtime;

import org.HdrHistogram.Recorder;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.AtomicBuffer;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.ringbuffer.RingBuffer;
import org.sparsertrl.engine.train.OnlineTrainer;
import org.sparsertrl.engine.train.TrainerState;

/**
 * The agent that owns a trainer while the runtime runs: it takes samples off the input ring, trains
 * or predicts, and publishes predictions to the output ring. Run by an agrona {@code AgentRunner}
 * with the configured idle strategy; one thread, no locks, no allocation per sample.
 *
 * <p>A malformed sample (wrong length, NaN or infinity) is rejected and counted before the trainer
 * sees it. With a maximum sample age, a well-formed sample that waited longer than that in the ring
 * is dropped and counted instead of trained: under overload the queue then sheds its oldest work
 * rather than making every later sample wait longer. A step whose loss, state or gradient is not finite is counted and undone: the trainer
 * goes back to the last good snapshot (taken every {@code snapshotEvery} steps into preallocated
 * memory) or, by configuration, keeps its weights and resets its sensitivities and optimizer.
 * Checkpoints are handed to the {@link CheckpointWriter}'s thread as a copy made here, right after
 * the step that completes a period (or between samples, for a period in time), and written there.
 */
final class TrainerAgent implements Agent, MessageHandler {

    /** Samples read per duty cycle, so that checkpoints and snapshots get their turn under load. */
    private static final int READ_LIMIT = 64;
    /** Latencies above this are recorded as this (the histogram's range). */
    static final long MAX_NANOS = 60_000_000_000L;

    private final OnlineTrainer trainer;
    private final RingBuffer input;
    private final RingBuffer output;
    private final AtomicBuffer outputBuffer;
    private final RuntimeCounters counters;
    private final Recorder stepNanos;
    private final Recorder endToEndNanos;
    private final EmbeddedTrainer.Recovery recovery;
    private final TrainerState lastGood;
    private final int snapshotEvery;
    private final CheckpointWriter checkpoints;
    private final long checkpointEverySteps;
    private final long checkpointEveryNanos;
    private final long maxAgeNanos;
    private final int m;
    private final int o;
    private final float[] x;
    private final float[] y;
    private final float[] out;
    private long stepsSinceSnapshot;
    private long stepsSinceCheckpoint;
    private long lastCheckpointNanos;

    TrainerAgent(OnlineTrainer trainer, RingBuffer input, RingBuffer output, RuntimeCounters counters,
                 Recorder stepNanos, Recorder endToEndNanos, EmbeddedTrainer.Recovery recovery, TrainerState lastGood,
                 int snapshotEvery, CheckpointWriter checkpoints, long checkpointEverySteps, long checkpointEveryNanos,
                 long maxAgeNanos) {
        this.trainer = trainer;
        this.input = input;
        this.output = output;
        this.outputBuffer = output.buffer();
        this.counters = counters;
        this.stepNanos = stepNanos;
        this.endToEndNanos = endToEndNanos;
        this.recovery = recovery;
        this.lastGood = lastGood;
        this.snapshotEvery = snapshotEvery;
        this.checkpoints = checkpoints;
        this.checkpointEverySteps = checkpointEverySteps;
        this.checkpointEveryNanos = checkpointEveryNanos;
        this.maxAgeNanos = maxAgeNanos;
        this.m = trainer.layout().m();
        this.o = trainer.layout().o();
        this.x = new float[m];
        this.y = new float[o];
        this.out = new float[o];
    }

    @Override
    public void onStart() {
        if (lastGood != null) {
            trainer.saveState(lastGood);
        }
        lastCheckpointNanos = System.nanoTime();
    }

    @Override
    public int doWork() {
        int work = input.read(this, READ_LIMIT);
        if (checkpoints != null && checkpointEveryNanos > 0
                && System.nanoTime() - lastCheckpointNanos >= checkpointEveryNanos) {
            checkpoint();
            work++;
        }
        return work;
    }

    /**
     * Hands a copy of the current state to the writer, or, if it is still busy with the previous
     * one, counts this checkpoint as skipped; either way the next is due a whole period later. So
     * "every N steps" means at steps N, 2N, 3N, ..., each either written or counted as skipped once.
     */
    void checkpoint() {
        if (!checkpoints.offer(trainer)) {
            counters.checkpointsSkipped.incrementRelease();
        }
        stepsSinceCheckpoint = 0;
        lastCheckpointNanos = System.nanoTime();
    }

    @Override
    public void onMessage(int type, MutableDirectBuffer buffer, int index, int length) {
        counters.received.incrementRelease();
        long sequence = buffer.getLong(index + SampleMessages.SEQUENCE_OFFSET);
        long enqueued = buffer.getLong(index + SampleMessages.ENQUEUED_OFFSET);
        int inputs = buffer.getInt(index + SampleMessages.INPUT_LENGTH_OFFSET);
        int targets = buffer.getInt(index + SampleMessages.TARGET_LENGTH_OFFSET);
        boolean train = type == SampleMessages.TRAIN;
        if ((type != SampleMessages.TRAIN && type != SampleMessages.PREDICT) || inputs != m || targets != (train ? o : 0)
                || length != SampleMessages.sampleLength(inputs, targets)) {
            counters.rejectedLength.incrementRelease();
            return;
        }
        if (maxAgeNanos > 0 && System.nanoTime() - enqueued > maxAgeNanos) {
            counters.droppedStale.incrementRelease();
            return;
        }
        int at = index + SampleMessages.SAMPLE_HEADER_LENGTH;
        boolean finite = true;
        for (int j = 0; j < m; j++, at += Float.BYTES) {
            x[j] = buffer.getFloat(at);
            finite &= Float.isFinite(x[j]);
        }
        for (int j = 0; j < targets; j++, at += Float.BYTES) {
            y[j] = buffer.getFloat(at);
            finite &= Float.isFinite(y[j]);
        }
        if (!finite) {
            counters.rejectedNonFinite.incrementRelease();
            return;
        }
        long start = System.nanoTime();
        float loss = Float.NaN;
        if (train) {
            loss = trainer.step(x, y);
            if (trainer.diverged()) {
                recover();
                return;
            }
            counters.steps.incrementRelease();
            if (lastGood != null && ++stepsSinceSnapshot >= snapshotEvery) {
                trainer.saveState(lastGood);
                stepsSinceSnapshot = 0;
            }
            // Here, after the step that makes the count, not between batches of samples: exactly every N.
            if (checkpoints != null && checkpointEverySteps > 0 && ++stepsSinceCheckpoint >= checkpointEverySteps) {
                checkpoint();
            }
        } else {
            trainer.predict(x, out);
            counters.predictions.incrementRelease();
        }
        long done = System.nanoTime();
        stepNanos.recordValue(Math.min(done - start, MAX_NANOS));
        trainer.output(out);
        publish(sequence, enqueued, done, loss);
        endToEndNanos.recordValue(Math.max(0, Math.min(System.nanoTime() - enqueued, MAX_NANOS)));
    }

    /** Undoes a non-finite step: back to the last good snapshot, or a reset of what was carried. */
    private void recover() {
        counters.nonFiniteRecoveries.incrementRelease();
        if (recovery == EmbeddedTrainer.Recovery.ROLLBACK && lastGood != null) {
            trainer.restoreState(lastGood);
        } else {
            trainer.reset();
            trainer.resetOptimizer();
        }
        stepsSinceSnapshot = 0;
    }

    private void publish(long sequence, long enqueued, long predicted, float loss) {
        int index = output.tryClaim(SampleMessages.PREDICTION, SampleMessages.predictionLength(o));
        if (index <= 0) {
            counters.outputFull.incrementRelease();
            return;
        }
        outputBuffer.putLong(index + SampleMessages.SEQUENCE_OFFSET, sequence);
        outputBuffer.putLong(index + SampleMessages.ENQUEUED_OFFSET, enqueued);
        outputBuffer.putLong(index + SampleMessages.PREDICTED_OFFSET, predicted);
        outputBuffer.putFloat(index + SampleMessages.LOSS_OFFSET, loss);
        outputBuffer.putInt(index + SampleMessages.OUTPUT_LENGTH_OFFSET, o);
        int at = index + SampleMessages.PREDICTION_HEADER_LENGTH;
        for (int j = 0; j < o; j++, at += Float.BYTES) {
            outputBuffer.putFloat(at, out[j]);
        }
        output.commit(index);
    }

    @Override
    public void onClose() {
        if (checkpoints != null) {
            checkpoints.offerBlocking(trainer); // the checkpoint on shutdown
        }
    }

    @Override
    public String roleName() {
        return "sparse-rtrl-trainer";
    }
}
