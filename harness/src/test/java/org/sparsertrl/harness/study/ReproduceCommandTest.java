package org.sparsertrl.harness.study;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparsertrl.harness.cli.CommandRun;
import org.sparsertrl.harness.cli.Main;
import org.sparsertrl.harness.report.ResultFiles;
import org.sparsertrl.harness.report.RunRecord;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The reproduce command end to end, on a miniature protocol: n = 8, a few hundred steps, 2 seeds. */
class ReproduceCommandTest {

    static final String[] MINIATURE = {"--seeds", "2", "--tuning-seeds", "1", "--rates", "1e-3,3e-3", "--sgd-rates",
        "1e-2", "--n", "8", "--ks", "1,2,4", "--k", "2", "--scaling-sizes", "4,8", "--spectral-sizes", "4,8",
        "--pretrain-steps", "300", "--adapt-steps", "200", "--lorenz-n", "8", "--spectral-steps", "100",
        "--spectral-every", "10", "--align-sizes", "4,8", "--align-burn-in", "10", "--align-steps", "20",
        "--align-every", "10", "--bci-n", "8", "--scope-n", "8", "--lstm-n", "4", "--scope-sequences", "100",
        "--resamples", "200", "--tf-d-model", "6", "--tf-context", "4", "--tf-seeds", "2", "--tf-pretrain-steps", "100",
        "--tf-adapt-steps", "60", "--tf-rates", "1e-3", "--no-progress"};

    static final List<String> PLOTS = List.of("adaptation-recovery.png", "adaptation-loss.png", "adaptation-rates.png",
            "scaling-recovery.png", "scaling-time.png", "lorenz-loss.png", "spectral-condition.png", "alignment-k.png",
            "alignment-time.png", "alignment-recovery.png",
            "bci-before.png", "bci-after.png", "baselines.png", "lstm-loss.png", "scope.png", "transformer-recovery.png",
            "transformer-loss.png");

