package org.sparsertrl.harness;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.sparsertrl.engine.learn.LearnerSpec;
import org.sparsertrl.engine.memory.ModelMemory;
import org.sparsertrl.engine.train.OnlineTrainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Property 9: creating and closing 1,000 models leaves no off-heap memory behind. Checked twice: by
 * the engine's own count of live arena bytes, and by the process's resident set, which would grow by
 * 2.7 GB if the arenas were not freed (each model here holds about 2.7 MB, all of it touched). The
 * resident set may grow without a leak (the C allocator keeps freed blocks; the Java heap grows): a
 * fresh clone's run saw 365 MB once, so the check allows up to half of what not freeing would add.
 */
class OffHeapLeakTest {

    static final int MODELS = 1_000;

    @Test
    void thousandModelsLeaveNothingBehind() throws IOException {
        long liveBytes = ModelMemory.liveBytes(), liveArenas = ModelMemory.liveArenas();
        long rssBefore = residentKiB();
        long perModel = 0;
        float[] x = {0.5f, -0.5f, 0.25f, 0f}, y = {0.1f};
        for (int i = 0; i < MODELS; i++) {
            try (OnlineTrainer trainer = OnlineTrainer.builder(64, 4, 1).seed(i).learner(LearnerSpec.full()).build()) {
                trainer.step(x, y);
                perModel = trainer.offHeapBytes();
                assertEquals(liveBytes + perModel, ModelMemory.liveBytes());
            }
        }
        assertEquals(liveBytes, ModelMemory.liveBytes(), "live off-heap bytes after closing every model");
        assertEquals(liveArenas, ModelMemory.liveArenas(), "live arenas after closing every model");
        long rssGrowthKiB = residentKiB() - rssBefore;
        long leakedIfNotFreedKiB = MODELS * perModel / 1024;
        assertTrue(rssGrowthKiB < leakedIfNotFreedKiB / 2, "resident set grew by " + rssGrowthKiB
                + " KiB over " + MODELS + " models of " + perModel + " bytes each (not freeing them would add "
                + leakedIfNotFreedKiB + " KiB)");
    }

    @Test
    void closedModelRefusesUse() {
        OnlineTrainer trainer = OnlineTrainer.builder(4, 1, 1).build();
        trainer.close();
        trainer.close(); // idempotent
        assertThrows(IllegalStateException.class, () -> trainer.step(new float[1], new float[1]));
    }

    /** VmRSS of this process from /proc (Linux); the machines this project runs on are Linux. */
    static long residentKiB() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        throw new IllegalStateException("no VmRSS in /proc/self/status");
    }
}
