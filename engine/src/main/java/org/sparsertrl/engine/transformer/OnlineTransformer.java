package org.sparsertrl.engine.transformer;

import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;

import org.sparsertrl.engine.Arguments;
import org.sparsertrl.engine.kernel.KernelProvider;
import org.sparsertrl.engine.kernel.Kernels;
import org.sparsertrl.engine.memory.ModelMemory;
import org.sparsertrl.engine.optim.GradientClipping;
import org.sparsertrl.engine.optim.Optimizer;
import org.sparsertrl.engine.optim.OptimizerSpec;
import org.sparsertrl.engine.transformer.kernel.MatrixKernels;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;

/**
 * A small causal transformer that learns online over a sliding window of the stream: at every
 * {@link #step} it appends the input to the window of the last T steps, runs the window forward,
 * predicts the target of the newest step, takes the loss {@code 1/2 |y - y*|^2}, backpropagates it
 * through the window (through every head, or through a subset of heads: {@link HeadTransport}) and
 * updates the weights with one of the engine's optimizers.
 *
 * <p>The network: the input x_t (m values) is embedded as {@code x W_in + b_in + P[age]}, where age
 * 0 is the newest step of the window (positions are relative to the newest step, so a step keeps its
 * embedding's meaning as the window slides); then L pre-norm blocks, each
 * {@code h += MHA(LN1(h))} (H causal heads of width dModel / H, output projection with bias) and
 * {@code h += W2 gelu(W1 LN2(h) + b1) + b2} (tanh GELU); then {@code y = LNF(h_newest) W_r + b_r}.
 * The window is recomputed from the input at every step with the current weights, so the gradient
 * is the exact gradient of the current loss (the harness checks it against a double-precision
 * reference and central differences).
 *
 * <pre>{@code
 * try (OnlineTransformer model = OnlineTransformer.builder(1, 1)
 *         .dModel(24).heads(6).layers(2).context(32).seed(42)
 *         .transport(HeadTransport.sparse(0.5, HeadSelection.randomFixed(7)))
 *         .optimizer(OptimizerSpec.adam(1e-3f))
 *         .build()) {
 *     float[] x = new float[1], target = new float[1];
 *     for (int t = 0; t < 1000; t++) {
 *         x[0] = (float) Math.sin(0.1 * t);
 *         target[0] = (float) Math.sin(0.1 * (t + 1));
 *         float loss = model.step(x, target);
 *     }
 * }
 * }</pre>
 *
 * <p><b>Memory.</b> One arena per model holds the weights, the window, every activation of the
 * window, the gradient and the optimizer's moments; {@link #close()} releases it. {@link #step},
 * {@link #evaluate}, {@link #predict} and {@link #observe} allocate nothing and take no lock; one
 * thread at a time steps a model. Bad input throws {@link IllegalArgumentException} naming the
 * argument before any state changes. A step whose loss or gradient is not finite makes no update and
 * sets {@link #diverged()}.
 */
public final class OnlineTransformer implements AutoCloseable {

    /** LayerNorm's epsilon inside the square root. */
    static final float LN_EPS = 1e-5f;
    /** sqrt(2 / pi), of the tanh GELU. */
    private static final float GELU_C = 0.7978845608f;
    private static final float GELU_A = 0.044715f;

    private final ModelMemory memory;
    private final Kernels kernels;
    private final MatrixKernels matrix;
    private final TransformerLayout layout;
    private final HeadTransport transport;
    private final OptimizerSpec optimizerSpec;
    private final Optimizer optimizer;
    private final boolean readoutOnly;
    private final float clipNorm;

    private final int m, o, d, nh, dh, nl, ctx, f;
    private final int mp, dp, fp, op;   // widths padded to whole vectors
    private final float scale;          // 1 / sqrt(dh)

    private final MemorySegment params;  // (size) the slab of TransformerLayout
    private final MemorySegment grad;    // (size) same layout
    private final MemorySegment window;  // (T, mp) inputs, oldest first; the first `filled` rows hold the window
    private final MemorySegment hs;      // (L + 1, T, dp) residual stream entering each layer; [L] leaves the last
    private final MemorySegment mid;     // (L, T, dp) residual stream after each layer's attention
    private final MemorySegment u1;      // (L, T, dp) LN1 output
    private final MemorySegment u2;      // (L, T, dp) LN2 output
    private final MemorySegment stats;   // (L, 4, T) mean1, rstd1, mean2, rstd2 per row
    private final MemorySegment q;       // (L, T, dp) queries
    private final MemorySegment k;       // (L, T, dp) keys
    private final MemorySegment v;       // (L, T, dp) values
    private final MemorySegment att;     // (L, T, dp) attention output before WO (heads side by side)
    private final MemorySegment probs;   // (L, H, T, T) attention weights, row i of head h: p[h, i, j], j <= i
    private final MemorySegment z;       // (L, T, fp) MLP pre-activation
    private final MemorySegment g;       // (L, T, fp) gelu(z)
    private final MemorySegment uf;      // (dp) final LN output of the newest step
    private final MemorySegment y;       // (op) prediction
    private final MemorySegment dH;      // (T, dp) gradient w.r.t. a layer's output stream
    private final MemorySegment dMid;    // (T, dp) gradient w.r.t. the stream after attention
    private final MemorySegment dU;      // (T, dp) gradient w.r.t. an LN output
    private final MemorySegment dQ;      // (T, dp)
    private final MemorySegment dK;      // (T, dp)
    private final MemorySegment dV;      // (T, dp)
    private final MemorySegment dAtt;    // (L, T, dp) gradient w.r.t. each layer's att, kept for inspect().attentionBackward()
    private final MemorySegment dZ;      // (T, fp)
    private final MemorySegment dY;      // (op)
    private final MemorySegment dUf;     // (dp)
    private final MemorySegment dScore;  // (T) one attention row's gradient w.r.t. its weights

    private float meanF, rstdF;
    private int filled;
    private long steps;
    private boolean diverged;
    private float lastGradientNorm = Float.NaN;
    // What TransformerInspection#attentionBackward reruns: each layer's first query row in the last backward pass,
    // valid while the window and its activations are those of that pass.
    private final int[] attentionFrom;
    private boolean attentionReady;
    private final TransformerInspection inspection = new TransformerInspection(this);

    // Head selection: kept[l][h] says whether head h of layer l transports to the past.
    private final boolean[][] kept;
    private final int keptPerLayer;
    private final int[] order;
    private final SplittableRandom random;
    private final double[][] selectionSums;   // (L, H) the selection statistic summed since the last choice
    private final double[][][] totals;         // (statistics, L, H) running sums for headStatistic
    private final long[] totalCounts;          // (statistics)

