package org.sparsertrl.harness.study;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The recovery and spread formulas, including every undefined case. */
class RecoveryAndStatsTest {

    @Test
    void stabilityVerdictNeedsAClearDifferenceInSpread() {
        assertTrue(LorenzStudy.stabilityVerdict(0.1, 0.5, 0, 0).startsWith("sparse is the more stable"));
        assertTrue(LorenzStudy.stabilityVerdict(0.5, 0.1, 0, 0).startsWith("sparse is not the more stable"));
        assertTrue(LorenzStudy.stabilityVerdict(0.1, 0.12, 0, 0).startsWith("the spreads are alike"));
        assertTrue(LorenzStudy.stabilityVerdict(0.1, 0.5, 0, 2).startsWith("0 sparse and 2 full runs diverged"));
        assertTrue(LorenzStudy.stabilityVerdict(Double.NaN, 0.5, 0, 0).startsWith("too few"));
    }

    @Test
    void aControlFallsClearlyShortOnlyWithAPairedGapAndAClearRatio() {
        // Seeds differ tenfold in difficulty; the control is 1.5x full RTRL on every seed: clearly short.
        double[] full = {0.01, 0.1, 0.05, 0.02, 0.08}, control = new double[5], close = new double[5], noisy = new double[5];
        for (int i = 0; i < 5; i++) {
            control[i] = 1.5 * full[i];
            close[i] = 1.1 * full[i];
            noisy[i] = full[i] * (i % 2 == 0 ? 2.0 : 0.5);
        }
        assertTrue(Comparison.clearlyShort(control, full, 2_000));
        assertFalse(Comparison.clearlyShort(close, full, 2_000), "consistently worse, but by less than the ratio");
        assertFalse(Comparison.clearlyShort(noisy, full, 2_000), "worse on some seeds, better on others");
        assertFalse(Comparison.clearlyShort(full, full, 2_000));
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
