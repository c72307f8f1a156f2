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
import java.util.TreeMap;

import org.sparsertrl.engine.kernel.KernelProvider;
import org.sparsertrl.harness.cli.GitCommit;
import org.sparsertrl.harness.report.MarkdownTable;
import org.sparsertrl.harness.report.Plots;
import org.sparsertrl.harness.report.ResultFiles;

/**
 * Turns the JMH results of bench/run into bench/REPORT.md and plots: time per step of every learner
 * against n, each against the machine's own limits measured by the two probes (peak FMA throughput,
 * memory bandwidth), the speed-ups, the fitted growth exponents, and every performance target of
 * the project with its measured value.
 *
 * <p>bench/run runs it; to write the report again from results already measured:
 * <pre>{@code
 * source harness/target/rtrl.launch    # written by ./rtrl's build
 * "$RTRL_JAVA" "${RTRL_JVM_FLAGS[@]}" -cp "$RTRL_CLASSPATH" org.sparsertrl.harness.bench.BenchmarkReport \
 *     bench/results/quick.json bench/REPORT.md bench/plots "bench/run --quick" bench/results/quick-embedded.json
 * }</pre>
 */
public final class BenchmarkReport {

    /** Inputs of the benchmarked networks (StepBenchmark's m). */
    static final int M = 4;