    private OnlineTransformer(Builder b) {
        this.m = b.inputs;
        this.o = b.outputs;
        this.d = b.dModel;
        this.nh = b.heads;
        this.dh = d / nh;
        this.nl = b.layers;
        this.ctx = b.context;
        this.f = b.mlpRatio * d;
        this.layout = new TransformerLayout(m, o, d, nh, nl, ctx, f);
        this.transport = b.transport;
        this.keptPerLayer = transport.keptHeads(nh);
        this.optimizerSpec = b.optimizer;
        this.readoutOnly = b.readoutOnly;
        this.clipNorm = b.clipNorm;
        this.kernels = b.kernels != null ? b.kernels : KernelProvider.selected();
        this.matrix = MatrixKernels.matching(kernels.name());
        this.mp = ModelMemory.padded(m);
        this.dp = ModelMemory.padded(d);
        this.fp = ModelMemory.padded(f);
        this.op = ModelMemory.padded(o);
        this.scale = (float) (1.0 / Math.sqrt(dh));
        if (transport.selection() != null && transport.selection().policy() == HeadSelection.Policy.EXPLICIT) {
            checkExplicit(transport.selection().heads());
        }

        this.memory = new ModelMemory();
        try {
            int size = layout.size();
            params = memory.allocateFloats(size);
            grad = memory.allocateFloats(size);
            window = memory.allocateFloats((long) ctx * mp);
            hs = memory.allocateFloats((long) (nl + 1) * ctx * dp);
            mid = memory.allocateFloats((long) nl * ctx * dp);
            u1 = memory.allocateFloats((long) nl * ctx * dp);
            u2 = memory.allocateFloats((long) nl * ctx * dp);
            stats = memory.allocateFloats((long) nl * 4 * ctx);
            q = memory.allocateFloats((long) nl * ctx * dp);
            k = memory.allocateFloats((long) nl * ctx * dp);
            v = memory.allocateFloats((long) nl * ctx * dp);
            att = memory.allocateFloats((long) nl * ctx * dp);
            probs = memory.allocateFloats((long) nl * nh * ctx * ctx);
            z = memory.allocateFloats((long) nl * ctx * fp);
            g = memory.allocateFloats((long) nl * ctx * fp);
            uf = memory.allocateFloats(dp);
            y = memory.allocateFloats(op);
            dH = memory.allocateFloats((long) ctx * dp);
            dMid = memory.allocateFloats((long) ctx * dp);
            dU = memory.allocateFloats((long) ctx * dp);
            dQ = memory.allocateFloats((long) ctx * dp);
            dK = memory.allocateFloats((long) ctx * dp);
            dV = memory.allocateFloats((long) ctx * dp);
            dAtt = memory.allocateFloats((long) nl * ctx * dp);
            dZ = memory.allocateFloats((long) ctx * fp);
            dY = memory.allocateFloats(op);
            dUf = memory.allocateFloats(dp);
            dScore = memory.allocateFloats(ModelMemory.padded(ctx));
            optimizer = optimizerSpec.create(size, memory, kernels);
        } catch (RuntimeException | Error e) {
            memory.close();
            throw e;
        }
        initialize(b.seed);

        this.kept = new boolean[nl][nh];
        this.attentionFrom = new int[nl];
        this.order = new int[nh];
        this.random = new SplittableRandom(transport.selection() == null ? 0 : transport.selection().seed());
        this.selectionSums = new double[nl][nh];
        this.totals = new double[HeadStatistic.values().length][nl][nh];
        this.totalCounts = new long[HeadStatistic.values().length];
        chooseInitialHeads();
    }

    /**
     * {@return a builder for a model of {@code inputs} inputs and {@code outputs} outputs per step; every
     * other size has a default (see {@link Builder})}
     *
     * @param inputs  m, in [1, 65536]
     * @param outputs o, in [1, 65536]
     * @throws IllegalArgumentException naming the argument when it is out of range
     */
    public static Builder builder(int inputs, int outputs) {
        return new Builder(inputs, outputs);
    }

    // ---------------------------------------------------------------- initialisation and selection

    /**
     * Weights ~ N(0, 1 / fan-in), the residual projections (WO, W2) further scaled by 1 / sqrt(2 L) as in
     * GPT-2, positions ~ N(0, 1), LayerNorm gains 1, every bias 0.
     */
    private void initialize(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        double residual = 1.0 / Math.sqrt(2.0 * nl);
        for (TransformerLayout.Tensor t : layout.tensors()) {
            double sd = switch (t.kind()) {
                case W_IN, WQ, WK, WV, W1, W2, WR -> 1.0 / Math.sqrt(t.rows());
                case WO -> residual / Math.sqrt(t.rows());
                case POSITION -> 1.0;
                default -> 0.0;
            };
            if (t.kind() == TransformerLayout.Kind.W2) {
                sd *= residual;
            }
            boolean gain = t.kind() == TransformerLayout.Kind.LN1_GAIN || t.kind() == TransformerLayout.Kind.LN2_GAIN
                    || t.kind() == TransformerLayout.Kind.LNF_GAIN;
            for (int row = 0; row < t.rows(); row++) {
                for (int c = 0; c < t.cols(); c++) {
                    float value = gain ? 1f : (float) (sd * r.nextGaussian());
                    params.setAtIndex(JAVA_FLOAT, t.index(row, c), value);
                }
            }
        }
    }

    private void checkExplicit(int[][] heads) {
        if (heads.length != nl) {
            throw new IllegalArgumentException("heads has " + heads.length + " layers, expected layers = " + nl);
        }
        for (int l = 0; l < nl; l++) {
            if (heads[l].length != keptPerLayer) {
                throw new IllegalArgumentException("heads[" + l + "] lists " + heads[l].length + " heads, expected headFraction x heads = "
                        + keptPerLayer);
            }
            boolean[] seen = new boolean[nh];
            for (int h : heads[l]) {
                if (h < 0 || h >= nh || seen[h]) {
                    throw new IllegalArgumentException("heads[" + l + "] = " + java.util.Arrays.toString(heads[l])
                            + " must list distinct heads in [0, " + (nh - 1) + "]");
                }
                seen[h] = true;
            }
        }
    }

    private void chooseInitialHeads() {
        if (transport.everyHead()) {
            for (boolean[] layer : kept) {
                java.util.Arrays.fill(layer, true);
            }
            return;
        }
        HeadSelection s = transport.selection();
        switch (s.policy()) {
            case EXPLICIT -> {
                for (int l = 0; l < nl; l++) {
                    for (int h : s.heads()[l]) {
                        kept[l][h] = true;
                    }
                }
            }
            case RANDOM_FIXED, RANDOM_RESAMPLED -> chooseRandom();
            default -> { } // top and bottom choose at the first step, from its statistic
        }
    }

    private void chooseRandom() {
        for (int l = 0; l < nl; l++) {
            for (int h = 0; h < nh; h++) {
                order[h] = h;
                kept[l][h] = false;
            }
            for (int i = 0; i < keptPerLayer; i++) {
                int j = i + random.nextInt(nh - i);
                int swap = order[i];
                order[i] = order[j];
                order[j] = swap;
                kept[l][order[i]] = true;
            }
        }
    }

