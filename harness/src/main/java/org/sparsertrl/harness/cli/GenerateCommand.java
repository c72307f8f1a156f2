package org.sparsertrl.harness.cli;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Writes a seeded CSV series for trying {@code rtrl train --data} and {@code rtrl predict}:
 * <ul>
 * <li>{@code delay} (the default): the delayed copy {@code y_t = x_{t-D}} of a Gaussian input, which no
 * memoryless model can predict better than its variance (1), so a loss below that is memory the
 * network learned;</li>
 * <li>{@code mackey-glass}: the chaotic delay differential equation
 * {@code dx/dt = beta x(t - tau) / (1 + x(t - tau)^10) - gamma x(t)} (beta 0.2, gamma 0.1), sampled
 * once per time unit, with {@code y_t = x_{t+H}}; its delay tau changes from {@code --tau} to
 * {@code --tau-after} at row {@code --shift-at}, a parameter shift in the middle of the stream.
 * Integrated by Euler steps of 0.1 time units from a history drawn from the seed (our choice; the
 * usual benchmark integrates the same way). {@code --keys K} writes K such series, each from its own
 * seeded history, interleaved row by row with a column {@code series} naming each.</li>
 * </ul>
 */
@Command(name = "generate", mixinStandardHelpOptions = true,
        description = {"Writes a CSV series for trying train --data and predict.",
                "delay (columns x,y, or x1..xK,y1..yJ): y_t = x_{t-D}, x_t ~ N(0, 1).",
                "mackey-glass (columns [series,]x,y): y_t = x_{t+H} of the Mackey-Glass equation, its delay tau shifting at --shift-at."})
public final class GenerateCommand implements Callable<Integer> {

    /** Euler steps per sampled time unit of the Mackey-Glass equation. */
    static final int MG_SUBSTEPS = 10;

    @Option(names = "--series", defaultValue = "delay", description = "delay or mackey-glass (default: ${DEFAULT-VALUE}).")
    String series;

    @Option(names = "--horizon", defaultValue = "1", description = "mackey-glass: H, how far ahead y is (default: ${DEFAULT-VALUE}).")
    int horizon;

    @Option(names = "--tau", defaultValue = "17", description = "mackey-glass: the delay before the shift (default: ${DEFAULT-VALUE}).")
    double tau;

    @Option(names = "--tau-after", defaultValue = "30", description = "mackey-glass: the delay from --shift-at on (default: ${DEFAULT-VALUE}).")
    double tauAfter;

    @Option(names = "--shift-at", defaultValue = "-1", description = "mackey-glass: the first row with the new delay (default: half the rows).")
    int shiftAt;

    @Option(names = "--keys", defaultValue = "1", description = "mackey-glass: how many series, interleaved, with a column 'series' if more than one (default: ${DEFAULT-VALUE}).")
    int keys;

    @Spec
    CommandSpec spec;

    @Option(names = "--rows", defaultValue = "20000", description = "Data rows (default: ${DEFAULT-VALUE}).")
    int rows;

    @Option(names = "--delay", defaultValue = "2", description = "D, the steps by which y lags x (default: ${DEFAULT-VALUE}).")
    int delay;

    @Option(names = "--inputs", defaultValue = "1", description = "delay: K independent inputs x1..xK (default: ${DEFAULT-VALUE}: one column x).")
    int inputs;

    @Option(names = "--targets", defaultValue = "1", description = "delay: J <= K targets, y_j = x_j delayed by D (default: ${DEFAULT-VALUE}: one column y).")
    int targets;

    @Option(names = "--seed", defaultValue = "1", description = "Seed of the inputs (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--out", paramLabel = "FILE", description = "The CSV to write (default: standard output).")
    Path out;

