package org.sparsertrl.harness;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.function.Consumer;

import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;
import org.sparsertrl.engine.kernel.KernelProvider;
import org.sparsertrl.engine.kernel.Kernels;
import org.sparsertrl.engine.optim.OptimizerSpec;
import org.sparsertrl.engine.transformer.HeadSelection;
import org.sparsertrl.engine.transformer.HeadStatistic;
import org.sparsertrl.engine.transformer.HeadTransport;
import org.sparsertrl.engine.transformer.OnlineTransformer;
import org.sparsertrl.engine.transformer.TransformerLayout;
import org.sparsertrl.engine.transformer.kernel.MatrixKernels;
import org.sparsertrl.harness.oracle.Differences;
import org.sparsertrl.harness.oracle.ReferenceTransformer;
import org.sparsertrl.harness.oracle.Sequences;
import org.sparsertrl.harness.oracle.Tolerance;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

/**
 * The transformer's oracles, as for the RNN (RtrlEqualsBpttTest): the float32 engine's gradient
 * equals a double-precision reference's backward pass, dense and under sparse head transport; the
 * reference's backward equals central differences of its loss (for sparse transport, of the loss in
 * which the heads outside S read earlier steps' keys and values as constants); s = 1 is dense
 * backpropagation bit for bit; s = 0 sends nothing to earlier steps.
 */
class TransformerOracleTest {

    /** Float32 engine against the double reference: sums over windows of up to 7 steps and widths up to 16. */
    static final Tolerance FLOAT = new Tolerance(2e-5, 2e-3);

    /** Central differences with h = 1e-5 in double: truncation ~h^2 times third derivatives, rounding ~1e-16 / h. */
    static final Tolerance DIFFERENCES = new Tolerance(1e-7, 1e-5);

    /** A small random shape: heads, head width, layers, context, m, o, the steps fed, and the seed. */
    record Shape(int heads, int headDim, int layers, int context, int m, int o, int steps, long seed) {

        OnlineTransformer.Builder builder() {
            return OnlineTransformer.builder(m, o).dModel(heads * headDim).heads(heads).layers(layers).context(context)
                    .mlpRatio(2).seed(seed);
        }

        float[][] inputs() {
            return Sequences.gaussian(seed, steps, m);
        }

        float[] target() {
            return Sequences.gaussian(~seed, 1, o)[0];
        }

        /** The window the engine sees after all the inputs: the last min(steps, context) rows. */
        double[][] window() {
            float[][] xs = inputs();
            return Sequences.widen(Arrays.copyOfRange(xs, Math.max(0, steps - context), steps));
        }

        @Override
        public String toString() {
            return "H=" + heads + " dh=" + headDim + " L=" + layers + " T=" + context + " m=" + m + " o=" + o + " steps="
                    + steps + " seed=" + seed;
        }
    }

    /**
     * A shape with the given heads, head width and layers; the context (1 to maxContext), the steps fed
     * (1 to maxSteps, so the window is sometimes partly filled and sometimes sliding), m and o drawn
     * from the seed (QuickTheories takes at most four generators).
     */
    static Shape shape(int heads, int headDim, int layers, int maxContext, int maxSteps, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        return new Shape(heads, headDim, layers, 1 + r.nextInt(maxContext), 1 + r.nextInt(3), 1 + r.nextInt(2),
                1 + r.nextInt(maxSteps), seed);
    }

    /**
     * Checks {@code check} on {@code examples} shapes drawn by QuickTheories: heads, head width and layers
     * from the three generators, the rest from a seed (see {@link #shape}).
     */
    static void forShapes(int examples, Gen<Integer> heads, Gen<Integer> headDims, Gen<Integer> layers, int maxContext,
                          int maxSteps, Consumer<Shape> check) {
        qt().withExamples(examples).forAll(heads, headDims, layers, longs().all())
                .checkAssert((h, d, l, seed) -> check.accept(shape(h, d, l, maxContext, maxSteps, seed)));
    }

