package org.sparsertrl.harness.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One run's JMH results grouped by what they measured: the machine probes converted to rates, the
 * time per step of each learner against n, the gated cells' steps, the two-thread shapes, the
 * transformer's step and its parts, and the kernels. What the report is computed from; nothing here models or judges.
 *
 * <pre>{@code
 * Measurements m = new Measurements(JmhResult.read(Path.of("bench/results/quick.json")), 16);
 * double us = m.micros("sparse-4", 256);
 * }</pre>
 */
final class Measurements {

    /** Peak FMA throughput of one thread (PeakProbe, the best of its chain counts), GFLOP/s. */
    final double peakGflops;
    /**
     * PeakProbe's GFLOP/s per chain count, in increasing order; a row without the {@code chains} parameter
     * comes from the probe before it had one, which ran 16 chains.
     */
    final TreeMap<Integer, Double> peakByChains = new TreeMap<>();
    /** Bandwidth of the triad a = b + s c (BandwidthProbe), GB/s; 12 bytes per element. */
    final double triadGBs;
    /** Bandwidth of the copy a = b, GB/s; 8 bytes per element, the traffic of a sparse step. */
    final double copyGBs;
    /** The copy on two threads, each over arrays of its own, GB/s. */
    final double copyTwoThreadsGBs;
    /** The copy over two buffers of J's size at n (SensitivityCopyProbe), GB/s, by n; 8 bytes per float. */
    final TreeMap<Integer, Double> copyOfJGBs = new TreeMap<>();
    /**
     * The sparse step's accesses alone (SparsePatternProbe: k = 4 loads and a store per output vector over
     * J at n, in the engine's tiles), microseconds per pass over J, by n.
     */
    final TreeMap<Integer, Double> sparsePatternMicros = new TreeMap<>();
    /**
     * The copy of J in the ceilings' own run (SparsePatternProbe.copy: J read once and written once, on the
     * pattern's buffers), GB/s, by n; empty for results measured before the probe had it.
     */
    final TreeMap<Integer, Double> sparsePatternCopyGBs = new TreeMap<>();
    /** The engine's sparse kernel on the same buffers in the same run (SparsePatternProbe.kernel), microseconds, by n. */
    final TreeMap<Integer, Double> sparseKernelMicros = new TreeMap<>();
    /** The same accesses over J in bf16 (SparsePatternProbe.patternBf16: half the bytes), microseconds, by n. */
    final TreeMap<Integer, Double> sparsePatternBf16Micros = new TreeMap<>();
    /** The engine's bf16 sparse kernel on those buffers (SparsePatternProbe.kernelBf16), microseconds, by n. */
    final TreeMap<Integer, Double> sparseKernelBf16Micros = new TreeMap<>();
    /** StepBenchmark and LargeSubsetBenchmark: learner, then n, in the order the results list them. */
    final Map<String, TreeMap<Integer, JmhResult>> steps = new LinkedHashMap<>();
    /** ThreadsBenchmark: shape ({@code learner@n}), then threads. */
    final Map<String, Map<Integer, JmhResult>> threads = new LinkedHashMap<>();
    /** GatedStepBenchmark: cell, then learner, then n. */
    final Map<String, Map<String, TreeMap<Integer, JmhResult>>> gated = new TreeMap<>();
    /**
     * TransformerStepBenchmark: d_model, then transport ({@code dense} or the fraction s, as JMH's
     * parameter spells it), then the benchmark's method ({@code step}, {@code forward},
     * {@code attentionBackward}).
     */
    final Map<Integer, Map<String, Map<String, JmhResult>>> transformer = new TreeMap<>();
    /** The transformer's window T, from its rows (0 when none ran). */
    int transformerContext;
    /** KernelBenchmark, every kernel and implementation. */
    final List<JmhResult> kernels = new ArrayList<>();
    /** What bench/peers.py measured (numpy/OpenBLAS, scipy), or null when the run has no peers file. */
    final Peers peers;

    /** A run without peers: {@link #Measurements(List, int, Peers)} with none. */
    Measurements(List<JmhResult> results, int lanes) {
        this(results, lanes, null);
    }

