package org.sparsertrl.harness.study;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;

import org.sparsertrl.engine.cell.Initialization;
import org.sparsertrl.engine.learn.LearnerSpec;
import org.sparsertrl.engine.learn.Selection;
import org.sparsertrl.engine.optim.OptimizerSpec;
import org.sparsertrl.harness.report.MarkdownTable;
import org.sparsertrl.harness.report.Plots;
import org.sparsertrl.harness.report.RunRecord;
import org.sparsertrl.harness.task.Stream;

/**
 * The mechanism behind the paper's claims, measured directly: how closely each learner's gradient
 * follows full RTRL's at the same step, on the same hidden states. The paper explains the redundancy
 * by geometry (a full-rank, near-isotropic recurrent Jacobian makes any k paths "directionally
 * representative"); the recovery studies see only the end result, mixed with the optimizer, the
 * learning rate and the task. Here, along one trajectory per evaluation seed (the pre-trained
 * network on regime A, then on regime B, its weights updated online by full RTRL), every learner
 * computes its gradient for the same steps ({@link GradientAlignment}), and we report the cosine with
 * full RTRL's gradient against k and n for both initialisations, beside kappa(diag(d) W), and set it
 * against each learner's recovery in the adaptation study.
 */
public final class AlignmentStudy extends NamedStudy {

    /** The sparse learners' k below n / 2 and n (issue 18); those above n are dropped. */
    static final int[] KS = {1, 2, 4, 8, 16};

    /** The k of the claim row: the paper's. */
    static final int CLAIM_K = AdaptationStudy.PAPER_K;

    /** Path selection policies of the sparse learners, in table order. */
    static final List<Selection.Policy> POLICIES = List.of(Selection.Policy.RANDOM_FIXED, Selection.Policy.RANDOM_RESAMPLED,
            Selection.Policy.TOP_K, Selection.Policy.BOTTOM_K);

    /** Spearman correlations at or above this say alignment predicts recovery; below {@link #WEAK}, that it does not. */
    static final double STRONG = 0.7;
    static final double WEAK = 0.3;

    public AlignmentStudy() {
        super("alignment", "how closely each learner's gradient follows full RTRL's, step by step on the same trajectory (our question)");
    }

    /** The k of the sparse learners at size n: 1, 2, 4, 8, 16, n / 2 and n, those in [1, min(n, alignMaxK)], each once. */
    static int[] ks(Protocol p, int n) {
        TreeSet<Integer> out = new TreeSet<>();
        for (int k : KS) {
            out.add(k);
        }
        out.add(n / 2);
        out.add(n);
        return out.stream().mapToInt(Integer::intValue).filter(k -> k >= 1 && k <= n && k <= p.alignMaxK()).toArray();
    }

    /**
     * Every learner measured at size n: sparse RTRL at each k of {@link #ks} with each selection
     * policy (at k = n once: every policy then keeps every path), shared subset with the protocol's k,
     * immediate derivatives, SnAp-1, UORO, RFLO and truncated BPTT at the protocol's windows.
     */
    static List<Method> learners(Protocol p, int n) {
        List<Method> out = new ArrayList<>();
        for (int k : ks(p, n)) {
            if (k == n) {
                out.add(Method.sparse(k));
                continue;
            }
            for (Selection.Policy policy : POLICIES) {
                out.add(Method.sparse(k, policy));
            }
        }
        if (p.k() >= 1 && p.k() <= n) {
            out.add(Method.subset(p.k()));
        }
        out.add(Method.immediate());
        out.add(Method.peer(Method.Kind.SNAP1));
        out.add(Method.peer(Method.Kind.UORO));
        out.add(Method.peer(Method.Kind.RFLO));
        for (int w : p.tbpttWindows()) {
            out.add(Method.tbptt(w));
        }
        return out;
    }

    /** The kinds of network measured: both initialisations at every alignment size, and the protocol's n (the scatter's). */
    static List<Cell> kinds(Protocol p) {
        List<Cell> out = new ArrayList<>();
        for (Initialization init : SpectralStudy.inits(p)) {
            for (int n : p.alignSizes()) {
                out.add(new Cell(p.task(), org.sparsertrl.engine.cell.CellKind.VANILLA, n, 0, init));
            }
        }
        Cell scatter = new Cell(p, p.task(), p.n(), 0);
        if (!out.contains(scatter)) {
            out.add(scatter);
        }
        return out;
    }

