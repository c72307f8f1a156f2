package org.sparsertrl.harness.cli;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.sparsertrl.engine.train.OnlineTrainer;
import org.sparsertrl.harness.report.Plots;

/**
 * One pass of a model over a CSV stream, shared by {@code rtrl train --data} and {@code rtrl
 * predict}: each row is read, normalised if the model asks for it, and stepped (learning) or run
 * forward (predicting); the running loss is printed every so many rows, the prediction of each row
 * written beside its target, and the model saved at the end and every so many rows.
 *
 * <p>With a key column ({@code --key}) every distinct key has a model of its own, made when the key
 * first appears (or loaded, when resuming), with its own normalisation and row count; the printed
 * lines are over all rows, and a table per key closes the run. The models of a keyed run live in a
 * directory, one pair of files per key: {@code DIR/KEY.ckpt} and {@code DIR/KEY.ckpt.meta}, the key
 * URL-encoded (UTF-8; letters, digits and {@code . - * _} stay as they are, a space becomes
 * {@code +}, anything else {@code %XX}), so that any key is one safe file name.
 */
final class DataRun {

    /**
     * What the pass does besides stepping. {@code save} is a file, or with a key a directory; {@code
     * quiet} leaves out the periodic lines (the closing summary stays).
     */
    record Settings(boolean learn, int printEvery, Path save, long checkpointEvery, Path predictions, Path plot,
                    boolean quiet) {
    }

    /** Where the models of a run come from: one, or one per key made or loaded on first sight. */
    interface Models {
        /** The key column's name, or null for a run of one model. */
        String keyColumn();

        /** The model of {@code key} ({@code ""} without a key column); throws if it cannot be had. */
        Model open(String key) throws IOException;
    }

    /** One model of the run: its trainer and description, and its figures so far. */
    static final class Model {
        final String key;
        final OnlineTrainer trainer;
        final ModelFile file;
        final RunningStats stats;
        long rows;
        long seen;
        double total;
        double recent = Double.NaN;
        double block;
        double[] blocks = new double[0];
        int blockCount;

        Model(String key, OnlineTrainer trainer, ModelFile file) {
            this.key = key;
            this.trainer = trainer;
            this.file = file;
            this.stats = file.stats();
            this.rows = file.rows();
        }
    }

    /** Rows per point of the loss plot: the plot shows the mean loss over each block of this many rows. */
    static final int PLOT_BLOCK = 100;

    /** Rows over which the per-key table's recent loss is averaged (exponentially). */
    static final int RECENT_ROWS = 100;

    /** The most keys a plot draws (one line each); the table lists them all. */
    static final int PLOT_KEYS = 8;

    private DataRun() {
    }

    /** The default columns: targets the last column, inputs every other column. */
    static List<String> defaultInputs(List<String> header, List<String> targets) {
        List<String> inputs = new ArrayList<>(header);
        inputs.removeAll(targets);
        return inputs;
    }

    /** The file of {@code key}'s model in a keyed run's directory (see the class comment). */
    static Path keyFile(Path directory, String key) {
        String name = URLEncoder.encode(key, StandardCharsets.UTF_8) + ".ckpt";
        if (name.length() > 200) {
            throw new IllegalArgumentException("key '" + key.substring(0, 40) + "...': too long for a file name ("
                    + name.length() + " characters encoded, at most 200)");
        }
        return directory.resolve(name);
    }

    /** The key whose model {@code file} holds, or null if it is not a keyed run's model file. */
    static String keyOf(Path file) {
        String name = file.getFileName().toString();
        return name.endsWith(".ckpt") && name.length() > 5
                ? URLDecoder.decode(name.substring(0, name.length() - 5), StandardCharsets.UTF_8) : null;
    }

