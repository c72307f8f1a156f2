package org.sparsertrl.harness.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.sparsertrl.engine.kernel.KernelProvider;
import org.sparsertrl.harness.cli.GitCommit;
import org.sparsertrl.harness.report.ResultFiles;

/**
 * Turns the JMH results of bench/run into bench/REPORT.md and plots: time per step of every learner
 * against n, each against the machine's own limits measured by the two probes (peak FMA throughput,
 * memory bandwidth), the speed-ups, the fitted growth exponents, and every performance target of
 * the project with its measured value. The steps: {@link JmhResult} reads the JSON and
 * {@link Measurements} groups it, {@link PerformanceModel} says what a step must compute or move,
 * {@link Targets} holds the targets and judges them, {@link ReportRenderer} writes the page and plots;
 * this class adds the run's environment and writes the files.
 *
 * <p>The machine's figures (CPU, cores, JDK, vector width, commit) are those recorded beside the results
 * when they were measured ({@link MachineRecord}: {@code quick-machine.json} beside {@code quick.json}),
 * never the renderer's own; results without a record (measured before records existed) are converted
 * with the renderer's vector width, and the page says so.
 *
 * <p>bench/run runs it; to write the report again from results already measured:
 * <pre>{@code
 * source harness/target/rtrl.launch    # written by ./rtrl's build
 * "$RTRL_JAVA" "${RTRL_JVM_FLAGS[@]}" -cp "$RTRL_CLASSPATH" org.sparsertrl.harness.bench.BenchmarkReport \
 *     bench/results/quick.json bench/REPORT.md bench/plots "bench/run --quick" bench/results/quick-embedded.json \
 *     bench/results/quick-transformer.json --peers bench/results/quick-peers.json
 * }</pre>
 * The transformer part (bench/run measures it in a JMH run of its own, which {@code --only transformer}
 * repeats alone), the peers ({@code --peers FILE}, bench/peers.py's results) and the ceilings
 * ({@code --ceilings FILE}: SparsePatternProbe in a JMH run of its own, which {@code --only ceilings}
 * repeats alone) are optional.
 */
public final class BenchmarkReport {

    private static final String USAGE = "usage: BenchmarkReport RESULTS.json REPORT.md PLOTS_DIR COMMAND "
            + "[EMBEDDED.json [TRANSFORMER.json]] [--peers PEERS.json] [--ceilings CEILINGS.json]";

    private BenchmarkReport() {
    }

