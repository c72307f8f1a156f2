package org.sparsertrl.harness.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparsertrl.harness.task.NwbFiles;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * No command prints a stack trace for a bad file or option: each class of bad input is one line on
 * standard error that names the argument or file and what is wrong, with exit 2; a failure at run
 * time (every checkpoint write refused by the disk) is one line with exit 1.
 */
class CliErrorsTest {

    private record Outcome(int exit, String err) {
        List<String> lines() {
            return err.lines().toList();
        }
    }

    private static Outcome run(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        int exit = Main.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
        return new Outcome(exit, err.toString());
    }

    /**
     * One error line that contains every fragment; an option error may add the one line that says
     * where to look, and nothing else, least of all a stack trace.
     */
    private static void assertOneLine(Outcome o, int exit, String... fragments) {
        String all = String.join(" ", fragments);
        assertEquals(exit, o.exit(), all + " -> " + o.err());
        List<String> lines = o.lines();
        assertFalse(lines.isEmpty(), all);
        assertTrue(lines.get(0).startsWith("error: "), o.err());
        for (String f : fragments) {
            assertTrue(lines.get(0).contains(f), "'" + f + "' in: " + o.err());
        }
        assertTrue(lines.size() == 1 || lines.size() == 2 && lines.get(1).startsWith("see: "), "one line: " + o.err());
    }

    @Test
    void reproduceRefusesBadFilesAndFoldersInOneLine(@TempDir Path dir) throws IOException {
        String out = dir.resolve("out").toString();
        assertOneLine(run("reproduce", "--study", ",,", "--out", out), 2, "--study = ',,' names no study");
        Path good = new NwbFiles.Fixture(1).write(dir.resolve("good.nwb"));
        assertOneLine(run("reproduce", "--study", "adaptation", "--nwb", good.toString(), good.toString(), "--out", out), 2,
                "--nwb is read only by the bci study");

        Path missing = dir.resolve("missing.nwb");
        assertOneLine(run("reproduce", "--study", "bci", "--nwb", missing.toString(), good.toString(), "--out", out), 2,
                missing.toString(), "no such file");
        byte[] whole = Files.readAllBytes(good);
        Path truncated = Files.write(dir.resolve("truncated.nwb"), Arrays.copyOf(whole, whole.length * 9 / 10));
        assertOneLine(run("reproduce", "--study", "bci", "--nwb", good.toString(), truncated.toString(), "--out", out), 2,
                truncated.toString(), "truncated");
        NwbFiles.Fixture nan = new NwbFiles.Fixture(1);
        nan.timestamps[7] = Double.NaN;
        Path nanFile = nan.write(dir.resolve("nan.nwb"));
        assertOneLine(run("reproduce", "--study", "bci", "--nwb", nanFile.toString(), good.toString(), "--out", out), 2,
                nanFile.toString(), "timestamps: element 7 = NaN is not finite");
        NwbFiles.Fixture rate = new NwbFiles.Fixture(1);
        rate.timestamps = null;
        rate.rate = "fast";
        Path rateFile = rate.write(dir.resolve("rate.nwb"));
        assertOneLine(run("reproduce", "--study", "bci", "--nwb", rateFile.toString(), good.toString(), "--out", out), 2,
                rateFile.toString(), "rate: 'fast' is not a number");

        Path file = Files.writeString(dir.resolve("a-file"), "x");
        assertOneLine(run("reproduce", "--study", "adaptation", "--out", file.toString()), 2,
                "--out = " + file + " is a file, not a folder");
        assertOneLine(run("reproduce", "--study", "adaptation", "--out", file.resolve("sub").toString()), 2,
                "--out = " + file.resolve("sub") + ": cannot create the output folder");
    }

