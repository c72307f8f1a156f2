package org.sparsertrl.harness.study;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.sparsertrl.harness.report.Plots;
import org.sparsertrl.harness.report.RunRecord;

/** Sentences and plots the adaptation-style studies share. */
final class StudyText {

    private StudyText() {
    }

    /** The one-paragraph protocol of an adaptation-style study. */
    static String protocolParagraph(Protocol p, String setting, String methods) {
        return String.format("Protocol (ours; the paper does not publish one): on %s, a network is pre-trained "
                + "online with full RTRL and Adam (learning rate %s, annealed at the end) for %d steps on regime A; the regime then "
                + "shifts, and from the same weights and hidden state each method adapts online for %d steps, with "
                + "fresh sensitivities and optimizer moments (zero at the shift): %s. "
                + "L(method) is the mean online loss over those %d steps; recovery = (L(frozen) - L(method)) / "
                + "(L(frozen) - L(full RTRL)) per seed, then mean ± sample std over %d seeds. Recovery against "
                + "k = 0 puts immediate derivatives in place of the frozen network. Every value is in the "
                + "protocol table at the top of this report.%n%n",
                setting, p.learningRate(), p.pretrainSteps(), p.adaptSteps(), methods, p.adaptSteps(), p.seeds());
    }

    /** Whether the shift was a real test: frozen worse after than before, and full RTRL recovering. */
    static String shiftCheck(Stats before, Stats frozen, Stats full) {
        return String.format("Is the shift a real test? The frozen network's loss goes from %s before the shift to %s "
                + "after it (%.1fx); full RTRL adapts to %s (%.1fx below frozen).%n%n",
                before.scientific(), frozen.scientific(), frozen.mean() / before.mean(), full.scientific(),
                frozen.mean() / full.mean());
    }

    /** A plain sentence placing our mean ± std beside the paper's. */
    static String compare(String what, Stats ours, double paper, double paperStd) {
        if (ours.count() == 0) {
            return String.format("For %s our recovery is undefined on every seed, against the paper's %.0f %%.", what,
                    100 * paper);
        }
        double difference = ours.mean() - paper;
        double spread = Math.max(paperStd, 0) + (Double.isNaN(ours.std()) ? 0 : ours.std());
        String verdict = Math.abs(difference) <= spread ? "within the combined spread of the two"
                : String.format("%.0f points %s than the paper's", 100 * Math.abs(difference),
                difference > 0 ? "higher" : "lower");
        return String.format("For %s we measure %s against the paper's %.0f ± %.0f %%: %s.", what, ours.percent(),
                100 * paper, 100 * paperStd, verdict);
    }

    /** Mean loss per bin over seeds, before (pre-training tail) and after the shift, one line per method. */
    static void lossCurves(Protocol p, ExperimentRunner runner, List<Cell> cells, Map<Method, List<RunRecord>> byMethod,
                           Path file, String title) throws IOException {
        int bins = p.curveBins();
        double width = (double) p.adaptSteps() / bins;
        List<Plots.Series> series = new ArrayList<>();
        double[] preX = new double[bins], preY = new double[bins];
        for (int b = 0; b < bins; b++) {
            preX[b] = -p.adaptSteps() + (b + 0.5) * width;
            double sum = 0;
            int count = 0;
            for (Cell cell : cells) {
                double v = runner.pretrained(cell).curve()[b];
                if (Double.isFinite(v)) {
                    sum += v;
                    count++;
                }
            }
            preY[b] = count == 0 ? Double.NaN : sum / count;
        }
        series.add(new Plots.Series("pre-training (full RTRL)", preX, preY, null));
        for (Map.Entry<Method, List<RunRecord>> e : byMethod.entrySet()) {
            double[] x = new double[bins], y = new double[bins];
            for (int b = 0; b < bins; b++) {
                x[b] = (b + 0.5) * width;
                double sum = 0;
                int count = 0;
                for (RunRecord r : e.getValue()) {
                    if (r.curve() != null && Double.isFinite(r.curve()[b])) {
                        sum += r.curve()[b];
                        count++;
                    }
                }
                y[b] = count == 0 ? Double.NaN : sum / count;
            }
            series.add(new Plots.Series(e.getKey().label(), x, y, null));
        }
        Plots.lines(file, title, "step relative to the shift", "mean online loss (log)", false, true, series);
    }
}
