package org.sparsertrl.harness;

import java.util.Arrays;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.sparsertrl.engine.cell.CellKind;
import org.sparsertrl.engine.cell.RnnLayout;
import org.sparsertrl.engine.learn.LearnerSpec;
import org.sparsertrl.engine.optim.OptimizerSpec;
import org.sparsertrl.engine.train.OnlineTrainer;
import org.sparsertrl.engine.train.TrainerState;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The readout-only control, on every cell: training leaves W, U and b bit for bit as initialised and
 * moves only V and c, and that is enough to learn a task a linear readout of the state can solve:
 * the output of a teacher with the same recurrent weights and another readout, so the student's
 * hidden states are the teacher's and only the readout has to be found.
 */
class ReadoutOnlyTest {

    static final int N = 16;
    static final int M = 3;
    static final int O = 2;
    static final int STEPS = 200;

    @Test
    void onlyTheReadoutLearnsAndTheLossFalls() {
        for (CellKind kind : CellKind.values()) {
            float[] x = new float[M], y = new float[O];
            try (OnlineTrainer student = trainer(kind); OnlineTrainer teacher = trainer(kind)) {
                RnnLayout layout = student.layout();
                teacher.setWeights(withRandomReadout(teacher.weights(), layout, 99));
                float[] before = student.weights();
                SplittableRandom inputs = new SplittableRandom(7);
                double early = 0, late = 0;
                for (int t = 0; t < STEPS; t++) {
                    for (int j = 0; j < M; j++) {
                        x[j] = (float) inputs.nextGaussian();
                    }
                    teacher.predict(x, y);
                    float loss = student.step(x, y);
                    early += t < 20 ? loss : 0;
                    late += t >= STEPS - 20 ? loss : 0;
                    for (int index = 0; index < layout.recurrentSize(); index++) {
                        assertEquals(0f, student.gradient(index), kind.label() + ": gradient of " + layout.nameOf(index));
                    }
                }
                float[] after = student.weights();
                int recurrent = layout.recurrentSize();
                for (int index = 0; index < recurrent; index++) {
                    if (Float.floatToRawIntBits(before[index]) != Float.floatToRawIntBits(after[index])) {
                        throw new AssertionError(kind.label() + ": " + layout.nameOf(index) + " moved from "
                                + before[index] + " to " + after[index]);
                    }
                }
                assertFalse(Arrays.equals(before, recurrent, layout.size(), after, recurrent, layout.size()),
                        kind.label() + ": the readout did not change");
                // Measured at these seeds: 0.05 (vanilla, GRU), 0.19 (LSTM, whose h = o tanh(c) is smaller).
                assertTrue(late < 0.5 * early, kind.label() + ": loss over the last 20 steps " + late
                        + ", over the first 20 " + early);
                assertEquals(0f, student.inspect().learner().sensitivity(0, layout.w(0, 0)), kind.label());
                try (TrainerState with = student.newState(true); TrainerState without = student.newState(false)) {
                    assertEquals(without.manifest(), with.manifest(), kind.label() + ": the learner carries no state");
                }
            }
        }
    }

    @Test
    void labelAndSpec() {
        assertEquals("readout-only", LearnerSpec.readoutOnly().label());
        assertEquals(LearnerSpec.readoutOnly(), LearnerSpec.readoutOnly());
        assertTrue(LearnerSpec.readoutOnly() instanceof LearnerSpec.ReadoutOnlySpec);
    }

    private static OnlineTrainer trainer(CellKind kind) {
        return OnlineTrainer.builder(N, M, O).cell(kind).seed(3).learner(LearnerSpec.readoutOnly())
                .optimizer(OptimizerSpec.adam(3e-2f)).build();
    }

    /** {@code weights} with V ~ N(0, 1 / n) and c ~ N(0, 0.1) drawn from {@code seed}. */
    private static float[] withRandomReadout(float[] weights, RnnLayout layout, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        for (int r = 0; r < layout.o(); r++) {
            for (int j = 0; j < layout.n(); j++) {
                weights[layout.v(r, j)] = (float) (random.nextGaussian() / Math.sqrt(layout.n()));
            }
            weights[layout.c(r)] = (float) (0.3 * random.nextGaussian());
        }
        return weights;
    }
}
