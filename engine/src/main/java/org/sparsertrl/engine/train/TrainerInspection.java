package org.sparsertrl.engine.train;

import org.sparsertrl.engine.cell.RecurrentCell;
import org.sparsertrl.engine.kernel.Kernels;
import org.sparsertrl.engine.learn.Learner;
import org.sparsertrl.engine.optim.Optimizer;

/**
 * A trainer's parts, for the tests that check them against an oracle, the studies that measure them
 * (sensitivities, Jacobians, path sets) and tools: {@link OnlineTrainer#inspect()}. It is not the
 * training API: what it returns is live (reading is safe between steps; writing through it bypasses
 * the trainer's argument checks and divergence handling), and it may change with the implementation.
 */
public final class TrainerInspection {

    private final OnlineTrainer trainer;

    TrainerInspection(OnlineTrainer trainer) {
        this.trainer = trainer;
    }

    /** {@return the network: weights by slab index, the state and the per-step coefficients of the last step} */
    public RecurrentCell cell() {
        return trainer.cell;
    }

    /** {@return the learner: its sensitivities ({@link Learner#sensitivity}) and, by its class, its sets} */
    public Learner learner() {
        return trainer.learner;
    }

    /** {@return the optimizer and its moments} */
    public Optimizer optimizer() {
        return trainer.optimizer;
    }

    /** {@return the kernels this trainer steps with} */
    public Kernels kernels() {
        return trainer.kernels;
    }
}