    @Test
    void embeddedRefusesUnboundedTimesAndBadCheckpointPaths(@TempDir Path dir) {
        String ckpt = dir.resolve("m.ckpt").toString();
        for (String[] bad : new String[][] {{"--duration", "1e10"}, {"--duration", "Infinity"}, {"--duration", "NaN"},
            {"--duration", "0"}, {"--warm-up", "Infinity"}, {"--warm-up", "1e10"}, {"--warm-up", "-1"},
            {"--drain", "1e300"}, {"--rate", "-5"}, {"--checkpoint-every", "-1"}}) {
            assertOneLine(run("embedded", bad[0], bad[1], "--checkpoint", ckpt), 2, bad[0] + " = ");
        }
        assertOneLine(run("embedded", "--checkpoint", dir.toString()), 2, "--checkpoint = " + dir + " is a directory");
        Path nowhere = dir.resolve("no-such-folder").resolve("m.ckpt");
        assertOneLine(run("embedded", "--checkpoint", nowhere.toString()), 2, "--checkpoint = " + nowhere, "does not exist");
        assertOneLine(run("train", "--n", "0"), 2, "n = 0");
    }

    @Test
    void aBadPrecisionIsOneLineNamingTheOptionAndTheValue() {
        assertOneLine(run("train", "--precision", "fp8", "--steps", "1"), 2, "--precision", "precision = 'fp8': expected one of float32, bf16");
        assertOneLine(run("train", "--method", "uoro", "--precision", "bf16", "--n", "4", "--steps", "1"), 2,
                "--precision = bf16 is for --method full, sparse and subset only; --method uoro stores its sensitivity in float32");
        assertEquals(0, run("train", "--precision", "bf16", "--n", "8", "--steps", "3").exit(), "sparse in bf16 trains");
        assertEquals(0, run("train", "--method", "full", "--precision", "bf16", "--n", "8", "--steps", "3").exit(),
                "full in bf16 trains");
        assertEquals(0, run("train", "--method", "subset", "--k", "2", "--precision", "bf16", "--n", "8", "--steps", "3").exit(),
                "subset in bf16 trains");
    }

    @Test
    void embeddedExitsOneWhenEveryCheckpointWriteFailed(@TempDir Path dir) throws IOException {
        Path ckpt = dir.resolve("m.ckpt");
        // A folder where the temporary file must go: every write fails, as on a full or read-only disk.
        Files.createDirectories(dir.resolve("m.ckpt.tmp").resolve("occupied"));
        Outcome o = run("embedded", "--n", "4", "--channels", "1", "--rate", "2000", "--duration", "0.3", "--warm-up", "0",
                "--checkpoint", ckpt.toString(), "--checkpoint-every", "100");
        assertOneLine(o, 1, "every checkpoint write failed", ckpt.toString());
        assertTrue(Files.notExists(ckpt));
    }

    /** The real entry point, in a JVM of its own: System.exit's code and standard error as a user sees them. */
    @Test
    void aChildJvmShowsOneLineAndExitCodeTwoForACorruptFile(@TempDir Path dir) throws Exception {
        Path good = new NwbFiles.Fixture(1).write(dir.resolve("good.nwb"));
        byte[] whole = Files.readAllBytes(good);
        Path truncated = Files.write(dir.resolve("truncated.nwb"), Arrays.copyOf(whole, whole.length / 2));
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse("java"));
        command.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .filter(a -> !a.startsWith("-javaagent") && !a.startsWith("-agentlib")).toList());
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName(),
                "reproduce", "--study", "bci", "--nwb", truncated.toString(), good.toString(), "--no-progress",
                "--out", dir.resolve("out").toString()));
        Process process = new ProcessBuilder(command).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        String err = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(120, TimeUnit.SECONDS), "the child finished");
        List<String> lines = err.lines().filter(l -> !l.startsWith("WARNING: Using incubator modules")).toList();
        assertEquals(2, process.exitValue(), err);
        assertEquals(1, lines.size(), "one line: " + err);
        assertTrue(lines.get(0).startsWith("error: " + truncated + ": "), err);
    }
}
