package org.sparsertrl.harness.study;

import org.junit.jupiter.api.Test;
import org.sparsertrl.harness.task.LorenzStream;
import org.sparsertrl.harness.task.SineStream;
import org.sparsertrl.harness.task.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The task generators: deterministic, shifting exactly when stated, and on the expected scale. */
class TaskStreamTest {

    @Test
    void sineShiftsFrequencyAtTheStatedStepWithContinuousPhase() {
        int shiftAt = 50;
        SineStream sine = new SineStream(0.1, 0.3, shiftAt, 0.7);
        float[] x = new float[1], y = new float[1];
        double phase = 0.7;
        for (int t = 0; t < 120; t++) {
            sine.next(x, y);
            double omega = t < shiftAt ? 0.1 : 0.3;
            assertEquals(omega, sine.omegaAt(t));
            assertEquals((float) Math.sin(phase), x[0], 1e-6f, "input at step " + t);
            assertEquals((float) Math.sin(phase + omega), y[0], 1e-6f, "target at step " + t);
            phase += omega;
        }
    }

    @Test
    void targetIsTheNextInput() {
        for (Stream stream : new Stream[] {new SineStream(0.2, 0.5, 30, 0), lorenz(40, 3)}) {
            float[] x = new float[stream.inputs()], y = new float[stream.outputs()];
            float[] previousTarget = null;
            for (int t = 0; t < 100; t++) {
                stream.next(x, y);
                if (previousTarget != null) {
                    assertArrayEquals(previousTarget, x, 1e-6f, "step " + t);
                }
                previousTarget = y.clone();
            }
        }
    }

    @Test
    void lorenzIsDeterministicPerSeedAndDiffersAcrossSeeds() {
        float[][] a = run(lorenz(500, 7), 200), b = run(lorenz(500, 7), 200), c = run(lorenz(500, 8), 200);
        for (int t = 0; t < 200; t++) {
            assertArrayEquals(a[t], b[t], "step " + t);
        }
        assertFalse(java.util.Arrays.equals(a[199], c[199]), "different seeds, different trajectories");
    }

    @Test
    void lorenzShiftsExactlyAtTheStatedStep() {
        float[][] early = run(lorenz(100, 3), 300), late = run(lorenz(200, 3), 300);
        for (int t = 0; t < 100; t++) {
            assertArrayEquals(early[t], late[t], "before the earlier shift, step " + t);
        }
        // From step 100 the first stream integrates with rho_after to make its target; the second does not yet.
        boolean differs = false;
        for (int t = 100; t < 200; t++) {
            differs |= !java.util.Arrays.equals(early[t], late[t]);
        }
        assertTrue(differs, "the shifted stream must leave the other after step 100");
    }

    @Test
    void lorenzStaysOnTheAttractorScale() {
        for (long seed = 1; seed <= 5; seed++) {
            LorenzStream stream = lorenz(10_000, seed);
            float[] x = new float[3], y = new float[3];
            for (int t = 0; t < 20_000; t++) {
                stream.next(x, y);
                double[] s = stream.state();
                double rho = t < 10_000 ? 28 : 40;
                // The attractor lies within |x|, |y| < 2 sqrt(beta (rho - 1)) + margin and 0 < z < 2 rho.
                assertTrue(Math.abs(s[0]) < 35 && Math.abs(s[1]) < 45 && s[2] > 0 && s[2] < 2 * rho,
                        "seed " + seed + " step " + t + ": " + java.util.Arrays.toString(s));
                for (float v : y) {
                    assertTrue(Math.abs(v) < 2.5f, "scaled value " + v + " at step " + t);
                }
            }
        }
    }

    private static LorenzStream lorenz(long shiftAt, long seed) {
        return new LorenzStream(LorenzStream.Parameters.classic(), new LorenzStream.Parameters(10, 40, 8.0 / 3.0),
                shiftAt, 0.01, 5, 1_000, seed);
    }

    private static float[][] run(Stream stream, int steps) {
        float[][] out = new float[steps][];
        float[] x = new float[stream.inputs()], y = new float[stream.outputs()];
        for (int t = 0; t < steps; t++) {
            stream.next(x, y);
            out[t] = y.clone();
        }
        return out;
    }
}
