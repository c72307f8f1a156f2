package org.sparsertrl.harness.bench;

import java.util.List;
import java.util.Map;

import org.sparsertrl.engine.cell.CellKind;
import org.sparsertrl.engine.learn.LearnerSpec;

/**
 * The project's performance targets as data ({@link #PROJECT}: one record a target, its threshold in
 * it), and how each kind of target is judged against a run's {@link Measurements}. Learners are named
 * as the benchmarks name them ({@code full}, {@code sparse-4}, {@code subset-4}).
 *
 * <pre>{@code
 * for (Targets.Target t : Targets.judge(Targets.PROJECT, measurements)) {
 *     System.out.println(t.what() + ": " + t.measured() + (t.met() ? "" : " (not met)"));
 * }
 * }</pre>
 */
final class Targets {

    /** The targets the report judges, in the order of its table. */
    static final List<Check> PROJECT = List.of(
            new ShareOfPeak(64, 0.70),
            new ShareOfPeak(128, 0.70),
            new PeerSpeed(64, 1.0),
            new PeerSpeed(128, 1.0),
            new PeerSpeed(256, 1.0),
            new ShareOfCopy("sparse-4", 64, 0.75),
            new ShareOfCopy("sparse-4", 128, 0.75),
            new ShareOfCopy("sparse-4", 256, 0.75),
            new Bf16SpeedUp(256, 1.7),
            new SpeedUp("sparse-4", "full", 64, 8),
            new SpeedUp("sparse-4", "full", 128, 12),
            new SpeedUp("sparse-4", "full", 256, 10),
            new Faster("subset-4", 1024, "full", 64),
            new TwoThreads("full", 128, 1.8),
            new TwoThreads("full", 256, 1.8),
            new TwoThreads("sparse-4", 256, 1.4),
            new NoAllocation(),
            new Slope("full", 64, 256, 4, 0.5),
            new Slope("sparse-4", 64, 256, 3, 0.5),
            new Slope("subset-4", 128, 1024, 2, 0.5));

    private Targets() {
    }

    /** A judged target: what is required, what was measured, whether it is met. */
    record Target(String what, String required, String measured, boolean met) {
    }

    /** One kind of target, with its threshold. */
    sealed interface Check {
        Target judge(Measurements m);

        /** Whether the run measured what this target needs at all (a run without a peers file has no peers). */
        default boolean applies(Measurements m) {
            return true;
        }
    }

    /** Every check that applies to {@code m}, judged, in order. */
    static List<Target> judge(List<Check> checks, Measurements m) {
        return checks.stream().filter(c -> c.applies(m)).map(c -> c.judge(m)).toList();
    }

    /**
     * Full RTRL at n on one thread reaches at least {@code required} of the peak FMA rate (flops of its W J
     * product). A step faster than the peak shows the probe wrong: the share is not given and the target not met.
     */
    record ShareOfPeak(int n, double required) implements Check {
        @Override
        public Target judge(Measurements m) {
            double gflops = PerformanceModel.fullFlops(CellKind.VANILLA, n) / (m.micros("full", n) * 1e3);
            double share = gflops / m.peakGflops;
            String what = "full RTRL, n = " + n + ", one thread: share of peak FMA";
            if (share > 1) {
                return new Target(what, atLeastPercent(required), String.format("probe error: %.1f GFLOP/s is above the "
                        + "probe's peak of %.1f GFLOP/s", gflops, m.peakGflops), false);
            }
            return new Target(what, atLeastPercent(required),
                    String.format("%.0f %% (%.1f of %.1f GFLOP/s)", 100 * share, gflops, m.peakGflops), share >= required);
        }
    }

    /**
     * Full RTRL's step at n on one thread is at least {@code required} times as fast as numpy/OpenBLAS's full
     * update of the same shapes (bench/peers.py), on the fastest OpenBLAS core the run measured. Speed is the
     * peer's time over the engine's; the engine's step also runs the forward pass and Adam, the peer's does not.
     * With paired rounds (see {@link Peers#paired}) the speed is the median of the rounds' ratios of medians;
     * without them, the peer's median call over the main run's mean step.
     */
    record PeerSpeed(int n, double required) implements Check {
        @Override
        public boolean applies(Measurements m) {
            return m.peers != null;
        }

