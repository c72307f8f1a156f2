package org.sparsertrl.harness.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

import org.sparsertrl.engine.cell.CellKind;
import org.sparsertrl.engine.learn.LearnerSpec;
import org.sparsertrl.harness.report.MarkdownTable;
import org.sparsertrl.harness.report.Plots;

/**
 * Writes a run's {@link Measurements} and judged {@link Targets} as the markdown page of
 * bench/REPORT.md and its two plots (time per step against n with the cost models' slopes, speed-up of
 * sparse over full). Derived figures (GFLOP/s, GB/s, shares of the machine's limits) come from the
 * {@link PerformanceModel}; a GEMM-like rate above the peak probe's is flagged as a probe error.
 *
 * <pre>{@code
 * Measurements m = new Measurements(JmhResult.read(json), lanes);
 * String page = ReportRenderer.render(m, Targets.judge(Targets.PROJECT, m), List.of(), environment, plots, "plots");
 * }</pre>
 */
final class ReportRenderer {

    private ReportRenderer() {
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
        return Math.abs(us) >= 100 ? String.format("%,.0f", us) : String.format("%.2f", us);
    }

    /**
     * The whole report: the environment's lines, the probes, the judged targets, every table; writes the
     * plots into {@code plots}, which the page links as {@code plotsLink}.
     */
    static String render(Measurements m, List<Targets.Target> judged, List<EmbeddedResult> embedded,
                         Map<String, String> environment, Path plots, String plotsLink) throws IOException {
        StringBuilder md = new StringBuilder("# Benchmark report\n\n");
        md.append("Every figure below comes from the JMH suite in `bench/` and its probes, run on the machine described ")
                .append("here (a part measured in a run of its own says when and at which commit), turned into this page ")
                .append("by `BenchmarkReport`; nothing is typed in by hand.\n\n");
        environment.forEach((k, v) -> md.append("- ").append(k).append(": ").append(v).append('\n'));
        md.append(String.format("%n## The machine's limits, measured from Java%n%n"));
        MarkdownTable probes = new MarkdownTable("probe", "measured", "how")
                .row("peak FMA throughput, one thread", String.format("%.1f GFLOP/s", m.peakGflops), peakHow(m))
                .row("memory bandwidth, triad", String.format("%.1f GB/s", m.triadGBs),
                        "a = b + s c over 3 x 128 MiB off-heap, 12 bytes per element (BandwidthProbe)")
                .row("memory bandwidth, copy", String.format("%.1f GB/s", m.copyGBs),
                        "a = b over 2 x 128 MiB, 8 bytes per element: the pattern of a sparse step")
                .row("memory bandwidth, copy, two threads", String.format("%.1f GB/s", m.copyTwoThreadsGBs),
                        "the copy on two threads, each over arrays of its own");
        for (var e : m.copyOfJGBs.entrySet()) {
            probes.row("copy of J, n = " + e.getKey(), String.format("%.1f GB/s", e.getValue()), String.format(
                    "a = b over 2 x %.1f MiB, the size of J at n = %d (SensitivityCopyProbe): the two-pass bound's rate",
                    PerformanceModel.sparseBytes(e.getKey()) / 2 / (1 << 20), e.getKey()));
        }
        for (var e : m.sparsePatternCopyGBs.entrySet()) {
            probes.row("copy of J in the ceilings part, n = " + e.getKey(), String.format("%.1f GB/s", e.getValue()),
                    "the same copy on the sparse pattern's buffers, in the ceilings part's own run (SparsePatternProbe.copy): "
                    + "the rate its shares divide by");
        }
        for (var e : m.sparsePatternMicros.entrySet()) {
            double bound = PerformanceModel.sparseBytes(e.getKey()) / (m.ceilingsCopyGBs(e.getKey()) * 1e3);
            Double kernel = m.sparseKernelMicros.get(e.getKey());
            probes.row("sparse step's accesses, n = " + e.getKey(), String.format("%,.1f us (%.0f %% of the two-pass bound)",
                    e.getValue(), 100 * bound / e.getValue()), "each row of J the sum of 4 random rows of the previous J, "
                    + "4 loads and a store per vector, in the engine's column tiles (SparsePatternProbe): the sparse step "
                    + "with none of its arithmetic" + (kernel == null ? "" : String.format("; the engine's sparse kernel "
                    + "on the same buffers in the same run: %,.1f us (%.0f %%)", kernel, 100 * bound / kernel)));
        }
        for (var e : m.sparsePatternBf16Micros.entrySet()) {
            Double pattern = m.sparsePatternMicros.get(e.getKey());
            Double kernel = m.sparseKernelBf16Micros.get(e.getKey());
            probes.row("sparse step's accesses, J in bf16, n = " + e.getKey(), String.format("%,.1f us%s", e.getValue(),
                    pattern == null ? "" : String.format(" (%.2fx the float32 pattern's speed)", pattern / e.getValue())),
                    "the same rows and paths over J stored in bfloat16, half the bytes, in the engine's bf16 tiles "
                    + "(SparsePatternProbe.patternBf16): the ceiling of the bf16 speed-up" + (kernel == null ? ""
                    : String.format("; the engine's bf16 sparse kernel on the same buffers in the same run: %,.1f us", kernel)));
        }
        md.append(probes);
        md.append(probeErrors(m));
        md.append("\n## Targets\n\n");
        MarkdownTable targets = new MarkdownTable("target", "required", "measured", "met");
        for (Targets.Target t : judged) {
            targets.row(t.what(), t.required(), t.measured(), t.met() ? "yes" : "**no**");
        }
        md.append(targets).append('\n');
        md.append("## Time per step\n\n").append(headline(m)).append('\n');
        md.append(peersTables(m));
        md.append(learnerTables(m));
        md.append(gatedTable(m));
        md.append(threadTable(m));
        md.append(transformerTables(m));
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
                .append("thread of the JVM, its own included, so its bytes per operation grow with an operation's length. ")
                .append("The allocation target counts the steady state, the least bytes per step of any measured ")
                .append("iteration, because an allocation on the step's path recurs in every iteration while a one-time ")
                .append("event shows in one: when a method asks for its C2 compilation, HotSpot resolves its class's ")
                .append("string constants on the asking thread (seen with JFR in methods the step calls once, and in ")
                .append("JMH's own measuring loop). Those one-time bytes are given beside it.\n");
        return md.toString();
    }

