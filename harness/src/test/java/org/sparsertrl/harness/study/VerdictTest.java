package org.sparsertrl.harness.study;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.sparsertrl.harness.study.Verdict.INCONCLUSIVE;
import static org.sparsertrl.harness.study.Verdict.NOT_REPRODUCED;
import static org.sparsertrl.harness.study.Verdict.REPRODUCED;

/** Each verdict rule gives each of its three answers on intervals built to give it, and no other. */
class VerdictTest {

    static final double NAN = Double.NaN;

    @Test
    void intervalRule() {
        // The paper's range [0.70, 0.90], our CIs at most 0.3 wide.
        assertEquals(REPRODUCED, Verdict.ofInterval(interval(0.8, 0.75, 0.85), 0.7, 0.9, 0.3), "inside");
        assertEquals(REPRODUCED, Verdict.ofInterval(interval(0.6, 0.5, 0.72), 0.7, 0.9, 0.3), "overlapping below");
        assertEquals(REPRODUCED, Verdict.ofInterval(interval(0.95, 0.9, 1.0), 0.7, 0.9, 0.3), "touching above");
        assertEquals(REPRODUCED, Verdict.ofInterval(interval(0.8, 0.6, 1.0), 0.8, 0.8, 0.5), "containing a point claim");
        assertEquals(NOT_REPRODUCED, Verdict.ofInterval(interval(0.4, 0.3, 0.5), 0.7, 0.9, 0.3), "wholly below");
        assertEquals(NOT_REPRODUCED, Verdict.ofInterval(interval(1.1, 0.95, 1.2), 0.7, 0.9, 0.3), "wholly above");
        assertEquals(INCONCLUSIVE, Verdict.ofInterval(interval(0.8, 0.3, 1.3), 0.7, 0.9, 0.3), "too wide, though it overlaps");
        assertEquals(INCONCLUSIVE, Verdict.ofInterval(interval(2.0, 1.5, 2.5), 0.7, 0.9, 0.3), "too wide, though outside");
        Paired.Interval undefined = new Paired.Interval(NAN, NAN, NAN, 3, 0, 0, "no gap");
        assertEquals(INCONCLUSIVE, Verdict.ofInterval(undefined, 0.7, 0.9, 0.3), "undefined");
        assertEquals(REPRODUCED, Verdict.ofInterval(interval(0.8, 0.3, 1.3), 0.7, 0.9, Double.POSITIVE_INFINITY),
                "no width limit");
    }

    @Test
    void directionRule() {
        assertEquals(REPRODUCED, Verdict.ofDirection(difference(0.012, 0.004, 0.020)));
        assertEquals(NOT_REPRODUCED, Verdict.ofDirection(difference(-0.012, -0.020, -0.004)));
        assertEquals(INCONCLUSIVE, Verdict.ofDirection(difference(0.012, -0.004, 0.020)));
        assertEquals(INCONCLUSIVE, Verdict.ofDirection(difference(0.01, 0, 0.02)), "a CI that reaches 0 contains it");
        assertEquals(INCONCLUSIVE, Verdict.ofDirection(difference(-0.01, -0.02, 0)));
        assertEquals(INCONCLUSIVE, Verdict.ofDirection(difference(NAN, NAN, NAN)), "undefined");
    }

    @Test
    void noDifferenceRule() {
        double margin = 0.1;
        assertEquals(REPRODUCED, Verdict.ofNoDifference(difference(0.01, -0.05, 0.08), margin), "within");
        assertEquals(REPRODUCED, Verdict.ofNoDifference(difference(0.05, 0.02, 0.09), margin),
                "within, though it excludes 0");
        assertEquals(NOT_REPRODUCED, Verdict.ofNoDifference(difference(0.3, 0.2, 0.4), margin), "beyond, above");
        assertEquals(NOT_REPRODUCED, Verdict.ofNoDifference(difference(-0.3, -0.4, -0.15), margin), "beyond, below");
        assertEquals(INCONCLUSIVE, Verdict.ofNoDifference(difference(0.1, 0.05, 0.2), margin),
                "excludes 0 but reaches into the margin");
        assertEquals(INCONCLUSIVE, Verdict.ofNoDifference(difference(0, -0.3, 0.3), margin), "wider than the margin");
        assertEquals(INCONCLUSIVE, Verdict.ofNoDifference(difference(NAN, NAN, NAN), margin), "undefined");
    }

