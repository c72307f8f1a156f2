package org.sparsertrl.harness.runtime;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparsertrl.engine.cell.CellKind;
import org.sparsertrl.engine.learn.LearnerSpec;
import org.sparsertrl.engine.optim.OptimizerSpec;
import org.sparsertrl.engine.runtime.Checkpoint;
import org.sparsertrl.engine.train.OnlineTrainer;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Checkpoints written by the version-1 format (before the state slab) still load: each file under
 * {@code checkpoints/v1} was written by commit ccf234e after 30 training steps, and its {@code .losses}
 * file holds the float bits of the 20 losses that a fresh trainer of that commit gave after loading
 * it. Loading the file into a trainer of the same configuration here and training on must give those
 * bits exactly.
 */
class CheckpointV1Test {

    /** One saved configuration: every kind of carried state (paths, generators, ring heads, traces, moments). */
    record Saved(String name, CellKind cell, int n, String learner, OptimizerSpec optimizer, boolean sensitivities) {
        OnlineTrainer trainer() {
            return OnlineTrainer.builder(n, 2, 1).cell(cell).seed(4).learner(LearnerSpec.parse(learner, 3))
                    .optimizer(optimizer).build();
        }
    }

    static final List<Saved> SAVED = List.of(
            new Saved("vanilla-sparse-resampled-adam", CellKind.VANILLA, 8, "sparse-3-random-resampled-every-5",
                    OptimizerSpec.adam(0.01f), true),
            new Saved("vanilla-full-adam-no-sensitivities", CellKind.VANILLA, 8, "full", OptimizerSpec.adam(0.01f), false),
            new Saved("vanilla-rflo-sgd", CellKind.VANILLA, 8, "rflo", OptimizerSpec.sgd(0.02f, 0.9f), true),
            new Saved("lstm-uoro-sgd-momentum", CellKind.LSTM, 6, "uoro", OptimizerSpec.sgd(0.02f, 0.9f), true),
            new Saved("lstm-snap1-adam", CellKind.LSTM, 6, "snap-1", OptimizerSpec.adam(0.01f), true),
            new Saved("gru-tbptt-rmsprop", CellKind.GRU, 6, "tbptt-3", OptimizerSpec.rmsprop(0.005f), true),
            new Saved("gru-subset-adam", CellKind.GRU, 6, "subset-2", OptimizerSpec.adam(0.01f), true));

    static final int BEFORE = 30, AFTER = 20;

    @Test
    void version1FilesLoadAndContinueBitForBit(@TempDir Path dir) throws IOException {
        for (Saved saved : SAVED) {
            Path file = dir.resolve(saved.name() + ".ckpt");
            List<String> expected;
            try (InputStream ckpt = resource(saved.name() + ".ckpt"); InputStream losses = resource(saved.name() + ".losses")) {
                Files.copy(ckpt, file);
                expected = new String(losses.readAllBytes(), java.nio.charset.StandardCharsets.US_ASCII).lines().toList();
            }
            assertEquals(1, Files.readAllBytes(file)[8], saved.name() + " is a version-1 file");
            try (OnlineTrainer t = saved.trainer()) {
                Checkpoint.load(file, t);
                assertEquals(BEFORE, t.steps(), saved.name() + ": update count");
                float[] losses = new float[AFTER];
                CheckpointTest.train(t, BEFORE, AFTER, losses);
                for (int s = 0; s < AFTER; s++) {
                    assertEquals(expected.get(s), Integer.toHexString(Float.floatToRawIntBits(losses[s])),
                            saved.name() + ": loss " + s + " after loading");
                }
            }
        }
    }

    /**
     * The same configurations through today's format (version 2): a fresh trainer that loads the file
     * continues exactly as the trainer that wrote it. (The resampling policy refreshes its paths from a
     * generator that is not saved, so that configuration is compared with fixed random paths here.)
     */
    @Test
    void everyKindOfStateSurvivesAVersion2File(@TempDir Path dir) throws IOException {
        for (Saved saved : SAVED) {
            Saved fixed = saved.learner().contains("resampled") ? new Saved(saved.name(), saved.cell(), saved.n(),
                    "sparse-3", saved.optimizer(), true) : saved;
            Path file = dir.resolve(saved.name() + ".ckpt");
            float[] written = new float[AFTER], loaded = new float[AFTER];
            try (OnlineTrainer t = fixed.trainer()) {
                CheckpointTest.train(t, 0, BEFORE, null);
                Checkpoint.write(file, t, true);
                CheckpointTest.train(t, BEFORE, AFTER, written);
            }
            assertEquals(2, Files.readAllBytes(file)[8], saved.name() + " is a version-2 file");
            try (OnlineTrainer t = fixed.trainer()) {
                Checkpoint.load(file, t);
                CheckpointTest.train(t, BEFORE, AFTER, loaded);
            }
            for (int s = 0; s < AFTER; s++) {
                assertEquals(Float.floatToRawIntBits(written[s]), Float.floatToRawIntBits(loaded[s]),
                        saved.name() + ": loss " + s + " after loading");
            }
        }
    }

    private static InputStream resource(String name) throws IOException {
        InputStream in = CheckpointV1Test.class.getResourceAsStream("/checkpoints/v1/" + name);
        if (in == null) {
            throw new IOException("missing test resource checkpoints/v1/" + name);
        }
        return in;
    }
}
