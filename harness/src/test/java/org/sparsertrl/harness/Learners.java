package org.sparsertrl.harness;

import java.util.ArrayList;
import java.util.List;

import org.sparsertrl.engine.learn.EProp;
import org.sparsertrl.engine.learn.LearnerSpec;
import org.sparsertrl.engine.learn.Precision;
import org.sparsertrl.engine.learn.Rflo;
import org.sparsertrl.engine.learn.Selection;

/** One spec of every learner and selection policy, for tests that must cover them all. */
final class Learners {

    private Learners() {
    }

    /**
     * Every spec of {@link #gated} and the ones the vanilla cell alone can run: RFLO, KF-RTRL and
     * bottom-k sparse scaled by alpha = n / k.
     */
    static List<LearnerSpec> all(int k) {
        List<LearnerSpec> all = new ArrayList<>(gated(k));
        all.add(LearnerSpec.sparse(k, Selection.bottomK(10)).scaledByNOverK());
        all.add(LearnerSpec.rflo(4f, Rflo.Feedback.RANDOM, 6));
        all.add(LearnerSpec.kf(8));
        return List.copyOf(all);
    }

    /**
     * One spec of every learner that runs on the gated cells (full, sparse with every policy, subset,
     * immediate, SnAp-1, UORO, truncated BPTT, readout-only, e-prop, OSTL, SnAp-2, sparse, full and subset
     * with J stored in bf16): every learner but RFLO and KF-RTRL. Without alpha = n / k: scaling the LSTM's c_{t-1} term by it makes the sensitivity grow
     * without bound within a few hundred steps at small n.
     */
    static List<LearnerSpec> gated(int k) {
        return List.of(
                LearnerSpec.full(),
                LearnerSpec.sparse(k, Selection.randomFixed(1)),
                LearnerSpec.sparse(k, Selection.randomResampled(10, 2)),
                LearnerSpec.sparse(k, Selection.topK(10)),
                LearnerSpec.sparse(k, Selection.bottomK(10)),
                LearnerSpec.subset(k, 3),
                LearnerSpec.immediate(),
                LearnerSpec.snap1(),
                LearnerSpec.uoro(5),
                LearnerSpec.truncatedBptt(8),
                LearnerSpec.readoutOnly(),
                LearnerSpec.eprop(EProp.Feedback.SYMMETRIC, 0),
                LearnerSpec.eprop(EProp.Feedback.RANDOM, 7),
                LearnerSpec.ostl(),
                LearnerSpec.snap2(),
                LearnerSpec.sparse(k, Selection.randomFixed(1)).sensitivity(Precision.BF16),
                LearnerSpec.full().sensitivity(Precision.BF16),
                LearnerSpec.subset(k, 3).sensitivity(Precision.BF16));
    }
}
