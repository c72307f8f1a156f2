package org.sparsertrl.harness.study;

import java.util.Arrays;

/**
 * Mean, sample standard deviation and coefficient of variation of the finite values of a sample;
 * non-finite values (undefined recoveries, diverged runs) are counted apart, never averaged in.
 *
 * @param mean    mean of the finite values, NaN if there are none
 * @param std     sample standard deviation (n - 1), NaN with fewer than two finite values
 * @param count   finite values
 * @param missing non-finite values left out
 */
public record Stats(double mean, double std, int count, int missing) {

    public static Stats of(double... values) {
        double[] finite = Arrays.stream(values).filter(Double::isFinite).toArray();
        int count = finite.length;
        if (count == 0) {
            return new Stats(Double.NaN, Double.NaN, 0, values.length);
        }
        double mean = Arrays.stream(finite).sum() / count;
        double std = Double.NaN;
        if (count > 1) {
            double squares = 0;
            for (double v : finite) {
                squares += (v - mean) * (v - mean);
            }
            std = Math.sqrt(squares / (count - 1));
        }
        return new Stats(mean, std, count, values.length - count);
    }

    /** std / mean; NaN when undefined (fewer than two values, or a mean of zero). */
    public double cv() {
        return mean == 0 ? Double.NaN : std / Math.abs(mean);
    }

    /** {@code 84 ± 6 %} for a fraction, with the count of missing values if any. */
    public String percent() {
        if (count == 0) {
            return "undefined";
        }
        String s = Double.isNaN(std) ? String.format("%.0f %%", 100 * mean)
                : String.format("%.0f ± %.0f %%", 100 * mean, 100 * std);
        return missing == 0 ? s : s + " (" + missing + " undefined)";
    }

    /** {@code 1.23e-03 ± 4.0e-04} for a loss or a time. */
    public String scientific() {
        if (count == 0) {
            return "n/a";
        }
        String s = Double.isNaN(std) ? String.format("%.3g", mean) : String.format("%.3g ± %.2g", mean, std);
        return missing == 0 ? s : s + " (" + missing + " missing)";
    }

    /** The p-th quantile (0..1) of the finite values, by linear interpolation; NaN if none. */
    public static double quantile(double[] values, double p) {
        double[] sorted = Arrays.stream(values).filter(Double::isFinite).sorted().toArray();
        if (sorted.length == 0) {
            return Double.NaN;
        }
        double position = p * (sorted.length - 1);
        int lo = (int) Math.floor(position), hi = (int) Math.ceil(position);
        return sorted[lo] + (sorted[hi] - sorted[lo]) * (position - lo);
    }
}
