package org.sparsertrl.harness.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.sparsertrl.harness.cli.CommandRun.ok;

/**
 * {@code rtrl train --data}, {@code --resume} and {@code rtrl predict} on a generated CSV, through
 * the command line as a user runs them: a saved model predicts a series that needs memory better
 * than a readout-only model and a memoryless predictor can, a resumed run continues bit for bit as
 * the uninterrupted one, and bad input is one line of error with exit code 2.
 */
class OwnDataTest {

    @TempDir
    Path dir;

    @Test
    void savedModelPredictsWhatNeedsMemory() throws IOException {
        Path train = dir.resolve("train.csv"), test = dir.resolve("test.csv");
        ok("generate", "--rows", "12000", "--delay", "2", "--seed", "1", "--out", train.toString());
        ok("generate", "--rows", "3000", "--delay", "2", "--seed", "2", "--out", test.toString());
        Path plot = dir.resolve("loss.png");
        double sparse = trainAndPredict(train, test, "sparse", "--k", "4", "--plot", plot.toString());
        byte[] png = Files.readAllBytes(plot);
        assertTrue(png.length > 1000 && png[1] == 'P' && png[2] == 'N' && png[3] == 'G', "not a PNG: " + plot);
        double readout = trainAndPredict(train, test, "readout-only");
        // y_t = x_{t-2} with x Gaussian: a memoryless predictor's best mean squared error is var(y) = 1.
        double variance = variance(column(test, 1));
        assertTrue(sparse < 0.1 * variance, "sparse RTRL " + sparse + " against the memoryless " + variance);
        assertTrue(sparse < 0.5 * readout, "sparse RTRL " + sparse + " against readout-only " + readout);
    }

    /** Trains on {@code train}, predicts {@code test} with the saved model, returns the MSE of the written predictions. */
    private double trainAndPredict(Path train, Path test, String method, String... more) throws IOException {
        Path model = dir.resolve(method + ".ckpt"), out = dir.resolve(method + "-predictions.csv");
        List<String> args = new ArrayList<>(List.of("train", "--data", train.toString(), "--n", "16", "--method", method,
                "--save", model.toString(), "--print-every", "100000"));
        args.addAll(List.of(more));
        ok(args.toArray(String[]::new));
        String printed = ok("predict", "--model", model.toString(), "--data", test.toString(), "--out", out.toString());
        assertTrue(printed.contains("3000 rows from"), printed);
        List<String> lines = Files.readAllLines(out);
        assertEquals("row,y,y_predicted", lines.getFirst());
        assertEquals(3001, lines.size());
        double sum = 0;
        for (String line : lines.subList(1, lines.size())) {
            String[] f = line.split(",");
            double e = Double.parseDouble(f[2]) - Double.parseDouble(f[1]);
            sum += e * e;
        }
        return sum / (lines.size() - 1);
    }

    @Test
    void resumedRunContinuesBitForBit() throws IOException {
        Path all = dir.resolve("all.csv"), first = dir.resolve("first.csv"), second = dir.resolve("second.csv");
        ok("generate", "--rows", "3000", "--delay", "2", "--seed", "3", "--out", all.toString());
        List<String> lines = Files.readAllLines(all);
        int split = 1700;
        Files.write(first, lines.subList(0, split + 1));
        List<String> rest = new ArrayList<>(List.of(lines.getFirst()));
        rest.addAll(lines.subList(split + 1, lines.size()));
        Files.write(second, rest);
        String[] learner = {"--n", "12", "--k", "3", "--selection", "random-fixed", "--normalize", "--print-every", "100000"};
        Path whole = dir.resolve("whole.ckpt"), parts = dir.resolve("parts.ckpt");
        Path wholeOut = dir.resolve("whole.csv"), partsOut = dir.resolve("parts.csv");
        ok(CommandRun.concat(new String[] {"train", "--data", all.toString(), "--save", whole.toString(),
                "--predictions", wholeOut.toString()}, learner));
        ok(CommandRun.concat(new String[] {"train", "--data", first.toString(), "--save", parts.toString()}, learner));
        String resumed = ok("train", "--data", second.toString(), "--resume", parts.toString(), "--save", parts.toString(),
                "--predictions", partsOut.toString(), "--print-every", "100000");
        assertTrue(resumed.contains("resumed from " + parts + " after 1700 rows"), resumed);
        assertArrayEquals(Files.readAllBytes(whole), Files.readAllBytes(parts), "the checkpoints differ");
        assertEquals(withoutDate(ModelFile.sidecar(whole)), withoutDate(ModelFile.sidecar(parts)));
        List<String> expected = Files.readAllLines(wholeOut), actual = Files.readAllLines(partsOut);
        assertEquals(lines.size() - 1 - split, actual.size() - 1);
        for (int r = 1; r < actual.size(); r++) {
            // The row number restarts with the file; the target and prediction must be the same strings.
            assertEquals(expected.get(split + r).replaceFirst("^\\d+,", ""), actual.get(r).replaceFirst("^\\d+,", ""),
                    "row " + (split + r));
        }
    }

    private static List<String> withoutDate(Path meta) throws IOException {
        return Files.readAllLines(meta).stream().filter(l -> !l.startsWith("#")).toList();
    }

    @Test
    void generatedTargetsAreTheirInputsDelayed() throws IOException {
        Path data = dir.resolve("wide.csv");
        List<String> lines = CommandRun.generate(data, "--rows", "50", "--inputs", "3", "--targets", "2", "--delay", "2");
        assertEquals("x1,x2,x3,y1,y2", lines.getFirst());
        assertEquals(51, lines.size());
        for (int t = 2; t < 50; t++) {
            String[] now = lines.get(t + 1).split(","), before = lines.get(t - 1).split(",");
            assertEquals(before[0], now[3], "y1 at row " + t);
            assertEquals(before[1], now[4], "y2 at row " + t);
        }
    }

