package org.sparsertrl.harness.study;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

import org.sparsertrl.engine.optim.OptimizerSpec;
import org.sparsertrl.engine.transformer.HeadSelection;
import org.sparsertrl.engine.transformer.HeadStatistic;
import org.sparsertrl.engine.transformer.HeadTransport;
import org.sparsertrl.engine.transformer.OnlineTransformer;
import org.sparsertrl.harness.report.MarkdownTable;
import org.sparsertrl.harness.report.Plots;
import org.sparsertrl.harness.report.RunRecord;
import org.sparsertrl.harness.task.Stream;

/**
 * The paper's transformer claim: with sparse gradient transport over attention heads, "50 % head
 * sparsity outperforms the dense reference; 33 % is borderline". A small causal transformer
 * ({@link OnlineTransformer}) is pre-trained online with dense backpropagation through its window on
 * regime A, the regime shifts, and from the same weights each method adapts online: frozen,
 * readout-only, sparse transport through a fraction s of each layer's heads for every s of the
 * protocol (s = 0: no temporal transport), and dense transport (s = 1), each at its own learning rate
 * tuned on tuning seeds. The protocol is ours (the paper's is not public); every choice is an option
 * of {@link Protocol} (the {@code tf*} values). A head-specialisation section measures each head's
 * attention entropy and gradient norm after pre-training and compares keeping the most against the
 * least specialised heads, the paper's explanation of why transformers need more heads than RNNs
 * need paths.
 */
public final class TransformerStudy extends NamedStudy {

    /** What adapts after the shift. */
    enum Kind { FROZEN, READOUT, SPARSE, DENSE, MOST, LEAST }

    /**
     * One method of this study.
     *
     * @param kind     the family
     * @param fraction s, the fraction of each layer's heads that transport to earlier steps (1 for dense)
     */
    record TfMethod(Kind kind, double fraction) {

        static TfMethod frozen() {
            return new TfMethod(Kind.FROZEN, 0);
        }

        static TfMethod readout() {
            return new TfMethod(Kind.READOUT, 0);
        }

        static TfMethod dense() {
            return new TfMethod(Kind.DENSE, 1);
        }

        static TfMethod sparse(double s) {
            return new TfMethod(Kind.SPARSE, s);
        }

        String label() {
            String s = HeadTransport.fractionLabel(fraction);
            return switch (kind) {
                case FROZEN -> "frozen";
                case READOUT -> "readout-only";
                case DENSE -> "dense (s=1)";
                case SPARSE -> fraction == 0 ? "s=0 (no transport)" : "s=" + s;
                case MOST -> "s=" + s + " most specialised";
                case LEAST -> "s=" + s + " least specialised";
            };
        }

        boolean isFrozen() {
            return kind == Kind.FROZEN;
        }
    }

    /**
     * A transformer after pre-training on regime A.
     *
     * @param weights        the parameter slab
     * @param lossBefore     mean loss of the frozen network over tfAdaptSteps more steps of regime A
     * @param trivialLoss    the loss of predicting the target's mean over the same steps
     * @param curve          binned online loss over the last tfAdaptSteps steps of pre-training
     * @param specialisation per layer and head, the mean of log(window) - attention entropy over those steps
     * @param entropy        per layer and head, the mean attention entropy (nats)
     * @param gradientNorm   per layer and head, the mean norm of its parameter gradient (dense transport)
     * @param failure        why the seed is counted apart, or null
     */
    record TfPretrained(float[] weights, double lossBefore, double trivialLoss, double[] curve, double[][] specialisation,
                        double[][] entropy, double[][] gradientNorm, String failure) {

        boolean failed() {
            return failure != null;
        }
    }

    public TransformerStudy() {
        super("transformer", "sparse gradient transport over attention heads");
    }

    /** The main task ({@code tfTask}) first, then the other two. */
    static List<Cell.Task> tasks(Protocol p) {
        List<Cell.Task> tasks = new ArrayList<>(List.of(p.tfTask()));
        for (Cell.Task t : List.of(Cell.Task.PRODUCT, Cell.Task.DELAY, Cell.Task.SINE)) {
            if (t != p.tfTask()) {
                tasks.add(t);
            }
        }
        return tasks;
    }

