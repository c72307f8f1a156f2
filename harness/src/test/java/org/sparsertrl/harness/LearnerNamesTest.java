package org.sparsertrl.harness;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.sparsertrl.engine.learn.LearnerSpec;
import org.sparsertrl.engine.learn.Precision;
import org.sparsertrl.engine.learn.Rflo;
import org.sparsertrl.engine.learn.Selection;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.floats;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

/**
 * Compact learner names: every spec that has one prints a name that {@link LearnerSpec#parse} takes
 * back to an equal spec, the names the command line, the studies and the benchmarks use mean what
 * they meant, and a name that does not parse says which name and what was expected.
 */
class LearnerNamesTest {

    @Test
    void everyLearnerRoundTripsThroughItsName() {
        // Learners.all(k) seeds: sparse random-fixed 1, resampled 2, subset 3, UORO 5, RFLO 6, random e-prop 7, KF 8,
        // bf16 sparse random-fixed 1, bf16 subset 3.
        long[] seeds = {0, 1, 2, 0, 0, 3, 0, 0, 5, 0, 0, 0, 7, 0, 0, 1, 0, 3, 0, 6, 8};
        List<LearnerSpec> all = Learners.all(7);
        for (int i = 0; i < all.size(); i++) {
            assertRoundTrips(all.get(i), seeds[i]);
        }
    }

    @Test
    void sparseNamesRoundTripForEveryPolicyAndRefresh() {
        Selection.Policy[] policies = {Selection.Policy.RANDOM_FIXED, Selection.Policy.RANDOM_RESAMPLED,
                Selection.Policy.TOP_K, Selection.Policy.BOTTOM_K};
        qt().withExamples(300).forAll(integers().between(0, 100_000), integers().between(0, 7),
                integers().between(1, 1_000_000), longs().all()).checkAssert((k, choice, every, seed) -> {
            Selection selection = switch (policies[choice % 4]) {
                case RANDOM_RESAMPLED -> Selection.randomResampled(every, seed);
                case TOP_K -> Selection.topK(every);
                case BOTTOM_K -> Selection.bottomK(every);
                default -> Selection.randomFixed(seed);
            };
            LearnerSpec.SparseSpec spec = LearnerSpec.sparse(k, selection);
            assertRoundTrips(choice >= 4 ? spec.scaledByNOverK() : spec, seed);
            assertRoundTrips((choice >= 4 ? spec.scaledByNOverK() : spec).sensitivity(Precision.BF16), seed);
        });
    }

    @Test
    void numberedAndRfloNamesRoundTrip() {
        qt().withExamples(300).forAll(integers().between(1, 1_000_000), floats().between(1f, 1e9f), longs().all())
                .checkAssert((number, tau, seed) -> {
                    assertRoundTrips(LearnerSpec.subset(number, seed), seed);
                    assertRoundTrips(LearnerSpec.subset(number, seed).sensitivity(Precision.BF16), seed);
                    assertRoundTrips(LearnerSpec.truncatedBptt(number), seed);
                    assertRoundTrips(LearnerSpec.uoro(seed), seed);
                    assertRoundTrips(LearnerSpec.rflo(tau, Rflo.Feedback.RANDOM, seed), seed);
                    assertRoundTrips(LearnerSpec.rflo(tau, Rflo.Feedback.READOUT, seed), seed);
                });
        for (float tau : new float[] {1f, 1.5f, 4f, 4.000001f, 1e7f, 3.4028235e38f}) {
            assertRoundTrips(LearnerSpec.rflo(tau, Rflo.Feedback.RANDOM, 9), 9);
        }
    }