    @Test
    void badRowsAreOneLineErrorsNamingLineAndColumn() throws IOException {
        assertError(csv("x,y", "1,2", "3,abc"), "line 3: column 'y': 'abc' is not a number");
        assertError(csv("x,y", "1,2", "NaN,2"), "line 3: column 'x': 'NaN' is not finite");
        assertError(csv("x,y", "1,2", "1,2", "1,2,3"), "line 4: more than the header's 2 fields");
        assertError(csv("x,y", "1"), "line 2: 1 fields, the header has 2");
        assertError(csv(), "empty file");
        assertError(csv("x,y"), "no usable data rows");
        Path data = csv("x,y", "1,2");
        assertError(data, "no column 'z' (--targets)", "--targets", "z");
        assertError(data, "no column 'q' (--inputs)", "--inputs", "q");
    }

    @Test
    void skippedRowsAreCountedAndReported() throws IOException {
        Path data = csv("x,y", "1,2", "3,abc", "4,5", "", "6,7");
        Path out = dir.resolve("p.csv");
        String printed = ok("train", "--data", data.toString(), "--n", "4", "--k", "1", "--skip-bad-rows",
                "--predictions", out.toString());
        assertTrue(printed.contains("3 rows from " + data + ", mean loss"), printed);
        assertTrue(printed.contains("skipped 2 bad rows (first: " + data + " line 3: column 'y': 'abc' is not a number)"),
                printed);
        assertEquals(4, Files.readAllLines(out).size());
    }

    @Test
    void mismatchedModelsAndOptionsAreOneLineErrors() throws IOException {
        Path data = csv("a,b,y", "1,2,3", "4,5,6");
        Path model = dir.resolve("m.ckpt");
        ok("train", "--data", data.toString(), "--n", "4", "--k", "1", "--save", model.toString());
        Path other = csv("a,y", "1,2");
        assertError(other, "no column 'b' (--inputs)", "--resume", model.toString());
        assertError(data, "the saved model has --seed 1 (asked: 5)", "--resume", model.toString(), "--seed", "5");
        assertOneLineError(CommandRun.of("predict", "--model", model.toString(), "--data", data.toString(), "--out",
                dir.resolve("o.csv").toString(), "--inputs", "b,a"), "was trained on inputs a,b and targets y");
        assertOneLineError(CommandRun.of("predict", "--model", dir.resolve("none.ckpt").toString(), "--data", data.toString(),
                "--out", dir.resolve("o.csv").toString()), "none.ckpt: no such model file");
        // A sidecar from another save (here: after one row) does not belong to this checkpoint.
        Path early = dir.resolve("early.ckpt");
        ok("train", "--data", csv("a,b,y", "1,2,3").toString(), "--n", "4", "--k", "1", "--save", early.toString());
        Files.copy(ModelFile.sidecar(early), ModelFile.sidecar(model), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        assertOneLineError(CommandRun.of("predict", "--model", model.toString(), "--data", data.toString(), "--out",
                dir.resolve("o.csv").toString()), "the checkpoint has 2 updates, its sidecar m.ckpt.meta 1; they were not saved together");
        Files.delete(ModelFile.sidecar(model));
        assertOneLineError(CommandRun.of("predict", "--model", model.toString(), "--data", data.toString(), "--out",
                dir.resolve("o.csv").toString()), "m.ckpt.meta: missing");
        assertOneLineError(CommandRun.of("train", "--data", data.toString(), "--checkpoint-every", "10"), "--checkpoint-every needs --save");
        assertOneLineError(CommandRun.of("train", "--save", model.toString()), "--save needs --data");
        assertOneLineError(CommandRun.of("train", "--data", dir.resolve("absent.csv").toString()), "absent.csv: no such file");
        assertFalse(Files.exists(dir.resolve("o.csv")));
    }

    private void assertError(Path data, String expected, String... more) {
        Path out = dir.resolve("bad-predictions.csv");
        List<String> args = new ArrayList<>(List.of("train", "--data", data.toString(), "--n", "4", "--k", "1",
                "--predictions", out.toString()));
        args.addAll(List.of(more));
        assertOneLineError(CommandRun.of(args.toArray(String[]::new)), expected);
        // Nothing written half-way: the predictions go to a temporary file, renamed only at the end.
        assertFalse(Files.exists(out), "predictions written despite the error");
        assertFalse(Files.exists(dir.resolve("bad-predictions.csv.tmp")), "temporary predictions left behind");
    }

    private static void assertOneLineError(CommandRun r, String expected) {
        assertEquals(2, r.exit(), r.output());
        List<String> errors = r.output().lines().filter(l -> l.startsWith("error:")).toList();
        assertEquals(1, errors.size(), r.output());
        assertTrue(errors.getFirst().contains(expected), r.output());
        assertFalse(r.output().contains("\tat "), "a stack trace: " + r.output());
    }

    private Path csv(String... lines) throws IOException {
        Path file = Files.createTempFile(dir, "data", ".csv");
        Files.write(file, List.of(lines));
        return file;
    }

    private static List<Double> column(Path csv, int index) throws IOException {
        return Files.readAllLines(csv).stream().skip(1).map(l -> Double.parseDouble(l.split(",")[index])).toList();
    }

    private static double variance(List<Double> values) {
        double mean = values.stream().mapToDouble(Double::doubleValue).average().orElseThrow();
        return values.stream().mapToDouble(v -> (v - mean) * (v - mean)).average().orElseThrow();
    }
}