    /** Every method of a task: the controls, each s, dense; on the main task also the specialisation pair. */
    static List<TfMethod> methods(Protocol p, boolean main) {
        List<TfMethod> out = new ArrayList<>(List.of(TfMethod.frozen(), TfMethod.readout()));
        for (double s : p.tfFractions()) {
            out.add(TfMethod.sparse(s));
        }
        out.add(TfMethod.dense());
        if (main) {
            out.add(new TfMethod(Kind.MOST, p.tfSpecialisedFraction()));
            out.add(new TfMethod(Kind.LEAST, p.tfSpecialisedFraction()));
        }
        return out;
    }

    static long[] seeds(Protocol p) {
        long[] out = new long[p.tfSeeds()];
        for (int i = 0; i < out.length; i++) {
            out[i] = p.firstSeed() + i;
        }
        return out;
    }

    static long[] tuningSeeds(Protocol p) {
        long[] out = new long[p.tfTuningSeeds()];
        for (int i = 0; i < out.length; i++) {
            out[i] = p.firstTuningSeed() + i;
        }
        return out;
    }

    // ---------------------------------------------------------------- the work

    /** Multiply-adds of one step, roughly: the forward pass and twice it for the backward pass. */
    private static double stepCost(Protocol p) {
        double d = p.tfDModel(), t = p.tfContext();
        return 3 * p.tfLayers() * t * (12 * d * d + 2 * t * d);
    }

    @Override
    public List<Work> plan(Protocol p) {
        List<Work> work = new ArrayList<>();
        for (Cell.Task task : tasks(p)) {
            for (long[] seeds : new long[][] {seeds(p), tuningSeeds(p)}) {
                for (long seed : seeds) {
                    work.add(new Work("pretrain transformer " + task.label() + " seed=" + seed,
                            stepCost(p) * (p.tfPretrainSteps() + p.tfAdaptSteps()), runner -> pretrained(runner, p, task, seed)));
                }
            }
        }
        for (Cell.Task task : tasks(p)) {
            for (TfMethod m : methods(p, task == p.tfTask())) {
                for (float rate : m.isFrozen() ? new float[] {Float.NaN} : p.tfRates()) {
                    for (long seed : tuningSeeds(p)) {
                        for (boolean shift : new boolean[] {true, false}) {
                            work.add(new Work(runKey(task, m, seed, rate, shift), stepCost(p) * p.tfAdaptSteps(),
                                    runner -> run(runner, p, task, m, seed, rate, shift)));
                        }
                    }
                }
            }
        }
        for (Cell.Task task : tasks(p)) {
            for (TfMethod m : methods(p, task == p.tfTask())) {
                for (long seed : seeds(p)) {
                    for (boolean shift : new boolean[] {true, false}) {
                        work.add(new Work("evaluate transformer " + task.label() + " " + m.label() + " seed=" + seed + " " + shift,
                                stepCost(p) * p.tfAdaptSteps(), runner -> evaluate(runner, p, task, m, seed, shift)));
                    }
                }
            }
        }
        return work;
    }

    private static String runKey(Cell.Task task, TfMethod m, long seed, float rate, boolean shift) {
        return "transformer run " + task.label() + " " + m.label() + " seed=" + seed + " lr=" + rate + (shift ? " shift" : " no shift");
    }

    static TfPretrained pretrained(ExperimentRunner runner, Protocol p, Cell.Task task, long seed) {
        return runner.once("transformer pretrain " + task.label() + " seed=" + seed, () -> pretrain(p, task, seed));
    }

    static RunResult run(ExperimentRunner runner, Protocol p, Cell.Task task, TfMethod m, long seed, float rate, boolean shift) {
        float key = m.isFrozen() ? Float.NaN : rate;
        return runner.once(runKey(task, m, seed, key, shift), () -> adapt(runner, p, task, m, seed, key, shift));
    }

    static ExperimentRunner.Tuning tuning(ExperimentRunner runner, Protocol p, Cell.Task task, TfMethod m) {
        return runner.once("transformer tuning " + task.label() + " " + m.label(), () -> tune(runner, p, task, m));
    }

    static RunResult evaluate(ExperimentRunner runner, Protocol p, Cell.Task task, TfMethod m, long seed, boolean shift) {
        return run(runner, p, task, m, seed, tuning(runner, p, task, m).rate(), shift);
    }