    /** Feeds the inputs (every one but the last observed) and computes the gradient of the last step. */
    static float gradientAtLastStep(OnlineTransformer model, Shape s) {
        float[][] xs = s.inputs();
        for (int t = 0; t < xs.length - 1; t++) {
            model.observe(xs[t]);
        }
        return model.computeGradient(xs[xs.length - 1], s.target());
    }

    static double[] engineGradient(OnlineTransformer model) {
        return ReferenceTransformer.engineOrder(model.layout(), model::gradient);
    }

    /** {@code kept} heads of each layer, drawn from {@code seed}. */
    static int[][] randomHeads(int layers, int heads, int kept, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int[][] out = new int[layers][];
        for (int l = 0; l < layers; l++) {
            int[] order = java.util.stream.IntStream.range(0, heads).toArray();
            for (int i = 0; i < heads; i++) {
                int j = i + r.nextInt(heads - i);
                int t = order[i];
                order[i] = order[j];
                order[j] = t;
            }
            out[l] = Arrays.copyOf(order, kept);
        }
        return out;
    }

    static boolean[][] mask(int[][] heads, int nh) {
        boolean[][] kept = new boolean[heads.length][nh];
        for (int l = 0; l < heads.length; l++) {
            for (int h : heads[l]) {
                kept[l][h] = true;
            }
        }
        return kept;
    }

    @Test
    void engineGradientEqualsTheDoubleReferenceDenseAndSparse() {
        forShapes(120, integers().between(1, 4), integers().between(1, 4), integers().between(1, 3), 6, 9, s -> {
            int heads = s.heads();
            int kept = Math.floorMod(s.seed(), heads + 2); // heads + 1 stands for dense transport
            boolean dense = kept > heads;
            int[][] chosen = dense ? null : randomHeads(s.layers(), heads, kept, s.seed() ^ 0x5EEDL);
            HeadTransport transport = dense ? HeadTransport.dense()
                    : HeadTransport.sparse((double) kept / heads, HeadSelection.explicit(chosen));
            for (Kernels kernels : new Kernels[] {KernelProvider.vector(), KernelProvider.scalar()}) {
                try (OnlineTransformer model = s.builder().transport(transport).kernels(kernels).build()) {
                    ReferenceTransformer reference = ReferenceTransformer.of(model);
                    gradientAtLastStep(model, s);
                    double[] expected = reference.backward(s.window(), Sequences.widen(new float[][] {s.target()})[0],
                            dense ? reference.all() : mask(chosen, heads));
                    FLOAT.assertClose("gradient " + s + " " + transport.label() + " " + kernels.name(), expected,
                            engineGradient(model));
                }
            }
        });
    }

    @Test
    void referenceBackwardEqualsCentralDifferences() {
        forShapes(60, integers().between(1, 3), integers().between(1, 3), integers().between(1, 2), 5, 7, s -> {
            try (OnlineTransformer model = s.builder().build()) {
                ReferenceTransformer reference = ReferenceTransformer.of(model);
                double[][] xs = s.window();
                double[] target = Sequences.widen(new float[][] {s.target()})[0];
                double[] grad = reference.backward(xs, target, reference.all());
                checkDifferences("dense " + s, reference, grad, s.seed(), p -> p.loss(xs, target));
            }
        });
    }

    @Test
    void sparseBackwardIsTheGradientOfTheLossWithEarlierKeysAndValuesHeldConstant() {
        forShapes(60, integers().between(1, 4), integers().between(1, 3), integers().between(1, 2), 5, 7, s -> {
            int heads = s.heads();
            int kept = Math.floorMod(s.seed(), heads + 1);
            boolean[][] mask = mask(randomHeads(s.layers(), heads, kept, s.seed()), heads);
            try (OnlineTransformer model = s.builder().build()) {
                ReferenceTransformer reference = ReferenceTransformer.of(model);
                double[][] xs = s.window();
                double[] target = Sequences.widen(new float[][] {s.target()})[0];
                ReferenceTransformer.Forward frozen = reference.forward(xs);
                double[] grad = reference.backward(xs, target, mask);
                checkDifferences("kept " + kept + " of " + heads + " " + s, reference, grad, s.seed(),
                        p -> p.loss(xs, target, mask, frozen));
            }
        });
    }

