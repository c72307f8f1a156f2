package org.sparsertrl.harness;

import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.sparsertrl.engine.kernel.KernelProvider;
import org.sparsertrl.engine.memory.ModelMemory;
import org.sparsertrl.engine.optim.GradientClipping;
import org.sparsertrl.engine.optim.Optimizer;
import org.sparsertrl.engine.optim.OptimizerSpec;
import org.sparsertrl.harness.oracle.Tolerance;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The optimizers against their textbook definitions in double precision, over several steps with
 * random gradients and a learning-rate change half-way; and global-norm clipping.
 */
class OptimizerTest {

    static final int SIZE = 37;
    static final int STEPS = 12;
    static final Tolerance FLOAT = new Tolerance(1e-6, 1e-5);

    @Test
    void sgdWithAndWithoutMomentum() {
        for (float mu : new float[] {0f, 0.9f}) {
            check(OptimizerSpec.sgd(0.05f, mu), (p, g, state, lr, t) -> {
                for (int i = 0; i < SIZE; i++) {
                    state[0][i] = mu * state[0][i] + g[i];
                    p[i] -= lr * state[0][i];
                }
            });
        }
    }

    @Test
    void adamWithBiasCorrection() {
        double b1 = 0.9, b2 = 0.999, eps = 1e-8;
        check(OptimizerSpec.adam(0.01f), (p, g, state, lr, t) -> {
            for (int i = 0; i < SIZE; i++) {
                state[0][i] = b1 * state[0][i] + (1 - b1) * g[i];
                state[1][i] = b2 * state[1][i] + (1 - b2) * g[i] * g[i];
                double mHat = state[0][i] / (1 - Math.pow(b1, t)), vHat = state[1][i] / (1 - Math.pow(b2, t));
                p[i] -= lr * mHat / (Math.sqrt(vHat) + eps);
            }
        });
    }

    @Test
    void rmsprop() {
        double rho = 0.99, eps = 1e-8;
        check(OptimizerSpec.rmsprop(0.01f), (p, g, state, lr, t) -> {
            for (int i = 0; i < SIZE; i++) {
                state[0][i] = rho * state[0][i] + (1 - rho) * g[i] * g[i];
                p[i] -= lr * g[i] / (Math.sqrt(state[0][i]) + eps);
            }
        });
    }

    @Test
    void clippingScalesToTheLimitAndReportsTheNorm() {
        try (ModelMemory memory = new ModelMemory()) {
            MemorySegment g = memory.allocateFloats(SIZE);
            double norm2 = 0;
            for (int i = 0; i < SIZE; i++) {
                g.setAtIndex(JAVA_FLOAT, i, i - 18f);
                norm2 += (i - 18.0) * (i - 18.0);
            }
            float norm = GradientClipping.clip(KernelProvider.selected(), g, SIZE, 2f);
            assertEquals(Math.sqrt(norm2), norm, 1e-4 * norm);
            double after = 0;
            for (int i = 0; i < SIZE; i++) {
                after += g.getAtIndex(JAVA_FLOAT, i) * g.getAtIndex(JAVA_FLOAT, i);
                assertEquals((i - 18.0) * 2 / Math.sqrt(norm2), g.getAtIndex(JAVA_FLOAT, i), 1e-5, "direction kept");
            }
            assertEquals(2.0, Math.sqrt(after), 1e-5);
            float[] clipped = g.toArray(JAVA_FLOAT);
            assertEquals(2.0, GradientClipping.clip(KernelProvider.selected(), g, SIZE, 5f), 1e-5, "under the limit");
            // Under the limit the gradient is scaled by exactly 1: every element keeps its bits.
            for (int i = 0; i < SIZE; i++) {
                assertEquals(Float.floatToRawIntBits(clipped[i]), Float.floatToRawIntBits(g.getAtIndex(JAVA_FLOAT, i)),
                        "element " + i + " untouched under the limit: was " + clipped[i] + ", is " + g.getAtIndex(JAVA_FLOAT, i));
            }
        }
    }

    interface Reference {
        void step(double[] p, double[] g, double[][] state, double lr, int t);
    }

    private static void check(OptimizerSpec spec, Reference reference) {
        SplittableRandom random = new SplittableRandom(17);
        try (ModelMemory memory = new ModelMemory()) {
            Optimizer optimizer = spec.create(SIZE, memory, KernelProvider.selected());
            MemorySegment p = memory.allocateFloats(SIZE), g = memory.allocateFloats(SIZE);
            double[] pRef = new double[SIZE], gRef = new double[SIZE];
            double[][] state = new double[2][SIZE];
            for (int i = 0; i < SIZE; i++) {
                pRef[i] = (float) random.nextGaussian();
                p.setAtIndex(JAVA_FLOAT, i, (float) pRef[i]);
            }
            double lr = spec.learningRate();
            for (int t = 1; t <= STEPS; t++) {
                if (t == STEPS / 2) {
                    optimizer.setLearningRate((float) (lr / 4));
                    lr = optimizer.learningRate();
                }
                for (int i = 0; i < SIZE; i++) {
                    gRef[i] = (float) random.nextGaussian();
                    g.setAtIndex(JAVA_FLOAT, i, (float) gRef[i]);
                }
                optimizer.update(p, g);
                reference.step(pRef, gRef, state, lr, t);
                double[] actual = new double[SIZE];
                for (int i = 0; i < SIZE; i++) {
                    actual[i] = p.getAtIndex(JAVA_FLOAT, i);
                }
                FLOAT.assertClose(spec.label() + " step " + t, pRef, actual);
            }
        }
    }
}