    private static ExperimentRunner.Tuning tune(ExperimentRunner runner, Protocol p, Cell.Task task, TfMethod m) {
        if (m.isFrozen()) {
            return new ExperimentRunner.Tuning(Float.NaN, new float[0], new double[0], new double[0], true, 0, 0);
        }
        float[] grid = p.tfRates();
        List<Long> usable = new ArrayList<>();
        for (long seed : tuningSeeds(p)) {
            if (!pretrained(runner, p, task, seed).failed()) {
                usable.add(seed);
            }
        }
        double[] loss = new double[grid.length], damage = new double[grid.length];
        for (int i = 0; i < grid.length; i++) {
            double shifted = 0, still = 0, frozen = 0;
            for (long seed : usable) {
                shifted += run(runner, p, task, m, seed, grid[i], true).meanLoss();
                still += run(runner, p, task, m, seed, grid[i], false).meanLoss();
                frozen += run(runner, p, task, TfMethod.frozen(), seed, Float.NaN, false).meanLoss();
            }
            loss[i] = usable.isEmpty() ? Double.NaN : shifted / usable.size();
            damage[i] = usable.isEmpty() ? Double.NaN : still / frozen;
        }
        return ExperimentRunner.Tuning.choose(grid, loss, damage, p.maxDamage(), usable.size());
    }

    private static OnlineTransformer.Builder builder(Protocol p, long seed) {
        return OnlineTransformer.builder(1, 1).dModel(p.tfDModel()).heads(p.tfHeads()).layers(p.tfLayers())
                .context(p.tfContext()).seed(seed);
    }

    /** A seed of its own for the random head sets, derived from the network's seed. */
    private static long headSeed(long seed) {
        return new SplittableRandom(seed ^ 0x7EAD5EEDL).nextLong();
    }

    /** The task's stream of this seed; it shifts at the end of pre-training when {@code shift}. */
    private static Stream stream(Protocol p, Cell.Task task, long seed, boolean shift) {
        return new Cell(p, task, p.n(), seed).stream(p, shift ? p.tfPretrainSteps() : Long.MAX_VALUE);
    }

    static TfPretrained pretrain(Protocol p, Cell.Task task, long seed) {
        float[] x = new float[1], y = new float[1];
        int steps = p.tfPretrainSteps(), tail = p.tfAdaptSteps();
        ExperimentRunner.Binner curve = new ExperimentRunner.Binner(tail, p.curveBins());
        int annealFrom = (int) Math.round(steps * (1 - p.annealFraction()));
        float rate = p.tfPretrainRate();
        int layers = p.tfLayers(), heads = p.tfHeads();
        try (OnlineTransformer model = builder(p, seed).optimizer(OptimizerSpec.adam(rate)).build()) {
            Stream stream = stream(p, task, seed, false);
            for (int t = 0; t < steps; t++) {
                if (t >= annealFrom) {
                    model.setLearningRate((float) (rate * Math.max(1e-3, (double) (steps - t) / (steps - annealFrom))));
                }
                stream.next(x, y);
                float loss = model.step(x, y);
                if (model.diverged()) {
                    return new TfPretrained(model.weights(), Double.NaN, Double.NaN, curve.curve(), new double[0][0],
                            new double[0][0], new double[0][0], "pre-training diverged at step " + t);
                }
                if (t >= steps - tail) {
                    curve.add(loss);
                }
            }
            // The frozen network on more of regime A: loss, trivial loss, and each head's statistics
            // (computeGradient: the gradient of dense transport, no update).
            model.resetHeadStatistics();
            double loss = 0, mean = 0, square = 0;
            for (int t = 0; t < tail; t++) {
                stream.next(x, y);
                loss += model.computeGradient(x, y);
                mean += y[0];
                square += (double) y[0] * y[0];
            }
            double before = loss / tail, m = mean / tail, trivial = 0.5 * Math.max(0, square / tail - m * m);
            double[][] special = new double[layers][heads], entropy = new double[layers][heads], norm = new double[layers][heads];
            for (int l = 0; l < layers; l++) {
                for (int h = 0; h < heads; h++) {
                    special[l][h] = model.headStatistic(HeadStatistic.SPECIALISATION, l, h);
                    entropy[l][h] = model.headStatistic(HeadStatistic.ENTROPY, l, h);
                    norm[l][h] = model.headStatistic(HeadStatistic.GRADIENT_NORM, l, h);
                }
            }
            String failure = !Double.isFinite(before) ? "the pre-trained network's loss is not finite"
                    : before > p.failAbove() * trivial ? String.format(Locale.ROOT, "loss before the shift %.3g > %s x the "
                    + "trivial predictor's %.3g", before, p.failAbove(), trivial) : null;
            return new TfPretrained(model.weights(), before, trivial, curve.curve(), special, entropy, norm, failure);
        }
    }

