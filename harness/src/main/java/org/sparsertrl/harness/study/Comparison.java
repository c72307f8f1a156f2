package org.sparsertrl.harness.study;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.sparsertrl.harness.report.MarkdownTable;
import org.sparsertrl.harness.report.RunRecord;

/**
 * The skeleton every adaptation-style study shares: one kind of network (task, cell, size,
 * initialisation), its evaluation seeds, the methods a study asks for and the controls every table
 * carries (frozen, readout-only, immediate k = 0, truncated BPTT at the protocol's windows, full
 * RTRL, each also run without a shift). It plans the work, collects the per-seed losses, and turns
 * them into paired statistics and the standard table; a study adds only its own columns and prose.
 */
final class Comparison {

    /** The columns of {@link #table}. */
    static final String[] COLUMNS = {"method", "k", "rate", "L after the shift [95 % CI]", "L / L(frozen)",
        "damage without a shift", "recovery vs frozen", "vs readout-only", "vs k=0"};

    private final Protocol p;
    private final ExperimentRunner runner;
    private final Cell kind;
    private final List<Cell> cells;
    private final List<Method> methods;
    private final Map<Method, double[]> loss = new LinkedHashMap<>();
    private final Map<Method, double[]> still = new LinkedHashMap<>();

    Comparison(Protocol p, ExperimentRunner runner, Cell kind, List<Method> asked) {
        this.p = p;
        this.runner = runner;
        this.kind = kind;
        this.cells = cells(p, kind);
        this.methods = methods(p, asked);
        for (Method m : methods) {
            double[] shifted = new double[cells.size()], unshifted = new double[cells.size()];
            for (int i = 0; i < cells.size(); i++) {
                shifted[i] = runner.evaluate(cells.get(i), m, true).meanLoss();
                unshifted[i] = runner.evaluate(cells.get(i), m, false).meanLoss();
            }
            loss.put(m, shifted);
            still.put(m, unshifted);
        }
    }

    /** The evaluation cells: the kind with each evaluation seed. */
    static List<Cell> cells(Protocol p, Cell kind) {
        List<Cell> out = new ArrayList<>();
        for (long seed : p.evaluationSeeds()) {
            out.add(kind.withSeed(seed));
        }
        return out;
    }

    /** The controls for the optimizers the asked methods use, then the asked methods, in table order. */
    static List<Method> methods(Protocol p, List<Method> asked) {
        Set<Method.Optimizer> optimizers = new LinkedHashSet<>();
        optimizers.add(Method.Optimizer.ADAM);
        asked.forEach(m -> optimizers.add(m.optimizer()));
        Set<Method> all = new LinkedHashSet<>();
        all.add(Method.frozen());
        for (Method.Optimizer o : optimizers) {
            all.add(Method.readoutOnly().with(o));
            all.add(Method.immediate().with(o));
        }
        all.addAll(asked);
        for (Method.Optimizer o : optimizers) {
            for (int w : p.tbpttWindows()) {
                all.add(Method.tbptt(w).with(o));
            }
            all.add(Method.full().with(o));
        }
        return List.copyOf(all);
    }

    /**
     * Pre-training of every evaluation and tuning cell, then the tuning grid of every method, then its
     * evaluation runs (with and without the shift), method by method, so that parallel threads start
     * on different seeds instead of waiting on one pre-training.
     */
    static List<Study.Work> plan(Protocol p, Cell kind, List<Method> asked) {
        List<Study.Work> work = new ArrayList<>();
        List<Cell> tuning = new ArrayList<>();
        for (long seed : p.tuningSeedList()) {
            tuning.add(kind.withSeed(seed));
        }
        List<Cell> all = new ArrayList<>(cells(p, kind));
        if (kind.n() <= p.tuneUpTo()) {
            all.addAll(tuning);
        }
        for (Cell cell : all) {
            work.add(new Study.Work("pretrain " + cell, cost(p, cell, Method.full(), p.pretrainSteps()),
                    runner -> runner.pretrained(cell)));
        }
        List<Method> methods = methods(p, asked);
        for (Method m : methods) {
            if (borrowsItsRate(m)) {
                continue; // tuned as its float32 twin (ExperimentRunner.tuning), which is planned on its own
            }
            float[] grid = m.isFrozen() || kind.n() > p.tuneUpTo() ? new float[] {Float.NaN} : p.grid(m.optimizer(), kind.n());
            for (float rate : grid) {
                if (!m.isFrozen() && Float.isNaN(rate)) {
                    continue; // no grid at this size: the rate comes from a smaller size's tuning
                }
                for (Cell cell : tuning) {
                    for (boolean shift : new boolean[] {true, false}) {
                        work.add(new Study.Work(runKey(cell, m, rate, shift), cost(p, cell, m, p.adaptSteps()),
                                runner -> runner.run(cell, m, rate, shift)));
                    }
                }
            }
        }
        for (Method m : methods) {
            for (Cell cell : cells(p, kind)) {
                for (boolean shift : new boolean[] {true, false}) {
                    work.add(new Study.Work("evaluate " + cell + " " + m.label() + (shift ? " shift" : " no shift"),
                            cost(p, cell, m, p.adaptSteps()), runner -> runner.evaluate(cell, m, shift)));
                }
            }
        }
        return work;
    }

