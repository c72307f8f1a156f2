package org.sparsertrl.harness.study;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The recovery and spread formulas, including every undefined case. */
class RecoveryAndStatsTest {

    @Test
    void stabilityVerdictNeedsAClearDifferenceInSpread() {
        Stats narrow = Stats.of(1.0, 1.1, 0.9, 1.05, 0.95), wide = Stats.of(1.0, 2.0, 0.3, 1.6, 0.2);
        Stats slightlyWider = Stats.of(1.0, 1.12, 0.88, 1.06, 0.94);
        assertTrue(LorenzStudy.stabilityVerdict(narrow, wide, 0, 0).startsWith("sparse is the more stable"));
        assertTrue(LorenzStudy.stabilityVerdict(wide, narrow, 0, 0).startsWith("sparse is not the more stable"));
        assertTrue(LorenzStudy.stabilityVerdict(narrow, slightlyWider, 0, 0).startsWith("the spreads are alike"));
        assertTrue(LorenzStudy.stabilityVerdict(narrow, wide, 0, 2).startsWith("no CV comparison"));
    }

    @Test
    void recoveryIsTheFractionOfFullRtrlsImprovement() {
        assertEquals(0.5, Recovery.of(1.0, 0.6, 0.2, 0.05).value(), 1e-12);
        assertEquals(1.0, Recovery.of(1.0, 0.2, 0.2, 0.05).value(), 1e-12);
        assertEquals(0.0, Recovery.of(1.0, 1.0, 0.2, 0.05).value(), 1e-12);
        assertEquals(1.25, Recovery.of(1.0, 0.0, 0.2, 0.05).value(), 1e-12, "better than full RTRL is kept");
        assertEquals(-0.25, Recovery.of(1.0, 1.2, 0.2, 0.05).value(), 1e-12, "worse than the baseline is kept");
        assertTrue(Recovery.of(1.0, 0.6, 0.2, 0.05).defined());
    }

    @Test
    void recoveryIsUndefinedWhenTheDenominatorIsNoise() {
        Recovery tiny = Recovery.of(1.0, 0.99, 0.97, 0.05);
        assertFalse(tiny.defined());
        assertTrue(Double.isNaN(tiny.value()));
        assertEquals("full RTRL beats the baseline by only 3.0% (< 5%)", tiny.reason());
        Recovery worse = Recovery.of(1.0, 0.5, 1.1, 0.05);
        assertFalse(worse.defined(), "full RTRL worse than the baseline");
        assertFalse(Recovery.of(1.0, 0.5, 1.0, 0.0).defined(), "a zero denominator, even with no threshold");
    }

    @Test
    void recoveryIsUndefinedWhenARunDiverged() {
        assertEquals("the method diverged", Recovery.of(1.0, Double.NaN, 0.2, 0.05).reason());
        assertEquals("baseline or full RTRL diverged", Recovery.of(Double.NaN, 0.5, 0.2, 0.05).reason());
        assertEquals("baseline or full RTRL diverged", Recovery.of(1.0, 0.5, Double.POSITIVE_INFINITY, 0.05).reason());
    }

    @Test
    void statsUseTheSampleStandardDeviationAndLeaveOutNonFiniteValues() {
        Stats s = Stats.of(2, 4, 4, 4, 5, 5, 7, 9, Double.NaN);
        assertEquals(5.0, s.mean(), 1e-12);
        assertEquals(Math.sqrt(32.0 / 7), s.std(), 1e-12);
        assertEquals(8, s.count());
        assertEquals(1, s.missing());
        assertEquals(Math.sqrt(32.0 / 7) / 5, s.cv(), 1e-12);
        assertEquals("500 ± 214 % (1 undefined)", s.percent());
    }

    @Test
    void statsOfTooFewValuesSayWhatIsMissing() {
        assertTrue(Double.isNaN(Stats.of(3).std()));
        assertTrue(Double.isNaN(Stats.of(3).cv()));
        assertEquals("undefined", Stats.of(Double.NaN, Double.NaN).percent());
        assertTrue(Double.isNaN(Stats.of(0, 0).cv()), "CV of a zero mean is undefined");
        assertEquals(0, Stats.of().count());
    }

    @Test
    void quantilesInterpolate() {
        double[] v = {4, 1, 3, 2, Double.NaN};
        assertEquals(1, Stats.quantile(v, 0), 1e-12);
        assertEquals(2.5, Stats.quantile(v, 0.5), 1e-12);
        assertEquals(4, Stats.quantile(v, 1), 1e-12);
        assertTrue(Double.isNaN(Stats.quantile(new double[0], 0.5)));
    }
}
