package org.sparsertrl.harness.oracle;

import java.util.SplittableRandom;

/** Seeded random input and target sequences for the property tests. */
public final class Sequences {

    private Sequences() {
    }

    /** {@code steps} rows of {@code width} values, standard normal, from {@code seed}. */
    public static float[][] gaussian(long seed, int steps, int width) {
        SplittableRandom random = new SplittableRandom(seed);
        float[][] rows = new float[steps][width];
        for (float[] row : rows) {
            for (int j = 0; j < width; j++) {
                row[j] = (float) random.nextGaussian();
            }
        }
        return rows;
    }

    /** The same values widened to double, for the reference. */
    public static double[][] widen(float[][] rows) {
        double[][] out = new double[rows.length][];
        for (int t = 0; t < rows.length; t++) {
            out[t] = new double[rows[t].length];
            for (int j = 0; j < rows[t].length; j++) {
                out[t][j] = rows[t][j];
            }
        }
        return out;
    }
}
