package org.sparsertrl.harness.study;

import java.util.Arrays;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.doubles;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

/**
 * The paired statistics on data whose answer is known: exact recoveries, the pairing itself (which
 * an unpaired bootstrap would fail), the coverage and width of the interval of a mean, dropped
 * seeds, the undefined cases, and the ratio of means against the mean of ratios.
 */
class PairedTest {

    static final int R = Paired.DEFAULT_RESAMPLES;

    @Test
    void methodAsGoodAsFullRtrlRecoversOneWithAnIntervalOfOne() {
        double[][] bf = baselineAndFull(10, 1);
        Paired.Interval recovery = Paired.recovery(bf[0], bf[1].clone(), bf[1], 7, R);
        assertPoint(1.0, recovery);
        assertEquals(10, recovery.seeds());
        assertEquals(0, recovery.dropped());
        assertEquals(0, recovery.rejected());
        assertNull(recovery.reason());
        assertEquals("100 % [100, 100]", recovery.format(true));
    }

    @Test
    void methodAsGoodAsTheBaselineRecoversNothing() {
        double[][] bf = baselineAndFull(10, 2);
        Paired.Interval recovery = Paired.recovery(bf[0], bf[0].clone(), bf[1], 7, R);
        assertPoint(0.0, recovery);
    }

    /**
     * Losses that differ between seeds by three orders of magnitude, with a constant per-seed
     * difference (or ratio): the paired intervals have no width at all. Shuffling one array's seeds
     * keeps every value but breaks the pairs, and the same functions then give wide intervals: the
     * narrowness comes from the pairing, which an unpaired bootstrap would not use.
     */
    @Test
    void bootstrapIsPairedAcrossSeeds() {
        int n = 12;
        SplittableRandom random = new SplittableRandom(3);
        double[] b = new double[n];
        for (int i = 0; i < n; i++) {
            b[i] = Math.pow(10, 3 * random.nextDouble());   // 1 .. 1000
        }
        double[] plus = new double[n], times = new double[n], full = new double[n], method = new double[n];
        for (int i = 0; i < n; i++) {
            plus[i] = b[i] + 0.5;
            times[i] = 1.5 * b[i];
            full[i] = b[i] - 0.25;
            method[i] = b[i] - 0.15;
        }
        Paired.Difference difference = Paired.difference(plus, b, 1, R);
        assertEquals(0.5, difference.mean(), 1e-9);
        assertEquals(0.5, difference.low(), 1e-9);
        assertEquals(0.5, difference.high(), 1e-9);
        assertEquals(n, difference.positive());
        Paired.Interval ratio = Paired.ratio(times, b, 1, R);
        assertEquals(1.5, ratio.estimate(), 1e-12);
        assertTrue(ratio.width() < 1e-12, "paired ratio width " + ratio.width());
        Paired.Interval recovery = Paired.recovery(b, method, full, 1, R);
        assertEquals(0.6, recovery.estimate(), 1e-9);
        assertTrue(recovery.width() < 1e-6, "paired recovery width " + recovery.width());

        double[] shuffledPlus = shuffle(plus, 5), shuffledTimes = shuffle(times, 5), shuffledMethod = shuffle(method, 5);
        assertTrue(Paired.difference(shuffledPlus, b, 1, R).high() - Paired.difference(shuffledPlus, b, 1, R).low() > 50,
                "unpaired difference width");
        assertTrue(Paired.ratio(shuffledTimes, b, 1, R).width() > 0.5, "unpaired ratio width");
        Paired.Interval unpaired = Paired.recovery(b, shuffledMethod, full, 1, R);
        assertTrue(!unpaired.defined() || unpaired.width() > 100, "unpaired recovery " + unpaired);
    }

