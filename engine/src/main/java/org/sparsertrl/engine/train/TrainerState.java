package org.sparsertrl.engine.train;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import org.sparsertrl.engine.memory.ModelMemory;

/**
 * A trainer's complete learned and carried state in one off-heap block of fixed layout: the
 * parameters and hidden state, the optimizer's moments, optionally the learner's sensitivities, and
 * the update count. It is what a rollback restores and what a checkpoint stores. Created by
 * {@link OnlineTrainer#newState}; saving into it and restoring from it allocate nothing.
 *
 * <pre>{@code
 * try (TrainerState lastGood = trainer.newState(true)) {
 *     trainer.saveState(lastGood);        // every N steps
 *     ...
 *     if (trainer.diverged()) {
 *         trainer.restoreState(lastGood); // back to the last good step
 *     }
 * }
 * }</pre>
 *
 * Layout, in bytes: {@code [cell: parameter slab, h_t] [optimizer] [learner, if included] [updates: long]}.
 */
public final class TrainerState implements AutoCloseable {

    private final ModelMemory memory;
    private final MemorySegment data;
    private final boolean sensitivities;
    private final long cellBytes;
    private final long optimizerBytes;
    private final long learnerBytes;

    TrainerState(long cellBytes, long optimizerBytes, long learnerBytes, boolean sensitivities) {
        this.cellBytes = cellBytes;
        this.optimizerBytes = optimizerBytes;
        this.learnerBytes = sensitivities ? learnerBytes : 0;
        this.sensitivities = sensitivities;
        this.memory = new ModelMemory();
        long total = cellBytes + optimizerBytes + this.learnerBytes + Long.BYTES;
        this.data = memory.allocateFloats((total + Float.BYTES - 1) / Float.BYTES).asSlice(0, total);
    }

    /** {@return the state's bytes: what a checkpoint writes and reads back} */
    public MemorySegment data() {
        return data;
    }

    /** {@return whether the learner's sensitivities are part of the state} */
    public boolean includesSensitivities() {
        return sensitivities;
    }

    /** {@return off-heap bytes of the block} */
    public long bytes() {
        return data.byteSize();
    }

    /**
     * The byte offset of the first float of the cell's part (weights, biases, readout, hidden state)
     * that is NaN or infinite, or -1 if every one is finite. A checkpoint is refused on either side,
     * written or loaded, when this is not -1: such a state would only make every later step diverge.
     *
     * @return the byte offset, or -1
     */
    public long firstNonFiniteCellFloat() {
        for (long at = 0; at + Float.BYTES <= cellBytes; at += Float.BYTES) {
            if (!Float.isFinite(data.get(ValueLayout.JAVA_FLOAT_UNALIGNED, at))) {
                return at;
            }
        }
        return -1;
    }

    long cellOffset() {
        return 0;
    }

    long optimizerOffset() {
        return cellBytes;
    }

    long learnerOffset() {
        return cellBytes + optimizerBytes;
    }

    long stepsOffset() {
        return cellBytes + optimizerBytes + learnerBytes;
    }

    /** True if this state has the sizes of a state made by a trainer with these component sizes. */
    boolean fits(long cell, long optimizer, long learner) {
        return cellBytes == cell && optimizerBytes == optimizer && learnerBytes == (sensitivities ? learner : 0);
    }

    @Override
    public void close() {
        memory.close();
    }
}
