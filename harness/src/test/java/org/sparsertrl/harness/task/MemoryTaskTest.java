package org.sparsertrl.harness.task;

import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.SplittableRandom;

import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

/**
 * The memory tasks: each target is its defining function of the recorded inputs, exactly; the lag
 * changes exactly at the shift; runs repeat by seed; and the product task is out of reach of a linear
 * function of recent inputs while the delay task is not, the fact the studies rely on.
 */
class MemoryTaskTest {

    /** A memory task built from its five arguments, so each test runs on both tasks. */
    interface Factory {
        LaggedStream make(int lagBefore, int lagAfter, long shiftAt, InputDistribution inputs, long seed);
    }

    static final Factory PRODUCT = ProductStream::new, DELAY = DelayStream::new;

    @Test
    void productTargetIsTwiceThePreviousInputTimesTheDelayedOne() {
        everySetting(MemoryTaskTest::checkProduct);
    }

    @Test
    void delayTargetIsTheInputDStepsBack() {
        everySetting(MemoryTaskTest::checkDelay);
    }

    /** Checks one task's stream for given lags, shift, inputs and seed over a number of steps. */
    private interface Check {
        void run(int before, int after, long shiftAt, InputDistribution inputs, long seed, int steps);
    }

    /** Lags short and long, equal and shifting either way, a shift at step 0 and the longest lag, for both input laws. */
    private static void everySetting(Check check) {
        for (InputDistribution inputs : InputDistribution.values()) {
            for (int[] lags : new int[][] {{3, 7}, {7, 2}, {1, 1}, {1, 5}, {4, 1}, {200, 9}}) {
                check.run(lags[0], lags[1], 1_500, inputs, 11, 4_000);
            }
            check.run(5, 2, 0, inputs, 3, 500);
            check.run(MAX, 1, 3_000, inputs, 3, 12_000);
        }
    }

    @Test
    void identitiesHoldForAnyLagsShiftAndSeed() {
        qt().withExamples(200).forAll(integers().between(1, 60), integers().between(1, 60), longs().between(0, 400),
                longs().all()).checkAssert((before, after, shiftAt, seed) -> {
                    InputDistribution inputs = InputDistribution.values()[(int) Math.floorMod(seed, 2L)];
                    checkProduct(before, after, shiftAt, inputs, seed, 500);
                    checkDelay(before, after, shiftAt, inputs, seed, 500);
                });
    }

    @Test
    void lagSwitchesExactlyAtTheShiftStep() {
        ProductStream product = new ProductStream(3, 8, 100, InputDistribution.UNIFORM, 1);
        DelayStream delay = new DelayStream(3, 8, 100, InputDistribution.UNIFORM, 1);
        for (long t : new long[] {0, 1, 98, 99}) {
            assertEquals(3, product.lagAt(t), "product, step " + t);
            assertEquals(3, delay.lagAt(t), "delay, step " + t);
        }
        for (long t : new long[] {100, 101, 10_000, Long.MAX_VALUE}) {
            assertEquals(8, product.lagAt(t), "product, step " + t);
            assertEquals(8, delay.lagAt(t), "delay, step " + t);
        }
        // Streams that differ only in shiftAt agree up to the earlier shift and part exactly there.
        for (Factory task : new Factory[] {PRODUCT, DELAY}) {
            assertEquals(4, task.make(4, 9, Long.MAX_VALUE, InputDistribution.GAUSSIAN, 1).lagAt(Long.MAX_VALUE - 1),
                    "shiftAt = Long.MAX_VALUE never shifts");
            float[][] early = run(task.make(3, 8, 100, InputDistribution.UNIFORM, 5), 300);
            float[][] late = run(task.make(3, 8, 200, InputDistribution.UNIFORM, 5), 300);
            assertArrayEquals(early[0], late[0], "same inputs throughout");
            for (int t = 0; t < 100; t++) {
                assertEquals(early[1][t], late[1][t], "before the earlier shift, step " + t);
            }
            assertFalse(early[1][100] == late[1][100], "the earlier stream switches lag at step 100 itself");
        }
    }

