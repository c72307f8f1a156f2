package org.sparsertrl.harness.study;

import java.util.Arrays;
import java.util.Locale;
import java.util.SplittableRandom;

import org.sparsertrl.engine.Arguments;

/**
 * Statistics over seeds for paired measurements: every method runs on the same seeds from the same
 * pre-trained networks, so seed {@code i} of one array belongs with seed {@code i} of the others.
 * Each interval is a 95 % percentile bootstrap that resamples seed indices with replacement and
 * keeps the pairs together: the spread between seeds (some networks are simply harder) then cancels
 * out of a difference or a ratio instead of widening it, as it would if each array were resampled on
 * its own.
 *
 * <p>Recovery is a ratio of means, not a mean of per-seed ratios: a seed whose own denominator
 * {@code L(B) - L(F)} is small would turn its ratio into noise of any size and drag the mean with it,
 * while in the ratio of means it only weighs as much as its share of the total gap.
 *
 * <pre>{@code
 * double[] frozen = {0.31, 0.42, 0.28}, sparse = {0.12, 0.20, 0.10}, full = {0.08, 0.15, 0.07};
 * Paired.Interval recovery = Paired.recovery(frozen, sparse, full, 1L);
 * String text = recovery.format(true);                        // "83 % [81, 86]"
 * Paired.Difference d = Paired.difference(frozen, sparse, 1L);   // frozen - sparse, per seed
 * Verdict v = Verdict.ofDirection(d);                         // the claim "frozen > sparse"
 * }</pre>
 *
 * <p>Seeds where a value is not finite (a diverged run) are left out of every array together and
 * counted in {@code dropped}, never averaged in. The resampling is seeded, so a report is repeatable.
 */
public final class Paired {

    /** Bootstrap resamples unless stated: the 2.5 and 97.5 percentiles then move by well under 1 % of the width. */
    public static final int DEFAULT_RESAMPLES = 10_000;

    /** Fewer resamples would leave fewer than three values beyond each percentile. */
    public static final int MIN_RESAMPLES = 100;

    /** A cap so a typo cannot ask for gigabytes of resampled means. */
    public static final int MAX_RESAMPLES = 10_000_000;

    /** With one seed there is nothing to resample: every interval needs at least two. */
    public static final int MIN_SEEDS = 2;

    static final double LOWER = 0.025;
    static final double UPPER = 0.975;

    private Paired() {
    }

    /**
     * A point estimate with its 95 % percentile bootstrap interval.
     *
     * @param estimate the estimate on all kept seeds; NaN when undefined
     * @param low      2.5th percentile of the resampled estimates; NaN when undefined
     * @param high     97.5th percentile of the resampled estimates; NaN when undefined
     * @param seeds    seeds kept (every value finite)
     * @param dropped  seeds left out because a value was not finite
     * @param rejected resamples left out of the percentiles because their denominator was {@code <= 0}
     *                 (the ratio has no meaning there); always below 2.5 % of the resamples when the
     *                 estimate is defined, since the denominator is then required to be clearly positive
     * @param reason   why the estimate is undefined, null when it is defined
     */
    public record Interval(double estimate, double low, double high, int seeds, int dropped, int rejected,
            String reason) {

        public Interval {
            Arguments.requireAtLeast("seeds", seeds, 0);
            Arguments.requireAtLeast("dropped", dropped, 0);
            Arguments.requireAtLeast("rejected", rejected, 0);
            if ((reason == null) == Double.isNaN(estimate)) {
                throw new IllegalArgumentException("reason = " + reason + " with estimate = " + estimate
                        + ": a reason is given exactly when the estimate is NaN");
            }
            if (low > high) {
                throw new IllegalArgumentException("low = " + low + " > high = " + high);
            }
        }

        /** An interval with no rejected resamples; undefined (reason "undefined") when the estimate is NaN. */
        public Interval(double estimate, double low, double high, int seeds, int dropped) {
            this(estimate, low, high, seeds, dropped, 0, Double.isNaN(estimate) ? "undefined" : null);
        }

        public boolean defined() {
            return reason == null;
        }

        /** {@code high - low}; NaN when undefined. */
        public double width() {
            return high - low;
        }

        /**
         * {@code 84 % [71, 95]} for a fraction ({@code percent}), {@code 1.23e-02 [1.1e-02, 1.4e-02]}
         * otherwise, followed by {@code (1 seed dropped)} when seeds were left out; {@code undefined} when
         * the estimate is (see {@link #reason()} for why).
         */
        public String format(boolean percent) {
            if (!defined()) {
                return "undefined";
            }
            String s = percent
                    ? String.format(Locale.ROOT, "%.0f %% [%.0f, %.0f]", 100 * estimate, 100 * low, 100 * high)
                    : String.format(Locale.ROOT, "%.2e [%.1e, %.1e]", estimate, low, high);
            return s + droppedSuffix(dropped);
        }
    }