    /**
     * The interval of a mean: on one large normal sample it covers the true mean and is as wide as the
     * normal theory says, 2 * 1.96 sigma / sqrt(n), within 10 %; over many small samples it covers the
     * true mean about 95 % of the time.
     */
    @Test
    void intervalOfAMeanHasTheRightWidthAndCoverage() {
        int n = 2_000;
        double mu = 3, sigma = 2;
        SplittableRandom random = new SplittableRandom(11);
        double[] a = new double[n], zero = new double[n];
        for (int i = 0; i < n; i++) {
            a[i] = mu + sigma * random.nextGaussian();
        }
        Paired.Difference d = Paired.difference(a, zero, 4, R);
        assertTrue(d.low() < mu && mu < d.high(), "covers the mean: " + d);
        double expected = 2 * 1.96 * sigma / Math.sqrt(n);
        assertEquals(expected, d.high() - d.low(), 0.1 * expected, "width");
        Paired.Interval ratio = Paired.ratio(a, fill(n, 1.0), 4, R);
        assertEquals(expected, ratio.width(), 0.1 * expected, "mean(a) / 1 has the same interval");

        int trials = 400, covered = 0, small = 30;
        for (int trial = 0; trial < trials; trial++) {
            double[] s = new double[small];
            for (int i = 0; i < small; i++) {
                s[i] = 1 + random.nextGaussian();
            }
            Paired.Difference e = Paired.difference(s, new double[small], trial, 1_000);
            covered += e.low() < 1 && 1 < e.high() ? 1 : 0;
        }
        double coverage = covered / (double) trials;
        assertTrue(coverage > 0.89 && coverage < 0.99, "coverage " + coverage);
    }

    @Test
    void sameSeedSameIntervalsOtherSeedOthers() {
        double[][] bf = baselineAndFull(8, 4);
        double[] method = between(bf, 0.3, 9);
        assertEquals(Paired.recovery(bf[0], method, bf[1], 5, R), Paired.recovery(bf[0], method, bf[1], 5, R));
        assertEquals(Paired.difference(bf[0], method, 5, R), Paired.difference(bf[0], method, 5, R));
        assertEquals(Paired.ratio(method, bf[0], 5, R), Paired.ratio(method, bf[0], 5, R));
        assertNotEquals(Paired.recovery(bf[0], method, bf[1], 5, R).low(), Paired.recovery(bf[0], method, bf[1], 6, R).low());
        assertNotEquals(Paired.difference(bf[0], method, 5, R).low(), Paired.difference(bf[0], method, 6, R).low());
        assertEquals(Paired.recovery(bf[0], method, bf[1], 5, R), Paired.recovery(bf[0], method, bf[1], 5));
    }

    @Test
    void nonFiniteSeedsAreDroppedAndCounted() {
        double[][] bf = baselineAndFull(9, 5);
        double[] method = between(bf, 0.6, 2);
        double[] b = bf[0].clone(), m = method.clone(), f = bf[1].clone();
        m[2] = Double.NaN;
        f[5] = Double.POSITIVE_INFINITY;
        b[7] = Double.NEGATIVE_INFINITY;
        int[] kept = {0, 1, 3, 4, 6, 8};
        Paired.Interval withNaN = Paired.recovery(b, m, f, 3, R);
        Paired.Interval clean = Paired.recovery(pick(b, kept), pick(m, kept), pick(f, kept), 3, R);
        assertEquals(3, withNaN.dropped());
        assertEquals(6, withNaN.seeds());
        assertEquals(clean.estimate(), withNaN.estimate());
        assertEquals(clean.low(), withNaN.low());
        assertEquals(clean.high(), withNaN.high());
        assertTrue(withNaN.format(true).endsWith(" (3 seeds dropped)"), withNaN.format(true));

        Paired.Difference d = Paired.difference(b, m, 3, R);   // drops seeds 2 and 7 only
        assertEquals(2, d.dropped());
        assertEquals(7, d.seeds());
        assertEquals(Paired.difference(pick(b, 0, 1, 3, 4, 5, 6, 8), pick(m, 0, 1, 3, 4, 5, 6, 8), 3, R).low(), d.low());
        Paired.Interval ratio = Paired.ratio(m, f, 3, R);   // drops seeds 2 and 5
        assertEquals(2, ratio.dropped());
        assertEquals(Paired.ratio(pick(m, 0, 1, 3, 4, 6, 7, 8), pick(f, 0, 1, 3, 4, 6, 7, 8), 3, R), withDropped(ratio, 0));
    }