    /** The top or bottom {@code keptPerLayer} heads of each layer by the mean statistic since the last choice. */
    private void chooseByStatistic(boolean top) {
        for (int l = 0; l < nl; l++) {
            for (int h = 0; h < nh; h++) {
                kept[l][h] = false;
            }
            for (int i = 0; i < keptPerLayer; i++) {
                int best = -1;
                for (int h = 0; h < nh; h++) {
                    if (kept[l][h]) {
                        continue;
                    }
                    double value = selectionSums[l][h];
                    if (best < 0 || (top ? value > selectionSums[l][best] : value < selectionSums[l][best])) {
                        best = h;
                    }
                }
                kept[l][best] = true;
            }
            java.util.Arrays.fill(selectionSums[l], 0);
        }
    }

    /** Before the backward pass of step {@code steps}: refresh S when the policy says so. */
    private void maybeRefresh() {
        HeadSelection s = transport.selection();
        if (s == null || !s.refreshes() || steps % s.every() != 0) {
            return;
        }
        switch (s.policy()) {
            case RANDOM_RESAMPLED -> {
                if (steps > 0) {
                    chooseRandom();
                }
            }
            case TOP -> chooseByStatistic(true);
            case BOTTOM -> chooseByStatistic(false);
            default -> { }
        }
    }

    private void addStatistic(HeadStatistic which, int l, int h, double value) {
        totals[which.ordinal()][l][h] += value;
        HeadSelection s = transport.selection();
        if (s != null && s.statistic() == which) {
            selectionSums[l][h] += value;
        }
    }

    // ---------------------------------------------------------------- public API

    /**
     * One online step: append {@code input}, predict, take the loss against {@code target}, update.
     *
     * @param input  the step's input, m finite values
     * @param target the target of the prediction, o finite values
     * @return the loss {@code 1/2 |y - y*|^2}, before the update
     * @throws IllegalArgumentException naming the argument when it is null, of the wrong length or not finite
     * @throws IllegalStateException    when the model has diverged and was not {@link #reset()}
     */
    public float step(float[] input, float[] target) {
        float loss = computeGradient(input, target);
        if (!diverged) {
            optimizer.update(params, grad);
        }
        return loss;
    }

    /**
     * As {@link #step}, without the update: the gradient of this step's loss stays readable through
     * {@link #gradient(int)}, the weights do not change.
     *
     * @param input  the step's input, m finite values
     * @param target the target of the prediction, o finite values
     * @return the loss {@code 1/2 |y - y*|^2}
     * @throws IllegalArgumentException naming the argument when it is null, of the wrong length or not finite
     * @throws IllegalStateException    when the model has diverged and was not {@link #reset()}
     */
    public float computeGradient(float[] input, float[] target) {
        checkStep(input, target);
        push(input);
        forward();
        float loss = loss(target);
        maybeRefresh();
        backward();
        steps++;
        float norm = GradientClipping.clip(kernels, grad, layout.size(), clipNorm);
        lastGradientNorm = norm;
        if (!Float.isFinite(loss) || !Float.isFinite(norm)) {
            diverged = true;
        }
        return loss;
    }

    /**
     * Appends {@code input} and predicts, without learning.
     *
     * @param input  the step's input, m finite values
     * @param target the target of the prediction, o finite values
     * @return the loss {@code 1/2 |y - y*|^2} against {@code target}
     * @throws IllegalArgumentException naming the argument when it is null, of the wrong length or not finite
     */
    public float evaluate(float[] input, float[] target) {
        Arguments.requireFiniteVector("input", input, m, "inputs");
        Arguments.requireFiniteVector("target", target, o, "outputs");
        push(input);
        forward();
        return loss(target);
    }

    /**
     * Appends {@code input} and writes the prediction for it into {@code output}, without learning.
     *
     * @param input  the step's input, m finite values
     * @param output receives the prediction, length o
     * @throws IllegalArgumentException naming the argument when it is null or of the wrong length, or
     *                                  {@code input} is not finite
     */
    public void predict(float[] input, float[] output) {
        Arguments.requireFiniteVector("input", input, m, "inputs");
        requireOutput(output);
        push(input);
        forward();
        output(output);
    }

    /**
     * Appends {@code input} to the window without predicting.
     *
     * @param input the step's input, m finite values
     * @throws IllegalArgumentException naming {@code input} when it is null, of the wrong length or not finite
     */
    public void observe(float[] input) {
        Arguments.requireFiniteVector("input", input, m, "inputs");
        push(input);
    }

    /**
     * Copies the last prediction.
     *
     * @param out receives the prediction, length o
     * @throws IllegalArgumentException when {@code out} is null or of the wrong length
     */
    public void output(float[] out) {
        requireOutput(out);
        for (int r = 0; r < o; r++) {
            out[r] = y.getAtIndex(JAVA_FLOAT, r);
        }
    }

    /** Empties the window and clears the divergence flag; the weights and the optimizer's moments stay. */
    public void reset() {
        filled = 0;
        attentionReady = false;
        diverged = false;
    }

    /**
     * Sets the optimizer's learning rate for the steps that follow.
     *
     * @param rate the learning rate, finite and &gt; 0
     * @throws IllegalArgumentException naming {@code learningRate} when {@code rate} is not finite and positive
     */
    public void setLearningRate(float rate) {
        optimizer.setLearningRate(rate);
    }

    /** {@return the optimizer's learning rate in use} */
    public float learningRate() {
        return optimizer.learningRate();
    }

    /**
     * {@return the weight at slab index {@code index}}
     *
     * @param index a slab index, in [0, layout().size())
     * @throws IllegalArgumentException naming {@code index} when it is out of range
     */
    public float parameter(int index) {
        Arguments.requireInRange("index", index, 0, layout.size() - 1);
        return params.getAtIndex(JAVA_FLOAT, index);
    }

    /**
     * {@return the last gradient at slab index {@code index}, after clipping}
     *
     * @param index a slab index, in [0, layout().size())
     * @throws IllegalArgumentException naming {@code index} when it is out of range
     */
    public float gradient(int index) {
        Arguments.requireInRange("index", index, 0, layout.size() - 1);
        return grad.getAtIndex(JAVA_FLOAT, index);
    }

    /** {@return a copy of the parameter slab (padding included)} */
    public float[] weights() {
        return params.toArray(JAVA_FLOAT);
    }

    /**
     * Replaces the parameter slab.
     *
     * @param values the new slab: {@code layout().size()} finite values, zero at every padding index
     * @throws IllegalArgumentException naming {@code weights} when {@code values} is null, of the wrong length,
     *                                  not finite or not zero in the padding
     */
    public void setWeights(float[] values) {
        Arguments.requireFiniteVector("weights", values, layout.size(), "layout size");
        for (int i = 0; i < values.length; i++) {
            if (values[i] != 0f && !layout.isParameter(i)) {
                throw new IllegalArgumentException("weights[" + i + "] = " + values[i] + " is padding and must be 0");
            }
        }
        MemorySegment.copy(values, 0, params, JAVA_FLOAT, 0, values.length);
    }