    /** Per layer, the {@code kept} heads of highest ({@code most}) or lowest specialisation after pre-training. */
    static int[][] bySpecialisation(double[][] specialisation, int kept, boolean most) {
        int[][] out = new int[specialisation.length][];
        for (int l = 0; l < specialisation.length; l++) {
            double[] s = specialisation[l];
            out[l] = java.util.stream.IntStream.range(0, s.length).boxed()
                    .sorted((a, b) -> most ? Double.compare(s[b], s[a]) : Double.compare(s[a], s[b]))
                    .limit(kept).mapToInt(Integer::intValue).toArray();
        }
        return out;
    }

    private static HeadTransport transport(Protocol p, TfMethod m, long seed, TfPretrained base) {
        return switch (m.kind()) {
            case FROZEN, READOUT, DENSE -> HeadTransport.dense();
            case SPARSE -> HeadTransport.sparse(m.fraction(), p.tfResampleEvery() == 0 ? HeadSelection.randomFixed(headSeed(seed))
                    : HeadSelection.resampled(p.tfResampleEvery(), headSeed(seed)));
            case MOST, LEAST -> HeadTransport.sparse(m.fraction(), HeadSelection.explicit(bySpecialisation(base.specialisation(),
                    (int) Math.round(m.fraction() * p.tfHeads()), m.kind() == Kind.MOST)));
        };
    }

    private static RunResult adapt(ExperimentRunner runner, Protocol p, Cell.Task task, TfMethod m, long seed, float rate,
                                   boolean shift) {
        TfPretrained base = pretrained(runner, p, task, seed);
        if (base.failed()) {
            return RunResult.unusable(p.curveBins());
        }
        float[] x = new float[1], y = new float[1];
        boolean frozen = m.isFrozen();
        try (OnlineTransformer model = builder(p, seed).transport(transport(p, m, seed, base))
                .readoutOnly(m.kind() == Kind.READOUT).optimizer(OptimizerSpec.adam(frozen ? p.tfPretrainRate() : rate)).build()) {
            model.setWeights(base.weights());
            // The window at the shift holds the last T inputs of pre-training, as it did for the pre-trained network.
            Stream stream = stream(p, task, seed, shift);
            int skip = p.tfPretrainSteps() - p.tfContext();
            for (int t = 0; t < p.tfPretrainSteps(); t++) {
                stream.next(x, y);
                if (t >= skip) {
                    model.observe(x);
                }
            }
            return ExperimentRunner.adaptationRun(p.tfAdaptSteps(), p.curveBins(), t -> {
                stream.next(x, y);
                return frozen ? model.evaluate(x, y) : model.step(x, y);
            }, model::diverged);
        }
    }

    // ---------------------------------------------------------------- the report

    /** The per-seed results of one task. */
    private static final class Results {
        final Protocol p;
        final ExperimentRunner runner;
        final Cell.Task task;
        final List<TfMethod> methods;
        final long[] seeds;

        Results(Protocol p, ExperimentRunner runner, Cell.Task task, List<TfMethod> methods) {
            this.p = p;
            this.runner = runner;
            this.task = task;
            this.methods = methods;
            this.seeds = seeds(p);
        }

        double[] loss(TfMethod m, boolean shift) {
            double[] out = new double[seeds.length];
            for (int i = 0; i < seeds.length; i++) {
                out[i] = evaluate(runner, p, task, m, seeds[i], shift).meanLoss();
            }
            return out;
        }

        long bootstrap(String what) {
            return what.hashCode() * 0x9E3779B97F4A7C15L + task.label().hashCode();
        }

        /** (L(baseline) - L(m)) / (L(baseline) - L(dense)). */
        Paired.Interval recovery(TfMethod m, TfMethod baseline) {
            return Paired.recovery(loss(baseline, true), loss(m, true), loss(TfMethod.dense(), true),
                    bootstrap("recovery " + m.label() + " vs " + baseline.label()), p.resamples());
        }

        Paired.Difference difference(TfMethod a, TfMethod b) {
            return Paired.difference(loss(a, true), loss(b, true), bootstrap("difference " + a.label() + " - " + b.label()),
                    p.resamples());
        }