    /** How the peak was measured: the chain count, or the best of several with each one's rate. */
    static String peakHow(Measurements m) {
        if (m.peakByChains.size() <= 1) {
            int chains = m.peakByChains.isEmpty() ? 16 : m.peakByChains.firstKey();
            return chains + " independent vector FMA chains in registers (PeakProbe)";
        }
        List<String> each = new ArrayList<>();
        m.peakByChains.forEach((chains, gflops) -> each.add(String.format("%d: %.1f", chains, gflops)));
        return "the best of " + String.join(", ", m.peakByChains.keySet().stream().map(String::valueOf).toList())
                + " independent vector FMA chains in registers (PeakProbe; GFLOP/s by chains: " + String.join(", ", each) + ")";
    }

    /**
     * A warning for every GEMM-like rate of the run above the peak probe's (none: nothing): a kernel cannot
     * beat the machine's peak, so the probe is wrong, and shares of it would read above 100 %.
     */
    static String probeErrors(Measurements m) {
        List<String> above = new ArrayList<>();
        for (PerformanceModel.Rate r : PerformanceModel.gemmLike(m)) {
            if (r.gflops() > m.peakGflops) {
                above.add(String.format("%s at %.1f GFLOP/s", r.what(), r.gflops()));
            }
        }
        if (above.isEmpty()) {
            return "";
        }
        return String.format("%n**Probe error:** the peak probe's %.1f GFLOP/s is not the machine's ceiling: ", m.peakGflops)
                + String.join("; ", above) + ". Shares of peak above 100 % are not shown.\n";
    }

