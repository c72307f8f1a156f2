package org.sparsertrl.harness;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;

import org.junit.jupiter.api.Test;
import org.sparsertrl.engine.kernel.ColumnPool;
import org.sparsertrl.engine.kernel.KernelProvider;
import org.sparsertrl.engine.kernel.Kernels;
import org.sparsertrl.engine.learn.LearnerSpec;
import org.sparsertrl.engine.learn.Selection;
import org.sparsertrl.engine.train.OnlineTrainer;
import org.sparsertrl.harness.oracle.EngineProbe;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;

/** The column pool covers every column once, and a trainer on two threads computes the same bits as on one. */
class ThreadsTest {

    @Test
    void poolCoversEveryColumnExactlyOnce() {
        try (ColumnPool pool = new ColumnPool(3)) {
            qt().withExamples(200).forAll(integers().between(0, 5000), integers().between(1, 5)).checkAssert((width, parts) -> {
                AtomicIntegerArray hits = new AtomicIntegerArray(Math.max(width, 1));
                AtomicInteger ranges = new AtomicInteger(), calls = new AtomicInteger();
                Set<Thread> threads = ConcurrentHashMap.newKeySet();
                Set<Integer> partsSeen = ConcurrentHashMap.newKeySet();
                pool.run((part, from, to) -> {
                    assertTrue(from % 64 == 0 || from == width, "range starts aligned: " + from);
                    assertTrue(part >= 0 && part < Math.min(parts, pool.threads()), "part " + part + " of " + parts);
                    partsSeen.add(part);
                    calls.incrementAndGet();
                    if (from < to) {
                        ranges.incrementAndGet();
                        threads.add(Thread.currentThread());
                    }
                    for (int c = from; c < to; c++) {
                        hits.incrementAndGet(c);
                    }
                }, width, parts);
                for (int c = 0; c < width; c++) {
                    assertEquals(1, hits.get(c), "column " + c + " of " + width + " in " + parts + " parts");
                }
                assertEquals(calls.get(), partsSeen.size(), "each range has a part of its own: " + partsSeen);
                // Covering every column once proves nothing about the split: one range on the caller's
                // thread does that too. Each range ran on a thread of its own, and more than one ran
                // whenever there were two parts to give and more than one aligned block of columns.
                String split = width + " columns in " + parts + " parts: " + ranges.get() + " ranges on " + threads;
                assertEquals(ranges.get(), threads.size(), "one thread per range, " + split);
                assertTrue(ranges.get() <= Math.min(parts, pool.threads()), split);
                if (Math.min(parts, pool.threads()) >= 2 && width > 64) {
                    assertTrue(ranges.get() >= 2, "the work was split, " + split);
                }
            });
        }
    }