    @Test
    void recoveryIsUndefinedWhenFullRtrlDoesNotClearlyBeatTheBaseline() {
        SplittableRandom random = new SplittableRandom(6);
        int n = 10;
        double[] b = new double[n], noise = new double[n], worse = new double[n], m = new double[n];
        for (int i = 0; i < n; i++) {
            b[i] = 1 + random.nextDouble();
            noise[i] = b[i] + 0.05 * random.nextGaussian();   // full RTRL no better than the baseline
            worse[i] = b[i] + 0.1 + 0.01 * random.nextDouble();
            m[i] = b[i] - 0.1;
        }
        for (double[] full : new double[][] {noise, worse, b}) {
            Paired.Interval r = Paired.recovery(b, m, full, 1, R);
            assertFalse(r.defined());
            assertTrue(Double.isNaN(r.estimate()) && Double.isNaN(r.low()) && Double.isNaN(r.high()));
            assertTrue(r.reason().startsWith("full RTRL does not clearly beat the baseline"), r.reason());
            assertEquals("undefined", r.format(true));
        }
        Paired.Interval one = Paired.recovery(new double[] {1, Double.NaN}, new double[] {0.5, 0.5},
                new double[] {0.2, 0.2}, 1, R);
        assertFalse(one.defined());
        assertTrue(one.reason().startsWith("fewer than 2 seeds"), one.reason());
        assertEquals(1, one.dropped());
        assertFalse(Paired.recovery(new double[0], new double[0], new double[0], 1, R).defined());
        assertFalse(Paired.ratio(new double[] {1, 2}, new double[] {0, 0}, 1, R).defined(), "mean(b) = 0");
        assertFalse(Paired.ratio(new double[] {1, 2}, new double[] {-1, -2}, 1, R).defined(), "mean(b) < 0");
        assertFalse(Paired.difference(new double[] {1}, new double[] {0}, 1, R).defined());
        assertEquals("undefined (1 seed)", Paired.difference(new double[] {1}, new double[] {0}, 1, R).format());
    }

    /** The documented gate: recovery is defined exactly when the interval of baseline - full lies above 0. */
    @Test
    void recoveryGateIsTheIntervalOfBaselineMinusFull() {
        qt().withExamples(300).forAll(integers().between(2, 12), doubles().between(-0.3, 0.6), longs().all())
                .checkAssert((n, shift, seed) -> {
                    SplittableRandom random = new SplittableRandom(seed);
                    double[] b = new double[n], f = new double[n], m = new double[n];
                    for (int i = 0; i < n; i++) {
                        b[i] = 1 + random.nextDouble();
                        f[i] = b[i] - shift - 0.3 * random.nextGaussian();
                        m[i] = b[i] - random.nextDouble() * 0.5;
                    }
                    Paired.Interval r = Paired.recovery(b, m, f, seed, 200);
                    Paired.Difference gap = Paired.difference(b, f, seed, 200);
                    assertEquals(gap.low() > 0, r.defined(), "gap " + gap + ", recovery " + r);
                });
    }

    /**
     * Four seeds, one of which has full RTRL barely beating the baseline: its own ratio is 100 and the
     * mean of the per-seed ratios 25.4, while the ratio of means weighs it by its share of the gap.
     */
    @Test
    void recoveryIsARatioOfMeansNotAMeanOfRatios() {
        double[] b = {1, 1, 1, 1}, f = {0.5, 0.5, 0.5, 0.999}, m = {0.75, 0.75, 0.75, 0.9};
        Paired.Interval r = Paired.recovery(b, m, f, 2, R);
        double ratioOfMeans = (0.25 * 3 + 0.1) / (0.5 * 3 + 0.001);
        double meanOfRatios = 0;
        for (int i = 0; i < 4; i++) {
            meanOfRatios += (b[i] - m[i]) / (b[i] - f[i]) / 4;
        }
        assertEquals(ratioOfMeans, r.estimate(), 1e-9);
        assertEquals(25.375, meanOfRatios, 1e-6);
        assertTrue(r.high() < 2, "the tiny-gap seed does not blow up the interval: " + r);
        assertEquals(1.0 / 1.5, Paired.ratio(new double[] {1, 1}, new double[] {0.001, 2.999}, 2, R).estimate(), 1e-12);
    }

    /**
     * Against a naive reference: resample the seeds of B, M and F together with the same draws, compute
     * each resample's recovery from the three means, leave out resamples whose denominator is <= 0, take
     * the percentiles. On data built so that a few resamples (one seed with a negative gap drawn four
     * times or more) have a denominator <= 0, those are counted and excluded, not averaged in.
     */
    @Test
    void recoveryMatchesANaiveBootstrapAndExcludesResamplesWithoutAGap() {
        int n = 20;
        SplittableRandom random = new SplittableRandom(8);
        double[] b = new double[n], m = new double[n], f = new double[n];
        for (int i = 0; i < n; i++) {
            b[i] = 2 + random.nextDouble();
            double gap = i == n - 1 ? -4 : 0.5 + random.nextDouble();
            f[i] = b[i] - gap;
            m[i] = b[i] - (i == n - 1 ? 2 : random.nextDouble() * gap);
        }
        Paired.Interval r = Paired.recovery(b, m, f, 9, R);
        double[] reference = naiveRecovery(b, m, f, 9, R);
        assertTrue(r.defined(), r.reason());
        assertEquals(reference[0], r.estimate(), 1e-12);
        assertEquals(reference[1], r.low(), 1e-9);
        assertEquals(reference[2], r.high(), 1e-9);
        assertEquals((int) reference[3], r.rejected());
        assertTrue(r.rejected() > 0 && r.rejected() < 0.025 * R, "rejected " + r.rejected());
    }

