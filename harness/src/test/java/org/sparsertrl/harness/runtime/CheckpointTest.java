package org.sparsertrl.harness.runtime;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparsertrl.engine.cell.CellKind;
import org.sparsertrl.engine.learn.LearnerSpec;
import org.sparsertrl.engine.learn.Selection;
import org.sparsertrl.engine.runtime.Checkpoint;
import org.sparsertrl.engine.train.OnlineTrainer;
import org.sparsertrl.engine.train.TrainerState;
import org.sparsertrl.harness.oracle.EngineProbe;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Saved state and checkpoints: exact round trips, and a clear refusal of every broken file. */
class CheckpointTest {

    static final float[] X = {0.4f, -0.2f}, Y = {0.3f};

    static OnlineTrainer trainer(int n, LearnerSpec learner) {
        return OnlineTrainer.builder(n, 2, 1).seed(4).learner(learner).build();
    }

    static void train(OnlineTrainer t, int from, int steps, float[] losses) {
        float[] x = new float[2], y = new float[1];
        for (int s = from; s < from + steps; s++) {
            x[0] = (float) Math.sin(0.2 * s);
            x[1] = (float) Math.cos(0.3 * s);
            y[0] = (float) Math.sin(0.2 * (s + 1));
            float loss = t.step(x, y);
            if (losses != null) {
                losses[s - from] = loss;
            }
        }
    }

    /** Trains {@code a} and {@code b} on the same {@code steps} steps from {@code from}; their losses must be the same. */
    private static void assertContinueAlike(OnlineTrainer a, OnlineTrainer b, int from, int steps, String message) {
        float[] la = new float[steps], lb = new float[steps];
        train(a, from, steps, la);
        train(b, from, steps, lb);
        assertArrayEquals(la, lb, message);
    }

    @Test
    void restoringAStateContinuesBitForBit() {
        for (LearnerSpec learner : new LearnerSpec[] {LearnerSpec.full(), LearnerSpec.sparse(3, Selection.randomResampled(7, 2)),
                LearnerSpec.subset(3, 2), LearnerSpec.immediate()}) {
            try (OnlineTrainer t = trainer(12, learner); TrainerState saved = t.newState(true)) {
                train(t, 0, 50, null);
                t.saveState(saved);
                float[] first = new float[40], second = new float[40];
                train(t, 50, 40, first);
                t.restoreState(saved);
                train(t, 50, 40, second);
                // The resampling generator is not part of the state: compare until the next refresh.
                int exact = learner instanceof LearnerSpec.SparseSpec ? 6 : 40;
                for (int s = 0; s < exact; s++) {
                    assertEquals(Float.floatToRawIntBits(first[s]), Float.floatToRawIntBits(second[s]),
                            learner.label() + " step " + s);
                }
            }
        }
    }

    @Test
    void checkpointRoundTripIntoAFreshTrainer(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("model.ckpt");
        try (OnlineTrainer a = trainer(10, LearnerSpec.full()); OnlineTrainer b = trainer(10, LearnerSpec.full())) {
            train(a, 0, 60, null);
            Checkpoint.write(file, a, true);
            Checkpoint.load(file, b);
            assertArrayEquals(EngineProbe.weights(a), EngineProbe.weights(b));
            assertEquals(a.steps(), b.steps());
            assertContinueAlike(a, b, 60, 30, "a loaded checkpoint with sensitivities continues exactly");
        }
    }

    @Test
    void checkpointBytesAreTheFileAndLoadBackExactly(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("model.ckpt");
        LearnerSpec learner = LearnerSpec.sparse(3, Selection.randomFixed(5));
        try (OnlineTrainer a = trainer(10, learner); OnlineTrainer b = trainer(10, learner);
             TrainerState scratch = a.newState(true)) {
            train(a, 0, 40, null);
            Checkpoint.write(file, a, true);
            byte[] bytes = Checkpoint.toBytes(a, scratch);
            assertArrayEquals(Files.readAllBytes(file), bytes, "toBytes gives the bytes of the file");

            byte[] flipped = bytes.clone();
            flipped[bytes.length / 2] ^= 0x10;
            double[] before = EngineProbe.weights(b);
            Checkpoint.CorruptCheckpointException e = assertThrows(Checkpoint.CorruptCheckpointException.class,
                    () -> Checkpoint.load(flipped, b));
            assertTrue(e.getMessage().startsWith("checkpoint bytes: checksum mismatch"), e.getMessage());
            assertArrayEquals(before, EngineProbe.weights(b), "refused bytes change nothing");

            Checkpoint.load(bytes, b);
            assertContinueAlike(a, b, 40, 30, "loaded bytes with sensitivities continue exactly");
        }
    }

