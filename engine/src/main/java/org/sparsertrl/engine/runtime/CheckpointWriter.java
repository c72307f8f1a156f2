package org.sparsertrl.engine.runtime;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

import org.sparsertrl.engine.train.OnlineTrainer;
import org.sparsertrl.engine.train.TrainerState;

/**
 * Writes checkpoints on a thread of its own, so that the agent never waits for a disk. The agent
 * copies the trainer's state into preallocated memory ({@link #offer}, a memory copy, no
 * allocation) and goes on; this thread writes that copy ({@link Checkpoint}: temporary file, force,
 * atomic rename). While a write is under way further offers are refused, and counted by the agent.
 */
final class CheckpointWriter implements AutoCloseable {

    private static final int IDLE = 0;
    private static final int STAGED = 1;
    private static final int COPYING = 2;

    private final Path file;
    private final Checkpoint.Header header;
    private final TrainerState staging;
    private final RuntimeCounters counters;
    private final Runnable beforeRename;
    private final AtomicInteger state = new AtomicInteger(IDLE);
    private final Thread thread;
    private volatile boolean stopping;
    private volatile IOException lastFailure;

    CheckpointWriter(Path file, OnlineTrainer trainer, boolean withSensitivities, RuntimeCounters counters,
                     Runnable beforeRename) {
        this.file = file;
        this.header = Checkpoint.Header.of(trainer, withSensitivities);
        this.staging = trainer.newState(withSensitivities);
        this.counters = counters;
        this.beforeRename = beforeRename;
        this.thread = Thread.ofPlatform().daemon().name("sparse-rtrl-checkpoint").start(this::run);
    }

    /** Copies the trainer's state for writing, if the writer is idle; false (nothing copied) if busy. */
    boolean offer(OnlineTrainer trainer) {
        if (!state.compareAndSet(IDLE, COPYING)) {
            return false;
        }
        trainer.saveState(staging);
        state.set(STAGED);
        LockSupport.unpark(thread);
        return true;
    }

    /** Waits until the writer is idle, offers, and waits until that checkpoint is written. */
    void offerBlocking(OnlineTrainer trainer) {
        while (!offer(trainer)) {
            if (!thread.isAlive()) {
                return;
            }
            LockSupport.parkNanos(100_000);
        }
        while (state.get() != IDLE && thread.isAlive()) {
            LockSupport.parkNanos(100_000);
        }
    }

    /** The last failure to write, or null. */
    IOException lastFailure() {
        return lastFailure;
    }

    Path file() {
        return file;
    }

    private void run() {
        while (!stopping || state.get() == STAGED) {
            if (state.get() != STAGED) {
                LockSupport.parkNanos(10_000_000);
                continue;
            }
            try {
                Checkpoint.write(file, header, staging, beforeRename);
                counters.checkpointsWritten.increment();
            } catch (IOException | RuntimeException e) {
                lastFailure = e instanceof IOException io ? io : new IOException(e);
                counters.checkpointFailures.increment();
            } finally {
                state.set(IDLE);
            }
        }
    }

    /** Finishes a staged write, stops the thread, releases the staging memory. */
    @Override
    public void close() {
        stopping = true;
        LockSupport.unpark(thread);
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        staging.close();
    }
}