    /** The rules on the output of {@link Paired}, end to end. */
    @Test
    void verdictsOnPairedStatistics() {
        double[] a = {1.0, 2.0, 3.0, 4.0, 5.0}, higher = {1.1, 2.1, 3.1, 4.1, 5.1}, alike = {1.001, 1.999, 3.002, 3.998, 5.0};
        assertEquals(REPRODUCED, Verdict.ofDirection(Paired.difference(higher, a, 1)));
        assertEquals(NOT_REPRODUCED, Verdict.ofDirection(Paired.difference(a, higher, 1)));
        assertEquals(INCONCLUSIVE, Verdict.ofDirection(Paired.difference(alike, a, 1)));
        assertEquals(REPRODUCED, Verdict.ofNoDifference(Paired.difference(alike, a, 1), 0.01));
        assertEquals(NOT_REPRODUCED, Verdict.ofNoDifference(Paired.difference(higher, a, 1), 0.01));
        double[] baseline = {2, 3, 4, 5}, full = {1, 2, 3, 4}, method = {1.2, 2.2, 3.1, 4.3};
        Paired.Interval recovery = Paired.recovery(baseline, method, full, 1);
        assertEquals(REPRODUCED, Verdict.ofInterval(recovery, 0.7, 0.9, 0.5), recovery.format(true));
        assertEquals(NOT_REPRODUCED, Verdict.ofInterval(recovery, 0.1, 0.3, 0.5), recovery.format(true));
        assertEquals(INCONCLUSIVE, Verdict.ofInterval(recovery, 0.7, 0.9, 0.01), recovery.format(true));
    }

    @Test
    void labelsAndRulesReadAsOneSentence() {
        assertEquals("reproduced", REPRODUCED.label());
        assertEquals("not reproduced", NOT_REPRODUCED.label());
        assertEquals("inconclusive", INCONCLUSIVE.label());
        for (String rule : new String[] {Verdict.RULE_INTERVAL, Verdict.RULE_DIRECTION, Verdict.RULE_NO_DIFFERENCE}) {
            assertTrue(rule.endsWith(".") && rule.indexOf(". ") < 0 && Character.isUpperCase(rule.charAt(0)), rule);
        }
    }

    @Test
    void badArgumentsAreRefusedByName() {
        Paired.Interval ours = interval(0.8, 0.7, 0.9);
        assertMessage("ours is null", () -> Verdict.ofInterval(null, 0.7, 0.9, 0.3));
        assertMessage("paperLow = 0.9, paperHigh = 0.7", () -> Verdict.ofInterval(ours, 0.9, 0.7, 0.3));
        assertMessage("paperLow = NaN", () -> Verdict.ofInterval(ours, NAN, 0.7, 0.3));
        assertMessage("maxWidth = 0.0", () -> Verdict.ofInterval(ours, 0.7, 0.9, 0));
        assertMessage("maxWidth = NaN", () -> Verdict.ofInterval(ours, 0.7, 0.9, NAN));
        assertMessage("d is null", () -> Verdict.ofDirection(null));
        assertMessage("d is null", () -> Verdict.ofNoDifference(null, 0.1));
        assertMessage("margin = -0.1", () -> Verdict.ofNoDifference(difference(0, -1, 1), -0.1));
        assertMessage("margin = Infinity", () -> Verdict.ofNoDifference(difference(0, -1, 1), Double.POSITIVE_INFINITY));
    }

    static Paired.Interval interval(double estimate, double low, double high) {
        return new Paired.Interval(estimate, low, high, 5, 0);
    }

    static Paired.Difference difference(double mean, double low, double high) {
        return Double.isNaN(mean) ? new Paired.Difference(NAN, NAN, NAN, 0, 0, 1, 0)
                : new Paired.Difference(mean, low, high, 3, 2, 5, 0);
    }

    static void assertMessage(String expected, org.junit.jupiter.api.function.Executable call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }
}
