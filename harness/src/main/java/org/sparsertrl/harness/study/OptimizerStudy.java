package org.sparsertrl.harness.study;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.sparsertrl.harness.report.MarkdownTable;
import org.sparsertrl.harness.report.RunRecord;

/** Is recovery a property of the gradient, not of Adam? The adaptation at k with Adam and with plain SGD. */
public final class OptimizerStudy implements Study {

    @Override
    public String name() {
        return "optimizer";
    }

    @Override
    public String title() {
        return "the adaptation at k with Adam and with SGD";
    }

    private static List<Method> methods(Protocol p) {
        return List.of(Method.sparse(p.k()), Method.immediate(), Method.sparse(p.k()).with(Method.Optimizer.SGD),
                Method.immediate().with(Method.Optimizer.SGD));
    }

    @Override
    public List<Work> plan(Protocol p) {
        return Adaptations.plan(p, Adaptations.cells(p, Cell.Task.SINE, p.n()), methods(p));
    }

    @Override
    public StudyReport report(Protocol p, ExperimentRunner runner, Path plots) throws IOException {
        List<Cell> cells = Adaptations.cells(p, Cell.Task.SINE, p.n());
        List<RunRecord> all = new ArrayList<>();
        MarkdownTable table = new MarkdownTable("method", "loss after the shift", "full RTRL, same optimizer",
                "recovery vs frozen", "recovery vs k=0", "paper");
        Stats sgd = null;
        String sgdText = "";
        for (Method m : methods(p)) {
            List<RunRecord> rows = Adaptations.records(name(), p, runner, cells, m);
            List<RunRecord> full = Adaptations.records(name(), p, runner, cells, Method.full().with(m.optimizer()));
            all.addAll(rows);
            Stats recovery = Adaptations.stats(rows, RunRecord::recovery);
            boolean isSgdSparse = m.optimizer() == Method.Optimizer.SGD && m.kind() == Method.Kind.SPARSE;
            if (isSgdSparse) {
                sgd = recovery;
                sgdText = Adaptations.summary(rows, RunRecord::recovery, true);
                all.addAll(full);
            }
            table.row(m.label(), Adaptations.summary(rows, RunRecord::loss, false),
                    Adaptations.summary(full, RunRecord::loss, false), Adaptations.summary(rows, RunRecord::recovery, true),
                    m.kind() == Method.Kind.SPARSE ? Adaptations.summary(rows, RunRecord::recoveryVsK0, true) : "",
                    isSgdSparse ? "92 ± 1 % (one task)" : "");
        }
        StringBuilder md = new StringBuilder("## optimizer: ").append(title()).append("\n\n");
        md.append(StudyText.protocolParagraph(p, "the sine task, n = " + p.n(), "sparse RTRL (k = " + p.k()
                + ") and immediate derivatives, each with Adam and with plain SGD (learning rate " + p.sgdLearningRate()
                + "); each recovery is measured against full RTRL adapting with the same optimizer. Pre-training is "
                + "the same Adam pre-training for both"));
        md.append(table).append('\n');
        md.append(StudyText.compare("SGD at k = " + p.k(), sgd, 0.92, 0.01)).append(" The companion paper (arXiv "
                + "2603.28750) reports that immediate derivatives with a second-moment optimizer can match full RTRL; "
                + "the k = 0 rows above test that here.\n\n");
        return new StudyReport(md.toString(), all, List.of(new Claim("optimizer independence (SGD)",
                "92 ± 1 % (one task)", sgdText)));
    }
}