    /**
     * The engine beside its peers (bench/peers.py), if the run has a peers file: full RTRL's step against
     * numpy/OpenBLAS's full update and W J product per OpenBLAS core, and sparse RTRL's step against scipy's
     * CSR product. Speed is the peer's time over the engine's.
     */
    static String peersTables(Measurements m) {
        Peers peers = m.peers;
        if (peers == null) {
            return "";
        }
        StringBuilder md = new StringBuilder("## Beside numpy/OpenBLAS and scipy (one thread)\n\n");
        if (!peers.available()) {
            return md.append("Not measured: ").append(peers.reason()).append(". `bench/run --peers` measures them when ")
                    .append("python3 with numpy (and scipy, for the sparse product) is present.\n\n").toString();
        }
        md.append("bench/peers.py at the engine's own shapes (m = 4, o = 1, p padded as in the engine's layout), ")
                .append("float32, one thread: ").append(peers.description()).append(". numpy's full update is full ")
                .append("RTRL's sensitivity update as FullRtrl computes it: W J_{t-1} (OpenBLAS sgemm into a preallocated ")
                .append("array), diag(d), the immediate term M_t and the gradient g = J_t^T delta; the engine's step also ")
                .append("runs the forward pass and Adam. ");
        MarkdownTable dense;
        if (!peers.rounds().isEmpty()) {
            int rounds = peers.rounds().size();
            md.append("Measured in ").append(rounds == 1 ? "one paired round" : rounds + " paired rounds").append(": in each, ")
                    .append("the engine's full step at these sizes (JMH sample mode, the same warm-up as the main run) and then ")
                    .append("the peers. Times are medians: of the single steps or calls within a round, then of the rounds. ")
                    .append("Speed is the peer's time over the engine's (above 1x the engine is faster), the median of the ")
                    .append("rounds' ratios with their range. OpenBLAS picks its kernels by CPU when it loads; a core marked ")
                    .append("forced was set by OPENBLAS_CORETYPE.\n\n");
            dense = pairedBesidePeers(peers);
        } else {
            md.append("Peer times are the median of single calls (the engine's are JMH's means); speed is the peer's time ")
                    .append("over the engine's (above 1x the engine is faster). OpenBLAS picks its kernels by CPU when it ")
                    .append("loads; a core marked forced was set by OPENBLAS_CORETYPE.\n\n");
            dense = mainRunBesidePeers(m);
        }
        md.append(dense).append('\n');
        String sparse = "sparse-" + peers.k();
        if (peers.sparseNote() != null) {
            md.append("The sparse product: ").append(peers.sparseNote()).append(".\n\n");
        } else if (!peers.sparse().isEmpty()) {
            boolean paired = peers.sparsePaired();
            md.append("Sparse RTRL's step (").append(sparse).append(": forward pass, sensitivity update, gradient, Adam) ")
                    .append("beside scipy's CSR product A J_{t-1} alone, A with k = ").append(peers.k())
                    .append(" nonzeros a row: through its public operator (which allocates its result), and through ")
                    .append("scipy's CSR kernel into a preallocated output (csr_matvecs, private to scipy). ")
                    .append(paired ? "Measured in the same paired rounds, the engine's " + sparse + " step beside the full "
                            + "step; times and speeds as above.\n\n"
                            : "The engine's step is the main run's (JMH's mean), measured at another time than scipy's "
                            + "median call: this peers file predates pairing the sparse product.\n\n");
            MarkdownTable table = new MarkdownTable("n", "engine " + sparse + " step, us", "scipy A @ J, us", "engine's speed",
                    "scipy CSR kernel, us", "engine's speed");
            for (int n : peerSizes(peers)) {
                if (paired) {
                    Peers.Paired product = peers.pairedSparse(Peers.CSR_PRODUCT, n), kernel = peers.pairedSparse(Peers.CSR_KERNEL, n);
                    Peers.Paired either = product != null ? product : kernel;
                    if (either != null) {
                        table.row(n, micros(either.engineMicros()),
                                product == null ? "" : micros(product.peerMicros()), product == null ? "" : pairedSpeed(product),
                                kernel == null ? "" : micros(kernel.peerMicros()), kernel == null ? "" : pairedSpeed(kernel));
                    }
                    continue;
                }
                double engine = m.micros(sparse, n);
                Peers.Row product = peers.sparse(Peers.CSR_PRODUCT, n), kernel = peers.sparse(Peers.CSR_KERNEL, n);
                table.row(n, Double.isNaN(engine) ? "not measured" : micros(engine),
                        product == null ? "" : micros(product.micros()), product == null ? "" : speed(product.micros(), engine),
                        kernel == null ? "" : micros(kernel.micros()), kernel == null ? "" : speed(kernel.micros(), engine));
            }
            md.append(table).append('\n');
        }
        return md.toString();
    }

