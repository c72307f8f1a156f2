package org.sparsertrl.harness.study;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.sparsertrl.harness.report.MarkdownTable;
import org.sparsertrl.harness.report.Plots;

/**
 * Every learner of the library on the protocol's task, side by side: the paper's sparse RTRL beside
 * the online learners its peers use (SnAp-1, UORO, RFLO, truncated BPTT), with recovery and time per
 * step. The paper compares none of them.
 */
public final class BaselinesStudy extends ComparisonStudy {

    public BaselinesStudy() {
        super("baselines", "every learner on the shift: recovery and time per step",
                ComparisonStudy::taskCell,
                BaselinesStudy::methods);
    }

    /** The peers, then subset and sparse RTRL at the protocol's k and sparse at k = 1 and 16 (the frontier's other points, where n allows). */
    static List<Method> methods(Protocol p) {
        List<Method> out = new ArrayList<>(List.of(Method.peer(Method.Kind.RFLO), Method.peer(Method.Kind.EPROP),
                Method.peer(Method.Kind.SNAP1), Method.peer(Method.Kind.UORO), Method.peer(Method.Kind.KF),
                Method.subset(p.k()), Method.sparse(p.k())));
        for (int k : new int[] {1, 16}) {
            if (k != p.k() && k < p.n()) {
                out.add(Method.sparse(k));
            }
        }
        return List.copyOf(out);
    }

    @Override
    StudyReport report(Protocol p, ExperimentRunner runner, Comparison c, Path plots) throws IOException {
        MarkdownTable times = new MarkdownTable("method", "recovery vs frozen", "us / step");
        List<Plots.Series> points = new ArrayList<>();
        StringBuilder claim = new StringBuilder();
        for (Method m : c.methods()) {
            if (m.isFrozen()) {
                continue;
            }
            double micros = Stats.of(c.cells().stream().mapToDouble(cell -> runner.evaluate(cell, m, true).microsPerStep())
                    .toArray()).mean();
            Paired.Interval r = c.recovery(m, Method.frozen());
            times.row(m.label(), r.format(true), String.format("%.1f", micros));
            points.add(new Plots.Series(m.label(), new double[] {micros}, new double[] {100 * r.estimate()}, null));
            if (methods(p).contains(m) || m.kind() == Method.Kind.IMMEDIATE || m.kind() == Method.Kind.READOUT) {
                claim.append(claim.isEmpty() ? "" : "; ").append(m.label()).append(' ').append(r.format(true));
            }
        }
        Plots.lines(plots.resolve("baselines.png"), "Cost-accuracy frontier: recovery against time per step, n = " + p.n(), "us per step (log)",
                "recovery vs frozen (%)", true, false, points);
        StringBuilder md = new StringBuilder("## baselines: ").append(title()).append("\n\n");
        md.append(StudyText.protocolParagraph(p, "the " + p.task().label() + " task, n = " + p.n(), "RFLO, e-prop, SnAp-1 "
                + "(which is also OSTL for one layer), UORO, KF-RTRL, shared-subset and per-row sparse RTRL with k = "
                + p.k()));
        md.append(StudyText.failures(c)).append(c.shiftCheck()).append(c.table()).append('\n').append(c.divergences());
        md.append(times).append('\n');
        md.append("The paper compares none of these peers; the settings of each are in the protocol table. Time per step "
                + "is measured inside the adaptation runs, which share the machine's cores.\n\n");
        md.append("![the cost-accuracy frontier: recovery against time per step](plots/baselines.png)\n\n");
        return new StudyReport(md.toString(), c.records(name()), List.of(Claim.ours("(ours) peer online learners on the "
                + p.task().label() + " shift, n=" + p.n(), claim.toString())));
    }
}