        @Override
        public Target judge(Measurements m) {
            String what = "full RTRL, n = " + n + ", one thread: speed against numpy/OpenBLAS's full update "
                    + "(the fastest OpenBLAS core measured)";
            String wanted = ">= " + times(required) + " OpenBLAS's speed";
            if (!m.peers.available()) {
                return new Target(what, wanted, "not measured: " + m.peers.reason(), false);
            }
            if (!m.peers.rounds().isEmpty()) {
                Peers.Paired update = m.peers.paired(Peers.DENSE_UPDATE, n, null);
                if (update == null) {
                    return new Target(what, wanted, "not measured at n = " + n + " in the paired rounds", false);
                }
                Peers.Paired product = m.peers.paired(Peers.DENSE_PRODUCT, n, null);
                String alone = product == null ? "" : String.format("; W J alone %s us, %.2fx", micros(product.peerMicros()),
                        product.speed());
                String rounds = update.rounds() == 1 ? "one paired round"
                        : String.format("median of %d paired rounds, %.2fx to %.2fx", update.rounds(), update.slowest(), update.fastest());
                return new Target(what, wanted, String.format("%.2fx (%s; medians %s us against %s us, %s%s)", update.speed(),
                        rounds, micros(update.engineMicros()), micros(update.peerMicros()), update.core(), alone),
                        update.speed() >= required);
            }
            Peers.Figure update = m.peers.fastest(Peers.DENSE_UPDATE, n), product = m.peers.fastest(Peers.DENSE_PRODUCT, n);
            double engine = m.micros("full", n);
            if (update == null || Double.isNaN(engine)) {
                return new Target(what, wanted, "not measured at n = " + n + (update == null ? " by the peers" : " by the engine"), false);
            }
            double speed = update.row().micros() / engine;
            String alone = product == null ? "" : String.format("; W J alone %s us, %.2fx", micros(product.row().micros()),
                    product.row().micros() / engine);
            return new Target(what, wanted, String.format("%.2fx (%s us against %s us, %s%s)", speed, micros(engine),
                    micros(update.row().micros()), update.run().label(), alone), speed >= required);
        }
    }

    /**
     * A sparse learner's step at n takes at most 1 / {@code required} of the two-pass bound: J read once and
     * written once at the copy rate of buffers of J's own size (SensitivityCopyProbe), so the bound is the
     * cache's where J fits in one and memory's where it does not. Its measured ceiling (SparsePatternProbe)
     * is a share of the bound at the copy rate of the ceilings' own run where that run measured one.
     */
    record ShareOfCopy(String learner, int n, double required) implements Check {
        @Override
        public Target judge(Measurements m) {
            String what = prose(learner) + ", n = " + n + ": share of the two-pass bound (J read once and written once "
                    + "at the copy rate of J's size)";
            Double copy = m.copyOfJGBs.get(n);
            double micros = m.micros(learner, n);
            if (copy == null || Double.isNaN(micros)) {
                return new Target(what, atLeastPercent(required), "not measured", false);
            }
            double bound = PerformanceModel.sparseBytes(n) / (copy * 1e3);
            Double pattern = m.sparsePatternMicros.get(n);
            Double kernel = m.sparseKernelMicros.get(n);
            // The ceiling's share against the copy rate of its own run where it measured one (a part measured apart).
            Double ownCopy = m.sparsePatternCopyGBs.get(n);
            double ceilingBound = PerformanceModel.sparseBytes(n) / (m.ceilingsCopyGBs(n) * 1e3);
            String ceiling = pattern == null ? "" : String.format("; measured ceiling: the step's accesses alone "
                    + "(SparsePatternProbe) take %s us, %.0f %% of the bound%s%s", micros(pattern), 100 * ceilingBound / pattern,
                    ownCopy == null ? "" : String.format(" at their own run's copy rate of J, %.1f GB/s", ownCopy),
                    kernel == null ? "" : String.format(", and the engine's sparse kernel beside them %s us, %.0f %%",
                            micros(kernel), 100 * ceilingBound / kernel));
            return new Target(what, atLeastPercent(required), String.format("%.0f %% (%s us against a bound of %s us at %.1f GB/s%s)",
                    100 * bound / micros, micros(micros), micros(bound), copy, ceiling), bound / micros >= required);
        }
    }

