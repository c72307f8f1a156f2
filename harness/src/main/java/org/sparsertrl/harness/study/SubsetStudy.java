package org.sparsertrl.harness.study;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.sparsertrl.harness.report.MarkdownTable;
import org.sparsertrl.harness.report.RunRecord;

/**
 * Our own question, not the paper's: one shared set of k units for every row (only k rows of the
 * sensitivity stored, O(k^2 n^2) per step) against per-row sparse RTRL with the same k.
 */
public final class SubsetStudy implements Study {

    @Override
    public String name() {
        return "subset";
    }

    @Override
    public String title() {
        return "shared-subset RTRL against per-row sparse RTRL (our question)";
    }

    private static List<Method> methods(Protocol p) {
        return List.of(Method.sparse(p.k()), Method.subset(p.k()), Method.immediate(), Method.full());
    }

    @Override
    public List<Work> plan(Protocol p) {
        return Adaptations.plan(p, Adaptations.cells(p, Cell.Task.SINE, p.n()), methods(p));
    }

    @Override
    public StudyReport report(Protocol p, ExperimentRunner runner, Path plots) throws IOException {
        List<Cell> cells = Adaptations.cells(p, Cell.Task.SINE, p.n());
        List<RunRecord> all = new ArrayList<>();
        MarkdownTable table = new MarkdownTable("method", "loss after the shift", "recovery vs frozen",
                "recovery vs k=0", "us / step");
        String subset = "", sparse = "";
        for (Method m : methods(p)) {
            List<RunRecord> rows = Adaptations.records(name(), p, runner, cells, m);
            all.addAll(rows);
            String recovery = Adaptations.summary(rows, RunRecord::recovery, true);
            if (m.kind() == Method.Kind.SUBSET) {
                subset = recovery;
            } else if (m.kind() == Method.Kind.SPARSE) {
                sparse = recovery;
            }
            table.row(m.label(), Adaptations.summary(rows, RunRecord::loss, false),
                    recovery,
                    m.kind() == Method.Kind.SPARSE || m.kind() == Method.Kind.SUBSET
                            ? Adaptations.summary(rows, RunRecord::recoveryVsK0, true) : "",
                    String.format("%.1f", Adaptations.stats(rows, RunRecord::microsPerStep).mean()));
        }
        StringBuilder md = new StringBuilder("## subset: ").append(title()).append("\n\n");
        md.append(StudyText.protocolParagraph(p, "the sine task, n = " + p.n(), "per-row sparse RTRL with k = " + p.k()
                + " random paths per row, shared-subset RTRL with one random set of k = " + p.k() + " units, "
                + "immediate derivatives and full RTRL"));
        md.append(table).append('\n');
        md.append("The paper does not ask this question. Shared-subset recovers ").append(subset)
                .append(" where per-row sparse recovers ").append(sparse)
                .append("; it stores k instead of n rows of the sensitivity.\n\n");
        return new StudyReport(md.toString(), all, List.of(new Claim("(ours) shared subset of k=" + p.k()
                + " units vs per-row k=" + p.k(), "not in the paper", subset + " vs " + sparse)));
    }
}
