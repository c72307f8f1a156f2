package org.sparsertrl.harness;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every figure the README shows is a block copied from a report that a command in the repository
 * wrote: between {@code <!-- copied from PATH -->} and {@code <!-- end of copy -->}, the README's
 * lines (inside the fences of a code block, if it is one) must appear, in order and unchanged, in
 * that file. A figure typed by hand, or a report
 * regenerated without updating the README, fails here.
 */
class ReadmeFiguresTest {

    private static final Pattern START = Pattern.compile("<!-- copied from (\\S+) -->");
    private static final String END = "<!-- end of copy -->";

    @Test
    void everyFigureBlockIsInItsReport() throws IOException {
        List<String> readme = Files.readAllLines(Path.of("../README.md"));
        int blocks = 0;
        for (int i = 0; i < readme.size(); i++) {
            Matcher start = START.matcher(readme.get(i).strip());
            if (!start.matches()) {
                continue;
            }
            List<String> block = new ArrayList<>();
            int j = i + 1;
            while (j < readme.size() && !readme.get(j).strip().equals(END)) {
                block.add(readme.get(j));
                j++;
            }
            assertTrue(j < readme.size(), "README line " + (i + 1) + ": no '" + END + "'");
            while (!block.isEmpty() && block.getFirst().isBlank()) {
                block.removeFirst();
            }
            while (!block.isEmpty() && block.getLast().isBlank()) {
                block.removeLast();
            }
            // A copied log sits in a fenced code block; the fences are the README's, not the log's.
            if (block.size() >= 2 && block.getFirst().startsWith("```") && block.getLast().equals("```")) {
                block.removeFirst();
                block.removeLast();
            }
            assertTrue(!block.isEmpty(), "README line " + (i + 1) + ": empty copy");
            Path source = Path.of("..", start.group(1));
            assertTrue(Files.isRegularFile(source), "README line " + (i + 1) + ": " + source + " does not exist");
            List<String> report = Files.readAllLines(source);
            assertTrue(java.util.Collections.indexOfSubList(report, block) >= 0, "README lines " + (i + 2) + "-" + j
                    + " are not a verbatim part of " + start.group(1) + ":\n" + String.join("\n", block));
            blocks++;
            i = j;
        }
        assertEquals(9, blocks, "the README copies the five full-run parts' claims tables, the benchmark headline and targets and "
                + "two blocks of the own-data example");
    }
}
