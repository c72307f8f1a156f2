package org.sparsertrl.harness;

import org.junit.jupiter.api.Test;
import org.sparsertrl.engine.cell.CellKind;
import org.sparsertrl.engine.cell.RnnLayout;
import org.sparsertrl.engine.learn.Learner;
import org.sparsertrl.engine.learn.LearnerSpec;
import org.sparsertrl.engine.train.OnlineTrainer;
import org.sparsertrl.harness.oracle.ReferenceRnn;
import org.sparsertrl.harness.oracle.Sequences;
import org.sparsertrl.harness.oracle.Tolerance;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.sparsertrl.harness.SequenceProperty.FLOAT;

/**
 * KF-RTRL with frozen weights: its summed gradient equals a double reference written from Mujika et
 * al.'s equations with the same random signs, and its estimate of J is unbiased: the mean over many
 * seeds of u_T (x) A_T equals full RTRL's J_T within five standard errors of that mean.
 */
class KfRtrlTest {

    static final Tolerance FLOAT = new Tolerance(2e-5, 1e-3);
    private static final double EPS = 1e-7;

    @Test
    void kfRtrlMatchesTheDoubleReferenceOfItsEquations() {
        SequenceProperty.forAll(100, 24, 5, 30, (n, m, steps, seed, xs, ys) -> {
            try (OnlineTrainer trainer = SequenceProperty.trainer(n, m, seed, LearnerSpec.kf(seed))) {
                ReferenceRnn reference = ReferenceRnn.of(trainer.inspect().cell());
                ReferenceRnn.Gradient expected = kf(reference, Sequences.widen(xs), Sequences.widen(ys), seed);
                FLOAT.assertClose(SequenceProperty.at(n, m, steps, seed),
                        RtrlEqualsBpttTest.flatten(trainer.layout(), expected), RtrlEqualsBpttTest.summedGradient(trainer, xs, ys));
            }
        });
    }

    @Test
    void theEstimateOfJIsUnbiased() {
        int n = 4, m = 2, steps = 6, seeds = 4000;
        float[][] xs = Sequences.gaussian(11, steps, m);
        float[][] ys = Sequences.gaussian(12, steps, 1);
        double[][] exact;
        RnnLayout layout;
        try (OnlineTrainer t = OnlineTrainer.builder(n, m, 1).seed(3).learner(LearnerSpec.full()).build()) {
            exact = ReferenceRnn.of(t.inspect().cell()).rtrl(Sequences.widen(xs), Sequences.widen(ys), null, 1).lastSensitivity();
            layout = t.layout();
        }
        int p = n * (n + m + 1);
        double[][] sum = new double[n][p], sumSquares = new double[n][p];
        for (long seed = 0; seed < seeds; seed++) {
            try (OnlineTrainer t = OnlineTrainer.builder(n, m, 1).seed(3).learner(LearnerSpec.kf(seed)).build()) {
                for (int s = 0; s < steps; s++) {
                    t.computeGradient(xs[s], ys[s]);
                }
                Learner kf = t.inspect().learner();
                for (int i = 0; i < n; i++) {
                    for (int col = 0; col < p; col++) {
                        double value = kf.sensitivity(i, ReferenceRnn.slabIndex(layout, col));
                        sum[i][col] += value;
                        sumSquares[i][col] += value * value;
                    }
                }
            }
        }
        double worst = 0;
        for (int i = 0; i < n; i++) {
            for (int col = 0; col < p; col++) {
                double mean = sum[i][col] / seeds;
                double variance = Math.max(0, sumSquares[i][col] / seeds - mean * mean);
                double standardError = Math.sqrt(variance / seeds) + 1e-6;
                worst = Math.max(worst, Math.abs(mean - exact[i][col]) / standardError);
            }
        }
        // 84 elements: five standard errors is exceeded by chance with probability about 5e-5.
        assertTrue(worst < 5, "the mean estimate is " + worst + " standard errors from full RTRL's J in its worst element");
    }

    @Test
    void gatedCellsAreRefusedByName() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> OnlineTrainer.builder(4, 2, 1).cell(CellKind.LSTM).learner(LearnerSpec.kf(1)).build());
        assertTrue(e.getMessage().contains("cell = lstm: learner 'kf-rtrl' is implemented for the vanilla cell only"),
                e.getMessage());
    }

    /**
     * The equations of the class comment in double, with the signs the engine draws (bits 0 and 1 of one
     * SplitMix64 draw per step from the seed), summed over the sequence with frozen weights.
     */
    static ReferenceRnn.Gradient kf(ReferenceRnn r, double[][] xs, double[][] ys, long seed) {
        int n = r.n, m = r.m, q = r.q;
        double[] u = new double[q], g = new double[r.p()];
        double[][] a = new double[n][n];
        double[][] gv = new double[r.o][n];
        double[] gc = new double[r.o];
        double[] h = new double[n];
        long random = seed;
        for (int t = 0; t < xs.length; t++) {
            ReferenceRnn.Step s = r.forward(h, xs[t], ys[t]);
            double[][] b = new double[n][n];
            double bNorm2 = 0, uNorm2 = 0, dNorm2 = 0, zNorm2 = 1;
            for (int i = 0; i < n; i++) {
                for (int col = 0; col < n; col++) {
                    double sum = 0;
                    for (int j = 0; j < n; j++) {
                        sum += r.w[i][j] * a[j][col];
                    }
                    b[i][col] = s.d()[i] * sum;
                    bNorm2 += b[i][col] * b[i][col];
                }
                dNorm2 += s.d()[i] * s.d()[i];
                zNorm2 += s.hPrev()[i] * s.hPrev()[i];
            }
            for (int j = 0; j < m; j++) {
                zNorm2 += s.x()[j] * s.x()[j];
            }
            for (double v : u) {
                uNorm2 += v * v;
            }
            double rho0 = Math.sqrt((Math.sqrt(bNorm2) + EPS) / (Math.sqrt(uNorm2) + EPS));
            double rho1 = Math.sqrt((Math.sqrt(dNorm2) + EPS) / (Math.sqrt(zNorm2) + EPS));
            random += 0x9E3779B97F4A7C15L;
            long z = random;
            z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
            z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
            z = z ^ (z >>> 31);
            double c1 = (z & 1) == 0 ? 1 : -1, c2 = (z & 2) == 0 ? 1 : -1;
            for (int col = 0; col < q; col++) {
                double zc = col < n ? s.hPrev()[col] : col < n + m ? s.x()[col - n] : 1;
                u[col] = c1 * rho0 * u[col] + c2 * rho1 * zc;
            }
            for (int i = 0; i < n; i++) {
                for (int col = 0; col < n; col++) {
                    a[i][col] = c1 * b[i][col] / rho0 + (i == col ? c2 * s.d()[i] / rho1 : 0);
                }
            }
            for (int row = 0; row < n; row++) {
                double signal = 0;
                for (int i = 0; i < n; i++) {
                    signal += s.delta()[i] * a[i][row];
                }
                for (int col = 0; col < q; col++) {
                    g[row * q + col] += signal * u[col];
                }
            }
            ReferenceRnn.addReadoutGradient(s, gv, gc);
            h = s.h();
        }
        return new ReferenceRnn.Gradient(g, gv, gc);
    }
}