    @Test
    void sameSeedRepeatsAndDifferentSeedsDiffer() {
        for (Factory task : new Factory[] {PRODUCT, DELAY}) {
            for (InputDistribution inputs : InputDistribution.values()) {
                float[][] a = run(task.make(2, 5, 300, inputs, 9), 1_000);
                float[][] b = run(task.make(2, 5, 300, inputs, 9), 1_000);
                float[][] c = run(task.make(2, 5, 300, inputs, 10), 1_000);
                assertArrayEquals(a[0], b[0]);
                assertArrayEquals(a[1], b[1]);
                assertFalse(Arrays.equals(a[0], c[0]), "different seeds, different inputs");
                assertFalse(Arrays.equals(a[1], c[1]), "different seeds, different targets");
            }
        }
    }

    @Test
    void badArgumentsAreRefusedByName() {
        for (Factory task : new Factory[] {PRODUCT, DELAY}) {
            for (int bad : new int[] {0, -1, MAX + 1, Integer.MIN_VALUE}) {
                IllegalArgumentException before = assertThrows(IllegalArgumentException.class,
                        () -> task.make(bad, 3, 10, InputDistribution.UNIFORM, 1));
                assertTrue(before.getMessage().contains("lagBefore = " + bad), before.getMessage());
                IllegalArgumentException after = assertThrows(IllegalArgumentException.class,
                        () -> task.make(3, bad, 10, InputDistribution.UNIFORM, 1));
                assertTrue(after.getMessage().contains("lagAfter = " + bad), after.getMessage());
            }
            IllegalArgumentException shift = assertThrows(IllegalArgumentException.class,
                    () -> task.make(3, 3, -1, InputDistribution.UNIFORM, 1));
            assertTrue(shift.getMessage().contains("shiftAt = -1"), shift.getMessage());
            IllegalArgumentException inputs = assertThrows(IllegalArgumentException.class,
                    () -> task.make(3, 3, 10, null, 1));
            assertTrue(inputs.getMessage().contains("distribution"), inputs.getMessage());
            task.make(1, MAX, 0, InputDistribution.GAUSSIAN, 1);   // the bounds themselves are allowed
        }
    }

    /**
     * The reason both tasks exist: least squares of y_t on (1, x_t, .., x_{t-4}) leaves over 90 % of the
     * product's variance unexplained at every lag, and none of the delay's at lags 1 to 4.
     */
    @Test
    void productIsNotLinearInRecentInputsWhileDelayIs() {
        for (InputDistribution inputs : InputDistribution.values()) {
            for (int lag = 1; lag <= 6; lag++) {
                float[][] product = run(PRODUCT.make(lag, lag, Long.MAX_VALUE, inputs, 100 + lag), 20_000);
                double unexplained = residualVariance(product) / variance(product[1], WINDOW);
                assertTrue(unexplained > 0.9, inputs.label() + " product, D = " + lag + ": a linear fit leaves only "
                        + unexplained + " of the variance");
                if (lag >= 2) {
                    double sigma4 = inputs.variance() * inputs.variance();
                    assertEquals(4 * sigma4, variance(product[1], WINDOW), 0.06 * 4 * sigma4,
                            inputs.label() + " product variance, D = " + lag);
                }
            }
            for (int lag = 1; lag < WINDOW; lag++) {
                float[][] delay = run(DELAY.make(lag, lag, Long.MAX_VALUE, inputs, 200 + lag), 20_000);
                double unexplained = residualVariance(delay) / variance(delay[1], WINDOW);
                assertTrue(unexplained < 1e-12, inputs.label() + " delay, D = " + lag + ": residual " + unexplained);
            }
        }
    }

    @Test
    void nextAllocatesNothing() {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        float[] x = new float[1], y = new float[1];
        for (Stream stream : new Stream[] {new ProductStream(3, 9, 50_000, InputDistribution.GAUSSIAN, 1),
                new DelayStream(3, 9, 50_000, InputDistribution.UNIFORM, 1)}) {
            long least = Long.MAX_VALUE;
            for (int window = 0; window < 5 && least > 0; window++) {
                long start = threads.getCurrentThreadAllocatedBytes();
                for (int t = 0; t < 20_000; t++) {
                    stream.next(x, y);
                }
                least = Math.min(least, threads.getCurrentThreadAllocatedBytes() - start);
            }
            assertEquals(0, least, stream.getClass().getSimpleName() + " allocated bytes over 20,000 steps");
        }
    }