    private static void checkDifferences(String what, ReferenceTransformer reference, double[] grad, long seed,
                                         java.util.function.ToDoubleFunction<ReferenceTransformer> loss) {
        Differences d = Differences.sample(seed, 30, reference.p(),
                (i, h) -> loss.applyAsDouble(reference.perturbed(i, h)), i -> grad[i]);
        // The differences' own rounding, about 1e-16 |loss| / h = 1e-11 |loss|, sets a floor under the
        // absolute part: with dModel = 2 every LayerNorm passes only ~1e-5 of its input's gradient, and
        // whole gradients are that small.
        double floor = 1e-3 * (1 + Math.abs(loss.applyAsDouble(reference)));
        DIFFERENCES.assertClose("backward vs differences " + what, d.expected(), d.actual(), floor);
    }

    @Test
    void fractionOneIsDenseBackpropagationBitForBit() {
        qt().withExamples(40).forAll(
                integers().between(1, 6), integers().between(1, 3), integers().between(1, 4), longs().all()
        ).checkAssert((heads, headDim, policy, seed) -> {
            Shape s = shape(heads, headDim, 3, 8, 12, seed);
            HeadSelection selection = switch (policy) {
                case 1 -> HeadSelection.randomFixed(seed);
                case 2 -> HeadSelection.resampled(3, seed);
                case 3 -> HeadSelection.top(HeadStatistic.SPECIALISATION, 2);
                default -> HeadSelection.bottom(HeadStatistic.GRADIENT_NORM, 2);
            };
            try (OnlineTransformer dense = s.builder().transport(HeadTransport.dense()).build();
                 OnlineTransformer sparse = s.builder().transport(HeadTransport.sparse(1.0, selection)).build()) {
                float[][] xs = Sequences.gaussian(seed, 12, s.m());
                float[][] ys = Sequences.gaussian(~seed, 12, s.o());
                for (int t = 0; t < xs.length; t++) {
                    float a = dense.step(xs[t], ys[t]);
                    float b = sparse.step(xs[t], ys[t]);
                    assertEquals(Float.floatToRawIntBits(a), Float.floatToRawIntBits(b), "loss at step " + t + " " + s);
                }
                assertArrayEquals(bits(dense.weights()), bits(sparse.weights()), "weights after 12 steps " + s + " " + selection);
                for (int i = 0; i < dense.layout().size(); i++) {
                    assertEquals(Float.floatToRawIntBits(dense.gradient(i)), Float.floatToRawIntBits(sparse.gradient(i)),
                            "gradient[" + i + "] " + s);
                }
            }
        });
    }

    private static int[] bits(float[] values) {
        int[] out = new int[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = Float.floatToRawIntBits(values[i]);
        }
        return out;
    }

    @Test
    void fractionZeroSendsNothingToEarlierSteps() {
        // Head width 2 at least: LayerNorm of one value is its bias alone, and then nothing reaches the output.
        forShapes(40, integers().between(1, 6), integers().between(2, 3), integers().between(1, 3), 7, 1, drawn -> {
            int heads = drawn.heads(), layers = drawn.layers();
            int context = drawn.context() + 1; // two steps at least, so that there is a past
            Shape s = new Shape(heads, drawn.headDim(), layers, context, drawn.m(), drawn.o(), context + 3, drawn.seed());
            try (OnlineTransformer none = s.builder().transport(HeadTransport.sparse(0, HeadSelection.randomFixed(s.seed()))).build();
                 OnlineTransformer dense = s.builder().build()) {
                ReferenceTransformer reference = ReferenceTransformer.of(none);
                gradientAtLastStep(none, s);
                gradientAtLastStep(dense, s);
                // The position embedding of step t - a gets gradient only from step t - a itself: zero
                // for every a > 0 without transport, and not zero with it.
                TransformerLayout.Tensor pos = none.layout().tensor(TransformerLayout.Kind.POSITION, 0);
                double moved = 0;
                for (int age = 1; age < context; age++) {
                    for (int c = 0; c < pos.cols(); c++) {
                        assertEquals(0f, none.gradient(pos.index(age, c)), "position " + age + " " + s);
                        moved += Math.abs(dense.gradient(pos.index(age, c)));
                    }
                }
                assertTrue(moved > 0, "dense transport reaches earlier steps " + s);
                // And the whole gradient is the reference's with every earlier key and value held constant.
                double[] expected = reference.backward(s.window(), Sequences.widen(new float[][] {s.target()})[0],
                        new boolean[layers][heads]);
                FLOAT.assertClose("s = 0 " + s, expected, engineGradient(none));
            }
        });
    }

