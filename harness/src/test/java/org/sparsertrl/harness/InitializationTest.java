package org.sparsertrl.harness;

import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.sparsertrl.engine.cell.CellKind;
import org.sparsertrl.engine.cell.Initialization;
import org.sparsertrl.engine.cell.RnnLayout;
import org.sparsertrl.engine.train.OnlineTrainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.floats;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

/**
 * The weight initialisations. Orthogonal: every gate block of W satisfies W^T W = gain^2 I (every
 * singular value is the gain), for every cell, reproducibly from the seed. Gaussian with input scale 1:
 * bit for bit the weights of the formula the cells used before the option existed, copied below. Both:
 * U has the standard deviation inputScale / sqrt(m).
 */
class InitializationTest {

    static final int[] SIZES = {1, 7, 16, 64};
    /** W^T W against gain^2 I, relative to gain^2: float storage rounds each entry by 2^-24 relative. */
    static final double ORTHOGONALITY = 1e-5;

    @Test
    void orthogonalBlocksHaveEverySingularValueEqualToTheGain() {
        for (CellKind kind : CellKind.values()) {
            qt().withExamples(12).forAll(integers().between(0, SIZES.length - 1), longs().all(),
                    floats().between(0.1f, 3f), floats().between(0.05f, 4f)
            ).checkAssert((size, seed, gain, inputScale) -> {
                int n = SIZES[size];
                float[] w = weights(kind, n, 3, seed, Initialization.orthogonal(gain, inputScale));
                RnnLayout layout = new RnnLayout(n, 3, 2, kind.gates());
                for (int g = 0; g < kind.gates(); g++) {
                    assertOrthogonal(layout, w, g, gain, kind.label() + " gate " + g + " n=" + n + " seed=" + seed
                            + " gain=" + gain);
                }
            });
        }
    }

    @Test
    void eachGateHasAnOrthogonalBlockOfItsOwn() {
        for (CellKind kind : List.of(CellKind.LSTM, CellKind.GRU)) {
            int n = 16;
            RnnLayout layout = new RnnLayout(n, 3, 2, kind.gates());
            float[] w = weights(kind, n, 3, 5, Initialization.orthogonal(1.1f, 1f));
            for (int g = 0; g < kind.gates(); g++) {
                assertOrthogonal(layout, w, g, 1.1f, kind.label() + " gate " + g);
                for (int h = 0; h < g; h++) {
                    assertFalse(Arrays.equals(block(layout, w, g), block(layout, w, h)),
                            kind.label() + ": gates " + h + " and " + g + " share one Q");
                }
            }
        }
    }

    @Test
    void theSeedFixesTheOrthogonalWeights() {
        for (CellKind kind : CellKind.values()) {
            for (int n : SIZES) {
                Initialization init = Initialization.orthogonal(0.9f, 0.5f);
                float[] first = weights(kind, n, 3, 42, init);
                assertTrue(Arrays.equals(first, weights(kind, n, 3, 42, init)), kind.label() + " n=" + n + ": same seed");
                RnnLayout layout = new RnnLayout(n, 3, 2, kind.gates());
                // n = 1: Q is +1 or -1, so another seed differs in W only half the time; U and V always.
                assertFalse(Arrays.equals(first, weights(kind, n, 3, 43, init)), kind.label() + " n=" + n + ": other seed");
                if (n > 1) {
                    assertFalse(Arrays.equals(block(layout, first, 0), block(layout, weights(kind, n, 3, 43, init), 0)),
                            kind.label() + " n=" + n + ": another seed, another W");
                }
            }
        }
    }

