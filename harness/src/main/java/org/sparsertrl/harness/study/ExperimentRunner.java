package org.sparsertrl.harness.study;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

import org.ejml.data.Complex_F64;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.EigenDecomposition_F64;
import org.ejml.interfaces.decomposition.SingularValueDecomposition_F64;
import org.sparsertrl.engine.cell.CellKind;
import org.sparsertrl.engine.cell.RnnLayout;
import org.sparsertrl.engine.cell.VanillaRnn;
import org.sparsertrl.engine.learn.LearnerSpec;
import org.sparsertrl.engine.learn.Precision;
import org.sparsertrl.engine.optim.OptimizerSpec;
import org.sparsertrl.engine.train.OnlineTrainer;
import org.sparsertrl.engine.train.TrainerState;
import org.sparsertrl.harness.task.Stream;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;

/**
 * Runs the protocol's experiments, each at most once: pre-training per cell, adaptation runs per
 * cell, method, learning rate and regime (shifted or not), and the choice of each method's learning
 * rate on the tuning seeds. Results are memoized, so studies that share a cell share its pre-training
 * and its control runs, and any number of threads may ask for the same result: the first computes it,
 * the others wait for it. Every result depends only on the protocol and its key, never on which
 * thread or in which order it ran.
 */
public final class ExperimentRunner {

    private final Protocol protocol;
    private final ConcurrentHashMap<Cell, FutureTask<Pretrained>> pretrained = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<Run, FutureTask<RunResult>> runs = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<Run, FutureTask<Tuning>> tunings = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, FutureTask<Object>> others = new ConcurrentHashMap<>();

    /** One adaptation run; {@code rate} is NaN for the frozen network. */
    private record Run(Cell cell, Method method, float rate, boolean shift) {
    }

    /**
     * The learning rate chosen for a method on one kind of cell: the rate of the grid with the lowest
     * mean loss over the window on the tuning seeds, among the rates whose loss without a shift stays
     * within {@code maxDamage} times the frozen network's.
     *
     * @param rate       the chosen rate (NaN for the frozen network)
     * @param grid       the rates tried
     * @param loss       mean window loss after the shift per rate, over the usable tuning seeds (NaN: a run diverged)
     * @param damage     mean no-shift loss over the frozen network's, per rate
     * @param withinDamage false when no rate kept its damage within the limit (the least damaging was taken)
     * @param seedsUsed  tuning seeds whose pre-training was usable
     * @param from       the size whose tuned rate this one was scaled from (n / from), or 0 when tuned here
     */
    public record Tuning(float rate, float[] grid, double[] loss, double[] damage, boolean withinDamage, int seedsUsed,
                         int from) {

        /**
         * The rule: the lowest finite loss among the rates whose damage is at most {@code maxDamage};
         * when none is, the least damaging rate (flagged by {@code withinDamage} false).
         */
        static Tuning choose(float[] grid, double[] loss, double[] damage, double maxDamage, int seedsUsed) {
            int best = -1, leastDamage = -1;
            for (int i = 0; i < grid.length; i++) {
                boolean finite = Double.isFinite(loss[i]) && Double.isFinite(damage[i]);
                if (finite && damage[i] <= maxDamage && (best < 0 || loss[i] < loss[best])) {
                    best = i;
                }
                if (finite && (leastDamage < 0 || damage[i] < damage[leastDamage])) {
                    leastDamage = i;
                }
            }
            boolean within = best >= 0;
            int chosen = within ? best : leastDamage >= 0 ? leastDamage : 0;
            return new Tuning(grid[chosen], grid, loss, damage, within, seedsUsed, 0);
        }
    }

    public ExperimentRunner(Protocol protocol) {
        this.protocol = protocol;
    }

    public Protocol protocol() {
        return protocol;
    }

    /** The network of {@code cell} after pre-training on regime A. */
    public Pretrained pretrained(Cell cell) {
        return memo(pretrained, cell, () -> pretrain(cell));
    }

