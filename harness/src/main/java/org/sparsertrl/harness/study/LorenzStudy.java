package org.sparsertrl.harness.study;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

import org.sparsertrl.harness.report.MarkdownTable;

/**
 * A chaotic task: Lorenz one-step-ahead prediction with a parameter shift. The paper reports sparse
 * RTRL more stable across seeds than full RTRL (coefficient of variation 13 % against 88 %). We take
 * the CV of L(method) / L(frozen) per seed, so that each seed's own difficulty (which the frozen
 * network already shows) does not count as instability.
 */
public final class LorenzStudy extends ComparisonStudy {

    /** CVs within this factor of each other are called alike: with a handful of seeds a CV is itself uncertain by tens of percent. */
    static final double ALIKE = 1.5;

    public LorenzStudy() {
        super("lorenz", "Lorenz prediction after a parameter shift: spread across seeds",
                p -> new Cell(p, Cell.Task.LORENZ, p.lorenzN(), 0),
                p -> List.of(Method.sparse(p.k())));
    }

    @Override
    StudyReport report(Protocol p, ExperimentRunner runner, Comparison c, Path plots) throws IOException {
        MarkdownTable spread = new MarkdownTable("method", "CV of L / L(frozen) across seeds", "diverged runs");
        for (Method m : c.methods()) {
            if (m.isFrozen()) {
                continue;
            }
            spread.row(m.label(), cvText(relativeCv(c, m)), diverged(runner, c, m));
        }
        double sparse = relativeCv(c, Method.sparse(p.k())), full = relativeCv(c, Method.full());
        long sparseDiverged = diverged(runner, c, Method.sparse(p.k())), fullDiverged = diverged(runner, c, Method.full());
        String verdictText = stabilityVerdict(sparse, full, sparseDiverged, fullDiverged);
        StringBuilder md = new StringBuilder("## lorenz: ").append(title()).append("\n\n");
        md.append(StudyText.protocolParagraph(p, "Lorenz one-step-ahead prediction, n = " + p.lorenzN() + ", rho "
                + p.rhoBefore() + " -> " + p.rhoAfter(), "sparse RTRL with k = " + p.k() + " random paths"));
        md.append(StudyText.failures(c)).append(c.shiftCheck()).append(c.table()).append('\n').append(c.divergences());
        md.append("The quantity of this study is the spread across seeds of L(method) / L(frozen) (the same seed's frozen "
                + "loss), over the seeds where the run did not diverge; diverged runs are counted apart.\n\n");
        md.append(spread).append('\n');
        md.append(String.format("The paper reports CV 13 %% for sparse and 88 %% for full RTRL. Here: sparse %s, full %s; %s.%n%n",
                cvText(sparse), cvText(full), verdictText));
        StudyText.lossCurves(p, runner, c, List.of(Method.frozen(), Method.readoutOnly(), Method.immediate(),
                Method.sparse(p.k()), Method.full()), plots.resolve("lorenz-loss.png"), "Loss around the parameter shift "
                + "(Lorenz, n = " + p.lorenzN() + ", mean of " + p.seeds() + " seeds)");
        md.append("![loss around the shift](plots/lorenz-loss.png)\n\n");
        Verdict verdict = sparseDiverged != fullDiverged ? (sparseDiverged < fullDiverged ? Verdict.REPRODUCED : Verdict.NOT_REPRODUCED)
                : !Double.isFinite(sparse) || !Double.isFinite(full) ? Verdict.INCONCLUSIVE
                : full >= ALIKE * sparse ? Verdict.REPRODUCED : full < sparse ? Verdict.NOT_REPRODUCED : Verdict.INCONCLUSIVE;
        return new StudyReport(md.toString(), c.records(name()), List.of(new Claim("Lorenz: sparse more stable than full",
                "CV 13 % (sparse) vs 88 % (full)", "CV " + cvText(sparse) + " (sparse) vs " + cvText(full) + " (full); "
                + sparseDiverged + " and " + fullDiverged + " diverged", verdict, "reproduced when full RTRL diverges more "
                + "often, or its CV is at least " + ALIKE + " x sparse's; not reproduced when sparse diverges more often or "
                + "its CV is the larger; inconclusive in between")));
    }

    /** CV of the per-seed ratio L(m) / L(frozen). */
    static double relativeCv(Comparison c, Method m) {
        double[] ratio = c.loss(m), frozen = c.loss(Method.frozen());
        for (int i = 0; i < ratio.length; i++) {
            ratio[i] /= frozen[i];
        }
        return Stats.of(ratio).cv();
    }

    static long diverged(ExperimentRunner runner, Comparison c, Method m) {
        return c.cells().stream().filter(cell -> runner.evaluate(cell, m, true).diverged()).count();
    }

    static String stabilityVerdict(double sparse, double full, long sparseDiverged, long fullDiverged) {
        if (sparseDiverged != fullDiverged) {
            return String.format("%d sparse and %d full runs diverged, and divergence is the instability that matters", sparseDiverged,
                    fullDiverged);
        }
        if (!Double.isFinite(sparse) || !Double.isFinite(full)) {
            return "too few finite runs to compare spreads";
        }
        double ratio = full / sparse;
        if (ratio < ALIKE && ratio > 1 / ALIKE) {
            return String.format("the spreads are alike (within a factor of %.1f)", ALIKE);
        }
        return sparse < full ? "sparse is the more stable, as the paper says" : "sparse is not the more stable here, unlike the paper";
    }

    static String cvText(double cv) {
        return Double.isFinite(cv) ? String.format("%.0f %%", 100 * cv) : "n/a";
    }
}
