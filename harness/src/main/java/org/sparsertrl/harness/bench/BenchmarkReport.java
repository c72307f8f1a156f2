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
 * <p>bench/run runs it; to write the report again from results already measured:
 * <pre>{@code
 * source harness/target/rtrl.launch    # written by ./rtrl's build
 * "$RTRL_JAVA" "${RTRL_JVM_FLAGS[@]}" -cp "$RTRL_CLASSPATH" org.sparsertrl.harness.bench.BenchmarkReport \
 *     bench/results/quick.json bench/REPORT.md bench/plots "bench/run --quick" bench/results/quick-embedded.json \
 *     bench/results/quick-transformer.json
 * }</pre>
 * The last file, the transformer part, is optional (bench/run measures it in a JMH run of its own, which
 * {@code --only transformer} repeats alone).
 */
public final class BenchmarkReport {

    private BenchmarkReport() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length < 4 || args.length > 6) {
            System.err.println("usage: BenchmarkReport RESULTS.json REPORT.md PLOTS_DIR COMMAND [EMBEDDED.json [TRANSFORMER.json]]");
            System.exit(2);
        }
        Path plots = Path.of(args[2]);
        Files.createDirectories(plots);
        List<JmhResult> rows = new ArrayList<>(JmhResult.read(Path.of(args[0])));
        String transformer = args.length == 6 ? args[5] : null;
        if (transformer != null) {
            rows.addAll(JmhResult.read(Path.of(transformer))); // read last: its rows replace any in RESULTS.json
        }
        Measurements m = new Measurements(rows, KernelProvider.vector().lanes());
        List<EmbeddedResult> embedded = args.length >= 5 ? EmbeddedResult.read(Path.of(args[4])) : List.of();
        String markdown = render(m, embedded, environment(args[3], args[0], transformer), plots,
                Path.of(args[1]).toAbsolutePath().getParent().relativize(plots.toAbsolutePath()).toString());
        ResultFiles.writeAtomically(Path.of(args[1]), markdown.getBytes(StandardCharsets.UTF_8));
        System.out.println(ReportRenderer.headline(m));
        System.out.println("report: " + args[1]);
    }

    /**
     * The page for one run's measurements, judged against the project's {@link Targets} and rendered
     * by {@link ReportRenderer}; the plots are written into {@code plots}.
     */
    static String render(Measurements m, List<EmbeddedResult> embedded, Map<String, String> environment,
                         Path plots, String plotsLink) throws IOException {
        return ReportRenderer.render(m, Targets.judge(Targets.PROJECT, m), embedded, environment, plots, plotsLink);
    }

    /** Machine, JDK, vector width and provenance of a run; {@code transformer} is the transformer part's results, or null. */
    static Map<String, String> environment(String command, String results, String transformer) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("command", "`" + command + "` (results: `" + results + "`)");
        if (transformer != null) {
            env.put("transformer part", "`" + transformer + "` (TransformerStepBenchmark alone; `" + command
                    + " --only transformer` measures it again and rewrites this page from the other results as they are)");
        }
        env.put("commit", GitCommit.describe("bench/REPORT.md", "bench/plots", "bench/results"));
        env.put("report written", ZonedDateTime.now().format(DateTimeFormatter.ISO_OFFSET_DATE_TIME));
        env.put("CPU", cpu());
        env.put("cores", String.valueOf(Runtime.getRuntime().availableProcessors()));
        env.put("JDK", Runtime.version() + " (" + System.getProperty("java.vm.name") + ")");
        env.put("kernels", KernelProvider.describe(KernelProvider.vector()));
        env.put("threads", "one per benchmark unless it says otherwise");
        return env;
    }

    private static String cpu() {
        try {
            String model = "", flags = "";
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (model.isEmpty() && line.startsWith("model name")) {
                    model = line.substring(line.indexOf(':') + 1).trim();
                }
                if (flags.isEmpty() && line.startsWith("flags")) {
                    List<String> wanted = new ArrayList<>();
                    for (String f : line.substring(line.indexOf(':') + 1).trim().split(" ")) {
                        if (f.equals("fma") || f.startsWith("avx")) {
                            wanted.add(f);
                        }
                    }
                    flags = String.join(" ", wanted);
                }
            }
            return model + "; flags: " + flags;
        } catch (IOException e) {
            return System.getProperty("os.arch");
        }
    }
}
