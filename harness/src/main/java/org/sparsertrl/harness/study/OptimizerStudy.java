package org.sparsertrl.harness.study;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/** Is recovery a property of the gradient, not of Adam? The adaptation at k with Adam and with plain SGD, each tuned. */
public final class OptimizerStudy extends ComparisonStudy {

    public OptimizerStudy() {
        super("optimizer", "the adaptation at k with Adam and with SGD, each at its own rate",
                ComparisonStudy::taskCell,
                p -> List.of(Method.sparse(p.k()), Method.sparse(p.k()).with(Method.Optimizer.SGD)));
    }

    @Override
    StudyReport report(Protocol p, ExperimentRunner runner, Comparison c, Path plots) throws IOException {
        Method sgd = Method.sparse(p.k()).with(Method.Optimizer.SGD);
        Paired.Interval sgdRecovery = c.recovery(sgd, Method.frozen());
        StringBuilder md = new StringBuilder("## optimizer: ").append(title()).append("\n\n");
        md.append(StudyText.protocolParagraph(p, "the " + p.task().label() + " task, n = " + p.n(), "sparse RTRL (k = "
                + p.k() + ") with Adam and with plain SGD, and every control with both optimizers; each recovery is "
                + "measured against full RTRL with the same optimizer. Pre-training is the same for both"));
        md.append(StudyText.failures(c)).append(c.shiftCheck()).append(c.table()).append('\n').append(c.divergences());
        md.append(String.format("With SGD, sparse k = %d recovers %s of full RTRL's (SGD) gain; the paper reports 92 ± 1 %% "
                + "on one task. The companion paper (arXiv 2603.28750) reports that immediate derivatives with a "
                + "second-moment optimizer can match full RTRL; the k = 0 rows (Adam against SGD) test that here.%n%n",
                p.k(), sgdRecovery.format(true)));
        md.append(StudyText.rateTable(c)).append('\n');
        return new StudyReport(md.toString(), c.records(name()), List.of(new Claim("optimizer independence (SGD)",
                "92 ± 1 % (one task)", sgdRecovery.format(true), c.guarded(Verdict.ofInterval(sgdRecovery, 0.90, 0.94, 1.0)),
                "reproduced when our 95 % CI overlaps 90 to 94 %, not reproduced when outside, inconclusive when "
                + "undefined or wider than 100 points" + Comparison.GUARD)));
    }
}
