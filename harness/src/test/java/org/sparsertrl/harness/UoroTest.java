package org.sparsertrl.harness;

import org.junit.jupiter.api.Test;
import org.sparsertrl.engine.cell.CellKind;
import org.sparsertrl.engine.learn.LearnerSpec;
import org.sparsertrl.engine.train.OnlineTrainer;
import org.sparsertrl.harness.oracle.ReferenceGatedRnn;
import org.sparsertrl.harness.oracle.ReferenceRnn;
import org.sparsertrl.harness.oracle.Sequences;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * UORO is unbiased: with frozen weights, the mean of its summed gradient over many independent sign
 * draws approaches the exact (BPTT) gradient. Each component must lie within five standard errors
 * of the mean (the sample standard deviation over sqrt(draws)) plus float rounding; the seeds are
 * fixed, so the test is deterministic. The same bound applied to a biased estimate, the immediate
 * learner, must fail, which shows the bound is tight enough to see a bias. For every cell.
 */
class UoroTest {

    static final int DRAWS = 4000;

    @Test
    void uoroIsUnbiased() {
        assertUnbiased(CellKind.VANILLA, 5, 8);
    }

    @Test
    void uoroIsUnbiasedOnTheGatedCells() {
        assertUnbiased(CellKind.LSTM, 3, 6);
        assertUnbiased(CellKind.GRU, 3, 6);
    }

    private static void assertUnbiased(CellKind kind, int n, int steps) {
        int m = 2;
        for (long sequenceSeed : new long[] {1, 2}) {
            float[][] xs = Sequences.gaussian(sequenceSeed, steps, m);
            float[][] ys = Sequences.gaussian(~sequenceSeed, steps, 2);
            double[] exact;
            try (OnlineTrainer trainer = trainer(kind, n, m, LearnerSpec.full())) {
                double[][] x = Sequences.widen(xs), y = Sequences.widen(ys);
                exact = kind == CellKind.VANILLA
                        ? RtrlEqualsBpttTest.flatten(trainer.layout(), ReferenceRnn.of(trainer.inspect().cell()).bptt(x, y))
                        : RtrlEqualsBpttTest.parametersOnly(trainer.layout(), ReferenceGatedRnn.of(trainer.inspect().cell()).bptt(x, y));
            }
            double[] sum = new double[exact.length], sumOfSquares = new double[exact.length];
            for (int draw = 0; draw < DRAWS; draw++) {
                try (OnlineTrainer trainer = trainer(kind, n, m, LearnerSpec.uoro(1000L * sequenceSeed + draw))) {
                    double[] g = RtrlEqualsBpttTest.summedGradient(trainer, xs, ys);
                    for (int c = 0; c < g.length; c++) {
                        sum[c] += g[c];
                        sumOfSquares[c] += g[c] * g[c];
                    }
                }
            }
            double[] immediate;
            try (OnlineTrainer trainer = trainer(kind, n, m, LearnerSpec.immediate())) {
                immediate = RtrlEqualsBpttTest.summedGradient(trainer, xs, ys);
            }
            int biasedOutside = 0;
            for (int c = 0; c < exact.length; c++) {
                double mean = sum[c] / DRAWS;
                double variance = Math.max(0, (sumOfSquares[c] - DRAWS * mean * mean) / (DRAWS - 1));
                double bound = 5 * Math.sqrt(variance / DRAWS) + 1e-5 + 1e-4 * Math.abs(exact[c]);
                assertTrue(Math.abs(mean - exact[c]) <= bound, kind.label() + ", sequence " + sequenceSeed + ", component " + c
                        + ": UORO's mean " + mean + " is not within " + bound + " of the exact " + exact[c]);
                if (Math.abs(immediate[c] - exact[c]) > bound) {
                    biasedOutside++;
                }
            }
            assertTrue(biasedOutside >= exact.length / 4, kind.label() + ": the bound is too loose to see the immediate learner's bias: "
                    + biasedOutside + " of " + exact.length + " components outside");
        }
    }

    private static OnlineTrainer trainer(CellKind kind, int n, int m, LearnerSpec learner) {
        return OnlineTrainer.builder(n, m, 2).cell(kind).seed(11).recurrentGain(1.2f).learner(learner).build();
    }
}
