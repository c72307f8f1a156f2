package org.sparsertrl.harness;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** The README's API example is this test's code: same lines, and it runs and learns. */
class ReadmeExampleTest {

    @Test
    void readmeShowsTheExampleThatRuns() throws IOException {
        List<String> example = between(Files.readAllLines(Path.of("src/test/java/org/sparsertrl/harness/ReadmeExample.java")),
                "// README-BEGIN", "// README-END");
        List<String> readme = between(Files.readAllLines(Path.of("../README.md")), "```java", "```");
        assertTrue(example.size() > 5, "example found");
        assertTrue(readme.equals(example), "README.md's java block differs from ReadmeExample.java:\n"
                + String.join("\n", readme) + "\n---\n" + String.join("\n", example));
        PrintStream original = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        try (PrintStream capture = new PrintStream(captured, true, StandardCharsets.UTF_8)) {
            System.setOut(capture);
            ReadmeExample.run();
        } finally {
            System.setOut(original);
        }
        List<String> printed = captured.toString(StandardCharsets.UTF_8).lines().toList();
        assertTrue(printed.size() == 5, "five progress lines: " + printed);
        float first = Float.parseFloat(printed.getFirst().replaceAll(".*mean loss ", ""));
        float last = Float.parseFloat(printed.getLast().replaceAll(".*mean loss ", ""));
        assertTrue(last < 0.01f && last < first, "the example learns: " + printed);
    }

    /** The lines strictly between the first start marker and the next end marker, stripped of indentation. */
    private static List<String> between(List<String> lines, String start, String end) {
        int from = -1;
        for (int i = 0; i < lines.size(); i++) {
            if (from < 0 && lines.get(i).strip().equals(start)) {
                from = i + 1;
            } else if (from >= 0 && lines.get(i).strip().equals(end)) {
                return lines.subList(from, i).stream().map(String::strip).toList();
            }
        }
        throw new AssertionError("no block between " + start + " and " + end);
    }
}