    /** The adaptation run of {@code method} at {@code rate} from the pre-trained {@code cell}, with or without the shift. */
    public RunResult run(Cell cell, Method method, float rate, boolean shift) {
        float key = method.isFrozen() ? Float.NaN : rate;
        return memo(runs, new Run(cell, method, key, shift), () -> adapt(cell, method, key, shift));
    }

    /** The run of {@code method} at its tuned rate. */
    public RunResult evaluate(Cell cell, Method method, boolean shift) {
        return run(cell, method, tuning(cell, method).rate(), shift);
    }

    /**
     * The rate chosen for {@code method} on cells like {@code cell} (same task, kind, size, initialisation).
     * A learner that stores its sensitivity in bf16 takes the rate tuned for the same learner in float32:
     * the precision changes the arithmetic, not the method, and one rate for both isolates its effect (our
     * protocol's choice).
     */
    public Tuning tuning(Cell cell, Method method) {
        if (method.precision() != Precision.FLOAT32) {
            return tuning(cell, method.with(Precision.FLOAT32));
        }
        Cell kind = cell.withSeed(-1);
        return memo(tunings, new Run(kind, method, Float.NaN, true), () -> tune(kind, method));
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

    private Tuning tune(Cell kind, Method method) {
        Protocol p = protocol;
        if (method.isFrozen()) {
            return new Tuning(Float.NaN, new float[0], new double[0], new double[0], true, 0, 0);
        }
        if (kind.n() > p.tuneUpTo()) {
            int from = tunedSizeFor(kind.n());
            Tuning small = tuning(new Cell(kind.task(), kind.kind(), from, -1, kind.init()), method);
            float rate = (float) (small.rate() * from / (double) kind.n());
            return new Tuning(rate, new float[] {rate}, new double[] {Double.NaN}, new double[] {Double.NaN},
                    small.withinDamage(), 0, from);
        }
        float[] grid = p.grid(method.optimizer(), kind.n());
        List<Cell> cells = new ArrayList<>();
        for (long seed : p.tuningSeedList()) {
            Cell cell = kind.withSeed(seed);
            if (!pretrained(cell).failed()) {
                cells.add(cell);
            }
        }
        double[] loss = new double[grid.length], damage = new double[grid.length];
        for (int i = 0; i < grid.length; i++) {
            double shifted = 0, still = 0, frozen = 0;
            for (Cell cell : cells) {
                shifted += run(cell, method, grid[i], true).meanLoss();
                still += run(cell, method, grid[i], false).meanLoss();
                frozen += run(cell, Method.frozen(), Float.NaN, false).meanLoss();
            }
            loss[i] = cells.isEmpty() ? Double.NaN : shifted / cells.size();
            damage[i] = cells.isEmpty() ? Double.NaN : still / frozen;
        }
        return Tuning.choose(grid, loss, damage, p.maxDamage(), cells.size());
    }

    /** The largest size at most tuneUpTo among the protocol's sizes (or tuneUpTo itself), whose rate larger sizes scale. */
    int tunedSizeFor(int n) {
        Protocol p = protocol;
        int best = 0;
        for (int size : p.scalingSizes()) {
            if (size <= p.tuneUpTo() && size > best) {
                best = size;
            }
        }
        if (p.n() <= p.tuneUpTo() && p.n() > best) {
            best = p.n();
        }
        return best > 0 ? best : Math.min(p.tuneUpTo(), n);
    }

    private OnlineTrainer trainer(Cell cell, LearnerSpec learner, OptimizerSpec optimizer) {
        return OnlineTrainer.builder(cell.n(), cell.inputs(protocol), cell.outputs()).cell(cell.kind()).seed(cell.seed())
                .initialization(cell.init()).learner(learner).optimizer(optimizer).build();
    }

    /** A fresh stream of the cell, advanced to the end of pre-training; it shifts there when {@code shift}. */
    private Stream streamAtShift(Cell cell, boolean shift) {
        Stream stream = cell.stream(protocol, shift ? protocol.shiftAt() : Long.MAX_VALUE);
        float[] x = new float[cell.inputs(protocol)], y = new float[cell.outputs()];
        for (long t = 0; t < protocol.pretrainSteps(); t++) {
            stream.next(x, y);
        }
        return stream;
    }

    private Pretrained pretrain(Cell cell) {
        Protocol p = protocol;
        float[] x = new float[cell.inputs(protocol)], y = new float[cell.outputs()];
        Binner tail = new Binner(p.adaptSteps(), p.curveBins());
        long tailFrom = p.pretrainSteps() - p.adaptSteps();
        LearnerSpec learner = p.pretrainWindow() == 0 ? LearnerSpec.full() : LearnerSpec.truncatedBptt(p.pretrainWindow());
        float rate = p.pretrainRate(cell.n());
        try (OnlineTrainer trainer = trainer(cell, learner, OptimizerSpec.adam(rate))) {
            Pretrained.Diagnostics atInit = diagnose(trainer, cell, cell.stream(p, Long.MAX_VALUE), p.spectralSteps(), null);
            trainer.reset();
            Stream stream = cell.stream(p, Long.MAX_VALUE);
            long start = System.nanoTime();
            int annealFrom = (int) Math.round(p.pretrainSteps() * (1 - p.annealFraction()));
            for (int t = 0; t < p.pretrainSteps(); t++) {
                if (t >= annealFrom) {
                    double left = (double) (p.pretrainSteps() - t) / (p.pretrainSteps() - annealFrom);
                    trainer.setLearningRate((float) (rate * Math.max(1e-3, left)));
                }
                stream.next(x, y);
                float loss = trainer.step(x, y);
                if (trainer.diverged()) {
                    return new Pretrained(trainer.weights(), new float[trainer.inspect().cell().stateSize()], null, Double.NaN,
                            Double.NaN, tail.curve(), Double.NaN, "pre-training diverged at step " + t, atInit,
                            Pretrained.Diagnostics.none());
                }
                if (t >= tailFrom) {
                    tail.add(loss);
                }
            }
            double micros = (System.nanoTime() - start) / 1e3 / p.pretrainSteps();
            float[] weights = trainer.weights(), hidden = trainer.hiddenState();
            byte[] state;
            try (TrainerState saved = trainer.newState(false)) {
                trainer.saveState(saved);
                state = saved.data().toArray(ValueLayout.JAVA_BYTE);
            }
            // The frozen network on more of regime A: the "before the shift" loss, the trivial
            // predictor's loss on the same targets, and the geometry along the way.
            double[] sums = new double[2];
            Pretrained.Diagnostics after = diagnose(trainer, cell, stream, p.adaptSteps(), sums);
            double before = sums[0], trivial = sums[1];
            String failure = !Double.isFinite(before) ? "the pre-trained network's loss is not finite"
                    : before > p.failAbove() * trivial ? String.format("loss before the shift %.3g > %s x the trivial "
                    + "predictor's %.3g", before, p.failAbove(), trivial) : null;
            return new Pretrained(weights, hidden, state, before, trivial, tail.curve(), micros, failure, atInit, after);
        }
    }

    /**
     * Runs the frozen network {@code steps} steps along {@code stream}; for a vanilla cell, samples
     * d_t and diag(d_t) W every {@code spectralEvery} steps (at most spectralSteps / spectralEvery
     * samples). If {@code sums} is given, writes the mean loss into [0] and the trivial predictor's
     * loss (half the summed variance of the targets) into [1].
     */
    private Pretrained.Diagnostics diagnose(OnlineTrainer trainer, Cell cell, Stream stream, int steps, double[] sums) {
        Protocol p = protocol;
        int o = cell.outputs();
        float[] x = new float[cell.inputs(p)], y = new float[o];
        double loss = 0;
        double[] mean = new double[o], square = new double[o];
        boolean vanilla = cell.kind() == CellKind.VANILLA;
        int n = cell.n(), samples = Math.min(p.spectralSteps(), steps) / p.spectralEvery();
        double[] conditions = new double[vanilla ? samples : 0];
        double[] ds = new double[vanilla ? samples * n : 0];
        DMatrixRMaj jacobian = vanilla ? new DMatrixRMaj(n, n) : null;
        SingularValueDecomposition_F64<DMatrixRMaj> svd = vanilla ? DecompositionFactory_DDRM.svd(n, n, false, false, true) : null;
        int taken = 0;
        for (int t = 1; t <= steps; t++) {
            stream.next(x, y);
            loss += trainer.evaluate(x, y);
            for (int r = 0; r < o; r++) {
                mean[r] += y[r];
                square[r] += (double) y[r] * y[r];
            }
            if (vanilla && taken < samples && t % p.spectralEvery() == 0) {
                VanillaRnn rnn = (VanillaRnn) trainer.inspect().cell();
                RnnLayout layout = trainer.layout();
                for (int i = 0; i < n; i++) {
                    double d = rnn.derivative().getAtIndex(JAVA_FLOAT, i);
                    ds[taken * n + i] = d;
                    for (int j = 0; j < n; j++) {
                        jacobian.set(i, j, d * rnn.parameter(layout.w(i, j)));
                    }
                }
                conditions[taken++] = condition(svd, jacobian, cell);
            }
        }
        if (sums != null) {
            double trivial = 0;
            for (int r = 0; r < o; r++) {
                double m = mean[r] / steps;
                trivial += 0.5 * Math.max(0, square[r] / steps - m * m);
            }
            sums[0] = loss / steps;
            sums[1] = trivial;
        }
        if (!vanilla) {
            return Pretrained.Diagnostics.none();
        }
        VanillaRnn rnn = (VanillaRnn) trainer.inspect().cell();
        DMatrixRMaj w = new DMatrixRMaj(n, n);
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                w.set(i, j, rnn.parameter(trainer.layout().w(i, j)));
            }
        }
        double kappaW = condition(svd, w.copy(), cell);
        EigenDecomposition_F64<DMatrixRMaj> eig = DecompositionFactory_DDRM.eig(n, false);
        double rho = Double.NaN;
        if (eig.decompose(w)) {
            rho = 0;
            for (int i = 0; i < eig.getNumberOfEigenvalues(); i++) {
                Complex_F64 lambda = eig.getEigenvalue(i);
                rho = Math.max(rho, lambda.getMagnitude());
            }
        }
        return new Pretrained.Diagnostics(rho, kappaW, ds.length == 0 ? Double.NaN : Arrays.stream(ds).min().orElseThrow(),
                Stats.quantile(ds, 0.5), Arrays.copyOf(conditions, taken));
    }

    private static double condition(SingularValueDecomposition_F64<DMatrixRMaj> svd, DMatrixRMaj matrix, Cell cell) {
        if (!svd.decompose(matrix)) {
            throw new IllegalStateException("SVD did not converge for " + cell);
        }
        double[] sigma = svd.getSingularValues();
        double max = 0, min = Double.POSITIVE_INFINITY;
        for (int i = 0; i < svd.numberOfSingularValues(); i++) {
            max = Math.max(max, sigma[i]);
            min = Math.min(min, sigma[i]);
        }
        return max / min;
    }

    private RunResult adapt(Cell cell, Method method, float rate, boolean shift) {
        Protocol p = protocol;
        Pretrained base = pretrained(cell);
        if (base.failed()) {
            return RunResult.unusable(p.curveBins());
        }
        boolean frozen = method.isFrozen();
        LearnerSpec learner = frozen ? LearnerSpec.immediate() : method.learner(p, cell);
        Stream stream = streamAtShift(cell, shift);
        float[] x = new float[cell.inputs(protocol)], y = new float[cell.outputs()];
        float start = frozen ? p.pretrainRate() : rate;
        try (OnlineTrainer trainer = trainer(cell, learner, method.optimizer(start))) {
            start(trainer, base, method);
            return adaptationRun(p.adaptSteps(), p.curveBins(), t -> {
                if (!frozen && t < p.warmUpSteps()) {
                    trainer.setLearningRate(rate * (t + 1) / p.warmUpSteps());
                }
                stream.next(x, y);
                return frozen ? trainer.evaluate(x, y) : trainer.step(x, y);
            }, trainer::diverged);
        }
    }

    /** Step {@code t} of an adaptation window: draws the sample, steps (or evaluates) the model on it. */
    interface AdaptationStep {
        float loss(int t);
    }

    /**
     * The {@code steps} steps of an adaptation window (the RNNs' and the transformer's): the mean loss, the
     * curve in {@code bins} bins, and the time per step over the second half only, as the first runs of a
     * JVM spend their first steps in the JIT. A step whose loss is not finite, or after which the model
     * reports divergence, ends the run there.
     */
    static RunResult adaptationRun(int steps, int bins, AdaptationStep step, BooleanSupplier diverged) {
        Binner curve = new Binner(steps, bins);
        double sum = 0;
        int timedFrom = steps / 2;
        long began = 0;
        for (int t = 0; t < steps; t++) {
            if (t == timedFrom) {
                began = System.nanoTime();
            }
            float loss = step.loss(t);
            if (diverged.getAsBoolean() || !Float.isFinite(loss)) {
                return new RunResult(Double.NaN, curve.curveUntil(t), Double.NaN, t, false);
            }
            sum += loss;
            curve.add(loss);
        }
        double micros = (System.nanoTime() - began) / 1e3 / (steps - timedFrom);
        return new RunResult(sum / steps, curve.curve(), micros, -1, false);
    }

    /**
     * Puts the pre-trained network into {@code trainer}: weights and hidden state, and pre-training's
     * Adam moments if the protocol keeps them; the learner's sensitivities start at zero at the shift.
     */
    private void start(OnlineTrainer trainer, Pretrained base, Method method) {
        if (protocol.keepMoments() && !method.isFrozen() && method.optimizer() == Method.Optimizer.ADAM) {
            float rate = trainer.learningRate();
            try (TrainerState state = trainer.newState(false)) {
                MemorySegment.copy(MemorySegment.ofArray(base.state()), 0, state.data(), 0, base.state().length);
                trainer.restoreState(state);
            }
            trainer.setLearningRate(rate);
        } else {
            trainer.setWeights(base.weights());
            trainer.setHiddenState(base.hidden());
        }
    }

    /**
     * The first output and its target over {@code steps} steps: on regime A right after pre-training
     * ({@code afterShift} false, frozen network), or over the last {@code steps} of the adaptation
     * window of {@code method} at its tuned rate ({@code afterShift} true). Rows: target, output. Not memoized.
     */
    public double[][] trace(Cell cell, Method method, boolean afterShift, int steps) {
        Protocol p = protocol;
        Pretrained base = pretrained(cell);
        double[][] out = new double[2][steps];
        if (base.failed()) {
            Arrays.fill(out[0], Double.NaN);
            Arrays.fill(out[1], Double.NaN);
            return out;
        }
        boolean frozen = method.isFrozen();
        LearnerSpec learner = frozen ? LearnerSpec.immediate() : method.learner(p, cell);
        float rate = frozen ? p.pretrainRate() : tuning(cell, method).rate();
        Stream stream = streamAtShift(cell, afterShift);
        float[] x = new float[cell.inputs(protocol)], y = new float[cell.outputs()], yHat = new float[cell.outputs()];
        int total = afterShift ? p.adaptSteps() : steps;
        try (OnlineTrainer trainer = trainer(cell, learner, method.optimizer(rate))) {
            start(trainer, base, method);
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