    @Test
    void gaussianWithInputScaleOneIsTheFormulaOfBefore() {
        for (CellKind kind : CellKind.values()) {
            for (int n : SIZES) {
                for (long seed : new long[] {0, 1, 42, -7}) {
                    for (float gain : new float[] {0.9f, 1.3f}) {
                        String at = kind.label() + " n=" + n + " seed=" + seed + " gain=" + gain;
                        float[] before = formulaOfBefore(kind, n, 5, 3, seed, gain, 1f);
                        RnnLayout layout = new RnnLayout(n, 5, 3, kind.gates());
                        float[] viaGain, viaInit, viaDefault;
                        try (OnlineTrainer t = OnlineTrainer.builder(n, 5, 3).cell(kind).seed(seed).recurrentGain(gain).build()) {
                            viaGain = t.weights();
                            assertEquals(Initialization.gaussian(gain), t.initialization(), at);
                        }
                        try (OnlineTrainer t = OnlineTrainer.builder(n, 5, 3).cell(kind).seed(seed)
                                .initialization(Initialization.gaussian(gain, 1f)).build()) {
                            viaInit = t.weights();
                        }
                        assertDrawnWeightsEqual(layout, before, viaGain, at + " via recurrentGain");
                        assertDrawnWeightsEqual(layout, before, viaInit, at + " via initialization");
                    }
                }
                try (OnlineTrainer t = OnlineTrainer.builder(n, 5, 3).cell(kind).seed(3).build()) {
                    assertEquals(Initialization.gaussian(0.9f, 1f), t.initialization(), "the default");
                    assertDrawnWeightsEqual(new RnnLayout(n, 5, 3, kind.gates()),
                            formulaOfBefore(kind, n, 5, 3, 3, 0.9f, 1f), t.weights(), kind.label() + " default");
                }
            }
        }
    }

    @Test
    void gaussianInputScaleScalesOnlyU() {
        for (CellKind kind : CellKind.values()) {
            float[] drawn = weights(kind, 7, 5, 9, Initialization.gaussian(1.2f, 0.3f));
            assertDrawnWeightsEqual(new RnnLayout(7, 5, 2, kind.gates()),
                    formulaOfBefore(kind, 7, 5, 2, 9, 1.2f, 0.3f), drawn, kind.label());
        }
    }

    @Test
    void bothKindsDrawTheSameInputAndReadoutWeights() {
        for (CellKind kind : CellKind.values()) {
            RnnLayout layout = new RnnLayout(16, 3, 2, kind.gates());
            float[] gaussian = weights(kind, 16, 3, 8, Initialization.gaussian(0.9f, 0.4f));
            float[] orthogonal = weights(kind, 16, 3, 8, Initialization.orthogonal(0.9f, 0.4f));
            assertTrue(Arrays.equals(gaussian, layout.uOffset(), layout.size(), orthogonal, layout.uOffset(), layout.size()),
                    kind.label() + ": U, b, V, c differ");
            assertFalse(Arrays.equals(block(layout, gaussian, 0), block(layout, orthogonal, 0)), kind.label() + ": W equal");
        }
    }

    @Test
    void inputWeightsHaveTheStandardDeviationOfTheInputScale() {
        int n = 4, m = 4096;
        for (CellKind kind : CellKind.values()) {
            for (Initialization init : List.of(Initialization.orthogonal(0.9f, 0.3f), Initialization.gaussian(0.9f, 2f),
                    Initialization.gaussian(0.9f))) {
                RnnLayout layout = new RnnLayout(n, m, 2, kind.gates());
                float[] w = weights(kind, n, m, 17, init);
                double sum = 0, squares = 0;
                int count = layout.rows() * m;
                for (int a = 0; a < layout.rows(); a++) {
                    for (int j = 0; j < m; j++) {
                        double u = w[layout.u(a, j)];
                        sum += u;
                        squares += u * u;
                    }
                }
                double expected = init.inputScale() / Math.sqrt(m), mean = sum / count;
                double std = Math.sqrt(squares / count - mean * mean);
                // The sample std of N >= 16384 normals is off by 1 / sqrt(2N) < 0.6 % (one sigma); 3 % is five sigma.
                assertEquals(expected, std, 0.03 * expected, kind.label() + " " + init.label());
                assertEquals(0, mean, 5 * expected / Math.sqrt(count), kind.label() + " " + init.label() + ": mean");
            }
        }
    }