    @Test
    void eachLayerKeepsSHeadsAndTheRulesPickWhatTheySay() {
        int heads = 6;
        for (int kept = 0; kept <= heads; kept++) {
            try (OnlineTransformer model = OnlineTransformer.builder(1, 1).heads(heads).dModel(12).context(4)
                    .transport(HeadTransport.sparse(kept / 6.0, HeadSelection.randomFixed(kept))).build()) {
                for (int l = 0; l < 2; l++) {
                    int count = 0;
                    for (int h = 0; h < heads; h++) {
                        count += model.transports(l, h) ? 1 : 0;
                    }
                    assertEquals(kept, count, "layer " + l + " at s = " + kept + "/6");
                }
            }
        }
        // Top and bottom by specialisation, from the first step's own attention: disjoint halves that
        // split the heads at the median of the statistic the model reports.
        float[] x = {0.3f}, y = {0.1f};
        for (boolean top : new boolean[] {true, false}) {
            HeadSelection rule = top ? HeadSelection.top(HeadStatistic.SPECIALISATION, 1000)
                    : HeadSelection.bottom(HeadStatistic.SPECIALISATION, 1000);
            try (OnlineTransformer model = OnlineTransformer.builder(1, 1).heads(heads).dModel(12).context(4).seed(3)
                    .transport(HeadTransport.sparse(0.5, rule)).build()) {
                for (int t = 0; t < 3; t++) {
                    model.observe(x);
                }
                model.computeGradient(x, y);
                for (int l = 0; l < 2; l++) {
                    double keptMin = Double.POSITIVE_INFINITY, keptMax = Double.NEGATIVE_INFINITY;
                    double otherMin = Double.POSITIVE_INFINITY, otherMax = Double.NEGATIVE_INFINITY;
                    for (int h = 0; h < heads; h++) {
                        double v = model.headStatistic(HeadStatistic.SPECIALISATION, l, h);
                        if (model.transports(l, h)) {
                            keptMin = Math.min(keptMin, v);
                            keptMax = Math.max(keptMax, v);
                        } else {
                            otherMin = Math.min(otherMin, v);
                            otherMax = Math.max(otherMax, v);
                        }
                    }
                    assertTrue(top ? keptMin >= otherMax : keptMax <= otherMin, (top ? "top" : "bottom") + " layer " + l);
                }
            }
        }
        // Resampling changes the set.
        try (OnlineTransformer model = OnlineTransformer.builder(1, 1).heads(heads).dModel(12).context(4)
                .transport(HeadTransport.sparse(0.5, HeadSelection.resampled(1, 5))).build()) {
            String first = keptHeads(model, heads);
            boolean changed = false;
            for (int t = 0; t < 10 && !changed; t++) {
                model.step(x, y);
                changed = !keptHeads(model, heads).equals(first);
            }
            assertTrue(changed, "resampled every step, the set changed within 10 steps");
        }
    }

    private static String keptHeads(OnlineTransformer model, int heads) {
        StringBuilder s = new StringBuilder();
        for (int l = 0; l < 2; l++) {
            for (int h = 0; h < heads; h++) {
                s.append(model.transports(l, h) ? '1' : '0');
            }
        }
        return s.toString();
    }