    @Override
    public List<Work> plan(Protocol p) {
        List<Work> work = new ArrayList<>();
        for (Cell kind : kinds(p)) {
            for (Cell cell : Comparison.cells(p, kind)) {
                work.add(new Work("pretrain " + cell, Comparison.cost(p, cell, Method.tbptt(Math.max(1, p.pretrainWindow())),
                        p.pretrainSteps()), runner -> runner.pretrained(cell)));
            }
        }
        // The adaptation study's runs, whose recoveries the scatter uses (shared with that study when it runs too).
        work.addAll(Comparison.plan(p, new Cell(p, p.task(), p.n(), 0), AdaptationStudy.methods(p)));
        for (Cell kind : kinds(p)) {
            for (Cell cell : Comparison.cells(p, kind)) {
                work.add(new Work(key(cell), cost(p, cell), runner -> trajectory(p, runner, cell)));
            }
        }
        return work;
    }

    private static String key(Cell cell) {
        return "alignment " + cell;
    }

    /** For the progress bar: full RTRL's steps (the reference) and every learner's, in {@link Comparison#cost}'s units. */
    private static double cost(Protocol p, Cell cell) {
        int steps = p.alignBurnIn() + p.alignSteps();
        double total = Comparison.cost(p, cell, Method.full(), steps);
        for (Method m : learners(p, cell.n())) {
            total += Comparison.cost(p, cell, m, steps);
        }
        return total;
    }

    /**
     * Steps between path refreshes of the resampled, top-k and bottom-k learners: the protocol's, or
     * a quarter of the trajectory if that is shorter, so that a refresh happens within it (with none,
     * resampled paths are the fixed ones).
     */
    static int refresh(Protocol p) {
        return Math.max(1, Math.min(p.refreshEvery(), (p.alignBurnIn() + p.alignSteps()) / 4));
    }

    /** The trajectory of {@code cell} (memoized in the runner). */
    static GradientAlignment.Result trajectory(Protocol p, ExperimentRunner runner, Cell cell) {
        return runner.once(key(cell), () -> measure(p, runner, cell));
    }

    private static GradientAlignment.Result measure(Protocol p, ExperimentRunner runner, Cell cell) {
        Pretrained base = runner.pretrained(cell);
        List<Method> methods = learners(p, cell.n());
        GradientAlignment.Setup setup = new GradientAlignment.Setup(cell.n(), cell.inputs(p), cell.outputs(), cell.seed(),
                cell.init(), base.weights(), base.hidden(), LearnerSpec.full(), OptimizerSpec.adam(p.pretrainRate()),
                p.alignBurnIn(), p.alignSteps(), p.alignEvery());
        if (base.failed()) {
            return GradientAlignment.Result.missing(methods.size(), setup, base.failure());
        }
        // Pre-training ended where the stream shifts in the adaptation runs; here it stays on regime A
        // through the burn-in and the first half of the scored steps.
        Stream stream = cell.stream(p, p.shiftAt() + p.alignBurnIn() + p.alignSteps() / 2);
        float[] x = new float[cell.inputs(p)], y = new float[cell.outputs()];
        for (int t = 0; t < p.pretrainSteps(); t++) {
            stream.next(x, y);
        }
        Protocol refreshed = p.toBuilder().refreshEvery(refresh(p)).build();
        List<LearnerSpec> specs = methods.stream().map(m -> m.learner(refreshed, cell)).toList();
        return GradientAlignment.run(setup, stream, specs);
    }

    /** Per-seed means of one learner at one kind of network, with the seeds' trajectories. */
    private record Measured(Cell kind, List<Method> learners, List<GradientAlignment.Result> seeds, double[] kappa, int failed) {

        /** Per seed: the mean of {@code metric} over scored steps [from, to). */
        double[] perSeed(Method m, java.util.function.Function<GradientAlignment.Result, double[][]> metric, int from, int to) {
            int l = learners.indexOf(m);
            if (l < 0) {
                throw new IllegalArgumentException("learner = " + m.label() + " is not measured at n = " + kind.n());
            }
            double[] out = new double[seeds.size()];
            for (int s = 0; s < out.length; s++) {
                GradientAlignment.Result r = seeds.get(s);
                out[s] = GradientAlignment.Result.mean(metric.apply(r), l, from, Math.min(to, metric.apply(r)[l].length));
            }
            return out;
        }
    }

