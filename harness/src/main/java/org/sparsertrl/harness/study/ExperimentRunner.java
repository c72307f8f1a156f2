package org.sparsertrl.harness.study;

import java.util.Arrays;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.function.Supplier;

import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.SingularValueDecomposition_F64;
import org.sparsertrl.engine.cell.RnnLayout;
import org.sparsertrl.engine.cell.VanillaRnn;
import org.sparsertrl.engine.learn.LearnerSpec;
import org.sparsertrl.engine.optim.OptimizerSpec;
import org.sparsertrl.engine.train.OnlineTrainer;
import org.sparsertrl.harness.task.Stream;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;

/**
 * Runs the protocol's experiments, each at most once: pre-training per cell, adaptation per cell and
 * method, Jacobian spectra per cell. Results are memoized, so studies that share a cell share its
 * pre-training and its frozen and full-RTRL runs, and any number of threads may ask for the same
 * result: the first computes it, the others wait for it. Every result depends only on the protocol
 * and its key, never on which thread or in which order it ran.
 */
public final class ExperimentRunner {

    private final Protocol protocol;
    private final ConcurrentHashMap<Cell, FutureTask<Pretrained>> pretrained = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<Run, FutureTask<RunResult>> runs = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<Cell, FutureTask<double[]>> spectra = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, FutureTask<Object>> others = new ConcurrentHashMap<>();

    private record Run(Cell cell, Method method) {
    }

    public ExperimentRunner(Protocol protocol) {
        this.protocol = protocol;
    }

    public Protocol protocol() {
        return protocol;
    }

    /** The network of {@code cell} after pre-training on regime A with full RTRL. */
    public Pretrained pretrained(Cell cell) {
        return memo(pretrained, cell, () -> pretrain(cell));
    }

    /** The adaptation run of {@code method} from the pre-trained network of {@code cell}. */
    public RunResult adapt(Cell cell, Method method) {
        return memo(runs, new Run(cell, method), () -> runAdaptation(cell, method));
    }

    /** Condition numbers of diag(d_t) W sampled along a regime-A trajectory of the pre-trained network. */
    public double[] conditionNumbers(Cell cell) {
        return memo(spectra, cell, () -> sampleConditionNumbers(cell));
    }

    /** Computes {@code compute} once per key, for studies whose experiments have a shape of their own. */
    @SuppressWarnings("unchecked")
    public <V> V once(String key, Supplier<V> compute) {
        return (V) memo(others, key, compute::get);
    }

    private static <K, V> V memo(ConcurrentHashMap<K, FutureTask<V>> cache, K key, Supplier<V> compute) {
        FutureTask<V> task = new FutureTask<>(compute::get);
        FutureTask<V> existing = cache.putIfAbsent(key, task);
        if (existing == null) {
            task.run();
            existing = task;
        }
        try {
            return existing.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for " + key, e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("experiment " + key + " failed: " + e.getCause(), e.getCause());
        }
    }

    private OnlineTrainer trainer(Cell cell, LearnerSpec learner, OptimizerSpec optimizer) {
        return OnlineTrainer.builder(cell.n(), cell.inputs(protocol), cell.outputs()).cell(cell.kind()).seed(cell.seed())
                .recurrentGain(protocol.recurrentGain()).learner(learner).optimizer(optimizer).build();
    }

    /** A fresh stream of the cell, advanced to the shift. */
    private Stream streamAtShift(Cell cell, long shiftAt) {
        Stream stream = cell.stream(protocol, shiftAt);
        float[] x = new float[cell.inputs(protocol)], y = new float[cell.outputs()];
        for (long t = 0; t < protocol.pretrainSteps(); t++) {
            stream.next(x, y);
        }
        return stream;
    }