    /**
     * The paired difference {@code a_i - b_i} over seeds.
     *
     * @param mean     mean of the per-seed differences; NaN with fewer than {@value #MIN_SEEDS} seeds
     * @param low      2.5th percentile of the resampled means; NaN with fewer than {@value #MIN_SEEDS} seeds
     * @param high     97.5th percentile of the resampled means; NaN with fewer than {@value #MIN_SEEDS} seeds
     * @param positive seeds with {@code a > b}
     * @param negative seeds with {@code a < b}
     * @param seeds    seeds kept (both values finite)
     * @param dropped  seeds left out because a value was not finite
     */
    public record Difference(double mean, double low, double high, int positive, int negative, int seeds,
            int dropped) {

        public Difference {
            Arguments.requireAtLeast("seeds", seeds, 0);
            Arguments.requireAtLeast("dropped", dropped, 0);
            Arguments.requireInRange("positive", positive, 0, seeds);
            Arguments.requireInRange("negative", negative, 0, seeds - positive);
            if (low > high) {
                throw new IllegalArgumentException("low = " + low + " > high = " + high);
            }
        }

        public boolean defined() {
            return !Double.isNaN(mean);
        }

        /**
         * {@code +0.012 [+0.004, +0.020], 5 of 5 seeds}: the mean, its interval, and how many seeds agree
         * with the sign of the mean ({@code a > b} when it is {@code >= 0}, {@code a < b} otherwise),
         * followed by {@code (1 seed dropped)} when seeds were left out; {@code undefined (1 seed)} with
         * too few seeds. Two significant digits on the largest of the three numbers, the same decimals on all.
         */
        public String format() {
            if (!defined()) {
                return "undefined (" + seeds + (seeds == 1 ? " seed)" : " seeds)") + droppedSuffix(dropped);
            }
            double largest = Math.max(Math.abs(mean), Math.max(Math.abs(low), Math.abs(high)));
            String number;
            if (largest == 0) {
                number = "%+.3f";
            } else if (largest >= 1e-3 && largest < 1e4) {
                number = "%+." + Math.max(0, 1 - (int) Math.floor(Math.log10(largest))) + "f";
            } else {
                number = "%+.2e";
            }
            int agreeing = mean >= 0 ? positive : negative;
            return String.format(Locale.ROOT, number + " [" + number + ", " + number + "], %d of %d seeds",
                    mean, low, high, agreeing, seeds) + droppedSuffix(dropped);
        }
    }

    /**
     * Recovery of {@code method} between {@code baseline} B and {@code full} F (full RTRL), as a ratio
     * of means over seeds:
     * <pre>
     *   recovery = (mean(B) - mean(M)) / (mean(B) - mean(F))
     * </pre>
     * with a paired bootstrap 95 % interval (the same resampled seeds for B, M and F). 1 is as good as
     * full RTRL, 0 as good as the baseline; values outside [0, 1] are kept.
     *
     * <p>Undefined, with the reason, when fewer than {@value #MIN_SEEDS} seeds have all three values
     * finite, or when full RTRL does not clearly beat the baseline. "Clearly" means that the bootstrap
     * 95 % interval of the paired difference {@code B - F} lies above 0, computed on the same resamples
     * (it equals {@code difference(baseline, full, seed, resamples).low() > 0} on the kept seeds): otherwise
     * the denominator is noise and so is the ratio. Resamples whose denominator is {@code <= 0} are
     * left out of the percentiles and counted in {@link Interval#rejected()}.
     *
     * @param baseline  L(B) per seed (frozen, readout-only or k = 0)
     * @param method    L(M) per seed, same seeds in the same order
     * @param full      L(full RTRL) per seed, same seeds in the same order
     * @param seed      seed of the resampling
     * @param resamples bootstrap resamples, in [{@value #MIN_RESAMPLES}, {@value #MAX_RESAMPLES}]
     * @throws IllegalArgumentException naming the argument when an array is null, the lengths differ or
     *                                  {@code resamples} is out of range
     */
    public static Interval recovery(double[] baseline, double[] method, double[] full, long seed, int resamples) {
        requireArrays("baseline", baseline, "method", method, "full", full);
        requireResamples(resamples);
        int n = baseline.length, kept = 0;
        double[] gained = new double[n], gap = new double[n];   // (kept) B - M and B - F of the kept seeds
        for (int i = 0; i < n; i++) {
            if (Double.isFinite(baseline[i]) && Double.isFinite(method[i]) && Double.isFinite(full[i])) {
                gained[kept] = baseline[i] - method[i];
                gap[kept] = baseline[i] - full[i];
                kept++;
            }
        }
        return ratioOfMeans(Arrays.copyOf(gained, kept), Arrays.copyOf(gap, kept), n - kept, seed, resamples,
                "full RTRL does not clearly beat the baseline: the 95 % CI of mean(baseline - full)");
    }