    private static Measured measured(Protocol p, ExperimentRunner runner, Cell kind) {
        List<GradientAlignment.Result> seeds = new ArrayList<>();
        List<Cell> cells = Comparison.cells(p, kind);
        double[] kappa = new double[cells.size()];
        int failed = 0;
        for (int i = 0; i < cells.size(); i++) {
            Pretrained base = runner.pretrained(cells.get(i));
            failed += base.failed() ? 1 : 0;
            kappa[i] = base.failed() ? Double.NaN : base.after().kappaJacobian();
            seeds.add(trajectory(p, runner, cells.get(i)));
        }
        return new Measured(kind, learners(p, kind.n()), seeds, kappa, failed);
    }

    @Override
    public StudyReport report(Protocol p, ExperimentRunner runner, Path plots) throws IOException {
        int steps = p.alignSteps(), half = steps / 2;
        Map<Cell, Measured> all = new LinkedHashMap<>();
        for (Cell kind : kinds(p)) {
            all.put(kind, measured(p, runner, kind));
        }
        List<RunRecord> records = new ArrayList<>();
        for (Measured m : all.values()) {
            records.addAll(records(p, runner, m));
        }
        List<Initialization> inits = SpectralStudy.inits(p);
        int[] sizes = p.alignSizes();

        // Summary per initialisation and size.
        Method k4 = Method.sparse(CLAIM_K);
        MarkdownTable summary = new MarkdownTable("init", "n", "kappa(diag(d) W), median of seeds", "immediate (k=0)",
                "sparse k=1", "sparse k=" + CLAIM_K, "sparse k=16", "sparse k=n/2", "subset k=" + p.k(), "SnAp-1", "UORO",
                "RFLO", "truncated BPTT T=" + Arrays.stream(p.tbpttWindows()).max().orElseThrow(), "failed seeds");
        for (Initialization init : inits) {
            for (int n : sizes) {
                Measured m = all.get(kind(p, init, n));
                summary.row(initLabel(init), n, fmt(Stats.quantile(m.kappa(), 0.5)), cos(p, m, Method.immediate()),
                        cos(p, m, Method.sparse(1)), sparse(p, m, CLAIM_K), sparse(p, m, 16), sparse(p, m, n / 2),
                        p.k() <= n ? cos(p, m, Method.subset(p.k())) : "",
                        cos(p, m, Method.peer(Method.Kind.SNAP1)), cos(p, m, Method.peer(Method.Kind.UORO)),
                        cos(p, m, Method.peer(Method.Kind.RFLO)),
                        cos(p, m, Method.tbptt(Arrays.stream(p.tbpttWindows()).max().orElseThrow())), m.failed());
            }
        }

        // Cosine against k, one row per policy.
        MarkdownTable byK = new MarkdownTable("init", "n", "selection", "k=1", "k=2", "k=4", "k=8", "k=16", "k=n/2", "k=n (every path)");
        for (Initialization init : inits) {
            for (int n : sizes) {
                Measured m = all.get(kind(p, init, n));
                for (Selection.Policy policy : POLICIES) {
                    List<String> row = new ArrayList<>(List.of(initLabel(init), String.valueOf(n), policy.label()));
                    for (int k : new int[] {1, 2, 4, 8, 16, n / 2, n}) {
                        row.add(k == n ? sparse(p, m, n) : k < 1 || k > n ? "" : k > p.alignMaxK() ? "not run"
                                : cos(p, m, Method.sparse(k, policy)));
                    }
                    byK.row(row.toArray());
                }
            }
        }
        kPlot(p, all, plots.resolve("alignment-k.png"));

        // Every learner at the protocol's n and initialisation.
        Cell main = new Cell(p, p.task(), p.n(), 0);
        Measured mm = all.get(main);
        MarkdownTable detail = new MarkdownTable("learner", "cosine, recurrent [95 % CI]", "before the shift",
                "after the shift", "cosine, all parameters", "norm ratio", "sign agreement", "J relative error (kept rows)");
        for (Method l : mm.learners()) {
            detail.row(l.label(), cos(p, mm, l), fmt(Stats.of(mm.perSeed(l, GradientAlignment.Result::cosine, 0, half)).mean()),
                    fmt(Stats.of(mm.perSeed(l, GradientAlignment.Result::cosine, half, steps)).mean()),
                    fmt(Stats.of(mm.perSeed(l, GradientAlignment.Result::cosineAll, 0, steps)).mean()),
                    fmt(Stats.of(mm.perSeed(l, GradientAlignment.Result::normRatio, 0, steps)).mean()),
                    fmt(Stats.of(mm.perSeed(l, GradientAlignment.Result::signAgreement, 0, steps)).mean()),
                    fmt(Stats.of(mm.perSeed(l, GradientAlignment.Result::sensitivityError, 0, Integer.MAX_VALUE)).mean()));
        }
        timePlot(p, mm, plots.resolve("alignment-time.png"));

        // Alignment against recovery, on the adaptation study's learners.
        Comparison c = new Comparison(p, runner, main, AdaptationStudy.methods(p));
        MarkdownTable scatter = new MarkdownTable("learner", "cosine, recurrent", "recovery vs frozen (adaptation study)");
        List<double[]> pairs = new ArrayList<>();
        List<Plots.Series> points = new ArrayList<>();
        for (Method l : c.methods()) {
            if (l.isFrozen() || l.kind() == Method.Kind.READOUT) {
                continue;
            }
            boolean full = l.kind() == Method.Kind.FULL;
            Method measuredAs = full ? Method.sparse(p.n()) : l;
            if (!mm.learners().contains(measuredAs)) {
                continue;
            }
            Paired.Interval a = Paired.mean(mm.perSeed(measuredAs, GradientAlignment.Result::cosine, 0, steps),
                    bootstrapSeed("scatter " + l.label()), p.resamples());
            Paired.Interval r = c.recovery(l, Method.frozen());
            scatter.row(l.label() + (full ? " (sparse k=n measured)" : ""), format(a), r.format(true));
            points.add(new Plots.Series(l.label(), new double[] {a.estimate()}, new double[] {100 * r.estimate()},
                    new double[] {Double.isFinite(r.width()) ? 50 * r.width() : 0}));
            if (!full && a.defined() && r.defined()) {
                pairs.add(new double[] {a.estimate(), r.estimate()});
            }
        }
        Plots.lines(plots.resolve("alignment-recovery.png"), "Alignment against recovery (" + p.task().label() + ", n = "
                + p.n() + ", " + initLabel(p.init()) + ", " + p.seeds() + " seeds; bars: half the 95 % CI)",
                "mean cosine with full RTRL's gradient (recurrent parameters)", "recovery vs frozen (%)", false, false, points);
        double rho = spearman(pairs);

        StringBuilder md = new StringBuilder("## alignment: ").append(title()).append("\n\n");
        md.append(String.format(Locale.ROOT, "Protocol (ours; the paper measures no such quantity): for each initialisation, "
                + "each n in %s and each of %d evaluation seeds, the pre-trained network of the spectral and adaptation "
                + "studies continues on the %s task: %d unscored steps on regime A while every learner's sensitivities "
                + "build up from zero, then %d scored steps on regime A and %d on regime B. Its weights are updated online "
                + "by full RTRL with Adam at the pre-training rate (%s), so every learner sees the same hidden states and "
                + "weights; at every step each learner computes its own gradient from them without updating, and full "
                + "RTRL's gradient is the yardstick. Learners: per-row sparse RTRL at k in {1, 2, 4, 8, 16, n/2, n} with "
                + "random fixed, random resampled, top-k and bottom-k paths (refreshed every %d steps; at k = n every policy keeps "
                + "every path, so it runs once), shared subset k = %d, immediate derivatives, SnAp-1, UORO, RFLO and "
                + "truncated BPTT at windows %s. Per step: the cosine with full RTRL's gradient over the recurrent "
                + "parameters (W, U, b) and over all parameters, the norm ratio, the fraction of recurrent parameters "
                + "with full RTRL's sign; every %d steps, the relative Frobenius error of J on the rows the learner keeps. "
                + "Each is averaged over the scored steps of a seed; tables give the mean over seeds with a bootstrap 95 %% "
                + "CI in brackets. kappa(diag(d) W) is the spectral study's measure on the same networks.%n%n",
                Arrays.toString(sizes), p.seeds(), p.task().label() + " (" + p.taskText(p.task()) + ")", p.alignBurnIn(),
                half, steps - half, p.pretrainRate(), refresh(p), p.k(), Arrays.toString(p.tbpttWindows()),
                p.alignEvery()));
        md.append("Cosine with full RTRL's gradient over the recurrent parameters, per initialisation and size:\n\n")
                .append(summary).append('\n');
        md.append("The same for sparse RTRL against k, one row per selection policy:\n\n").append(byK).append('\n');
        md.append("![cosine against k](plots/alignment-k.png)\n\n");
        md.append(String.format("Every learner at n = %d (%s initialisation, the adaptation study's networks); the columns "
                + "after the first are means over seeds:%n%n", p.n(), initLabel(p.init()))).append(detail).append('\n');
        md.append("![cosine over time around the shift](plots/alignment-time.png)\n\n");
        md.append("Does alignment predict recovery? Each learner of the adaptation study (same task, n and seeds) with its "
                + "mean alignment here and its recovery there; full RTRL is shown through sparse k = n, which computes the "
                + "same gradient, and left out of the correlation (both of its values are 1 by construction)"
                + (p.tbpttWindowsContain(1) ? "; truncated BPTT with window 1 computes the immediate gradient, so its "
                + "point lies on immediate's" : "") + ":\n\n")
                .append(scatter).append('\n');
        md.append("![alignment against recovery](plots/alignment-recovery.png)\n\n");
        md.append(reading(p, all, inits, sizes, pairs.size(), rho, new double[] {
            pairs.stream().mapToDouble(v -> v[0]).min().orElse(Double.NaN), pairs.stream().mapToDouble(v -> v[0]).max().orElse(Double.NaN),
            pairs.stream().mapToDouble(v -> v[1]).min().orElse(Double.NaN), pairs.stream().mapToDouble(v -> v[1]).max().orElse(Double.NaN)}));

        StringBuilder figure = new StringBuilder();
        for (Initialization init : inits) {
            figure.append(figure.isEmpty() ? "" : "; ").append(initLabel(init)).append(":");
            String sep = " ";
            for (int n : sizes) {
                Measured m = all.get(kind(p, init, n));
                figure.append(sep).append("n=").append(n).append(' ').append(cos(p, m, k4));
                sep = ", ";
            }
        }
        return new StudyReport(md.toString(), records, List.of(Claim.ours("(ours) cosine of sparse k=" + CLAIM_K
                + " (random paths) with full RTRL's gradient", figure.toString())));
    }

