package org.sparsertrl.harness.study;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.sparsertrl.harness.report.MarkdownTable;
import org.sparsertrl.harness.report.Plots;
import org.sparsertrl.harness.report.RunRecord;

/**
 * Neural decoding under cross-session electrode drift: a recurrent decoder trained on session A of a
 * (synthetic or real) intracortical recording adapts online to session B. The paper reports 80 ± 11 %
 * recovery on primate recordings (5 seeds), and sparse propagation more stable than full RTRL.
 */
public final class BciStudy implements Study {

    /** Bins of the decoded-velocity traces. */
    static final int TRACE = 200;

    @Override
    public String name() {
        return "bci";
    }

    @Override
    public String title() {
        return "decoding 2-D velocity across sessions (electrode drift)";
    }

    private static List<Method> methods(Protocol p) {
        return List.of(Method.frozen(), Method.immediate(), Method.sparse(p.k()), Method.subset(p.k()), Method.full());
    }

    @Override
    public List<Work> plan(Protocol p) {
        return Adaptations.plan(p, Adaptations.cells(p, Cell.Task.BCI, p.bciN()), methods(p));
    }

    @Override
    public StudyReport report(Protocol p, ExperimentRunner runner, Path plots) throws IOException {
        List<Cell> cells = Adaptations.cells(p, Cell.Task.BCI, p.bciN());
        List<RunRecord> all = new ArrayList<>();
        Map<Method, List<RunRecord>> byMethod = new LinkedHashMap<>();
        MarkdownTable table = new MarkdownTable("method", "loss after the shift", "CV across seeds", "recovery vs frozen",
                "recovery vs k=0", "paper");
        for (Method m : methods(p)) {
            List<RunRecord> rows = Adaptations.records(name(), p, runner, cells, m);
            byMethod.put(m, rows);
            all.addAll(rows);
            Stats loss = Adaptations.stats(rows, RunRecord::loss);
            table.row(m.label(), Adaptations.summary(rows, RunRecord::loss, false),
                    Double.isFinite(loss.cv()) ? String.format("%.0f %%", 100 * loss.cv()) : "n/a",
                    m.kind() == Method.Kind.FROZEN ? "0 % by definition" : Adaptations.summary(rows, RunRecord::recovery, true),
                    m.kind() == Method.Kind.SPARSE || m.kind() == Method.Kind.SUBSET
                            ? Adaptations.summary(rows, RunRecord::recoveryVsK0, true) : "",
                    m.kind() == Method.Kind.SPARSE && p.k() == 4 ? "80 ± 11 % (primate data)" : "");
        }
        Stats before = Adaptations.stats(byMethod.get(Method.frozen()), RunRecord::lossBefore);
        Stats frozen = Adaptations.stats(byMethod.get(Method.frozen()), RunRecord::loss);
        Stats full = Adaptations.stats(byMethod.get(Method.full()), RunRecord::loss);
        List<RunRecord> sparseRows = byMethod.get(Method.sparse(p.k()));
        Stats sparseLoss = Adaptations.stats(sparseRows, RunRecord::loss);
        long sparseDiverged = Adaptations.diverged(sparseRows), fullDiverged = Adaptations.diverged(byMethod.get(Method.full()));

        Cell first = cells.getFirst();
        double[][] beforeTrace = runner.trace(first, Method.frozen(), false, TRACE);
        double[][] frozenAfter = runner.trace(first, Method.frozen(), true, TRACE);
        double[][] adaptedAfter = runner.trace(first, Method.sparse(p.k()), true, TRACE);
        double[] bins = new double[TRACE];
        for (int i = 0; i < TRACE; i++) {
            bins[i] = i;
        }
        Plots.lines(plots.resolve("bci-before.png"), "Session A, after pre-training: decoded against true velocity (x, seed "
                + first.seed() + ")", "bin", "velocity / max speed", false, false, List.of(
                new Plots.Series("true", bins, beforeTrace[0], null),
                new Plots.Series("decoded (pre-trained)", bins, beforeTrace[1], null)));
        Plots.lines(plots.resolve("bci-after.png"), "Session B, last " + TRACE + " bins of the window (x, seed "
                + first.seed() + ")", "bin", "velocity / max speed", false, false, List.of(
                new Plots.Series("true", bins, adaptedAfter[0], null),
                new Plots.Series("frozen", bins, frozenAfter[1], null),
                new Plots.Series("sparse k = " + p.k() + " (adapted)", bins, adaptedAfter[1], null)));

        StringBuilder md = new StringBuilder("## bci: ").append(title()).append("\n\n");
        md.append(StudyText.protocolParagraph(p, (p.nwb().isEmpty() ? "the synthetic recording" : "the NWB recordings "
                + p.nwb()) + ", decoder n = " + p.bciN() + " (session A is regime A, session B regime B)",
                "frozen, immediate derivatives, per-row sparse RTRL and shared-subset RTRL with k = " + p.k()
                        + ", and full RTRL"));
        md.append(StudyText.shiftCheck(before, frozen, full));
        md.append(table).append('\n');
        Stats recovery = Adaptations.stats(sparseRows, RunRecord::recovery);
        md.append(p.k() == 4 ? StudyText.compare("sparse k = 4", recovery, 0.80, 0.11)
                : "The paper's 80 ± 11 % is for k = 4.").append(' ');
        md.append(String.format("Spread across seeds: CV of the post-shift loss %s for sparse and %s for full RTRL (%d and %d "
                        + "diverged); %s.%n%n", cv(sparseLoss), cv(full), sparseDiverged, fullDiverged,
                LorenzStudy.stabilityVerdict(sparseLoss, full, sparseDiverged, fullDiverged)));
        md.append(p.nwb().isEmpty() ? "The recording is synthetic (no primate data can be fetched here); `--nwb A.nwb B.nwb` "
                + "runs this study on real files.\n\n" : "");
        md.append("![before the shift](plots/bci-before.png)\n\n![after the shift](plots/bci-after.png)\n\n");
        return new StudyReport(md.toString(), all, List.of(
                new Claim("BCI cross-session drift: sparse k=4 recovers", "80 ± 11 % (5 seeds, primate data)",
                        Adaptations.summary(sparseRows, RunRecord::recovery, true) + (p.nwb().isEmpty() ? " (synthetic)" : " (NWB)")),
                new Claim("BCI: sparse more stable than full", "qualitative",
                        "CV " + cv(sparseLoss) + " (sparse) vs " + cv(full) + " (full)")));
    }

    private static String cv(Stats s) {
        return Double.isFinite(s.cv()) ? String.format("%.0f %%", 100 * s.cv()) : "n/a";
    }
}
