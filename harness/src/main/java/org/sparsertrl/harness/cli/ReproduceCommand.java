package org.sparsertrl.harness.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import org.sparsertrl.engine.kernel.KernelProvider;
import org.sparsertrl.harness.report.ReportWriter;
import org.sparsertrl.harness.report.ResultFiles;
import org.sparsertrl.harness.report.RunRecord;
import org.sparsertrl.engine.cell.Initialization;
import org.sparsertrl.harness.study.Cell;
import org.sparsertrl.harness.study.ExperimentRunner;
import org.sparsertrl.harness.study.Protocol;
import org.sparsertrl.harness.study.Studies;
import org.sparsertrl.harness.study.Study;
import org.sparsertrl.harness.task.InputDistribution;
import org.sparsertrl.harness.task.NwbStream;

import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * Runs the reproduction studies and writes report.md, results.csv, results.json and plots into the
 * output folder. Runs are deterministic given their seed, so the same command on a machine with the
 * same vector width gives the same numbers (times per step aside; the forward pass's dot products
 * sum in an order that depends on the vector width); seeds and methods run in parallel on
 * {@code --threads} threads, which changes nothing but the time.
 */
@Command(name = "reproduce", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Measures the paper's claims under our documented protocol and writes a report with plots.",
            "Studies: adaptation, selection, scaling, optimizer, lorenz, spectral, alignment, subset, precision, bci, baselines, scope, lstm, transformer (default: all)."})
public final class ReproduceCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    static final class Mode {
        @Option(names = "--quick", description = "The single-size studies at n = 64, scaling up to n = 64: a few minutes on two cores (the default).")
        boolean quick;