    @Test
    void miniatureRunWritesEveryFileAndTheRawResultsReadBack(@TempDir Path dir) throws IOException {
        CommandRun result = CommandRun.of(CommandRun.concat(new String[] {"reproduce", "--out", dir.toString()}, MINIATURE));
        assertEquals(0, result.exit(), result.output());
        assertTrue(result.output().contains("| verdict | claim | paper | ours |"), result.output());
        for (String file : List.of("report.md", "results.csv", "results.json")) {
            assertTrue(Files.size(dir.resolve(file)) > 0, file);
        }
        for (String plot : PLOTS) {
            byte[] png = Files.readAllBytes(dir.resolve("plots").resolve(plot));
            assertTrue(png.length > 1000 && png[1] == 'P' && png[2] == 'N' && png[3] == 'G', plot + " is a PNG");
        }
        String report = Files.readString(dir.resolve("report.md"));
        for (String section : List.of("## adaptation", "## selection", "## scaling", "## optimizer", "## lorenz",
                "## spectral", "## alignment", "## subset", "## precision", "## bci", "## baselines", "## scope", "## lstm", "## transformer",
                "### Head specialisation", "## Protocol",
                "## The paper's claims beside ours", "## What we had to guess", "### Which tasks separate the learners")) {
            assertTrue(report.contains(section), "report has " + section);
        }
        for (String plot : PLOTS) {
            assertTrue(report.contains("(plots/" + plot + ")"), "report links " + plot);
        }

        List<RunRecord> json = ResultFiles.readJson(dir.resolve("results.json"));
        List<RunRecord> csv = ResultFiles.readCsv(dir.resolve("results.csv"));
        assertTrue(json.size() > 50, "rows: " + json.size());
        assertEquals(json.size(), csv.size());
        for (int i = 0; i < json.size(); i++) {
            RunRecord a = json.get(i), b = csv.get(i);
            String at = "row " + i + " " + a.study() + " " + a.method();
            assertEquals(a.study(), b.study(), at);
            assertEquals(a.role(), b.role(), at);
            assertEquals(a.task(), b.task(), at);
            assertEquals(a.cell(), b.cell(), at);
            assertEquals(a.method(), b.method(), at);
            assertEquals(a.n(), b.n(), at);
            assertEquals(a.k(), b.k(), at);
            assertEquals(a.seed(), b.seed(), at);
            assertEquals(a.rate(), b.rate(), at);
            assertEquals(a.shift(), b.shift(), at);
            assertEquals(a.lossBefore(), b.lossBefore(), at);
            assertEquals(a.loss(), b.loss(), at);
            assertEquals(a.lossFirst(), b.lossFirst(), at);
            assertEquals(a.lossLast(), b.lossLast(), at);
            assertEquals(a.microsPerStep(), b.microsPerStep(), at);
            assertEquals(a.divergedAt(), b.divergedAt(), at);
            assertEquals(a.note(), b.note(), at);
            assertEquals(a.rho(), b.rho(), at);
            assertEquals(a.kappaW(), b.kappaW(), at);
            assertEquals(a.minD(), b.minD(), at);
            assertEquals(a.medianD(), b.medianD(), at);
            assertEquals(a.kappaJacobian(), b.kappaJacobian(), at);
            assertEquals(a.cosine(), b.cosine(), at);
            assertEquals(a.cosineAll(), b.cosineAll(), at);
            assertEquals(a.normRatio(), b.normRatio(), at);
            assertEquals(a.signAgreement(), b.signAgreement(), at);
            assertEquals(a.sensitivityError(), b.sensitivityError(), at);
        }
        assertTrue(json.stream().anyMatch(r -> r.study().equals("spectral") && r.kappaJacobian() != null));
        assertTrue(json.stream().filter(r -> r.study().equals("adaptation")).allMatch(r -> r.curve() != null
                && r.curve().length == 40), "adaptation rows carry their loss curves");
        for (String control : List.of("frozen", "readout-only", "immediate (k=0)", "truncated BPTT T=1", "full RTRL")) {
            for (String study : List.of("adaptation", "selection", "scaling", "optimizer", "lorenz", "subset", "bci",
                    "baselines", "lstm")) {
                assertTrue(json.stream().anyMatch(r -> r.study().equals(study) && r.method().equals(control)
                        && Boolean.FALSE.equals(r.shift()) && "evaluation".equals(r.role())),
                        study + " has a no-shift evaluation row of " + control);
            }
        }
        assertTrue(json.stream().anyMatch(r -> "tuning".equals(r.role()) && r.seed() == 1001), "tuning rows on the tuning seeds");
        assertTrue(json.stream().noneMatch(r -> "evaluation".equals(r.role()) && r.seed() > 2), "evaluation seeds are 1 and 2");
        for (String control : List.of("frozen", "readout-only", "s=0 (no transport)", "s=1/6", "s=1/3", "s=1/2", "dense (s=1)")) {
            for (String task : List.of("product", "delay", "sine")) {
                assertTrue(json.stream().anyMatch(r -> r.study().equals("transformer") && r.task().equals(task)
                        && r.method().equals(control) && Boolean.FALSE.equals(r.shift()) && "evaluation".equals(r.role())),
                        "transformer " + task + " has a no-shift evaluation row of " + control);
            }
        }
        assertTrue(result.output().contains("transformer: 50 % head sparsity outperforms dense transport"), result.output());
        for (String study : List.of("adaptation", "selection", "optimizer", "lorenz", "subset", "bci", "baselines", "lstm",
                "transformer")) {
            int at = report.indexOf("## " + study);
            assertTrue(report.indexOf("damage without a shift", at) > at && report.indexOf("| readout-only |", at) > at,
                    study + "'s table has the no-shift column and the readout-only row");
        }
    }

