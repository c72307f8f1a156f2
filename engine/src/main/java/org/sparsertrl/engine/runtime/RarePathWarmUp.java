package org.sparsertrl.engine.runtime;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;

import org.agrona.concurrent.Agent;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.NoOpIdleStrategy;
import org.sparsertrl.engine.learn.LearnerSpec;
import org.sparsertrl.engine.learn.Selection;
import org.sparsertrl.engine.train.OnlineTrainer;
import org.sparsertrl.engine.train.TrainerState;

/**
 * Warms the agent's rarely taken paths on the thread that starts the runtime, so that the agent
 * thread allocates nothing once it runs: the idle strategy, and once per JVM agrona's duty cycle (on a
 * scratch agent) and the snapshot and checkpoint copy ({@link OnlineTrainer#saveState},
 * {@link OnlineTrainer#restoreState}, on a scratch model of two units).
 *
 * <p>Why: when HotSpot first asks its optimizing compiler (C2) for a method, it resolves the string
 * constants of the method's class on the thread that made the request, allocating the strings there.
 * The step reaches that point in the first seconds. The agent takes a snapshot only every thousand
 * steps, so the request for the snapshot copy came after about 1.8 million steps; the requests for
 * agrona's duty cycle and idle strategy came whenever the agent had run or idled enough cycles. Each
 * allocated 144 to 192 bytes on the agent's thread once, mid-run (seen by the soak test, and traced
 * with JFR's allocation events and the JIT's log to {@code StateSlab.save}, {@code AgentRunner.doWork}
 * and {@code BackoffIdleStrategy.idle}). Made here, the requests allocate on other threads.
 */
final class RarePathWarmUp {

    /*
     * How many calls: HotSpot's default threshold for asking the optimizing compiler is 5,000 calls of
     * the method's profiled (C1) code, raised while the compiler's queue is long; calls made before the
     * C1 code is installed do not count towards it. The cheap calls are made many times over for that
     * reason; a snapshot copy takes long enough that fewer do.
     */
    static final int IDLE_CALLS = 1_000_000;
    static final int DUTY_CYCLES = 200_000;
    static final int SNAPSHOT_CALLS = 20_000;
    private static final AtomicBoolean WARM = new AtomicBoolean();

    private RarePathWarmUp() {
    }

    /**
     * Runs the warm-up before an agent starts.
     *
     * @param idle the agent's idle strategy, not yet in use: called with a work count of 1, which by
     *             the contract of {@link IdleStrategy#idle(int)} does not idle
     */
    static void run(IdleStrategy idle) {
        for (int i = 0; i < IDLE_CALLS; i++) {
            idle.idle(1);
        }
        idle.reset();
        if (WARM.compareAndSet(false, true)) {
            warmDutyCycle();
            warmSnapshotPath();
        }
    }

    /** Runs {@link #DUTY_CYCLES} duty cycles of a scratch agent that does nothing, on a thread of its own. */
    private static void warmDutyCycle() {
        CountDownLatch done = new CountDownLatch(1);
        Agent idler = new Agent() {
            private int cycles;

            @Override
            public int doWork() {
                if (++cycles == DUTY_CYCLES) {
                    done.countDown();
                }
                return 0;
            }

            @Override
            public String roleName() {
                return "sparse-rtrl-warm-up";
            }
        };
        try (AgentRunner runner = new AgentRunner(new NoOpIdleStrategy(), Throwable::printStackTrace, null, idler)) {
            AgentRunner.startOnThread(runner);
            done.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void warmSnapshotPath() {
        try (OnlineTrainer scratch = OnlineTrainer.builder(2, 1, 1).learner(LearnerSpec.sparse(1, Selection.randomFixed(1))).build();
             TrainerState all = scratch.newState(true);
             TrainerState withoutSensitivities = scratch.newState(false)) {
            for (int i = 0; i < SNAPSHOT_CALLS; i++) {
                TrainerState state = (i & 1) == 0 ? all : withoutSensitivities;
                scratch.saveState(state);
                scratch.restoreState(state);
            }
        }
    }
}