    private BenchmarkReport() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 4 && args.length != 5) {
            System.err.println("usage: BenchmarkReport RESULTS.json REPORT.md PLOTS_DIR COMMAND [EMBEDDED.json]");
            System.exit(2);
        }
        Path plots = Path.of(args[2]);
        Files.createDirectories(plots);
        List<JmhResult> results = JmhResult.read(Path.of(args[0]));
        List<EmbeddedResult> embedded = args.length == 5 ? EmbeddedResult.read(Path.of(args[4])) : List.of();
        String markdown = render(results, embedded, environment(args[3], args[0]), plots,
                Path.of(args[1]).toAbsolutePath().getParent().relativize(plots.toAbsolutePath()).toString(),
                KernelProvider.vector().lanes());
        ResultFiles.writeAtomically(Path.of(args[1]), markdown.getBytes(StandardCharsets.UTF_8));
        System.out.println(headline(new Measurements(results, KernelProvider.vector().lanes())));
        System.out.println("report: " + args[1]);
    }

    /** Width of a row of J (padded recurrent parameters) for n hidden units and m = 4 inputs. */
    static long width(int n) {
        long nPad = (n + 15) / 16 * 16, mPad = (M + 15) / 16 * 16;
        return n * (nPad + mPad) + nPad;
    }

    /** Multiply-adds of full RTRL's W J product, times two: its flops per step. */
    static double fullFlops(int n) {
        return 2.0 * n * n * width(n);
    }

    /** Bytes a per-row sparse step must move: J read once and written once. */
    static double sparseBytes(int n) {
        return 8.0 * n * width(n);
    }

    /** Bytes a subset step must move: k stored rows read once and written once. */
    static double subsetBytes(int n, int k) {
        return 8.0 * k * width(n);
    }

    /** The figures the report is built from. */
    static final class Measurements {
        final double peakGflops;
        final double triadGBs;
        final double copyGBs;
        final double copyTwoThreadsGBs;
        final Map<String, TreeMap<Integer, JmhResult>> steps = new LinkedHashMap<>();
        final Map<String, Map<Integer, JmhResult>> threads = new LinkedHashMap<>();
        /** GatedStepBenchmark: cell, then learner, then n. */
        final Map<String, Map<String, TreeMap<Integer, JmhResult>>> gated = new TreeMap<>();
        final List<JmhResult> kernels = new ArrayList<>();

        /** {@code lanes}: floats per vector on the machine that ran PeakProbe (one FMA is 2 lanes' flops). */
        Measurements(List<JmhResult> results, int lanes) {
            double peak = Double.NaN, triad = Double.NaN, copy = Double.NaN, copy2 = Double.NaN;
            for (JmhResult r : results) {
                switch (r.benchmark()) {
                    case "PeakProbe.fma" -> peak = r.score() * 2 * lanes / 1e9;
                    case "BandwidthProbe.triad" -> triad = r.score() * 12 / 1e9;
                    case "BandwidthProbe.copy" -> copy = r.score() * 8 / 1e9;
                    case "BandwidthProbe.copyTwoThreads" -> copy2 = r.score() * 8 / 1e9;
                    case "StepBenchmark.step", "LargeSubsetBenchmark.step" -> steps
                            .computeIfAbsent(r.param("learner"), k -> new TreeMap<>()).put(Integer.parseInt(r.param("n")), r);
                    case "GatedStepBenchmark.step" -> gated.computeIfAbsent(r.param("cell"), k -> new LinkedHashMap<>())
                            .computeIfAbsent(r.param("learner"), k -> new TreeMap<>()).put(Integer.parseInt(r.param("n")), r);
                    case "ThreadsBenchmark.step" -> threads.computeIfAbsent(r.param("shape"), k -> new TreeMap<>())
                            .put(Integer.parseInt(r.param("threads")), r);
                    default -> {
                        if (r.benchmark().startsWith("KernelBenchmark.")) {
                            kernels.add(r);
                        }
                    }
                }
            }
            peakGflops = peak;
            triadGBs = triad;
            copyGBs = copy;
            copyTwoThreadsGBs = copy2;
        }

        double micros(String learner, int n) {
            TreeMap<Integer, JmhResult> byN = steps.get(learner);
            JmhResult r = byN == null ? null : byN.get(n);
            return r == null ? Double.NaN : r.score();
        }
    }

    /** A target: what is required, what was measured, whether it is met. */
    record Target(String what, String required, String measured, boolean met) {
    }

    static List<Target> targets(Measurements m) {
        List<Target> out = new ArrayList<>();
        for (int n : new int[] {64, 128}) {
            double gflops = fullFlops(n) / (m.micros("full", n) * 1e3);
            double share = gflops / m.peakGflops;
            out.add(new Target("full RTRL, n = " + n + ", one thread: share of peak FMA", ">= 70 %",
                    String.format("%.0f %% (%.1f of %.1f GFLOP/s)", 100 * share, gflops, m.peakGflops), share >= 0.70));
        }
        double sparseMicros = m.micros("sparse-4", 256);
        double bound = sparseBytes(256) / (m.triadGBs * 1e3);
        out.add(new Target("sparse k = 4, n = 256: share of the bandwidth bound (J read and written once, at the triad rate)",
                ">= 70 %", String.format("%.0f %% (%.0f us against a bound of %.0f us; %.0f %% at the copy rate)",
                100 * bound / sparseMicros, sparseMicros, bound, 100 * sparseBytes(256) / (m.copyGBs * 1e3) / sparseMicros),
                bound / sparseMicros >= 0.70));
        int[] sizes = {64, 128, 256};
        double[] required = {8, 12, 10};
        for (int i = 0; i < sizes.length; i++) {
            double speedup = m.micros("full", sizes[i]) / m.micros("sparse-4", sizes[i]);
            double ceiling = m.micros("full", sizes[i]) / (sparseBytes(sizes[i]) / (m.copyGBs * 1e3));
            out.add(new Target("speed-up of sparse k = 4 over full RTRL, n = " + sizes[i], ">= " + (int) required[i] + "x",
                    String.format("%.1fx (a sparse step moving J at the copy rate would give %.0fx)", speedup, ceiling),
                    speedup >= required[i]));
        }
        double subset = m.micros("subset-4", 1024), full64 = m.micros("full", 64);
        out.add(new Target("subset k = 4 at n = 1024 faster than full RTRL at n = 64", "faster",
                String.format("%.0f us against %.0f us (moving its 8 k p bytes at the copy rate takes %.0f us)", subset,
                        full64, subsetBytes(1024, 4) / (m.copyGBs * 1e3)), subset < full64));
        String[] shapes = {"full@128", "sparse-4@256"};
        double[] needed = {1.7, 1.4};
        for (int i = 0; i < shapes.length; i++) {
            Map<Integer, JmhResult> t = m.threads.get(shapes[i]);
            double speedup = t == null || !t.containsKey(1) || !t.containsKey(2) ? Double.NaN
                    : t.get(1).score() / t.get(2).score();
            String limit = i == 1 && Double.isFinite(m.copyTwoThreadsGBs)
                    ? String.format(" (two threads copy at %.2fx the rate of one)", m.copyTwoThreadsGBs / m.copyGBs) : "";
            out.add(new Target("two threads over one, " + shapes[i].replace("@", ", n = "), ">= " + needed[i] + "x",
                    String.format("%.2fx%s", speedup, limit), speedup >= needed[i]));
        }
        double worst = 0;
        String worstAt = "";
        int counted = 0;
        for (var e : m.steps.entrySet()) {
            for (var r : e.getValue().entrySet()) {
                double bytes = r.getValue().steppingBytesPerOp();
                if (Double.isNaN(bytes)) {
                    continue;
                }
                counted++;
                if (bytes > worst) {
                    worst = bytes;
                    worstAt = e.getKey() + " at n = " + r.getKey();
                }
            }
        }
        out.add(new Target("bytes allocated per step by the stepping thread, every learner and n", "0",
                counted == 0 ? "not measured" : String.format("at most %.3f B/step%s", worst,
                        worstAt.isEmpty() ? "" : " (" + worstAt + ")"), counted > 0 && worst == 0));
        double[][] slopeSpecs = {{4, 64, 256}, {3, 64, 256}, {2, 128, 1024}};
        String[] learners = {"full", "sparse-4", "subset-4"};
        for (int i = 0; i < learners.length; i++) {
            double slope = slope(m.steps.get(learners[i]), (int) slopeSpecs[i][1], (int) slopeSpecs[i][2]);
            out.add(new Target("log-log slope of time per step against n, " + learners[i] + " (n = "
                    + (int) slopeSpecs[i][1] + " to " + (int) slopeSpecs[i][2] + ")", "about " + (int) slopeSpecs[i][0],
                    String.format("%.2f", slope), Math.abs(slope - slopeSpecs[i][0]) <= 0.5));
        }
        return out;
    }

    /** Least-squares slope of ln(time) against ln(n) over n in [from, to]. */
    static double slope(TreeMap<Integer, JmhResult> byN, int from, int to) {
        if (byN == null) {
            return Double.NaN;
        }
        double sx = 0, sy = 0, sxx = 0, sxy = 0;
        int count = 0;
        for (var e : byN.subMap(from, true, to, true).entrySet()) {
            double x = Math.log(e.getKey()), y = Math.log(e.getValue().score());
            sx += x;
            sy += y;
            sxx += x * x;
            sxy += x * y;
            count++;
        }
        return count < 2 ? Double.NaN : (count * sxy - sx * sy) / (count * sxx - sx * sx);
    }

    /** The headline table: time per step of each learner at each n. */
    static String headline(Measurements m) {
        TreeMap<Integer, Boolean> sizes = new TreeMap<>();
        m.steps.values().forEach(byN -> byN.keySet().forEach(n -> sizes.put(n, true)));
        List<String> header = new ArrayList<>(List.of("learner"));
        sizes.keySet().forEach(n -> header.add("n = " + n));
        MarkdownTable table = new MarkdownTable(header.toArray(String[]::new));
        for (var e : m.steps.entrySet()) {
            List<Object> row = new ArrayList<>(List.of(e.getKey()));
            for (int n : sizes.keySet()) {
                JmhResult r = e.getValue().get(n);
                row.add(r == null ? "" : micros(r.score()));
            }
            table.row(row.toArray());
        }
        return "Time per training step (microseconds, one thread, m = 4, o = 1):\n\n" + table;
    }

    private static String micros(double us) {
        return us >= 100 ? String.format("%,.0f", us) : String.format("%.2f", us);
    }

    /** The whole report. */
    static String render(List<JmhResult> results, List<EmbeddedResult> embedded, Map<String, String> environment,
                         Path plots, String plotsLink, int lanes) throws IOException {
        Measurements m = new Measurements(results, lanes);
        StringBuilder md = new StringBuilder("# Benchmark report\n\n");
        md.append("Every figure below comes from one run of the JMH suite in `bench/` on the machine described here, ")
                .append("turned into this page by `BenchmarkReport`; nothing is typed in by hand.\n\n");
        environment.forEach((k, v) -> md.append("- ").append(k).append(": ").append(v).append('\n'));
        md.append(String.format("%n## The machine's limits, measured from Java%n%n"));
        md.append(new MarkdownTable("probe", "measured", "how")
                .row("peak FMA throughput, one thread", String.format("%.1f GFLOP/s", m.peakGflops),
                        "16 independent vector FMA chains in registers (PeakProbe)")
                .row("memory bandwidth, triad", String.format("%.1f GB/s", m.triadGBs),
                        "a = b + s c over 3 x 128 MiB off-heap, 12 bytes per element (BandwidthProbe)")
                .row("memory bandwidth, copy", String.format("%.1f GB/s", m.copyGBs),
                        "a = b over 2 x 128 MiB, 8 bytes per element: the pattern of a sparse step")
                .row("memory bandwidth, copy, two threads", String.format("%.1f GB/s", m.copyTwoThreadsGBs),
                        "the copy on two threads, each over arrays of its own"));
        md.append("\n## Targets\n\n");
        MarkdownTable targets = new MarkdownTable("target", "required", "measured", "met");
        for (Target t : targets(m)) {
            targets.row(t.what(), t.required(), t.measured(), t.met() ? "yes" : "**no**");
        }
        md.append(targets).append('\n');
        md.append("## Time per step\n\n").append(headline(m)).append('\n');
        md.append(learnerTables(m));
        md.append(gatedTable(m));
        md.append(threadTable(m));
        md.append(kernelTable(m));
        md.append(embeddedTable(embedded));
        plots(m, plots);
        md.append("## Plots\n\n![time per step against n](").append(plotsLink).append("/time-per-step.png)\n\n")
                .append("![speed-up of sparse over full](").append(plotsLink).append("/speedup.png)\n\n");
        md.append("## How the derived figures are computed\n\n")
                .append("p = n (pad16(n) + pad16(m)) + pad16(n) is the padded width of a row of J (m = 4). Full RTRL's ")
                .append("GFLOP/s count the W J product only, 2 n^2 p flops per step, against the whole step's time. ")
                .append("A sparse step must move 8 n p bytes (J read once, written once) and a subset step 8 k p; ")
                .append("their GB/s divide those bytes by the step's time, and the bound is the same bytes at the ")
                .append("probe's rate. Errors are JMH's 99.9 % confidence half-widths. Slopes are least-squares fits ")
                .append("of ln(time) against ln(n). Bytes per step count what the stepping thread allocated during the ")
                .append("measured iterations (ThreadMXBean), divided by its steps; JMH's gc profiler counts every ")
                .append("thread of the JVM, its own included, so its bytes per operation grow with an operation's length.\n");
        return md.toString();
    }

    private static String learnerTables(Measurements m) {
        StringBuilder md = new StringBuilder();
        for (var e : m.steps.entrySet()) {
            String learner = e.getKey();
            MarkdownTable table = new MarkdownTable("n", "us / step", "derived", "share of the limit",
                    "B / step (stepping thread)", "B / op (JMH gc, all threads)");
            for (var r : e.getValue().entrySet()) {
                int n = r.getKey();
                double us = r.getValue().score();
                String derived = "", share = "";
                if (learner.equals("full")) {
                    double gflops = fullFlops(n) / (us * 1e3);
                    derived = String.format("%.1f GFLOP/s", gflops);
                    share = String.format("%.0f %% of peak FMA", 100 * gflops / m.peakGflops);
                } else if (learner.startsWith("sparse-")) {
                    double gbs = sparseBytes(n) / (us * 1e3);
                    derived = String.format("%.1f GB/s", gbs);
                    share = String.format("%.0f %% of triad", 100 * gbs / m.triadGBs);
                } else if (learner.startsWith("subset-")) {
                    int k = Integer.parseInt(learner.substring(7));
                    double gbs = subsetBytes(n, k) / (us * 1e3);
                    derived = String.format("%.1f GB/s", gbs);
                    share = String.format("%.0f %% of triad", 100 * gbs / m.triadGBs);
                }
                table.row(n, micros(us) + (Double.isNaN(r.getValue().error()) ? "" : " ± " + micros(r.getValue().error())),
                        derived, share, Double.isNaN(r.getValue().steppingBytesPerOp()) ? "n/a"
                                : String.format("%.3f", r.getValue().steppingBytesPerOp()),
                        Double.isNaN(r.getValue().bytesPerOp()) ? "n/a" : String.format("%.3f", r.getValue().bytesPerOp()));
            }
            md.append("### ").append(learner).append("\n\n").append(table).append('\n');
        }
        return md.toString();
    }

    /** Width of a row of J of a gated cell with {@code gates} rows per unit (m = 4). */
    static long gatedWidth(int n, int gates) {
        long nPad = (n + 15) / 16 * 16, mPad = (M + 15) / 16 * 16, rows = (long) gates * n;
        return rows * (nPad + mPad) + (rows + 15) / 16 * 16;
    }

    /** The gated cells' steps (GatedStepBenchmark), if it ran. */
    private static String gatedTable(Measurements m) {
        if (m.gated.isEmpty()) {
            return "";
        }
        MarkdownTable table = new MarkdownTable("cell", "learner", "n", "us / step", "full's GFLOP/s",
                "speed-up over full", "B / step (stepping thread)");
        for (var cell : m.gated.entrySet()) {
            int gates = cell.getKey().equals("lstm") ? 4 : 3, rowsPerUnit = cell.getKey().equals("lstm") ? 2 : 1;
            TreeMap<Integer, JmhResult> full = cell.getValue().getOrDefault("full", new TreeMap<>());
            for (var learner : cell.getValue().entrySet()) {
                for (var r : learner.getValue().entrySet()) {
                    int n = r.getKey();
                    double us = r.getValue().score();
                    long rows = (long) rowsPerUnit * n;
                    String gflops = learner.getKey().equals("full")
                            ? String.format("%.1f", 2.0 * rows * rows * gatedWidth(n, gates) / (us * 1e3)) : "";
                    JmhResult f = full.get(n);
                    table.row(cell.getKey(), learner.getKey(), n,
                            micros(us) + (Double.isNaN(r.getValue().error()) ? "" : " ± " + micros(r.getValue().error())),
                            gflops, f == null || learner.getKey().equals("full") ? "" : String.format("%.1fx", f.score() / us),
                            Double.isNaN(r.getValue().steppingBytesPerOp()) ? "n/a"
                                    : String.format("%.3f", r.getValue().steppingBytesPerOp()));
                }
            }
        }
        return "## Gated cells\n\nThe same step (forward, sensitivities, gradient, Adam) for the LSTM (2n sensitivity rows, "
                + "4 gate rows of parameters per unit) and the GRU (n rows, 3 gate rows), m = 4, o = 1, one thread. "
                + "Full RTRL's GFLOP/s count its D J product, 2 S^2 p flops for S state rows and p padded parameters.\n\n"
                + table + '\n';
    }

    private static String threadTable(Measurements m) {
        MarkdownTable table = new MarkdownTable("learner, n", "us / step, 1 thread", "us / step, 2 threads", "speed-up");
        for (var e : m.threads.entrySet()) {
            JmhResult one = e.getValue().get(1), two = e.getValue().get(2);
            if (one != null && two != null) {
                table.row(e.getKey().replace("@", ", n = "), micros(one.score()), micros(two.score()),
                        String.format("%.2fx", one.score() / two.score()));
            }
        }
        return "## Two threads\n\nThe column pool splits J's columns; results are bit-identical to one thread.\n\n"
                + table + '\n';
    }

    /** The embedded runtime's sustained rate and latency percentiles (EmbeddedProbe), if it ran. */
    static String embeddedTable(List<EmbeddedResult> embedded) {
        if (embedded.isEmpty()) {
            return "";
        }
        MarkdownTable table = new MarkdownTable("n", "k", "sustained steps/s", "offered/s", "steps",
                "step p50", "step p99", "offer-to-prediction p50", "p99", "p99.9", "max");
        for (EmbeddedResult r : embedded) {
            table.row(r.n(), r.k(), String.format("%,.0f", r.sustainedPerSecond()), String.format("%,d", r.offeredPerSecond()),
                    String.format("%,d", r.steps()), us(r.stepP50()), us(r.stepP99()), us(r.endToEndP50()),
                    us(r.endToEndP99()), us(r.endToEndP999()), us(r.endToEndMax()));
        }
        return "## Embedded runtime\n\n"
                + "The agrona runtime end to end (EmbeddedProbe): producer, trainer agent and prediction reader on their "
                + "own threads, sparse RTRL k = 4, m = 4, o = 1, the default idle strategy, a snapshot every 1,000 steps. "
                + "Sustained: samples offered as fast as the input ring takes them. Latencies (microseconds) come from a "
                + "second stream offered at half the sustained rate, on a runtime of its own after a warm-up stream.\n\n"
                + table + "\n";
    }

    private static String us(double micros) {
        return micros >= 1000 ? String.format("%,.0f", micros) : String.format("%.1f", micros);
    }

    private static String kernelTable(Measurements m) {
        Map<String, Map<String, JmhResult>> byKernel = new TreeMap<>();
        for (JmhResult r : m.kernels) {
            byKernel.computeIfAbsent(r.benchmark().substring(r.benchmark().indexOf('.') + 1), k -> new TreeMap<>())
                    .put(r.param("kernels"), r);
        }
        MarkdownTable table = new MarkdownTable("kernel", "vector, us", "scalar, us", "vector speed-up");
        for (var e : byKernel.entrySet()) {
            JmhResult v = e.getValue().get("vector"), s = e.getValue().get("scalar");
            table.row(e.getKey(), v == null ? "" : micros(v.score()), s == null ? "" : micros(s.score()),
                    v == null || s == null ? "" : String.format("%.1fx", s.score() / v.score()));
        }
        return "## Kernels, vector beside scalar\n\nn = 64 rows, 5197 columns (a row of J plus a ragged 13), k = 4.\n\n"
                + table + '\n';
    }

    private static void plots(Measurements m, Path dir) throws IOException {
        List<Plots.Series> series = new ArrayList<>();
        for (var e : m.steps.entrySet()) {
            double[] x = e.getValue().keySet().stream().mapToDouble(Integer::doubleValue).toArray();
            double[] y = e.getValue().values().stream().mapToDouble(JmhResult::score).toArray();
            String fit = e.getValue().size() >= 2 ? String.format(" (slope %.2f)", slope(e.getValue(),
                    e.getValue().firstKey(), e.getValue().lastKey())) : "";
            series.add(new Plots.Series(e.getKey() + fit, x, y, null));
        }
        Plots.lines(dir.resolve("time-per-step.png"), "Time per training step against n (one thread)", "n (log)",
                "microseconds per step (log)", true, true, series);
        List<Plots.Series> speedups = new ArrayList<>();
        TreeMap<Integer, JmhResult> full = m.steps.get("full");
        for (var e : m.steps.entrySet()) {
            if (!e.getKey().startsWith("sparse-") || full == null) {
                continue;
            }
            List<Double> x = new ArrayList<>(), y = new ArrayList<>();
            for (var r : e.getValue().entrySet()) {
                if (full.containsKey(r.getKey())) {
                    x.add((double) r.getKey());
                    y.add(full.get(r.getKey()).score() / r.getValue().score());
                }
            }
            speedups.add(new Plots.Series(e.getKey(), x.stream().mapToDouble(Double::doubleValue).toArray(),
                    y.stream().mapToDouble(Double::doubleValue).toArray(), null));
        }
        Plots.lines(dir.resolve("speedup.png"), "Speed-up of sparse RTRL over full RTRL", "n (log)",
                "time of full / time of sparse (log)", true, true, speedups);
    }

    /** Machine, JDK, vector width and provenance of a run. */
    static Map<String, String> environment(String command, String results) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("command", "`" + command + "` (results: `" + results + "`)");
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
