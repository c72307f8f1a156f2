package org.sparsertrl.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.sparsertrl.engine.kernel.ColumnPool;

/**
 * The benchmarks' warm-up: the floor of steps comes before the quiet windows count, and a floor that
 * does not fit in the bound is reported as such (windows of one step each, so that without the floor
 * the warm-up would end after a handful of steps); the column pool's worker is one of the step's
 * threads (its CPU is the step's, its allocation too), while any other busy thread keeps the windows
 * from being quiet.
 */
class SteadyStateTest {

    private static final long TEN_SECONDS = 10_000_000_000L;
    private static final long WINDOW = 50_000_000L;

    @Test
    void takesTheFloorOfStepsBeforeTheQuietWindowsCount() {
        long[] calls = {0};
        SteadyState.Outcome o = SteadyState.reach(() -> calls[0]++, TEN_SECONDS, 1, 1, 5_000);
        assertTrue(o.settled(), o::toString);
        assertTrue(o.steps() >= 5_000, o::toString);
        assertEquals(calls[0], o.steps());
    }

    @Test
    void aFloorBeyondTheBoundEndsAtTheBoundAndSaysSo() {
        SteadyState.Outcome o = SteadyState.reach(() -> { }, 50_000_000L, 1, 1, Long.MAX_VALUE);
        assertFalse(o.settled(), o::toString);
        assertTrue(o.toString().contains("ran out"), o::toString);
    }

    @Test
    void aStepOnTwoThreadsSettlesThoughThePoolsWorkerIsBusy() {
        // Called back to back, the pool's worker never parks: it spins between runs, so it is busy all the time.
        double[] sink = new double[2];
        ColumnPool.ColumnTask task = (part, from, to) -> {
            for (int i = 0; i < 2_000; i++) {
                sink[part] += Math.sqrt(from + i);
            }
        };
        try (ColumnPool pool = new ColumnPool(2)) {
            SteadyState.Outcome o = SteadyState.reach(() -> pool.run(task, 128, 2), TEN_SECONDS, WINDOW, 1, 0);
            assertTrue(o.settled(), o::toString);
        }
    }

    @Test
    void whatThePoolsWorkerAllocatesKeepsTheWarmUpFromSettling() {
        // Only the worker (part 1) allocates: the calling thread's own bytes stay flat.
        Object[] kept = new Object[1];
        ColumnPool.ColumnTask task = (part, from, to) -> {
            if (part == 1) {
                kept[0] = new double[to - from];
            }
        };
        try (ColumnPool pool = new ColumnPool(2)) {
            SteadyState.Outcome o = SteadyState.reach(() -> pool.run(task, 128, 2), 20 * WINDOW, WINDOW, 1, 0);
            assertFalse(o.settled(), o::toString);
        }
    }

    @Test
    void aBusyThreadThatIsNotTheStepsKeepsTheWarmUpFromSettling() {
        AtomicBoolean stop = new AtomicBoolean();
        Thread.ofPlatform().daemon().start(() -> {
            while (!stop.get()) {
                Thread.onSpinWait();
            }
        });
        try {
            SteadyState.Outcome o = SteadyState.reach(() -> { }, 20 * WINDOW, WINDOW, 1, 0);
            assertFalse(o.settled(), o::toString);
            assertTrue(o.toString().contains("NOT settled"), o::toString);
        } finally {
            stop.set(true);
        }
    }

    @Test
    void theFloorIsTwiceTheJvmsTierFourThreshold() {
        // HotSpot's default Tier4InvocationThreshold is 5,000; the build's JVMs do not change it.
        assertEquals(2 * SteadyState.TIER4_FALLBACK, SteadyState.minSteps());
    }

    @Test
    void refusesANegativeFloorNamingIt() {
        var e = assertThrows(IllegalArgumentException.class, () -> SteadyState.reach(() -> { }, 1, 1, 1, -1));
        assertTrue(e.getMessage().contains("minSteps = -1"), e.getMessage());
    }
}
