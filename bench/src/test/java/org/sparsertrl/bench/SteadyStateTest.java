package org.sparsertrl.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * The benchmarks' warm-up: the floor of steps comes before the quiet windows count, and a floor that
 * does not fit in the bound is reported as such. Windows of one step each, so that without the floor
 * the warm-up would end after a handful of steps.
 */
class SteadyStateTest {

    private static final long TEN_SECONDS = 10_000_000_000L;

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
