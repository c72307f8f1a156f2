package org.sparsertrl.harness;

import org.junit.jupiter.api.Test;
import org.sparsertrl.engine.cell.CellKind;
import org.sparsertrl.engine.cell.RnnLayout;
import org.sparsertrl.engine.learn.LearnerSpec;
import org.sparsertrl.engine.learn.Snap2;
import org.sparsertrl.engine.train.OnlineTrainer;
import org.sparsertrl.harness.oracle.ReferenceRnn;
import org.sparsertrl.harness.oracle.Sequences;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.sparsertrl.harness.SequenceProperty.FLOAT;
import static org.sparsertrl.harness.SequenceProperty.summed;

/**
 * SnAp-2 with frozen weights: on a sparse W its summed gradient equals a double reference of its
 * definition (Menick et al.: J[i, theta_a] kept for a in P(i) = {i} and the units W connects to i);
 * on a dense W it is full RTRL, on every cell. The pruned weights stay zero while training.
 */
class Snap2Test {

    @Test
    void onASparseWSnap2MatchesTheDoubleReferenceOfItsDefinition() {
        SequenceProperty.forAll(100, 20, 4, 25, (n, m, steps, seed, xs, ys) -> {
            float density = 0.05f + 0.95f * new java.util.SplittableRandom(seed).nextFloat();
            try (OnlineTrainer trainer = OnlineTrainer.builder(n, m, 2).seed(seed).weightDensity(density)
                    .learner(LearnerSpec.snap2()).build()) {
                ReferenceRnn reference = ReferenceRnn.of(trainer.inspect().cell());
                ReferenceRnn.Gradient expected = snap2(reference, Sequences.widen(xs), Sequences.widen(ys));
                FLOAT.assertClose("n=" + n + " m=" + m + " steps=" + steps + " density=" + density + " seed=" + seed,
                        RtrlEqualsBpttTest.flatten(trainer.layout(), expected), RtrlEqualsBpttTest.summedGradient(trainer, xs, ys));
            }
        });
    }

    @Test
    void onADenseWSnap2IsFullRtrlOnEveryCell() {
        for (CellKind cell : CellKind.values()) {
            SequenceProperty.forAll(30, 10, 4, 15, (n, m, steps, seed, xs, ys) -> {
                FLOAT.assertClose(cell.label() + " n=" + n + " m=" + m + " steps=" + steps + " seed=" + seed,
                        summed(cell, LearnerSpec.full(), n, m, seed, xs, ys), summed(cell, LearnerSpec.snap2(), n, m, seed, xs, ys));
            });
        }
    }

    @Test
    void prunedWeightsStayZeroAndThePatternFollowsThem() {
        for (CellKind cell : CellKind.values()) {
            try (OnlineTrainer t = OnlineTrainer.builder(16, 2, 1).cell(cell).seed(3).weightDensity(0.25f)
                    .learner(LearnerSpec.snap2()).build()) {
                RnnLayout layout = t.layout();
                float[] before = t.weights();
                float[][] xs = Sequences.gaussian(1, 200, 2), ys = Sequences.gaussian(2, 200, 1);
                for (int s = 0; s < xs.length; s++) {
                    t.step(xs[s], ys[s]);
                }
                float[] after = t.weights();
                int pruned = 0, moved = 0;
                for (int i = 0; i < 16; i++) {
                    int unit = i;
                    int[] expected = java.util.stream.IntStream.range(0, 16).filter(j -> j == unit
                            || before[layout.w(unit, j)] != 0f).toArray();
                    assertArrayEquals(expected, ((Snap2) t.inspect().learner()).pattern(i), cell.label() + " P(" + i + ")");
                    for (int j = 0; j < 16; j++) {
                        for (int g = 0; g < layout.gates(); g++) {
                            int index = layout.w(g * 16 + i, j);
                            if (before[index] == 0f) {
                                pruned++;
                                assertEquals(0f, after[index], cell.label() + " " + layout.nameOf(index) + " was pruned");
                            } else if (after[index] != before[index]) {
                                moved++;
                            }
                        }
                    }
                }
                // About 3/4 of the 16 x 16 connections in each gate, and the kept ones learn.
                assertTrue(pruned > 140 * layout.gates() && pruned < 240 * layout.gates(), cell.label() + ": " + pruned);
                assertTrue(moved > 30 * layout.gates(), cell.label() + ": " + moved + " kept weights moved");
            }
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> OnlineTrainer.builder(4, 1, 1).weightDensity(0f));
        assertEquals("weightDensity = 0.0 must be in (0, 1]", e.getMessage());
    }

    /**
     * The definition in double for the vanilla cell, summed over the sequence with frozen weights; the
     * trainer's pruning gives the removed weights (exact zeros) no gradient.
     */
    static ReferenceRnn.Gradient snap2(ReferenceRnn r, double[][] xs, double[][] ys) {
        int n = r.n, m = r.m, q = r.q;
        boolean[][] kept = new boolean[n][n]; // kept[i][a]: J[i, theta of unit a] is stored
        for (int i = 0; i < n; i++) {
            for (int a = 0; a < n; a++) {
                kept[i][a] = a == i || r.w[i][a] != 0;
            }
        }
        double[][] j = new double[n][r.p()];
        double[] g = new double[r.p()];
        double[][] gv = new double[r.o][n];
        double[] gc = new double[r.o];
        double[] h = new double[n];
        for (int t = 0; t < xs.length; t++) {
            ReferenceRnn.Step s = r.forward(h, xs[t], ys[t]);
            double[][] next = new double[n][r.p()];
            for (int i = 0; i < n; i++) {
                for (int a = 0; a < n; a++) {
                    if (!kept[i][a]) {
                        continue;
                    }
                    for (int col = 0; col < q; col++) {
                        double sum = 0;
                        for (int k = 0; k < n; k++) {
                            sum += kept[k][a] ? r.w[i][k] * j[k][a * q + col] : 0;
                        }
                        if (a == i) {
                            sum += col < n ? s.hPrev()[col] : col < n + m ? s.x()[col - n] : 1;
                        }
                        next[i][a * q + col] = s.d()[i] * sum;
                        g[a * q + col] += s.delta()[i] * next[i][a * q + col];
                    }
                }
            }
            ReferenceRnn.addReadoutGradient(s, gv, gc);
            j = next;
            h = s.h();
        }
        for (int a = 0; a < n; a++) {
            for (int col = 0; col < n; col++) {
                g[a * q + col] = r.w[a][col] == 0 ? 0 : g[a * q + col]; // a pruned weight gets no gradient
            }
        }
        return new ReferenceRnn.Gradient(g, gv, gc);
    }
}