        /** The Comparison rule: readout-only and s = 0 each clearly short of dense transport. */
        boolean discriminative() {
            double[] dense = loss(TfMethod.dense(), true);
            return Comparison.clearlyShort(loss(TfMethod.readout(), true), dense, p.resamples())
                    && Comparison.clearlyShort(loss(TfMethod.sparse(0), true), dense, p.resamples());
        }

        String failures() {
            List<String> out = new ArrayList<>();
            for (long seed : seeds) {
                TfPretrained base = pretrained(runner, p, task, seed);
                if (base.failed()) {
                    out.add("seed " + seed + ": " + base.failure());
                }
            }
            return out.isEmpty() ? "" : "Seeds counted apart (failed pre-training): " + String.join("; ", out) + ".\n\n";
        }

        MarkdownTable table() {
            MarkdownTable table = new MarkdownTable("method", "s", "rate", "L after the shift [95 % CI]", "L / L(frozen)",
                    "damage without a shift", "recovery vs frozen", "vs s=0", "L(dense) - L(method)");
            double[] frozen = loss(TfMethod.frozen(), true), frozenStill = loss(TfMethod.frozen(), false);
            double[] ones = new double[seeds.length];
            Arrays.fill(ones, 1);
            for (TfMethod m : methods) {
                boolean isFrozen = m.isFrozen();
                double[] l = loss(m, true);
                ExperimentRunner.Tuning t = tuning(runner, p, task, m);
                boolean control = isFrozen || m.kind() == Kind.READOUT;
                table.row(m.label(), control ? "" : HeadTransport.fractionLabel(m.fraction()), isFrozen ? "" : Comparison.rateText(t),
                        Paired.ratio(l, ones, bootstrap("loss " + m.label()), p.resamples()).format(false),
                        isFrozen ? "1" : Paired.ratio(l, frozen, bootstrap("ratio " + m.label()), p.resamples()).format(false),
                        Paired.ratio(loss(m, false), frozenStill, bootstrap("damage " + m.label()), p.resamples()).format(false),
                        isFrozen ? "0 % by definition" : recovery(m, TfMethod.frozen()).format(true),
                        control || m.equals(TfMethod.sparse(0)) ? "" : recovery(m, TfMethod.sparse(0)).format(true),
                        m.kind() == Kind.DENSE ? "" : difference(TfMethod.dense(), m).format());
            }
            return table;
        }

        /** Diverged runs per method, as a sentence; empty if none. */
        String divergences() {
            List<String> parts = new ArrayList<>();
            for (TfMethod m : methods) {
                int diverged = 0;
                for (long seed : seeds) {
                    diverged += evaluate(runner, p, task, m, seed, true).diverged() ? 1 : 0;
                }
                if (diverged > 0) {
                    parts.add(m.label() + " diverged on " + diverged + " of " + seeds.length + " seeds");
                }
            }
            return parts.isEmpty() ? "" : "Diverged runs (left out of every mean): " + String.join("; ", parts) + ".\n\n";
        }

        String shiftCheck() {
            double[] before = Arrays.stream(seeds).mapToDouble(s -> pretrained(runner, p, task, s).lossBefore()).toArray();
            Stats b = Stats.of(before), frozen = Stats.of(loss(TfMethod.frozen(), true)), dense = Stats.of(loss(TfMethod.dense(), true));
            Stats readout = Stats.of(loss(TfMethod.readout(), true)), none = Stats.of(loss(TfMethod.sparse(0), true));
            return String.format(Locale.ROOT, "Is the shift a real test? The frozen transformer's loss goes from %s before the shift "
                    + "to %s after it; dense transport adapts to %s, s = 0 to %s, readout-only to %s. Does the task separate "
                    + "the learners? %s (rule: readout-only and s = 0 each end with a mean loss at least %s x dense "
                    + "transport's, with the paired 95 %% CI of their loss minus dense's above zero).%n%n",
                    b.scientific(), frozen.scientific(), dense.scientific(), none.scientific(), readout.scientific(),
                    discriminative() ? "Yes" : "No", Comparison.CLEARLY);
        }

        List<RunRecord> records() {
            List<RunRecord> rows = new ArrayList<>();
            for (TfMethod m : methods) {
                ExperimentRunner.Tuning t = tuning(runner, p, task, m);
                for (long seed : seeds) {
                    for (boolean shift : new boolean[] {true, false}) {
                        rows.add(record("evaluation", m, seed, t.rate(), shift));
                    }
                }
                if (!m.isFrozen()) {
                    for (float rate : t.grid()) {
                        for (long seed : tuningSeeds(p)) {
                            for (boolean shift : new boolean[] {true, false}) {
                                rows.add(record("tuning", m, seed, rate, shift));
                            }
                        }
                    }
                }
            }
            return rows;
        }

