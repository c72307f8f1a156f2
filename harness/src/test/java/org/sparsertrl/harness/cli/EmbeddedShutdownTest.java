package org.sparsertrl.harness.cli;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** SIGTERM in the middle of {@code rtrl embedded}: the shutdown hook stops the agent and writes the last checkpoint. */
class EmbeddedShutdownTest {

    @Test
    void sigtermWritesTheLastCheckpoint(@TempDir Path dir) throws Exception {
        Path checkpoint = dir.resolve("m.ckpt");
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse("java"));
        command.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .filter(a -> !a.startsWith("-javaagent") && !a.startsWith("-agentlib")).toList());
        // No periodic checkpoint: only the hook can write one.
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName(), "embedded", "--n", "4",
                "--channels", "1", "--rate", "2000", "--duration", "120", "--warm-up", "0", "--checkpoint-every", "0",
                "--checkpoint", checkpoint.toString()));
        Path errFile = dir.resolve("stderr.txt"); // destroy() closes the pipes; a file keeps what the hook prints
        Process child = new ProcessBuilder(command).redirectError(errFile.toFile()).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
        String first = out.readLine();
        assertTrue(first != null && first.startsWith("embedded: "), "the run started: " + first);
        Thread.sleep(700);
        child.destroy(); // SIGTERM on POSIX
        assertTrue(child.waitFor(60, TimeUnit.SECONDS), "the child stopped");
        String err = Files.readString(errFile);
        assertEquals(143, child.exitValue(), err);
        assertTrue(err.contains("embedded: interrupted; 1 checkpoints written, 0 failed"), err);
        byte[] bytes = Files.readAllBytes(checkpoint);
        assertTrue(Arrays.equals("SRTLCKPT".getBytes(StandardCharsets.US_ASCII), Arrays.copyOf(bytes, 8)), "a checkpoint");
        long steps = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong(28);
        assertTrue(steps > 0, "it holds the steps trained before the signal: " + steps);
        assertTrue(Files.notExists(dir.resolve("m.ckpt.tmp")));
        System.out.println("SIGTERM: the shutdown hook wrote a checkpoint at step " + steps);
    }
}