    /** The paragraph that says what the numbers say, computed from them. */
    private static String reading(Protocol p, Map<Cell, Measured> all, List<Initialization> inits, int[] sizes, int points,
                                  double rho, double[] range) {
        int steps = p.alignSteps();
        Method k4 = Method.sparse(CLAIM_K);
        StringBuilder out = new StringBuilder("What the figures say about the paper's mechanism. ");
        Initialization own = p.init();
        int smallest = Arrays.stream(sizes).min().orElseThrow(), largest = Arrays.stream(sizes).max().orElseThrow();
        Measured small = all.get(kind(p, own, smallest)), large = all.get(kind(p, own, largest));
        double k4Small = mean(p, small, k4), k4Large = mean(p, large, k4);
        double immLarge = mean(p, large, Method.immediate()), k1Large = mean(p, large, Method.sparse(1));
        double halfLarge = mean(p, large, Method.sparse(Math.max(1, largest / 2)));
        if (!Double.isFinite(k4Small) || !Double.isFinite(k4Large) || !Double.isFinite(immLarge)) {
            out.append(String.format(Locale.ROOT, "With the %s initialisation the cosine at k = %d is undefined at n = %d "
                    + "or n = %d (no usable seed, or k = %d not run), so the figures say nothing about it. ",
                    initLabel(own), CLAIM_K, smallest, largest, CLAIM_K));
        } else {
            out.append(String.format(Locale.ROOT, "With the %s initialisation, the gradient carried through k = %d random "
                    + "paths has a mean cosine of %s with full RTRL's at n = %d and %s at n = %d; ",
                    initLabel(own), CLAIM_K, fmt(k4Small), smallest, fmt(k4Large), largest));
            double drop = k4Small - k4Large;
            out.append(smallest == largest ? "" : Math.abs(drop) < 0.02 ? "it hardly depends on n over this range, "
                    : drop > 0 ? String.format(Locale.ROOT, "it falls by %.2f as n grows (a fixed count of paths carries a "
                    + "shrinking share of the direction), ", drop)
                    : String.format(Locale.ROOT, "it rises by %.2f as n grows, ", -drop));
            out.append(String.format(Locale.ROOT, "while immediate derivatives (k = 0) reach %s", fmt(immLarge)))
                    .append(Double.isFinite(halfLarge) && largest / 2 > CLAIM_K ? String.format(Locale.ROOT,
                            " and half the paths (k = %d) %s", largest / 2, fmt(halfLarge)) : "")
                    .append(String.format(Locale.ROOT, " at n = %d. ", largest));
            double gain = k4Large - immLarge;
            out.append(gain < 0.05 ? String.format(Locale.ROOT, "Most of the alignment is already in the immediate term: "
                    + "four paths add only %.2f to its cosine. ", gain)
                    : String.format(Locale.ROOT, "Four paths add %.2f to the immediate term's cosine. ", gain));
            if (Double.isFinite(k1Large)) {
                out.append(String.format(Locale.ROOT, "The paper's step function (k = 0 fails, any k > 0 works) would need "
                        + "a jump between k = 0 and k = 1; here the cosine moves by %+.2f between them, %s. ", k1Large - immLarge,
                        Math.abs(k1Large - immLarge) < 0.05 ? "no jump" : "a visible step"));
            }
        }
        Measured mainKind = all.get(new Cell(p, p.task(), p.n(), 0));
        double lo = Double.POSITIVE_INFINITY, hi = Double.NEGATIVE_INFINITY;
        String loName = "", hiName = "";
        for (Selection.Policy policy : POLICIES) {
            if (CLAIM_K >= p.n()) {
                break;
            }
            double v = mean(p, mainKind, Method.sparse(CLAIM_K, policy));
            if (v < lo) {
                lo = v;
                loName = policy.label();
            }
            if (v > hi) {
                hi = v;
                hiName = policy.label();
            }
        }
        if (Double.isFinite(lo)) {
            out.append(String.format(Locale.ROOT, "At k = %d and n = %d the selection policies span %s (%s) to %s (%s). ",
                    CLAIM_K, p.n(), fmt(lo), loName, fmt(hi), hiName));
        }
        Initialization other = inits.get(inits.size() - 1);
        Measured a = all.get(kind(p, own, largest)), b = all.get(kind(p, other, largest));
        if (inits.size() == 2 && Double.isFinite(mean(p, a, k4)) && Double.isFinite(mean(p, b, k4))
                && Double.isFinite(Stats.quantile(a.kappa(), 0.5)) && Double.isFinite(Stats.quantile(b.kappa(), 0.5))) {
            out.append(String.format(Locale.ROOT, "Geometry: at n = %d the median kappa(diag(d) W) is %s (%s) against %s "
                            + "(%s), and the cosine at k = %d is %s against %s; ", largest,
                    fmt(Stats.quantile(a.kappa(), 0.5)), initLabel(own), fmt(Stats.quantile(b.kappa(), 0.5)),
                    initLabel(other), CLAIM_K, fmt(mean(p, a, k4)), fmt(mean(p, b, k4))));
            boolean ownIsotropic = Stats.quantile(a.kappa(), 0.5) < Stats.quantile(b.kappa(), 0.5);
            double diff = (mean(p, a, k4) - mean(p, b, k4)) * (ownIsotropic ? 1 : -1);
            out.append(Math.abs(diff) < 0.02 ? "the better-conditioned networks are hardly better aligned"
                    : diff > 0 ? "the better-conditioned networks are the better aligned, as the paper's argument expects"
                    : "the better-conditioned networks are the worse aligned, against the paper's argument");
            double isotropic = 6.5 * SpectralStudy.FACTOR;
            out.append(Stats.quantile(a.kappa(), 0.5) > isotropic && Stats.quantile(b.kappa(), 0.5) > isotropic
                    ? " (neither is near-isotropic: the paper reports 2.6 to 6.5). " : ". ");
        }
        if (points >= 3 && Double.isFinite(rho)) {
            out.append(String.format(Locale.ROOT, "Across the %d learners of the adaptation study, the Spearman rank "
                    + "correlation between alignment and recovery is %.2f (cosines from %.2f to %.2f against recoveries from "
                    + "%.0f to %.0f %%): ", points, rho, range[0], range[1], 100 * range[2], 100 * range[3]));
            out.append(rho >= STRONG ? "alignment predicts recovery in rank, even where the angles differ little. "
                    : rho >= WEAK ? "alignment predicts recovery only weakly. " : "alignment does not predict recovery. ");
        } else {
            out.append("Too few learners have both an alignment and a defined recovery to relate the two. ");
        }
        out.append(String.format(Locale.ROOT, "Caveats: the cosine is that of the raw online gradients, while Adam rescales "
                + "each coordinate before it updates, so two gradients at a small angle can still move the weights "
                + "differently; full RTRL's gradient is itself the online approximation (the weights change as it "
                + "runs), not the gradient of the loss; each seed is %d scored steps of one trajectory from one pre-trained "
                + "network; the rank correlation (rule: >= %.1f predicts, >= %.1f weakly, below that not) rests on %d "
                + "learners, and ranks say nothing of how much recovery a given angle buys.%n%n", steps, STRONG, WEAK, points));
        return out.toString();
    }