    @Test
    void distributionsParseDrawAndHaveTheStatedVariance() {
        assertSame(InputDistribution.UNIFORM, InputDistribution.parse("uniform"));
        assertSame(InputDistribution.GAUSSIAN, InputDistribution.parse(" Gaussian "));
        for (InputDistribution d : InputDistribution.values()) {
            assertSame(d, InputDistribution.parse(d.label()));
        }
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
                () -> InputDistribution.parse("normal"));
        assertTrue(bad.getMessage().contains("'normal'") && bad.getMessage().contains("uniform, gaussian"),
                bad.getMessage());
        assertThrows(IllegalArgumentException.class, () -> InputDistribution.parse(null));
        assertEquals(1.0 / 3.0, InputDistribution.UNIFORM.variance());
        assertEquals(1.0, InputDistribution.GAUSSIAN.variance());
        for (InputDistribution d : InputDistribution.values()) {
            SplittableRandom random = new SplittableRandom(3);
            int n = 400_000;
            double sum = 0, squares = 0, largest = 0;
            for (int i = 0; i < n; i++) {
                double x = d.draw(random);
                sum += x;
                squares += x * x;
                largest = Math.max(largest, Math.abs(x));
            }
            assertEquals(0, sum / n, 0.01, d + " mean");
            assertEquals(d.variance(), squares / n, 0.02 * d.variance(), d + " variance");
            assertEquals(d == InputDistribution.UNIFORM, largest <= 1, d + " support");
        }
    }

    static final int MAX = ProductStream.MAX_LAG;
    /** Regressors x_t .. x_{t-4}. */
    static final int WINDOW = 5;

    static void checkProduct(int before, int after, long shiftAt, InputDistribution inputs, long seed, int steps) {
        ProductStream stream = new ProductStream(before, after, shiftAt, inputs, seed);
        float[][] r = run(stream, steps);
        for (int t = 0; t < steps; t++) {
            int lag = t < shiftAt ? before : after;
            float expected = 2f * at(r[0], t - 1) * at(r[0], t - lag);
            assertEquals(expected, r[1][t], "product target, D = " + lag + ", step " + t);
        }
    }

    static void checkDelay(int before, int after, long shiftAt, InputDistribution inputs, long seed, int steps) {
        DelayStream stream = new DelayStream(before, after, shiftAt, inputs, seed);
        float[][] r = run(stream, steps);
        for (int t = 0; t < steps; t++) {
            int lag = t < shiftAt ? before : after;
            assertEquals(at(r[0], t - lag), r[1][t], "delay target, D = " + lag + ", step " + t);
        }
    }

    /** The recorded input of step {@code s}, 0 before the first. */
    static float at(float[] x, int s) {
        return s < 0 ? 0f : x[s];
    }

    /** {inputs, targets} of the first {@code steps} steps. */
    static float[][] run(Stream stream, int steps) {
        float[][] r = new float[2][steps];
        float[] x = new float[1], y = new float[1];
        for (int t = 0; t < steps; t++) {
            stream.next(x, y);
            r[0][t] = x[0];
            r[1][t] = y[0];
        }
        return r;
    }

    /**
     * Mean squared residual of the least-squares fit of y_t on (1, x_t, .., x_{t-4}), over the steps
     * from {@link #WINDOW} on (past the start-up zeros of lags below the window).
     */
    static double residualVariance(float[][] r) {
        int rows = r[0].length - WINDOW, columns = WINDOW + 1;
        DMatrixRMaj design = new DMatrixRMaj(rows, columns), target = new DMatrixRMaj(rows, 1);
        for (int i = 0; i < rows; i++) {
            int t = i + WINDOW;
            design.set(i, 0, 1);
            for (int j = 0; j < WINDOW; j++) {
                design.set(i, j + 1, r[0][t - j]);
            }
            target.set(i, 0, r[1][t]);
        }
        DMatrixRMaj coefficients = new DMatrixRMaj(columns, 1);
        assertTrue(CommonOps_DDRM.solve(design, target, coefficients), "least squares failed");
        DMatrixRMaj fitted = new DMatrixRMaj(rows, 1);
        CommonOps_DDRM.mult(design, coefficients, fitted);
        double squares = 0;
        for (int i = 0; i < rows; i++) {
            double e = target.get(i, 0) - fitted.get(i, 0);
            squares += e * e;
        }
        return squares / rows;
    }

    /** Population variance of {@code y} from index {@code from} on. */
    static double variance(float[] y, int from) {
        double sum = 0, squares = 0;
        int n = y.length - from;
        for (int t = from; t < y.length; t++) {
            sum += y[t];
        }
        double mean = sum / n;
        for (int t = from; t < y.length; t++) {
            squares += (y[t] - mean) * (y[t] - mean);
        }
        return squares / n;
    }
}