        private RunRecord record(String role, TfMethod m, long seed, float rate, boolean shift) {
            TfPretrained base = pretrained(runner, p, task, seed);
            RunResult r = run(runner, p, task, m, seed, rate, shift);
            double[] c = r.curve();
            int quarter = Math.max(1, c.length / 4);
            Integer kept = m.kind() == Kind.FROZEN || m.kind() == Kind.READOUT ? null
                    : (int) Math.round(m.fraction() * p.tfHeads());
            return new RunRecord("transformer", role, task.label(), "transformer d=" + p.tfDModel() + " H=" + p.tfHeads() + " L="
                    + p.tfLayers() + " T=" + p.tfContext(), m.label(), p.tfDModel(), kept, seed,
                    m.isFrozen() ? null : (double) rate, shift, RunRecord.finite(base.lossBefore()), RunRecord.finite(r.meanLoss()),
                    RunRecord.finite(mean(c, 0, quarter)), RunRecord.finite(mean(c, c.length - quarter, c.length)),
                    RunRecord.finite(r.microsPerStep()), r.diverged() ? r.divergedAt() : null, base.failed() ? base.failure() : null,
                    null, null, null, null, null, c);
        }
    }

    private static double mean(double[] values, int from, int to) {
        double sum = 0;
        for (int i = from; i < to; i++) {
            sum += values[i];
        }
        return sum / (to - from);
    }

    @Override
    public StudyReport report(Protocol p, ExperimentRunner runner, Path plots) throws IOException {
        List<Results> all = new ArrayList<>();
        for (Cell.Task task : tasks(p)) {
            all.add(new Results(p, runner, task, methods(p, task == p.tfTask())));
        }
        Results main = all.get(0);
        List<RunRecord> records = new ArrayList<>();
        all.forEach(r -> records.addAll(r.records()));

        StringBuilder md = new StringBuilder("## transformer: ").append(title()).append("\n\n");
        md.append(String.format(Locale.ROOT, "Protocol (ours; the paper does not publish one): a causal transformer of "
                + "%d pre-norm layers, d_model = %d, H = %d heads (width %d), MLP width %d, over a sliding window of T = %d "
                + "steps (positions relative to the newest step), predicting the next target at every step; it is pre-trained "
                + "online for %d steps on regime A with dense backpropagation through the window (Adam at %s, annealed over "
                + "the last %d %%); the regime then shifts, and from the same weights (and the same window) each method adapts "
                + "online for %d steps: frozen, readout-only (only the readout learns), sparse transport through a fraction s "
                + "of each layer's heads for s in %s (%s, seeded per network; s = 0: no gradient reaches earlier steps), and "
                + "dense transport (s = 1). Each method runs at its own Adam learning rate from %s, chosen on %d tuning seeds "
                + "(never evaluation seeds) as the lowest mean window loss among rates whose loss without the shift stays "
                + "within %s x the frozen network's. L is the mean online loss over the window; recovery against a baseline "
                + "B is (L(B) - L(method)) / (L(B) - L(dense)), a ratio of means over %d evaluation seeds with a paired "
                + "bootstrap 95 %% CI. The paper's claims are read on the %s task (option tfTask); the other two run beside "
                + "it, the sine as a null control.%n%n", p.tfLayers(), p.tfDModel(), p.tfHeads(), p.tfDModel() / p.tfHeads(),
                4 * p.tfDModel(), p.tfContext(), p.tfPretrainSteps(), p.tfPretrainRate(), Math.round(100 * p.annealFraction()),
                p.tfAdaptSteps(), fractions(p.tfFractions()), p.tfResampleEvery() == 0 ? "heads chosen at random once"
                        : "heads drawn at random again every " + p.tfResampleEvery() + " steps",
                Arrays.toString(p.tfRates()), p.tfTuningSeeds(), p.maxDamage(), p.tfSeeds(), p.tfTask().label()));
        for (Results r : all) {
            md.append("### ").append(r.task.label()).append(" (").append(p.taskText(r.task)).append(")\n\n");
            md.append(r.failures()).append(r.shiftCheck()).append(r.table()).append('\n').append(r.divergences());
        }

        recoveryPlot(p, all, plots.resolve("transformer-recovery.png"));
        lossPlot(p, main, plots.resolve("transformer-loss.png"));
        md.append("![recovery against s](plots/transformer-recovery.png)\n\n");
        md.append("![loss around the shift](plots/transformer-loss.png)\n\n");
        md.append(specialisation(p, main));

        TfMethod half = TfMethod.sparse(0.5), third = TfMethod.sparse(1.0 / 3);
        List<Claim> claims = new ArrayList<>();
        boolean hasHalf = hasFraction(p, 0.5), hasThird = hasFraction(p, 1.0 / 3);
        String setting = " (" + main.task.label() + ", " + p.tfSeeds() + " seeds)";
        if (hasHalf) {
            Paired.Difference d = main.difference(TfMethod.dense(), half);
            Verdict v = main.discriminative() ? Verdict.ofDirection(d) : Verdict.INCONCLUSIVE;
            claims.add(new Claim("transformer: 50 % head sparsity outperforms dense transport", "50 % beats dense",
                    "L(dense) - L(s=1/2) = " + d.format() + "; recovery vs frozen " + main.recovery(half, TfMethod.frozen()).format(true)
                            + setting, v, "reproduced when the paired 95 % CI of L(dense) - L(s=1/2) lies above 0, not "
                            + "reproduced when below, inconclusive when it contains 0" + Comparison.GUARD));
        }
        if (hasThird) {
            Paired.Difference d = main.difference(third, TfMethod.dense());
            double margin = p.tfBorderline() * Stats.of(main.loss(TfMethod.dense(), true)).mean();
            Verdict v = !main.discriminative() || !(margin > 0) ? Verdict.INCONCLUSIVE : Verdict.ofNoDifference(d, margin);
            claims.add(new Claim("transformer: 33 % head sparsity is borderline", "borderline (no figure)",
                    String.format(Locale.ROOT, "L(s=1/3) - L(dense) = %s (margin ±%.2g); recovery vs frozen %s%s", d.format(),
                            margin, main.recovery(third, TfMethod.frozen()).format(true), setting), v,
                    "\"borderline\" read as no clear difference from dense: reproduced when the paired 95 % CI of L(s=1/3) "
                            + "- L(dense) lies within ± " + Math.round(100 * p.tfBorderline()) + " % of dense's mean loss, "
                            + "not reproduced when it lies wholly beyond that margin, inconclusive otherwise" + Comparison.GUARD));
        }
        return new StudyReport(md.toString(), records, claims);
    }

