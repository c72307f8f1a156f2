package org.sparsertrl.harness.study;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.sparsertrl.harness.report.MarkdownTable;
import org.sparsertrl.harness.report.Plots;
import org.sparsertrl.harness.report.RunRecord;

/**
 * Every learner of the library on the sine adaptation task, side by side: the paper's sparse RTRL
 * beside the online learners its peers use (SnAp-1, UORO, RFLO, truncated BPTT), with recovery and
 * time per step in one table and one plot. The paper compares none of them; the protocol is the
 * adaptation study's, with each peer's own settings in the protocol table.
 */
public final class BaselinesStudy implements Study {

    @Override
    public String name() {
        return "baselines";
    }

    @Override
    public String title() {
        return "every learner on the sine shift: recovery and time per step";
    }

    static List<Method> methods(Protocol p) {
        return List.of(Method.frozen(), Method.immediate(), Method.peer(Method.Kind.RFLO), Method.peer(Method.Kind.SNAP1),
                Method.peer(Method.Kind.UORO), Method.peer(Method.Kind.TBPTT), Method.subset(p.k()), Method.sparse(p.k()),
                Method.full());
    }

    @Override
    public List<Work> plan(Protocol p) {
        return Adaptations.plan(p, Adaptations.cells(p, Cell.Task.SINE, p.n()), methods(p));
    }

    @Override
    public StudyReport report(Protocol p, ExperimentRunner runner, Path plots) throws IOException {
        List<Cell> cells = Adaptations.cells(p, Cell.Task.SINE, p.n());
        List<RunRecord> all = new ArrayList<>();
        MarkdownTable table = new MarkdownTable("method", "loss after the shift", "recovery vs frozen", "us / step");
        List<Plots.Series> points = new ArrayList<>();
        StringBuilder claim = new StringBuilder();
        for (Method m : methods(p)) {
            List<RunRecord> rows = Adaptations.records(name(), p, runner, cells, m);
            all.addAll(rows);
            double micros = Adaptations.stats(rows, RunRecord::microsPerStep).mean();
            String recovery = m.kind() == Method.Kind.FROZEN ? "0 % by definition" : Adaptations.summary(rows, RunRecord::recovery, true);
            table.row(m.label(), Adaptations.summary(rows, RunRecord::loss, false), recovery, String.format("%.1f", micros));
            if (m.kind() != Method.Kind.FROZEN) {
                Stats r = Adaptations.stats(rows, RunRecord::recovery);
                points.add(new Plots.Series(m.label(), new double[] {micros}, new double[] {100 * r.mean()},
                        new double[] {100 * r.std()}));
                if (m.kind() != Method.Kind.FULL && m.kind() != Method.Kind.SUBSET) {
                    claim.append(claim.isEmpty() ? "" : "; ").append(m.label()).append(' ').append(recovery);
                }
            }
        }
        Plots.lines(plots.resolve("baselines.png"), "Recovery against time per step, n = " + p.n(), "us per step",
                "recovery vs frozen (%)", true, false, points);
        StringBuilder md = new StringBuilder("## baselines: ").append(title()).append("\n\n");
        md.append(StudyText.protocolParagraph(p, "the sine task, n = " + p.n(), "frozen, immediate derivatives, RFLO, "
                + "SnAp-1, UORO, truncated BPTT, shared-subset and per-row sparse RTRL with k = " + p.k() + ", and full RTRL"));
        md.append(table).append('\n');
        md.append("The paper compares none of these peers; the settings of each are in the protocol table. Time per step "
                + "is measured inside the adaptation runs, which share the machine's cores.\n\n");
        md.append("![recovery against time per step](plots/baselines.png)\n\n");
        return new StudyReport(md.toString(), all, List.of(new Claim("(ours) peer online learners on the sine shift, n="
                + p.n(), "not in the paper", claim.toString())));
    }
}
