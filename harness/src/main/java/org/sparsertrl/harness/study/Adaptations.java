package org.sparsertrl.harness.study;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import org.sparsertrl.harness.report.RunRecord;

/** What the adaptation-style studies share: their plan of work, and their per-seed rows. */
final class Adaptations {

    private Adaptations() {
    }

    /** The seeds 1..S of one task and size. */
    static List<Cell> cells(Protocol p, Cell.Task task, int n) {
        List<Cell> cells = new ArrayList<>();
        for (long seed = 1; seed <= p.seeds(); seed++) {
            cells.add(new Cell(task, n, seed));
        }
        return cells;
    }

    /**
     * Pre-training of every cell first, then each method (and the baselines it is measured
     * against) on every cell, method by method, so that parallel threads start on different seeds
     * instead of waiting on one pre-training.
     */
    static List<Study.Work> plan(Protocol p, List<Cell> cells, List<Method> methods) {
        Set<Method> all = new LinkedHashSet<>();
        for (Method m : methods) {
            all.add(Method.frozen());
            all.add(Method.immediate().with(m.optimizer()));
            all.add(Method.full().with(m.optimizer()));
            all.add(m);
        }
        List<Study.Work> work = new ArrayList<>();
        for (Cell cell : cells) {
            work.add(new Study.Work("pretrain " + cell, cost(p, cell, Method.full(), p.pretrainSteps()),
                    runner -> runner.pretrained(cell)));
        }
        for (Method m : all) {
            for (Cell cell : cells) {
                work.add(new Study.Work("adapt " + cell + " " + m.label(), cost(p, cell, m, p.adaptSteps()),
                        runner -> runner.adapt(cell, m)));
            }
        }
        return work;
    }

    /** Multiply-adds per step, roughly (for the vanilla cell): n p for full RTRL, k p for sparse, (k^2 / n + 1) p for subset, 2 T p for truncated BPTT, a few p otherwise; plus the forward pass. */
    static double cost(Protocol p, Cell cell, Method m, int steps) {
        double n = cell.n(), width = n * (n + cell.inputs(p) + 1);
        double perStep = switch (m.kind()) {
            case FULL -> n * width;
            case SPARSE -> Math.max(1, m.k()) * width;
            case SUBSET -> Math.max(1, m.k() * m.k()) * width / n + width;
            case IMMEDIATE -> 2 * width;
            case SNAP1, UORO, RFLO -> 4 * width;
            case TBPTT -> 2.0 * p.tbpttWindow() * width;
            case FROZEN -> n * n;
        };
        // A gated cell has G rows of parameters per unit and q state rows per unit: G q^2 times the work.
        double gated = cell.kind().gates() * cell.kind().statesPerUnit() * cell.kind().statesPerUnit();
        return steps * (perStep + 20 * n * n) * gated;
    }

    /**
     * One row per seed for {@code method}: its loss, and its recovery against the frozen network and
     * against immediate derivatives, both relative to full RTRL with the same optimizer.
     */
    static List<RunRecord> records(String study, Protocol p, ExperimentRunner runner, List<Cell> cells, Method method) {
        List<RunRecord> rows = new ArrayList<>();
        Method full = Method.full().with(method.optimizer()), k0 = Method.immediate().with(method.optimizer());
        for (Cell cell : cells) {
            Pretrained base = runner.pretrained(cell);
            RunResult run = runner.adapt(cell, method);
            double frozenLoss = runner.adapt(cell, Method.frozen()).meanLoss();
            double fullLoss = runner.adapt(cell, full).meanLoss();
            double k0Loss = runner.adapt(cell, k0).meanLoss();
            boolean baseline = method.kind() == Method.Kind.FROZEN;
            Recovery recovery = Recovery.of(frozenLoss, run.meanLoss(), fullLoss, p.undefinedBelow());
            Recovery vsK0 = Recovery.of(k0Loss, run.meanLoss(), fullLoss, p.undefinedBelow());
            String undefined = null;
            if (run.unusable()) {
                undefined = PRETRAINING_DIVERGED;
            } else if (!baseline) {
                if (!recovery.defined()) {
                    undefined = "vs frozen: " + recovery.reason();
                }
                if (method.kind() != Method.Kind.IMMEDIATE && !vsK0.defined()) {
                    undefined = (undefined == null ? "" : undefined + "; ") + "vs k=0: " + vsK0.reason();
                }
            }
            Integer k = switch (method.kind()) {
                case FROZEN, SNAP1, UORO, RFLO, TBPTT -> null;
                case FULL -> cell.n();
                default -> method.k();
            };
            rows.add(new RunRecord(study, method.label(), cell.n(), k, cell.seed(), RunRecord.finite(base.lossBefore()),
                    RunRecord.finite(run.meanLoss()), baseline ? null : RunRecord.finite(recovery.value()),
                    baseline || method.kind() == Method.Kind.IMMEDIATE ? null : RunRecord.finite(vsK0.value()),
                    undefined, RunRecord.finite(run.microsPerStep()), run.diverged() ? run.divergedAt() : null,
                    null, null, null, run.curve()));
        }
        return rows;
    }

    /** The undefined-reason of every run of a cell whose pre-training diverged. */
    static final String PRETRAINING_DIVERGED = "pre-training diverged";

    /**
     * Mean ± std of a recovery (or loss) column over the seeds where it is defined, with the seeds
     * left out counted by cause: runs that diverged, cells whose pre-training diverged, and
     * recoveries undefined because full RTRL did not clearly beat the baseline.
     */
    static String summary(List<RunRecord> rows, java.util.function.Function<RunRecord, Double> column, boolean percent) {
        Stats s = stats(rows, column);
        long diverged = rows.stream().filter(r -> r.divergedAt() != null).count();
        long unusable = rows.stream().filter(r -> PRETRAINING_DIVERGED.equals(r.undefined())).count();
        long undefined = s.missing() - diverged - unusable;
        String value = s.count() == 0 ? (percent ? "undefined" : "n/a") : percent
                ? (Double.isNaN(s.std()) ? String.format("%.0f %%", 100 * s.mean()) : String.format("%.0f ± %.0f %%", 100 * s.mean(), 100 * s.std()))
                : (Double.isNaN(s.std()) ? String.format("%.3g", s.mean()) : String.format("%.3g ± %.2g", s.mean(), s.std()));
        List<String> notes = new ArrayList<>();
        if (undefined > 0) {
            notes.add(undefined + " undefined");
        }
        if (diverged > 0) {
            notes.add(diverged + " diverged");
        }
        if (unusable > 0) {
            notes.add(unusable + " pre-training diverged");
        }
        return notes.isEmpty() ? value : value + " (" + String.join(", ", notes) + ")";
    }

    /** The statistics of one column of rows. */
    static Stats stats(List<RunRecord> rows, java.util.function.Function<RunRecord, Double> column) {
        return Stats.of(rows.stream().mapToDouble(r -> RunRecord.value(column.apply(r))).toArray());
    }

    /** Diverged runs among {@code rows}. */
    static long diverged(List<RunRecord> rows) {
        return rows.stream().filter(r -> r.divergedAt() != null).count();
    }
}
