package org.sparsertrl.engine.train;

import java.lang.foreign.MemorySegment;

import org.sparsertrl.engine.Arguments;
import org.sparsertrl.engine.cell.CellKind;
import org.sparsertrl.engine.cell.Gru;
import org.sparsertrl.engine.cell.Initialization;
import org.sparsertrl.engine.cell.Lstm;
import org.sparsertrl.engine.cell.RecurrentCell;
import org.sparsertrl.engine.cell.RnnLayout;
import org.sparsertrl.engine.cell.VanillaRnn;
import org.sparsertrl.engine.kernel.ColumnPool;
import org.sparsertrl.engine.kernel.KernelProvider;
import org.sparsertrl.engine.kernel.Kernels;
import org.sparsertrl.engine.learn.Learner;
import org.sparsertrl.engine.learn.LearnerSpec;
import org.sparsertrl.engine.memory.ModelMemory;
import org.sparsertrl.engine.memory.StateSlab;
import org.sparsertrl.engine.optim.GradientClipping;
import org.sparsertrl.engine.optim.Optimizer;
import org.sparsertrl.engine.optim.OptimizerSpec;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * A recurrent network (vanilla, LSTM or GRU: {@link Builder#cell}) that learns online: every {@link #step} predicts, measures the loss against the target, and
 * updates the weights with the gradient of its learner. One instance owns one off-heap arena holding
 * the weights, state, sensitivities, gradient and optimizer moments; {@link #close()} releases it.
 *
 * <pre>{@code
 * try (OnlineTrainer trainer = OnlineTrainer.builder(64, 1, 1)
 *         .seed(42)
 *         .learner(LearnerSpec.sparse(4, Selection.randomFixed(7)))
 *         .optimizer(OptimizerSpec.adam(1e-3f))
 *         .build()) {
 *     float[] x = new float[1], target = new float[1];
 *     for (int t = 0; t < 1000; t++) {
 *         x[0] = (float) Math.sin(0.1 * t);
 *         target[0] = (float) Math.sin(0.1 * (t + 1));
 *         float loss = trainer.step(x, target);
 *     }
 * }
 * }</pre>
 *
 * <p><b>Hot path.</b> {@link #step}, {@link #predict} and {@link #evaluate} allocate nothing and take
 * no lock. An instance is not thread-safe: one thread at a time steps it.
 *
 * <p><b>Bad input</b> (wrong length, NaN or infinite values) throws {@link IllegalArgumentException}
 * naming the argument and value, before any state changes.
 *
 * <p><b>Divergence.</b> A step whose loss, hidden state or gradient is not finite makes no update:
 * it returns the loss it computed (possibly NaN), {@link #diverged()} becomes true and
 * {@link #divergence()} says what was not finite. Such a step leaves the weights as they were; an
 * earlier update that was finite but huge (plain SGD with a large step) can still have made them
 * overflow, which the next step then reports. Until {@link #reset()} (which clears hidden state and
 * sensitivities), further steps throw {@link IllegalStateException}.
 */
public final class OnlineTrainer implements AutoCloseable {

    private final ModelMemory memory;
    final Kernels kernels;            // the parts are package-visible for TrainerInspection
    private final RnnLayout layout;
    final RecurrentCell cell;
    final Learner learner;
    final Optimizer optimizer;
    private final TrainerInspection inspection = new TrainerInspection(this);
    private final ColumnPool pool;
    private final MemorySegment grad; // (size) slab layout: recurrent part from the learner, readout exact
    private final float clipNorm;
    private final Initialization initialization;
    private final int[] pruned;       // slab indices of the recurrent weights a weight density removed (kept at zero)
    private final MemorySegment updates; // (1) long: weight updates made, the trainer's part of the state
    private float lastGradientNorm = Float.NaN;
    private Divergence divergence;

    private OnlineTrainer(Builder b) {
        this.layout = new RnnLayout(b.n, b.m, b.o, b.cell.gates());
        this.kernels = b.kernels != null ? b.kernels : KernelProvider.selected();
        this.clipNorm = b.clipNorm;
        this.initialization = b.initialization;
        ModelMemory ownMemory = null;
        ColumnPool ownPool = null;
        try {
            ownMemory = new ModelMemory();
            ownPool = new ColumnPool(b.threads);
            this.memory = ownMemory;
            this.pool = ownPool;
            this.cell = switch (b.cell) {
                case VANILLA -> new VanillaRnn(layout, memory, kernels);
                case LSTM -> new Lstm(layout, memory, kernels);
                case GRU -> new Gru(layout, memory, kernels);
            };
            this.cell.initialize(b.seed, b.initialization);
            this.pruned = prune(cell, layout, b.weightDensity, b.seed);
            this.learner = b.learner.create(cell, memory, kernels, pool);
            this.optimizer = b.optimizer.create(layout.size(), memory, kernels);
            this.grad = memory.allocateFloats(layout.size());
            this.updates = memory.state().longs(StateSlab.Part.TRAINER, "trainer.updates", 1).segment();
            memory.state().seal();
        } catch (RuntimeException | Error e) {
            if (ownPool != null) {
                ownPool.close();
            }
            if (ownMemory != null) {
                ownMemory.close();
            }
            throw e;
        }
    }

    /**
     * Removes each connection from unit j to unit i (W_g[i, j] in every gate g) with probability
     * 1 - {@code density}, drawn from the seed, by setting those weights to zero; returns their slab
     * indices, whose gradient every step then zeroes so they stay zero under every optimizer.
     *
     * @return the slab indices of the removed weights
     */
    private static int[] prune(RecurrentCell cell, RnnLayout layout, float density, long seed) {
        if (density == 1f) {
            return new int[0];
        }
        java.util.SplittableRandom random = new java.util.SplittableRandom(seed ^ 0x5DEECE66DL);
        int n = layout.n();
        int[] out = new int[n * n * layout.gates()];
        int count = 0;
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                if (random.nextDouble() >= density) {
                    for (int g = 0; g < layout.gates(); g++) {
                        out[count] = layout.w(g * n + i, j);
                        cell.setParameter(out[count++], 0f);
                    }
                }
            }
        }
        return java.util.Arrays.copyOf(out, count);
    }

    /**
     * {@return a builder for a network with {@code n} hidden units, {@code m} inputs and {@code o} outputs}
     *
     * @param n hidden units
     * @param m inputs
     * @param o outputs
     */
    public static Builder builder(int n, int m, int o) {
        return new Builder(n, m, o);
    }

    /**
     * One online training step: forward with {@code input} (length m), loss against {@code target}
     * (length o), gradient from the learner, clipping, optimizer update.
     *
     * @param input  x_t
     * @param target y*_t
     * @return the loss {@code 1/2 |y_t - target|^2} of the prediction made before the update
     */
    public float step(float[] input, float[] target) {
        return advance(input, target, true);
    }

    /**
     * Like {@link #step} but leaves the weights and the optimizer untouched: the hidden state and the
     * sensitivities advance, and the unclipped gradient of this step is readable through
     * {@link #gradient(int)}. Summed over a sequence this is the online gradient with frozen weights.
     *
     * @param input  x_t
     * @param target y*_t
     * @return the loss of this step
     */
    public float computeGradient(float[] input, float[] target) {
        return advance(input, target, false);
    }

    private float advance(float[] input, float[] target, boolean update) {
        Arguments.requireFiniteVector("input", input, layout.m(), "m");
        Arguments.requireFiniteVector("target", target, layout.o(), "o");
        requireNotDiverged();
        cell.forward(input);
        float loss = cell.loss(target);
        if (!Float.isFinite(loss) || !cell.stateIsFinite()) {
            divergence = Float.isFinite(loss) ? Divergence.HIDDEN_STATE : Divergence.LOSS;
            return loss;
        }
        learner.step(grad);
        for (int index : pruned) {
            grad.setAtIndex(JAVA_FLOAT, index, 0f);
        }
        cell.readoutGradient(grad);
        lastGradientNorm = GradientClipping.clip(kernels, grad, layout.size(), update ? clipNorm : Float.POSITIVE_INFINITY);
        if (!Float.isFinite(lastGradientNorm)) {
            divergence = Divergence.GRADIENT;
            return loss;
        }
        if (update) {
            optimizer.update(cell.parameters(), grad);
            updates.set(JAVA_LONG, 0, updates.get(JAVA_LONG, 0) + 1);
        }
        return loss;
    }

    /**
     * A step without a target, for tasks whose error arrives only at some steps (the adding problem's
     * last step): the hidden state and the learner's sensitivities advance as in {@link #step}, with a
     * zero error, and nothing is learned. Unlike {@link #predict}, the sensitivities stay in step with
     * the hidden state, so a later {@link #step} gets the gradient through this step too. Allocates nothing.
     *
     * @param input x_t
     */
    public void observe(float[] input) {
        Arguments.requireFiniteVector("input", input, layout.m(), "m");
        requireNotDiverged();
        cell.forward(input);
        if (!cell.stateIsFinite()) {
            divergence = Divergence.HIDDEN_STATE;
            return;
        }
        cell.clearError();
        learner.step(grad);
    }

    /**
     * Forward only: advances the hidden state with {@code input} and writes y_t into {@code output} (length o).
     *
     * @param input  x_t
     * @param output where y_t goes
     */
    public void predict(float[] input, float[] output) {
        Arguments.requireFiniteVector("input", input, layout.m(), "m");
        requireLength("output", output, layout.o(), "o");
        requireNotDiverged();
        cell.forward(input);
        cell.output(output);
    }

    /**
     * Forward and loss without learning (the "frozen" model): advances the hidden state, leaves the
     * weights, sensitivities and optimizer untouched.
     *
     * @param input  x_t
     * @param target y*_t
     * @return the loss of this step
     */
    public float evaluate(float[] input, float[] target) {
        Arguments.requireFiniteVector("input", input, layout.m(), "m");
        Arguments.requireFiniteVector("target", target, layout.o(), "o");
        requireNotDiverged();
        cell.forward(input);
        return cell.loss(target);
    }

    private void requireNotDiverged() {
        if (divergence != null) {
            throw new IllegalStateException("the trainer diverged (" + divergence.message() + ") after "
                    + steps() + " updates; call reset() before stepping again");
        }
    }

    private static void requireLength(String name, float[] values, int length, String lengthName) {
        if (values == null) {
            throw new IllegalArgumentException(name + " is null");
        }
        if (values.length != length) {
            throw new IllegalArgumentException(name + " has length " + values.length + ", expected "
                    + lengthName + " = " + length);
        }
    }

    /** Zeroes the hidden state and the sensitivities and clears a divergence; weights and optimizer stay. */
    public void reset() {
        cell.resetState();
        learner.reset();
        divergence = null;
    }

    /** Clears the optimizer's moments and step count. */
    public void resetOptimizer() {
        optimizer.reset();
    }

    /**
     * Copies the weights of {@code source} (same n, m, o) into this model. Hidden state,
     * sensitivities and optimizer moments are left as they are.
     *
     * @param source the model to copy from
     */
    public void copyWeightsFrom(OnlineTrainer source) {
        cell.copyParametersFrom(requireSource(source).cell);
    }

    private static OnlineTrainer requireSource(OnlineTrainer source) {
        if (source == null) {
            throw new IllegalArgumentException("source is null");
        }
        return source;
    }

    /**
     * A state block for this trainer: parameters, hidden state, optimizer moments, update count and,
     * if {@code withSensitivities}, the learner's sensitivities. Allocates off-heap memory owned by the
     * returned state (close it); saving into it later allocates nothing.
     *
     * @param withSensitivities whether the block holds the learner's sensitivities
     * @return the state block
     */
    public TrainerState newState(boolean withSensitivities) {
        return new TrainerState(memory.state(), withSensitivities);
    }

    /**
     * Copies this trainer's state into {@code state} (made by {@link #newState} of a trainer like this one). Allocates nothing.
     *
     * @param state where to save
     */
    public void saveState(TrainerState state) {
        requireFits(state);
        memory.state().save(state.data(), state.includesSensitivities());
    }

    /**
     * Makes this trainer what it was when {@code state} was saved: parameters, hidden state, optimizer
     * moments, update count, and sensitivities if the state has them (zero otherwise). Clears a
     * divergence. Allocates nothing.
     *
     * @param state what {@link #saveState} saved
     */
    public void restoreState(TrainerState state) {
        requireFits(state);
        memory.state().load(state.data(), state.includesSensitivities());
        if (!state.includesSensitivities()) {
            learner.reset();
        }
        divergence = null;
    }

    private void requireFits(TrainerState state) {
        if (state == null) {
            throw new IllegalArgumentException("state is null");
        }
        if (!state.fits(memory.state())) {
            throw new IllegalArgumentException("state of " + state.bytes() + " bytes does not fit this trainer ("
                    + layout + ", " + learner.spec().label() + ", " + optimizer.spec().label() + ")");
        }
    }

    /** {@return a copy of every parameter, in the slab layout of {@link RnnLayout} (length {@code layout().size()})} */
    public float[] weights() {
        float[] out = new float[layout.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = cell.parameter(i);
        }
        return out;
    }

    /**
     * Sets every parameter from {@code values}, in the slab layout of {@link RnnLayout}: length
     * {@code layout().size()}, finite, zero at padding. Checked in full before anything is written.
     * Hidden state, sensitivities and optimizer moments are left as they are.
     *
     * @param values every parameter, slab layout
     */
    public void setWeights(float[] values) {
        Arguments.requireFiniteVector("weights", values, layout.size(), "layout size");
        for (int i = 0; i < values.length; i++) {
            if (values[i] != 0f && !layout.isParameter(i)) {
                throw new IllegalArgumentException("weights[" + i + "] = " + values[i] + " is padding and must be 0");
            }
        }
        for (int i = 0; i < values.length; i++) {
            if (layout.isParameter(i)) {
                cell.setParameter(i, values[i]);
            }
        }
    }

    /** {@return a copy of the recurrent state s_t: h_t, and for an LSTM h_t then c_t (length {@code cell().stateSize()})} */
    public float[] hiddenState() {
        float[] out = new float[cell.stateSize()];
        cell.hidden(out);
        return out;
    }

    /**
     * Sets the recurrent state s_t (length {@code cell().stateSize()}: h_t, then an LSTM's c_t), each
     * value finite and those of h_t in [-1, 1], the range of tanh.
     *
     * @param values the new s_t
     */
    public void setHiddenState(float[] values) {
        Arguments.requireFiniteVector("hiddenState", values, cell.stateSize(), "state size");
        for (int a = 0; a < layout.n(); a++) {
            if (values[a] < -1f || values[a] > 1f) {
                throw new IllegalArgumentException("hiddenState[" + a + "] = " + values[a] + " is outside [-1, 1]");
            }
        }
        cell.setState(values);
    }

    /**
     * Copies the hidden state of {@code source} (same n, m, o) into this model.
     *
     * @param source the model to copy from
     */
    public void copyHiddenStateFrom(OnlineTrainer source) {
        cell.copyStateFrom(requireSource(source).cell);
    }

    /** {@return the learning rate in use} */
    public float learningRate() {
        return optimizer.learningRate();
    }

    /**
     * Changes the learning rate from the next step on; must be finite and positive.
     *
     * @param learningRate the new learning rate
     */
    public void setLearningRate(float learningRate) {
        optimizer.setLearningRate(learningRate);
    }

    /** {@return weight updates made so far} */
    public long steps() {
        return updates.get(JAVA_LONG, 0);
    }

    /** {@return true after a step that was not finite, until {@link #reset()}} */
    public boolean diverged() {
        return divergence != null;
    }

    /** {@return what was not finite at the step that diverged, or null while the trainer has not diverged} */
    public Divergence divergence() {
        return divergence;
    }

    /** {@return norm of the last gradient before clipping (NaN before the first step)} */
    public float lastGradientNorm() {
        return lastGradientNorm;
    }

    /**
     * {@return the last gradient (after clipping) at slab index {@code index}; see {@link RnnLayout}}
     *
     * @param index a slab index
     */
    public float gradient(int index) {
        Arguments.requireInRange("index", index, 0, layout.size() - 1);
        return grad.getAtIndex(JAVA_FLOAT, index);
    }

    /**
     * Copies the last prediction y_t into {@code out} (length o).
     *
     * @param out where y_t goes
     */
    public void output(float[] out) {
        requireLength("out", out, layout.o(), "o");
        cell.output(out);
    }

    /** {@return the shape of the parameter slab} */
    public RnnLayout layout() {
        return layout;
    }

    /** {@return how the weights were drawn at {@link Builder#build}, for logs and reports} */
    public Initialization initialization() {
        return initialization;
    }

    /** {@return the recurrent cell's kind} */
    public CellKind cellKind() {
        return cell.kind();
    }

    /** {@return the learner this trainer was built with} */
    public LearnerSpec learnerSpec() {
        return learner.spec();
    }

    /** {@return the optimizer this trainer was built with} */
    public OptimizerSpec optimizerSpec() {
        return optimizer.spec();
    }

    /** {@return the kernels' name: "vector" or "scalar"} */
    public String kernelsName() {
        return kernels.name();
    }

    /** {@return the trainer's parts, for tests, studies and tools; not the training API (see {@link TrainerInspection})} */
    public TrainerInspection inspect() {
        return inspection;
    }

    /** {@return off-heap bytes this model holds} */
    public long offHeapBytes() {
        return memory.bytes();
    }

    /** {@return threads the learner may use per step (see {@link Builder#threads})} */
    public int threads() {
        return pool.threads();
    }

    @Override
    public void close() {
        pool.close();
        memory.close();
    }

    /** Collects the choices for an {@link OnlineTrainer}; each setter checks its argument at once. */
    public static final class Builder {
        private final int n;
        private final int m;
        private final int o;
        private long seed;
        private Initialization initialization = Initialization.gaussian(0.9f);
        private CellKind cell = CellKind.VANILLA;
        private LearnerSpec learner = LearnerSpec.full();
        private OptimizerSpec optimizer = OptimizerSpec.adam(1e-3f);
        private float clipNorm = Float.POSITIVE_INFINITY;
        private Kernels kernels;
        private int threads = 1;
        private float weightDensity = 1f;

        private Builder(int n, int m, int o) {
            new RnnLayout(n, m, o); // validates the dimensions now
            this.n = n;
            this.m = m;
            this.o = o;
        }

        /**
         * Seed of the weight initialisation (default 0).
         *
         * @param seed the seed
         * @return this builder
         */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /**
         * The recurrent cell (default vanilla tanh); see {@link CellKind}.
         *
         * @param cell the cell's kind
         * @return this builder
         */
        public Builder cell(CellKind cell) {
            if (cell == null) {
                throw new IllegalArgumentException("cell is null");
            }
            this.cell = cell;
            return this;
        }

        /**
         * How the weights are drawn from the seed (default {@code Initialization.gaussian(0.9f)}:
         * W ~ N(0, 0.81 / n), U ~ N(0, 1 / m)); see {@link Initialization}.
         *
         * @param init the initialisation
         * @return this builder
         */
        public Builder initialization(Initialization init) {
            if (init == null) {
                throw new IllegalArgumentException("initialization is null");
            }
            this.initialization = init;
            return this;
        }

        /**
         * Shorthand for {@code initialization(Initialization.gaussian(gain, inputScale))} with the input
         * scale set so far (1 by default): Gaussian W ~ N(0, gain^2 / n). It replaces an orthogonal
         * initialisation set before it with a Gaussian one; to scale an orthogonal W, use
         * {@code initialization(Initialization.orthogonal(gain, inputScale))}.
         *
         * @param gain the scale of W, finite and > 0
         * @return this builder
         */
        public Builder recurrentGain(float gain) {
            this.initialization = Initialization.gaussian(gain, initialization.inputScale());
            return this;
        }

        /**
         * The share of recurrent connections kept (default 1, dense): each connection from unit j to
         * unit i (W_g[i, j] in every gate) is removed with probability 1 - density, drawn from the
         * seed, and stays zero while training (its gradient is zeroed for every learner). SnAp-2 reads
         * its sparsity pattern from these zeros.
         *
         * @param density the share of connections kept
         * @return this builder
         * @throws IllegalArgumentException unless 0 &lt; density &lt;= 1
         */
        public Builder weightDensity(float density) {
            if (!(density > 0f && density <= 1f)) {
                throw new IllegalArgumentException("weightDensity = " + density + " must be in (0, 1]");
            }
            this.weightDensity = density;
            return this;
        }

        /**
         * The gradient estimator (default full RTRL).
         *
         * @param learner the learner
         * @return this builder
         */
        public Builder learner(LearnerSpec learner) {
            if (learner == null) {
                throw new IllegalArgumentException("learner is null");
            }
            this.learner = learner;
            return this;
        }

        /**
         * The optimizer (default Adam with learning rate 1e-3).
         *
         * @param optimizer the optimizer
         * @return this builder
         */
        public Builder optimizer(OptimizerSpec optimizer) {
            if (optimizer == null) {
                throw new IllegalArgumentException("optimizer is null");
            }
            this.optimizer = optimizer;
            return this;
        }

        /**
         * Global-norm clipping limit (default: none).
         *
         * @param maxNorm the largest gradient norm, > 0
         * @return this builder
         */
        public Builder clipNorm(float maxNorm) {
            this.clipNorm = maxNorm == Float.POSITIVE_INFINITY ? maxNorm : Arguments.requirePositive("clipNorm", maxNorm);
            return this;
        }

        /**
         * The kernels (default {@link KernelProvider#selected()}).
         *
         * @param kernels the kernels
         * @return this builder
         */
        public Builder kernels(Kernels kernels) {
            if (kernels == null) {
                throw new IllegalArgumentException("kernels is null");
            }
            this.kernels = kernels;
            return this;
        }

        /**
         * Threads for the sensitivity update, the caller's included (default 1). A fixed pool splits the
         * columns of J; a step too small to pay for the split (below {@link ColumnPool#MIN_WORK_PER_THREAD}
         * multiply-adds per thread) still runs on the calling thread alone. Results do not depend on it.
         *
         * @param threads threads per step, >= 1
         * @return this builder
         */
        public Builder threads(int threads) {
            this.threads = Arguments.requireInRange("threads", threads, 1, 256);
            return this;
        }

        /**
         * Allocates and initialises the model; throws IllegalArgumentException if k exceeds n.
         *
         * @return the trainer, which owns off-heap memory until {@link OnlineTrainer#close()}
         */
        public OnlineTrainer build() {
            return new OnlineTrainer(this);
        }
    }
}
