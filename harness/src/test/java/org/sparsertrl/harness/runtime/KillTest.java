package org.sparsertrl.harness.runtime;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparsertrl.engine.runtime.Checkpoint;
import org.sparsertrl.engine.train.OnlineTrainer;
import org.sparsertrl.engine.train.TrainerState;
import org.sparsertrl.harness.oracle.EngineProbe;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Crash safety under a real SIGKILL: a child JVM trains with a checkpoint every few steps and is
 * killed at 20 random moments (mid-step, mid-write, mid-rename). After every kill the checkpoint
 * loads, it is no more than the cadence behind the last step the child reported, and the restored
 * trainer is bit for bit the uninterrupted run at that step, and continues as it does.
 */
class KillTest {

    static final int KILLS = 20, EVERY = 5, CONTINUE = 10;

    @Test
    void everyRestartAfterSigkillRestoresTheLastCompleteCheckpoint(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("kill.ckpt");
        SplittableRandom random = new SplittableRandom(2026);
        List<String> lost = new ArrayList<>();
        int restored = 0, midWrite = 0;
        try (OnlineTrainer reference = KillTarget.trainer(); OnlineTrainer twin = KillTarget.trainer();
             TrainerState saved = reference.newState(true)) {
            float[] x = new float[1], y = new float[1];
            for (int kill = 0; kill < KILLS; kill++) {
                Process child = start(file);
                BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
                String first = out.readLine();
                assertTrue(first != null && first.startsWith("resumed "), "the child started: " + first);
                AtomicLong lastStep = new AtomicLong(Long.parseLong(first.substring(8)));
                Thread reader = Thread.ofPlatform().start(() -> {
                    try {
                        for (String line; (line = out.readLine()) != null; ) {
                            if (line.startsWith("step ")) {
                                lastStep.set(Long.parseLong(line.substring(5)));
                            }
                        }
                    } catch (IOException e) {
                        // not expected: the child killed through its handle, the pipe ends rather than closes
                    }
                });
                // Past its first checkpoint of this run (so that every round makes progress), then a random moment.
                long resumed = lastStep.get(), deadline = System.nanoTime() + 60_000_000_000L;
                while (lastStep.get() < resumed + EVERY && child.isAlive() && System.nanoTime() < deadline) {
                    Thread.sleep(1);
                }
                Thread.sleep(random.nextInt(300));
                // SIGKILL on POSIX, through the handle: Process.destroyForcibly also closes the child's output,
                // losing the lines the reader has not read yet (a lagging reader then reported a step 6 behind
                // the checkpoint); the handle only sends the signal, and the reader reads the pipe to its end.
                child.toHandle().destroyForcibly();
                assertTrue(child.waitFor(30, TimeUnit.SECONDS));
                reader.join();
                assertEquals(137, child.exitValue(), "killed by SIGKILL");

                assertTrue(Files.exists(file), "a checkpoint exists after kill " + kill);
                Checkpoint.load(file, twin); // throws if the file is not whole
                long at = twin.steps(), reported = lastStep.get();
                assertTrue(reported - at < EVERY && at <= reported + EVERY,
                        "kill " + kill + ": restored step " + at + ", last reported " + reported);
                lost.add(String.valueOf(Math.max(0, reported - at)));

                // The uninterrupted run, advanced to the same step in this JVM.
                assertTrue(reference.steps() <= at, "checkpoints only move forward");
                while (reference.steps() < at) {
                    KillTarget.sample(reference.steps(), x, y);
                    reference.step(x, y);
                }
                assertArrayEquals(EngineProbe.weights(reference), EngineProbe.weights(twin), "kill " + kill + ": weights at " + at);
                reference.saveState(saved);
                for (int s = 0; s < CONTINUE; s++) {
                    KillTarget.sample(reference.steps(), x, y);
                    float a = reference.step(x, y);
                    KillTarget.sample(twin.steps(), x, y);
                    float b = twin.step(x, y);
                    assertEquals(Float.floatToRawIntBits(a), Float.floatToRawIntBits(b), "kill " + kill + ", step " + s);
                }
                reference.restoreState(saved);
                restored++;
                if (Files.deleteIfExists(dir.resolve("kill.ckpt.tmp"))) { // a write the kill cut short
                    midWrite++;
                }
            }
            System.out.printf("kill test: %d of %d restarts restored the last complete checkpoint (every %d steps), "
                    + "reaching step %d; %d kills left a half-written temporary file; steps lost per kill (last reported "
                    + "minus restored): %s%n", restored, KILLS, EVERY, reference.steps(), midWrite, String.join(", ", lost));
        }
        assertEquals(KILLS, restored);
    }

    private static Process start(Path file) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse("java"));
        command.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .filter(a -> !a.startsWith("-javaagent") && !a.startsWith("-agentlib")).toList());
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), KillTarget.class.getName(),
                file.toString(), String.valueOf(EVERY)));
        return new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    }
}