    @Override
    public Integer call() throws IOException {
        if (rows < 1 || delay < 1) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                    "--rows = " + rows + " and --delay = " + delay + " must be >= 1");
        }
        if (series.equals("mackey-glass")) {
            return mackeyGlass();
        }
        if (!series.equals("delay")) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--series = '" + series + "': expected delay or mackey-glass");
        }
        if (inputs < 1 || targets < 1 || targets > inputs || inputs > 10_000) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--inputs = " + inputs + " and --targets = "
                    + targets + ": need 1 <= targets <= inputs <= 10000");
        }
        SplittableRandom random = new SplittableRandom(seed);
        double[][] past = new double[delay][inputs];
        boolean one = inputs == 1 && targets == 1;
        return write(w -> {
            StringBuilder header = new StringBuilder();
            for (int i = 1; i <= inputs; i++) {
                header.append(header.isEmpty() ? "" : ",").append(one ? "x" : "x" + i);
            }
            for (int j = 1; j <= targets; j++) {
                header.append(one ? ",y" : ",y" + j);
            }
            w.write(header + "\n");
            StringBuilder row = new StringBuilder();
            double[] x = new double[inputs];
            for (int t = 0; t < rows; t++) {
                int slot = t % delay;
                row.setLength(0);
                for (int i = 0; i < inputs; i++) {
                    x[i] = (float) gaussian(random);
                    row.append(i == 0 ? "" : ",").append(x[i]);
                }
                for (int j = 0; j < targets; j++) {
                    row.append(',').append(past[slot][j]);
                }
                w.write(row.append('\n').toString());
                System.arraycopy(x, 0, past[slot], 0, inputs);
            }
        });
    }

    /** What writes the rows. */
    private interface Rows {
        void writeTo(Writer w) throws IOException;
    }

    /** Writes to --out, or to standard output, which is flushed, not closed: the tool may run inside another program. */
    private Integer write(Rows body) throws IOException {
        Writer w = out == null ? new BufferedWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8))
                : Files.newBufferedWriter(out, StandardCharsets.UTF_8);
        try {
            body.writeTo(w);
        } finally {
            if (out == null) {
                w.flush();
            } else {
                w.close();
            }
        }
        return 0;
    }

    private Integer mackeyGlass() throws IOException {
        if (horizon < 1 || keys < 1 || keys > 1000 || !(tau >= 1 && tau <= 1000) || !(tauAfter >= 1 && tauAfter <= 1000)
                || shiftAt < -1 || shiftAt > rows) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--horizon = " + horizon + " must be >= 1, --keys = "
                    + keys + " in [1, 1000], --tau = " + tau + " and --tau-after = " + tauAfter + " in [1, 1000], --shift-at = "
                    + shiftAt + " in [0, --rows] (or -1: half)");
        }
        int shift = shiftAt < 0 ? rows / 2 : shiftAt;
        MackeyGlass[] streams = new MackeyGlass[keys];
        for (int k = 0; k < keys; k++) {
            streams[k] = new MackeyGlass(new SplittableRandom(seed + 1000L * k), Math.max(tau, tauAfter));
        }
        return write(w -> {
            w.write(keys > 1 ? "series,x,y\n" : "x,y\n");
            double[][] ahead = new double[keys][horizon + 1];
            for (int k = 0; k < keys; k++) { // x_0 .. x_H, so that row t can write x_t and x_{t+H}
                for (int h = 0; h <= horizon; h++) {
                    ahead[k][h] = streams[k].next(h < shift ? tau : tauAfter);
                }
            }
            for (int t = 0; t < rows; t++) {
                for (int k = 0; k < keys; k++) {
                    double[] a = ahead[k];
                    int now = t % a.length;
                    w.write((keys > 1 ? "s" + (k + 1) + "," : "") + (float) a[now] + "," + (float) a[(t + horizon) % a.length] + "\n");
                    a[now] = streams[k].next(t + horizon + 1 < shift ? tau : tauAfter);
                }
            }
        });
    }

    /**
     * The Mackey-Glass equation integrated by Euler steps of 1 / {@link #MG_SUBSTEPS} time units, its
     * history in a ring long enough for the longest delay; the delay may change between samples.
     */
    private static final class MackeyGlass {
        private final double[] history;
        private int head;
        private double x;

        MackeyGlass(SplittableRandom random, double maxTau) {
            history = new double[(int) Math.ceil(maxTau * MG_SUBSTEPS) + 1];
            for (int i = 0; i < history.length; i++) {
                history[i] = 0.5 + 0.7 * random.nextDouble();
            }
            x = history[history.length - 1];
            head = 0;
            // Run past the start so that the seeded history is forgotten and the series is on its attractor.
            for (int i = 0; i < 500; i++) {
                next(17);
            }
        }

        /** Advances one time unit with delay {@code tau}; returns x at the new time. */
        double next(double tau) {
            int lag = (int) Math.round(tau * MG_SUBSTEPS);
            double h = 1.0 / MG_SUBSTEPS;
            for (int s = 0; s < MG_SUBSTEPS; s++) {
                double delayed = history[Math.floorMod(head - lag, history.length)];
                x += h * (0.2 * delayed / (1 + Math.pow(delayed, 10)) - 0.1 * x);
                head = (head + 1) % history.length;
                history[head] = x;
            }
            return x;
        }
    }

    private static double gaussian(SplittableRandom random) {
        double u = 1 - random.nextDouble(), v = random.nextDouble();
        return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    }
}