    @Test
    void vectorAndScalarKernelsAgree() {
        qt().withExamples(30).forAll(integers().between(1, 6), integers().between(1, 9), integers().between(1, 10), longs().all())
                .checkAssert((heads, headDim, context, seed) -> {
                    Shape s = shape(heads, headDim, 2, context, 12, seed);
                    try (OnlineTransformer vector = s.builder().kernels(KernelProvider.vector()).build();
                         OnlineTransformer scalar = s.builder().kernels(KernelProvider.scalar()).build()) {
                        gradientAtLastStep(vector, s);
                        gradientAtLastStep(scalar, s);
                        FLOAT.assertClose("vector vs scalar " + s, engineGradient(scalar), engineGradient(vector));
                        assertNotEquals(0.0, Arrays.stream(engineGradient(vector)).map(Math::abs).sum(), "a gradient at all");
                    }
                });
    }

    /**
     * The matrix kernels' twins: multiplyAdd element by element the same chain of FMAs (bit for bit),
     * multiplyTransposedAdd within the classical dot-product bound, over awkward sizes and strides.
     */
    @Test
    void matrixKernelTwinsAgree() {
        MatrixKernels scalar = MatrixKernels.matching("scalar"), vector = MatrixKernels.matching("vector");
        int[] sizes = {1, 3, 13, 16, 17, 33, 70};
        try (Arena arena = Arena.ofConfined()) {
            for (int rows : new int[] {1, 5}) {
                for (int inner : sizes) {
                    for (int cols : sizes) {
                        long seed = rows * 1_000_003L + inner * 1_009L + cols;
                        MemorySegment a = random(arena, (long) rows * inner + 7, seed), b = random(arena, (long) inner * (cols + 3) + 5, ~seed);
                        MemorySegment c1 = random(arena, (long) rows * (cols + 2) + 3, seed + 1), c2 = copy(arena, c1);
                        // A read transposed (row stride 1, column stride rows) to cover the strides.
                        scalar.multiplyAdd(a, 2, 1, rows, rows, inner, b, 1, cols + 3, c1, 3, cols + 2, cols);
                        vector.multiplyAdd(a, 2, 1, rows, rows, inner, b, 1, cols + 3, c2, 3, cols + 2, cols);
                        assertArrayEquals(c1.toArray(JAVA_FLOAT), c2.toArray(JAVA_FLOAT),
                                "multiplyAdd rows=" + rows + " inner=" + inner + " cols=" + cols);
                        MemorySegment d1 = random(arena, (long) rows * (cols + 1) + 2, seed + 2), d2 = copy(arena, d1);
                        MemorySegment bt = random(arena, (long) cols * (inner + 1) + 4, seed + 3);
                        scalar.multiplyTransposedAdd(a, 1, inner, rows, bt, 3, inner + 1, cols, inner, d1, 2, cols + 1);
                        vector.multiplyTransposedAdd(a, 1, inner, rows, bt, 3, inner + 1, cols, inner, d2, 2, cols + 1);
                        float[] e1 = d1.toArray(JAVA_FLOAT), e2 = d2.toArray(JAVA_FLOAT);
                        for (int i = 0; i < e1.length; i++) {
                            // (inner + 2) u sum |a_k b_k| with |a|, |b| < 1, plus the accumulated value's rounding.
                            double bound = (inner + 2) * 0x1p-24 * (inner + Math.abs(e1[i]));
                            assertTrue(Math.abs(e1[i] - e2[i]) <= bound, "multiplyTransposedAdd rows=" + rows + " inner="
                                    + inner + " cols=" + cols + " [" + i + "]: " + e1[i] + " vs " + e2[i]);
                        }
                    }
                }
            }
        }
    }

    private static MemorySegment random(Arena arena, long count, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        MemorySegment s = arena.allocate(count * Float.BYTES, 64);
        for (long i = 0; i < count; i++) {
            s.setAtIndex(JAVA_FLOAT, i, (float) r.nextDouble(-1, 1));
        }
        return s;
    }

