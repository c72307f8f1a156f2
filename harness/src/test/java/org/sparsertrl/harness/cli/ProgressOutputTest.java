package org.sparsertrl.harness.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Where the output is not a terminal (here: captured, as in a log), {@code reproduce} writes its
 * progress as plain lines, never the progress bar's carriage-return frames.
 */
class ProgressOutputTest {

    @Test
    void noCarriageReturnsWhenNotATerminal(@TempDir Path dir) {
        String[] args = {"reproduce", "--study", "adaptation", "--seeds", "2", "--tuning-seeds", "1", "--rates", "1e-3",
            "--n", "8", "--ks", "1", "--k", "1", "--pretrain-steps", "100", "--adapt-steps", "50", "--resamples", "100",
            "--out", dir.toString()};
        assertFalse(System.console() != null && System.console().isTerminal(), "this test needs output that is not a terminal");
        CommandRun run = CommandRun.of(args);
        assertEquals(0, run.exit(), run.output());
        String text = run.output();
        assertFalse(text.contains("\r"), "carriage returns in: " + Arrays.toString(text.lines().limit(5).toArray()));
        assertTrue(text.contains("reproduce: 100 % of the work done after"), text);
    }
}