    /**
     * The alignment study alone on the sine task, whose miniature pre-training succeeds (the product
     * task's fails at 300 steps, which leaves the main miniature's alignment table undefined): every
     * learner has a row on every seed, size and initialisation, and sparse RTRL with every path has
     * full RTRL's gradient.
     */
    @Test
    void alignmentStudyMeasuresEveryLearnerOnBothInitialisations(@TempDir Path dir) throws IOException {
        CommandRun result = CommandRun.of(CommandRun.concat(new String[] {"reproduce", "--study", "alignment", "--task", "sine", "--out",
            dir.toString()}, MINIATURE));
        assertEquals(0, result.exit(), result.output());
        assertTrue(result.output().contains("(ours) cosine of sparse k=4 (random paths) with full RTRL's gradient"),
                result.output());
        List<RunRecord> rows = ResultFiles.readJson(dir.resolve("results.json")).stream()
                .filter(r -> r.study().equals("alignment")).toList();
        for (String cell : List.of("vanilla orthogonal", "vanilla gaussian")) {
            for (int n : new int[] {4, 8}) {
                for (String method : List.of("sparse k=1", "sparse k=2 bottom-k", "subset k=2", "immediate (k=0)", "SnAp-1",
                        "UORO", "RFLO", "truncated BPTT T=4", "sparse k=" + n)) {
                    long seeds = rows.stream().filter(r -> r.cell().equals(cell) && r.n() == n && r.method().equals(method)
                            && r.cosine() != null && r.cosineAll() != null && r.normRatio() != null
                            && r.signAgreement() != null).count();
                    assertEquals(2, seeds, cell + ", n = " + n + ", " + method);
                }
            }
        }
        assertTrue(rows.stream().filter(r -> r.method().equals("sparse k=" + r.n()))
                .allMatch(r -> Math.abs(r.cosine() - 1) < 1e-4 && r.sensitivityError() < 1e-4), "sparse k = n is full RTRL");
        assertTrue(rows.stream().filter(r -> r.method().startsWith("truncated BPTT")).allMatch(r -> r.sensitivityError() == null),
                "truncated BPTT keeps no J");
        assertTrue(rows.stream().filter(r -> !r.method().startsWith("truncated BPTT")).allMatch(r -> r.sensitivityError() != null
                && r.sensitivityError() >= 0), "every other learner's J is compared on the rows it keeps (a subset's k rows)");
        String report = Files.readString(dir.resolve("report.md"));
        assertTrue(report.contains("What the figures say about the paper's mechanism. With the orthogonal initialisation, "
                + "the gradient carried through k = 4 random paths"), report);
    }

    @Test
    void sameCommandSameNumbers(@TempDir Path dir) throws IOException {
        String[] args = CommandRun.concat(new String[] {"reproduce", "--study", "adaptation,lorenz"}, MINIATURE);
        assertEquals(0, CommandRun.of(CommandRun.concat(args, new String[] {"--out", dir.resolve("a").toString()})).exit());
        assertEquals(0, CommandRun.of(CommandRun.concat(args, new String[] {"--out", dir.resolve("b").toString(), "--threads", "1"})).exit());
        List<RunRecord> a = ResultFiles.readJson(dir.resolve("a/results.json"));
        List<RunRecord> b = ResultFiles.readJson(dir.resolve("b/results.json"));
        assertEquals(a.size(), b.size());
        for (int i = 0; i < a.size(); i++) {
            assertEquals(a.get(i).loss(), b.get(i).loss(), "loss of row " + i + " with 2 threads and with 1");
            assertEquals(a.get(i).rate(), b.get(i).rate(), "rate of row " + i);
            assertArrayEquals(a.get(i).curve(), b.get(i).curve(), "curve of row " + i);
        }
        // Every interval and verdict too: the reports differ only in their provenance lines.
        List<String> reportA = withoutProvenance(dir.resolve("a/report.md")), reportB = withoutProvenance(dir.resolve("b/report.md"));
        assertEquals(reportA, reportB);
    }

    private static List<String> withoutProvenance(Path report) throws IOException {
        return Files.readAllLines(report).stream().filter(line -> !line.startsWith("- command:")
                && !line.startsWith("- started:") && !line.startsWith("- time taken:")).toList();
    }