    @Test
    void everyBrokenFileIsRefusedWithItsReasonAndChangesNothing(@TempDir Path dir) throws IOException {
        Path good = dir.resolve("good.ckpt");
        try (OnlineTrainer source = trainer(8, LearnerSpec.sparse(2, Selection.randomFixed(1)))) {
            train(source, 0, 20, null);
            Checkpoint.write(good, source, false);
        }
        byte[] bytes = Files.readAllBytes(good);
        try (OnlineTrainer target = trainer(8, LearnerSpec.sparse(2, Selection.randomFixed(1)))) {
            double[] before = EngineProbe.weights(target);

            Path flipped = dir.resolve("flipped.ckpt");
            byte[] copy = bytes.clone();
            copy[bytes.length / 2] ^= 0x10;
            Files.write(flipped, copy);
            assertRefused(flipped, target, "checksum mismatch");

            Path magic = dir.resolve("magic.ckpt");
            copy = bytes.clone();
            copy[0] ^= 1;
            Files.write(magic, copy);
            assertRefused(magic, target, "not a sparse-rtrl checkpoint");

            Path truncated = dir.resolve("truncated.ckpt");
            Files.write(truncated, java.util.Arrays.copyOf(bytes, bytes.length - 100));
            assertRefused(truncated, target, "truncated");

            Path empty = dir.resolve("empty.ckpt");
            Files.write(empty, new byte[0]);
            assertRefused(empty, target, "truncated");

            assertArrayEquals(before, EngineProbe.weights(target), "a refused file changes nothing");
        }
        try (OnlineTrainer wider = trainer(9, LearnerSpec.sparse(2, Selection.randomFixed(1)))) {
            assertRefused(good, wider, "dimension mismatch: the file has n=8, m=2, o=1, the trainer n=9, m=2, o=1");
        }
        try (OnlineTrainer other = trainer(8, LearnerSpec.full())) {
            assertRefused(good, other, "learner mismatch");
        }
        try (OnlineTrainer lstm = OnlineTrainer.builder(8, 2, 1).cell(CellKind.LSTM).seed(4)
                .learner(LearnerSpec.sparse(2, Selection.randomFixed(1))).build()) {
            assertRefused(good, lstm, "cell kind mismatch: the file has 'vanilla-tanh', the trainer 'lstm'");
        }
    }

    @Test
    void gatedCellsRoundTripThroughACheckpoint(@TempDir Path dir) throws IOException {
        for (CellKind kind : new CellKind[] {CellKind.LSTM, CellKind.GRU}) {
            for (LearnerSpec learner : new LearnerSpec[] {LearnerSpec.full(), LearnerSpec.sparse(3, Selection.topK(5)),
                    LearnerSpec.subset(3, 2)}) {
                Path file = dir.resolve(kind.label() + "-" + learner.label().replace(' ', '_') + ".ckpt");
                try (OnlineTrainer a = OnlineTrainer.builder(7, 2, 1).cell(kind).seed(4).learner(learner).build();
                     OnlineTrainer b = OnlineTrainer.builder(7, 2, 1).cell(kind).seed(5).learner(learner).build()) {
                    train(a, 0, 40, null);
                    Checkpoint.write(file, a, true);
                    Checkpoint.load(file, b);
                    assertArrayEquals(a.hiddenState(), b.hiddenState(), kind.label() + " state (h and c)");
                    assertContinueAlike(a, b, 40, 25, kind.label() + " " + learner.label() + " continues exactly after a load");
                }
            }
        }
    }

    private static void assertRefused(Path file, OnlineTrainer trainer, String reason) {
        Checkpoint.CorruptCheckpointException e = assertThrows(Checkpoint.CorruptCheckpointException.class,
                () -> Checkpoint.load(file, trainer), file.toString());
        assertTrue(e.getMessage().contains(reason), e.getMessage());
    }