    private static void kPlot(Protocol p, Map<Cell, Measured> all, Path file) throws IOException {
        List<Plots.Panel> panels = new ArrayList<>();
        for (Initialization init : SpectralStudy.inits(p)) {
            for (int n : p.alignSizes()) {
                Measured m = all.get(kind(p, init, n));
                int[] ks = ks(p, n);
                List<Plots.Series> series = new ArrayList<>();
                for (Selection.Policy policy : POLICIES) {
                    double[] x = new double[ks.length], y = new double[ks.length];
                    for (int i = 0; i < ks.length; i++) {
                        x[i] = ks[i];
                        y[i] = mean(p, m, ks[i] == n ? Method.sparse(n) : Method.sparse(ks[i], policy));
                    }
                    series.add(new Plots.Series(policy.label(), x, y, null));
                }
                double imm = mean(p, m, Method.immediate());
                series.add(new Plots.Series("immediate (k=0)", new double[] {1, n}, new double[] {imm, imm}, null));
                if (p.k() <= n) {
                    series.add(new Plots.Series("subset k=" + p.k(), new double[] {p.k()},
                            new double[] {mean(p, m, Method.subset(p.k()))}, null));
                }
                panels.add(new Plots.Panel(initLabel(init) + ", n = " + n + " (kappa " + fmt(Stats.quantile(m.kappa(), 0.5))
                        + ")", "k (paths per row, log scale)", "cosine with full RTRL", true, false, true, series));
            }
        }
        Plots.panels(file, p.alignSizes().length, panels);
    }

