package org.sparsertrl.harness.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparsertrl.engine.cell.CellKind;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The report's arithmetic on a made-up JMH result file whose answers are known, and the whole report on
 * the committed results.
 */
class BenchmarkReportTest {

    @Test
    void widthsAndModelsFollowTheLayout() {
        // n = 64, m = 4: 64 (64 + 16) + 64.
        assertEquals(5184, PerformanceModel.width(CellKind.VANILLA, 64));
        assertEquals(2.0 * 64 * 64 * 5184, PerformanceModel.fullFlops(CellKind.VANILLA, 64));
        assertEquals(8.0 * 256 * PerformanceModel.width(CellKind.VANILLA, 256), PerformanceModel.sparseBytes(256));
        // The LSTM: 4 gate rows per unit, 2 state rows; 256 (64 + 16) + 256 floats a row, 128 rows.
        assertEquals(20_736, PerformanceModel.width(CellKind.LSTM, 64));
        assertEquals(2.0 * 128 * 128 * 20_736, PerformanceModel.fullFlops(CellKind.LSTM, 64));
        // The GRU: 3 gate rows per unit, n state rows; 192 (64 + 16) + 192.
        assertEquals(15_552, PerformanceModel.width(CellKind.GRU, 64));
        assertEquals(2.0 * 64 * 64 * 15_552, PerformanceModel.fullFlops(CellKind.GRU, 64));
    }

    @Test
    void slopeOfAPowerLawIsItsExponent() throws IOException {
        java.util.TreeMap<Integer, JmhResult> byN = new java.util.TreeMap<>();
        for (int n : new int[] {32, 64, 128, 256}) {
            byN.put(n, new JmhResult("StepBenchmark.step", Map.of(), 3e-6 * Math.pow(n, 4), 0, "us/op", 0, 0));
        }
        assertEquals(4.0, PerformanceModel.slope(byN, 32, 256), 1e-9);
        assertEquals(4.0, PerformanceModel.slope(byN, 64, 128), 1e-9);
        assertTrue(Double.isNaN(PerformanceModel.slope(byN, 300, 400)));
    }

    @Test
    void targetsAreJudgedFromTheMeasurements(@TempDir Path dir) throws IOException {
        Path json = dir.resolve("results.json");
        List<String> rows = new ArrayList<>();
        int lanes = 16;
        // A peak of exactly 100 GFLOP/s and a triad of 20 GB/s.
        rows.add(row("org.sparsertrl.bench.PeakProbe.fma", "{}", 100e9 / (2 * lanes), "ops/s", Double.NaN));
        rows.add(row("org.sparsertrl.bench.BandwidthProbe.triad", "{}", 20e9 / 12, "ops/s", Double.NaN));
        rows.add(row("org.sparsertrl.bench.BandwidthProbe.copy", "{}", 20e9 / 8, "ops/s", Double.NaN));
        for (int n : new int[] {64, 128, 256}) {
            // Full RTRL at exactly 80 % of peak; sparse 10x faster.
            double full = PerformanceModel.fullFlops(CellKind.VANILLA, n) / 80e9 * 1e6;
            rows.add(row("org.sparsertrl.bench.StepBenchmark.step", "{\"learner\":\"full\",\"n\":\"" + n + "\"}", full, "us/op", 0.001));
            rows.add(row("org.sparsertrl.bench.StepBenchmark.step", "{\"learner\":\"sparse-4\",\"n\":\"" + n + "\"}", full / 10, "us/op", 0.001));
        }
        Files.writeString(json, "[" + String.join(",", rows) + "]");
        Measurements m = new Measurements(JmhResult.read(json), lanes);
        assertEquals(100, m.peakGflops, 1e-6);
        assertEquals(20, m.triadGBs, 1e-9);
        List<Targets.Target> targets = Targets.judge(Targets.PROJECT, m);
        Targets.Target full64 = targets.get(0);
        assertTrue(full64.met(), full64.toString());
        assertTrue(full64.measured().startsWith("80 %"), full64.measured());
        Targets.Target speedup128 = targets.stream().filter(t -> t.what().contains("over full RTRL, n = 128"))
                .findFirst().orElseThrow();
        assertTrue(speedup128.measured().startsWith("10.0x (a sparse step moving J at the copy rate would give "), speedup128.measured());
        assertTrue(!speedup128.met(), "10x is below the 12x required at n = 128");
        String report = BenchmarkReport.render(m, List.of(), Map.of("machine", "test"), dir, "plots");
        assertTrue(report.contains("| full RTRL, n = 64, one thread: share of peak FMA | >= 70 % | 80 %"), report);
        assertTrue(!report.contains("## Embedded runtime"), "no embedded section without its results");
        assertTrue(!report.contains("## Transformer"), "no transformer section without its results");
        assertTrue(Files.size(dir.resolve("time-per-step.png")) > 1000);
    }

