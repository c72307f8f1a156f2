package org.sparsertrl.engine.cell;

import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;

/**
 * Draws W, U and V into a parameter slab as an {@link Initialization} says, for every cell: one
 * place for the draw order that makes a seed reproducible. Runs once per model, never on the hot path.
 */
final class InitialWeights {

    private InitialWeights() {
    }

    /**
     * Writes W (all {@code layout.rows()} rows, gate block by gate block), U and V into {@code params}
     * from {@code random}, in that order, row by row; leaves the biases alone.
     */
    static void draw(Initialization init, RnnLayout layout, MemorySegment params, SplittableRandom random) {
        int n = layout.n(), m = layout.m(), o = layout.o(), rows = layout.rows();
        double gain = init.recurrentGain();
        double uStd = init.inputScale() / Math.sqrt(m), vStd = 1.0 / Math.sqrt(n);
        switch (init.kind()) {
            case GAUSSIAN -> {
                double wStd = gain / Math.sqrt(n);
                for (int a = 0; a < rows; a++) {
                    for (int j = 0; j < n; j++) {
                        params.setAtIndex(JAVA_FLOAT, layout.w(a, j), (float) (wStd * random.nextGaussian()));
                    }
                }
            }
            case ORTHOGONAL -> {
                double[] q = new double[n * n]; // (n, n) row-major, one gate block at a time
                for (int g = 0; g < layout.gates(); g++) {
                    for (int k = 0; k < n * n; k++) {
                        q[k] = random.nextGaussian();
                    }
                    orthonormalizeRows(q, n);
                    for (int i = 0; i < n; i++) {
                        for (int j = 0; j < n; j++) {
                            params.setAtIndex(JAVA_FLOAT, layout.w(g * n + i, j), (float) (gain * q[i * n + j]));
                        }
                    }
                }
            }
        }
        for (int a = 0; a < rows; a++) {
            for (int j = 0; j < m; j++) {
                params.setAtIndex(JAVA_FLOAT, layout.u(a, j), (float) (uStd * random.nextGaussian()));
            }
        }
        for (int r = 0; r < o; r++) {
            for (int j = 0; j < n; j++) {
                params.setAtIndex(JAVA_FLOAT, layout.v(r, j), (float) (vStd * random.nextGaussian()));
            }
        }
    }

    /**
     * Makes the rows of the (n, n) row-major matrix {@code q} orthonormal by modified Gram-Schmidt, in
     * place: the Q of a QR factorisation of {@code q^T}, transposed. The engine depends on the JDK
     * alone, so this small routine stands in for a linear-algebra library; it runs once per gate at
     * initialisation (O(n^3)), off the hot path. Each row is orthogonalised twice against the rows
     * before it ("twice is enough"): one pass leaves errors of order cond(q) eps, two leave order eps,
     * whatever the conditioning of the Gaussian draw. The norms are positive, so for a Gaussian
     * {@code q} the result is a uniformly (Haar) distributed orthogonal matrix.
     */
    static void orthonormalizeRows(double[] q, int n) {
        for (int i = 0; i < n; i++) {
            int row = i * n;
            for (int pass = 0; pass < 2; pass++) {
                for (int k = 0; k < i; k++) {
                    int other = k * n;
                    double dot = 0;
                    for (int j = 0; j < n; j++) {
                        dot += q[row + j] * q[other + j];
                    }
                    for (int j = 0; j < n; j++) {
                        q[row + j] -= dot * q[other + j];
                    }
                }
            }
            double norm = 0;
            for (int j = 0; j < n; j++) {
                norm += q[row + j] * q[row + j];
            }
            norm = Math.sqrt(norm);
            if (!(norm > 1e-150)) {
                // Probability zero for a Gaussian draw; a loud failure rather than a silent non-orthogonal W.
                throw new IllegalStateException("row " + i + " of the " + n + " x " + n
                        + " matrix is linearly dependent on the rows before it; cannot orthonormalise");
            }
            for (int j = 0; j < n; j++) {
                q[row + j] /= norm;
            }
        }
    }
}