    private static void timePlot(Protocol p, Measured m, Path file) throws IOException {
        int steps = p.alignSteps(), half = steps / 2, n = m.kind().n();
        List<Method> shown = new ArrayList<>(List.of(Method.immediate(), Method.sparse(1), Method.sparse(Math.min(CLAIM_K, n)),
                Method.sparse(Math.min(16, n)), Method.subset(p.k()), Method.peer(Method.Kind.SNAP1),
                Method.peer(Method.Kind.UORO), Method.peer(Method.Kind.RFLO),
                Method.tbptt(Arrays.stream(p.tbpttWindows()).max().orElseThrow())));
        List<Plots.Series> series = new ArrayList<>();
        for (Method l : shown.stream().distinct().toList()) {
            int index = m.learners().indexOf(l);
            if (index < 0) {
                continue;
            }
            double[] x = new double[steps], y = new double[steps];
            for (int t = 0; t < steps; t++) {
                x[t] = t - half;
                double sum = 0;
                int count = 0;
                for (GradientAlignment.Result r : m.seeds()) {
                    double v = r.cosine()[index][t];
                    if (Double.isFinite(v)) {
                        sum += v;
                        count++;
                    }
                }
                y[t] = count == 0 ? Double.NaN : sum / count;
            }
            series.add(new Plots.Series(l.label(), x, y, null));
        }
        Plots.lines(file, "Cosine with full RTRL's gradient around the shift (" + p.task().label() + ", n = " + n + ", "
                + initLabel(m.kind().init()) + ", mean of " + m.seeds().size() + " seeds)", "step relative to the shift",
                "cosine (recurrent parameters)", false, false, series);
    }

