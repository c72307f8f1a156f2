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
 * Why would few paths suffice? The paper reports the recurrent Jacobian full-rank and near-isotropic:
 * condition numbers from 2.6 to 6.5. We sample diag(d_t) W along trajectories of pre-trained networks
 * and compute largest over smallest singular value with EJML.
 */
public final class SpectralStudy implements Study {

    @Override
    public String name() {
        return "spectral";
    }

    @Override
    public String title() {
        return "condition number of the recurrent Jacobian diag(d_t) W";
    }

    @Override
    public List<Work> plan(Protocol p) {
        List<Work> work = new ArrayList<>();
        for (int n : p.spectralSizes()) {
            for (Cell cell : Adaptations.cells(p, Cell.Task.SINE, n)) {
                work.add(new Work("pretrain " + cell, Adaptations.cost(p, cell, Method.full(), p.pretrainSteps()),
                        runner -> runner.pretrained(cell)));
            }
            for (Cell cell : Adaptations.cells(p, Cell.Task.SINE, n)) {
                work.add(new Work("spectrum " + cell, (double) p.spectralSteps() / p.spectralEvery() * 20.0 * n * n * n,
                        runner -> runner.conditionNumbers(cell)));
            }
        }
        return work;
    }

    @Override
    public StudyReport report(Protocol p, ExperimentRunner runner, Path plots) throws IOException {
        List<RunRecord> all = new ArrayList<>();
        MarkdownTable table = new MarkdownTable("n", "samples", "singular", "min", "10th pct", "median", "90th pct", "max",
                "paper");
        Map<String, double[]> boxes = new LinkedHashMap<>();
        double lo = Double.POSITIVE_INFINITY, hi = 0;
        for (int n : p.spectralSizes()) {
            List<Double> pooled = new ArrayList<>();
            for (Cell cell : Adaptations.cells(p, Cell.Task.SINE, n)) {
                double[] c = runner.conditionNumbers(cell);
                for (double v : c) {
                    pooled.add(v);
                }
                all.add(new RunRecord(name(), "pre-trained", n, null, cell.seed(),
                        RunRecord.finite(runner.pretrained(cell).lossBefore()), null, null, null,
                        c.length == 0 ? Adaptations.PRETRAINING_DIVERGED : null, null, null,
                        RunRecord.finite(Stats.quantile(c, 0)), RunRecord.finite(Stats.quantile(c, 0.5)),
                        RunRecord.finite(Stats.quantile(c, 1)), null));
            }
            double[] values = pooled.stream().mapToDouble(Double::doubleValue).toArray();
            long singular = java.util.Arrays.stream(values).filter(v -> !Double.isFinite(v)).count();
            boxes.put("n = " + n, values);
            table.row(n, values.length, singular, fmt(Stats.quantile(values, 0)), fmt(Stats.quantile(values, 0.1)),
                    fmt(Stats.quantile(values, 0.5)), fmt(Stats.quantile(values, 0.9)), fmt(Stats.quantile(values, 1)),
                    "2.6 to 6.5");
            if (values.length > 0) {
                lo = Math.min(lo, Stats.quantile(values, 0.5));
                hi = Math.max(hi, Stats.quantile(values, 0.5));
            }
        }
        Plots.boxes(plots.resolve("spectral-condition.png"), "Condition number of diag(d_t) W along regime-A trajectories",
                "largest / smallest singular value (log)", true, boxes);
        StringBuilder md = new StringBuilder("## spectral: ").append(title()).append("\n\n");
        md.append(String.format("Protocol (ours): for each n in %s and each of %d seeds, the network pre-trained as in "
                + "the adaptation study runs on regime A with frozen weights for %d more steps; every %d steps "
                + "the recurrent Jacobian diag(d_t) W is formed and its singular values computed with EJML; the "
                + "condition number is the largest over the smallest. The table pools every sample of every seed; a sample "
                + "whose smallest singular value is zero is counted as singular and left out of the quantiles.%n%n",
                java.util.Arrays.toString(p.spectralSizes()), p.seeds(), p.spectralSteps(), p.spectralEvery()));
        md.append(table).append('\n');
        md.append(String.format("The paper reports condition numbers from 2.6 to 6.5. Our medians run from %s to %s.%n%n",
                fmt(lo), fmt(hi)));
        md.append("![condition numbers](plots/spectral-condition.png)\n\n");
        return new StudyReport(md.toString(), all, List.of(new Claim("recurrent Jacobian full-rank, near-isotropic",
                "condition numbers 2.6 to 6.5", "medians " + fmt(lo) + " to " + fmt(hi) + " (n = "
                + java.util.Arrays.toString(p.spectralSizes()) + ")")));
    }

    private static String fmt(double v) {
        return Double.isFinite(v) ? String.format("%.3g", v) : "n/a";
    }
}
