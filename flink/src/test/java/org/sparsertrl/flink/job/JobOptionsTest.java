package org.sparsertrl.flink.job;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The programs' options: a misspelt option is refused by name, and --help prints instead of running. */
class JobOptionsTest {

    @Test
    void unknownOptionIsRefusedByName() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new JobOptions(new String[] {"--keys", "5", "--sampels", "100"}).requireKnown("keys", "samples"));
        assertTrue(e.getMessage().startsWith("unknown option --sampels (known: "), e.getMessage());
        assertTrue(e.getMessage().contains("--samples"), e.getMessage());
    }

    @Test
    void knownOptionsPass() {
        JobOptions options = new JobOptions(new String[] {"--keys", "5", "--n", "16", "--batch-ms", "3"}).requireKnown("keys");
        assertEquals(16, options.integer("n", 32, 1));
    }

    @Test
    void helpPrintsTheProgramsAndTheJobsOptions() {
        PrintStream out = System.out;
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        System.setOut(new PrintStream(printed, true, StandardCharsets.UTF_8));
        try {
            assertTrue(JobOptions.printedHelp(new String[] {"--keys", "5", "--help"}, OperatorBench.USAGE));
            assertTrue(JobOptions.printedHelp(new String[] {"-h"}, FlinkDemo.USAGE));
            assertFalse(JobOptions.printedHelp(new String[] {"--keys", "5"}, TrainJob.USAGE));
        } finally {
            System.setOut(out);
        }
        String text = printed.toString(StandardCharsets.UTF_8);
        assertTrue(text.contains("--bare-seconds") && text.contains("--max-live-trainers") && text.contains("--out"), text);
    }
}