    @Test
    void namesMeanWhatTheCallersMeantByThem() {
        assertEquals(LearnerSpec.full(), LearnerSpec.parse("full", 1));
        assertEquals(LearnerSpec.immediate(), LearnerSpec.parse("immediate", 1));
        assertEquals(LearnerSpec.snap1(), LearnerSpec.parse("snap-1", 1));
        assertEquals(LearnerSpec.snap1(), LearnerSpec.parse("snap1", 1), "the command line's spelling");
        assertEquals(LearnerSpec.uoro(1), LearnerSpec.parse("uoro", 1));
        assertEquals(LearnerSpec.readoutOnly(), LearnerSpec.parse("readout-only", 1));
        assertEquals(LearnerSpec.rflo(4f, Rflo.Feedback.RANDOM, 1), LearnerSpec.parse("rflo", 1));
        assertEquals(LearnerSpec.rflo(2.5f, Rflo.Feedback.READOUT, 1), LearnerSpec.parse("rflo-tau-2.5-feedback-readout", 1));
        assertEquals(LearnerSpec.truncatedBptt(16), LearnerSpec.parse("tbptt-16", 1));
        assertEquals(LearnerSpec.subset(4, 1), LearnerSpec.parse("subset-4", 1));
        assertEquals(LearnerSpec.sparse(4, Selection.randomFixed(1)), LearnerSpec.parse("sparse-4", 1));
        assertEquals(LearnerSpec.sparse(4, Selection.randomFixed(1)), LearnerSpec.parse("sparse-4-random-fixed", 1));
        assertEquals(LearnerSpec.sparse(4, Selection.topK(100)), LearnerSpec.parse("sparse-4-top-k", 1));
        assertEquals(LearnerSpec.sparse(4, Selection.bottomK(7)), LearnerSpec.parse("sparse-4-bottom-k-every-7", 1));
        assertEquals(LearnerSpec.sparse(4, Selection.randomResampled(100, 3)).scaledByNOverK(),
                LearnerSpec.parse("sparse-4-random-resampled-alpha-n-over-k", 3));
        assertEquals(LearnerSpec.sparse(4, Selection.randomFixed(0)), LearnerSpec.parse("sparse-4"), "seed 0 by default");
        assertEquals("sparse-16-top-k-every-50", LearnerSpec.sparse(16, Selection.topK(50)).name());
        assertEquals("snap-1", LearnerSpec.snap1().name());
    }

    @Test
    void aNameThatDoesNotParseSaysWhichAndWhatWasExpected() {
        for (String bad : List.of("foo", "", "sparse", "sparse-", "sparse-4-topk", "Sparse-4", "sparse-4 ", " full",
                "sparse-4-alpha-n-over-k-top-k", "subset-4-top-k", "tbptt", "rflo-tau-", "rflo-4",
                "uoro-1", "full-64", "sparse-4.5", "snap-3", "eprop-symmetric", "e-prop", "kf-1", "ostl-2",
                "sparse-4-fp16", "sparse-4-bf16-top-k", "sparse-4-bf16-bf16", "full-fp16", "subset-4-bf16-bf16", "uoro-bf16")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LearnerSpec.parse(bad, 1), bad);
            assertTrue(e.getMessage().startsWith("learner = '" + bad + "': expected one of full[-bf16], immediate, snap-1, snap-2, uoro, "
                    + "kf, ostl, readout-only, eprop, eprop-random, sparse-K[-POLICY][-every-R][-alpha-n-over-k][-bf16] (POLICY: random-fixed, "
                    + "random-resampled, top-k, bottom-k), subset-K[-bf16], tbptt-T, rflo[-tau-F][-feedback-readout]"), e.getMessage());
        }
        assertMessage("learner = 'tbptt-0': window = 0 must be >= 1", "tbptt-0");
        assertMessage("learner = 'sparse--1': k = -1 must be >= 0", "sparse--1");
        assertMessage("learner = 'rflo-tau-NaN': tau = NaN must be finite and at least 1", "rflo-tau-NaN");
        assertMessage("learner = 'rflo-tau-4f': tau = 4f is not a number", "rflo-tau-4f");
        assertMessage("learner = 'sparse-4-every-50': refreshEvery = 50 must be 0 for the fixed policy random-fixed",
                "sparse-4-every-50");
        assertMessage("learner = 'sparse-4-top-k-every-0': refreshEvery = 0 must be >= 1", "sparse-4-top-k-every-0");
        assertMessage("learner = 'rflo-tau-0.5': tau = 0.5 must be finite and at least 1", "rflo-tau-0.5");
        assertMessage("learner = 'subset-99999999999': k = 99999999999 is out of the range of an int", "subset-99999999999");
        assertMessage("learner is null", null);
    }

    @Test
    void explicitSetsHaveNoName() {
        assertThrows(IllegalStateException.class, () -> LearnerSpec.subset(new int[] {0, 2}).name());
        assertThrows(IllegalStateException.class,
                () -> LearnerSpec.sparse(1, Selection.explicit(new int[][] {{0}, {1}})).name());
    }

    private static void assertRoundTrips(LearnerSpec spec, long seed) {
        String name = spec.name();
        assertFalse(name.isEmpty() || name.chars().anyMatch(Character::isWhitespace), name);
        LearnerSpec back = LearnerSpec.parse(name, seed);
        assertEquals(spec, back, name);
        assertEquals(name, back.name());
    }

    private static void assertMessage(String expected, String name) {
        assertEquals(expected, assertThrows(IllegalArgumentException.class, () -> LearnerSpec.parse(name, 1)).getMessage());
    }
}