    /** A bf16 learner runs at the rate tuned for its float32 twin, so it has no tuning runs of its own. */
    static boolean borrowsItsRate(Method m) {
        return m.precision() != org.sparsertrl.engine.learn.Precision.FLOAT32;
    }

    private static String runKey(Cell cell, Method m, float rate, boolean shift) {
        return "run " + cell + " " + m.label() + " lr=" + rate + (shift ? " shift" : " no shift");
    }

    /** Multiply-adds per step, roughly (for the vanilla cell): n p for full RTRL, k p for sparse, (k^2 / n + 1) p for subset, 2 T p for truncated BPTT, a few p otherwise; plus the forward pass. */
    static double cost(Protocol p, Cell cell, Method m, int steps) {
        double n = cell.n(), width = n * (n + cell.inputs(p) + 1);
        double perStep = switch (m.kind()) {
            case FULL -> n * width;
            case SPARSE -> Math.max(1, m.k()) * width;
            case SUBSET -> Math.max(1, m.k() * m.k()) * width / n + width;
            case IMMEDIATE, READOUT -> 2 * width;
            case SNAP1, UORO, RFLO, EPROP -> 4 * width;
            case KF -> n * n * n + 4 * width;
            case TBPTT -> 2.0 * m.k() * width;
            case FROZEN -> n * n;
        };
        // A gated cell has G rows of parameters per unit and q state rows per unit: G q^2 times the work.
        double gated = cell.kind().gates() * cell.kind().statesPerUnit() * cell.kind().statesPerUnit();
        return steps * (perStep + 20 * n * n) * gated;
    }

    List<Method> methods() {
        return methods;
    }

    List<Cell> cells() {
        return cells;
    }

    Cell kind() {
        return kind;
    }

    /** Window losses after the shift, one per evaluation seed; NaN where the run diverged or the seed failed. */
    double[] loss(Method m) {
        return require(loss, m).clone();
    }

    /** Window losses without a shift, one per evaluation seed. */
    double[] noShift(Method m) {
        return require(still, m).clone();
    }

    private static double[] require(Map<Method, double[]> map, Method m) {
        double[] values = map.get(m);
        if (values == null) {
            throw new IllegalArgumentException("method = " + m.label() + " is not part of this comparison");
        }
        return values;
    }

    ExperimentRunner.Tuning tuning(Method m) {
        return runner.tuning(kind, m);
    }

    /**
     * A bootstrap seed from text only: a record's hashCode mixes in its enums' identity hashes, which
     * change from one JVM to the next, and the same command must print the same intervals.
     */
    private long bootstrapSeed(String what) {
        return what.hashCode() * 0x9E3779B97F4A7C15L + kind.toString().hashCode();
    }

    /** (L(baseline) - L(m)) / (L(baseline) - L(full RTRL with m's optimizer)), a ratio of means with its CI. */
    Paired.Interval recovery(Method m, Method baseline) {
        Method full = Method.full().with(m.optimizer());
        Method b = baseline.isFrozen() ? baseline : baseline.with(m.optimizer());
        return Paired.recovery(loss(b), loss(m), loss(full), bootstrapSeed("recovery " + m.label() + " vs " + b.label()),
                p.resamples());
    }

    /** L(m) / L(frozen) after the shift. */
    Paired.Interval lossRatio(Method m) {
        return Paired.ratio(loss(m), loss(Method.frozen()), bootstrapSeed("ratio " + m.label()), p.resamples());
    }