    /**
     * The version, trailing bytes, NaN weights or moments under a valid checksum, a manifest that names
     * other views, a directory, a state past 2 GiB: each refused.
     */
    @Test
    void headerFieldsNanWeightsDirectoriesAndHugeStatesAreRefused(@TempDir Path dir) throws IOException {
        Path good = dir.resolve("good.ckpt");
        try (OnlineTrainer source = trainer(8, LearnerSpec.full())) {
            train(source, 0, 20, null);
            Checkpoint.write(good, source, false);
        }
        byte[] bytes = Files.readAllBytes(good);
        try (OnlineTrainer target = trainer(8, LearnerSpec.full())) {
            double[] before = EngineProbe.weights(target);

            byte[] copy = bytes.clone();
            copy[8] = 3; // version, an int at byte 8
            assertRefused(write(dir, "version.ckpt", copy), target, "version 3 is not supported (this build reads 1 and 2)");

            copy = java.util.Arrays.copyOf(bytes, bytes.length + 7);
            assertRefused(write(dir, "trailing.ckpt", copy), target, "has trailing bytes: " + (bytes.length + 7)
                    + " bytes, the header announces " + bytes.length);

            copy = bytes.clone();
            java.nio.ByteBuffer.wrap(copy).order(java.nio.ByteOrder.LITTLE_ENDIAN).putFloat(CheckpointFiles.stateAt(copy) + 8, Float.NaN);
            CheckpointFiles.reseal(copy);
            assertRefused(write(dir, "nan.ckpt", copy), target, "state not finite: cell.params[2] = NaN");

            // Adam's second moment, the view after the parameters, h and the first moment.
            copy = bytes.clone();
            int secondMoment;
            try (OnlineTrainer shape = trainer(8, LearnerSpec.full()); TrainerState s = shape.newState(false)) {
                String[] views = s.manifest().split(" ");
                assertEquals("adam.v", views[3].split(":")[0], s.manifest());
                secondMoment = 0;
                for (int v = 0; v < 3; v++) {
                    secondMoment += Integer.parseInt(views[v].split(":")[1]);
                }
            }
            java.nio.ByteBuffer.wrap(copy).order(java.nio.ByteOrder.LITTLE_ENDIAN)
                    .putFloat(CheckpointFiles.stateAt(copy) + secondMoment + 4 * 5, Float.POSITIVE_INFINITY);
            CheckpointFiles.reseal(copy);
            assertRefused(write(dir, "moment.ckpt", copy), target, "state not finite: adam.v[5] = Infinity");

            copy = bytes.clone();
            String text = new String(copy, java.nio.charset.StandardCharsets.ISO_8859_1);
            int at = text.indexOf("adam.m:");
            copy[at + 5] = 'x';
            CheckpointFiles.reseal(copy);
            assertRefused(write(dir, "manifest.ckpt", copy), target, "state layout mismatch: view 3: the file has adam.x:");

            assertRefused(dir, target, "is a directory, not a checkpoint file");

            // A header announcing a state just past 2 GiB, in a sparse file of that length: read through, refused cleanly.
            Path huge = dir.resolve("huge.ckpt");
            copy = bytes.clone();
            long length = (2L << 30) + 65_536;
            java.nio.ByteBuffer.wrap(copy).order(java.nio.ByteOrder.LITTLE_ENDIAN).putLong(36, length);
            Files.write(huge, java.util.Arrays.copyOf(copy, CheckpointFiles.stateAt(copy)));
            try (java.io.RandomAccessFile raf = new java.io.RandomAccessFile(huge.toFile(), "rw")) {
                raf.setLength(CheckpointFiles.stateAt(copy) + length + Integer.BYTES);
            }
            assertRefused(huge, target, "checksum mismatch");
            Files.delete(huge);

            assertArrayEquals(before, EngineProbe.weights(target), "a refused file changes nothing");
        }
    }

    @Test
    void writingRefusesNonFiniteWeightsAndADirectoryAndLeavesNoTemporaryFile(@TempDir Path dir) throws IOException {
        try (OnlineTrainer t = trainer(6, LearnerSpec.full()); TrainerState state = t.newState(false)) {
            train(t, 0, 10, null);
            IOException directory = assertThrows(IOException.class, () -> Checkpoint.write(dir, t, false));
            assertTrue(directory.getMessage().equals(dir + ": cannot write a checkpoint: the path is a directory"),
                    directory.getMessage());
            t.saveState(state);
            state.data().set(java.lang.foreign.ValueLayout.JAVA_FLOAT_UNALIGNED, 12, Float.POSITIVE_INFINITY);
            t.restoreState(state);
            Path file = dir.resolve("model.ckpt");
            IOException e = assertThrows(IOException.class, () -> Checkpoint.write(file, t, false));
            assertTrue(e.getMessage().startsWith(file + ": refusing to write a checkpoint whose state is not finite "
                    + "(cell.params[3] = Infinity)"), e.getMessage());
            assertEquals(0, dir.toFile().list().length, "neither the checkpoint nor its temporary file was written");
        }
    }

    private static Path write(Path dir, String name, byte[] bytes) throws IOException {
        return Files.write(dir.resolve(name), bytes);
    }



    @Test
    void aStateOfAnotherTrainerIsRefused() {
        try (OnlineTrainer a = trainer(8, LearnerSpec.full()); OnlineTrainer b = trainer(9, LearnerSpec.full());
             TrainerState state = a.newState(true)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> b.restoreState(state));
            assertTrue(e.getMessage().startsWith("state of "), e.getMessage());
        }
    }

    @Test
    void missingFileIsAnIOException(@TempDir Path dir) {
        try (OnlineTrainer t = trainer(4, LearnerSpec.full())) {
            assertThrows(java.nio.file.NoSuchFileException.class, () -> Checkpoint.load(dir.resolve("none"), t));
        }
        assertTrue(Files.notExists(dir.resolve("none")), "nothing created");
        assertEquals(0, dir.toFile().list().length);
    }
}
