package org.sparsertrl.harness;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.sparsertrl.engine.learn.LearnerSpec;
import org.sparsertrl.engine.learn.Selection;
import org.sparsertrl.engine.optim.OptimizerSpec;
import org.sparsertrl.engine.train.OnlineTrainer;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * End to end: every learner, trained online on one-step-ahead sine prediction, ends far below the
 * loss of the same network left untrained. Not a claim about which learner is better, only that each
 * one learns.
 */
class LearningTest {

    @Test
    void everyLearnerLearnsTheSine() {
        for (LearnerSpec learner : List.of(LearnerSpec.full(), LearnerSpec.sparse(4, Selection.randomFixed(1)),
                LearnerSpec.subset(4, 1), LearnerSpec.immediate())) {
            double frozen = meanLoss(learner, false), trained = meanLoss(learner, true);
            assertTrue(trained < 0.1 * frozen, learner.label() + ": trained " + trained + ", untrained " + frozen);
        }
    }

    /** Mean loss over the last 500 of 4,000 steps. */
    private static double meanLoss(LearnerSpec learner, boolean learn) {
        float[] x = new float[1], y = new float[1];
        double sum = 0;
        try (OnlineTrainer trainer = OnlineTrainer.builder(16, 1, 1).seed(3).learner(learner)
                .optimizer(OptimizerSpec.adam(3e-3f)).build()) {
            for (int t = 0; t < 4_000; t++) {
                x[0] = (float) Math.sin(0.3 * t);
                y[0] = (float) Math.sin(0.3 * (t + 1));
                float loss = learn ? trainer.step(x, y) : trainer.evaluate(x, y);
                if (t >= 3_500) {
                    sum += loss;
                }
            }
        }
        return sum / 500;
    }
}
