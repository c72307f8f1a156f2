package org.sparsertrl.harness.bench;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.TreeMap;

import org.sparsertrl.engine.cell.CellKind;
import org.sparsertrl.engine.cell.RnnLayout;
import org.sparsertrl.engine.learn.LearnerSpec;

/**
 * What a step of a benchmarked network must compute or move, from the engine's own layout: the width
 * p of a row of J is {@link RnnLayout#recurrentSize()} (padding included) and the rows of J are the
 * cell's state rows ({@link CellKind#statesPerUnit()} per unit), so the model follows the engine when
 * either changes. The networks are those of the JMH suite: m = 4 inputs, o = 1 output.
 *
 * <pre>{@code
 * double gflops = PerformanceModel.fullFlops(CellKind.VANILLA, 64) / (micros * 1e3);
 * double gbs = PerformanceModel.sparseBytes(256) / (micros * 1e3);
 * }</pre>
 */
final class PerformanceModel {

    /** Inputs and outputs of every benchmarked network (bench's Learners.M and O). */
    static final int M = 4;
    static final int O = 1;
    /** KernelBenchmark's shape: rows (and inner dimension) and columns of its dense kernel (bench's ROWS and COLS). */
    static final int KERNEL_ROWS = 64;
    static final int KERNEL_COLS = 5197;

    /** A GEMM-like figure of a run: what ran, and its GFLOP/s. */
    record Rate(String what, double gflops) {
    }

    private PerformanceModel() {
    }

    /** p: floats in a row of J (the padded recurrent parameters W, U, b) for {@code cell} with n units. */
    static long width(CellKind cell, int n) {
        return new RnnLayout(n, M, O, cell.gates()).recurrentSize();
    }

    /** S: rows of J, one per state value (2n for the LSTM's h and c, n otherwise). */
    static long stateRows(CellKind cell, int n) {
        return (long) cell.statesPerUnit() * n;
    }

    /** Full RTRL's flops per step counted as its D J (vanilla: W J) product alone: 2 S^2 p. */
    static double fullFlops(CellKind cell, int n) {
        long rows = stateRows(cell, n);
        return 2.0 * rows * rows * width(cell, n);
    }

    /** Bytes a per-row sparse step of the vanilla cell must move: J (n rows) read once and written once. */
    static double sparseBytes(int n) {
        return 8.0 * n * width(CellKind.VANILLA, n);
    }

    /** Bytes a subset step of the vanilla cell must move: its k stored rows read once and written once. */
    static double subsetBytes(int n, int k) {
        return 8.0 * k * width(CellKind.VANILLA, n);
    }

    /**
     * Every GEMM-like rate a run measured, fastest first: full RTRL's steps on one thread (their D J
     * product's flops over the whole step), KernelBenchmark's dense kernel (vector), and the peers'
     * dense product and update. None of them may beat the peak probe; one that does shows the probe wrong.
     */
    static List<Rate> gemmLike(Measurements m) {
        List<Rate> rates = new ArrayList<>();
        for (var e : m.steps.entrySet()) {
            if (learner(e.getKey()) instanceof LearnerSpec.FullSpec) {
                for (var r : e.getValue().entrySet()) {
                    rates.add(new Rate(e.getKey() + " step, n = " + r.getKey(),
                            fullFlops(CellKind.VANILLA, r.getKey()) / (r.getValue().score() * 1e3)));
                }
            }
        }
        for (var cell : m.gated.entrySet()) {
            for (var r : cell.getValue().getOrDefault("full", new TreeMap<>()).entrySet()) {
                rates.add(new Rate(cell.getKey() + " full step, n = " + r.getKey(),
                        fullFlops(CellKind.of(cell.getKey()), r.getKey()) / (r.getValue().score() * 1e3)));
            }
        }
        for (var shape : m.threads.entrySet()) {
            String[] parts = shape.getKey().split("@");
            JmhResult one = shape.getValue().get(1);
            if (one != null && learner(parts[0]) instanceof LearnerSpec.FullSpec) {
                rates.add(new Rate(parts[0] + " step, n = " + parts[1] + " (ThreadsBenchmark, one thread)",
                        fullFlops(CellKind.VANILLA, Integer.parseInt(parts[1])) / (one.score() * 1e3)));
            }
        }
        for (JmhResult r : m.kernels) {
            if (r.benchmark().equals("KernelBenchmark.dense") && "vector".equals(r.param("kernels"))) {
                rates.add(new Rate("KernelBenchmark.dense (vector)",
                        2.0 * KERNEL_ROWS * KERNEL_ROWS * KERNEL_COLS / (r.score() * 1e3)));
            }
        }
        if (m.peers != null) {
            for (Peers.Run run : m.peers.runs()) {
                for (Peers.Row r : run.rows()) {
                    rates.add(new Rate("numpy " + r.what() + ", n = " + r.n() + ", " + run.label(), r.gflops()));
                }
            }
        }
        rates.removeIf(r -> !Double.isFinite(r.gflops()));
        rates.sort(Comparator.comparingDouble(Rate::gflops).reversed());
        return rates;
    }

    /** Least-squares slope of ln(time) against ln(n) over n in [from, to]; NaN for fewer than two points. */
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

    /**
     * The learner a benchmark's {@code learner} parameter names ({@link LearnerSpec#parse}), which says
     * which model applies to it; null for a name that is not a learner's.
     */
    static LearnerSpec learner(String name) {
        try {
            return LearnerSpec.parse(name);
        } catch (IllegalArgumentException notALearner) {
            return null;
        }
    }
}