    /** {@link #recovery(double[], double[], double[], long, int)} with {@value #DEFAULT_RESAMPLES} resamples. */
    public static Interval recovery(double[] baseline, double[] method, double[] full, long seed) {
        return recovery(baseline, method, full, seed, DEFAULT_RESAMPLES);
    }

    /**
     * {@code mean(a) / mean(b)} over seeds with a paired bootstrap 95 % interval; made for positive
     * quantities such as losses (the damage a learner does without a shift is
     * {@code ratio(L_noShift(method), L_noShift(frozen))}). Undefined, with the reason, when fewer than
     * {@value #MIN_SEEDS} seeds have both values finite or when {@code mean(b)} is not clearly positive
     * (its bootstrap 95 % interval does not lie above 0); resamples with {@code mean(b) <= 0} are left
     * out of the percentiles and counted in {@link Interval#rejected()}.
     *
     * @throws IllegalArgumentException naming the argument when an array is null, the lengths differ or
     *                                  {@code resamples} is out of range
     */
    public static Interval ratio(double[] a, double[] b, long seed, int resamples) {
        requireArrays("a", a, "b", b, null, null);
        requireResamples(resamples);
        int n = a.length, kept = 0;
        double[] top = new double[n], bottom = new double[n];   // (kept) a and b of the kept seeds
        for (int i = 0; i < n; i++) {
            if (Double.isFinite(a[i]) && Double.isFinite(b[i])) {
                top[kept] = a[i];
                bottom[kept] = b[i];
                kept++;
            }
        }
        return ratioOfMeans(Arrays.copyOf(top, kept), Arrays.copyOf(bottom, kept), n - kept, seed, resamples,
                "the denominator is not clearly positive: the 95 % CI of mean(b)");
    }

    /**
     * The mean of {@code values} over seeds with a 95 % percentile bootstrap interval (seed indices
     * resampled with replacement), for quantities of either sign, such as the cosine between two
     * gradients. Seeds whose value is not finite are dropped and counted. Undefined, with the reason,
     * when fewer than {@value #MIN_SEEDS} values are finite.
     *
     * @throws IllegalArgumentException naming the argument when {@code values} is null or
     *                                  {@code resamples} is out of range
     */
    public static Interval mean(double[] values, long seed, int resamples) {
        if (values == null) {
            throw new IllegalArgumentException("values is null");
        }
        requireResamples(resamples);
        double[] kept = Arrays.stream(values).filter(Double::isFinite).toArray();
        int n = kept.length, dropped = values.length - n;
        if (n < MIN_SEEDS) {
            return new Interval(Double.NaN, Double.NaN, Double.NaN, n, dropped, 0,
                    "fewer than " + MIN_SEEDS + " seeds with finite values (" + n + " kept, " + dropped + " dropped)");
        }
        double[] means = bootstrapMeans(kept, n, seed, resamples);
        return new Interval(mean(kept, n), percentile(means, resamples, LOWER), percentile(means, resamples, UPPER), n,
                dropped, 0, null);
    }

    /** The means of {@code resamples} bootstrap draws of the first {@code n} values, drawn from {@code seed}, in ascending order. */
    private static double[] bootstrapMeans(double[] values, int n, long seed, int resamples) {
        double[] means = new double[resamples];
        SplittableRandom random = new SplittableRandom(seed);
        for (int r = 0; r < resamples; r++) {
            double sum = 0;
            for (int i = 0; i < n; i++) {
                sum += values[random.nextInt(n)];
            }
            means[r] = sum / n;
        }
        Arrays.sort(means);
        return means;
    }

    /** {@link #ratio(double[], double[], long, int)} with {@value #DEFAULT_RESAMPLES} resamples. */
    public static Interval ratio(double[] a, double[] b, long seed) {
        return ratio(a, b, seed, DEFAULT_RESAMPLES);
    }

    /**
     * The per-seed differences {@code a_i - b_i}: their mean, a paired bootstrap 95 % interval of the
     * mean, and the sign count. Seeds where either value is not finite are dropped and counted.
     *
     * @throws IllegalArgumentException naming the argument when an array is null, the lengths differ or
     *                                  {@code resamples} is out of range
     */
    public static Difference difference(double[] a, double[] b, long seed, int resamples) {
        requireArrays("a", a, "b", b, null, null);
        requireResamples(resamples);
        int n = a.length, kept = 0, positive = 0, negative = 0;
        double[] d = new double[n];   // (kept) a - b of the kept seeds
        for (int i = 0; i < n; i++) {
            if (Double.isFinite(a[i]) && Double.isFinite(b[i])) {
                double di = a[i] - b[i];
                d[kept++] = di;
                positive += di > 0 ? 1 : 0;
                negative += di < 0 ? 1 : 0;
            }
        }
        if (kept < MIN_SEEDS) {
            return new Difference(Double.NaN, Double.NaN, Double.NaN, positive, negative, kept, n - kept);
        }
        double[] means = bootstrapMeans(d, kept, seed, resamples);
        return new Difference(mean(d, kept), percentile(means, resamples, LOWER), percentile(means, resamples, UPPER),
                positive, negative, kept, n - kept);
    }