    /**
     * The transformer's tables from made-up rows whose every figure is known: per d_model, transports in
     * the order dense, 0, 1/6, ... whatever order the file lists them in, the backward pass as the step less
     * the forward pass, attention's share of the step and each step's speed-up over dense.
     */
    @Test
    void transformerTablesShowEachPartOfTheStep(@TempDir Path dir) throws IOException {
        List<String> rows = new ArrayList<>();
        rows.add(transformerRow("step", "1/2", 24, 160, Double.NaN, Double.NaN));
        rows.add(transformerRow("forward", "1/2", 24, 80, Double.NaN, Double.NaN));
        rows.add(transformerRow("attentionBackward", "1/2", 24, 40, Double.NaN, Double.NaN));
        rows.add(transformerRow("step", "dense", 24, 200, 3, 0));
        rows.add(transformerRow("forward", "dense", 24, 80, Double.NaN, Double.NaN));
        rows.add(transformerRow("attentionBackward", "dense", 24, 50, Double.NaN, Double.NaN));
        rows.add(transformerRow("step", "0", 24, 100, Double.NaN, 48));
        rows.add(transformerRow("forward", "0", 24, 80, Double.NaN, Double.NaN));
        rows.add(transformerRow("attentionBackward", "0", 24, 10, Double.NaN, Double.NaN));
        rows.add(transformerRow("step", "dense", 126, 1000, Double.NaN, Double.NaN));
        rows.add(transformerRow("forward", "dense", 126, 400, Double.NaN, Double.NaN));
        rows.add(transformerRow("attentionBackward", "dense", 126, 250, Double.NaN, Double.NaN));
        rows.add(transformerRow("step", "1/6", 126, 800, Double.NaN, Double.NaN));
        Path json = dir.resolve("transformer.json");
        Files.writeString(json, "[" + String.join(",", rows) + "]");
        Measurements m = new Measurements(JmhResult.read(json), 16);
        assertEquals(32, m.transformerContext);
        String md = ReportRenderer.transformerTables(m);
        String header = "| transport | us / step | forward, us | backward + update, us | attention backward, us | share of the step "
                + "| speed-up over dense | B / step (stepping thread) |\n";
        String small = "### Transformer, d_model = 24\n\n" + header + "|---|---|---|---|---|---|---|---|\n"
                + "| dense | 200 ± 3.00 | 80.00 | 120 | 50.00 | 25 % | 1.00x | 0.000 |\n"
                + "| s = 0 | 100 | 80.00 | 20.00 | 10.00 | 10 % | 2.00x | 0.048 |\n"
                + "| s = 1/2 | 160 | 80.00 | 80.00 | 40.00 | 25 % | 1.25x | n/a |\n";
        assertTrue(md.contains(small), md);
        String wide = "### Transformer, d_model = 126\n\n" + header + "|---|---|---|---|---|---|---|---|\n"
                + "| dense | 1,000 | 400 | 600 | 250 | 25 % | 1.00x | n/a |\n"
                + "| s = 1/6 | 800 |  |  |  |  | 1.25x | n/a |\n";
        assertTrue(md.contains(wide), md);
        assertTrue(md.indexOf("d_model = 24") < md.indexOf("d_model = 126"), md);
        assertTrue(md.startsWith("## Transformer\n\nOne online step of the causal transformer (OnlineTransformer: 6 heads, "
                + "2 layers, a window of 32 steps"), md);
    }