    /** The damage a method does without a shift: L_no-shift(m) / L_no-shift(frozen). */
    Paired.Interval damage(Method m) {
        return Paired.ratio(noShift(m), noShift(Method.frozen()), bootstrapSeed("damage " + m.label()), p.resamples());
    }

    /** Per-seed L(a) - L(b) after the shift: negative means a adapts better. */
    Paired.Difference difference(Method a, Method b) {
        return Paired.difference(loss(a), loss(b), bootstrapSeed("difference " + a.label() + " - " + b.label()),
                p.resamples());
    }

    /** The mean window loss of m with its bootstrap CI. */
    Paired.Interval meanLoss(Method m) {
        double[] ones = new double[cells.size()];
        java.util.Arrays.fill(ones, 1);
        return Paired.ratio(loss(m), ones, bootstrapSeed("loss " + m.label()), p.resamples());
    }

    /** Evaluation seeds whose pre-training diverged or failed by the protocol's rule, with the reasons. */
    List<String> failures() {
        List<String> out = new ArrayList<>();
        for (Cell cell : cells) {
            Pretrained base = runner.pretrained(cell);
            if (base.failed()) {
                out.add("seed " + cell.seed() + ": " + base.failure());
            }
        }
        return out;
    }

    /** The standard table: every method with its tuned rate, loss, damage and recoveries. */
    MarkdownTable table() {
        MarkdownTable table = new MarkdownTable(COLUMNS);
        for (Method m : methods) {
            ExperimentRunner.Tuning t = tuning(m);
            boolean frozen = m.isFrozen();
            String rate = frozen ? "" : rateText(t);
            table.row(m.label(), m.kLabel(kind.n()), rate, meanLoss(m).format(false), frozen ? "1" : lossRatio(m).format(false),
                    damage(m).format(false), frozen ? "0 % by definition" : recovery(m, Method.frozen()).format(true),
                    m.kind() == Method.Kind.READOUT || frozen ? "" : recovery(m, Method.readoutOnly()).format(true),
                    m.kind() == Method.Kind.IMMEDIATE || m.kind() == Method.Kind.READOUT || frozen ? ""
                            : recovery(m, Method.immediate()).format(true));
        }
        return table;
    }

    /** The chosen rate, flagged when no rate kept within the damage limit or when it lies at an end of the grid. */
    static String rateText(ExperimentRunner.Tuning t) {
        String text = String.format("%.3g", t.rate());
        if (t.from() > 0) {
            return text + " (n = " + t.from() + "'s rate x " + t.from() + " / n)";
        }
        if (!t.withinDamage()) {
            return text + " (no rate within the damage limit)";
        }
        float[] grid = t.grid();
        boolean edge = grid.length > 1 && (t.rate() == grid[0] || t.rate() == grid[grid.length - 1]);
        return edge ? text + " (end of the grid)" : text;
    }

    /** Seeds whose runs diverged, per method, as a sentence; empty if none. */
    String divergences() {
        List<String> parts = new ArrayList<>();
        for (Method m : methods) {
            int diverged = 0;
            for (Cell cell : cells) {
                if (runner.evaluate(cell, m, true).diverged()) {
                    diverged++;
                }
            }
            if (diverged > 0) {
                parts.add(m.label() + " diverged on " + diverged + " of " + cells.size() + " seeds");
            }
        }
        return parts.isEmpty() ? "" : "Diverged runs (left out of every mean): " + String.join("; ", parts) + ".\n\n";
    }

    /**
     * A task separates the learners only if the controls that carry no (or one step of) temporal
     * credit fall clearly short of full RTRL: readout-only and truncated BPTT with window 1 (or
     * immediate derivatives when window 1 is not among the controls) each lose to full RTRL with a
     * paired CI above zero and a mean loss at least {@link #CLEARLY} times full RTRL's.
     */
    static final double CLEARLY = 1.25;

    /** The rule of {@link #discriminative()}, for the report. */
    static final String DISCRIMINATIVE_RULE = "a task counts as discriminative when readout-only and truncated BPTT "
            + "with window 1 each end with a mean loss at least " + CLEARLY + " x full RTRL's, with the paired 95 % CI "
            + "of their loss minus full RTRL's above zero";

