package org.sparsertrl.harness;

import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.sparsertrl.engine.cell.CellKind;
import org.sparsertrl.engine.learn.LearnerSpec;
import org.sparsertrl.engine.train.OnlineTrainer;
import org.sparsertrl.harness.oracle.ReferenceGatedRnn;
import org.sparsertrl.harness.oracle.ReferenceRnn;
import org.sparsertrl.harness.oracle.Sequences;
import static org.sparsertrl.harness.SequenceProperty.FLOAT;


/**
 * Online truncated BPTT with frozen weights: with a window at least as long as the sequence, its
 * summed gradient is BPTT's; with any window, it equals a double-precision reference of its
 * definition (each step's error carried back through the last window steps), which exercises the
 * ring buffer wrapping around many times. The gated cells against the gated reference, both ways.
 */
class TruncatedBpttTest {

    @Test
    void aWindowCoveringTheSequenceIsBptt() {
        SequenceProperty.forAll(100, 40, 6, 25, (n, m, steps, seed, xs, ys) -> {
            int window = steps + new SplittableRandom(seed).nextInt(3);
            try (OnlineTrainer trainer = SequenceProperty.trainer(n, m, seed, LearnerSpec.truncatedBptt(window))) {
                ReferenceRnn reference = ReferenceRnn.of(trainer.inspect().cell());
                ReferenceRnn.Gradient bptt = reference.bptt(Sequences.widen(xs), Sequences.widen(ys));
                FLOAT.assertClose("window=" + window + " n=" + n + " m=" + m + " steps=" + steps + " seed=" + seed,
                        RtrlEqualsBpttTest.flatten(trainer.layout(), bptt), RtrlEqualsBpttTest.summedGradient(trainer, xs, ys));
            }
        });
    }

    @Test
    void anyWindowMatchesTheTruncatedReference() {
        SequenceProperty.forAll(100, 30, 5, 40, (n, m, steps, seed, xs, ys) -> {
            int window = 1 + new SplittableRandom(seed).nextInt(8);
            try (OnlineTrainer trainer = SequenceProperty.trainer(n, m, seed, LearnerSpec.truncatedBptt(window))) {
                ReferenceRnn reference = ReferenceRnn.of(trainer.inspect().cell());
                ReferenceRnn.Gradient expected = truncated(reference, Sequences.widen(xs), Sequences.widen(ys), window);
                FLOAT.assertClose("window=" + window + " n=" + n + " m=" + m + " steps=" + steps + " seed=" + seed,
                        RtrlEqualsBpttTest.flatten(trainer.layout(), expected), RtrlEqualsBpttTest.summedGradient(trainer, xs, ys));
            }
        });
    }

    @Test
    void gatedCellsMatchTheirTruncatedReference() {
        for (CellKind kind : GatedCellTest.GATED) {
            SequenceProperty.forAll(40, 10, 4, 30, (n, m, steps, seed, xs, ys) -> {
                // Windows from 1 (the immediate gradient) past the sequence's length (BPTT).
                int window = 1 + new SplittableRandom(seed).nextInt(steps + 2);
                try (OnlineTrainer trainer = OnlineTrainer.builder(n, m, 2).cell(kind).seed(seed)
                        .learner(LearnerSpec.truncatedBptt(window)).build()) {
                    ReferenceGatedRnn reference = ReferenceGatedRnn.of(trainer.inspect().cell());
                    double[] expected = window >= steps ? reference.bptt(Sequences.widen(xs), Sequences.widen(ys))
                            : reference.truncatedBptt(Sequences.widen(xs), Sequences.widen(ys), window);
                    GatedCellTest.FLOAT.assertClose(kind.label() + " window=" + window + " n=" + n + " m=" + m + " steps="
                                    + steps + " seed=" + seed, RtrlEqualsBpttTest.parametersOnly(trainer.layout(), expected),
                            RtrlEqualsBpttTest.summedGradient(trainer, xs, ys));
                }
            });
        }
    }

    /** The definition in double: each step's error carried back through at most {@code window} steps, summed. */
    static ReferenceRnn.Gradient truncated(ReferenceRnn r, double[][] xs, double[][] ys, int window) {
        int steps = xs.length, n = r.n, m = r.m, q = r.q;
        ReferenceRnn.Step[] trace = new ReferenceRnn.Step[steps];
        double[] h = new double[n];
        for (int t = 0; t < steps; t++) {
            trace[t] = r.forward(h, xs[t], ys[t]);
            h = trace[t].h();
        }
        double[] g = new double[r.p()];
        double[][] gv = new double[r.o][n];
        double[] gc = new double[r.o];
        for (int t = 0; t < steps; t++) {
            for (int k = 0; k < r.o; k++) {
                for (int j = 0; j < n; j++) {
                    gv[k][j] += trace[t].err()[k] * trace[t].h()[j];
                }
                gc[k] += trace[t].err()[k];
            }
            double[] e = trace[t].delta().clone();
            for (int s = t; s >= Math.max(0, t - window + 1); s--) {
                ReferenceRnn.Step step = trace[s];
                double[] da = new double[n];
                for (int a = 0; a < n; a++) {
                    da[a] = e[a] * step.d()[a];
                    for (int j = 0; j < n; j++) {
                        g[a * q + j] += da[a] * step.hPrev()[j];
                    }
                    for (int j = 0; j < m; j++) {
                        g[a * q + n + j] += da[a] * step.x()[j];
                    }
                    g[a * q + n + m] += da[a];
                }
                double[] earlier = new double[n];
                for (int j = 0; j < n; j++) {
                    for (int a = 0; a < n; a++) {
                        earlier[j] += r.w[a][j] * da[a];
                    }
                }
                e = earlier;
            }
        }
        return new ReferenceRnn.Gradient(g, gv, gc);
    }
}