    /** A TransformerStepBenchmark row; {@code allocated} bytes over 1,000 steps when not NaN. */
    private static String transformerRow(String method, String transport, int dModel, double us, double error, double allocated) {
        String secondary = Double.isNaN(allocated) ? "{}"
                : "{\"allocatedBytes\":{\"score\":" + allocated + "},\"steps\":{\"score\":1000}}";
        return "{\"benchmark\":\"org.sparsertrl.bench.TransformerStepBenchmark." + method + "\",\"mode\":\"avgt\","
                + "\"params\":{\"context\":\"32\",\"dModel\":\"" + dModel + "\",\"transport\":\"" + transport + "\"},"
                + "\"primaryMetric\":{\"score\":" + us + ",\"scoreError\":" + (Double.isNaN(error) ? "\"NaN\"" : error)
                + ",\"scoreUnit\":\"us/op\"},\"secondaryMetrics\":" + secondary + "}";
    }

    @Test
    void embeddedResultsRoundTripIntoTheirTable(@TempDir Path dir) throws IOException {
        Path json = dir.resolve("embedded.json");
        EmbeddedResult.write(json, List.of(new EmbeddedResult(32, 4, 61234.4, 30617, 91851,
                15.04, 40.0, 80.0, 900.0, 21.0, 55.5, 120.0, 2500.0)));
        List<EmbeddedResult> read = EmbeddedResult.read(json);
        assertEquals(1, read.size());
        assertEquals(30617, read.get(0).offeredPerSecond());
        String table = ReportRenderer.embeddedTable(read);
        assertTrue(table.contains("| 32 | 4 | 61,234 | 30,617 | 91,851 | 15.0 | 40.0 | 21.0 | 55.5 | 120.0 | 2,500 |"), table);
    }

    /**
     * The committed bench/REPORT.md is, but for its environment lines (command, commit, time, machine),
     * exactly what the code makes of the committed results it names: a change that alters a figure, a
     * target or a table of the report fails here. The peak is converted with the vector width the
     * report itself names, so the check does not depend on this machine's.
     */
    @Test
    void theCommittedReportIsWhatTheCodeMakesOfTheCommittedResults(@TempDir Path dir) throws IOException {
        Path bench = Path.of("..", "bench");
        String committed = Files.readString(bench.resolve("REPORT.md"));
        Map<String, String> environment = new LinkedHashMap<>();
        for (String line : committed.lines().takeWhile(l -> !l.startsWith("## ")).toList()) {
            if (line.startsWith("- ")) {
                environment.put(line.substring(2, line.indexOf(": ")), line.substring(line.indexOf(": ") + 2));
            }
        }
        Matcher lanes = Pattern.compile("\\((\\d+) floats\\)").matcher(environment.get("kernels"));
        assumeTrue(lanes.find(), "the committed report ran the vector kernels: " + environment.get("kernels"));
        String profile = environment.get("command").contains("--quick") ? "quick" : "full";
        List<JmhResult> rows = new ArrayList<>(JmhResult.read(bench.resolve("results/" + profile + ".json")));
        Path transformer = bench.resolve("results/" + profile + "-transformer.json");
        if (Files.exists(transformer)) {
            rows.addAll(JmhResult.read(transformer));
        }
        Measurements m = new Measurements(rows, Integer.parseInt(lanes.group(1)));
        String rendered = BenchmarkReport.render(m, EmbeddedResult.read(bench.resolve("results/" + profile + "-embedded.json")),
                environment, dir, "plots");
        assertEquals(committed, rendered);
    }

    private static String row(String benchmark, String params, double score, String unit, double bytes) {
        String secondary = Double.isNaN(bytes) ? "{}"
                : "{\"·gc.alloc.rate.norm\":{\"score\":" + bytes + ",\"scoreUnit\":\"B/op\"}}";
        return "{\"benchmark\":\"" + benchmark + "\",\"mode\":\"avgt\",\"params\":" + params
                + ",\"primaryMetric\":{\"score\":" + score + ",\"scoreError\":\"NaN\",\"scoreUnit\":\"" + unit + "\"},"
                + "\"secondaryMetrics\":" + secondary + "}";
    }
}
