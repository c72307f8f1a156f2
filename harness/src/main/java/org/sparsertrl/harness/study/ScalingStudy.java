package org.sparsertrl.harness.study;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.sparsertrl.harness.report.MarkdownTable;
import org.sparsertrl.harness.report.Plots;
import org.sparsertrl.harness.report.RunRecord;

/** Does the absolute count k keep working as n grows (the fraction k/n shrinking)? And what does it cost? */
public final class ScalingStudy implements Study {

    @Override
    public String name() {
        return "scaling";
    }

    @Override
    public String title() {
        return "fixed k as n grows, and time per step";
    }

    private static List<Method> methods(Protocol p) {
        return List.of(Method.sparse(p.k()));
    }

    @Override
    public List<Work> plan(Protocol p) {
        List<Work> work = new ArrayList<>();
        for (int n : p.scalingSizes()) {
            work.addAll(Adaptations.plan(p, Adaptations.cells(p, Cell.Task.SINE, n), methods(p)));
        }
        return work;
    }

    @Override
    public StudyReport report(Protocol p, ExperimentRunner runner, Path plots) throws IOException {
        List<RunRecord> all = new ArrayList<>();
        MarkdownTable table = new MarkdownTable("n", "k / n", "recovery vs frozen", "recovery vs k=0", "paper",
                "us / step sparse k=" + p.k(), "us / step full", "speed-up");
        int sizes = p.scalingSizes().length;
        double[] x = new double[sizes], y = new double[sizes], e = new double[sizes];
        double[] sparseTime = new double[sizes], fullTime = new double[sizes];
        List<Claim> claims = new ArrayList<>();
        for (int i = 0; i < sizes; i++) {
            int n = p.scalingSizes()[i];
            List<Cell> cells = Adaptations.cells(p, Cell.Task.SINE, n);
            List<RunRecord> rows = Adaptations.records(name(), p, runner, cells, Method.sparse(p.k()));
            List<RunRecord> fullRows = Adaptations.records(name(), p, runner, cells, Method.full());
            all.addAll(rows);
            all.addAll(fullRows);
            Stats recovery = Adaptations.stats(rows, RunRecord::recovery);
            String recoveryText = Adaptations.summary(rows, RunRecord::recovery, true);
            Stats sparseMicros = Adaptations.stats(rows, RunRecord::microsPerStep);
            Stats fullMicros = Adaptations.stats(fullRows, RunRecord::microsPerStep);
            String paper = p.k() != 4 ? "" : n == 64 ? "84 ± 6 %" : n == 256 ? "78 %" : "";
            table.row(n, String.format("%.1f %%", 100.0 * p.k() / n), recoveryText,
                    Adaptations.summary(rows, RunRecord::recoveryVsK0, true), paper,
                    String.format("%.1f", sparseMicros.mean()), String.format("%.1f", fullMicros.mean()),
                    String.format("%.1fx", fullMicros.mean() / sparseMicros.mean()));
            x[i] = n;
            y[i] = 100 * recovery.mean();
            e[i] = 100 * (Double.isNaN(recovery.std()) ? 0 : recovery.std());
            sparseTime[i] = sparseMicros.mean();
            fullTime[i] = fullMicros.mean();
            if (n == 256 && p.k() == 4) {
                claims.add(new Claim("the count k=4 keeps working as n grows", "n=256 (1.6 % of paths): 78 %",
                        "n=256 (1.6 % of paths): " + recoveryText));
            }
        }
        if (claims.isEmpty()) {
            claims.add(new Claim("the count k=4 keeps working as n grows", "n=256 (1.6 % of paths): 78 %",
                    "not run (k = " + p.k() + ", n in " + java.util.Arrays.toString(p.scalingSizes()) + ")"));
        }
        List<Plots.Series> recoverySeries = new ArrayList<>(List.of(new Plots.Series("ours (mean ± std)", x, y, e)));
        if (p.k() == 4) {
            recoverySeries.add(new Plots.Series("paper (k = 4)", new double[] {64, 256}, new double[] {84, 78},
                    new double[] {6, 0}));
        }
        Plots.lines(plots.resolve("scaling-recovery.png"), "Recovery at k = " + p.k() + " against n (sine)", "n",
                "recovery vs frozen (%)", true, false, recoverySeries);
        Plots.lines(plots.resolve("scaling-time.png"), "Time per adaptation step against n", "n",
                "microseconds per step (log)", true, true, List.of(new Plots.Series("sparse k = " + p.k(), x, sparseTime, null),
                        new Plots.Series("full RTRL", x, fullTime, null)));
        StringBuilder md = new StringBuilder("## scaling: ").append(title()).append("\n\n");
        md.append(StudyText.protocolParagraph(p, "the sine task at n in " + java.util.Arrays.toString(p.scalingSizes()),
                "frozen, immediate derivatives, per-row sparse RTRL with k = " + p.k() + " random paths, and full RTRL "
                        + "(the denominator at each n)"));
        md.append(table).append('\n');
        md.append("Times are wall-clock microseconds per adaptation step (forward, learner, Adam) over the second half "
                + "of each window, measured while other runs share the machine's cores; the JMH benchmarks in bench/ "
                + "give the controlled figures.\n\n");
        md.append("![recovery against n](plots/scaling-recovery.png)\n\n![time per step](plots/scaling-time.png)\n\n");
        return new StudyReport(md.toString(), all, claims);
    }
}
