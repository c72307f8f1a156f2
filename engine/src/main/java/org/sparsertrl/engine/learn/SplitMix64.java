package org.sparsertrl.engine.learn;

import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * SplitMix64 (Steele, Lea and Flood, 2014) over one long of state kept in the model's state slab, for
 * the learners that draw random signs every step (UORO, KF-RTRL): nothing is allocated, and a restored
 * model draws the same signs.
 */
final class SplitMix64 {

    private SplitMix64() {
    }

    /** The next draw; advances {@code state}, a view of one long. */
    static long next(MemorySegment state) {
        long z = state.get(JAVA_LONG, 0) + 0x9E3779B97F4A7C15L;
        state.set(JAVA_LONG, 0, z);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
