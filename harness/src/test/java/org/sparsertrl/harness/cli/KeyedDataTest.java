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
 * {@code rtrl train --key}: one model per key, each the same as a model trained alone on that key's
 * rows, saved as one file pair per key and resumed bit for bit; {@code --quiet}; and the Mackey-Glass
 * series of {@code rtrl generate}.
 */
class KeyedDataTest {

    @TempDir
    Path dir;

    @Test
    void eachKeysModelIsTheModelOfItsRowsAlone() throws IOException {
        Path all = dir.resolve("all.csv");
        List<String> lines = CommandRun.generate(all, "--series", "mackey-glass", "--keys", "3", "--rows", "400", "--horizon", "3");
        assertEquals("series,x,y", lines.getFirst());
        assertEquals(1 + 3 * 400, lines.size());
        String[] learner = {"--n", "8", "--k", "2", "--normalize", "--print-every", "100000"};
        Path models = dir.resolve("models");
        String printed = ok(CommandRun.concat(new String[] {"train", "--data", all.toString(), "--key", "series", "--save",
                models.toString()}, learner));
        assertTrue(printed.contains("1200 rows from " + all + ", 3 keys"), printed);
        for (String key : List.of("s1", "s2", "s3")) {
            assertTrue(printed.lines().anyMatch(l -> l.matches(key + " +400 .*")), "a summary row for " + key + ": " + printed);
        }
        // s2's rows alone, without the key column, trained as one model, give the same files.
        List<String> s2 = new ArrayList<>(List.of("x,y"));
        lines.stream().filter(l -> l.startsWith("s2,")).map(l -> l.substring(3)).forEach(s2::add);
        Path alone = dir.resolve("s2.csv"), model = dir.resolve("alone.ckpt");
        Files.write(alone, s2);
        ok(CommandRun.concat(new String[] {"train", "--data", alone.toString(), "--save", model.toString()}, learner));
        assertArrayEquals(Files.readAllBytes(model), Files.readAllBytes(models.resolve("s2.ckpt")), "s2's checkpoint");
        assertEquals(Files.readString(ModelFile.sidecar(model)).lines().filter(l -> !l.startsWith("#")).toList(),
                Files.readString(models.resolve("s2.ckpt.meta")).lines().filter(l -> !l.startsWith("#")).toList(), "s2's sidecar");

        // Cut in two and resumed: every key's files equal the uninterrupted run's.
        int split = 1 + 700;
        Path first = dir.resolve("first.csv"), second = dir.resolve("second.csv"), parts = dir.resolve("parts");
        Files.write(first, lines.subList(0, split));
        List<String> rest = new ArrayList<>(List.of(lines.getFirst()));
        rest.addAll(lines.subList(split, lines.size()));
        Files.write(second, rest);
        ok(CommandRun.concat(new String[] {"train", "--data", first.toString(), "--key", "series", "--save", parts.toString()}, learner));
        ok("train", "--data", second.toString(), "--key", "series", "--resume", parts.toString(), "--save", parts.toString(),
                "--print-every", "100000");
        for (String key : List.of("s1", "s2", "s3")) {
            assertArrayEquals(Files.readAllBytes(models.resolve(key + ".ckpt")), Files.readAllBytes(parts.resolve(key + ".ckpt")),
                    key + " resumed");
        }

        // predict --key sends each row to its key's model, and names a key it has no model for.
        Path out = dir.resolve("predictions.csv");
        String predicted = ok("predict", "--model", models.toString(), "--key", "series", "--data", all.toString(), "--out", out.toString());
        assertTrue(predicted.contains("1200 rows from " + all + ", 3 keys"), predicted);
        assertEquals("row,series,y,y_predicted", Files.readAllLines(out).getFirst());
        Path unknown = dir.resolve("unknown.csv");
        Files.write(unknown, List.of("series,x,y", "s1,1,1", "s9,1,1"));
        CommandRun r = CommandRun.of("predict", "--model", models.toString(), "--key", "series", "--data", unknown.toString(),
                "--out", dir.resolve("never.csv").toString());
        assertEquals(2, r.exit(), r.output());
        assertTrue(r.output().contains("line 3: no model for series 's9'"), r.output());
        assertFalse(Files.exists(dir.resolve("never.csv")));
    }

    @Test
    void keysThatAreNoSafeFileNamesAreEncoded() {
        assertEquals("a%2Fb+c.ckpt", DataRun.keyFile(dir, "a/b c").getFileName().toString());
        assertEquals("..ckpt", DataRun.keyFile(dir, ".").getFileName().toString());
        assertEquals(dir, DataRun.keyFile(dir, "../x").getParent());
        assertEquals("a/b c", DataRun.keyOf(DataRun.keyFile(dir, "a/b c")));
    }

    @Test
    void quietPrintsOnlyTheSummary() throws IOException {
        Path data = dir.resolve("d.csv");
        ok("generate", "--rows", "500", "--out", data.toString());
        List<String> loud = ok("train", "--data", data.toString(), "--n", "4", "--k", "1", "--print-every", "100").lines().toList();
        List<String> quiet = ok("train", "--data", data.toString(), "--n", "4", "--k", "1", "--print-every", "100", "--quiet")
                .lines().filter(l -> !l.startsWith("WARNING") && !l.contains("KernelProvider") && !l.startsWith("INFO")).toList();
        assertTrue(loud.stream().anyMatch(l -> l.matches(" +100 .*")), "a periodic line: " + loud);
        assertEquals(1, quiet.size(), "only the summary: " + quiet);
        assertTrue(quiet.getFirst().startsWith("500 rows from " + data + ", mean loss"), quiet.toString());
    }

    @Test
    void mackeyGlassTargetsAreTheSeriesHRowsAhead() throws IOException {
        Path data = dir.resolve("mg.csv");
        int horizon = 4;
        ok("generate", "--series", "mackey-glass", "--rows", "3000", "--horizon", Integer.toString(horizon), "--out", data.toString());
        List<String> lines = Files.readAllLines(data);
        assertEquals("x,y", lines.getFirst());
        double[] x = new double[lines.size() - 1], y = new double[x.length];
        for (int t = 0; t < x.length; t++) {
            String[] f = lines.get(t + 1).split(",");
            x[t] = Double.parseDouble(f[0]);
            y[t] = Double.parseDouble(f[1]);
            assertTrue(x[t] > 0.1 && x[t] < 2, "row " + t + ": x = " + x[t] + " outside the attractor's range");
        }
        for (int t = 0; t + horizon < x.length; t++) {
            assertEquals(x[t + horizon], y[t], 0, "y at row " + t);
        }
        // The equation, checked between samples: dx/dt = 0.2 x(t - 17) / (1 + x(t - 17)^10) - 0.1 x(t) before
        // the shift (row 1500), by central differences, which sampling once per time unit makes coarse.
        double worst = 0;
        for (int t = 100; t < 1400; t++) {
            double d = x[t - 17];
            double slope = (x[t + 1] - x[t - 1]) / 2, rhs = 0.2 * d / (1 + Math.pow(d, 10)) - 0.1 * x[t];
            worst = Math.max(worst, Math.abs(slope - rhs));
        }
        assertTrue(worst < 0.005, "largest gap between the sampled slope and the equation: " + worst);
    }
}
