package org.sparsertrl.harness.study;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Our own question, not the paper's: one shared set of k units for every row (only k rows of the
 * sensitivity stored, O(k^2 n^2) per step) against per-row sparse RTRL with the same k.
 */
public final class SubsetStudy extends ComparisonStudy {

    public SubsetStudy() {
        super("subset", "shared-subset RTRL against per-row sparse RTRL (our question)",
                ComparisonStudy::taskCell,
                p -> List.of(Method.sparse(p.k()), Method.subset(p.k())));
    }

    @Override
    StudyReport report(Protocol p, ExperimentRunner runner, Comparison c, Path plots) throws IOException {
        Method subset = Method.subset(p.k()), sparse = Method.sparse(p.k());
        Paired.Difference d = c.difference(subset, sparse);
        StringBuilder md = new StringBuilder("## subset: ").append(title()).append("\n\n");
        md.append(StudyText.protocolParagraph(p, "the " + p.task().label() + " task, n = " + p.n(), "per-row sparse RTRL "
                + "with k = " + p.k() + " random paths per row, and shared-subset RTRL with one random set of k = " + p.k()
                + " units"));
        md.append(StudyText.failures(c)).append(c.shiftCheck()).append(c.table()).append('\n').append(c.divergences());
        md.append("The paper does not ask this question. L(subset) - L(sparse) per seed: ").append(d.format())
                .append("; shared-subset stores k instead of n rows of the sensitivity.\n\n");
        return new StudyReport(md.toString(), c.records(name()), List.of(Claim.ours("(ours) shared subset of k="
                + p.k() + " units vs per-row k=" + p.k(), c.recovery(subset, Method.frozen()).format(true) + " vs "
                + c.recovery(sparse, Method.frozen()).format(true) + "; L(subset) - L(sparse) " + d.format())));
    }
}