    private Pretrained pretrain(Cell cell) {
        Protocol p = protocol;
        Stream stream = cell.stream(p, Long.MAX_VALUE);
        float[] x = new float[cell.inputs(protocol)], y = new float[cell.outputs()];
        Binner tail = new Binner(p.adaptSteps(), p.curveBins());
        long tailFrom = p.pretrainSteps() - p.adaptSteps();
        try (OnlineTrainer trainer = trainer(cell, LearnerSpec.full(), OptimizerSpec.adam(p.learningRate()))) {
            long start = System.nanoTime();
            int annealFrom = (int) Math.round(p.pretrainSteps() * (1 - p.annealFraction()));
            for (int t = 0; t < p.pretrainSteps(); t++) {
                if (t >= annealFrom) {
                    double left = (double) (p.pretrainSteps() - t) / (p.pretrainSteps() - annealFrom);
                    trainer.setLearningRate((float) (p.learningRate() * Math.max(1e-3, left)));
                }
                stream.next(x, y);
                float loss = trainer.step(x, y);
                if (trainer.diverged()) {
                    return new Pretrained(trainer.weights(), new float[trainer.cell().stateSize()], Double.NaN, tail.curve(), Double.NaN, true);
                }
                if (t >= tailFrom) {
                    tail.add(loss);
                }
            }
            double micros = (System.nanoTime() - start) / 1e3 / p.pretrainSteps();
            float[] weights = trainer.weights(), hidden = trainer.hiddenState();
            // The frozen network on more of regime A: the "before the shift" loss.
            double before = 0;
            for (int t = 0; t < p.adaptSteps(); t++) {
                stream.next(x, y);
                before += trainer.evaluate(x, y);
            }
            return new Pretrained(weights, hidden, before / p.adaptSteps(), tail.curve(), micros, false);
        }
    }

    private RunResult runAdaptation(Cell cell, Method method) {
        Protocol p = protocol;
        Pretrained base = pretrained(cell);
        double[] nan = new double[p.curveBins()];
        Arrays.fill(nan, Double.NaN);
        if (base.diverged()) {
            return new RunResult(Double.NaN, nan, Double.NaN, -1, true);
        }
        LearnerSpec learner = method.kind() == Method.Kind.FROZEN ? LearnerSpec.immediate() : method.learner(p, cell);
        Stream stream = streamAtShift(cell, p.shiftAt());
        float[] x = new float[cell.inputs(protocol)], y = new float[cell.outputs()];
        Binner curve = new Binner(p.adaptSteps(), p.curveBins());
        // A fresh trainer: the learner's sensitivities and the optimizer's moments start at zero at the shift.
        try (OnlineTrainer trainer = trainer(cell, learner, method.optimizer(p))) {
            trainer.setWeights(base.weights());
            trainer.setHiddenState(base.hidden());
            boolean frozen = method.kind() == Method.Kind.FROZEN;
            double sum = 0;
            // Time the second half only: the first runs of a JVM spend their first steps in the JIT.
            int timedFrom = p.adaptSteps() / 2;
            long start = 0;
            for (int t = 0; t < p.adaptSteps(); t++) {
                if (t == timedFrom) {
                    start = System.nanoTime();
                }
                stream.next(x, y);
                float loss = frozen ? trainer.evaluate(x, y) : trainer.step(x, y);
                if (trainer.diverged() || !Float.isFinite(loss)) {
                    return new RunResult(Double.NaN, curve.curveUntil(t), Double.NaN, t, false);
                }
                sum += loss;
                curve.add(loss);
            }
            double micros = (System.nanoTime() - start) / 1e3 / (p.adaptSteps() - timedFrom);
            return new RunResult(sum / p.adaptSteps(), curve.curve(), micros, -1, false);
        }
    }

