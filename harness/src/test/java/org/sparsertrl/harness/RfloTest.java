package org.sparsertrl.harness;

import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.sparsertrl.engine.learn.LearnerSpec;
import org.sparsertrl.engine.learn.Rflo;
import org.sparsertrl.engine.train.OnlineTrainer;
import org.sparsertrl.harness.oracle.ReferenceRnn;
import org.sparsertrl.harness.oracle.Sequences;
import static org.sparsertrl.harness.SequenceProperty.FLOAT;
import static org.sparsertrl.harness.SequenceProperty.summed;


/**
 * RFLO with frozen weights: its summed gradient equals a double reference of its definition (local
 * traces with time constant tau, the error fed back through B), for random and readout feedback;
 * with readout feedback and tau = 1 it is the immediate learner.
 */
class RfloTest {

    @Test
    void rfloMatchesTheDoubleReferenceOfItsDefinition() {
        SequenceProperty.forAll(100, 30, 5, 30, (n, m, steps, seed, xs, ys) -> {
            SplittableRandom random = new SplittableRandom(seed);
            float tau = 1f + random.nextInt(8);
            Rflo.Feedback feedback = random.nextBoolean() ? Rflo.Feedback.RANDOM : Rflo.Feedback.READOUT;
            try (OnlineTrainer trainer = SequenceProperty.trainer(n, m, seed, LearnerSpec.rflo(tau, feedback, seed))) {
                ReferenceRnn reference = ReferenceRnn.of(trainer.inspect().cell());
                double[][] b = new double[n][2];
                for (int i = 0; i < n; i++) {
                    for (int k = 0; k < 2; k++) {
                        b[i][k] = feedback == Rflo.Feedback.READOUT ? reference.v[k][i]
                                : ((Rflo) trainer.inspect().learner()).feedback(i, k);
                    }
                }
                ReferenceRnn.Gradient expected = rflo(reference, Sequences.widen(xs), Sequences.widen(ys), tau, b);
                FLOAT.assertClose("tau=" + tau + " " + feedback + " n=" + n + " m=" + m + " steps=" + steps + " seed=" + seed,
                        RtrlEqualsBpttTest.flatten(trainer.layout(), expected), RtrlEqualsBpttTest.summedGradient(trainer, xs, ys));
            }
        });
    }

    @Test
    void withReadoutFeedbackAndNoMemoryRfloIsImmediate() {
        SequenceProperty.forAll(100, 30, 5, 25, (n, m, steps, seed, xs, ys) -> FLOAT.assertClose(SequenceProperty.at(n, m, steps, seed),
                summed(LearnerSpec.immediate(), n, m, steps, seed),
                summed(LearnerSpec.rflo(1f, Rflo.Feedback.READOUT, seed), n, m, steps, seed)));
    }


    /** The definition in double, summed over the sequence with frozen weights. */
    static ReferenceRnn.Gradient rflo(ReferenceRnn r, double[][] xs, double[][] ys, double tau, double[][] b) {
        int n = r.n, m = r.m, q = r.q;
        double[] trace = new double[r.p()], g = new double[r.p()];
        double[][] gv = new double[r.o][n];
        double[] gc = new double[r.o];
        double[] h = new double[n];
        for (int t = 0; t < xs.length; t++) {
            ReferenceRnn.Step s = r.forward(h, xs[t], ys[t]);
            for (int a = 0; a < n; a++) {
                double e = 0;
                for (int k = 0; k < r.o; k++) {
                    e += b[a][k] * s.err()[k];
                }
                for (int col = 0; col < q; col++) {
                    double z = col < n ? s.hPrev()[col] : col < n + m ? s.x()[col - n] : 1;
                    trace[a * q + col] = (1 - 1 / tau) * trace[a * q + col] + (1 / tau) * s.d()[a] * z;
                    g[a * q + col] += e * trace[a * q + col];
                }
            }
            ReferenceRnn.addReadoutGradient(s, gv, gc);
            h = s.h();
        }
        return new ReferenceRnn.Gradient(g, gv, gc);
    }
}