    /**
     * Runs the models over {@code csv}; each is saved at the end (and every {@code checkpointEvery}
     * of its rows) if asked. {@code template} gives the columns and normalisation every model shares.
     * Exit codes: 0, or 1 on divergence (then nothing more is saved). Closes every model it opened
     * but not the trainer of a run of one model, which the caller owns.
     */
    static int run(CsvSource csv, Models models, ModelFile template, Settings settings, PrintWriter out)
            throws IOException {
        int m = template.inputs().size(), o = template.targets().size();
        int[] inCols = csv.columns(template.inputs(), "--inputs");
        boolean hasTargets = template.targets().stream().allMatch(csv.header()::contains);
        if (settings.learn() && !hasTargets) {
            csv.columns(template.targets(), "--targets"); // throws, naming the missing column
        }
        int[] tgtCols = hasTargets ? csv.columns(template.targets(), "--targets") : new int[0];
        boolean keyed = models.keyColumn() != null;
        if (keyed) {
            int keyCol = csv.columns(List.of(models.keyColumn()), "--key")[0];
            for (int c : inCols) {
                if (c == keyCol) {
                    throw new IllegalArgumentException(csv.name() + ": column '" + models.keyColumn()
                            + "' is the key (--key) and an input; leave it out of --inputs");
                }
            }
            for (int c : tgtCols) {
                if (c == keyCol) {
                    throw new IllegalArgumentException(csv.name() + ": column '" + models.keyColumn()
                            + "' is the key (--key) and a target; name other --targets");
                }
            }
            csv.textColumn(keyCol);
        }
        boolean[] used = csv.mask(inCols, tgtCols);
        boolean normalize = template.normalize();
        double[] inRow = new double[m], tgtRow = new double[o], row = new double[m + o];
        float[] x = new float[m], y = new float[o], prediction = new float[o];
        Path temporary = settings.predictions() == null ? null
                : settings.predictions().resolveSibling(settings.predictions().getFileName() + ".tmp");
        Map<String, Model> open = new LinkedHashMap<>();
        long seen = 0;
        double window = 0, total = 0;
        int inWindow = 0;
        long start = System.nanoTime();
        boolean finished = false;
        double decay = 1.0 / RECENT_ROWS;
        try (BufferedWriter predictions = temporary == null ? null
                : Files.newBufferedWriter(temporary, StandardCharsets.UTF_8)) {
            if (predictions != null) {
                predictions.write(keyed ? "row," + models.keyColumn() : "row");
                for (String t : hasTargets ? template.targets() : List.<String>of()) {
                    predictions.write("," + t);
                }
                for (String t : template.targets()) {
                    predictions.write("," + t + "_predicted");
                }
                predictions.newLine();
            }
            if (!settings.quiet()) {
                out.printf("%12s  %14s  %10s%s%n", "rows", hasTargets ? "mean loss" : "", "rows/s", keyed ? "        keys" : "");
            }
            Model model = keyed ? null : models.open("");
            if (model != null) {
                open.put("", model);
            }
            while (csv.next(used)) {
                if (keyed) {
                    String key = csv.text();
                    model = open.get(key);
                    if (model == null) {
                        model = models.open(key);
                        open.put(key, model);
                    }
                }
                RunningStats stats = model.stats;
                OnlineTrainer trainer = model.trainer;
                csv.read(inCols, inRow);
                csv.read(tgtCols, tgtRow);
                if (normalize && settings.learn()) {
                    System.arraycopy(inRow, 0, row, 0, m);
                    System.arraycopy(tgtRow, 0, row, m, o);
                    stats.add(row);
                }
                for (int i = 0; i < m; i++) {
                    x[i] = (float) (normalize ? stats.normalize(i, inRow[i]) : inRow[i]);
                }
                for (int j = 0; j < o; j++) {
                    y[j] = (float) (normalize ? stats.normalize(m + j, tgtRow[j]) : tgtRow[j]);
                }
                float loss = 0;
                if (settings.learn()) {
                    loss = trainer.step(x, y);
                    if (trainer.diverged()) {
                        out.printf("diverged at %s line %d%s (%s); nothing saved%n", csv.name(), csv.line(),
                                keyed ? ", key '" + model.key + "'" : "", trainer.divergence().message());
                        return 1;
                    }
                    trainer.output(prediction);
                } else {
                    trainer.predict(x, prediction);
                    for (int j = 0; j < o && hasTargets; j++) {
                        float e = prediction[j] - y[j];
                        loss += 0.5f * e * e;
                    }
                }
                model.rows++;
                model.seen++;
                model.total += loss;
                model.recent = Double.isNaN(model.recent) ? loss : model.recent + decay * (loss - model.recent);
                seen++;
                window += loss;
                total += loss;
                inWindow++;
                if (settings.plot() != null) {
                    model.block += loss;
                    if (model.seen % PLOT_BLOCK == 0) {
                        if (model.blockCount == model.blocks.length) {
                            model.blocks = Arrays.copyOf(model.blocks, Math.max(64, 2 * model.blocks.length));
                        }
                        model.blocks[model.blockCount++] = model.block / PLOT_BLOCK;
                        model.block = 0;
                    }
                }
                if (predictions != null) {
                    predictions.write(Long.toString(seen));
                    if (keyed) {
                        predictions.write("," + model.key);
                    }
                    for (int j = 0; j < tgtCols.length; j++) {
                        predictions.write("," + tgtRow[j]);
                    }
                    for (int j = 0; j < o; j++) {
                        predictions.write("," + (float) (normalize ? stats.denormalize(m + j, prediction[j]) : prediction[j]));
                    }
                    predictions.newLine();
                }
                if (seen % settings.printEvery() == 0) {
                    if (!settings.quiet()) {
                        progress(out, seen, hasTargets, window / inWindow, start, keyed ? open.size() : -1);
                    }
                    window = 0;
                    inWindow = 0;
                }
                if (settings.save() != null && settings.checkpointEvery() > 0 && model.seen % settings.checkpointEvery() == 0) {
                    save(model, settings.save(), keyed);
                }
            }
            if (seen == 0) {
                throw new IllegalArgumentException(csv.name() + ": no usable data rows after the header"
                        + (csv.skipped() > 0 ? " (" + csv.skipped() + " bad rows skipped; first: " + csv.firstSkip() + ")" : ""));
            }
            if (inWindow > 0 && !settings.quiet()) {
                progress(out, seen, hasTargets, window / inWindow, start, keyed ? open.size() : -1);
            }
            finished = true;
        } finally {
            if (temporary != null && !finished) {
                Files.deleteIfExists(temporary);
            }
            if (keyed && !finished) {
                for (Model model : open.values()) {
                    model.trainer.close();
                }
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        try {
            if (temporary != null) {
                Files.move(temporary, settings.predictions(), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            }
            if (settings.save() != null) {
                if (keyed) {
                    Files.createDirectories(settings.save());
                }
                for (Model model : open.values()) {
                    save(model, settings.save(), keyed);
                }
            }
            if (settings.plot() != null) {
                plot(settings.plot(), open.values(), csv.name(), keyed);
            }
            out.printf("%d rows from %s%s%s%s; %.0f rows/s%n", seen, csv.name(),
                    keyed ? ", " + open.size() + " keys" : "",
                    hasTargets ? String.format(", mean loss %.6e%s", total / seen, normalize ? " (normalised units)" : "") : "",
                    csv.skipped() > 0 ? "; skipped " + csv.skipped() + " bad rows (first: " + csv.firstSkip() + ")" : "",
                    seen / seconds);
            if (keyed) {
                summary(out, open.values(), models.keyColumn(), hasTargets);
            }
            if (settings.plot() != null) {
                out.printf("plot: %s%n", settings.plot());
            }
            if (settings.predictions() != null) {
                out.printf("predictions: %s%n", settings.predictions());
            }
            if (settings.save() != null) {
                if (keyed) {
                    out.printf("models: %s, one KEY.ckpt (and KEY.ckpt.meta) per key, %d keys%n", settings.save(), open.size());
                } else {
                    Model model = open.get("");
                    out.printf("model: %s (and %s), %d rows, %d updates%n", settings.save(),
                            ModelFile.sidecar(settings.save()).getFileName(), model.rows, model.trainer.steps());
                }
            }
            out.flush();
            return 0;
        } finally {
            if (keyed) {
                for (Model model : open.values()) {
                    model.trainer.close();
                }
            }
        }
    }

    private static void progress(PrintWriter out, long seen, boolean hasTargets, double meanLoss, long start, int keys) {
        out.printf("%12d  %14s  %10.0f%s%n", seen, hasTargets ? String.format("%.6e", meanLoss) : "",
                seen / ((System.nanoTime() - start) / 1e9), keys >= 0 ? String.format("  %10d", keys) : "");
        out.flush();
    }

    private static void save(Model model, Path save, boolean keyed) throws IOException {
        Path file = keyed ? keyFile(save, model.key) : save;
        if (keyed) {
            Files.createDirectories(save);
        }
        model.file.withProgress(model.stats, model.rows, model.trainer.steps()).save(file, model.trainer);
    }

    /** The table that closes a keyed run: rows, mean loss and recent loss of every key, in order of first appearance. */
    private static void summary(PrintWriter out, Iterable<Model> models, String keyColumn, boolean hasTargets) {
        out.printf("%-16s  %10s  %14s  %14s  %10s%n", keyColumn, "rows", hasTargets ? "mean loss" : "",
                hasTargets ? "recent loss" : "", "total rows");
        for (Model model : models) {
            out.printf("%-16s  %10d  %14s  %14s  %10d%n", model.key, model.seen,
                    hasTargets ? String.format("%.6e", model.total / model.seen) : "",
                    hasTargets ? String.format("%.6e", model.recent) : "", model.rows);
        }
    }

    /** The online loss, one point per block of {@link #PLOT_BLOCK} rows, on a log scale; one line per key (the first {@link #PLOT_KEYS}). */
    private static void plot(Path file, Iterable<Model> models, String data, boolean keyed) throws IOException {
        List<Plots.Series> series = new ArrayList<>();
        for (Model model : models) {
            if (model.blockCount == 0 || series.size() == PLOT_KEYS) {
                continue;
            }
            double[] x = new double[model.blockCount];
            long firstRow = model.rows - model.seen;
            for (int i = 0; i < x.length; i++) {
                x[i] = firstRow + (long) (i + 1) * PLOT_BLOCK;
            }
            series.add(new Plots.Series(keyed ? model.key : "loss", x, Arrays.copyOf(model.blocks, model.blockCount), null));
        }
        if (series.isEmpty()) {
            throw new IllegalArgumentException("--plot needs at least " + PLOT_BLOCK + " rows" + (keyed ? " of one key" : "")
                    + ", one point of the plot");
        }
        Plots.lines(file, "online loss on " + data, "rows", "mean loss over " + PLOT_BLOCK + " rows", false, true, series);
    }
}
