package org.sparsertrl.harness.study;

/**
 * The verdict on one claim of the paper, given by a stated rule so that a reader can check it: each
 * rule is one sentence ({@link #RULE_INTERVAL}, {@link #RULE_DIRECTION}, {@link #RULE_NO_DIFFERENCE})
 * that the report prints next to the verdict. The rules look at our 95 % intervals, never at the point
 * estimates alone, so too few seeds give "inconclusive" rather than a verdict by chance.
 *
 * <pre>{@code
 * Paired.Difference d = Paired.difference(lossFrozen, lossSparse, 1L);   // claim: sparse beats frozen
 * Verdict v = Verdict.ofDirection(d);
 * String line = v.label() + " (" + d.format() + "; " + Verdict.RULE_DIRECTION + ")";
 * }</pre>
 */
public enum Verdict {

    REPRODUCED, NOT_REPRODUCED, INCONCLUSIVE;

    /** The rule of {@link #ofInterval}. */
    public static final String RULE_INTERVAL = "Reproduced when our 95 % CI overlaps the paper's range, not reproduced "
            + "when it lies wholly outside it, inconclusive when our estimate is undefined or its CI is wider than "
            + "the stated maximum width.";

    /** The rule of {@link #ofDirection}. */
    public static final String RULE_DIRECTION = "Reproduced when the 95 % CI of the paired difference a - b lies above 0, "
            + "not reproduced when it lies below 0, inconclusive when it contains 0 or is undefined.";

    /** The rule of {@link #ofNoDifference}. */
    public static final String RULE_NO_DIFFERENCE = "Reproduced when the whole 95 % CI of the paired difference lies "
            + "within plus or minus the margin, not reproduced when it lies wholly beyond the margin on one side "
            + "(and so excludes 0), inconclusive otherwise.";

    /** {@code reproduced}, {@code not reproduced}, {@code inconclusive}. */
    public String label() {
        return switch (this) {
            case REPRODUCED -> "reproduced";
            case NOT_REPRODUCED -> "not reproduced";
            case INCONCLUSIVE -> "inconclusive";
        };
    }

    /**
     * A claim that a quantity lies in the paper's range {@code [paperLow, paperHigh]} (same units as
     * {@code ours}: a recovery of 84 % is 0.84). The width limit comes first: a wide enough interval
     * overlaps any range, and that is no evidence.
     *
     * @param maxWidth the widest CI that can support a verdict, {@code > 0} (infinity: no limit)
     * @throws IllegalArgumentException naming the argument when {@code ours} is null, the range is not
     *                                  finite and ordered, or {@code maxWidth} is not positive
     * @see #RULE_INTERVAL
     */
    public static Verdict ofInterval(Paired.Interval ours, double paperLow, double paperHigh, double maxWidth) {
        if (ours == null) {
            throw new IllegalArgumentException("ours is null");
        }
        if (!Double.isFinite(paperLow) || !Double.isFinite(paperHigh) || paperLow > paperHigh) {
            throw new IllegalArgumentException("paperLow = " + paperLow + ", paperHigh = " + paperHigh
                    + " must be finite with paperLow <= paperHigh");
        }
        if (!(maxWidth > 0)) {
            throw new IllegalArgumentException("maxWidth = " + maxWidth + " must be > 0");
        }
        if (!ours.defined() || Double.isNaN(ours.low()) || Double.isNaN(ours.high()) || ours.width() > maxWidth) {
            return INCONCLUSIVE;
        }
        return ours.high() < paperLow || ours.low() > paperHigh ? NOT_REPRODUCED : REPRODUCED;
    }

    /**
     * A claim "a > b" on the paired difference {@code d = difference(a, b, ...)}.
     *
     * @throws IllegalArgumentException when {@code d} is null
     * @see #RULE_DIRECTION
     */
    public static Verdict ofDirection(Paired.Difference d) {
        if (d == null) {
            throw new IllegalArgumentException("d is null");
        }
        if (d.low() > 0) {
            return REPRODUCED;
        }
        return d.high() < 0 ? NOT_REPRODUCED : INCONCLUSIVE;
    }

    /**
     * A claim "a and b are alike": their paired difference is within {@code margin} either way.
     *
     * @param margin the largest difference still called alike, finite and {@code > 0}
     * @throws IllegalArgumentException naming the argument when {@code d} is null or {@code margin} is
     *                                  not finite and positive
     * @see #RULE_NO_DIFFERENCE
     */
    public static Verdict ofNoDifference(Paired.Difference d, double margin) {
        if (d == null) {
            throw new IllegalArgumentException("d is null");
        }
        if (!(margin > 0) || !Double.isFinite(margin)) {
            throw new IllegalArgumentException("margin = " + margin + " must be finite and > 0");
        }
        if (d.low() >= -margin && d.high() <= margin) {
            return REPRODUCED;
        }
        return d.low() > margin || d.high() < -margin ? NOT_REPRODUCED : INCONCLUSIVE;
    }
}