    /** Clears the optimizer's moments and step count. */
    public void resetOptimizer() {
        optimizer.reset();
    }

    /**
     * {@return true when head {@code head} of layer {@code layer} transports gradient to earlier steps now}
     *
     * @param layer in [0, layers)
     * @param head  in [0, heads)
     * @throws IllegalArgumentException naming the argument when it is out of range
     */
    public boolean transports(int layer, int head) {
        Arguments.requireInRange("layer", layer, 0, nl - 1);
        Arguments.requireInRange("head", head, 0, nh - 1);
        return kept[layer][head];
    }

    /**
     * The mean of {@code statistic} for one head over the steps since the model was built or since
     * {@link #resetHeadStatistics()}: attention statistics over every forward pass, the gradient norm
     * over every backward pass.
     *
     * @param statistic the statistic
     * @param layer     in [0, layers)
     * @param head      in [0, heads)
     * @return the mean, or NaN before the first pass that measures it
     * @throws IllegalArgumentException naming the argument when {@code layer} or {@code head} is out of range
     */
    public double headStatistic(HeadStatistic statistic, int layer, int head) {
        Arguments.requireInRange("layer", layer, 0, nl - 1);
        Arguments.requireInRange("head", head, 0, nh - 1);
        long count = totalCounts[statistic.ordinal()];
        return count == 0 ? Double.NaN : totals[statistic.ordinal()][layer][head] / count;
    }

    /** Starts every mean of {@link #headStatistic} afresh. */
    public void resetHeadStatistics() {
        for (double[][] each : totals) {
            for (double[] layer : each) {
                java.util.Arrays.fill(layer, 0);
            }
        }
        java.util.Arrays.fill(totalCounts, 0);
    }

    /** {@return where each tensor lives in the parameter slab} */
    public TransformerLayout layout() {
        return layout;
    }

    /** {@return the heads that carry gradient to earlier steps} */
    public HeadTransport transport() {
        return transport;
    }

    /** {@return the model's parts, for tests and benchmarks; not the training API (see {@link TransformerInspection})} */
    public TransformerInspection inspect() {
        return inspection;
    }

    /** {@return the optimizer the model was built with} */
    public OptimizerSpec optimizerSpec() {
        return optimizerSpec;
    }

    /** {@return true when only the readout learns} */
    public boolean readoutOnly() {
        return readoutOnly;
    }

    /** {@return the name of the kernels in use} */
    public String kernelsName() {
        return kernels.name();
    }

    /** {@return the steps with a gradient so far ({@link #step} and {@link #computeGradient})} */
    public long steps() {
        return steps;
    }

    /** {@return the steps in the window now, at most the context T} */
    public int filled() {
        return filled;
    }

    /** {@return true when a loss or gradient was not finite since the last {@link #reset()}} */
    public boolean diverged() {
        return diverged;
    }

    /** {@return the norm of the last gradient before clipping; NaN before the first} */
    public float lastGradientNorm() {
        return lastGradientNorm;
    }

    /** {@return the bytes of off-heap memory the model holds} */
    public long offHeapBytes() {
        return memory.bytes();
    }

    @Override
    public void close() {
        memory.close();
    }

    private void checkStep(float[] input, float[] target) {
        Arguments.requireFiniteVector("input", input, m, "inputs");
        Arguments.requireFiniteVector("target", target, o, "outputs");
        if (diverged) {
            throw new IllegalStateException("the model diverged (a loss or gradient was not finite); reset() before stepping again");
        }
    }

    private void requireOutput(float[] out) {
        if (out == null || out.length != o) {
            throw new IllegalArgumentException("output has length " + (out == null ? "null" : String.valueOf(out.length))
                    + ", expected outputs = " + o);
        }
    }

    // ---------------------------------------------------------------- forward

    private void push(float[] input) {
        attentionReady = false;
        if (filled == ctx) {
            // Slide: rows 1..T-1 move up one row (MemorySegment.copy handles the overlap).
            MemorySegment.copy(window, (long) mp * Float.BYTES, window, 0, (long) (ctx - 1) * mp * Float.BYTES);
            filled--;
        }
        long row = (long) filled * mp;
        for (int j = 0; j < m; j++) {
            window.setAtIndex(JAVA_FLOAT, row + j, input[j]);
        }
        filled++;
    }

    private long at(int layer, int row) {
        return ((long) layer * ctx + row) * dp;
    }

    private long atF(int layer, int row) {
        return ((long) layer * ctx + row) * fp;
    }

    private long stat(int layer, int which, int row) {
        return ((long) layer * 4 + which) * ctx + row;
    }

    private long off(TransformerLayout.Kind kind, int layer) {
        return layout.tensor(kind, layer).offset();
    }

    private void forward() {
        final int tw = filled;
        // Embedding: b_in + P[age] + x W_in, age 0 the newest step.
        long bIn = off(TransformerLayout.Kind.B_IN, 0), pos = off(TransformerLayout.Kind.POSITION, 0);
        for (int r = 0; r < tw; r++) {
            long dst = at(0, r);
            long p = pos + (long) (tw - 1 - r) * dp;
            for (int c = 0; c < dp; c++) {
                hs.setAtIndex(JAVA_FLOAT, dst + c, params.getAtIndex(JAVA_FLOAT, bIn + c) + params.getAtIndex(JAVA_FLOAT, p + c));
            }
        }
        matrix.multiplyAdd(window, 0, mp, 1, tw, m, params, off(TransformerLayout.Kind.W_IN, 0), dp, hs, at(0, 0), dp, dp);
        for (int l = 0; l < nl; l++) {
            forwardLayer(l, tw);
        }
        long last = at(nl, tw - 1);
        layerNorm(hs, last, uf, 0, off(TransformerLayout.Kind.LNF_GAIN, 0), off(TransformerLayout.Kind.LNF_BIAS, 0), null, 0);
        long br = off(TransformerLayout.Kind.BR, 0);
        for (int c = 0; c < op; c++) {
            y.setAtIndex(JAVA_FLOAT, c, params.getAtIndex(JAVA_FLOAT, br + c));
        }
        matrix.multiplyAdd(uf, 0, 0, 1, 1, d, params, off(TransformerLayout.Kind.WR, 0), op, y, 0, op, op);
    }