    /** One raw row per seed and learner: the means over the scored steps. */
    private static List<RunRecord> records(Protocol p, ExperimentRunner runner, Measured m) {
        List<RunRecord> out = new ArrayList<>();
        List<Cell> cells = Comparison.cells(p, m.kind());
        int steps = p.alignSteps();
        for (int s = 0; s < cells.size(); s++) {
            Cell cell = cells.get(s);
            Pretrained base = runner.pretrained(cell);
            GradientAlignment.Result r = m.seeds().get(s);
            double loss = mean(r.referenceLoss());
            for (int l = 0; l < m.learners().size(); l++) {
                Method method = m.learners().get(l);
                Integer k = switch (method.kind()) {
                    case SPARSE, SUBSET, TBPTT, IMMEDIATE -> method.k();
                    default -> null;
                };
                out.add(new RunRecord("alignment", "evaluation", cell.task().label(), Comparison.cellLabel(cell),
                        method.label(), cell.n(), k, cell.seed(), (double) p.pretrainRate(), null,
                        RunRecord.finite(base.lossBefore()), RunRecord.finite(loss), null, null, null,
                        null, r.failure(), null, null, null, null, RunRecord.finite(m.kappa()[s]),
                        RunRecord.finite(GradientAlignment.Result.mean(r.cosine(), l, 0, steps)),
                        RunRecord.finite(GradientAlignment.Result.mean(r.cosineAll(), l, 0, steps)),
                        RunRecord.finite(GradientAlignment.Result.mean(r.normRatio(), l, 0, steps)),
                        RunRecord.finite(GradientAlignment.Result.mean(r.signAgreement(), l, 0, steps)),
                        RunRecord.finite(GradientAlignment.Result.mean(r.sensitivityError(), l, 0,
                                r.sensitivityError()[l].length)), null));
            }
        }
        return out;
    }