    private static boolean hasFraction(Protocol p, double s) {
        return Arrays.stream(p.tfFractions()).anyMatch(f -> Math.abs(f - s) < 1e-9);
    }

    private static String fractions(double[] fractions) {
        StringBuilder s = new StringBuilder("[");
        for (int i = 0; i < fractions.length; i++) {
            s.append(i == 0 ? "" : ", ").append(HeadTransport.fractionLabel(fractions[i]));
        }
        return s.append(']').toString();
    }

    /** Recovery against frozen for s from 0 to 1 (dense), one line per task. */
    private static void recoveryPlot(Protocol p, List<Results> all, Path file) throws IOException {
        List<Plots.Series> series = new ArrayList<>();
        for (Results r : all) {
            List<TfMethod> learners = new ArrayList<>();
            for (double s : p.tfFractions()) {
                learners.add(TfMethod.sparse(s));
            }
            learners.add(TfMethod.dense());
            double[] x = new double[learners.size()], y = new double[learners.size()], e = new double[learners.size()];
            for (int i = 0; i < x.length; i++) {
                Paired.Interval rec = r.recovery(learners.get(i), TfMethod.frozen());
                x[i] = learners.get(i).fraction();
                y[i] = 100 * rec.estimate();
                e[i] = Double.isFinite(rec.high() - rec.low()) ? 50 * (rec.high() - rec.low()) : 0;
            }
            series.add(new Plots.Series(r.task.label() + " (half the 95 % CI)", x, y, e));
        }
        Plots.lines(file, "Transformer: recovery of dense transport's adaptation against s (" + p.tfSeeds() + " seeds)",
                "s (fraction of heads transporting to earlier steps)", "recovery vs frozen (%)", false, false, series);
    }

