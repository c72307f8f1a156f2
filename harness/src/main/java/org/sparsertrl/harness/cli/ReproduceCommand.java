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

import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import org.sparsertrl.engine.kernel.KernelProvider;
import org.sparsertrl.harness.report.ReportWriter;
import org.sparsertrl.harness.report.ResultFiles;
import org.sparsertrl.harness.report.RunRecord;
import org.sparsertrl.harness.study.ExperimentRunner;
import org.sparsertrl.harness.study.Protocol;
import org.sparsertrl.harness.study.Studies;
import org.sparsertrl.harness.study.Study;

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
            "Studies: adaptation, selection, scaling, optimizer, lorenz, spectral, subset, bci, baselines, scope, lstm (default: all)."})
public final class ReproduceCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    static final class Mode {
        @Option(names = "--quick", description = "The single-size studies at n = 64, scaling up to n = 64: about a minute on two cores (the default).")
        boolean quick;

        @Option(names = "--full", description = "The paper's sizes (n = 64, scaling to 256): about an hour on two cores.")
        boolean full;
    }

    @ArgGroup(exclusive = true)
    Mode mode;

    @Option(names = "--study", split = ",", paramLabel = "NAME", description = "Run only these studies (repeatable or comma-separated).")
    List<String> studies = new ArrayList<>();

    @Option(names = "--seeds", description = "Seeds per setting (default: 5).")
    Integer seeds;

    @Option(names = "--threads", description = "Worker threads (default: the available processors).")
    int threads = Runtime.getRuntime().availableProcessors();

    @Option(names = "--out", paramLabel = "DIR", description = "Output folder (default: reports/reproduce-<mode>).")
    Path out;

    @Option(names = "--no-progress", description = "No progress bar (for logs).")
    boolean noProgress;

    @Option(names = "--n", description = "Hidden units of the single-size studies.")
    Integer n;

    @Option(names = "--k", description = "k of the selection, scaling, optimizer, Lorenz and subset studies.")
    Integer k;

    @Option(names = "--ks", split = ",", description = "k values of the adaptation study.")
    int[] ks;

    @Option(names = "--scaling-sizes", split = ",", description = "n values of the scaling study.")
    int[] scalingSizes;

    @Option(names = "--spectral-sizes", split = ",", description = "n values of the spectral study.")
    int[] spectralSizes;

    @Option(names = "--pretrain-steps", description = "Pre-training steps on regime A.")
    Integer pretrainSteps;

    @Option(names = "--adapt-steps", description = "Adaptation window on regime B.")
    Integer adaptSteps;

    @Option(names = "--lr", description = "Adam learning rate.")
    Float learningRate;

    @Option(names = "--sgd-lr", description = "SGD learning rate (optimizer study).")
    Float sgdLearningRate;

    @Option(names = "--gain", description = "Initial recurrent gain: W ~ N(0, gain^2 / n).")
    Float gain;

    @Option(names = "--omega-before", description = "Sine: radians per step on regime A.")
    Double omegaBefore;

    @Option(names = "--omega-after", description = "Sine: radians per step on regime B.")
    Double omegaAfter;

    @Option(names = "--lorenz-n", description = "Hidden units of the Lorenz study.")
    Integer lorenzN;

    @Option(names = "--rho-before", description = "Lorenz rho on regime A.")
    Double rhoBefore;

    @Option(names = "--rho-after", description = "Lorenz rho on regime B.")
    Double rhoAfter;

    @Option(names = "--refresh-every", description = "Steps between path refreshes (selection study).")
    Integer refreshEvery;

    @Option(names = "--spectral-steps", description = "Trajectory length of the spectral study.")
    Integer spectralSteps;

    @Option(names = "--spectral-every", description = "Steps between sampled Jacobians.")
    Integer spectralEvery;

    @Option(names = "--tbptt-window", description = "Steps truncated BPTT looks back (baselines study).")
    Integer tbpttWindow;

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

    @Override
    public Integer call() throws IOException, InterruptedException {
        PrintWriter console = spec.commandLine().getOut();
        Protocol protocol = protocol();
        List<Study> selected = selectedStudies();
        if (threads < 1) {
            throw new ParameterException(spec.commandLine(), "--threads = " + threads + " must be >= 1");
        }
        Path dir = out != null ? out : Path.of("reports", "reproduce-" + protocol.mode());
        Path plots = dir.resolve("plots");
        Files.createDirectories(plots);

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
        try (ProgressBar progress = noProgress ? null : new ProgressBarBuilder().setTaskName("reproduce")
                .setInitialMax(1000).setUnit(" ‰", 1).continuousUpdate().build()) {
            List<Future<?>> futures = new ArrayList<>();
            double[] done = {0};
            for (Study.Work w : ordered) {
                futures.add(pool.submit(() -> {
                    w.action().accept(runner);
                    if (progress != null) {
                        synchronized (done) {
                            done[0] += w.cost();
                            progress.stepTo(Math.round(1000 * done[0] / totalCost));
                        }
                    }
                }));
            }
            for (Future<?> f : futures) {
                try {
                    f.get();
                } catch (ExecutionException e) {
                    throw new IllegalStateException("a run failed: " + e.getCause().getMessage(), e.getCause());
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

    private Protocol protocol() {
        Protocol base = mode != null && mode.full ? Protocol.full() : Protocol.quick();
        try {
            return new Protocol(defaultsOnly() ? base.mode() : base.mode() + "+custom",
                    or(seeds, base.seeds()), or(n, base.n()), ks != null ? ks : base.ks(), or(k, base.k()),
                    scalingSizes != null ? scalingSizes : base.scalingSizes(),
                    spectralSizes != null ? spectralSizes : base.spectralSizes(),
                    or(pretrainSteps, base.pretrainSteps()), base.annealFraction(), or(adaptSteps, base.adaptSteps()),
                    or(learningRate, base.learningRate()), or(sgdLearningRate, base.sgdLearningRate()),
                    or(gain, base.recurrentGain()), or(omegaBefore, base.omegaBefore()),
                    or(omegaAfter, base.omegaAfter()), or(lorenzN, base.lorenzN()), or(rhoBefore, base.rhoBefore()),
                    or(rhoAfter, base.rhoAfter()), base.lorenzDt(), base.lorenzSubsteps(), base.lorenzBurnIn(),
                    or(refreshEvery, base.refreshEvery()), or(spectralSteps, base.spectralSteps()),
                    or(spectralEvery, base.spectralEvery()), base.curveBins(), base.undefinedBelow(),
                    or(tbpttWindow, base.tbpttWindow()), or(rfloTau, base.rfloTau()),
                    or(scopeN, base.scopeN()), or(scopeLength, base.scopeLength()), or(scopeSequences, base.scopeSequences()),
                    or(lstmN, base.lstmN()), or(bciN, base.bciN()), base.bci(), nwb != null ? java.util.List.of(nwb) : base.nwb());
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
    }

    /** True unless an option other than --seeds changed the preset. */
    private boolean defaultsOnly() {
        return n == null && k == null && ks == null && scalingSizes == null && spectralSizes == null
                && pretrainSteps == null && adaptSteps == null && learningRate == null && sgdLearningRate == null
                && gain == null && omegaBefore == null && omegaAfter == null && lorenzN == null && rhoBefore == null
                && rhoAfter == null && refreshEvery == null && spectralSteps == null && spectralEvery == null
                && tbpttWindow == null && rfloTau == null && scopeN == null && scopeLength == null
                && scopeSequences == null && lstmN == null && bciN == null && nwb == null;
    }

    private static <T> T or(T value, T fallback) {
        return value != null ? value : fallback;
    }

    private List<Study> selectedStudies() {
        if (studies.isEmpty()) {
            return Studies.all();
        }
        List<Study> chosen = new ArrayList<>();
        for (String name : studies) {
            try {
                Study study = Studies.named(name.trim());
                if (!chosen.contains(study)) {
                    chosen.add(study);
                }
            } catch (IllegalArgumentException e) {
                throw new ParameterException(spec.commandLine(), e.getMessage());
            }
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
