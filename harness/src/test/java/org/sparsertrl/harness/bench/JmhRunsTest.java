package org.sparsertrl.harness.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** bench/run's joining of several JMH invocations' results into the one file the report reads. */
class JmhRunsTest {

    private static String step(String learner, int n, double score) {
        return "{\"benchmark\":\"org.sparsertrl.bench.StepBenchmark.step\",\"mode\":\"avgt\",\"params\":{\"learner\":\""
                + learner + "\",\"n\":\"" + n + "\"},\"primaryMetric\":{\"score\":" + score
                + ",\"scoreError\":1.0,\"scoreUnit\":\"us/op\"},\"secondaryMetrics\":{}}";
    }

    @Test
    void everyRowOfEveryFileIsKeptInTheFilesOrder(@TempDir Path dir) throws IOException {
        Path small = dir.resolve("small.json"), large = dir.resolve("large.json"), out = dir.resolve("all.json");
        Files.writeString(small, "[" + step("full", 64, 300) + "," + step("sparse-4", 64, 90) + "]");
        Files.writeString(large, "[" + step("full", 256, 60000) + "]");
        JmhRuns.concatenate(out, List.of(small, large));
        List<JmhResult> rows = JmhResult.read(out);
        assertEquals(List.of(300.0, 90.0, 60000.0), rows.stream().map(JmhResult::score).toList());
        Measurements m = new Measurements(rows, 16);
        assertEquals(60000.0, m.micros("full", 256));
        assertEquals(List.of("full", "sparse-4"), List.copyOf(m.steps.keySet()));
    }

    @Test
    void aShapeInTwoFilesIsRefusedAndTheOutputIsNotWritten(@TempDir Path dir) throws IOException {
        Path a = dir.resolve("a.json"), b = dir.resolve("b.json"), out = dir.resolve("all.json");
        Files.writeString(a, "[" + step("full", 256, 60000) + "]");
        Files.writeString(b, "[" + step("sparse-4", 256, 9000) + "," + step("full", 256, 61000) + "]");
        Files.writeString(out, "previous");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> JmhRuns.concatenate(out, List.of(a, b)));
        assertTrue(e.getMessage().startsWith("inputs: org.sparsertrl.bench.StepBenchmark.step avgt"), e.getMessage());
        assertTrue(e.getMessage().contains("\"learner\":\"full\",\"n\":\"256\""), e.getMessage());
        assertTrue(e.getMessage().endsWith("is in both " + a + " and " + b), e.getMessage());
        assertEquals("previous", Files.readString(out));
    }

    @Test
    void aFileThatIsNotAnArrayOfRowsIsRefused(@TempDir Path dir) throws IOException {
        Path a = dir.resolve("a.json"), out = dir.resolve("all.json");
        Files.writeString(a, "{\"benchmark\":\"x\"}");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> JmhRuns.concatenate(out, List.of(a)));
        assertEquals("inputs: " + a + " is not a JMH JSON result file (no array of rows)", e.getMessage());
        Files.writeString(a, "[{\"mode\":\"avgt\"}]");
        e = assertThrows(IllegalArgumentException.class, () -> JmhRuns.concatenate(out, List.of(a)));
        assertEquals("inputs: " + a + " has a row without \"benchmark\"", e.getMessage());
        assertTrue(Files.notExists(out));
    }
}
