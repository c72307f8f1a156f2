package org.sparsertrl.engine.kernel;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * A fixed pool of threads that runs one column-parallel task at a time: the calling thread takes the
 * first range of columns, each worker one of the others, and {@link #run} returns when all are done.
 * The sensitivity kernels write disjoint column ranges of J and of the gradient, so no two threads
 * write one cache line and the results are bit-for-bit those of one thread.
 *
 * <p>Per call nothing is allocated and no lock is taken: the task is a field of its learner,
 * published with a volatile generation counter, and completion is an atomic countdown. Idle workers
 * spin briefly, then park; {@link #close()} stops them.
 *
 * <pre>{@code
 * ColumnPool pool = new ColumnPool(2);
 * ColumnPool.ColumnTask task = (from, to) -> kernels.axpy(2f, x, from, y, from, to - from);
 * pool.run(task, columns, pool.partsFor(workPerStep));
 * pool.close();
 * }</pre>
 */
public final class ColumnPool implements AutoCloseable {

    /** Work on the columns {@code [from, to)}. */
    @FunctionalInterface
    public interface ColumnTask {
        void run(int from, int to);
    }

    /**
     * Multiply-adds a thread must have before a split pays: waking a parked worker costs some
     * microseconds, a step of this size some tens.
     */
    public static final long MIN_WORK_PER_THREAD = 1L << 21;

    /** Ranges start on multiples of this many columns: whole cache lines, whole kernel tiles. */
    static final int ALIGN = 64;

    private static final int SPINS_BEFORE_PARK = 1 << 14;

    private final int threads;
    private final Thread[] workers;
    private final AtomicInteger pending = new AtomicInteger();
    private volatile long generation;
    private volatile boolean closed;
    private volatile Throwable failure;
    private ColumnTask task;
    private int width;
    private int parts;

    /** A pool of {@code threads} threads in all, the caller's included; 1 runs every task inline. */
    public ColumnPool(int threads) {
        if (threads < 1 || threads > 256) {
            throw new IllegalArgumentException("threads = " + threads + " is out of range [1, 256]");
        }
        this.threads = threads;
        this.workers = new Thread[threads - 1];
        for (int w = 0; w < workers.length; w++) {
            int part = w + 1;
            workers[w] = Thread.ofPlatform().daemon().name("sparse-rtrl-worker-" + part).unstarted(() -> work(part));
            workers[w].start();
        }
    }

    public int threads() {
        return threads;
    }

    /** How many threads a task of {@code work} multiply-adds should use: 1 below the split threshold. */
    public int partsFor(long work) {
        return (int) Math.max(1, Math.min(threads, work / MIN_WORK_PER_THREAD));
    }

    /** Runs {@code task} over {@code [0, width)} split into {@code parts} ranges; returns when all are done. */
    public void run(ColumnTask task, int width, int parts) {
        if (parts <= 1 || workers.length == 0) {
            task.run(0, width);
            return;
        }
        if (closed) {
            throw new IllegalStateException("the column pool is closed");
        }
        this.task = task;
        this.width = width;
        this.parts = Math.min(parts, threads);
        pending.set(workers.length);
        generation = generation + 1;
        for (Thread worker : workers) {
            LockSupport.unpark(worker);
        }
        task.run(from(0), from(1));
        while (pending.get() != 0) {
            Thread.onSpinWait();
        }
        Throwable failed = failure;
        if (failed != null) {
            failure = null;
            throw new IllegalStateException("a worker failed: " + failed, failed);
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
        long seen = 0;
        while (true) {
            int spins = 0;
            long now;
            while ((now = generation) == seen) {
                if (closed) {
                    return;
                }
                if (++spins < SPINS_BEFORE_PARK) {
                    Thread.onSpinWait();
                } else {
                    LockSupport.park(this);
                }
            }
            seen = now;
            try {
                int start = from(part), end = from(part + 1);
                if (start < end) {
                    task.run(start, end);
                }
            } catch (Throwable e) {
                failure = e;
            } finally {
                pending.decrementAndGet();
            }
        }
    }

    /** Stops the workers; tasks may no longer run. Idempotent. */
    @Override
    public void close() {
        closed = true;
        for (Thread worker : workers) {
            LockSupport.unpark(worker);
        }
        for (Thread worker : workers) {
            try {
                worker.join(1_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
