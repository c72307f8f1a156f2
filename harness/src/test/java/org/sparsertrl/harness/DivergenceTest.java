package org.sparsertrl.harness;

import org.junit.jupiter.api.Test;
import org.sparsertrl.engine.cell.RnnLayout;
import org.sparsertrl.engine.train.Divergence;
import org.sparsertrl.engine.train.OnlineTrainer;
import org.sparsertrl.harness.oracle.EngineProbe;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A step that is not finite is reported, makes no update, blocks further steps, and reset() recovers. */
class DivergenceTest {

    @Test
    void nonFiniteLossIsReportedAndReset() {
        try (OnlineTrainer trainer = OnlineTrainer.builder(4, 1, 1).seed(1).build()) {
            RnnLayout l = trainer.layout();
            for (int j = 0; j < l.n(); j++) {
                trainer.inspect().cell().setParameter(l.v(0, j), 3e38f); // y = V h overflows
            }
            double[] weights = EngineProbe.weights(trainer);
            float loss = trainer.step(new float[] {1f}, new float[] {0f});
            assertFalse(Float.isFinite(loss));
            assertTrue(trainer.diverged());
            assertEquals(Divergence.LOSS, trainer.divergence());
            assertArrayEquals(weights, EngineProbe.weights(trainer), "a non-finite step must not update");
            assertEquals(0, trainer.steps());
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> trainer.step(new float[] {1f}, new float[] {0f}));
            assertTrue(e.getMessage().contains("call reset()"), e.getMessage());

            for (int j = 0; j < l.n(); j++) {
                trainer.inspect().cell().setParameter(l.v(0, j), 0.1f);
            }
            trainer.reset();
            assertFalse(trainer.diverged());
            assertTrue(Float.isFinite(trainer.step(new float[] {1f}, new float[] {0f})));
            assertEquals(1, trainer.steps());
        }
    }

    @Test
    void nonFiniteGradientIsReported() {
        try (OnlineTrainer trainer = OnlineTrainer.builder(3, 1, 1).seed(2).build()) {
            RnnLayout l = trainer.layout();
            for (int a = 0; a < l.n(); a++) {
                trainer.inspect().cell().setParameter(l.u(a, 0), 0f); // a = 0, so h = 0 and d = 1: J[U] = x exactly
            }
            double[] weights = EngineProbe.weights(trainer);
            // y = c = 0, so the loss (1/2 1e38) is finite, but delta ~ 1e19 times x = 3.4e38 overflows the gradient of U.
            float loss = trainer.step(new float[] {Float.MAX_VALUE}, new float[] {1e19f});
            assertTrue(Float.isFinite(loss), "the loss itself is finite: " + loss);
            assertTrue(trainer.diverged());
            assertEquals(Divergence.GRADIENT, trainer.divergence());
            assertArrayEquals(weights, EngineProbe.weights(trainer), "a non-finite gradient must not update");
        }
    }
}