    /** Full RTRL's paired figures (see {@link Peers#paired}) on every core, for a peers file with rounds. */
    private static MarkdownTable pairedBesidePeers(Peers peers) {
        MarkdownTable dense = new MarkdownTable("n", "engine full step, us", "OpenBLAS (core)", "numpy full update, us",
                "engine's speed", "numpy W J alone, us", "engine's speed", "W J, GFLOP/s");
        for (int n : peerSizes(peers)) {
            for (Peers.Run run : peers.runs()) {
                Peers.Paired update = peers.paired(Peers.DENSE_UPDATE, n, run.label());
                Peers.Paired product = peers.paired(Peers.DENSE_PRODUCT, n, run.label());
                Peers.Row productRow = run.row(Peers.DENSE_PRODUCT, n);
                if (update != null) {
                    dense.row(n, micros(update.engineMicros()), run.label(), micros(update.peerMicros()), pairedSpeed(update),
                            product == null ? "" : micros(product.peerMicros()), product == null ? "" : pairedSpeed(product),
                            product == null || productRow == null ? ""
                                    : String.format("%.1f", productRow.flops() / (product.peerMicros() * 1e3)));
                }
            }
        }
        return dense;
    }

    /** Full RTRL's step in the main run (JMH's mean) beside every core's peer figures, for a peers file without rounds. */
    private static MarkdownTable mainRunBesidePeers(Measurements m) {
        Peers peers = m.peers;
        MarkdownTable dense = new MarkdownTable("n", "engine full step, us", "OpenBLAS (core)", "numpy full update, us",
                "engine's speed", "numpy W J alone, us", "engine's speed", "W J, GFLOP/s");
        for (int n : peerSizes(peers)) {
            double engine = m.micros("full", n);
            for (Peers.Run run : peers.runs()) {
                Peers.Row update = run.row(Peers.DENSE_UPDATE, n), product = run.row(Peers.DENSE_PRODUCT, n);
                dense.row(n, Double.isNaN(engine) ? "not measured" : micros(engine), run.label(),
                        update == null ? "" : micros(update.micros()), update == null ? "" : speed(update.micros(), engine),
                        product == null ? "" : micros(product.micros()), product == null ? "" : speed(product.micros(), engine),
                        product == null ? "" : String.format("%.1f", product.gflops()));
            }
        }
        return dense;
    }

    /** A paired speed: the median of the rounds' ratios and their range. */
    private static String pairedSpeed(Peers.Paired p) {
        return p.rounds() == 1 ? String.format("%.2fx", p.speed())
                : String.format("%.2fx (%.2fx to %.2fx)", p.speed(), p.slowest(), p.fastest());
    }

    /** Every n the peers measured, in increasing order. */
    private static SortedSet<Integer> peerSizes(Peers peers) {
        SortedSet<Integer> sizes = new TreeSet<>();
        peers.runs().forEach(run -> run.rows().forEach(r -> sizes.add(r.n())));
        peers.sparse().forEach(r -> sizes.add(r.n()));
        return sizes;
    }

    /** The engine's speed against a peer: the peer's time over the engine's, or empty when either is missing. */
    private static String speed(double peerMicros, double engineMicros) {
        double speed = peerMicros / engineMicros;
        return Double.isFinite(speed) ? String.format("%.2fx", speed) : "";
    }

