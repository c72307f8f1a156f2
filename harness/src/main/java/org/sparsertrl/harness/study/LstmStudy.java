package org.sparsertrl.harness.study;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

import org.sparsertrl.engine.cell.CellKind;

/**
 * The adaptation study with an LSTM: the paper reports that k = 4 sparse RTRL matches full RTRL for
 * gated cells too (no figure). Paths of a gated cell are over units, so k = 4 keeps, for each unit,
 * the sensitivity flowing from four units' h and c.
 */
public final class LstmStudy extends ComparisonStudy {

    /** "Matches" read as: recovery's CI reaching 80 % or more. */
    static final double MATCHES = 0.8;

    public LstmStudy() {
        super("lstm", "sparse RTRL on an LSTM: k against full RTRL",
                p -> new Cell(p.task(), CellKind.LSTM, p.lstmN(), 0, p.init()),
                p -> List.of(Method.sparse(p.k()), Method.subset(p.k())));
    }

    @Override
    StudyReport report(Protocol p, ExperimentRunner runner, Comparison c, Path plots) throws IOException {
        Method sparse = Method.sparse(p.k());
        Paired.Interval recovery = c.recovery(sparse, Method.frozen());
        StringBuilder md = new StringBuilder("## lstm: ").append(title()).append("\n\n");
        md.append(StudyText.protocolParagraph(p, "the " + p.task().label() + " task with an LSTM of n = " + p.lstmN()
                        + " units (state h and c, 2n sensitivity rows)", "per-row sparse RTRL with k = " + p.k()
                        + " random unit paths per unit (each keeping h and c of k units), and shared-subset RTRL over k = "
                        + p.k() + " units"));
        md.append(StudyText.failures(c)).append(c.shiftCheck()).append(c.table()).append('\n').append(c.divergences());
        md.append(String.format("The paper says that with an LSTM k = %d sparse RTRL matches full RTRL, without a figure. "
                + "Here sparse k = %d recovers %s of full RTRL's gain over the frozen network, and %s of its gain over "
                + "immediate derivatives.%n%n", p.k(), p.k(), recovery.format(true),
                c.recovery(sparse, Method.immediate()).format(true)));
        StudyText.lossCurves(p, runner, c, List.of(Method.frozen(), Method.readoutOnly(), Method.immediate(), sparse,
                Method.full()), plots.resolve("lstm-loss.png"), "LSTM: loss around the shift (" + p.task().label()
                + ", n = " + p.lstmN() + ", mean of " + p.seeds() + " seeds)");
        md.append("![LSTM loss around the shift](plots/lstm-loss.png)\n\n");
        Verdict verdict = !c.discriminative() || !Double.isFinite(recovery.estimate()) ? Verdict.INCONCLUSIVE
                : recovery.high() >= MATCHES ? (recovery.low() >= MATCHES ? Verdict.REPRODUCED : Verdict.INCONCLUSIVE)
                : Verdict.NOT_REPRODUCED;
        return new StudyReport(md.toString(), c.records(name()), List.of(new Claim("LSTM: k=" + p.k() + " of n=" + p.lstmN()
                + " matches full RTRL", "matches (no figure)", recovery.format(true) + " (" + p.seeds() + " seeds)", verdict,
                "reproduced when the whole 95 % CI of the recovery is at or above 80 %, not reproduced when the whole CI "
                + "is below, inconclusive otherwise" + Comparison.GUARD)));
    }
}
