package org.sparsertrl.harness.cli;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.sparsertrl.engine.train.OnlineTrainer;

import picocli.CommandLine;

/**
 * What the CSV path costs on top of the engine: the same network (the options of {@code rtrl train})
 * trained on the same rows of one CSV file, once through {@code rtrl train --data FILE --quiet}, which
 * parses every row as it streams in, and once by the bare engine from arrays read into memory
 * beforehand; repeated, alternating, in one JVM after one untimed pass of each. Prints every timed pass,
 * the medians, the overhead of the CSV path, and both mean losses (which must be equal: same rows,
 * same network). Each pass is timed twice: wall-clock, and the CPU time of the thread that runs it (both
 * paths run on one thread), which waiting for a core on a shared machine does not inflate (the JVM's
 * own threads, such as the collector's, are left out of it). Run by {@code docs/own-data/overhead.sh}:
 * <pre>
 * java ... org.sparsertrl.harness.cli.CsvOverhead FILE INPUTS TARGETS REPEATS [train options...]
 * </pre>
 * with INPUTS and TARGETS comma-separated column names.
 */
public final class CsvOverhead {

    private static final java.lang.management.ThreadMXBean CPU = java.lang.management.ManagementFactory.getThreadMXBean();

    private CsvOverhead() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length < 4) {
            throw new IllegalArgumentException("usage: CsvOverhead FILE INPUTS TARGETS REPEATS [train options...]");
        }
        String file = args[0];
        List<String> inputs = List.of(args[1].split(",")), targets = List.of(args[2].split(","));
        int repeats = Integer.parseInt(args[3]);
        String[] options = Arrays.copyOfRange(args, 4, args.length);
        List<String> command = new ArrayList<>(List.of("train", "--data", file, "--inputs", args[1], "--targets", args[2], "--quiet"));
        command.addAll(List.of(options));

        float[][][] rows = load(file, inputs, targets);
        float[][] x = rows[0], y = rows[1];
        TrainCommand train = new TrainCommand();
        new CommandLine(train).parseArgs(options);
        System.out.printf("%s: %,d rows, %d inputs, %d targets; rtrl %s%n", file, x.length, inputs.size(), targets.size(),
                String.join(" ", command));

        double[] csvSeconds = new double[repeats], bareSeconds = new double[repeats];
        double[] csvCpu = new double[repeats], bareCpu = new double[repeats];
        String csvLoss = null;
        double bareLoss = 0;
        for (int r = -1; r < repeats; r++) { // pass 0: untimed, so both paths start with compiled code
            long start = System.nanoTime(), cpu = CPU.getCurrentThreadCpuTime();
            String printed = runTrain(command);
            double csv = (System.nanoTime() - start) / 1e9, csvOnCpu = (CPU.getCurrentThreadCpuTime() - cpu) / 1e9;
            csvLoss = printed.replaceAll("(?s).*mean loss ([-0-9.e+]+).*", "$1");
            start = System.nanoTime();
            cpu = CPU.getCurrentThreadCpuTime();
            bareLoss = bare(train, x, y);
            double bare = (System.nanoTime() - start) / 1e9, bareOnCpu = (CPU.getCurrentThreadCpuTime() - cpu) / 1e9;
            if (r >= 0) {
                csvSeconds[r] = csv;
                bareSeconds[r] = bare;
                csvCpu[r] = csvOnCpu;
                bareCpu[r] = bareOnCpu;
                System.out.printf("pass %d: CSV path %.2f s wall, %.2f s CPU; bare engine %.2f s wall, %.2f s CPU%n", r + 1,
                        csv, csvOnCpu, bare, bareOnCpu);
            }
        }
        report("wall", repeats, x.length, median(csvSeconds), median(bareSeconds));
        report("CPU", repeats, x.length, median(csvCpu), median(bareCpu));
        System.out.printf("mean loss: CSV path %s, bare engine %.6e%n", csvLoss, bareLoss);
    }

    private static void report(String clock, int repeats, int rows, double csv, double bare) {
        System.out.printf("median of %d, %s time: CSV path %.2f s (%,.0f rows/s), bare engine %.2f s (%,.0f steps/s); "
                + "the CSV path costs %+.1f %%%n", repeats, clock, csv, rows / csv, bare, rows / bare, 100 * (csv / bare - 1));
    }

    /** Runs {@code rtrl train ...} in this JVM; returns what it printed. */
    private static String runTrain(List<String> command) {
        PrintStream out = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        try (PrintStream capture = new PrintStream(captured, true, StandardCharsets.UTF_8)) {
            System.setOut(capture);
            int exit = Main.run(command.toArray(String[]::new));
            if (exit != 0) {
                throw new IllegalStateException("rtrl train exited with " + exit + ": " + captured.toString(StandardCharsets.UTF_8));
            }
        } finally {
            System.setOut(out);
        }
        return captured.toString(StandardCharsets.UTF_8);
    }

    /** The bare engine: the network {@code rtrl train} builds, stepped over rows already in memory; returns the mean loss. */
    private static double bare(TrainCommand options, float[][] x, float[][] y) {
        LearnerOptions l = options.learner;
        try (OnlineTrainer trainer = OnlineTrainer.builder(options.n, x[0].length, y[0].length).cell(l.cell).seed(options.seed)
                .learner(l.learner(options.seed)).optimizer(l.optimizer()).clipNorm(l.clipNorm).build()) {
            double sum = 0;
            for (int t = 0; t < x.length; t++) {
                sum += trainer.step(x[t], y[t]);
            }
            return sum / x.length;
        }
    }

    /** The named columns of every row, as the CSV path reads them (parsed as doubles, then rounded to floats). */
    private static float[][][] load(String file, List<String> inputs, List<String> targets) throws IOException {
        List<float[]> xs = new ArrayList<>(), ys = new ArrayList<>();
        try (CsvSource csv = CsvSource.open(file, false)) {
            int[] in = csv.columns(inputs, "inputs"), out = csv.columns(targets, "targets");
            boolean[] used = csv.mask(in, out);
            double[] a = new double[in.length], b = new double[out.length];
            while (csv.next(used)) {
                csv.read(in, a);
                csv.read(out, b);
                float[] x = new float[a.length], y = new float[b.length];
                for (int i = 0; i < a.length; i++) {
                    x[i] = (float) a[i];
                }
                for (int j = 0; j < b.length; j++) {
                    y[j] = (float) b[j];
                }
                xs.add(x);
                ys.add(y);
            }
        }
        return new float[][][] {xs.toArray(float[][]::new), ys.toArray(float[][]::new)};
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted.length % 2 == 1 ? sorted[sorted.length / 2] : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
    }
}