    @Test
    void labelsNameTheSettings() {
        assertEquals("orthogonal gain 0.9, input scale 0.3", Initialization.orthogonal(0.9f, 0.3f).label());
        assertEquals("gaussian gain 0.9, input scale 1", Initialization.gaussian(0.9f).label());
        assertEquals("gaussian gain 1.25, input scale 2", Initialization.gaussian(1.25f, 2f).label());
    }

    @Test
    void recurrentGainKeepsTheInputScaleSetBefore() {
        try (OnlineTrainer t = OnlineTrainer.builder(4, 2, 1).initialization(Initialization.orthogonal(0.5f, 0.3f))
                .recurrentGain(1.5f).build()) {
            assertEquals(Initialization.gaussian(1.5f, 0.3f), t.initialization());
        }
    }

    /** Asserts W^T W = gain^2 I for gate block g of W, in double from the stored floats. */
    private static void assertOrthogonal(RnnLayout layout, float[] w, int g, float gain, String at) {
        int n = layout.n();
        double g2 = (double) gain * gain, worst = 0;
        for (int j = 0; j < n; j++) {
            for (int k = 0; k < n; k++) {
                double dot = 0;
                for (int i = 0; i < n; i++) {
                    dot += (double) w[layout.w(g * n + i, j)] * w[layout.w(g * n + i, k)];
                }
                worst = Math.max(worst, Math.abs(dot - (j == k ? g2 : 0)));
            }
        }
        assertTrue(worst <= ORTHOGONALITY * g2, at + ": |W^T W - gain^2 I| = " + worst + ", gain^2 = " + g2);
    }

    /** Gate block g of W, n x n. */
    private static float[] block(RnnLayout layout, float[] w, int g) {
        int n = layout.n();
        float[] out = new float[n * n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                out[i * n + j] = w[layout.w(g * n + i, j)];
            }
        }
        return out;
    }

    private static float[] weights(CellKind kind, int n, int m, long seed, Initialization init) {
        try (OnlineTrainer t = OnlineTrainer.builder(n, m, 2).cell(kind).seed(seed).initialization(init).build()) {
            return t.weights();
        }
    }

    /** W, U and V bit for bit; the biases are the cells' own business. */
    private static void assertDrawnWeightsEqual(RnnLayout layout, float[] expected, float[] actual, String at) {
        for (int index = 0; index < layout.size(); index++) {
            boolean bias = index >= layout.bOffset() && index < layout.vOffset() || index >= layout.cOffset();
            if (!bias && Float.floatToRawIntBits(expected[index]) != Float.floatToRawIntBits(actual[index])) {
                throw new AssertionError(at + ": " + layout.nameOf(index) + " = " + actual[index] + ", expected " + expected[index]);
            }
        }
    }

    /**
     * The cells' initialisation before {@link Initialization} existed (VanillaRnn and GatedCell at
     * adf2562), copied, with {@code 1.0} in the standard deviation of U made {@code inputScale}: one
     * SplittableRandom, W ~ N(0, gain^2 / n) over all G n rows, then U, then V ~ N(0, 1 / n), row by row.
     */
    private static float[] formulaOfBefore(CellKind kind, int n, int m, int o, long seed, float recurrentGain,
                                           float inputScale) {
        RnnLayout layout = new RnnLayout(n, m, o, kind.gates());
        float[] params = new float[layout.size()];
        SplittableRandom random = new SplittableRandom(seed);
        double wStd = recurrentGain / Math.sqrt(n), uStd = inputScale / Math.sqrt(m), vStd = 1.0 / Math.sqrt(n);
        for (int a = 0; a < layout.rows(); a++) {
            for (int j = 0; j < n; j++) {
                params[layout.w(a, j)] = (float) (wStd * random.nextGaussian());
            }
        }
        for (int a = 0; a < layout.rows(); a++) {
            for (int j = 0; j < m; j++) {
                params[layout.u(a, j)] = (float) (uStd * random.nextGaussian());
            }
        }
        for (int r = 0; r < o; r++) {
            for (int j = 0; j < n; j++) {
                params[layout.v(r, j)] = (float) (vStd * random.nextGaussian());
            }
        }
        return params;
    }
}