    /**
     * Sparse k = 4 with J in bf16 is at least {@code required} times as fast as with J in float32 at n. Its
     * measured ceiling, where the ceilings part ran at n: the sparse step's accesses alone over J in float32
     * against the same over J in bf16 (SparsePatternProbe), and the engine's two sparse kernels beside them.
     */
    record Bf16SpeedUp(int n, double required) implements Check {
        @Override
        public Target judge(Measurements m) {
            double f32 = m.micros("sparse-4", n), bf16 = m.micros("sparse-4-bf16", n);
            Double pattern = m.sparsePatternMicros.get(n), patternBf16 = m.sparsePatternBf16Micros.get(n);
            Double kernel = m.sparseKernelMicros.get(n), kernelBf16 = m.sparseKernelBf16Micros.get(n);
            String ceiling = pattern == null || patternBf16 == null ? "" : String.format("; measured ceiling: the step's "
                    + "accesses alone (SparsePatternProbe) take %s us over J in bf16 against %s us in float32, %.2fx%s",
                    micros(patternBf16), micros(pattern), pattern / patternBf16,
                    kernel == null || kernelBf16 == null ? "" : String.format(", and the engine's sparse kernels beside "
                            + "them %s us against %s us, %.2fx", micros(kernelBf16), micros(kernel), kernel / kernelBf16));
            return new Target("speed-up of sparse k = 4 with J in bf16 over float32, n = " + n, ">= " + times(required),
                    Double.isNaN(f32 / bf16) ? "not measured" : String.format("%.2fx (%s us against %s us; half the bytes "
                            + "of J: at most 2x where the step is bound by memory%s)", f32 / bf16, micros(bf16), micros(f32),
                            ceiling), f32 / bf16 >= required);
        }
    }

    /** {@code learner} is at least {@code required} times as fast as {@code over} at n. */
    record SpeedUp(String learner, String over, int n, double required) implements Check {
        @Override
        public Target judge(Measurements m) {
            double speedup = m.micros(over, n) / m.micros(learner, n);
            // The ceiling: the measured full step against a sparse step at the two-pass bound, at the copy rate of
            // J's size where it was measured (the large copy's otherwise).
            double copy = m.copyOfJGBs.getOrDefault(n, m.copyGBs);
            double ceiling = m.micros(over, n) / (PerformanceModel.sparseBytes(n) / (copy * 1e3));
            return new Target("speed-up of " + prose(learner) + " over " + prose(over) + ", n = " + n,
                    ">= " + times(required), String.format("%.1fx (a sparse step moving J at the copy rate would give %.0fx)",
                    speedup, ceiling), speedup >= required);
        }
    }

    /** A subset learner at n takes less time per step than {@code than} at {@code thanN}. */
    record Faster(String learner, int n, String than, int thanN) implements Check {
        @Override
        public Target judge(Measurements m) {
            double micros = m.micros(learner, n), other = m.micros(than, thanN);
            int k = ((LearnerSpec.SubsetSpec) LearnerSpec.parse(learner)).k();
            return new Target(prose(learner) + " at n = " + n + " faster than " + prose(than) + " at n = " + thanN,
                    "faster", String.format("%.0f us against %.0f us (moving its 8 k p bytes at the copy rate takes %.0f us)",
                    micros, other, PerformanceModel.subsetBytes(n, k) / (m.copyGBs * 1e3)), micros < other);
        }
    }

