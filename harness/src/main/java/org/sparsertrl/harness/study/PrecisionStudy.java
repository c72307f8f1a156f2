package org.sparsertrl.harness.study;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

import org.sparsertrl.engine.learn.Precision;

/**
 * Our own question, from issue 11: does storing the sensitivity in bfloat16 (half the memory and half
 * the bytes a sparse step moves; every sum still float32) cost adaptation? Per-row sparse RTRL with
 * k random paths, J in float32 and in bf16, on the adaptation study's task and networks, paired by
 * seed, and full RTRL (the reference) the same way; the bf16 run takes float32's tuned rate (see
 * {@link ExperimentRunner#tuning}). The figure is the difference of the two recoveries against the
 * frozen network, in points (full RTRL's: the same with L_f32 and L_bf16 its own):
 * <pre>
 *   recovery(bf16) - recovery(f32) = mean(L_f32 - L_bf16) / mean(L_frozen - L_full)
 * </pre>
 * a ratio of means with the paired bootstrap 95 % CI (the same resampled seeds above and below). The
 * target is a difference within 2 points: met when the whole CI lies inside [-2, +2], missed when it
 * lies wholly outside, undecided otherwise.
 */
public final class PrecisionStudy extends ComparisonStudy {

    /** Issue 11's target: bf16's recovery within this many points of float32's. */
    static final double TARGET_POINTS = 2;

    public PrecisionStudy() {
        super("precision", "sparse RTRL with its sensitivity stored in bfloat16 against float32 (our question)",
                ComparisonStudy::taskCell,
                p -> List.of(Method.sparse(p.k()), Method.sparse(p.k()).with(Precision.BF16), Method.full().with(Precision.BF16)));
    }

    @Override
    StudyReport report(Protocol p, ExperimentRunner runner, Comparison c, Path plots) throws IOException {
        Method f32 = Method.sparse(p.k()), bf16 = f32.with(Precision.BF16);
        Method full = Method.full(), fullBf16 = full.with(Precision.BF16);
        Paired.Interval points = recoveryDifference(p, c, f32, bf16), fullPoints = recoveryDifference(p, c, full, fullBf16);
        Paired.Difference loss = c.difference(bf16, f32), fullLoss = c.difference(fullBf16, full);
        String verdict = verdict(points), fullVerdict = verdict(fullPoints);
        String figure = figure(points), fullFigure = figure(fullPoints);
        StringBuilder md = new StringBuilder("## precision: ").append(title()).append("\n\n");
        md.append(StudyText.protocolParagraph(p, "the " + p.task().label() + " task, n = " + p.n(), "per-row sparse RTRL "
                + "with k = " + p.k() + " random paths per row and full RTRL, each with its sensitivity J stored in float32 and "
                + "in bfloat16 (bf16: the top 16 bits of a float32, rounded to nearest even; every sum in float32; the bf16 "
                + "run at the rate tuned for float32, our choice, so that only the arithmetic differs)"));
        md.append(StudyText.failures(c)).append(c.shiftCheck()).append(c.table()).append('\n').append(c.divergences());
        md.append(String.format(Locale.ROOT, "Recovery against the frozen network: float32 %s, bf16 %s. Their difference, "
                        + "recovery(bf16) - recovery(float32) = mean(L_f32 - L_bf16) / mean(L_frozen - L_full) over the same "
                        + "seeds (paired bootstrap 95 %% CI): %s; target: within ±%.0f points, %s (met when the whole CI lies "
                        + "inside, missed when it lies wholly outside). L(bf16) - L(float32) per seed: %s.%n%n",
                c.recovery(f32, Method.frozen()).format(true), c.recovery(bf16, Method.frozen()).format(true), figure,
                TARGET_POINTS, verdict, loss.format()));
        md.append(String.format(Locale.ROOT, "Full RTRL in bf16, the same way: recovery(full bf16) - recovery(full float32) "
                        + "= mean(L_full - L_full,bf16) / mean(L_frozen - L_full): %s; within ±%.0f points: %s. "
                        + "L(full bf16) - L(full float32) per seed: %s.%n%n", fullFigure, TARGET_POINTS, fullVerdict,
                fullLoss.format()));
        return new StudyReport(md.toString(), c.records(name()), List.of(
                Claim.ours("(ours) sparse k=" + p.k() + " with J in bf16 vs float32: recovery difference",
                        figure + "; target ±" + (int) TARGET_POINTS + " points: " + verdict),
                Claim.ours("(ours) full RTRL with J in bf16 vs float32: recovery difference",
                        fullFigure + "; target ±" + (int) TARGET_POINTS + " points: " + fullVerdict)));
    }

    /** Met when the whole CI lies within the target, missed when it lies wholly outside, undecided otherwise. */
    private static String verdict(Paired.Interval points) {
        return !points.defined() ? "undecided (" + points.reason() + ")"
                : points.low() >= -TARGET_POINTS / 100 && points.high() <= TARGET_POINTS / 100 ? "met"
                : points.high() < -TARGET_POINTS / 100 || points.low() > TARGET_POINTS / 100 ? "missed" : "undecided";
    }

    private static String figure(Paired.Interval points) {
        return points.defined() ? points(points) : "undefined (" + points.reason() + ")";
    }

    /** recovery(bf16) - recovery(f32) against frozen, as a fraction (0.01 a point), with its paired CI. */
    static Paired.Interval recoveryDifference(Protocol p, Comparison c, Method f32, Method bf16) {
        double[] lf = c.loss(f32), lb = c.loss(bf16), frozen = c.loss(Method.frozen()), full = c.loss(Method.full());
        double[] gained = new double[lf.length], gap = new double[lf.length];
        for (int i = 0; i < lf.length; i++) {
            gained[i] = lf[i] - lb[i];
            gap[i] = frozen[i] - full[i];
        }
        return Paired.ratio(gained, gap, "precision".hashCode() * 0x9E3779B97F4A7C15L, p.resamples());
    }

    /**
     * {@code +0.31 points [-0.40, +1.02]}, or {@code +1.2e-04 points [-3.1e-04, +5.0e-04]} when every figure is
     * below a hundredth of a point, followed by the dropped seeds if any.
     */
    static String points(Paired.Interval d) {
        double largest = 100 * Math.max(Math.abs(d.estimate()), Math.max(Math.abs(d.low()), Math.abs(d.high())));
        String number = largest >= 0.01 || largest == 0 ? "%+.2f" : "%+.1e";
        String s = String.format(Locale.ROOT, number + " points [" + number + ", " + number + "]", 100 * d.estimate(),
                100 * d.low(), 100 * d.high());
        return d.dropped() == 0 ? s : s + " (" + d.dropped() + (d.dropped() == 1 ? " seed dropped)" : " seeds dropped)");
    }
}