    /** {@link #difference(double[], double[], long, int)} with {@value #DEFAULT_RESAMPLES} resamples. */
    public static Difference difference(double[] a, double[] b, long seed) {
        return difference(a, b, seed, DEFAULT_RESAMPLES);
    }

    /**
     * {@code mean(top) / mean(bottom)} with the paired bootstrap: each resample draws seed indices with
     * replacement and uses the same index for numerator and denominator. The denominator's own
     * interval comes from the same resamples and decides whether the ratio is defined.
     */
    private static Interval ratioOfMeans(double[] top, double[] bottom, int dropped, long seed, int resamples,
            String denominatorIs) {
        int n = top.length;
        if (n < MIN_SEEDS) {
            return new Interval(Double.NaN, Double.NaN, Double.NaN, n, dropped, 0,
                    "fewer than " + MIN_SEEDS + " seeds with finite values (" + n + " kept, " + dropped + " dropped)");
        }
        double[] ratios = new double[resamples], denominators = new double[resamples];
        int accepted = 0;
        SplittableRandom random = new SplittableRandom(seed);
        for (int r = 0; r < resamples; r++) {
            double sumTop = 0, sumBottom = 0;
            for (int i = 0; i < n; i++) {
                int j = random.nextInt(n);
                sumTop += top[j];
                sumBottom += bottom[j];
            }
            denominators[r] = sumBottom / n;
            if (sumBottom > 0) {
                ratios[accepted++] = sumTop / sumBottom;
            }
        }
        Arrays.sort(denominators);
        double denominatorLow = percentile(denominators, resamples, LOWER);
        double denominatorHigh = percentile(denominators, resamples, UPPER);
        double meanBottom = mean(bottom, n);
        if (!(denominatorLow > 0) || !(meanBottom > 0)) {
            return new Interval(Double.NaN, Double.NaN, Double.NaN, n, dropped, resamples - accepted,
                    String.format(Locale.ROOT, "%s, [%.3g, %.3g], does not lie above 0", denominatorIs,
                            denominatorLow, denominatorHigh));
        }
        Arrays.sort(ratios, 0, accepted);
        return new Interval(mean(top, n) / meanBottom, percentile(ratios, accepted, LOWER),
                percentile(ratios, accepted, UPPER), n, dropped, resamples - accepted, null);
    }

    /** Mean of {@code values[0, n)}. */
    private static double mean(double[] values, int n) {
        double sum = 0;
        for (int i = 0; i < n; i++) {
            sum += values[i];
        }
        return sum / n;
    }

    /**
     * The {@code p}-quantile of the sorted {@code values[0, n)}, interpolating linearly between order
     * statistics at position {@code p (n - 1)} (as {@link Stats#quantile} does).
     */
    static double percentile(double[] sorted, int n, double p) {
        if (n == 0) {
            return Double.NaN;
        }
        double position = p * (n - 1);
        int lo = (int) Math.floor(position), hi = (int) Math.ceil(position);
        return sorted[lo] + (sorted[hi] - sorted[lo]) * (position - lo);
    }

    private static String droppedSuffix(int dropped) {
        return dropped == 0 ? "" : " (" + dropped + (dropped == 1 ? " seed dropped)" : " seeds dropped)");
    }

    private static void requireResamples(int resamples) {
        Arguments.requireInRange("resamples", resamples, MIN_RESAMPLES, MAX_RESAMPLES);
    }

    /** Non-null arrays of one length; the third pair is optional (null name). */
    private static void requireArrays(String firstName, double[] first, String secondName, double[] second,
            String thirdName, double[] third) {
        if (first == null) {
            throw new IllegalArgumentException(firstName + " is null");
        }
        if (second == null) {
            throw new IllegalArgumentException(secondName + " is null");
        }
        if (second.length != first.length) {
            throw new IllegalArgumentException(secondName + " has length " + second.length + " but " + firstName
                    + " has length " + first.length + ": the arrays must hold the same seeds");
        }
        if (thirdName != null) {
            if (third == null) {
                throw new IllegalArgumentException(thirdName + " is null");
            }
            if (third.length != first.length) {
                throw new IllegalArgumentException(thirdName + " has length " + third.length + " but " + firstName
                        + " has length " + first.length + ": the arrays must hold the same seeds");
            }
        }
    }
}