    @Test
    void bciStudyRunsOnNwbFiles(@TempDir Path dir) throws IOException {
        Path a = dir.resolve("a.nwb"), b = dir.resolve("b.nwb");
        // Two small sessions: 4 units with regular spikes, a hand moving in a circle.
        writeSession(a, 4, 0.0);
        writeSession(b, 4, 0.3);
        CommandRun result = CommandRun.of("reproduce", "--study", "bci", "--nwb", a.toString(), b.toString(), "--seeds", "2",
                "--bci-n", "8", "--k", "2", "--ks", "1,2", "--pretrain-steps", "300", "--adapt-steps", "200",
                "--no-progress", "--out", dir.resolve("out").toString());
        assertEquals(0, result.exit(), result.output());
        String report = Files.readString(dir.resolve("out/report.md"));
        assertTrue(report.contains("NWB files"), "the report names the files");
        assertTrue(report.contains("(NWB)"), "the claim says the figure comes from NWB files");
        assertTrue(ResultFiles.readCsv(dir.resolve("out/results.csv")).stream().anyMatch(r -> r.study().equals("bci")));
    }

    /** A session of {@code units} units firing faster when the hand moves along their axis, shifted by {@code phase}. */
    private static void writeSession(Path file, int units, double phase) throws IOException {
        double duration = 20, dt = 0.01;
        double[][] spikes = new double[units][];
        java.util.SplittableRandom random = new java.util.SplittableRandom(Double.doubleToLongBits(phase));
        for (int u = 0; u < units; u++) {
            java.util.List<Double> times = new java.util.ArrayList<>();
            for (double t = 0; t < duration; t += 0.001) {
                double rate = 10 + 20 * Math.max(0, Math.cos(2 * Math.PI * t / 2 + u * Math.PI / 2 + phase));
                if (random.nextDouble() < rate * 0.001) {
                    times.add(t);
                }
            }
            spikes[u] = times.stream().mapToDouble(Double::doubleValue).toArray();
        }
        BciTaskTest.writeFixture(file, spikes, "processing/behavior/Position/hand", 0, duration, dt);
    }

    @Test
    void unknownStudyExitsNonZeroAndListsTheValidOnes(@TempDir Path dir) {
        CommandRun result = CommandRun.of("reproduce", "--study", "bogus", "--out", dir.toString());
        assertNotEquals(0, result.exit());
        assertTrue(result.output().contains("unknown study 'bogus'; valid: adaptation, selection, scaling, optimizer, "
                + "lorenz, spectral, alignment, subset, precision, bci, baselines, scope, lstm"), result.output());
    }

    @Test
    void badOptionsExitNonZeroWithAMessage(@TempDir Path dir) {
        CommandRun seeds = CommandRun.of("reproduce", "--seeds", "0", "--out", dir.toString());
        assertNotEquals(0, seeds.exit());
        assertTrue(seeds.output().contains("--seeds = 0 must be >= 2"), seeds.output());
        for (String[] bad : new String[][] {{"--product-lag-before", "0"}, {"--delay-lag-after", "-3"}, {"--rates", "0"},
            {"--tbptt-windows", "0"}, {"--max-damage", "1"}, {"--tuning-seeds", "0"}, {"--first-tuning-seed", "2"},
            {"--task", "lorenz"}, {"--init", "uniform"}, {"--inputs", "poisson"}, {"--gain", "NaN"},
            {"--lorenz-substeps", "0"}, {"--bci-lost", "1.5"}, {"--bci-walk", "-1"}, {"--seeds", "1"},
            {"--tf-heads", "5"}, {"--tf-fractions", "0.25"}, {"--tf-context", "0"}, {"--tf-task", "lorenz"},
            {"--tf-specialised-fraction", "0.25"}}) {
            CommandRun r = CommandRun.of("reproduce", bad[0], bad[1], "--out", dir.toString());
            assertNotEquals(0, r.exit(), String.join(" ", bad));
            String first = r.output().lines().findFirst().orElse("");
            assertTrue(first.contains(bad[0]) && first.contains(bad[1]), "the first line names the option and the value: "
                    + String.join(" ", bad) + " -> " + r.output());
            assertEquals(2, r.output().lines().count(), "the error and where to look, no more: " + r.output());
        }
        CommandRun both = CommandRun.of("reproduce", "--quick", "--full");
        assertNotEquals(0, both.exit());
        assertTrue(both.output().contains("mutually exclusive"), both.output());
        CommandRun unknown = CommandRun.of("reproduce", "--bogus");
        assertNotEquals(0, unknown.exit());
        assertTrue(unknown.output().contains("Unknown option: '--bogus'"), unknown.output());
    }
}
