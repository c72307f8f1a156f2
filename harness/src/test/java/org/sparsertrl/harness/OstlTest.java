package org.sparsertrl.harness;

import org.junit.jupiter.api.Test;
import org.sparsertrl.engine.cell.CellKind;
import org.sparsertrl.engine.learn.LearnerSpec;
import org.sparsertrl.engine.optim.OptimizerSpec;
import org.sparsertrl.engine.train.OnlineTrainer;
import org.sparsertrl.harness.oracle.Sequences;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** OSTL for one recurrent layer is SnAp-1's recursion: the same bits, learning with Adam, on every cell. */
class OstlTest {

    @Test
    void ostlIsSnap1OnEveryCell() {
        for (CellKind cell : CellKind.values()) {
            float[][] xs = Sequences.gaussian(5, 80, 3), ys = Sequences.gaussian(6, 80, 2);
            float[] snap1 = losses(cell, LearnerSpec.snap1(), xs, ys), ostl = losses(cell, LearnerSpec.ostl(), xs, ys);
            for (int s = 0; s < xs.length; s++) {
                assertEquals(Float.floatToRawIntBits(snap1[s]), Float.floatToRawIntBits(ostl[s]), cell.label() + " step " + s);
            }
        }
        assertEquals("ostl", LearnerSpec.ostl().name());
        assertEquals(LearnerSpec.ostl(), LearnerSpec.parse("ostl"));
    }

    private static float[] losses(CellKind cell, LearnerSpec learner, float[][] xs, float[][] ys) {
        try (OnlineTrainer t = OnlineTrainer.builder(9, 3, 2).cell(cell).seed(2).learner(learner)
                .optimizer(OptimizerSpec.adam(0.01f)).build()) {
            float[] losses = new float[xs.length];
            for (int s = 0; s < xs.length; s++) {
                losses[s] = t.step(xs[s], ys[s]);
            }
            return losses;
        }
    }
}