    private static void lossPlot(Protocol p, Results main, Path file) throws IOException {
        int bins = p.curveBins();
        double width = (double) p.tfAdaptSteps() / bins;
        List<Plots.Series> series = new ArrayList<>();
        series.add(StudyText.meanCurve("pre-training (dense)",
                Arrays.stream(main.seeds).mapToObj(seed -> pretrained(main.runner, p, main.task, seed).curve()).toList(),
                bins, width, -p.tfAdaptSteps()));
        List<TfMethod> shown = new ArrayList<>(List.of(TfMethod.frozen(), TfMethod.readout(), TfMethod.sparse(0)));
        if (hasFraction(p, 0.5)) {
            shown.add(TfMethod.sparse(0.5));
        }
        shown.add(TfMethod.dense());
        for (TfMethod m : shown) {
            if (!main.methods.contains(m)) {
                continue;
            }
            series.add(StudyText.meanCurve(m.label(),
                    Arrays.stream(main.seeds).mapToObj(seed -> evaluate(main.runner, p, main.task, m, seed, true).curve()).toList(),
                    bins, width, 0));
        }
        Plots.lines(file, "Transformer: loss around the shift (" + main.task.label() + ", mean of " + p.tfSeeds() + " seeds)",
                "step relative to the shift", "mean online loss (log)", false, true, series);
    }

    /** Per-head statistics after pre-training, and the most against the least specialised heads kept. */
    private static String specialisation(Protocol p, Results main) {
        StringBuilder md = new StringBuilder("### Head specialisation (").append(main.task.label()).append(")\n\n");
        md.append(String.format(Locale.ROOT, "After pre-training, the frozen network runs %d more steps of regime A with "
                + "dense backpropagation and no update; per head, the attention entropy of the newest step's query (nats; a "
                + "uniform head over the full window has log T = %.2f), its specialisation log(window) - entropy, and the norm "
                + "of its own parameter gradient (its columns of WQ, WK, WV and rows of WO), each the mean over those steps "
                + "and then over the evaluation seeds. Heads are listed per layer from the most to the least specialised "
                + "(rank within each seed, so the columns are ranks, not fixed heads).%n%n", p.tfAdaptSteps(), Math.log(p.tfContext())));
        MarkdownTable table = new MarkdownTable("layer", "rank (most specialised first)", "entropy (nats)", "specialisation",
                "gradient norm");
        int layers = p.tfLayers(), heads = p.tfHeads();
        for (int l = 0; l < layers; l++) {
            for (int rank = 0; rank < heads; rank++) {
                double[] e = new double[main.seeds.length], s = new double[main.seeds.length], g = new double[main.seeds.length];
                for (int i = 0; i < main.seeds.length; i++) {
                    TfPretrained base = pretrained(main.runner, p, main.task, main.seeds[i]);
                    if (base.failed() || base.specialisation().length == 0) {
                        e[i] = s[i] = g[i] = Double.NaN;
                        continue;
                    }
                    int h = bySpecialisation(base.specialisation(), heads, true)[l][rank];
                    e[i] = base.entropy()[l][h];
                    s[i] = base.specialisation()[l][h];
                    g[i] = base.gradientNorm()[l][h];
                }
                table.row(l, rank + 1, Stats.of(e).scientific(), Stats.of(s).scientific(), Stats.of(g).scientific());
            }
        }
        md.append(table).append('\n');
        TfMethod most = new TfMethod(Kind.MOST, p.tfSpecialisedFraction()), least = new TfMethod(Kind.LEAST, p.tfSpecialisedFraction());
        TfMethod random = TfMethod.sparse(p.tfSpecialisedFraction());
        md.append(String.format(Locale.ROOT, "Keeping the %s most specialised heads of each layer recovers %s of dense "
                        + "transport's gain over the frozen network, the %s least specialised %s%s. Paired difference "
                        + "L(least) - L(most): %s (positive: the most specialised heads adapt better). The paper explains "
                        + "the higher threshold of transformers by heads specialising; if that is the mechanism, which heads "
                        + "carry the gradient should matter, and the difference should lie above 0.%n%n",
                HeadTransport.fractionLabel(p.tfSpecialisedFraction()), main.recovery(most, TfMethod.frozen()).format(true),
                HeadTransport.fractionLabel(p.tfSpecialisedFraction()), main.recovery(least, TfMethod.frozen()).format(true),
                main.methods.contains(random) ? " (random heads at the same s: " + main.recovery(random, TfMethod.frozen()).format(true) + ")" : "",
                main.difference(least, most).format()));
        return md.toString();
    }
}
