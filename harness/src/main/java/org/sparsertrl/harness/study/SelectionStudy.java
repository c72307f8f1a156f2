package org.sparsertrl.harness.study;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.sparsertrl.engine.learn.Selection;
import org.sparsertrl.harness.report.MarkdownTable;
import org.sparsertrl.harness.report.Plots;
import org.sparsertrl.harness.report.RunRecord;

/** Does it matter which k paths are kept? Random, resampled, strongest and weakest (adversarial). */
public final class SelectionStudy implements Study {

    private static final List<Selection.Policy> POLICIES = List.of(Selection.Policy.RANDOM_FIXED,
            Selection.Policy.RANDOM_RESAMPLED, Selection.Policy.TOP_K, Selection.Policy.BOTTOM_K);

    @Override
    public String name() {
        return "selection";
    }

    @Override
    public String title() {
        return "which k paths: random, resampled, top-k |W|, bottom-k |W|";
    }

    private List<Method> methods(Protocol p) {
        List<Method> methods = new ArrayList<>();
        for (Selection.Policy policy : POLICIES) {
            methods.add(Method.sparse(p.k(), policy));
        }
        return methods;
    }

    @Override
    public List<Work> plan(Protocol p) {
        return Adaptations.plan(p, Adaptations.cells(p, Cell.Task.SINE, p.n()), methods(p));
    }

    @Override
    public StudyReport report(Protocol p, ExperimentRunner runner, Path plots) throws IOException {
        List<Cell> cells = Adaptations.cells(p, Cell.Task.SINE, p.n());
        List<RunRecord> all = new ArrayList<>();
        MarkdownTable table = new MarkdownTable("policy", "loss after the shift", "recovery vs frozen", "recovery vs k=0");
        List<Plots.Series> series = new ArrayList<>();
        double lo = Double.POSITIVE_INFINITY, hi = Double.NEGATIVE_INFINITY;
        int index = 0;
        for (Method m : methods(p)) {
            List<RunRecord> rows = Adaptations.records(name(), p, runner, cells, m);
            all.addAll(rows);
            Stats recovery = Adaptations.stats(rows, RunRecord::recovery);
            table.row(m.policy().label(), Adaptations.summary(rows, RunRecord::loss, false),
                    Adaptations.summary(rows, RunRecord::recovery, true),
                    Adaptations.summary(rows, RunRecord::recoveryVsK0, true));
            if (recovery.count() > 0) {
                lo = Math.min(lo, recovery.mean());
                hi = Math.max(hi, recovery.mean());
            }
            series.add(new Plots.Series(m.policy().label(), new double[] {index++}, new double[] {100 * recovery.mean()},
                    new double[] {100 * (Double.isNaN(recovery.std()) ? 0 : recovery.std())}));
        }
        Plots.lines(plots.resolve("selection-recovery.png"), "Recovery by path selection (k = " + p.k() + ", n = "
                + p.n() + ")", "policy", "recovery vs frozen (%)", false, false, series);
        String spread = Double.isFinite(lo) ? String.format("%.1f points", 100 * (hi - lo)) : "undefined";
        StringBuilder md = new StringBuilder("## selection: ").append(title()).append("\n\n");
        md.append(StudyText.protocolParagraph(p, "the sine task, n = " + p.n(), "per-row sparse RTRL with k = " + p.k()
                + " paths chosen at random once, drawn again every " + p.refreshEvery() + " steps, the k largest |W[i,j]| or the k "
                + "smallest |W[i,j]| (both refreshed every " + p.refreshEvery() + " steps); frozen and full RTRL as "
                + "in the adaptation study"));
        md.append(table).append('\n');
        md.append("The paper calls the method selection-invariant, adversarial selection included. Here the mean recoveries "
                + "of the four policies span ").append(spread).append(" (bottom-k is the adversarial choice).\n\n");
        md.append("![recovery by policy](plots/selection-recovery.png)\n\n");
        return new StudyReport(md.toString(), all, List.of(new Claim("selection-invariant, even adversarial selection works",
                "qualitative", "the four policies' mean recoveries span " + spread)));
    }
}
