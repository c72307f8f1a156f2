package org.sparsertrl.harness.study;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.sparsertrl.harness.report.Plots;

/** Sentences and plots the adaptation-style studies share. */
final class StudyText {

    private StudyText() {
    }

    /** The one-paragraph protocol of an adaptation-style study. */
    static String protocolParagraph(Protocol p, String setting, String methods) {
        return String.format("Protocol (ours; the paper does not publish one): on %s, a network is pre-trained online "
                + "for %d steps on regime A; the regime then shifts, and from the same weights and hidden state each method "
                + "adapts online for %d steps with fresh sensitivities: %s, beside the controls (frozen, readout-only, "
                + "immediate k = 0, truncated BPTT at windows %s, full RTRL). Each method runs at its own learning rate, "
                + "chosen on %d tuning seeds (never evaluation seeds) from its grid, and once more without the shift "
                + "(\"damage without a shift\": its no-shift loss over the frozen network's). L is the mean online loss "
                + "over the window; recovery against a baseline B is (L(B) - L(method)) / (L(B) - L(full RTRL)) as a "
                + "ratio of means over %d evaluation seeds, with a paired bootstrap 95 %% CI in brackets.%n%n",
                setting, p.pretrainSteps(), p.adaptSteps(), methods, java.util.Arrays.toString(p.tbpttWindows()),
                p.tuningSeeds(), p.seeds());
    }

    /** Failed pre-trainings, one sentence; empty if none. */
    static String failures(Comparison c) {
        List<String> failures = c.failures();
        return failures.isEmpty() ? "" : "Seeds counted apart (failed pre-training): " + String.join("; ", failures) + ".\n\n";
    }

    /** Mean loss per bin over seeds, before (pre-training tail) and after the shift, one line per method. */
    static void lossCurves(Protocol p, ExperimentRunner runner, Comparison c, List<Method> shown, Path file, String title)
            throws IOException {
        int bins = p.curveBins();
        double width = (double) p.adaptSteps() / bins;
        List<Plots.Series> series = new ArrayList<>();
        series.add(meanCurve("pre-training", c.cells().stream().map(cell -> runner.pretrained(cell).curve()).toList(),
                bins, width, -p.adaptSteps()));
        for (Method m : shown) {
            series.add(meanCurve(m.label(), c.cells().stream().map(cell -> runner.evaluate(cell, m, true).curve()).toList(),
                    bins, width, 0));
        }
        Plots.lines(file, title, "step relative to the shift", "mean online loss (log)", false, true, series);
    }

    /**
     * A line of binned loss curves, one curve a seed: at bin b, x = {@code from + (b + 0.5) width} and y the
     * mean of the curves' finite values at b (NaN where none is finite).
     */
    static Plots.Series meanCurve(String label, List<double[]> curves, int bins, double width, double from) {
        double[] x = new double[bins], y = new double[bins];
        for (int b = 0; b < bins; b++) {
            x[b] = from + (b + 0.5) * width;
            double sum = 0;
            int count = 0;
            for (double[] curve : curves) {
                double v = curve[b];
                if (Double.isFinite(v)) {
                    sum += v;
                    count++;
                }
            }
            y[b] = count == 0 ? Double.NaN : sum / count;
        }
        return new Plots.Series(label, x, y, null);
    }

    /** Mean loss on the tuning seeds against the learning rate, one line per method: how each rate was picked. */
    static void ratePlot(Comparison c, Path file, String title) throws IOException {
        List<Plots.Series> series = new ArrayList<>();
        for (Method m : c.methods()) {
            if (m.isFrozen()) {
                continue;
            }
            ExperimentRunner.Tuning t = c.tuning(m);
            double[] x = new double[t.grid().length];
            for (int i = 0; i < x.length; i++) {
                x[i] = t.grid()[i];
            }
            series.add(new Plots.Series(m.label(), x, t.loss().clone(), null));
        }
        Plots.lines(file, title, "learning rate (log)", "mean loss after the shift, tuning seeds (log)", true, true, series);
    }

    /** The table of chosen rates: per method the grid's losses and damages. */
    static String rateTable(Comparison c) {
        org.sparsertrl.harness.report.MarkdownTable table = new org.sparsertrl.harness.report.MarkdownTable(
                "method", "rate picked", "loss per rate of the grid (tuning seeds)", "damage per rate");
        for (Method m : c.methods()) {
            if (m.isFrozen()) {
                continue;
            }
            ExperimentRunner.Tuning t = c.tuning(m);
            StringBuilder losses = new StringBuilder(), damages = new StringBuilder();
            for (int i = 0; i < t.grid().length; i++) {
                String sep = i == 0 ? "" : ", ";
                losses.append(sep).append(String.format("%.3g: %.3g", t.grid()[i], t.loss()[i]));
                damages.append(sep).append(String.format("%.2g", t.damage()[i]));
            }
            table.row(m.label(), Comparison.rateText(t), losses, damages);
        }
        return table.toString();
    }
}
