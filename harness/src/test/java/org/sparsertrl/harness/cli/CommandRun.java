package org.sparsertrl.harness.cli;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * One run of the {@code rtrl} command in this JVM, with standard output and standard error captured
 * together (as a user sees them on a terminal), for the tests that run commands.
 *
 * @param exit   the exit code {@link Main#run(String...)} returned
 * @param output everything written to System.out and System.err during the run
 */
public record CommandRun(int exit, String output) {

    /** Runs {@code rtrl args...}, restoring System.out and System.err afterwards. */
    public static CommandRun of(String... args) {
        PrintStream out = System.out, err = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        try (PrintStream capture = new PrintStream(captured, true, StandardCharsets.UTF_8)) {
            System.setOut(capture);
            System.setErr(capture);
            int exit = Main.run(args);
            capture.flush();
            return new CommandRun(exit, captured.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
    }

    /** Runs {@code rtrl args...}, asserts that it exits with 0 and returns what it printed. */
    public static String ok(String... args) {
        CommandRun r = of(args);
        assertEquals(0, r.exit(), r.output());
        return r.output();
    }

    /** Runs {@code rtrl generate args... --out out} and returns the lines of the file it wrote. */
    public static List<String> generate(Path out, String... args) throws IOException {
        ok(concat(concat(new String[] {"generate"}, args), new String[] {"--out", out.toString()}));
        return Files.readAllLines(out);
    }

    /** {@code a} followed by {@code b}: a command line from a fixed part and a variable one. */
    public static String[] concat(String[] a, String[] b) {
        String[] all = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }
}