    @Test
    void badArgumentsAreRefusedByName() {
        double[] three = {1, 2, 3}, two = {1, 2};
        assertMessage("method has length 2 but baseline has length 3", () -> Paired.recovery(three, two, three, 1, R));
        assertMessage("full has length 2 but baseline has length 3", () -> Paired.recovery(three, three, two, 1, R));
        assertMessage("b has length 2 but a has length 3", () -> Paired.difference(three, two, 1, R));
        assertMessage("b has length 2 but a has length 3", () -> Paired.ratio(three, two, 1, R));
        assertMessage("baseline is null", () -> Paired.recovery(null, three, three, 1, R));
        assertMessage("b is null", () -> Paired.ratio(three, null, 1, R));
        assertMessage("resamples = 99", () -> Paired.recovery(three, three, three, 1, 99));
        assertMessage("resamples = 99", () -> Paired.difference(three, three, 1, 99));
        assertMessage("resamples = 0", () -> Paired.ratio(three, three, 1, 0));
        assertMessage("resamples = 10000001", () -> Paired.ratio(three, three, 1, 10_000_001));
        assertMessage("reason = null with estimate = NaN",
                () -> new Paired.Interval(Double.NaN, 0, 1, 3, 0, 0, null));
        assertMessage("low = 2.0 > high = 1.0", () -> new Paired.Interval(1.5, 2, 1, 3, 0));
        assertMessage("positive = 4", () -> new Paired.Difference(1, 0, 2, 4, 0, 3, 0));
        Paired.difference(three, three, 1, Paired.MIN_RESAMPLES);   // the bound itself is allowed
    }

    @Test
    void formatsReadAsInTheReport() {
        assertEquals("84 % [71, 95]", new Paired.Interval(0.84, 0.71, 0.95, 5, 0).format(true));
        assertEquals("1.23e-02 [1.1e-02, 1.4e-02]", new Paired.Interval(0.0123, 0.011, 0.014, 5, 0).format(false));
        assertEquals("84 % [71, 95] (1 seed dropped)", new Paired.Interval(0.84, 0.71, 0.95, 4, 1).format(true));
        assertEquals("undefined", new Paired.Interval(Double.NaN, Double.NaN, Double.NaN, 1, 0).format(false));
        assertEquals("+0.012 [+0.004, +0.020], 5 of 5 seeds", new Paired.Difference(0.012, 0.004, 0.020, 5, 0, 5, 0).format());
        assertEquals("-0.012 [-0.020, -0.004], 4 of 5 seeds", new Paired.Difference(-0.012, -0.020, -0.004, 1, 4, 5, 0).format());
        assertEquals("+1.5 [-0.2, +3.1], 3 of 4 seeds (1 seed dropped)",
                new Paired.Difference(1.5, -0.2, 3.1, 3, 1, 4, 1).format());
        assertEquals("+2.00e-05 [+1.00e-05, +3.00e-05], 6 of 6 seeds",
                new Paired.Difference(2e-5, 1e-5, 3e-5, 6, 0, 6, 0).format());
        assertEquals("+0.000 [+0.000, +0.000], 0 of 3 seeds", new Paired.Difference(0, 0, 0, 0, 0, 3, 0).format());
    }

    /** The usage example of the class Javadoc runs and gives what it says. */
    @Test
    void javadocExampleRuns() {
        double[] frozen = {0.31, 0.42, 0.28}, sparse = {0.12, 0.20, 0.10}, full = {0.08, 0.15, 0.07};
        Paired.Interval recovery = Paired.recovery(frozen, sparse, full, 1L);
        assertEquals("83 % [81, 86]", recovery.format(true));
        Paired.Difference d = Paired.difference(frozen, sparse, 1L);
        assertEquals(Verdict.REPRODUCED, Verdict.ofDirection(d));
    }