    public static void main(String[] args) throws IOException {
        List<String> positional = new ArrayList<>();
        String peersFile = null, ceilings = null;
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--peers") && i + 1 < args.length) {
                peersFile = args[++i];
            } else if (args[i].equals("--ceilings") && i + 1 < args.length) {
                ceilings = args[++i];
            } else if (args[i].startsWith("--")) {
                System.err.println(USAGE + " (unknown option " + args[i] + ")");
                System.exit(2);
            } else {
                positional.add(args[i]);
            }
        }
        if (positional.size() < 4 || positional.size() > 6) {
            System.err.println(USAGE);
            System.exit(2);
        }
        Path results = Path.of(positional.get(0)), report = Path.of(positional.get(1)), plots = Path.of(positional.get(2));
        Files.createDirectories(plots);
        List<JmhResult> rows = new ArrayList<>(JmhResult.read(results));
        String transformer = positional.size() == 6 ? positional.get(5) : null;
        if (transformer != null) {
            rows.addAll(JmhResult.read(Path.of(transformer))); // read last: its rows replace any in RESULTS.json
        }
        if (ceilings != null) {
            rows.addAll(JmhResult.read(Path.of(ceilings)));
        }
        MachineRecord machine = record(results);
        Peers peers = peersFile == null ? null : Peers.read(Path.of(peersFile));
        Measurements m = new Measurements(rows, machine == null ? KernelProvider.vector().lanes() : machine.lanes(), peers);
        List<EmbeddedResult> embedded = positional.size() >= 5 ? EmbeddedResult.read(Path.of(positional.get(4))) : List.of();
        Path root = report.toAbsolutePath().getParent().getParent();
        Map<String, String> environment = environment(positional.get(3), shown(positional.get(0), root), machine,
                shown(transformer, root), transformer == null ? null : record(Path.of(transformer)),
                shown(peersFile, root), peers, peersFile == null ? null : MachineRecord.readInside(Path.of(peersFile)),
                shown(ceilings, root), ceilings == null ? null : record(Path.of(ceilings)));
        String markdown = render(m, embedded, environment, plots,
                report.toAbsolutePath().getParent().relativize(plots.toAbsolutePath()).toString());
        ResultFiles.writeAtomically(report, markdown.getBytes(StandardCharsets.UTF_8));
        System.out.println(ReportRenderer.headline(m));
        System.out.println("report: " + report);
    }

    /**
     * {@code file} as the page shows it: relative to {@code root} (the checkout the report is written into) when
     * it lies inside it, so that a report written in a scratch clone names bench/results/..., not the clone.
     */
    static String shown(String file, Path root) {
        if (file == null) {
            return null;
        }
        Path path = Path.of(file).toAbsolutePath().normalize();
        return root != null && path.startsWith(root.normalize()) ? root.normalize().relativize(path).toString() : file;
    }

    /** The machine record beside {@code results}, or null if there is none. */
    private static MachineRecord record(Path results) throws IOException {
        Path file = MachineRecord.besides(results);
        return Files.exists(file) ? MachineRecord.read(file) : null;
    }

    /**
     * The page for one run's measurements, judged against the project's {@link Targets} and rendered
     * by {@link ReportRenderer}; the plots are written into {@code plots}.
     */
    static String render(Measurements m, List<EmbeddedResult> embedded, Map<String, String> environment,
                         Path plots, String plotsLink) throws IOException {
        return ReportRenderer.render(m, Targets.judge(Targets.PROJECT, m), embedded, environment, plots, plotsLink);
    }

    /**
     * The run's provenance and machine: from {@code machine}, the record taken when the results were
     * measured, or, for results measured before records existed (null), the renderer's own machine, said so.
     * {@code transformer} is the transformer part's results (or null) and {@code transformerMachine} its
     * record; {@code peersFile} the peers' results file, {@code peers} what it holds (its versions, and
     * when and at which commit it was measured) and {@code peersMachine} the record inside it, null without
     * peers; {@code ceilings} and {@code ceilingsMachine} the ceilings part's, as the transformer's. A part
     * measured on another CPU than the main results' says so ({@link #onAnotherCpu}).
     */
    static Map<String, String> environment(String command, String results, MachineRecord machine, String transformer,
                                           MachineRecord transformerMachine, String peersFile, Peers peers,
                                           MachineRecord peersMachine, String ceilings, MachineRecord ceilingsMachine) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("command", "`" + command + "` (results: `" + results + "`)");
        if (transformer != null) {
            env.put("transformer part", part(transformer, "TransformerStepBenchmark", command, "transformer",
                    transformerMachine, machine));
        }
        if (peersFile != null) {
            env.put("peers", "`" + peersFile + "` (bench/peers.py; `" + command + " --peers` measures them again)"
                    + (peers.available() ? "; " + peers.description() + onAnotherCpu(peersMachine, machine)
                    : "; not measured: " + peers.reason()));
        }
        String renderedAt = GitCommit.describe("bench/REPORT.md", "bench/plots", "bench/results");
        String written = ZonedDateTime.now().format(DateTimeFormatter.ISO_OFFSET_DATE_TIME);
        if (machine != null) {
            env.put("commit", machine.commit() + " (when measured)");
            env.put("measured", machine.measured());
            env.put("report written", written + " at commit " + renderedAt);
            env.put("CPU", machine.cpuLine());
            env.put("cores", machine.coresLine());
            env.put("JDK", machine.jdk());
            env.put("kernels", machine.kernels());
            env.put("OS", machine.os());
        } else {
            MachineRecord here = MachineRecord.measure();
            env.put("commit", renderedAt);
            env.put("report written", written);
            env.put("machine", "not recorded with the results: the lines below describe the machine that wrote this page");
            env.put("CPU", here.cpuLine());
            env.put("cores", String.valueOf(here.availableProcessors()));
            env.put("JDK", here.jdk());
            env.put("kernels", here.kernels());
        }
        env.put("threads", "one per benchmark unless it says otherwise");
        if (ceilings != null) {
            env.put("ceilings part", part(ceilings, "SparsePatternProbe", command, "ceilings", ceilingsMachine, machine));
        }
        return env;
    }

    /**
     * The line for a part measured in a JMH run of its own ({@code benchmark} alone, {@code command --only
     * only} again): its file, and when and at which commit it was measured, with the machine if not the
     * main results' ({@code machine}).
     */
    private static String part(String file, String benchmark, String command, String only, MachineRecord record,
                               MachineRecord machine) {
        return "`" + file + "` (" + benchmark + " alone; `" + command + " --only " + only
                + "` measures it again and rewrites this page from the other results as they are)"
                + (record == null ? "" : "; measured " + record.measured() + " at commit " + record.commit()
                + onAnotherCpu(record, machine));
    }

    /**
     * Nothing when {@code record} (a part's) has the main results' CPU ({@code machine}); else that it was measured
     * on another, which, and how the two differ: its figures do not stand beside the main results'.
     */
    static String onAnotherCpu(MachineRecord record, MachineRecord machine) {
        if (record == null) {
            return "";
        }
        String difference = machine == null ? null : record.cpuDifference(machine, "this part", "the main results");
        if (machine != null && difference == null) {
            return "";
        }
        return " on " + record.cpuLine() + ", " + record.kernels()
                + (difference == null ? "" : " (not the main results' CPU: " + difference + ")");
    }
}