    private static MemorySegment copy(Arena arena, MemorySegment s) {
        return arena.allocate(s.byteSize(), 64).copyFrom(s);
    }

    /**
     * The benchmarks' "attention backward" (inspect().attentionBackward()) is the step's own: rerun after a
     * step whose gradient was clipped, it writes WQ, WK and WV's unclipped gradient, bit for bit that of a
     * twin model that does not clip, and leaves every other entry as the clipped step left it; dense, s = 0
     * and a random s, over 1 to 3 layers and windows partly filled or sliding.
     */
    @Test
    void attentionBackwardRewritesTheStepsGradientOfTheProjections() {
        forShapes(40, integers().between(1, 6), integers().between(1, 3), integers().between(1, 3), 8, 12, s -> {
            int heads = s.heads();
            int kept = new SplittableRandom(s.seed()).nextInt(heads + 2) - 1; // -1 for dense
            HeadTransport transport = kept < 0 ? HeadTransport.dense()
                    : HeadTransport.sparse(kept / (double) heads, HeadSelection.explicit(randomHeads(s.layers(), heads, kept, s.seed())));
            try (OnlineTransformer clipped = s.builder().transport(transport).clipNorm(1e-6f).build();
                 OnlineTransformer plain = s.builder().transport(transport).build()) {
                gradientAtLastStep(clipped, s);
                gradientAtLastStep(plain, s);
                assertTrue(clipped.lastGradientNorm() > 1e-5f, "the clip scales the gradient " + s);
                float[] before = new float[clipped.layout().size()];
                for (int i = 0; i < before.length; i++) {
                    before[i] = clipped.gradient(i);
                }
                clipped.inspect().attentionBackward();
                for (TransformerLayout.Tensor t : clipped.layout().tensors()) {
                    boolean projection = t.kind() == TransformerLayout.Kind.WQ || t.kind() == TransformerLayout.Kind.WK
                            || t.kind() == TransformerLayout.Kind.WV;
                    for (int r = 0; r < t.rows(); r++) {
                        for (int c = 0; c < t.cols(); c++) {
                            int i = t.index(r, c);
                            float expected = projection ? plain.gradient(i) : before[i];
                            assertEquals(Float.floatToRawIntBits(expected), Float.floatToRawIntBits(clipped.gradient(i)),
                                    t.kind() + "[" + t.layer() + "](" + r + ", " + c + ") " + transport.label() + " " + s);
                        }
                    }
                }
                clipped.observe(s.inputs()[0]);
                assertThrows(IllegalStateException.class, () -> clipped.inspect().attentionBackward(), "a new window " + s);
            }
        });
        try (OnlineTransformer readout = OnlineTransformer.builder(1, 1).readoutOnly(true).build()) {
            readout.step(new float[] {1f}, new float[] {0.5f});
            assertThrows(IllegalStateException.class, () -> readout.inspect().attentionBackward(), "readout only");
        }
    }

    @Test
    void readoutOnlyLearnsOnlyTheReadout() {
        Shape s = shape(3, 2, 2, 4, 6, 9);
        try (OnlineTransformer model = s.builder().readoutOnly(true).optimizer(OptimizerSpec.sgd(0.1f)).build()) {
            float[] before = model.weights();
            float[][] xs = s.inputs();
            for (float[] x : xs) {
                model.step(x, s.target());
            }
            float[] after = model.weights();
            TransformerLayout layout = model.layout();
            for (TransformerLayout.Tensor t : layout.tensors()) {
                boolean readout = t.kind() == TransformerLayout.Kind.WR || t.kind() == TransformerLayout.Kind.BR;
                boolean changed = false;
                for (int r = 0; r < t.rows(); r++) {
                    for (int c = 0; c < t.cols(); c++) {
                        changed |= before[t.index(r, c)] != after[t.index(r, c)];
                    }
                }
                assertEquals(readout, changed, t.kind() + (readout ? " learns" : " stays"));
            }
        }
    }
}
