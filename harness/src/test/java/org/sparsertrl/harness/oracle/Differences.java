package org.sparsertrl.harness.oracle;

import java.util.SplittableRandom;
import java.util.function.IntToDoubleFunction;

/**
 * Central differences of a loss at randomly drawn parameters, beside the gradient under test at the
 * same parameters: a check of a backward pass that costs two losses per drawn parameter.
 *
 * @param expected (loss(theta_i + h) - loss(theta_i - h)) / 2h at each drawn index i
 * @param actual   the gradient under test at the same indices
 */
public record Differences(double[] expected, double[] actual) {

    /** The step: in double, truncation ~h^2 times third derivatives, rounding ~1e-16 / h. */
    public static final double H = 1e-5;

    /** The loss with parameter {@code index} moved by {@code h}. */
    @FunctionalInterface
    public interface PerturbedLoss {
        double at(int index, double h);
    }

    /**
     * Draws min({@code checks}, {@code p}) indices in [0, p) from {@code seed} (with repeats) and
     * takes the central difference of {@code loss} and the value of {@code gradient} at each.
     */
    public static Differences sample(long seed, int checks, int p, PerturbedLoss loss, IntToDoubleFunction gradient) {
        SplittableRandom random = new SplittableRandom(seed);
        int count = Math.min(checks, p);
        double[] expected = new double[count], actual = new double[count];
        for (int c = 0; c < count; c++) {
            int index = random.nextInt(p);
            expected[c] = (loss.at(index, H) - loss.at(index, -H)) / (2 * H);
            actual[c] = gradient.applyAsDouble(index);
        }
        return new Differences(expected, actual);
    }
}
