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
import org.sparsertrl.harness.report.Plots;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The report's arithmetic on a made-up JMH result file whose answers are known (and made-up peers and
 * machine records), and the whole report on the committed results.
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
            byN.put(n, new JmhResult("StepBenchmark.step", Map.of(), 3e-6 * Math.pow(n, 4), 0, "us/op", 0, 0, 0, 0));
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
            // The copy of J at 40 GB/s; bf16 1.8x as fast as float32 at n = 256.
            rows.add(row("org.sparsertrl.bench.SensitivityCopyProbe.copy", "{\"n\":\"" + n + "\"}",
                    40e9 / PerformanceModel.sparseBytes(n), "ops/s", Double.NaN));
        }
        double sparse256 = PerformanceModel.fullFlops(CellKind.VANILLA, 256) / 80e9 * 1e6 / 10;
        // The sparse step's accesses alone at n = 256: exactly half the two-pass bound's rate (40 GB/s).
        rows.add(row("org.sparsertrl.bench.SparsePatternProbe.pattern", "{\"n\":\"256\"}",
                20e9 / PerformanceModel.sparseBytes(256), "ops/s", Double.NaN));
        // The engine's kernel beside it at a quarter of the bound's rate.
        rows.add(row("org.sparsertrl.bench.SparsePatternProbe.kernel", "{\"n\":\"256\"}",
                10e9 / PerformanceModel.sparseBytes(256), "ops/s", Double.NaN));
        rows.add(row("org.sparsertrl.bench.StepBenchmark.step", "{\"learner\":\"sparse-4-bf16\",\"n\":\"256\"}",
                sparse256 / 1.8, "us/op", 0.001));
        // Over J in bf16: the accesses alone 1.6x as fast as in float32, the engine's kernel 1.2x.
        rows.add(row("org.sparsertrl.bench.SparsePatternProbe.patternBf16", "{\"n\":\"256\"}",
                32e9 / PerformanceModel.sparseBytes(256), "ops/s", Double.NaN));
        rows.add(row("org.sparsertrl.bench.SparsePatternProbe.kernelBf16", "{\"n\":\"256\"}",
                12e9 / PerformanceModel.sparseBytes(256), "ops/s", Double.NaN));
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
        assertEquals(40, m.copyOfJGBs.get(128), 1e-9);
        double bound256 = PerformanceModel.sparseBytes(256) / 40e3;
        Targets.Target share256 = targets.stream().filter(t -> t.what().startsWith("sparse k = 4, n = 256: share of the two-pass"))
                .findFirst().orElseThrow();
        assertTrue(share256.measured().startsWith(String.format("%.0f %% (", 100 * bound256 / sparse256)), share256.measured());
        assertEquals(bound256 / sparse256 >= 0.75, share256.met(), share256.toString());
        assertTrue(share256.measured().endsWith(String.format("measured ceiling: the step's accesses alone (SparsePatternProbe)"
                + " take %,.0f us, 50 %% of the bound, and the engine's sparse kernel beside them %,.0f us, 25 %%)",
                2 * bound256, 4 * bound256)), share256.measured());
        Targets.Target share128 = targets.stream().filter(t -> t.what().startsWith("sparse k = 4, n = 128: share of the two-pass"))
                .findFirst().orElseThrow();
        assertTrue(!share128.measured().contains("ceiling"), "no ceiling where the probe did not run: " + share128.measured());
        Targets.Target bf16 = targets.stream().filter(t -> t.what().contains("bf16 over float32, n = 256")).findFirst().orElseThrow();
        assertTrue(bf16.met() && bf16.measured().startsWith("1.80x"), bf16.toString());
        assertTrue(bf16.measured().endsWith(String.format("; measured ceiling: the step's accesses alone (SparsePatternProbe) "
                + "take %,.0f us over J in bf16 against %,.0f us in float32, 1.60x, and the engine's sparse kernels beside "
                + "them %,.0f us against %,.0f us, 1.20x)", 1.25 * bound256, 2 * bound256, 4 * bound256 / 1.2, 4 * bound256)),
                bf16.measured());
        String report = BenchmarkReport.render(m, List.of(), Map.of("machine", "test"), dir, "plots");
        assertTrue(report.contains("| full RTRL, n = 64, one thread: share of peak FMA | >= 70 % | 80 %"), report);
        assertTrue(report.contains("| copy of J, n = 256 | 40.0 GB/s |"), report);
        assertTrue(report.contains(String.format("| sparse step's accesses, n = 256 | %,.1f us (50 %% of the two-pass bound) |",
                2 * bound256)), report);
        assertTrue(report.contains(String.format("; the engine's sparse kernel on the same buffers in the same run: %,.1f us (25 %%) |",
                4 * bound256)), report);
        assertTrue(report.contains(String.format("| sparse step's accesses, J in bf16, n = 256 | %,.1f us (1.60x the float32 "
                + "pattern's speed) |", 1.25 * bound256)), report);
        assertTrue(!report.contains("## Embedded runtime"), "no embedded section without its results");
        assertTrue(!report.contains("## Transformer"), "no transformer section without its results");
        assertTrue(Files.size(dir.resolve("time-per-step.png")) > 1000);
    }

    /**
     * The ceilings part measured apart from the suite, on a machine whose memory ran at half the rate: its
     * shares divide by the copy of J in its own run (SparsePatternProbe.copy, 20 GB/s), not by the suite's
     * (SensitivityCopyProbe, 40 GB/s), while the step's own share keeps the suite's.
     */
    @Test
    void theCeilingsShareIsOfTheCopyRateInItsOwnRun(@TempDir Path dir) throws IOException {
        List<String> rows = new ArrayList<>();
        double bytes = PerformanceModel.sparseBytes(256);
        rows.add(row("org.sparsertrl.bench.SensitivityCopyProbe.copy", "{\"n\":\"256\"}", 40e9 / bytes, "ops/s", Double.NaN));
        double bound = bytes / 40e3; // microseconds at the suite's rate
        rows.add(row("org.sparsertrl.bench.StepBenchmark.step", "{\"learner\":\"sparse-4\",\"n\":\"256\"}", 2 * bound,
                "us/op", 0.001));
        // The ceilings' run: its copy of J at 20 GB/s, the accesses alone at 16 GB/s, the kernel at 10 GB/s.
        rows.add(row("org.sparsertrl.bench.SparsePatternProbe.copy", "{\"n\":\"256\"}", 20e9 / bytes, "ops/s", Double.NaN));
        rows.add(row("org.sparsertrl.bench.SparsePatternProbe.pattern", "{\"n\":\"256\"}", 16e9 / bytes, "ops/s", Double.NaN));
        rows.add(row("org.sparsertrl.bench.SparsePatternProbe.kernel", "{\"n\":\"256\"}", 10e9 / bytes, "ops/s", Double.NaN));
        Path json = dir.resolve("results.json");
        Files.writeString(json, "[" + String.join(",", rows) + "]");
        Measurements m = new Measurements(JmhResult.read(json), 16);
        assertEquals(20, m.ceilingsCopyGBs(256), 1e-9);
        assertTrue(Double.isNaN(m.ceilingsCopyGBs(128)), "neither copy ran at n = 128");
        Targets.Target share = new Targets.ShareOfCopy("sparse-4", 256, 0.75).judge(m);
        assertTrue(share.measured().startsWith("50 % ("), share.measured());
        assertTrue(share.measured().endsWith(String.format("measured ceiling: the step's accesses alone (SparsePatternProbe) "
                + "take %,.0f us, 80 %% of the bound at their own run's copy rate of J, 20.0 GB/s, and the engine's sparse "
                + "kernel beside them %,.0f us, 50 %%)", 2.5 * bound, 4 * bound)), share.measured());
        String report = BenchmarkReport.render(m, List.of(), Map.of("machine", "test"), dir, "plots");
        assertTrue(report.contains("| copy of J in the ceilings part, n = 256 | 20.0 GB/s |"), report);
        assertTrue(report.contains(String.format("| sparse step's accesses, n = 256 | %,.1f us (80 %% of the two-pass bound) |",
                2.5 * bound)), report);
        assertTrue(report.contains(String.format("the same buffers in the same run: %,.1f us (50 %%) |", 4 * bound)), report);
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

    /**
     * The stepping thread's bytes split into the steady rate (the least of any measured iteration) and the
     * one-time rest: one iteration's 184 bytes are a one-time event, 2 bytes a step in every iteration is not.
     */
    @Test
    void oneIterationsBytesAreOneTimeWhileBytesInEveryIterationAreSteady(@TempDir Path dir) throws IOException {
        Path json = dir.resolve("results.json");
        Files.writeString(json, "[" + stepRow("full", 184, "[[0, 184, 0]]", "[[100, 100, 100]]") + ","
                + stepRow("kf", 660, "[[200, 260, 200]]", "[[100, 100, 100]]") + "]");
        List<JmhResult> rows = JmhResult.read(json);
        assertEquals(184.0 / 300, rows.get(0).steppingBytesPerOp(), 1e-12);
        assertEquals(0, rows.get(0).steadyBytesPerOp());
        assertEquals(184, rows.get(0).oneTimeBytes());
        assertEquals(2, rows.get(1).steadyBytesPerOp());
        assertEquals(60, rows.get(1).oneTimeBytes(), 1e-9);
        Targets.Target target = new Targets.NoAllocation().judge(new Measurements(rows, 16));
        assertFalse(target.met(), target.toString());
        assertEquals("at most 2.000 B/step (kf at n = 64); one-time: at most 184 bytes in a trial's measured iterations"
                + " (full at n = 64)", target.measured());
    }

    /**
     * With two forks each JVM is judged apart: a fork that allocates 2 bytes in every step is steady allocation
     * though the other fork allocates none, and the one-time bytes are the larger fork's, not both forks' sum.
     */
    @Test
    void eachForkIsJudgedApart(@TempDir Path dir) throws IOException {
        Path json = dir.resolve("results.json");
        Files.writeString(json, "[" + stepRow("full", 884, "[[0, 184, 0], [200, 300, 200]]",
                "[[100, 100, 100], [100, 100, 100]]") + "]");
        JmhResult row = JmhResult.read(json).get(0);
        assertEquals(2, row.steadyBytesPerOp());
        assertEquals(184, row.oneTimeBytes(), 1e-9);
    }

    /** A StepBenchmark row at n = 64: the stepping thread's bytes (their sum as JMH scores events) and steps per iteration. */
    private static String stepRow(String learner, double total, String bytes, String steps) {
        return "{\"benchmark\":\"org.sparsertrl.bench.StepBenchmark.step\",\"mode\":\"avgt\","
                + "\"params\":{\"learner\":\"" + learner + "\",\"n\":\"64\"},"
                + "\"primaryMetric\":{\"score\":100.0,\"scoreError\":1.0,\"scoreUnit\":\"us/op\"},"
                + "\"secondaryMetrics\":{\"allocatedBytes\":{\"score\":" + total + ",\"rawData\":" + bytes + "},"
                + "\"steps\":{\"score\":300,\"rawData\":" + steps + "}}}";
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
     * target or a table of the report fails here. The peak is converted with the vector width of the
     * results' machine record, or, for results older than records, the width the report itself names,
     * so the check does not depend on this machine's; the peers are read as bench/run reads them.
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
        Path results = bench.resolve("results/" + profile + ".json");
        List<JmhResult> rows = new ArrayList<>(JmhResult.read(results));
        Path transformer = bench.resolve("results/" + profile + "-transformer.json");
        if (Files.exists(transformer)) {
            rows.addAll(JmhResult.read(transformer));
        }
        Path ceilings = bench.resolve("results/" + profile + "-ceilings.json");
        if (Files.exists(ceilings)) {
            rows.addAll(JmhResult.read(ceilings));
        }
        // As bench/run renders it: the peers when their file is there, the vector width of the machine record.
        Path peers = bench.resolve("results/" + profile + "-peers.json");
        Path machine = MachineRecord.besides(results);
        int width = Files.exists(machine) ? MachineRecord.read(machine).lanes() : Integer.parseInt(lanes.group(1));
        Measurements m = new Measurements(rows, width, Files.exists(peers) ? Peers.read(peers) : null);
        String rendered = BenchmarkReport.render(m, EmbeddedResult.read(bench.resolve("results/" + profile + "-embedded.json")),
                environment, dir, "plots");
        assertEquals(committed, rendered);
    }

    /**
     * Full RTRL beside numpy/OpenBLAS: each target is judged against the fastest OpenBLAS core's full update
     * (speed = the peer's time over the engine's), the table shows every core, and a peer file whose shapes
     * are not the engine's is refused.
     */
    @Test
    void peersAreJudgedAgainstTheFastestOpenBlasCore(@TempDir Path dir) throws IOException {
        Path json = dir.resolve("results.json");
        List<String> rows = new ArrayList<>(probeRows(200));
        for (int n : new int[] {64, 128, 256}) {
            rows.add(step("full", n, 1000.0 * n));                    // 64,000 us at n = 64 and so on
            rows.add(step("sparse-4", n, 100.0 * n));
        }
        Files.writeString(json, "[" + String.join(",", rows) + "]");
        Path peersFile = dir.resolve("peers.json");
        // OpenBLAS's own core (SkylakeX) takes 0.8x the engine's time at n = 64, 1.25x at n = 128 and 256; the
        // core the environment forces (Haswell) is slower everywhere, so it never decides a target.
        Files.writeString(peersFile, peersJson(
                run("SkylakeX", null, denseRow(64, "dense-update", 51_200) + "," + denseRow(64, "dense-product", 40_960)
                        + "," + denseRow(128, "dense-update", 160_000) + "," + denseRow(256, "dense-update", 320_000)),
                run("Haswell", "the environment", denseRow(64, "dense-update", 90_000) + "," + denseRow(128, "dense-update", 300_000)
                        + "," + denseRow(256, "dense-update", 600_000)),
                denseRow(64, "csr-product", 12_800) + "," + denseRow(128, "csr-kernel", 6_400)));
        Peers peers = Peers.read(peersFile);
        Measurements m = new Measurements(JmhResult.read(json), 16, peers);
        List<Targets.Target> targets = Targets.judge(Targets.PROJECT, m);
        Targets.Target at64 = target(targets, "full RTRL, n = 64, one thread: speed against numpy/OpenBLAS");
        assertEquals(">= 1x OpenBLAS's speed", at64.required());
        assertEquals("0.80x (64,000 us against 51,200 us, OpenBLAS 0.3.31, SkylakeX; W J alone 40,960 us, 0.64x)", at64.measured());
        assertFalse(at64.met());
        Targets.Target at128 = target(targets, "full RTRL, n = 128, one thread: speed against numpy/OpenBLAS");
        assertTrue(at128.measured().startsWith("1.25x (128,000 us against 160,000 us, OpenBLAS 0.3.31, SkylakeX"), at128.measured());
        assertTrue(at128.met());
        String md = ReportRenderer.peersTables(m);
        assertTrue(md.contains("one thread: python 3.11.7, numpy 2.4.6, scipy 1.17.1; one thread (OPENBLAS_NUM_THREADS = 1); "
                + "CPU: Test CPU; measured 2026-01-02T03:04:05Z at commit 0123456789ab."), md);
        assertTrue(md.contains("| 64 | 64,000 | OpenBLAS 0.3.31, SkylakeX | 51,200 | 0.80x | 40,960 | 0.64x | 1.0 |\n"), md);
        assertTrue(md.contains("| 64 | 64,000 | OpenBLAS 0.3.31, Haswell (forced) | 90,000 | 1.41x |  |  |  |\n"), md);
        assertTrue(md.contains("| 64 | 6,400 | 12,800 | 2.00x |  |  |\n"), md);
        assertTrue(md.contains("| 128 | 12,800 |  |  | 6,400 | 0.50x |\n"), md);

        Files.writeString(peersFile, peersJson(run("SkylakeX", null, denseRow(64, "dense-update", 1).replace("\"p\":5184", "\"p\":5000")), "", ""));
        IllegalArgumentException wrongShape = assertThrows(IllegalArgumentException.class, () -> Peers.read(peersFile));
        assertTrue(wrongShape.getMessage().contains("p = 5000, but the engine's layout has p = 5184"), wrongShape.getMessage());
    }

    /**
     * Paired rounds (bench/run): Peers pair merges each round's peers and the engine's sample-mode medians;
     * the target is the median of the rounds' ratios of medians (not the main run's mean, not the engine's
     * mean step), on each round's fastest core; the sparse step stands beside scipy's CSR product the same
     * way; an engine file without a step at a size the peers measured is refused, and a round whose script
     * measured nothing makes the file say so.
     */
    @Test
    void pairedRoundsAreJudgedByTheMedianOfTheirRatios(@TempDir Path dir) throws IOException {
        Path json = dir.resolve("results.json");
        List<String> rows = new ArrayList<>(probeRows(200));
        rows.add(step("full", 64, 64_000));  // the main run's means: not what the paired figures compare
        rows.add(step("sparse-4", 64, 9_999));
        Files.writeString(json, "[" + String.join(",", rows) + "]");
        double[] peer = {330, 300, 290}, engine = {300, 300, 320};  // ratios 1.10, 1.00, 0.91: median 1.00
        double[] csr = {150, 120, 200}, sparse = {100, 100, 110};    // ratios 1.50, 1.20, 1.82: median 1.50
        List<Path> files = new ArrayList<>();
        for (int r = 0; r < 3; r++) {
            Path peersFile = dir.resolve("peers-" + r + ".json"), engineFile = dir.resolve("engine-" + r + ".json");
            Files.writeString(peersFile, peersJson(run("SkylakeX", null, denseRow(64, "dense-update", peer[r])),
                    run("Haswell", "the environment", denseRow(64, "dense-update", 2 * peer[r])), denseRow(64, "csr-product", csr[r])));
            Files.writeString(engineFile, "[" + sampledStep("full", 64, engine[r]) + "," + sampledStep("sparse-4", 64, sparse[r]) + "]");
            files.add(peersFile);
            files.add(engineFile);
        }
        Path merged = dir.resolve("peers.json");
        Files.writeString(merged, Peers.pair(files).toString());
        Peers peers = Peers.read(merged);
        assertEquals(3, peers.rounds().size());
        Measurements m = new Measurements(JmhResult.read(json), 16, peers);
        Targets.Target at64 = target(Targets.judge(Targets.PROJECT, m), "full RTRL, n = 64, one thread: speed against numpy/OpenBLAS");
        assertEquals("1.00x (median of 3 paired rounds, 0.91x to 1.10x; medians 300 us against 300 us, OpenBLAS 0.3.31, SkylakeX)",
                at64.measured());
        assertTrue(at64.met());
        String md = ReportRenderer.peersTables(m);
        assertTrue(md.contains("Measured in 3 paired rounds"), md);
        assertTrue(md.contains("| 64 | 300 | OpenBLAS 0.3.31, SkylakeX | 300 | 1.00x (0.91x to 1.10x) |  |  |  |\n"), md);
        assertTrue(md.contains("| 64 | 300 | OpenBLAS 0.3.31, Haswell (forced) | 600 | 2.00x (1.81x to 2.20x) |  |  |  |\n"), md);
        assertFalse(md.contains("64,000"), md);  // the main run's mean is not set beside paired rounds
        assertTrue(md.contains("Measured in the same paired rounds"), md);
        assertTrue(md.contains("| 64 | 100 | 150 | 1.50x (1.20x to 1.82x) |  |  |\n"), md);
        assertFalse(md.contains("9,999"), md);

        Files.writeString(files.get(3), "[" + sampledStep("full", 64, 300) + "]");
        IllegalArgumentException noSparse = assertThrows(IllegalArgumentException.class, () -> Peers.pair(files));
        assertTrue(noSparse.getMessage().contains("has no sparse-4 step at n = 64"), noSparse.getMessage());
        Files.writeString(files.get(3), "[" + sampledStep("full", 128, 300) + "," + sampledStep("sparse-4", 64, 100) + "]");
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class, () -> Peers.pair(files));
        assertTrue(missing.getMessage().contains("has no full RTRL step at n = 64"), missing.getMessage());
        Files.writeString(files.get(2), "{\"available\": false, \"reason\": \"python3 has no numpy\"}");
        Files.writeString(merged, Peers.pair(files).toString());
        assertEquals("python3 has no numpy", Peers.read(merged).reason());
    }

    /** No python, no numpy: the peer targets stay in the table, not met, with the reason; a run with no peers file has none. */
    @Test
    void missingPeersAreSaidNotHidden(@TempDir Path dir) throws IOException {
        Path json = dir.resolve("results.json");
        Files.writeString(json, "[" + String.join(",", probeRows(100)) + "," + step("full", 64, 500) + "]");
        Path peersFile = dir.resolve("peers.json");
        Files.writeString(peersFile, "{\"available\": false, \"reason\": \"python3 was not on PATH when bench/run ran\"}");
        Measurements m = new Measurements(JmhResult.read(json), 16, Peers.read(peersFile));
        List<Targets.Target> targets = Targets.judge(Targets.PROJECT, m);
        Targets.Target at64 = target(targets, "full RTRL, n = 64, one thread: speed against numpy/OpenBLAS");
        assertEquals("not measured: python3 was not on PATH when bench/run ran", at64.measured());
        assertFalse(at64.met());
        assertTrue(ReportRenderer.peersTables(m).contains("Not measured: python3 was not on PATH when bench/run ran."));
        Measurements without = new Measurements(JmhResult.read(json), 16);
        assertEquals(targets.size() - 3, Targets.judge(Targets.PROJECT, without).size());
        assertEquals("", ReportRenderer.peersTables(without));
    }

    /**
     * The peak is the best of the probe's chain counts; a kernel faster than it is a probe error, flagged
     * in the limits section, in the learner's share column and in the share-of-peak target, never a share
     * above 100 %.
     */
    @Test
    void aKernelAboveThePeakIsAProbeError(@TempDir Path dir) throws IOException {
        int lanes = 16;
        List<String> rows = new ArrayList<>();
        rows.add(row("org.sparsertrl.bench.PeakProbe.fma", "{\"chains\":\"12\"}", 90e9 / (2 * lanes), "ops/s", Double.NaN));
        rows.add(row("org.sparsertrl.bench.PeakProbe.fma", "{\"chains\":\"16\"}", 100e9 / (2 * lanes), "ops/s", Double.NaN));
        rows.add(row("org.sparsertrl.bench.PeakProbe.fma", "{\"chains\":\"24\"}", 95e9 / (2 * lanes), "ops/s", Double.NaN));
        // Full RTRL at 120 GFLOP/s at n = 64 (above the peak), 80 at n = 128.
        rows.add(step("full", 64, PerformanceModel.fullFlops(CellKind.VANILLA, 64) / 120e9 * 1e6));
        rows.add(step("full", 128, PerformanceModel.fullFlops(CellKind.VANILLA, 128) / 80e9 * 1e6));
        Path json = dir.resolve("results.json");
        Files.writeString(json, "[" + String.join(",", rows) + "]");
        Measurements m = new Measurements(JmhResult.read(json), lanes);
        assertEquals(100, m.peakGflops, 1e-6);
        assertEquals("the best of 12, 16, 24 independent vector FMA chains in registers (PeakProbe; GFLOP/s by chains: "
                + "12: 90.0, 16: 100.0, 24: 95.0)", ReportRenderer.peakHow(m));
        assertEquals("\n**Probe error:** the peak probe's 100.0 GFLOP/s is not the machine's ceiling: full step, n = 64 at "
                + "120.0 GFLOP/s. Shares of peak above 100 % are not shown.\n", ReportRenderer.probeErrors(m));
        List<Targets.Target> targets = Targets.judge(Targets.PROJECT, m);
        assertEquals("probe error: 120.0 GFLOP/s is above the probe's peak of 100.0 GFLOP/s", targets.get(0).measured());
        assertFalse(targets.get(0).met());
        assertEquals("80 % (80.0 of 100.0 GFLOP/s)", targets.get(1).measured());
        String page = BenchmarkReport.render(m, List.of(), Map.of("machine", "test"), dir, "plots");
        assertTrue(page.contains("| 64 | " ) && page.contains("| 120.0 GFLOP/s | above the probe's peak: probe error |"), page);
        assertTrue(page.contains("| 80.0 GFLOP/s | 80 % of peak FMA |"), page);

        Files.writeString(json, "[" + rows.get(1) + "," + rows.get(4) + "]");
        Measurements fine = new Measurements(JmhResult.read(json), lanes);
        assertEquals("", ReportRenderer.probeErrors(fine), "a kernel below the peak is no error");
        assertEquals("16 independent vector FMA chains in registers (PeakProbe)", ReportRenderer.peakHow(fine));
    }

    /** The reference slopes pass through each model's learner at its largest n and span every n of the plot. */
    @Test
    void slopeReferencesFollowTheirModels(@TempDir Path dir) throws IOException {
        Path json = dir.resolve("results.json");
        Files.writeString(json, "[" + step("full", 64, 500) + "," + step("full", 128, 8000) + "," + step("sparse-4", 32, 20)
                + "," + step("sparse-4", 256, 12_000) + "," + step("immediate", 512, 300) + "]");
        List<Plots.Series> refs = ReportRenderer.slopeReferences(new Measurements(JmhResult.read(json), 16));
        assertEquals(2, refs.size(), "no subset-4, so no O(k^2 n^2) line");
        assertEquals("O(n^4) through full at n = 128", refs.get(0).name());
        assertEquals(32, refs.get(0).x()[0]);
        assertEquals(512, refs.get(0).x()[1]);
        assertEquals(8000 * Math.pow(32 / 128.0, 4), refs.get(0).y()[0], 1e-9);
        assertEquals(8000 * Math.pow(512 / 128.0, 4), refs.get(0).y()[1], 1e-6);
        assertEquals("O(k n^3) through sparse-4 at n = 256", refs.get(1).name());
        assertEquals(12_000 * Math.pow(32 / 256.0, 3), refs.get(1).y()[0], 1e-9);
    }

    /**
     * The machine lines come from the record taken when the results were measured, not from the machine
     * rendering the page; the record is found beside the results and read back whole.
     */
    @Test
    void theMachineIsTheMeasuringOne(@TempDir Path dir) throws IOException {
        Path results = dir.resolve("quick.json");
        assertEquals(dir.resolve("quick-machine.json"), MachineRecord.besides(results));
        MachineRecord recorded = new MachineRecord("2026-01-02T03:04:05Z", "0123456789ab", "Test CPU 9000",
                "family 25, model 17, stepping 1", "fpu fma  avx avx2 sse4_2 avx512f", 8, 1, "3", "25.0.9 (Test VM)", "vector kernels, 256-bit vectors (8 floats), FMA on",
                8, "Linux 6.0 amd64");
        recorded.write(MachineRecord.besides(results));
        MachineRecord read = MachineRecord.read(MachineRecord.besides(results));
        assertEquals(recorded, read);
        Map<String, String> env = BenchmarkReport.environment("bench/run --quick", results.toString(), read, null, null, null, null, null, null, null);
        assertEquals("Test CPU 9000 (family 25, model 17, stepping 1); flags: fma avx avx2 avx512f", env.get("CPU"));
        assertEquals("8 (the measuring JVM could use 1: CPUs 3)", env.get("cores"));
        assertEquals("25.0.9 (Test VM)", env.get("JDK"));
        assertEquals("vector kernels, 256-bit vectors (8 floats), FMA on", env.get("kernels"));
        assertEquals("0123456789ab (when measured)", env.get("commit"));
        assertEquals("2026-01-02T03:04:05Z", env.get("measured"));
    }

    /**
     * A part measured on another CPU than the main results' says so in the header, naming what differs, even
     * under the same model name; a part on the same CPU says nothing, and a record written before the family and
     * model were kept is judged by its vector flags.
     */
    @Test
    void aPartMeasuredOnAnotherCpuSaysSo(@TempDir Path dir) throws IOException {
        MachineRecord main = MemoryCheckTest.machine("family 26, model 2, stepping 0", "fma avx avx2 avx512f avx_vnni avx512_vp2intersect");
        MachineRecord other = MemoryCheckTest.machine("family 25, model 17, stepping 1", "fma avx avx2 avx512f");
        assertEquals("", BenchmarkReport.onAnotherCpu(MemoryCheckTest.machine("family 26, model 2, stepping 0",
                "fpu fma avx avx2 avx512f avx_vnni avx512_vp2intersect"), main));
        assertEquals("", BenchmarkReport.onAnotherCpu(MemoryCheckTest.machine(null, "fma avx avx2 avx512f avx_vnni avx512_vp2intersect"), main));
        assertEquals(" on AMD EPYC (family 25, model 17, stepping 1); flags: fma avx avx2 avx512f, vector kernels, 512-bit "
                + "vectors (16 floats), FMA on (not the main results' CPU: family 25, model 17, stepping 1 in this part "
                + "against family 26, model 2, stepping 0 in the main results; vector flags only in the main results: "
                + "avx512_vp2intersect avx_vnni)", BenchmarkReport.onAnotherCpu(other, main));
        Map<String, String> env = BenchmarkReport.environment("bench/run --full", "bench/results/full.json", main, null, null,
                null, null, null, "bench/results/full-ceilings.json", other);
        assertTrue(env.get("ceilings part").endsWith(BenchmarkReport.onAnotherCpu(other, main)), env.get("ceilings part"));
        env = BenchmarkReport.environment("bench/run --full", "bench/results/full.json", main, null, null,
                null, null, null, "bench/results/full-ceilings.json", main);
        assertFalse(env.get("ceilings part").contains(" on AMD EPYC"), env.get("ceilings part"));
        Path peersFile = dir.resolve("peers.json");
        Files.writeString(peersFile, peersJson(run("SkylakeX", null, denseRow(64, "dense-update", 51_200)), "", ""));
        env = BenchmarkReport.environment("bench/run --full", "bench/results/full.json", main, null, null,
                "bench/results/full-peers.json", Peers.read(peersFile), other, null, null);
        assertTrue(env.get("peers").endsWith("at commit 0123456789ab" + BenchmarkReport.onAnotherCpu(other, main)), env.get("peers"));
    }

    /**
     * The header names a results file inside the checkout by its path there, not by the scratch clone it was
     * written in, and the peers' line says when and at which commit they were measured.
     */
    @Test
    void theHeaderNamesFilesInTheCheckoutAndWhenThePeersWereMeasured(@TempDir Path dir) throws IOException {
        Path root = dir.resolve("clone");
        assertEquals(Path.of("bench", "results", "full.json").toString(),
                BenchmarkReport.shown(root.resolve("bench/results/full.json").toString(), root));
        String outside = dir.resolve("elsewhere.json").toString();
        assertEquals(outside, BenchmarkReport.shown(outside, root));
        assertNull(BenchmarkReport.shown(null, root));
        Path peersFile = dir.resolve("peers.json");
        Files.writeString(peersFile, peersJson(run("SkylakeX", null, denseRow(64, "dense-update", 51_200)), "", ""));
        Map<String, String> env = BenchmarkReport.environment("bench/run --full", "bench/results/full.json", null, null,
                null, "bench/results/full-peers.json", Peers.read(peersFile), null, null, null);
        assertTrue(env.get("peers").startsWith("`bench/results/full-peers.json` (bench/peers.py; "), env.get("peers"));
        assertTrue(env.get("peers").endsWith("; measured 2026-01-02T03:04:05Z at commit 0123456789ab"), env.get("peers"));
    }

    /** The layouts the peers script reads are the engine's: p, paddings and offsets from RnnLayout. */
    @Test
    void peerLayoutsAreTheEngines() {
        Map<String, Integer> at100 = Peers.layout(100);
        assertEquals(PerformanceModel.width(CellKind.VANILLA, 100), (long) at100.get("p"));
        // n = 100 pads to 112 floats a row of W, m = 4 to 16: W is 100 x 112, U 100 x 16, then b.
        assertEquals(112, at100.get("nPad"));
        assertEquals(16, at100.get("mPad"));
        assertEquals(100 * 112, at100.get("uOffset"));
        assertEquals(100 * 112 + 100 * 16, at100.get("bOffset"));
        assertEquals(100 * 112 + 100 * 16 + 112, at100.get("p"));
    }

    private static Targets.Target target(List<Targets.Target> targets, String prefix) {
        return targets.stream().filter(t -> t.what().startsWith(prefix)).findFirst()
                .orElseThrow(() -> new AssertionError("no target starting with " + prefix + " in " + targets));
    }

    /** The probes' rows: a peak of {@code peak} GFLOP/s at 16 lanes, a triad and a copy of 20 GB/s. */
    private static List<String> probeRows(double peak) {
        return List.of(row("org.sparsertrl.bench.PeakProbe.fma", "{}", peak * 1e9 / 32, "ops/s", Double.NaN),
                row("org.sparsertrl.bench.BandwidthProbe.triad", "{}", 20e9 / 12, "ops/s", Double.NaN),
                row("org.sparsertrl.bench.BandwidthProbe.copy", "{}", 20e9 / 8, "ops/s", Double.NaN));
    }

    private static String step(String learner, int n, double micros) {
        return row("org.sparsertrl.bench.StepBenchmark.step", "{\"learner\":\"" + learner + "\",\"n\":\"" + n + "\"}",
                micros, "us/op", 0);
    }

    /**
     * A figure of bench/peers.py at the engine's p for n whose median call took {@code micros}; its mean is
     * made three times that (one stalled call), which the report must not compare.
     */
    private static String denseRow(int n, String what, double micros) {
        long p = PerformanceModel.width(CellKind.VANILLA, n);
        double flops = 2.0 * n * n * p;
        return "{\"n\":" + n + ",\"p\":" + p + ",\"what\":\"" + what + "\",\"microseconds\":" + 3 * micros
                + ",\"medianMicroseconds\":" + micros + ",\"minMicroseconds\":" + micros / 2 + ",\"calls\":10,\"flops\":"
                + flops + ",\"gflops\":" + flops / (3 * micros * 1e3) + "}";
    }

    /** The engine's step of {@code learner} at n in JMH's sample mode: median step {@code median} us, its mean three times that. */
    private static String sampledStep(String learner, int n, double median) {
        return "{\"benchmark\":\"org.sparsertrl.bench.StepBenchmark.step\",\"mode\":\"sample\",\"params\":{\"learner\":\"" + learner + "\","
                + "\"n\":\"" + n + "\"},\"primaryMetric\":{\"score\":" + 3 * median + ",\"scoreError\":1.0,\"scoreUnit\":\"us/op\","
                + "\"scorePercentiles\":{\"0.0\":" + median / 2 + ",\"50.0\":" + median + ",\"100.0\":" + 10 * median + "}}}";
    }

    private static String run(String core, String forcedBy, String results) {
        return "{\"coretype\":\"default\",\"blas\":{\"name\":\"scipy-openblas\",\"version\":\"0.3.31.188.0\",\"core\":\"" + core
                + "\",\"config\":\"OpenBLAS 0.3.31.188.0 DYNAMIC_ARCH " + core + "\",\"threads\":1}"
                + (forcedBy == null ? "" : ",\"forcedBy\":\"" + forcedBy + "\"") + ",\"results\":[" + results + "]}";
    }

    private static String peersJson(String runA, String runB, String sparse) {
        return "{\"available\":true,\"python\":\"3.11.7\",\"numpy\":\"2.4.6\",\"scipy\":\"1.17.1\",\"cpu\":\"Test CPU\","
                + "\"threadVariables\":{\"OPENBLAS_NUM_THREADS\":\"1\"},\"k\":4,\"machine\":{\"measured\":\"2026-01-02T03:04:05Z\","
                + "\"commit\":\"0123456789ab\"},\"runs\":[" + runA
                + (runB.isEmpty() ? "" : "," + runB) + "],\"sparse\":[" + sparse + "]}";
    }

    private static String row(String benchmark, String params, double score, String unit, double bytes) {
        String secondary = Double.isNaN(bytes) ? "{}"
                : "{\"·gc.alloc.rate.norm\":{\"score\":" + bytes + ",\"scoreUnit\":\"B/op\"}}";
        return "{\"benchmark\":\"" + benchmark + "\",\"mode\":\"avgt\",\"params\":" + params
                + ",\"primaryMetric\":{\"score\":" + score + ",\"scoreError\":\"NaN\",\"scoreUnit\":\"" + unit + "\"},"
                + "\"secondaryMetrics\":" + secondary + "}";
    }
}
