package org.sparsertrl.harness.cli;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;

import org.sparsertrl.engine.train.OnlineTrainer;
import org.sparsertrl.harness.report.Plots;

/**
 * One pass of a model over a CSV stream, shared by {@code rtrl train --data} and {@code rtrl
 * predict}: each row is read, normalised if the model asks for it, and stepped (learning) or run
 * forward (predicting); the running loss is printed every so many rows, the prediction of each row
 * written beside its target, and the model saved at the end and every so many rows.
 */
final class DataRun {

    /** What the pass does besides stepping. */
    record Settings(boolean learn, int printEvery, Path save, long checkpointEvery, Path predictions, Path plot) {
    }

    /** Rows per point of the loss plot: the plot shows the mean loss over each block of this many rows. */
    static final int PLOT_BLOCK = 100;

    private DataRun() {
    }

    /** The default columns: targets the last column, inputs every other column. */
    static List<String> defaultInputs(List<String> header, List<String> targets) {
        List<String> inputs = new ArrayList<>(header);
        inputs.removeAll(targets);
        return inputs;
    }

    /**
     * Runs {@code trainer} over {@code csv}; returns the model as it stands at the end (statistics,
     * rows, updates), which is also what was saved, if anything. Exit codes: 0, or 1 on divergence.
     */
    static int run(CsvSource csv, OnlineTrainer trainer, ModelFile model, Settings settings, PrintWriter out)
            throws IOException {
        int m = model.inputs().size(), o = model.targets().size();
        int[] inCols = csv.columns(model.inputs(), "--inputs");
        boolean hasTargets = model.targets().stream().allMatch(csv.header()::contains);
        if (settings.learn() && !hasTargets) {
            csv.columns(model.targets(), "--targets"); // throws, naming the missing column
        }
        int[] tgtCols = hasTargets ? csv.columns(model.targets(), "--targets") : new int[0];
        boolean[] used = csv.mask(inCols, tgtCols);
        RunningStats stats = model.stats();
        boolean normalize = model.normalize();
        double[] inRow = new double[m], tgtRow = new double[o], row = new double[m + o];
        float[] x = new float[m], y = new float[o], prediction = new float[o];
        Path temporary = settings.predictions() == null ? null
                : settings.predictions().resolveSibling(settings.predictions().getFileName() + ".tmp");
        long rows = model.rows();
        long seen = 0;
        double window = 0, total = 0, block = 0;
        double[] blocks = new double[settings.plot() == null ? 0 : 1024];
        int blockCount = 0;
        int inWindow = 0;
        long start = System.nanoTime();
        boolean finished = false;
        try (BufferedWriter predictions = temporary == null ? null
                : Files.newBufferedWriter(temporary, StandardCharsets.UTF_8)) {
            if (predictions != null) {
                predictions.write("row");
                for (String t : hasTargets ? model.targets() : List.<String>of()) {
                    predictions.write("," + t);
                }
                for (String t : model.targets()) {
                    predictions.write("," + t + "_predicted");
                }
                predictions.newLine();
            }
            out.printf("%12s  %14s  %10s%n", "rows", hasTargets ? "mean loss" : "", "rows/s");
            while (csv.next(used)) {
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
                        out.printf("diverged at %s line %d (%s); nothing saved%n", csv.name(), csv.line(),
                                trainer.divergence().message());
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
                rows++;
                seen++;
                window += loss;
                total += loss;
                inWindow++;
                if (settings.plot() != null) {
                    block += loss;
                    if (seen % PLOT_BLOCK == 0) {
                        if (blockCount == blocks.length) {
                            blocks = java.util.Arrays.copyOf(blocks, 2 * blocks.length);
                        }
                        blocks[blockCount++] = block / PLOT_BLOCK;
                        block = 0;
                    }
                }
                if (predictions != null) {
                    predictions.write(Long.toString(seen));
                    for (int j = 0; j < tgtCols.length; j++) {
                        predictions.write("," + tgtRow[j]);
                    }
                    for (int j = 0; j < o; j++) {
                        predictions.write("," + (float) (normalize ? stats.denormalize(m + j, prediction[j]) : prediction[j]));
                    }
                    predictions.newLine();
                }
                if (seen % settings.printEvery() == 0) {
                    out.printf("%12d  %14s  %10.0f%n", seen, hasTargets ? String.format("%.6e", window / inWindow) : "",
                            seen / ((System.nanoTime() - start) / 1e9));
                    out.flush();
                    window = 0;
                    inWindow = 0;
                }
                if (settings.save() != null && settings.checkpointEvery() > 0 && seen % settings.checkpointEvery() == 0) {
                    model.withProgress(stats, rows, trainer.steps()).save(settings.save(), trainer);
                }
            }
            if (seen == 0) {
                throw new IllegalArgumentException(csv.name() + ": no usable data rows after the header"
                        + (csv.skipped() > 0 ? " (" + csv.skipped() + " bad rows skipped; first: " + csv.firstSkip() + ")" : ""));
            }
            if (inWindow > 0) {
                out.printf("%12d  %14s  %10.0f%n", seen, hasTargets ? String.format("%.6e", window / inWindow) : "",
                        seen / ((System.nanoTime() - start) / 1e9));
            }
            finished = true;
        } finally {
            if (temporary != null && !finished) {
                Files.deleteIfExists(temporary);
            }
        }
        if (temporary != null) {
            Files.move(temporary, settings.predictions(), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        }
        if (settings.save() != null) {
            model.withProgress(stats, rows, trainer.steps()).save(settings.save(), trainer);
        }
        if (settings.plot() != null) {
            plot(settings.plot(), java.util.Arrays.copyOf(blocks, blockCount), model.rows(), csv.name());
        }
        out.printf("%d rows from %s%s%s; %.0f rows/s%n", seen, csv.name(),
                hasTargets ? String.format(", mean loss %.6e%s", total / seen, normalize ? " (normalised units)" : "") : "",
                csv.skipped() > 0 ? "; skipped " + csv.skipped() + " bad rows (first: " + csv.firstSkip() + ")" : "",
                seen / ((System.nanoTime() - start) / 1e9));
        if (settings.plot() != null) {
            out.printf("plot: %s%n", settings.plot());
        }
        if (settings.predictions() != null) {
            out.printf("predictions: %s%n", settings.predictions());
        }
        if (settings.save() != null) {
            out.printf("model: %s (and %s), %d rows, %d updates%n", settings.save(), ModelFile.sidecar(settings.save()).getFileName(),
                    rows, trainer.steps());
        }
        out.flush();
        return 0;
    }

    /** The online loss, one point per block of {@link #PLOT_BLOCK} rows, on a log scale. */
    private static void plot(Path file, double[] means, long firstRow, String data) throws IOException {
        if (means.length == 0) {
            throw new IllegalArgumentException("--plot needs at least " + PLOT_BLOCK + " rows, one point of the plot");
        }
        double[] x = new double[means.length];
        for (int i = 0; i < x.length; i++) {
            x[i] = firstRow + (long) (i + 1) * PLOT_BLOCK;
        }
        Plots.lines(file, "online loss on " + data, "rows", "mean loss over " + PLOT_BLOCK + " rows", false, true,
                List.of(new Plots.Series("loss", x, means, null)));
    }
}