    private static String learnerTables(Measurements m) {
        StringBuilder md = new StringBuilder();
        for (var e : m.steps.entrySet()) {
            String learner = e.getKey();
            LearnerSpec spec = PerformanceModel.learner(learner);
            MarkdownTable table = new MarkdownTable("n", "us / step", "derived", "share of the limit",
                    "B / step (stepping thread)", "B / op (JMH gc, all threads)");
            for (var r : e.getValue().entrySet()) {
                int n = r.getKey();
                double us = r.getValue().score();
                // Full RTRL is bound by its flops, the sparse and subset steps by the bytes of J they move.
                double gflops = spec instanceof LearnerSpec.FullSpec
                        ? PerformanceModel.fullFlops(CellKind.VANILLA, n) / (us * 1e3) : Double.NaN;
                double bytes = switch (spec) {
                    case LearnerSpec.SparseSpec s -> PerformanceModel.sparseBytes(n) * s.precision().bytes() / Float.BYTES;
                    case LearnerSpec.SubsetSpec s -> PerformanceModel.subsetBytes(n, s.k()) * s.precision().bytes() / Float.BYTES;
                    case null, default -> Double.NaN;
                };
                String derived = "", share = "";
                if (!Double.isNaN(gflops)) {
                    derived = String.format("%.1f GFLOP/s", gflops);
                    share = gflops > m.peakGflops ? "above the probe's peak: probe error"
                            : String.format("%.0f %% of peak FMA", 100 * gflops / m.peakGflops);
                } else if (!Double.isNaN(bytes)) {
                    double gbs = bytes / (us * 1e3);
                    derived = String.format("%.1f GB/s", gbs);
                    Double copy = m.copyOfJGBs.get(n);
                    share = copy == null ? String.format("%.0f %% of triad", 100 * gbs / m.triadGBs)
                            : String.format("%.0f %% of the copy of J", 100 * gbs / copy);
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

    /** The gated cells' steps (GatedStepBenchmark), if it ran. */
    private static String gatedTable(Measurements m) {
        if (m.gated.isEmpty()) {
            return "";
        }
        MarkdownTable table = new MarkdownTable("cell", "learner", "n", "us / step", "full's GFLOP/s",
                "speed-up over full", "B / step (stepping thread)");
        for (var cell : m.gated.entrySet()) {
            CellKind kind = CellKind.of(cell.getKey());
            TreeMap<Integer, JmhResult> full = cell.getValue().getOrDefault("full", new TreeMap<>());
            for (var learner : cell.getValue().entrySet()) {
                for (var r : learner.getValue().entrySet()) {
                    int n = r.getKey();
                    double us = r.getValue().score();
                    boolean isFull = PerformanceModel.learner(learner.getKey()) instanceof LearnerSpec.FullSpec;
                    String gflops = isFull ? String.format("%.1f", PerformanceModel.fullFlops(kind, n) / (us * 1e3)) : "";
                    JmhResult f = full.get(n);
                    table.row(cell.getKey(), learner.getKey(), n,
                            micros(us) + (Double.isNaN(r.getValue().error()) ? "" : " ± " + micros(r.getValue().error())),
                            gflops, f == null || isFull ? "" : String.format("%.1fx", f.score() / us),
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

    /**
     * The transformer's step per d_model (TransformerStepBenchmark), if it ran: the step, the forward pass
     * alone, their difference (the backward pass and Adam), the backward pass through attention alone
     * and its share of the step, and the speed-up of each s over dense.
     */
    static String transformerTables(Measurements m) {
        if (m.transformer.isEmpty()) {
            return "";
        }
        StringBuilder md = new StringBuilder("## Transformer\n\n")
                .append("One online step of the causal transformer (OnlineTransformer: 6 heads, 2 layers, a window of ")
                .append(m.transformerContext).append(" steps, m = 1, o = 1, Adam), one thread: the window's forward pass, ")
                .append("the backward pass through the window with gradient reaching earlier steps through every head ")
                .append("(dense) or through s of each layer's heads, and the update. Forward: the forward pass alone ")
                .append("(`evaluate`); backward + update: the step less the forward pass (a difference of two measurements). ")
                .append("Attention backward: the step's backward pass through attention run again alone over a full window ")
                .append("(`inspect().attentionBackward()`), every layer: the scores, the softmax and the products with ")
                .append("Q, K and V, then the Q, K and V projections (their weight gradients and the gradient into LN1's ")
                .append("output); not the output projection WO, the LayerNorms or the MLP. Timed alone, its data stay in ")
                .append("cache, so its share may be somewhat below its cost inside a step. d_model 126 stands for 128: ")
                .append("6 heads do not divide 128, and 126 = 6 x 21 pads to the same 128 floats a row.\n\n");
        for (var byDModel : m.transformer.entrySet()) {
            Map<String, JmhResult> dense = byDModel.getValue().getOrDefault("dense", Map.of());
            MarkdownTable table = new MarkdownTable("transport", "us / step", "forward, us", "backward + update, us",
                    "attention backward, us", "share of the step", "speed-up over dense", "B / step (stepping thread)");
            for (var byTransport : byDModel.getValue().entrySet()) {
                Map<String, JmhResult> r = byTransport.getValue();
                double step = score(r.get("step")), forward = score(r.get("forward")), attention = score(r.get("attentionBackward"));
                JmhResult stepRow = r.get("step");
                table.row(byTransport.getKey().equals("dense") ? "dense" : "s = " + byTransport.getKey(),
                        Double.isNaN(step) ? "" : micros(step) + (Double.isNaN(stepRow.error()) ? "" : " ± " + micros(stepRow.error())),
                        Double.isNaN(forward) ? "" : micros(forward),
                        Double.isNaN(step - forward) ? "" : micros(step - forward),
                        Double.isNaN(attention) ? "" : micros(attention),
                        Double.isNaN(attention / step) ? "" : String.format("%.0f %%", 100 * attention / step),
                        Double.isNaN(score(dense.get("step")) / step) ? "" : String.format("%.2fx", score(dense.get("step")) / step),
                        stepRow == null || Double.isNaN(stepRow.steppingBytesPerOp()) ? "n/a"
                                : String.format("%.3f", stepRow.steppingBytesPerOp()));
            }
            md.append("### Transformer, d_model = ").append(byDModel.getKey()).append("\n\n").append(table).append('\n');
        }
        return md.toString();
    }

    private static double score(JmhResult r) {
        return r == null ? Double.NaN : r.score();
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

    /**
     * The cost models' slopes for the time-per-step plot: O(n^4) through full RTRL's largest n, O(k n^3)
     * through sparse-4's and O(k^2 n^2) through subset-4's (k fixed, so the slopes are 4, 3 and 2), each
     * drawn over every n of the plot; one is left out when its learner was not measured.
     */
    static List<Plots.Series> slopeReferences(Measurements m) {
        TreeMap<Integer, Boolean> sizes = new TreeMap<>();
        m.steps.values().forEach(byN -> byN.keySet().forEach(n -> sizes.put(n, true)));
        List<Plots.Series> references = new ArrayList<>();
        String[][] models = {{"full", "4", "O(n^4)"}, {"sparse-4", "3", "O(k n^3)"}, {"subset-4", "2", "O(k^2 n^2)"}};
        for (String[] model : models) {
            TreeMap<Integer, JmhResult> byN = m.steps.get(model[0]);
            if (byN == null || byN.isEmpty() || sizes.size() < 2) {
                continue;
            }
            int anchor = byN.lastKey();
            double at = byN.get(anchor).score(), exponent = Double.parseDouble(model[1]);
            double[] x = {sizes.firstKey(), sizes.lastKey()};
            double[] y = {at * Math.pow(x[0] / anchor, exponent), at * Math.pow(x[1] / anchor, exponent)};
            references.add(new Plots.Series(model[2] + " through " + model[0] + " at n = " + anchor, x, y, null));
        }
        return references;
    }

    private static void plots(Measurements m, Path dir) throws IOException {
        List<Plots.Series> series = new ArrayList<>();
        for (var e : m.steps.entrySet()) {
            double[] x = e.getValue().keySet().stream().mapToDouble(Integer::doubleValue).toArray();
            double[] y = e.getValue().values().stream().mapToDouble(JmhResult::score).toArray();
            String fit = e.getValue().size() >= 2 ? String.format(" (slope %.2f)", PerformanceModel.slope(e.getValue(),
                    e.getValue().firstKey(), e.getValue().lastKey())) : "";
            series.add(new Plots.Series(e.getKey() + fit, x, y, null));
        }
        Plots.lines(dir.resolve("time-per-step.png"), "Time per training step against n (one thread)", "n (log)",
                "microseconds per step (log)", true, true, series, slopeReferences(m));
        List<Plots.Series> speedups = new ArrayList<>();
        TreeMap<Integer, JmhResult> full = m.steps.get("full");
        for (var e : m.steps.entrySet()) {
            if (!(PerformanceModel.learner(e.getKey()) instanceof LearnerSpec.SparseSpec) || full == null) {
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
}