    /** One block. In the last layer only the newest step's query matters: the others stop at keys and values. */
    private void forwardLayer(int l, int tw) {
        int from = l == nl - 1 ? tw - 1 : 0;
        for (int r = 0; r < tw; r++) {
            layerNorm(hs, at(l, r), u1, at(l, r), off(TransformerLayout.Kind.LN1_GAIN, l),
                    off(TransformerLayout.Kind.LN1_BIAS, l), stats, stat(l, 0, r));
        }
        kernels.fill(k, at(l, 0), tw * dp, 0f);
        kernels.fill(v, at(l, 0), tw * dp, 0f);
        kernels.fill(q, at(l, from), (tw - from) * dp, 0f);
        matrix.multiplyAdd(u1, at(l, 0), dp, 1, tw, d, params, off(TransformerLayout.Kind.WK, l), dp, k, at(l, 0), dp, dp);
        matrix.multiplyAdd(u1, at(l, 0), dp, 1, tw, d, params, off(TransformerLayout.Kind.WV, l), dp, v, at(l, 0), dp, dp);
        matrix.multiplyAdd(u1, at(l, from), dp, 1, tw - from, d, params, off(TransformerLayout.Kind.WQ, l), dp, q, at(l, from), dp, dp);
        for (int i = from; i < tw; i++) {
            attendRow(l, i);
        }
        long bo = off(TransformerLayout.Kind.BO, l);
        for (int i = from; i < tw; i++) {
            long dst = at(l, i);
            for (int c = 0; c < dp; c++) {
                mid.setAtIndex(JAVA_FLOAT, dst + c, hs.getAtIndex(JAVA_FLOAT, dst + c) + params.getAtIndex(JAVA_FLOAT, bo + c));
            }
        }
        matrix.multiplyAdd(att, at(l, from), dp, 1, tw - from, d, params, off(TransformerLayout.Kind.WO, l), dp, mid, at(l, from), dp, dp);
        long b1 = off(TransformerLayout.Kind.B1, l), b2 = off(TransformerLayout.Kind.B2, l);
        for (int i = from; i < tw; i++) {
            layerNorm(mid, at(l, i), u2, at(l, i), off(TransformerLayout.Kind.LN2_GAIN, l),
                    off(TransformerLayout.Kind.LN2_BIAS, l), stats, stat(l, 2, i));
            long zi = atF(l, i);
            for (int c = 0; c < fp; c++) {
                z.setAtIndex(JAVA_FLOAT, zi + c, params.getAtIndex(JAVA_FLOAT, b1 + c));
            }
            long out = at(l + 1, i);
            for (int c = 0; c < dp; c++) {
                hs.setAtIndex(JAVA_FLOAT, out + c, mid.getAtIndex(JAVA_FLOAT, at(l, i) + c) + params.getAtIndex(JAVA_FLOAT, b2 + c));
            }
        }
        matrix.multiplyAdd(u2, at(l, from), dp, 1, tw - from, d, params, off(TransformerLayout.Kind.W1, l), fp, z, atF(l, from), fp, fp);
        for (int i = from; i < tw; i++) {
            long zi = atF(l, i);
            for (int c = 0; c < f; c++) {
                g.setAtIndex(JAVA_FLOAT, zi + c, gelu(z.getAtIndex(JAVA_FLOAT, zi + c)));
            }
        }
        matrix.multiplyAdd(g, atF(l, from), fp, 1, tw - from, f, params, off(TransformerLayout.Kind.W2, l), dp, hs, at(l + 1, from), dp, dp);
    }

    /** Row i of every head of layer l: scores over j <= i, softmax, weighted values into att. */
    private void attendRow(int l, int i) {
        long qi = at(l, i), oi = at(l, i);
        int tw = filled;
        for (int c = 0; c < dp; c++) {
            att.setAtIndex(JAVA_FLOAT, oi + c, 0f);
        }
        for (int h = 0; h < nh; h++) {
            long pRow = (((long) l * nh + h) * ctx + i) * ctx;
            int hc = h * dh;
            float max = Float.NEGATIVE_INFINITY;
            for (int j = 0; j <= i; j++) {
                long kj = at(l, j) + hc;
                float s = 0f;
                for (int c = 0; c < dh; c++) {
                    s = Math.fma(q.getAtIndex(JAVA_FLOAT, qi + hc + c), k.getAtIndex(JAVA_FLOAT, kj + c), s);
                }
                s *= scale;
                probs.setAtIndex(JAVA_FLOAT, pRow + j, s);
                max = Math.max(max, s);
            }
            float sum = 0f;
            for (int j = 0; j <= i; j++) {
                float e = (float) Math.exp(probs.getAtIndex(JAVA_FLOAT, pRow + j) - max);
                probs.setAtIndex(JAVA_FLOAT, pRow + j, e);
                sum += e;
            }
            float inv = 1f / sum;
            double entropy = 0;
            for (int j = 0; j <= i; j++) {
                float p = probs.getAtIndex(JAVA_FLOAT, pRow + j) * inv;
                probs.setAtIndex(JAVA_FLOAT, pRow + j, p);
                if (p > 0f) {
                    entropy -= p * Math.log(p);
                }
                long vj = at(l, j) + hc;
                for (int c = 0; c < dh; c++) {
                    att.setAtIndex(JAVA_FLOAT, oi + hc + c,
                            Math.fma(p, v.getAtIndex(JAVA_FLOAT, vj + c), att.getAtIndex(JAVA_FLOAT, oi + hc + c)));
                }
            }
            if (i == tw - 1) {
                addStatistic(HeadStatistic.ENTROPY, l, h, entropy);
                addStatistic(HeadStatistic.SPECIALISATION, l, h, Math.log(tw) - entropy);
            }
        }
        if (i == tw - 1 && l == nl - 1) {
            totalCounts[HeadStatistic.ENTROPY.ordinal()]++;
            totalCounts[HeadStatistic.SPECIALISATION.ordinal()]++;
        }
    }

    /**
     * {@code dst = (x - mean) rstd * gain + bias} over one row of d values; the padding of dst is
     * written 0. Stores mean and rstd at {@code statAt} and {@code statAt + ctx} (in {@code statSeg}),
     * or in the final-LN fields when {@code statSeg} is null.
     */
    private void layerNorm(MemorySegment src, long srcOff, MemorySegment dst, long dstOff, long gain, long bias,
                           MemorySegment statSeg, long statAt) {
        float sum = 0f;
        for (int c = 0; c < d; c++) {
            sum += src.getAtIndex(JAVA_FLOAT, srcOff + c);
        }
        float mean = sum / d;
        float var = 0f;
        for (int c = 0; c < d; c++) {
            float x = src.getAtIndex(JAVA_FLOAT, srcOff + c) - mean;
            var = Math.fma(x, x, var);
        }
        float rstd = (float) (1.0 / Math.sqrt(var / d + LN_EPS));
        for (int c = 0; c < d; c++) {
            float xhat = (src.getAtIndex(JAVA_FLOAT, srcOff + c) - mean) * rstd;
            dst.setAtIndex(JAVA_FLOAT, dstOff + c,
                    Math.fma(xhat, params.getAtIndex(JAVA_FLOAT, gain + c), params.getAtIndex(JAVA_FLOAT, bias + c)));
        }
        for (int c = d; c < dp; c++) {
            dst.setAtIndex(JAVA_FLOAT, dstOff + c, 0f);
        }
        if (statSeg == null) {
            meanF = mean;
            rstdF = rstd;
        } else {
            statSeg.setAtIndex(JAVA_FLOAT, statAt, mean);
            statSeg.setAtIndex(JAVA_FLOAT, statAt + ctx, rstd);
        }
    }

