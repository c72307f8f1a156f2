package org.sparsertrl.engine.kernel;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * A fixed pool of threads that runs one column-parallel task at a time: the calling thread takes the
 * first range of columns, each of the next {@code parts - 1} workers one of the others, and
 * {@link #run} returns when all are done. The sensitivity kernels write disjoint column ranges of J
 * and of the gradient, so no two threads write one cache line and the results are bit-for-bit those
 * of one thread.
 *
 * <p>Per call nothing is allocated and no lock is taken: the task is a field of its learner,
 * published with a volatile generation counter, and completion is an atomic countdown. Idle workers
 * spin briefly, then park; only parked workers are unparked. One thread at a time may call
 * {@link #run}; {@link #close()} waits for a run under way, then stops the workers.
 *
 * <pre>{@code
 * ColumnPool pool = new ColumnPool(2);
 * ColumnPool.ColumnTask task = (part, from, to) -> kernels.axpy(2f, x, from, y, from, to - from);
 * pool.run(task, columns, pool.partsFor(workPerStep));
 * pool.close();
 * }</pre>
 */
public final class ColumnPool implements AutoCloseable {

    /**
     * Work on the columns {@code [from, to)}, range {@code part} of the run (0 on the calling thread, up to
     * {@code parts - 1}): no two ranges of one run have the same part, so a task may keep scratch per part.
     */
    @FunctionalInterface
    public interface ColumnTask {
        void run(int part, int from, int to);
    }

    /**
     * Multiply-adds a thread must have before a split pays: waking a parked worker costs some
     * microseconds, a step of this size some tens.
     */
    public static final long MIN_WORK_PER_THREAD = 1L << 21;

    /** Ranges start on multiples of this many columns: whole cache lines, whole kernel tiles. */
    static final int ALIGN = 64;

    /** The workers' names: this prefix, then the part each runs (1 to {@code threads - 1}). */
    public static final String WORKER_NAME_PREFIX = "sparse-rtrl-worker-";

    private static final int SPINS_BEFORE_PARK = 1 << 14;
    private static final int IDLE = 0;
    private static final int RUNNING = 1;
    private static final int CLOSED = 2;

    private final int threads;
    private final Thread[] workers;
    private final Parking[] parking;
    private final AtomicInteger state = new AtomicInteger(IDLE);
    private final AtomicInteger pending = new AtomicInteger();
    private volatile long generation;
    private volatile boolean stopping;
    private volatile Throwable failure;
    private ColumnTask task;
    private int width;
    private int parts;

    /** Whether a worker is parked; padded so that two workers' flags share no cache line. */
    private static final class Parking {
        volatile boolean parked;
        @SuppressWarnings("unused")
        long p1, p2, p3, p4, p5, p6, p7;
    }

    /** A pool of {@code threads} threads in all, the caller's included; 1 runs every task inline. */
    public ColumnPool(int threads) {
        if (threads < 1 || threads > 256) {
            throw new IllegalArgumentException("threads = " + threads + " is out of range [1, 256]");
        }
        this.threads = threads;
        this.workers = new Thread[threads - 1];
        this.parking = new Parking[threads - 1];
        for (int w = 0; w < workers.length; w++) {
            parking[w] = new Parking();
            int part = w + 1;
            workers[w] = Thread.ofPlatform().daemon().name(WORKER_NAME_PREFIX + part).unstarted(() -> work(part));
        }
        for (Thread worker : workers) {
            worker.start();
        }
    }

    public int threads() {
        return threads;
    }

    /** How many threads a task of {@code work} multiply-adds should use: 1 below the split threshold. */
    public int partsFor(long work) {
        return (int) Math.max(1, Math.min(threads, work / MIN_WORK_PER_THREAD));
    }

    /**
     * Runs {@code task} over {@code [0, width)} split into {@code parts} ranges (at most the pool's
     * threads) and returns when every range is done, also when one of them throws.
     *
     * @throws IllegalStateException if the pool is closed or another thread is inside {@code run}
     */
    public void run(ColumnTask task, int width, int parts) {
        if (!state.compareAndSet(IDLE, RUNNING)) {
            throw new IllegalStateException(state.get() == CLOSED ? "the column pool is closed"
                    : "the column pool is already running a task on another thread");
        }
        try {
            if (parts <= 1 || workers.length == 0) {
                task.run(0, 0, width);
                return;
            }
            this.task = task;
            this.width = width;
            this.parts = Math.min(parts, threads);
            pending.set(this.parts - 1);
            generation = generation + 1;
            for (int w = 0; w < this.parts - 1; w++) {
                if (parking[w].parked) {
                    LockSupport.unpark(workers[w]);
                }
            }
            try {
                task.run(0, from(0), from(1));
            } finally {
                // Never return while a worker may still be writing, not even when our own share threw.
                while (pending.get() != 0) {
                    Thread.onSpinWait();
                }
            }
            Throwable failed = failure;
            if (failed != null) {
                failure = null;
                throw new IllegalStateException("a worker failed: " + failed, failed);
            }
        } finally {
            state.set(IDLE);
        }
    }

    /** The first column of range {@code part}, aligned; the last range ends at {@code width}. */
    private int from(int part) {
        if (part >= parts) {
            return width;
        }
        long chunk = ((long) width + parts - 1) / parts;
        chunk = (chunk + ALIGN - 1) / ALIGN * ALIGN;
        return (int) Math.min(width, part * chunk);
    }

    private void work(int part) {
        Parking mine = parking[part - 1];
        long seen = 0;
        while (true) {
            int spins = 0;
            long now;
            while ((now = generation) == seen) {
                if (stopping) {
                    return;
                }
                if (++spins < SPINS_BEFORE_PARK) {
                    Thread.onSpinWait();
                } else {
                    mine.parked = true;
                    // Check again after announcing the park: either run() sees the flag, or we see its generation.
                    if (generation == seen && !stopping) {
                        LockSupport.park(this);
                    }
                    mine.parked = false;
                }
            }
            seen = now;
            if (part >= parts) {
                continue; // not needed for this task
            }
            try {
                int start = from(part), end = from(part + 1);
                if (start < end) {
                    task.run(part, start, end);
                }
            } catch (Throwable e) {
                failure = e;
            } finally {
                pending.decrementAndGet();
            }
        }
    }

    /** Waits for a run under way, then stops and joins the workers; tasks may no longer run. Idempotent. */
    @Override
    public void close() {
        while (true) {
            int now = state.get();
            if (now == CLOSED) {
                return;
            }
            if (now == IDLE && state.compareAndSet(IDLE, CLOSED)) {
                break;
            }
            Thread.onSpinWait();
        }
        stopping = true;
        for (Thread worker : workers) {
            LockSupport.unpark(worker);
        }
        boolean interrupted = false;
        for (Thread worker : workers) {
            while (worker.isAlive()) {
                try {
                    worker.join();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