    @Test
    void aFailingRangeNeverLeavesWorkersWritingBehind() {
        try (ColumnPool pool = new ColumnPool(2)) {
            AtomicIntegerArray done = new AtomicIntegerArray(2);
            RuntimeException e = org.junit.jupiter.api.Assertions.assertThrows(RuntimeException.class, () -> pool.run((part, from, to) -> {
                if (from == 0) {
                    throw new IllegalStateException("caller's range fails");
                }
                try {
                    Thread.sleep(50); // the worker's range is still running when the caller's has thrown
                } catch (InterruptedException ignored) {
                    Thread.currentThread().interrupt();
                }
                done.set(1, 1);
            }, 256, 2));
            assertEquals("caller's range fails", e.getMessage());
            assertEquals(1, done.get(1), "run() returned only after the worker finished");
            IllegalStateException worker = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
                    () -> pool.run((part, from, to) -> {
                        if (from > 0) {
                            throw new ArithmeticException("worker's range fails");
                        }
                    }, 256, 2));
            assertTrue(worker.getMessage().contains("worker's range fails"), worker.getMessage());
            AtomicIntegerArray hits = new AtomicIntegerArray(256);
            pool.run((part, from, to) -> {
                for (int c = from; c < to; c++) {
                    hits.incrementAndGet(c);
                }
            }, 256, 2);
            for (int c = 0; c < 256; c++) {
                assertEquals(1, hits.get(c), "the pool still works after failures, column " + c);
            }
        }
    }

    @Test
    void aClosedPoolRefusesWork() {
        ColumnPool pool = new ColumnPool(2);
        pool.close();
        pool.close();
        IllegalStateException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
                () -> pool.run((part, from, to) -> { }, 10, 1));
        assertEquals("the column pool is closed", e.getMessage());
    }

    @Test
    void smallStepsStayOnOneThread() {
        try (ColumnPool pool = new ColumnPool(2)) {
            assertEquals(1, pool.partsFor(ColumnPool.MIN_WORK_PER_THREAD - 1));
            assertEquals(2, pool.partsFor(2 * ColumnPool.MIN_WORK_PER_THREAD));
            assertEquals(2, pool.partsFor(Long.MAX_VALUE));
        }
    }

    @Test
    void twoThreadsGiveTheSameBitsAsOne() {
        float[] x = new float[4], y = new float[1];
        for (LearnerSpec learner : List.of(LearnerSpec.full(), LearnerSpec.sparse(16, Selection.randomFixed(3)),
                LearnerSpec.subset(40, 3))) {
            Set<Thread> oneThreads = ConcurrentHashMap.newKeySet(), twoThreads = ConcurrentHashMap.newKeySet();
            try (OnlineTrainer one = OnlineTrainer.builder(72, 4, 1).seed(5).learner(learner)
                         .kernels(recordingThreads(oneThreads)).build();
                 OnlineTrainer two = OnlineTrainer.builder(72, 4, 1).seed(5).learner(learner).threads(2)
                         .kernels(recordingThreads(twoThreads)).build()) {
                for (int t = 0; t < 30; t++) {
                    for (int j = 0; j < 4; j++) {
                        x[j] = (float) Math.sin(0.3 * t + j);
                    }
                    y[0] = (float) Math.cos(0.3 * t);
                    assertEquals(Float.floatToRawIntBits(one.step(x, y)), Float.floatToRawIntBits(two.step(x, y)),
                            learner.label() + " loss at step " + t);
                }
                assertArrayEquals(EngineProbe.weights(one), EngineProbe.weights(two), learner.label() + " weights");
                assertArrayEquals(EngineProbe.gradient(one), EngineProbe.gradient(two), learner.label() + " gradient");
            }
            // Equal bits are only worth something if the second trainer did split its steps.
            assertEquals(Set.of(Thread.currentThread()), oneThreads, learner.label() + ": one thread");
            assertEquals(2, twoThreads.size(), learner.label() + ": the sensitivity kernels ran on " + twoThreads);
        }
    }

    /** The selected kernels, noting every thread that runs a sensitivity kernel into {@code threads}. */
    private static Kernels recordingThreads(Set<Thread> threads) {
        Kernels kernels = KernelProvider.selected();
        return (Kernels) Proxy.newProxyInstance(Kernels.class.getClassLoader(), new Class<?>[] {Kernels.class},
                (proxy, method, args) -> {
                    if (method.getName().endsWith("Step")) {
                        threads.add(Thread.currentThread());
                    }
                    try {
                        return method.invoke(kernels, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    @Test
    void closingTheTrainerStopsItsWorkers() throws InterruptedException {
        try (OnlineTrainer trainer = OnlineTrainer.builder(64, 1, 1).threads(2).build()) {
            trainer.step(new float[] {0.5f}, new float[] {0.1f});
            assertTrue(workersAlive() >= 1);
        }
        for (int wait = 0; wait < 100 && workersAlive() > 0; wait++) {
            Thread.sleep(10);
        }
        assertEquals(0, workersAlive(), "worker threads left after close");
    }

    private static long workersAlive() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith("sparse-rtrl-worker") && t.isAlive()).count();
    }

    @Test
    void threadCountIsChecked() {
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> OnlineTrainer.builder(4, 1, 1).threads(0));
        assertEquals("threads = 0 is out of range [1, 256]", e.getMessage());
        e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> OnlineTrainer.builder(4, 1, 1).threads(257));
        assertEquals("threads = 257 is out of range [1, 256]", e.getMessage());
    }
}