    /** {estimate, low, high, rejected} by the plainest code: means of B, M, F on the same resampled seeds. */
    static double[] naiveRecovery(double[] b, double[] m, double[] f, long seed, int resamples) {
        int n = b.length;
        SplittableRandom random = new SplittableRandom(seed);
        double[] kept = new double[resamples];
        int accepted = 0;
        for (int r = 0; r < resamples; r++) {
            double sb = 0, sm = 0, sf = 0;
            for (int i = 0; i < n; i++) {
                int j = random.nextInt(n);
                sb += b[j];
                sm += m[j];
                sf += f[j];
            }
            if (sb / n - sf / n > 0) {
                kept[accepted++] = (sb / n - sm / n) / (sb / n - sf / n);
            }
        }
        double[] sorted = Arrays.copyOf(kept, accepted);
        Arrays.sort(sorted);
        double estimate = (mean(b) - mean(m)) / (mean(b) - mean(f));
        return new double[] {estimate, Stats.quantile(sorted, 0.025), Stats.quantile(sorted, 0.975), resamples - accepted};
    }

    static double mean(double[] x) {
        return Arrays.stream(x).sum() / x.length;
    }

    /** {baseline, full} for n seeds: full RTRL beats the baseline on every seed by 0.2 to 0.5. */
    static double[][] baselineAndFull(int n, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        double[][] bf = new double[2][n];
        for (int i = 0; i < n; i++) {
            bf[0][i] = 1 + random.nextDouble();
            bf[1][i] = bf[0][i] - 0.2 - 0.3 * random.nextDouble();
        }
        return bf;
    }

    /** A method recovering about {@code fraction} of each seed's gap, with noise. */
    static double[] between(double[][] bf, double fraction, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        double[] m = new double[bf[0].length];
        for (int i = 0; i < m.length; i++) {
            m[i] = bf[0][i] - (fraction + 0.2 * random.nextGaussian()) * (bf[0][i] - bf[1][i]);
        }
        return m;
    }

    static double[] shuffle(double[] x, long seed) {
        double[] y = x.clone();
        SplittableRandom random = new SplittableRandom(seed);
        for (int i = y.length - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            double t = y[i];
            y[i] = y[j];
            y[j] = t;
        }
        assertFalse(Arrays.equals(x, y), "the shuffle moved something");
        return y;
    }

    /**
     * The mean over seeds of a quantity of either sign (the alignment study's cosines): the estimate is
     * the plain mean of the finite values and lies inside its interval, a constant has an interval of
     * no width, non-finite values are dropped and counted, and one value is not enough.
     */
    @Test
    void meanOfValuesOfEitherSign() {
        qt().withExamples(200).forAll(integers().between(2, 20), longs().all()).checkAssert((n, seed) -> {
            SplittableRandom random = new SplittableRandom(seed);
            double[] x = new double[n + 1];
            double sum = 0;
            for (int i = 0; i < n; i++) {
                x[i] = random.nextDouble(-1, 1);
                sum += x[i];
            }
            x[n] = Double.NaN;
            Paired.Interval m = Paired.mean(x, seed, 1_000);
            assertEquals(sum / n, m.estimate(), 1e-12);
            assertTrue(m.low() <= m.estimate() && m.estimate() <= m.high(), m.toString());
            assertEquals(n, m.seeds());
            assertEquals(1, m.dropped());
        });
        Paired.Interval constant = Paired.mean(fill(5, -0.25), 1, R);
        assertPoint(-0.25, constant);
        assertFalse(Paired.mean(new double[] {0.5, Double.NaN}, 1, R).defined());
        assertMessage("values is null", () -> Paired.mean(null, 1, R));
    }

    static double[] pick(double[] x, int... indices) {
        double[] y = new double[indices.length];
        for (int i = 0; i < indices.length; i++) {
            y[i] = x[indices[i]];
        }
        return y;
    }

    static double[] fill(int n, double value) {
        double[] x = new double[n];
        Arrays.fill(x, value);
        return x;
    }

    /** The estimate and both ends of the interval are exactly {@code value}: an interval of no width. */
    static void assertPoint(double value, Paired.Interval interval) {
        assertEquals(value, interval.estimate(), "estimate of " + interval);
        assertEquals(value, interval.low(), "low end of " + interval);
        assertEquals(value, interval.high(), "high end of " + interval);
    }

    static Paired.Interval withDropped(Paired.Interval r, int dropped) {
        return new Paired.Interval(r.estimate(), r.low(), r.high(), r.seeds(), dropped, r.rejected(), r.reason());
    }

    static void assertMessage(String expected, org.junit.jupiter.api.function.Executable call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }
}