    /** Two threads step {@code learner} at n at least {@code required} times as fast as one. */
    record TwoThreads(String learner, int n, double required) implements Check {
        @Override
        public Target judge(Measurements m) {
            Map<Integer, JmhResult> t = m.threads.get(learner + "@" + n);
            double speedup = t == null || !t.containsKey(1) || !t.containsKey(2) ? Double.NaN
                    : t.get(1).score() / t.get(2).score();
            // A sparse step is bound by memory: say what two threads can copy.
            String limit = PerformanceModel.learner(learner) instanceof LearnerSpec.SparseSpec
                    && Double.isFinite(m.copyTwoThreadsGBs)
                    ? String.format(" (two threads copy at %.2fx the rate of one)", m.copyTwoThreadsGBs / m.copyGBs) : "";
            return new Target("two threads over one, " + learner + ", n = " + n, ">= " + times(required),
                    Double.isNaN(speedup) ? "not measured" : String.format("%.2fx%s", speedup, limit), speedup >= required);
        }
    }

    /**
     * The stepping thread allocates nothing in the steady state, for every learner and n measured: the least
     * bytes per step of any measured iteration (an allocation on the step's path recurs in every iteration),
     * with the largest one-time bytes of a trial beside it.
     */
    record NoAllocation() implements Check {
        @Override
        public Target judge(Measurements m) {
            double worst = 0, oneTime = 0;
            String worstAt = "", oneTimeAt = "";
            int counted = 0;
            for (var e : m.steps.entrySet()) {
                for (var r : e.getValue().entrySet()) {
                    double bytes = r.getValue().steadyBytesPerOp();
                    if (Double.isNaN(bytes)) {
                        continue;
                    }
                    counted++;
                    if (bytes > worst) {
                        worst = bytes;
                        worstAt = e.getKey() + " at n = " + r.getKey();
                    }
                    if (r.getValue().oneTimeBytes() > oneTime) {
                        oneTime = r.getValue().oneTimeBytes();
                        oneTimeAt = e.getKey() + " at n = " + r.getKey();
                    }
                }
            }
            String once = oneTime == 0 ? "; nothing one-time"
                    : String.format("; one-time: at most %,.0f bytes in a trial's measured iterations (%s)", oneTime, oneTimeAt);
            return new Target("bytes allocated per step by the stepping thread in the steady state, every learner and n",
                    "0", counted == 0 ? "not measured" : (worst == 0 ? "0 B/step in every trial"
                            : String.format("at most %.3f B/step (%s)", worst, worstAt)) + once, counted > 0 && worst == 0);
        }
    }

    /** The log-log slope of {@code learner}'s time against n over [from, to] is {@code exponent} within {@code tolerance}. */
    record Slope(String learner, int from, int to, double exponent, double tolerance) implements Check {
        @Override
        public Target judge(Measurements m) {
            double slope = PerformanceModel.slope(m.steps.get(learner), from, to);
            return new Target("log-log slope of time per step against n, " + learner + " (n = " + from + " to " + to
                    + ")", "about " + number(exponent), String.format("%.2f", slope),
                    Math.abs(slope - exponent) <= tolerance);
        }
    }

    /** A learner as the targets' prose names it: {@code sparse k = 4}, {@code full RTRL}. */
    private static String prose(String learner) {
        return switch (PerformanceModel.learner(learner)) {
            case LearnerSpec.FullSpec _ -> "full RTRL";
            case LearnerSpec.SparseSpec s -> "sparse k = " + s.k();
            case LearnerSpec.SubsetSpec s -> "subset k = " + s.k();
            case null, default -> learner;
        };
    }

    private static String atLeastPercent(double share) {
        return String.format(">= %.0f %%", 100 * share);
    }

    /** A factor as the targets write it: 8x, 1.7x. */
    private static String times(double factor) {
        return number(factor) + "x";
    }

    /** Microseconds as the targets write them: 8,205 or 351. */
    private static String micros(double us) {
        return String.format("%,.0f", us);
    }

    /** A threshold without a trailing .0: 8, 1.7. */
    private static String number(double value) {
        return value == Math.rint(value) ? String.valueOf((long) value) : String.valueOf(value);
    }
}