    private static float gelu(float x) {
        float t = (float) Math.tanh(GELU_C * (x + GELU_A * x * x * x));
        return 0.5f * x * (1f + t);
    }

    private static float geluDerivative(float x) {
        float t = (float) Math.tanh(GELU_C * (x + GELU_A * x * x * x));
        return 0.5f * (1f + t) + 0.5f * x * (1f - t * t) * GELU_C * (1f + 3f * GELU_A * x * x);
    }

    private float loss(float[] target) {
        float sum = 0f;
        for (int r = 0; r < o; r++) {
            float e = y.getAtIndex(JAVA_FLOAT, r) - target[r];
            dY.setAtIndex(JAVA_FLOAT, r, e);
            sum = Math.fma(e, e, sum);
        }
        return 0.5f * sum;
    }

    // ---------------------------------------------------------------- backward

    private void backward() {
        final int tw = filled;
        kernels.fill(grad, 0, layout.size(), 0f);
        // Readout: dW_r = uf^T dy, db_r = dy, duf = dy W_r^T.
        long wr = off(TransformerLayout.Kind.WR, 0), br = off(TransformerLayout.Kind.BR, 0);
        matrix.multiplyAdd(uf, 0, 1, 0, d, 1, dY, 0, op, grad, wr, op, op);
        kernels.axpy(1f, dY, 0, grad, br, op);
        if (readoutOnly) {
            return;
        }
        kernels.fill(dUf, 0, dp, 0f);
        matrix.multiplyTransposedAdd(dY, 0, op, 1, params, wr, op, d, op, dUf, 0, dp);
        kernels.fill(dH, 0, tw * dp, 0f);
        layerNormBackward(hs, at(nl, tw - 1), dUf, 0, off(TransformerLayout.Kind.LNF_GAIN, 0),
                meanF, rstdF, dH, (long) (tw - 1) * dp);
        int from = tw - 1; // rows of dH that can be non-zero: [from, tw)
        for (int l = nl - 1; l >= 0; l--) {
            from = backwardLayer(l, tw, from);
        }
        // Embedding: dW_in = X^T dh, db_in = sum dh, dP[age] = dh.
        long bIn = off(TransformerLayout.Kind.B_IN, 0), pos = off(TransformerLayout.Kind.POSITION, 0);
        for (int r = from; r < tw; r++) {
            kernels.axpy(1f, dH, (long) r * dp, grad, bIn, dp);
            kernels.axpy(1f, dH, (long) r * dp, grad, pos + (long) (tw - 1 - r) * dp, dp);
        }
        matrix.multiplyAdd(window, (long) from * mp, 1, mp, m, tw - from, dH, (long) from * dp, dp,
                grad, off(TransformerLayout.Kind.W_IN, 0), dp, dp);
        accumulateHeadGradientNorms();
        attentionReady = true;
    }

    /**
     * Backward through block l, given the gradient w.r.t. its output stream in dH (rows [from, tw));
     * leaves the gradient w.r.t. its input stream in dH and returns the first row that can be non-zero.
     */
    private int backwardLayer(int l, int tw, int from) {
        int rows = tw - from;
        // MLP: dG = dH W2^T, dW2 = G^T dH, db2 = sum dH; dZ = dG gelu'(z); dW1 = u2^T dZ, db1 = sum dZ; dU = dZ W1^T.
        long w1 = off(TransformerLayout.Kind.W1, l), w2 = off(TransformerLayout.Kind.W2, l);
        kernels.fill(dZ, (long) from * fp, rows * fp, 0f);
        matrix.multiplyTransposedAdd(dH, (long) from * dp, dp, rows, params, w2, dp, f, dp, dZ, (long) from * fp, fp);
        matrix.multiplyAdd(g, atF(l, from), 1, fp, f, rows, dH, (long) from * dp, dp, grad, w2, dp, dp);
        long b1 = off(TransformerLayout.Kind.B1, l), b2 = off(TransformerLayout.Kind.B2, l);
        for (int i = from; i < tw; i++) {
            kernels.axpy(1f, dH, (long) i * dp, grad, b2, dp);
            long zi = atF(l, i), di = (long) i * fp;
            for (int c = 0; c < f; c++) {
                dZ.setAtIndex(JAVA_FLOAT, di + c, dZ.getAtIndex(JAVA_FLOAT, di + c) * geluDerivative(z.getAtIndex(JAVA_FLOAT, zi + c)));
            }
            kernels.axpy(1f, dZ, di, grad, b1, fp);
        }
        matrix.multiplyAdd(u2, at(l, from), 1, dp, d, rows, dZ, (long) from * fp, fp, grad, w1, fp, fp);
        kernels.fill(dU, (long) from * dp, rows * dp, 0f);
        matrix.multiplyTransposedAdd(dZ, (long) from * fp, fp, rows, params, w1, fp, d, fp, dU, (long) from * dp, dp);
        // dMid = dH + LN2 backward.
        MemorySegment.copy(dH, (long) from * dp * Float.BYTES, dMid, (long) from * dp * Float.BYTES, (long) rows * dp * Float.BYTES);
        for (int i = from; i < tw; i++) {
            long si = stat(l, 2, i);
            layerNormBackward(mid, at(l, i), dU, (long) i * dp, off(TransformerLayout.Kind.LN2_GAIN, l),
                    stats.getAtIndex(JAVA_FLOAT, si), stats.getAtIndex(JAVA_FLOAT, si + ctx), dMid, (long) i * dp);
        }
        // Output projection: dAtt = dMid WO^T, dWO = att^T dMid, dbo = sum dMid.
        long wo = off(TransformerLayout.Kind.WO, l), bo = off(TransformerLayout.Kind.BO, l);
        kernels.fill(dAtt, at(l, from), rows * dp, 0f);
        matrix.multiplyTransposedAdd(dMid, (long) from * dp, dp, rows, params, wo, dp, d, dp, dAtt, at(l, from), dp);
        matrix.multiplyAdd(att, at(l, from), 1, dp, d, rows, dMid, (long) from * dp, dp, grad, wo, dp, dp);
        for (int i = from; i < tw; i++) {
            kernels.axpy(1f, dMid, (long) i * dp, grad, bo, dp);
        }
        attentionFrom[l] = from;
        int newFrom = attentionBackward(l, tw, from);
        // dH (input stream) = dMid + LN1 backward.
        if (newFrom < from) {
            kernels.fill(dH, (long) newFrom * dp, (from - newFrom) * dp, 0f);
        }
        MemorySegment.copy(dMid, (long) from * dp * Float.BYTES, dH, (long) from * dp * Float.BYTES, (long) rows * dp * Float.BYTES);
        for (int i = newFrom; i < tw; i++) {
            long si = stat(l, 0, i);
            layerNormBackward(hs, at(l, i), dU, (long) i * dp, off(TransformerLayout.Kind.LN1_GAIN, l),
                    stats.getAtIndex(JAVA_FLOAT, si), stats.getAtIndex(JAVA_FLOAT, si + ctx), dH, (long) i * dp);
        }
        return newFrom;
    }