        @Option(names = "--full", description = "The paper's sizes (n = 64, scaling to 256), 10 seeds: several hours on two cores.")
        boolean full;
    }

    @ArgGroup(exclusive = true)
    Mode mode;

    @Option(names = "--study", split = ",", paramLabel = "NAME", description = "Run only these studies (repeatable or comma-separated).")
    List<String> studies = new ArrayList<>();

    @Option(names = "--seeds", description = "Evaluation seeds per setting (default: 5 quick, 10 full; at least 2).")
    Integer seeds;

    @Option(names = "--first-seed", description = "The first evaluation seed (default: 1).")
    Long firstSeed;

    @Option(names = "--tuning-seeds", description = "Seeds on which each method's learning rate is chosen (default: 2 quick, 3 full).")
    Integer tuningSeeds;

    @Option(names = "--first-tuning-seed", description = "The first tuning seed; tuning and evaluation seeds may not overlap (default: 1001).")
    Long firstTuningSeed;

    @Option(names = "--threads", description = "Worker threads (default: the available processors).")
    int threads = Runtime.getRuntime().availableProcessors();

    @Option(names = "--out", paramLabel = "DIR", description = "Output folder (default: reports/reproduce-<mode>).")
    Path out;

    @Option(names = "--no-progress", description = "No progress bar (and, where the output is not a terminal, no progress lines).")
    boolean noProgress;

    @Option(names = "--task", description = "Task of the adaptation-style studies: product, delay or sine (default: product).")
    String task;

    @Option(names = "--n", description = "Hidden units of the single-size studies.")
    Integer n;

    @Option(names = "--k", description = "k of the selection, scaling, optimizer, Lorenz, subset, BCI and LSTM studies.")
    Integer k;

    @Option(names = "--ks", split = ",", description = "k values of the adaptation study.")
    int[] ks;

    @Option(names = "--scaling-sizes", split = ",", description = "n values of the scaling study.")
    int[] scalingSizes;

    @Option(names = "--spectral-sizes", split = ",", description = "n values of the spectral study.")
    int[] spectralSizes;

    @Option(names = "--init", description = "Initialisation of W: orthogonal or gaussian (default: orthogonal).")
    String init;

    @Option(names = "--gain", description = "Recurrent gain: W = gain Q (orthogonal) or W ~ N(0, gain^2 / n) (default: 0.9).")
    Float gain;

    @Option(names = "--input-scale", description = "Input weights U ~ N(0, scale^2 / m) (default: 0.3).")
    Float inputScale;

    @Option(names = "--pretrain-steps", description = "Pre-training steps on regime A.")
    Integer pretrainSteps;

    @Option(names = "--pretrain-window", description = "Truncated-BPTT window of pre-training; 0 pre-trains with full RTRL (default: 16).")
    Integer pretrainWindow;

    @Option(names = "--pretrain-lr", description = "Adam learning rate of pre-training (default: 1e-3).")
    Float pretrainRate;

    @Option(names = "--adapt-steps", description = "Adaptation window on regime B.")
    Integer adaptSteps;

    @Option(names = "--rates", split = ",", description = "Adam learning rates tried for each method, at n = 64.")
    float[] rates;

    @Option(names = "--sgd-rates", split = ",", description = "SGD learning rates tried (optimizer study), at n = 64.")
    float[] sgdRates;

    @Option(names = "--no-rate-scaling", description = "Use the grids as given at every n, instead of times 64 / n above n = 64.")
    boolean noRateScaling;

    @Option(names = "--tune-up-to", description = "Sizes above this N take the rate tuned at the largest size up to N, times N / n, instead of a grid of their own (default: tune every size).")
    Integer tuneUpTo;

    @Option(names = "--max-damage", description = "Reject a rate whose no-shift loss exceeds this multiple of the frozen network's (default: 2).")
    Double maxDamage;

    @Option(names = "--warm-up", description = "Steps over which the adaptation rate ramps up from zero (default: 0).")
    Integer warmUp;

    @Option(names = "--keep-moments", description = "Keep pre-training's Adam moments across the shift.")
    boolean keepMoments;

    @Option(names = "--fail-above", description = "Pre-training failed when the loss before the shift exceeds this fraction of the trivial predictor's (default: 0.5).")
    Double failAbove;

    @Option(names = "--resamples", description = "Bootstrap resamples of each confidence interval (default: 10000).")
    Integer resamples;

    @Option(names = "--omega-before", description = "Sine: radians per step on regime A.")
    Double omegaBefore;

    @Option(names = "--omega-after", description = "Sine: radians per step on regime B.")
    Double omegaAfter;

    @Option(names = "--product-lag-before", description = "Product task y_t = 2 x_{t-1} x_{t-D}: D on regime A (default: 2).")
    Integer productLagBefore;

    @Option(names = "--product-lag-after", description = "Product task: D on regime B (default: 3).")
    Integer productLagAfter;

    @Option(names = "--delay-lag-before", description = "Delay task y_t = x_{t-D}: D on regime A (default: 2).")
    Integer delayLagBefore;

    @Option(names = "--delay-lag-after", description = "Delay task: D on regime B (default: 4).")
    Integer delayLagAfter;

    @Option(names = "--inputs", description = "Inputs of the product and delay tasks: uniform (U(-1, 1)) or gaussian (default: uniform).")
    String inputs;

    @Option(names = "--lorenz-n", description = "Hidden units of the Lorenz study.")
    Integer lorenzN;

    @Option(names = "--rho-before", description = "Lorenz rho on regime A.")
    Double rhoBefore;

    @Option(names = "--rho-after", description = "Lorenz rho on regime B.")
    Double rhoAfter;

    @Option(names = "--lorenz-dt", description = "Lorenz RK4 step (default: 0.01).")
    Double lorenzDt;

    @Option(names = "--lorenz-substeps", description = "RK4 steps per Lorenz sample (default: 5).")
    Integer lorenzSubsteps;

    @Option(names = "--lorenz-burn-in", description = "Lorenz samples discarded before pre-training (default: 1000).")
    Integer lorenzBurnIn;

    @Option(names = "--bci-lost", description = "Synthetic BCI, session B: fraction of channels lost (default: 0.2).")
    Double bciLost;

    @Option(names = "--bci-replaced", description = "Synthetic BCI, session B: fraction of channels whose unit is replaced (default: 0.1).")
    Double bciReplaced;

    @Option(names = "--bci-gain-spread", description = "Synthetic BCI, session B: log-normal sigma of the gain changes (default: 0.3).")
    Double bciGainSpread;

    @Option(names = "--bci-baseline-spread", description = "Synthetic BCI, session B: log-normal sigma of the baseline changes (default: 0.3).")
    Double bciBaselineSpread;

    @Option(names = "--bci-walk", description = "Synthetic BCI: baseline wander per bin within a session (default: 0.002).")
    Double bciWalk;

    @Option(names = "--refresh-every", description = "Steps between path refreshes (selection study).")
    Integer refreshEvery;

    @Option(names = "--spectral-steps", description = "Trajectory length of the spectral sampling.")
    Integer spectralSteps;

    @Option(names = "--spectral-every", description = "Steps between sampled Jacobians.")
    Integer spectralEvery;

    @Option(names = "--tbptt-windows", split = ",", description = "Windows of the truncated-BPTT controls (default: 1,4 quick; 1,2,4,8 full).")
    int[] tbpttWindows;

    @Option(names = "--align-sizes", split = ",", description = "n values of the alignment study (default: 16,32,64 quick; 64,128,256 full).")
    int[] alignSizes;

    @Option(names = "--align-burn-in", description = "Alignment: unscored steps on regime A while the sensitivities build up (default: 50 quick, 30 full).")
    Integer alignBurnIn;

    @Option(names = "--align-steps", description = "Alignment: scored steps, half before the shift and half after (default: 100 quick, 80 full).")
    Integer alignSteps;

    @Option(names = "--align-every", description = "Alignment: steps between two comparisons of the sensitivities J (default: 25 quick, 20 full).")
    Integer alignEvery;

    @Option(names = "--align-max-k", description = "Alignment: sparse learners with more paths than this are not run (default: no limit quick, 64 full).")
    Integer alignMaxK;

    @Option(names = "--rflo-tau", description = "Time constant of RFLO's eligibility traces (baselines study).")
    Float rfloTau;

    @Option(names = "--scope-n", description = "Hidden units in the scope study (adding problem).")
    Integer scopeN;

    @Option(names = "--lstm-n", description = "Hidden units in the LSTM study.")
    Integer lstmN;

    @Option(names = "--scope-length", description = "Steps per adding-problem sequence.")
    Integer scopeLength;

    @Option(names = "--scope-sequences", description = "Adding-problem sequences per run.")
    Integer scopeSequences;

    @Option(names = "--bci-n", description = "Hidden units of the BCI decoder.")
    Integer bciN;

    @Option(names = "--nwb", arity = "2", paramLabel = "FILE",
            description = "Two NWB files, session A then session B: the bci study decodes them instead of the synthetic recording.")
    java.nio.file.Path[] nwb;

    @Option(names = "--tf-task", description = "Transformer study: task whose table carries the claims: product, delay or sine (default: delay).")
    String tfTask;

    @Option(names = "--tf-d-model", description = "Transformer study: width of the residual stream (default: 24).")
    Integer tfDModel;

    @Option(names = "--tf-heads", description = "Transformer study: attention heads per layer, dividing --tf-d-model (default: 6).")
    Integer tfHeads;

    @Option(names = "--tf-layers", description = "Transformer study: layers (default: 2).")
    Integer tfLayers;

    @Option(names = "--tf-context", description = "Transformer study: T, the steps of the sliding window (default: 8 quick, 32 full).")
    Integer tfContext;

    @Option(names = "--tf-fractions", split = ",", paramLabel = "S",
            description = "Transformer study: fractions s of each layer's heads that transport to earlier steps, as 0, 1/6, 0.5, ...; each a multiple of 1/heads below 1 (dense always runs; default: 0,1/6,1/3,1/2).")
    List<String> tfFractions;

    @Option(names = "--tf-specialised-fraction", paramLabel = "S", description = "Transformer study: s of the most- and least-specialised-heads runs (default: 1/2).")
    String tfSpecialisedFraction;

    @Option(names = "--tf-seeds", description = "Transformer study: evaluation seeds (default: 3 quick, 10 full).")
    Integer tfSeeds;

    @Option(names = "--tf-tuning-seeds", description = "Transformer study: tuning seeds (default: 1 quick, 2 full).")
    Integer tfTuningSeeds;

    @Option(names = "--tf-pretrain-steps", description = "Transformer study: dense pre-training steps on regime A (default: 1500 quick, 8000 full).")
    Integer tfPretrainSteps;

    @Option(names = "--tf-adapt-steps", description = "Transformer study: adaptation window on regime B (default: 300 quick, 2000 full).")
    Integer tfAdaptSteps;

    @Option(names = "--tf-rates", split = ",", description = "Transformer study: Adam learning rates tried for each method.")
    float[] tfRates;

    @Option(names = "--tf-pretrain-lr", description = "Transformer study: Adam learning rate of pre-training (default: 1e-3).")
    Float tfPretrainRate;

    @Option(names = "--tf-resample-every", description = "Transformer study: steps between random draws of the kept heads; 0 draws them once (default: 0).")
    Integer tfResampleEvery;

    @Option(names = "--tf-borderline", description = "Transformer study: \"borderline\" margin, a fraction of dense's mean loss (default: 0.1).")
    Double tfBorderline;

    @Override
    public Integer call() throws IOException, InterruptedException {
        PrintWriter console = spec.commandLine().getOut();
        Protocol protocol = protocol();
        List<Study> selected = selectedStudies();
        if (threads < 1) {
            throw new ParameterException(spec.commandLine(), "--threads = " + threads + " must be >= 1");
        }
        if (!protocol.nwb().isEmpty()) {
            if (selected.stream().noneMatch(s -> s.name().equals("bci"))) {
                throw new ParameterException(spec.commandLine(), "--nwb is read only by the bci study, which is not "
                        + "among --study " + String.join(",", studies) + "; add bci or drop --nwb");
            }
            // Read the recordings now: a bad file is refused before hours of other studies, not after.
            for (Path file : protocol.nwb()) {
                NwbStream.load(file, protocol.bci().binMs() / 1000);
            }
        }
        Path dir = out != null ? out : Path.of("reports", "reproduce-" + protocol.mode());
        // Checked before any study runs: an output folder that cannot be written is bad input, not a late crash.
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw new IllegalArgumentException("--out = " + dir + " is a file, not a folder");
        }
        Path plots = dir.resolve("plots");
        try {
            Files.createDirectories(plots);
        } catch (IOException e) {
            throw new IllegalArgumentException("--out = " + dir + ": cannot create the output folder: " + Main.oneLine(e), e);
        }
        if (!Files.isWritable(dir) || !Files.isWritable(plots)) {
            throw new IllegalArgumentException("--out = " + dir + ": the output folder is not writable");
        }

        Map<String, Study.Work> work = new LinkedHashMap<>();
        for (Study study : selected) {
            for (Study.Work w : study.plan(protocol)) {
                work.putIfAbsent(w.key(), w);
            }
        }
        List<Study.Work> ordered = new ArrayList<>(work.values());
        ordered.sort((a, b) -> Boolean.compare(!a.key().startsWith("pretrain"), !b.key().startsWith("pretrain")));
        double totalCost = ordered.stream().mapToDouble(Study.Work::cost).sum();
        console.printf("reproduce (%s): %d studies, %d runs, %d seeds, %d threads, %s; writing to %s%n", protocol.mode(),
                selected.size(), ordered.size(), protocol.seeds(), threads,
                KernelProvider.describe(KernelProvider.selected()), dir);
        console.flush();

        // Provenance now, not at the end: the working tree may change while a long run is under way.
        String commit = GitCommit.describe();
        String started = ZonedDateTime.now().format(DateTimeFormatter.ISO_OFFSET_DATE_TIME);
        ExperimentRunner runner = new ExperimentRunner(protocol);
        long start = System.nanoTime();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        // The bar redraws itself with carriage returns, which in a log file make one line of thousands
        // of frames; where the output is not a terminal, a plain line every tenth of the work instead.
        boolean terminal = System.console() != null && System.console().isTerminal();
        // The bar draws on System.err as it stands (not the process's file descriptor 2, the library's
        // default), so that whoever captures the command's output captures the bar too.
        try (ProgressBar progress = noProgress || !terminal ? null : new ProgressBarBuilder().setTaskName("reproduce")
                .setConsumer(new ConsoleProgressBarConsumer(System.err)).setInitialMax(1000).setUnit(" ‰", 1).continuousUpdate().build()) {
            List<Future<?>> futures = new ArrayList<>();
            double[] done = {0};
            int[] tenthsPrinted = {0};
            for (Study.Work w : ordered) {
                futures.add(pool.submit(() -> {
                    w.action().accept(runner);
                    synchronized (done) {
                        done[0] += w.cost();
                        if (progress != null) {
                            progress.stepTo(Math.round(1000 * done[0] / totalCost));
                        } else if (!noProgress && (int) (10 * done[0] / totalCost) > tenthsPrinted[0]) {
                            tenthsPrinted[0] = (int) (10 * done[0] / totalCost);
                            console.printf("reproduce: %d %% of the work done after %d s%n", 10 * tenthsPrinted[0],
                                    Math.round((System.nanoTime() - start) / 1e9));
                            console.flush();
                        }
                    }
                }));
            }
            for (Future<?> f : futures) {
                try {
                    f.get();
                } catch (ExecutionException e) {
                    throw new Main.StudyFailure(e.getCause());
                }
            }
        } finally {
            pool.shutdownNow();
        }
        Duration took = Duration.ofNanos(System.nanoTime() - start);

        List<Study.StudyReport> sections = new ArrayList<>();
        List<RunRecord> records = new ArrayList<>();
        for (Study study : selected) {
            Study.StudyReport report = study.report(protocol, runner, plots);
            sections.add(report);
            records.addAll(report.records());
        }
        ResultFiles.writeCsv(dir.resolve("results.csv"), records);
        ResultFiles.writeJson(dir.resolve("results.json"), records);
        ReportWriter.write(dir.resolve("report.md"), provenance(protocol, commit, started, took), protocol, sections);
        console.println();
        console.print(ReportWriter.claimsTable(sections));
        console.printf("%ntook %s; report: %s%n", format(took), dir.resolve("report.md"));
        return 0;
    }

    /** Options that change nothing the protocol measures: they leave the mode's label alone. */
    private static final java.util.Set<String> NEUTRAL = java.util.Set.of("--quick", "--full", "--study", "--threads",
            "--out", "--no-progress", "--seeds");

    private Protocol protocol() {
        Protocol.Builder b = mode != null && mode.full ? Protocol.fullBuilder() : Protocol.quickBuilder();
        Protocol base = b.build();
        try {
            set(seeds, b::seeds);
            set(firstSeed, b::firstSeed);
            set(tuningSeeds, b::tuningSeeds);
            set(firstTuningSeed, b::firstTuningSeed);
            set(task == null ? null : Cell.Task.parse(task), b::task);
            set(n, b::n);
            set(k, b::k);
            set(ks, b::ks);
            set(scalingSizes, b::scalingSizes);
            set(spectralSizes, b::spectralSizes);
            if (init != null || gain != null || inputScale != null) {
                Initialization.Kind kind = init == null ? base.init().kind() : switch (init.trim().toLowerCase(java.util.Locale.ROOT)) {
                    case "orthogonal" -> Initialization.Kind.ORTHOGONAL;
                    case "gaussian" -> Initialization.Kind.GAUSSIAN;
                    default -> throw new IllegalArgumentException("--init = " + init + " must be orthogonal or gaussian");
                };
                float g = gain != null ? gain : base.init().recurrentGain();
                float s = inputScale != null ? inputScale : base.init().inputScale();
                b.init(kind == Initialization.Kind.ORTHOGONAL ? Initialization.orthogonal(g, s) : Initialization.gaussian(g, s));
            }
            set(pretrainSteps, b::pretrainSteps);
            set(pretrainWindow, b::pretrainWindow);
            set(pretrainRate, b::pretrainRate);
            set(adaptSteps, b::adaptSteps);
            set(rates, b::rates);
            set(sgdRates, b::sgdRates);
            if (noRateScaling) {
                b.scaleRatesWithN(false);
            }
            set(tuneUpTo, b::tuneUpTo);
            set(maxDamage, b::maxDamage);
            set(warmUp, b::warmUpSteps);
            if (keepMoments) {
                b.keepMoments(true);
            }
            set(failAbove, b::failAbove);
            set(resamples, b::resamples);
            set(omegaBefore, b::omegaBefore);
            set(omegaAfter, b::omegaAfter);
            set(productLagBefore, b::productLagBefore);
            set(productLagAfter, b::productLagAfter);
            set(delayLagBefore, b::delayLagBefore);
            set(delayLagAfter, b::delayLagAfter);
            if (inputs != null) {
                try {
                    b.inputs(InputDistribution.parse(inputs));
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("--inputs = " + inputs + " must be uniform or gaussian");
                }
            }
            set(lorenzN, b::lorenzN);
            set(rhoBefore, b::rhoBefore);
            set(rhoAfter, b::rhoAfter);
            set(lorenzDt, b::lorenzDt);
            set(lorenzSubsteps, b::lorenzSubsteps);
            set(lorenzBurnIn, b::lorenzBurnIn);
            if (bciLost != null || bciReplaced != null || bciGainSpread != null || bciBaselineSpread != null || bciWalk != null) {
                b.bci(bciConfig(base.bci()));
            }
            set(refreshEvery, b::refreshEvery);
            set(spectralSteps, b::spectralSteps);
            set(spectralEvery, b::spectralEvery);
            set(tbpttWindows, b::tbpttWindows);
            set(alignSizes, b::alignSizes);
            set(alignBurnIn, b::alignBurnIn);
            set(alignSteps, b::alignSteps);
            set(alignEvery, b::alignEvery);
            set(alignMaxK, b::alignMaxK);
            set(rfloTau, b::rfloTau);
            set(scopeN, b::scopeN);
            set(scopeLength, b::scopeLength);
            set(scopeSequences, b::scopeSequences);
            set(lstmN, b::lstmN);
            set(bciN, b::bciN);
            set(nwb == null ? null : List.of(nwb), b::nwb);
            set(tfTask == null ? null : parseTfTask(tfTask), b::tfTask);
            set(tfDModel, b::tfDModel);
            set(tfHeads, b::tfHeads);
            set(tfLayers, b::tfLayers);
            set(tfContext, b::tfContext);
            set(tfFractions == null ? null : tfFractions.stream().mapToDouble(v -> fraction("--tf-fractions", v)).toArray(),
                    b::tfFractions);
            set(tfSpecialisedFraction == null ? null : fraction("--tf-specialised-fraction", tfSpecialisedFraction),
                    b::tfSpecialisedFraction);
            set(tfSeeds, b::tfSeeds);
            set(tfTuningSeeds, b::tfTuningSeeds);
            set(tfPretrainSteps, b::tfPretrainSteps);
            set(tfAdaptSteps, b::tfAdaptSteps);
            set(tfRates, b::tfRates);
            set(tfPretrainRate, b::tfPretrainRate);
            set(tfResampleEvery, b::tfResampleEvery);
            set(tfBorderline, b::tfBorderline);
            boolean custom = spec.commandLine().getParseResult().matchedOptions().stream()
                    .anyMatch(o -> !NEUTRAL.contains(o.longestName()));
            return b.mode(custom ? base.mode() + "+custom" : base.mode()).build();
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), option(e.getMessage()));
        }
    }

    /** The synthetic recording's drift with the options given; each value checked and named on its own. */
    private org.sparsertrl.harness.task.BciStream.Config bciConfig(org.sparsertrl.harness.task.BciStream.Config c) {
        double lost = checkFraction("--bci-lost", bciLost, c.lostFraction());
        double replaced = checkFraction("--bci-replaced", bciReplaced, c.replacedFraction());
        if (lost + replaced > 1) {
            throw new IllegalArgumentException("--bci-lost = " + lost + " and --bci-replaced = " + replaced
                    + " must sum to at most 1");
        }
        return new org.sparsertrl.harness.task.BciStream.Config(c.channels(), c.binMs(), c.targets(), c.reachCm(),
                c.reachMs(), c.holdMs(), c.sqrtTransform(), lost, replaced,
                checkSpread("--bci-gain-spread", bciGainSpread, c.gainSpread()),
                checkSpread("--bci-baseline-spread", bciBaselineSpread, c.baselineSpread()),
                checkSpread("--bci-walk", bciWalk, c.walkPerBin()));
    }

    private static Cell.Task parseTfTask(String name) {
        try {
            return Cell.Task.parse(name);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--tf-task = " + name + " must be product, delay or sine");
        }
    }

    /** {@code 0.5}, {@code 1/2} or {@code 0}: a number or a quotient of two whole numbers. */
    static double fraction(String option, String text) {
        String t = text.trim();
        try {
            int slash = t.indexOf('/');
            return slash < 0 ? Double.parseDouble(t)
                    : Integer.parseInt(t.substring(0, slash).trim()) / (double) Integer.parseInt(t.substring(slash + 1).trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + " = " + text + " must be a number such as 0.5 or a fraction such as 1/2");
        }
    }

    private static double checkFraction(String option, Double value, double fallback) {
        if (value == null) {
            return fallback;
        }
        if (!(value >= 0 && value <= 1)) {
            throw new IllegalArgumentException(option + " = " + value + " must be in [0, 1]");
        }
        return value;
    }

    private static double checkSpread(String option, Double value, double fallback) {
        if (value == null) {
            return fallback;
        }
        if (!(value >= 0 && Double.isFinite(value))) {
            throw new IllegalArgumentException(option + " = " + value + " must be finite and >= 0");
        }
        return value;
    }

    private static <T> void set(T value, java.util.function.Consumer<T> setter) {
        if (value != null) {
            setter.accept(value);
        }
    }

    /** The protocol names its values as fields (productLagBefore); the message names the option (--product-lag-before). */
    static String option(String message) {
        int space = message.indexOf(' ');
        if (space <= 0 || message.startsWith("--")) {
            return message;
        }
        String field = message.substring(0, space);
        String flag = switch (field) {
            case "pretrainRate" -> "--pretrain-lr";
            case "warmUpSteps" -> "--warm-up";
            case "tbpttWindows", "rates", "sgdRates", "ks", "scalingSizes", "spectralSizes", "seeds", "tuningSeeds",
                 "firstSeed", "firstTuningSeed", "n", "k", "maxDamage", "failAbove", "resamples", "pretrainSteps",
                 "pretrainWindow", "adaptSteps", "omegaBefore", "omegaAfter", "productLagBefore", "productLagAfter",
                 "delayLagBefore", "delayLagAfter", "lorenzN", "rhoBefore", "rhoAfter", "refreshEvery", "spectralSteps",
                 "spectralEvery", "rfloTau", "scopeN", "scopeLength", "scopeSequences", "lstmN", "bciN", "recurrentGain",
                 "inputScale", "tuneUpTo", "lorenzDt", "lorenzSubsteps", "lorenzBurnIn", "alignSizes", "alignBurnIn", "alignSteps", "alignEvery", "alignMaxK",
                 "tfDModel", "tfHeads", "tfLayers", "tfContext", "tfFractions", "tfSpecialisedFraction", "tfSeeds", "tfTuningSeeds",
                 "tfPretrainSteps", "tfAdaptSteps", "tfRates", "tfResampleEvery", "tfBorderline" -> "--" + field.replaceAll("([A-Z])", "-$1").toLowerCase(java.util.Locale.ROOT);
            case "tfPretrainRate" -> "--tf-pretrain-lr";
            default -> null;
        };
        if (flag == null) {
            return message;
        }
        flag = flag.replace("--recurrent-gain", "--gain");
        return flag + message.substring(space);
    }

    private List<Study> selectedStudies() {
        boolean given = spec.commandLine().getParseResult().hasMatchedOption("--study");
        if (!given) {
            return Studies.all();
        }
        List<Study> chosen = new ArrayList<>();
        for (String name : studies) {
            if (name.isBlank()) {
                continue; // "a,,b" names a and b
            }
            try {
                Study study = Studies.named(name.trim());
                if (!chosen.contains(study)) {
                    chosen.add(study);
                }
            } catch (IllegalArgumentException e) {
                throw new ParameterException(spec.commandLine(), e.getMessage());
            }
        }
        if (chosen.isEmpty()) {
            throw new ParameterException(spec.commandLine(), "--study = '"
                    + String.join(" ", spec.commandLine().getParseResult().matchedOption("--study").originalStringValues())
                    + "' names no study; valid: " + String.join(", ", Studies.names()));
        }
        // Report order is the registry's, whatever the order on the command line.
        return Studies.all().stream().filter(s -> chosen.stream().anyMatch(c -> c.name().equals(s.name()))).toList();
    }

    private Map<String, String> provenance(Protocol protocol, String commit, String started, Duration took) {
        Map<String, String> lines = new LinkedHashMap<>();
        lines.put("command", "`./rtrl " + String.join(" ", spec.commandLine().getParseResult().originalArgs()) + "`");
        lines.put("commit", commit);
        lines.put("started", started);
        lines.put("machine", Runtime.getRuntime().availableProcessors() + " processors, " + System.getProperty("os.name")
                + " " + System.getProperty("os.arch") + ", JDK " + Runtime.version());
        lines.put("kernels", KernelProvider.describe(KernelProvider.selected()));
        lines.put("time taken", format(took) + " on " + threads + " threads (" + protocol.mode() + " mode)");
        return lines;
    }

    static String format(Duration d) {
        long s = d.toSeconds();
        return s < 120 ? s + " s" : String.format("%d min %02d s", s / 60, s % 60);
    }
}
