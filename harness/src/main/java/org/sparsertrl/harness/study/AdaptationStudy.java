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
 * The central claim: k random paths of n recover most of full RTRL's online adaptation after a
 * frequency shift of the sine task (paper: 84 ± 6 % at k = 4 of n = 64), and k = 0 does not (the
 * "step function").
 */
public final class AdaptationStudy implements Study {

    @Override
    public String name() {
        return "adaptation";
    }

    @Override
    public String title() {
        return "recovery against k after a frequency shift (sine)";
    }

    List<Method> methods(Protocol p) {
        List<Method> methods = new ArrayList<>();
        methods.add(Method.frozen());
        methods.add(Method.immediate());
        for (int k : p.ks()) {
            methods.add(Method.sparse(k));
        }
        methods.add(Method.full());
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
        MarkdownTable table = new MarkdownTable("method", "k", "loss after the shift", "recovery vs frozen",
                "recovery vs k=0", "paper");
        Map<Method, List<RunRecord>> byMethod = new LinkedHashMap<>();
        for (Method m : methods(p)) {
            List<RunRecord> rows = Adaptations.records(name(), p, runner, cells, m);
            byMethod.put(m, rows);
            all.addAll(rows);
            table.row(m.label(), m.kLabel(p.n()), Adaptations.stats(rows, RunRecord::loss).scientific(),
                    m.kind() == Method.Kind.FROZEN ? "0 % by definition" : Adaptations.stats(rows, RunRecord::recovery).percent(),
                    m.kind() == Method.Kind.SPARSE ? Adaptations.stats(rows, RunRecord::recoveryVsK0).percent() : "",
                    paperFigure(m, p));
        }
        Stats before = Adaptations.stats(byMethod.get(Method.frozen()), RunRecord::lossBefore);
        Stats frozen = Adaptations.stats(byMethod.get(Method.frozen()), RunRecord::loss);
        Stats full = Adaptations.stats(byMethod.get(Method.full()), RunRecord::loss);
        Stats k4 = p.k() <= p.n() && contains(p.ks(), p.k())
                ? Adaptations.stats(byMethod.get(Method.sparse(p.k())), RunRecord::recovery) : null;
        Stats k0 = Adaptations.stats(byMethod.get(Method.immediate()), RunRecord::recovery);

        recoveryPlot(p, byMethod, plots.resolve("adaptation-recovery.png"));
        StudyText.lossCurves(p, runner, cells, byMethod, plots.resolve("adaptation-loss.png"),
                "Loss around the frequency shift (sine, n = " + p.n() + ", mean of " + p.seeds() + " seeds)");

        StringBuilder md = new StringBuilder();
        md.append("## adaptation: ").append(title()).append("\n\n");
        md.append(StudyText.protocolParagraph(p, "the sine task, n = " + p.n(), methodsText(p)));
        md.append(StudyText.shiftCheck(before, frozen, full));
        md.append(table).append('\n');
        if (k4 != null) {
            md.append(StudyText.compare("k = " + p.k() + " of n = " + p.n(), k4, 0.84, 0.06)).append(' ');
        }
        md.append(String.format("Immediate derivatives alone (k = 0) recover %s; the paper describes a step function "
                + "in which k = 0 fails and any k > 0 works.%s%n%n", k0.percent(), stepFunctionVerdict(byMethod, p)));
        md.append("![recovery against k](plots/adaptation-recovery.png)\n\n");
        md.append("![loss around the shift](plots/adaptation-loss.png)\n\n");

        List<Claim> claims = new ArrayList<>();
        if (k4 != null) {
            claims.add(new Claim("k=" + p.k() + " random paths of n=" + p.n() + " recover full RTRL's adaptation",
                    "84 ± 6 % (k=4 of n=64, 5 seeds)", k4.percent() + " (" + k4.count() + " seeds)"));
        }
        claims.add(new Claim("step function: k=0 fails, any k>0 works", "qualitative",
                "k=0: " + k0.percent() + "; k=1: " + Adaptations.stats(byMethod.get(Method.sparse(p.ks()[0])),
                        RunRecord::recovery).percent()));
        return new StudyReport(md.toString(), all, claims);
    }

    private static boolean contains(int[] values, int value) {
        for (int v : values) {
            if (v == value) {
                return true;
            }
        }
        return false;
    }

    private static String methodsText(Protocol p) {
        return "frozen, immediate derivatives (k = 0), per-row sparse RTRL with k random fixed paths for k in "
                + java.util.Arrays.toString(p.ks()) + ", and full RTRL";
    }

    private static String paperFigure(Method m, Protocol p) {
        if (m.kind() == Method.Kind.SPARSE && m.k() == 4) {
            return "84 ± 6 % (n = 64)";
        }
        if (m.kind() == Method.Kind.IMMEDIATE) {
            return "fails (step function)";
        }
        return "";
    }

    private static String stepFunctionVerdict(Map<Method, List<RunRecord>> byMethod, Protocol p) {
        Stats k0 = Adaptations.stats(byMethod.get(Method.immediate()), RunRecord::recovery);
        Stats k1 = Adaptations.stats(byMethod.get(Method.sparse(p.ks()[0])), RunRecord::recovery);
        if (k0.count() == 0 || k1.count() == 0) {
            return "";
        }
        double gap = k1.mean() - k0.mean();
        return String.format(" Here the step from k = 0 to k = %d is %+.0f points of recovery, so %s.", p.ks()[0],
                100 * gap, Math.abs(gap) < 0.1 ? "no step function appears under our protocol"
                        : gap > 0 ? "a step appears" : "k = 0 does better than the smallest k");
    }

    private void recoveryPlot(Protocol p, Map<Method, List<RunRecord>> byMethod, Path file) throws IOException {
        List<Method> learners = new ArrayList<>(byMethod.keySet());
        learners.removeIf(m -> m.kind() == Method.Kind.FROZEN);
        double[] x = new double[learners.size()], y = new double[learners.size()], e = new double[learners.size()];
        for (int i = 0; i < learners.size(); i++) {
            Stats s = Adaptations.stats(byMethod.get(learners.get(i)), RunRecord::recovery);
            Method m = learners.get(i);
            x[i] = m.kind() == Method.Kind.FULL ? p.n() : m.k();
            y[i] = 100 * s.mean();
            e[i] = 100 * (Double.isNaN(s.std()) ? 0 : s.std());
        }
        double[] paperX = {4}, paperY = {84}, paperE = {6};
        Plots.lines(file, "Recovery of full RTRL's adaptation against k (sine, n = " + p.n() + ", "
                        + p.seeds() + " seeds; k = n is full RTRL)", "k (paths per row)", "recovery vs frozen (%)",
                false, false, List.of(new Plots.Series("ours (mean ± std)", x, y, e),
                        new Plots.Series("paper (k = 4 of 64)", paperX, paperY, paperE)));
    }
}
