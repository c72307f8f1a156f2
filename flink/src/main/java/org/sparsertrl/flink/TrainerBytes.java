package org.sparsertrl.flink;

import java.util.Arrays;

import org.sparsertrl.engine.runtime.Checkpoint;
import org.sparsertrl.engine.train.OnlineTrainer;
import org.sparsertrl.engine.train.TrainerState;

/**
 * How a key's trainer is stored in Flink keyed state: one format byte, then the engine's checkpoint
 * ({@link Checkpoint#toBytes}: header, state with sensitivities, CRC32C).
 *
 * <p>Two versions are in play, on purpose. The engine's checkpoint header carries the layout version
 * of the trainer's state, and the engine reads its older layouts, so a savepoint taken before an
 * engine upgrade loads after it. The byte in front is this module's: should the way a key is stored
 * change (another encoding, a second value beside the trainer), it changes, and {@link #load} keeps
 * reading every earlier value. Format 1 is the only one so far.
 */
public final class TrainerBytes {

    /** The format this build writes: the byte 1, then an engine checkpoint. */
    public static final byte FORMAT = 1;

    private TrainerBytes() {
    }

    /**
     * {@code trainer}'s state in the stored format. {@code scratch} ({@code trainer.newState(true)} of a
     * trainer of the same template) is reused across calls.
     */
    public static byte[] save(OnlineTrainer trainer, TrainerState scratch) {
        byte[] checkpoint = Checkpoint.toBytes(trainer, scratch);
        byte[] stored = new byte[checkpoint.length + 1];
        stored[0] = FORMAT;
        System.arraycopy(checkpoint, 0, stored, 1, checkpoint.length);
        return stored;
    }

    /**
     * Makes {@code trainer} what the stored value says; the trainer must come from the same template.
     *
     * @throws Checkpoint.CorruptCheckpointException if the checkpoint does not load (the trainer is unchanged)
     * @throws IllegalArgumentException              if the value is empty or of a format this build does not read
     */
    public static void load(byte[] stored, OnlineTrainer trainer) throws Checkpoint.CorruptCheckpointException {
        if (stored == null || stored.length == 0) {
            throw new IllegalArgumentException("stored trainer is " + (stored == null ? "null" : "empty"));
        }
        if (stored[0] != FORMAT) {
            throw new IllegalArgumentException("stored trainer has format " + stored[0] + "; this build reads format "
                    + FORMAT);
        }
        Checkpoint.load(Arrays.copyOfRange(stored, 1, stored.length), trainer);
    }
}