    boolean discriminative() {
        Method shortControl = p.tbpttWindowsContain(1) ? Method.tbptt(1) : Method.immediate();
        return clearlyShort(loss(Method.readoutOnly()), loss(Method.full()), p.resamples())
                && clearlyShort(loss(shortControl), loss(Method.full()), p.resamples());
    }

    /** The words every guarded rule ends with. */
    static final String GUARD = "; inconclusive whenever the task does not separate the learners (rule in the report)";

    /** {@code verdict}, or inconclusive when this comparison's task does not separate the learners. */
    Verdict guarded(Verdict verdict) {
        return discriminative() ? verdict : Verdict.INCONCLUSIVE;
    }

    /** Whether {@code control} falls clearly short of {@code full}, paired by seed (see {@link #CLEARLY}). */
    static boolean clearlyShort(double[] control, double[] full, int resamples) {
        Paired.Difference d = Paired.difference(control, full, 17, resamples);
        Paired.Interval ratio = Paired.ratio(control, full, 17, resamples);
        return d.low() > 0 && ratio.estimate() >= CLEARLY;
    }

    /** One sentence: is the shift a real test, and does the task separate the learners. */
    String shiftCheck() {
        Stats before = Stats.of(cells.stream().mapToDouble(c -> runner.pretrained(c).lossBefore()).toArray());
        Stats frozen = Stats.of(loss(Method.frozen())), full = Stats.of(loss(Method.full()));
        Stats readout = Stats.of(loss(Method.readoutOnly()));
        return String.format("Is the shift a real test? The frozen network's loss goes from %s before the shift to %s "
                        + "after it (%.1fx); full RTRL adapts to %s (%.1fx below frozen), readout-only to %s. Does the task "
                        + "separate the learners? %s (rule: %s).%n%n",
                before.scientific(), frozen.scientific(), frozen.mean() / before.mean(), full.scientific(),
                frozen.mean() / full.mean(), readout.scientific(), discriminative() ? "Yes" : "No", DISCRIMINATIVE_RULE);
    }

    /** The raw rows: every evaluation run with and without the shift, and every tuning run. */
    List<RunRecord> records(String study) {
        List<RunRecord> rows = new ArrayList<>();
        for (Method m : methods) {
            float rate = tuning(m).rate();
            for (Cell cell : cells) {
                for (boolean shift : new boolean[] {true, false}) {
                    rows.add(record(study, "evaluation", cell, m, rate, shift));
                }
            }
            if (!m.isFrozen() && tuning(m).from() == 0 && !borrowsItsRate(m)) {
                for (float r : tuning(m).grid()) {
                    for (long seed : p.tuningSeedList()) {
                        for (boolean shift : new boolean[] {true, false}) {
                            rows.add(record(study, "tuning", kind.withSeed(seed), m, r, shift));
                        }
                    }
                }
            }
        }
        return rows;
    }

    private RunRecord record(String study, String role, Cell cell, Method m, float rate, boolean shift) {
        Pretrained base = runner.pretrained(cell);
        RunResult run = runner.run(cell, m, rate, shift);
        double[] c = run.curve();
        int quarter = Math.max(1, c.length / 4);
        Integer k = switch (m.kind()) {
            case FROZEN, READOUT, SNAP1, UORO, KF, RFLO, EPROP -> null;
            case FULL -> cell.n();
            default -> m.k();
        };
        return new RunRecord(study, role, cell.task().label(), cellLabel(cell), m.label(), cell.n(), k, cell.seed(),
                m.isFrozen() ? null : (double) rate, shift, RunRecord.finite(base.lossBefore()), RunRecord.finite(run.meanLoss()),
                RunRecord.finite(mean(c, 0, quarter)), RunRecord.finite(mean(c, c.length - quarter, c.length)),
                RunRecord.finite(run.microsPerStep()), run.diverged() ? run.divergedAt() : null,
                base.failed() ? base.failure() : null, null, null, null, null, null, c);
    }

    static String cellLabel(Cell cell) {
        return cell.kind().label() + " " + cell.init().kind().name().toLowerCase(java.util.Locale.ROOT);
    }

    private static double mean(double[] values, int from, int to) {
        double sum = 0;
        for (int i = from; i < to; i++) {
            sum += values[i];
        }
        return sum / (to - from);
    }
}