    /**
     * Backward through the attention of block l, from the gradient w.r.t. its heads' outputs (dAtt, rows
     * [from, tw)) to the gradient w.r.t. its input LN1(h) (dU): the score, softmax and value products
     * ({@link #attendRowBackward}, into dQ, dK, dV), then the Q, K, V projections (dWQ, dWK, dWV added to the
     * gradient, dU = dQ WQ^T + dK WK^T + dV WV^T). Not WO, not the LayerNorm. A query at step i reaches keys
     * and values at j &lt; i only through the kept heads. Returns the first row of dU that can be non-zero.
     */
    private int attentionBackward(int l, int tw, int from) {
        int rows = tw - from;
        boolean reachesPast = keptPerLayer > 0 || transport.everyHead();
        int newFrom = reachesPast ? 0 : from;
        int newRows = tw - newFrom;
        kernels.fill(dQ, (long) newFrom * dp, newRows * dp, 0f);
        kernels.fill(dK, (long) newFrom * dp, newRows * dp, 0f);
        kernels.fill(dV, (long) newFrom * dp, newRows * dp, 0f);
        for (int i = from; i < tw; i++) {
            attendRowBackward(l, i);
        }
        long wq = off(TransformerLayout.Kind.WQ, l), wk = off(TransformerLayout.Kind.WK, l), wv = off(TransformerLayout.Kind.WV, l);
        matrix.multiplyAdd(u1, at(l, from), 1, dp, d, rows, dQ, (long) from * dp, dp, grad, wq, dp, dp);
        matrix.multiplyAdd(u1, at(l, newFrom), 1, dp, d, newRows, dK, (long) newFrom * dp, dp, grad, wk, dp, dp);
        matrix.multiplyAdd(u1, at(l, newFrom), 1, dp, d, newRows, dV, (long) newFrom * dp, dp, grad, wv, dp, dp);
        kernels.fill(dU, (long) newFrom * dp, newRows * dp, 0f);
        matrix.multiplyTransposedAdd(dQ, (long) from * dp, dp, rows, params, wq, dp, d, dp, dU, (long) from * dp, dp);
        matrix.multiplyTransposedAdd(dK, (long) newFrom * dp, dp, newRows, params, wk, dp, d, dp, dU, (long) newFrom * dp, dp);
        matrix.multiplyTransposedAdd(dV, (long) newFrom * dp, dp, newRows, params, wv, dp, d, dp, dU, (long) newFrom * dp, dp);
        return newFrom;
    }

    /**
     * {@link #attentionBackward} of every layer again, over the window, activations and dAtt of the last
     * backward pass: the gradient of WQ, WK and WV is cleared and written anew (before any clipping), the
     * rest of the gradient stays. For {@link TransformerInspection#attentionBackward()}.
     */
    void rerunAttentionBackward() {
        if (!attentionReady) {
            throw new IllegalStateException("no backward pass through attention over the current window: step or "
                    + "computeGradient first (readout-only models have none; observe, evaluate, predict and reset end it)");
        }
        int tw = filled;
        for (int l = nl - 1; l >= 0; l--) {
            // WQ, WK and WV are adjacent in the slab, (dModel, dp) each.
            kernels.fill(grad, off(TransformerLayout.Kind.WQ, l), 3 * d * dp, 0f);
            attentionBackward(l, tw, attentionFrom[l]);
        }
    }

    /** Softmax attention backward for query i of every head of layer l, into dQ, dK, dV. */
    private void attendRowBackward(int l, int i) {
        long qi = at(l, i);
        long di = (long) i * dp, ai = qi; // dQ, dK, dV rows; dAtt's row of layer l is laid out as q's
        for (int h = 0; h < nh; h++) {
            long pRow = (((long) l * nh + h) * ctx + i) * ctx;
            int hc = h * dh;
            // dA_j = dO_i . v_j, and sum_j p_j dA_j.
            float dot = 0f;
            for (int j = 0; j <= i; j++) {
                long vj = at(l, j) + hc;
                float s = 0f;
                for (int c = 0; c < dh; c++) {
                    s = Math.fma(dAtt.getAtIndex(JAVA_FLOAT, ai + hc + c), v.getAtIndex(JAVA_FLOAT, vj + c), s);
                }
                dScore.setAtIndex(JAVA_FLOAT, j, s);
                dot = Math.fma(probs.getAtIndex(JAVA_FLOAT, pRow + j), s, dot);
            }
            int first = kept[l][h] ? 0 : i; // a head outside S sends nothing to keys and values before i
            for (int j = 0; j <= i; j++) {
                float p = probs.getAtIndex(JAVA_FLOAT, pRow + j);
                float ds = p * (dScore.getAtIndex(JAVA_FLOAT, j) - dot) * scale; // d loss / d (q_i . k_j)
                long kj = (long) j * dp + hc, kjAct = at(l, j) + hc;
                for (int c = 0; c < dh; c++) {
                    dQ.setAtIndex(JAVA_FLOAT, di + hc + c,
                            Math.fma(ds, k.getAtIndex(JAVA_FLOAT, kjAct + c), dQ.getAtIndex(JAVA_FLOAT, di + hc + c)));
                }
                if (j >= first) {
                    for (int c = 0; c < dh; c++) {
                        dK.setAtIndex(JAVA_FLOAT, kj + c,
                                Math.fma(ds, q.getAtIndex(JAVA_FLOAT, qi + hc + c), dK.getAtIndex(JAVA_FLOAT, kj + c)));
                        dV.setAtIndex(JAVA_FLOAT, kj + c,
                                Math.fma(p, dAtt.getAtIndex(JAVA_FLOAT, ai + hc + c), dV.getAtIndex(JAVA_FLOAT, kj + c)));
                    }
                }
            }
        }
    }

    /**
     * LayerNorm backward for one row: with xhat = (x - mean) rstd and dxhat = du * gain,
     * {@code dgain += du xhat}, {@code dbias += du},
     * {@code dx += rstd (dxhat - mean(dxhat) - xhat mean(dxhat xhat))}.
     */
    private void layerNormBackward(MemorySegment x, long xOff, MemorySegment du, long duOff, long gain,
                                   float mean, float rstd, MemorySegment dx, long dxOff) {
        long bias = gain + dp; // every LN's bias follows its gain in the slab
        float sumD = 0f, sumDX = 0f;
        for (int c = 0; c < d; c++) {
            float xhat = (x.getAtIndex(JAVA_FLOAT, xOff + c) - mean) * rstd;
            float g0 = du.getAtIndex(JAVA_FLOAT, duOff + c);
            grad.setAtIndex(JAVA_FLOAT, gain + c, Math.fma(g0, xhat, grad.getAtIndex(JAVA_FLOAT, gain + c)));
            grad.setAtIndex(JAVA_FLOAT, bias + c, grad.getAtIndex(JAVA_FLOAT, bias + c) + g0);
            float dxhat = g0 * params.getAtIndex(JAVA_FLOAT, gain + c);
            sumD += dxhat;
            sumDX = Math.fma(dxhat, xhat, sumDX);
        }
        float meanD = sumD / d, meanDX = sumDX / d;
        for (int c = 0; c < d; c++) {
            float xhat = (x.getAtIndex(JAVA_FLOAT, xOff + c) - mean) * rstd;
            float dxhat = du.getAtIndex(JAVA_FLOAT, duOff + c) * params.getAtIndex(JAVA_FLOAT, gain + c);
            dx.setAtIndex(JAVA_FLOAT, dxOff + c,
                    dx.getAtIndex(JAVA_FLOAT, dxOff + c) + rstd * (dxhat - meanD - xhat * meanDX));
        }
    }

