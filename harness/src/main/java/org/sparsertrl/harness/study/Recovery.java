package org.sparsertrl.harness.study;

/**
 * How much of full RTRL's adaptation a method recovers, relative to a baseline that does not adapt
 * (the frozen network) or adapts with immediate derivatives only (k = 0):
 * <pre>
 *   recovery = (L(baseline) - L(method)) / (L(baseline) - L(full RTRL))
 * </pre>
 * 1 means as good as full RTRL, 0 as good as the baseline; values above 1 (better than full RTRL)
 * and below 0 (worse than the baseline) are kept. The ratio is undefined, and reported as such with
 * the reason, when a loss is not finite (a run diverged) or when full RTRL does not beat the baseline
 * by at least {@code minimumGap} of the baseline's loss: then the denominator is noise.
 *
 * @param value  the ratio, NaN when undefined
 * @param reason why it is undefined, null when defined
 */
public record Recovery(double value, String reason) {

    public static Recovery of(double baseline, double method, double full, double minimumGap) {
        if (!Double.isFinite(baseline) || !Double.isFinite(full)) {
            return new Recovery(Double.NaN, "baseline or full RTRL diverged");
        }
        if (!Double.isFinite(method)) {
            return new Recovery(Double.NaN, "the method diverged");
        }
        double gap = baseline - full;
        if (!(gap >= minimumGap * baseline) || gap <= 0) {
            return new Recovery(Double.NaN, String.format("full RTRL beats the baseline by only %.1f%% (< %.0f%%)",
                    100 * gap / baseline, 100 * minimumGap));
        }
        return new Recovery((baseline - method) / gap, null);
    }

    public boolean defined() {
        return reason == null;
    }
}