    /**
     * @param results every row of one JMH run
     * @param lanes   floats per vector on the machine that ran PeakProbe (each of its FMAs is 2 lanes' flops)
     * @param peers   the peers measured beside it, or null
     */
    Measurements(List<JmhResult> results, int lanes, Peers peers) {
        this.peers = peers;
        double triad = Double.NaN, copy = Double.NaN, copy2 = Double.NaN;
        for (JmhResult r : results) {
            switch (r.benchmark()) {
                case "PeakProbe.fma" -> peakByChains.merge(r.param("chains") == null ? 16 : Integer.parseInt(r.param("chains")),
                        r.score() * 2 * lanes / 1e9, Math::max);
                case "BandwidthProbe.triad" -> triad = r.score() * 12 / 1e9;
                case "BandwidthProbe.copy" -> copy = r.score() * 8 / 1e9;
                case "BandwidthProbe.copyTwoThreads" -> copy2 = r.score() * 8 / 1e9;
                case "SensitivityCopyProbe.copy" -> {
                    int n = Integer.parseInt(r.param("n"));
                    copyOfJGBs.put(n, r.score() * PerformanceModel.sparseBytes(n) / 1e9);
                }
                case "SparsePatternProbe.pattern" -> sparsePatternMicros.put(Integer.parseInt(r.param("n")), 1e6 / r.score());
                case "SparsePatternProbe.copy" -> {
                    int n = Integer.parseInt(r.param("n"));
                    sparsePatternCopyGBs.put(n, r.score() * PerformanceModel.sparseBytes(n) / 1e9);
                }
                case "SparsePatternProbe.kernel" -> sparseKernelMicros.put(Integer.parseInt(r.param("n")), 1e6 / r.score());
                case "SparsePatternProbe.patternBf16" -> sparsePatternBf16Micros.put(Integer.parseInt(r.param("n")), 1e6 / r.score());
                case "SparsePatternProbe.kernelBf16" -> sparseKernelBf16Micros.put(Integer.parseInt(r.param("n")), 1e6 / r.score());
                case "StepBenchmark.step", "LargeSubsetBenchmark.step" -> steps
                        .computeIfAbsent(r.param("learner"), k -> new TreeMap<>()).put(Integer.parseInt(r.param("n")), r);
                case "GatedStepBenchmark.step" -> gated.computeIfAbsent(r.param("cell"), k -> new LinkedHashMap<>())
                        .computeIfAbsent(r.param("learner"), k -> new TreeMap<>()).put(Integer.parseInt(r.param("n")), r);
                case "ThreadsBenchmark.step" -> threads.computeIfAbsent(r.param("shape"), k -> new TreeMap<>())
                        .put(Integer.parseInt(r.param("threads")), r);
                default -> {
                    if (r.benchmark().startsWith("KernelBenchmark.")) {
                        kernels.add(r);
                    } else if (r.benchmark().startsWith("TransformerStepBenchmark.")) {
                        transformer.computeIfAbsent(Integer.parseInt(r.param("dModel")), k -> new TreeMap<>(TRANSPORT_ORDER))
                                .computeIfAbsent(r.param("transport"), k -> new TreeMap<>())
                                .put(r.benchmark().substring(r.benchmark().indexOf('.') + 1), r);
                        transformerContext = Integer.parseInt(r.param("context"));
                    }
                }
            }
        }
        peakGflops = peakByChains.values().stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN);
        triadGBs = triad;
        copyGBs = copy;
        copyTwoThreadsGBs = copy2;
    }

    /** Dense first, then the fractions s in increasing order ("1/6" read as a fraction). */
    static final java.util.Comparator<String> TRANSPORT_ORDER =
            java.util.Comparator.comparingDouble(Measurements::transportRank).thenComparing(java.util.Comparator.naturalOrder());

    private static double transportRank(String transport) {
        if (transport.equals("dense")) {
            return -1;
        }
        int slash = transport.indexOf('/');
        return slash < 0 ? Double.parseDouble(transport)
                : Double.parseDouble(transport.substring(0, slash)) / Double.parseDouble(transport.substring(slash + 1));
    }

    /**
     * The copy rate of J at n that the ceilings' shares divide by: the ceilings' own run's
     * (SparsePatternProbe.copy) where it measured one, so that a part measured apart stands on its own run's
     * bandwidth; else the suite's SensitivityCopyProbe; NaN when neither ran at n.
     */
    double ceilingsCopyGBs(int n) {
        Double own = sparsePatternCopyGBs.get(n);
        return own != null ? own : copyOfJGBs.getOrDefault(n, Double.NaN);
    }

    /** Microseconds per step of {@code learner} at {@code n} (one thread), or NaN if it was not measured. */
    double micros(String learner, int n) {
        TreeMap<Integer, JmhResult> byN = steps.get(learner);
        JmhResult r = byN == null ? null : byN.get(n);
        return r == null ? Double.NaN : r.score();
    }
}