    /** Adds each head's parameter-gradient norm (its WQ, WK, WV columns and WO rows) to the statistics. */
    private void accumulateHeadGradientNorms() {
        for (int l = 0; l < nl; l++) {
            long wq = off(TransformerLayout.Kind.WQ, l), wk = off(TransformerLayout.Kind.WK, l);
            long wv = off(TransformerLayout.Kind.WV, l), wo = off(TransformerLayout.Kind.WO, l);
            for (int h = 0; h < nh; h++) {
                int hc = h * dh;
                float sum = 0f;
                for (int r = 0; r < d; r++) {
                    long row = (long) r * dp + hc;
                    sum += kernels.sumOfSquares(grad, wq + row, dh) + kernels.sumOfSquares(grad, wk + row, dh)
                            + kernels.sumOfSquares(grad, wv + row, dh);
                }
                sum += kernels.sumOfSquares(grad, wo + (long) hc * dp, dh * dp);
                addStatistic(HeadStatistic.GRADIENT_NORM, l, h, Math.sqrt(sum));
            }
        }
        totalCounts[HeadStatistic.GRADIENT_NORM.ordinal()]++;
    }

    /**
     * The model's sizes and training choices. Defaults: dModel 24, heads 6 (so that 1/2 and 1/3 of them
     * are whole), layers 2, context 32, MLP width 4 dModel, dense transport, Adam at 1e-3, no clipping,
     * the kernels chosen by {@code -Dsparsertrl.kernels}, seed 0.
     */
    public static final class Builder {
        private final int inputs;
        private final int outputs;
        private int dModel = 24;
        private int heads = 6;
        private int layers = 2;
        private int context = 32;
        private int mlpRatio = 4;
        private long seed;
        private HeadTransport transport = HeadTransport.dense();
        private OptimizerSpec optimizer = OptimizerSpec.adam(1e-3f);
        private float clipNorm = Float.POSITIVE_INFINITY;
        private Kernels kernels;
        private boolean readoutOnly;

        private Builder(int inputs, int outputs) {
            this.inputs = Arguments.requireInRange("inputs", inputs, 1, 1 << 16);
            this.outputs = Arguments.requireInRange("outputs", outputs, 1, 1 << 16);
        }

        /**
         * The width of the residual stream.
         *
         * @param v in [1, 4096], a multiple of heads
         * @return this builder
         * @throws IllegalArgumentException naming {@code dModel} when it is out of range
         */
        public Builder dModel(int v) {
            dModel = Arguments.requireInRange("dModel", v, 1, 4096);
            return this;
        }

        /**
         * The attention heads per layer.
         *
         * @param v H, in [1, 4096], dividing dModel
         * @return this builder
         * @throws IllegalArgumentException naming {@code heads} when it is out of range
         */
        public Builder heads(int v) {
            heads = Arguments.requireInRange("heads", v, 1, 4096);
            return this;
        }

        /**
         * The blocks of attention and MLP.
         *
         * @param v L, in [1, 64]
         * @return this builder
         * @throws IllegalArgumentException naming {@code layers} when it is out of range
         */
        public Builder layers(int v) {
            layers = Arguments.requireInRange("layers", v, 1, 64);
            return this;
        }

        /**
         * The steps of the window.
         *
         * @param v T, in [1, 4096]
         * @return this builder
         * @throws IllegalArgumentException naming {@code context} when it is out of range
         */
        public Builder context(int v) {
            context = Arguments.requireInRange("context", v, 1, 4096);
            return this;
        }

        /**
         * The MLP's hidden width as a multiple of dModel.
         *
         * @param v in [1, 16]
         * @return this builder
         * @throws IllegalArgumentException naming {@code mlpRatio} when it is out of range
         */
        public Builder mlpRatio(int v) {
            mlpRatio = Arguments.requireInRange("mlpRatio", v, 1, 16);
            return this;
        }

        /**
         * The seed of the initial weights.
         *
         * @param v any seed
         * @return this builder
         */
        public Builder seed(long v) {
            seed = v;
            return this;
        }

        /**
         * Which heads carry gradient to earlier steps.
         *
         * @param v the transport
         * @return this builder
         * @throws IllegalArgumentException when {@code v} is null
         */
        public Builder transport(HeadTransport v) {
            if (v == null) {
                throw new IllegalArgumentException("transport is null");
            }
            transport = v;
            return this;
        }

        /**
         * The optimizer of the weights.
         *
         * @param v the optimizer
         * @return this builder
         * @throws IllegalArgumentException when {@code v} is null
         */
        public Builder optimizer(OptimizerSpec v) {
            if (v == null) {
                throw new IllegalArgumentException("optimizer is null");
            }
            optimizer = v;
            return this;
        }

        /**
         * Clip the gradient to this global norm.
         *
         * @param v finite and &gt; 0, or positive infinity for no clipping
         * @return this builder
         * @throws IllegalArgumentException naming {@code clipNorm} when it is neither
         */
        public Builder clipNorm(float v) {
            clipNorm = v == Float.POSITIVE_INFINITY ? v : Arguments.requirePositive("clipNorm", v);
            return this;
        }

        /**
         * The kernels the model runs on.
         *
         * @param v the kernels; null for the ones chosen by {@code -Dsparsertrl.kernels}
         * @return this builder
         */
        public Builder kernels(Kernels v) {
            kernels = v;
            return this;
        }

        /**
         * Only the readout (W_r, b_r) learns: the control in which no representation adapts.
         *
         * @param v true for a readout-only model
         * @return this builder
         */
        public Builder readoutOnly(boolean v) {
            readoutOnly = v;
            return this;
        }

        /**
         * Builds the model and allocates its memory; close it when done.
         *
         * @return the model, with weights initialised from the seed
         * @throws IllegalArgumentException naming the option when heads does not divide dModel, the
         *                                  transport's fraction is not a multiple of 1/heads, an explicit
         *                                  head selection does not fit the layers and heads, or the
         *                                  parameter slab is too large
         */
        public OnlineTransformer build() {
            if (dModel % heads != 0) {
                throw new IllegalArgumentException("heads = " + heads + " does not divide dModel = " + dModel);
            }
            transport.keptHeads(heads);
            return new OnlineTransformer(this);
        }
    }
}