    /**
     * The first output and its target over {@code steps} steps: on regime A right after pre-training
     * ({@code afterShift} false, frozen network), or over the last {@code steps} of the adaptation
     * window of {@code method} ({@code afterShift} true). Rows: target, output. Not memoized.
     */
    public double[][] trace(Cell cell, Method method, boolean afterShift, int steps) {
        Protocol p = protocol;
        Pretrained base = pretrained(cell);
        double[][] out = new double[2][steps];
        if (base.diverged()) {
            java.util.Arrays.fill(out[0], Double.NaN);
            java.util.Arrays.fill(out[1], Double.NaN);
            return out;
        }
        boolean frozen = method.kind() == Method.Kind.FROZEN;
        LearnerSpec learner = frozen ? LearnerSpec.immediate() : method.learner(p, cell);
        Stream stream = streamAtShift(cell, afterShift ? p.shiftAt() : Long.MAX_VALUE);
        float[] x = new float[cell.inputs(protocol)], y = new float[cell.outputs()], yHat = new float[cell.outputs()];
        int total = afterShift ? p.adaptSteps() : steps;
        try (OnlineTrainer trainer = trainer(cell, learner, method.optimizer(p))) {
            trainer.setWeights(base.weights());
            trainer.setHiddenState(base.hidden());
            for (int t = 0; t < total; t++) {
                stream.next(x, y);
                if (frozen) {
                    trainer.evaluate(x, y);
                } else {
                    trainer.step(x, y);
                }
                if (trainer.diverged()) {
                    break;
                }
                int at = t - (total - steps);
                if (at >= 0) {
                    trainer.output(yHat);
                    out[0][at] = y[0];
                    out[1][at] = yHat[0];
                }
            }
        }
        return out;
    }

    private double[] sampleConditionNumbers(Cell cell) {
        Protocol p = protocol;
        Pretrained base = pretrained(cell);
        if (base.diverged()) {
            return new double[0];
        }
        Stream stream = streamAtShift(cell, Long.MAX_VALUE);
        float[] x = new float[cell.inputs(protocol)], out = new float[cell.outputs()], y = new float[cell.outputs()];
        int n = cell.n();
        int samples = p.spectralSteps() / p.spectralEvery();
        double[] conditions = new double[samples];
        DMatrixRMaj jacobian = new DMatrixRMaj(n, n);
        SingularValueDecomposition_F64<DMatrixRMaj> svd = DecompositionFactory_DDRM.svd(n, n, false, false, true);
        try (OnlineTrainer trainer = trainer(cell, LearnerSpec.immediate(), OptimizerSpec.adam(p.learningRate()))) {
            trainer.setWeights(base.weights());
            trainer.setHiddenState(base.hidden());
            RnnLayout layout = trainer.layout();
            if (!(trainer.cell() instanceof VanillaRnn vanilla)) {
                throw new IllegalArgumentException("condition numbers of diag(d_t) W are defined for the vanilla cell, not "
                        + cell.kind().label());
            }
            int taken = 0;
            for (int t = 1; taken < samples; t++) {
                stream.next(x, y);
                trainer.predict(x, out);
                if (t % p.spectralEvery() == 0) {
                    for (int i = 0; i < n; i++) {
                        double d = vanilla.derivative().getAtIndex(JAVA_FLOAT, i);
                        for (int j = 0; j < n; j++) {
                            jacobian.set(i, j, d * vanilla.parameter(layout.w(i, j)));
                        }
                    }
                    if (!svd.decompose(jacobian)) {
                        throw new IllegalStateException("SVD did not converge for " + cell + " at step " + t);
                    }
                    double[] sigma = svd.getSingularValues();
                    double max = 0, min = Double.POSITIVE_INFINITY;
                    for (int i = 0; i < svd.numberOfSingularValues(); i++) {
                        max = Math.max(max, sigma[i]);
                        min = Math.min(min, sigma[i]);
                    }
                    conditions[taken++] = max / min;
                }
            }
        }
        return conditions;
    }

    /** Averages a run of losses into equal bins. */
    static final class Binner {
        private final int steps;
        private final double[] sums;
        private final int[] counts;
        private int seen;

        Binner(int steps, int bins) {
            this.steps = steps;
            this.sums = new double[bins];
            this.counts = new int[bins];
        }

        void add(double loss) {
            int bin = (int) ((long) seen * sums.length / steps);
            sums[bin] += loss;
            counts[bin]++;
            seen++;
        }

        double[] curve() {
            double[] out = new double[sums.length];
            for (int b = 0; b < out.length; b++) {
                out[b] = counts[b] == 0 ? Double.NaN : sums[b] / counts[b];
            }
            return out;
        }

        /** The curve with every bin from the one holding {@code step} on set to NaN. */
        double[] curveUntil(int step) {
            double[] out = curve();
            for (int b = (int) ((long) step * sums.length / steps); b < out.length; b++) {
                out[b] = Double.NaN;
            }
            return out;
        }
    }
}