    private static Cell kind(Protocol p, Initialization init, int n) {
        return new Cell(p.task(), org.sparsertrl.engine.cell.CellKind.VANILLA, n, 0, init);
    }

    /** Mean over seeds of the learner's mean recurrent cosine; NaN if it is not measured there. */
    private static double mean(Protocol p, Measured m, Method l) {
        return m.learners().contains(l) ? Stats.of(m.perSeed(l, GradientAlignment.Result::cosine, 0, p.alignSteps())).mean()
                : Double.NaN;
    }

    /** Sparse RTRL with random fixed paths at k: blank when k is not in [1, n], "not run" above alignMaxK. */
    private static String sparse(Protocol p, Measured m, int k) {
        return k < 1 || k > m.kind().n() ? "" : k > p.alignMaxK() ? "not run" : cos(p, m, Method.sparse(k));
    }

    /** The learner's mean recurrent cosine over seeds with its bootstrap CI, formatted; blank if not measured. */
    private static String cos(Protocol p, Measured m, Method l) {
        if (!m.learners().contains(l)) {
            return "";
        }
        return format(Paired.mean(m.perSeed(l, GradientAlignment.Result::cosine, 0, p.alignSteps()),
                bootstrapSeed(m.kind() + " " + l.label()), p.resamples()));
    }

    private static String format(Paired.Interval i) {
        if (!i.defined()) {
            return "undefined";
        }
        return String.format(Locale.ROOT, "%.3f [%.3f, %.3f]", i.estimate(), i.low(), i.high())
                + (i.dropped() == 0 ? "" : " (" + i.dropped() + " dropped)");
    }

    private static long bootstrapSeed(String what) {
        return what.hashCode() * 0x9E3779B97F4A7C15L;
    }

    private static String initLabel(Initialization init) {
        return init.kind().name().toLowerCase(Locale.ROOT);
    }

    private static String fmt(double v) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%.3g", v) : "n/a";
    }

    private static double mean(double[] values) {
        return Stats.of(values).mean();
    }

    /** Spearman's rank correlation of the pairs (average ranks for ties); NaN with fewer than three. */
    static double spearman(List<double[]> pairs) {
        int n = pairs.size();
        if (n < 3) {
            return Double.NaN;
        }
        double[] a = ranks(pairs.stream().mapToDouble(v -> v[0]).toArray());
        double[] b = ranks(pairs.stream().mapToDouble(v -> v[1]).toArray());
        double ma = Stats.of(a).mean(), mb = Stats.of(b).mean(), ab = 0, aa = 0, bb = 0;
        for (int i = 0; i < n; i++) {
            ab += (a[i] - ma) * (b[i] - mb);
            aa += (a[i] - ma) * (a[i] - ma);
            bb += (b[i] - mb) * (b[i] - mb);
        }
        return GradientAlignment.cosine(ab, aa, bb);
    }

    private static double[] ranks(double[] values) {
        Integer[] order = new Integer[values.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (x, y) -> Double.compare(values[x], values[y]));
        double[] out = new double[values.length];
        for (int i = 0; i < order.length; ) {
            int j = i;
            while (j + 1 < order.length && values[order[j + 1]] == values[order[i]]) {
                j++;
            }
            for (int q = i; q <= j; q++) {
                out[order[q]] = (i + j) / 2.0 + 1;
            }
            i = j + 1;
        }
        return out;
    }
}
