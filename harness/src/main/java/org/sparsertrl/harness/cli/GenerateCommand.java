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
 * Writes a seeded CSV series for trying {@code rtrl train --data} and {@code rtrl predict}: the
 * delayed copy {@code y_t = x_{t-D}} of a Gaussian input, which no memoryless model can predict
 * better than its variance (1), so a loss below that is memory the network learned.
 */
@Command(name = "generate", mixinStandardHelpOptions = true,
        description = "Writes a CSV series (columns x,y) for trying train --data and predict: y_t = x_{t-D}, x_t ~ N(0, 1).")
public final class GenerateCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--rows", defaultValue = "20000", description = "Data rows (default: ${DEFAULT-VALUE}).")
    int rows;

    @Option(names = "--delay", defaultValue = "2", description = "D, the steps by which y lags x (default: ${DEFAULT-VALUE}).")
    int delay;

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
        SplittableRandom random = new SplittableRandom(seed);
        double[] past = new double[delay];
        // Standard output is flushed, not closed: the tool may run inside another program.
        Writer w = out == null ? new BufferedWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8))
                : Files.newBufferedWriter(out, StandardCharsets.UTF_8);
        try {
            w.write("x,y\n");
            for (int t = 0; t < rows; t++) {
                double x = (float) gaussian(random);
                int slot = t % delay;
                w.write(x + "," + past[slot] + "\n");
                past[slot] = x;
            }
        } finally {
            if (out == null) {
                w.flush();
            } else {
                w.close();
            }
        }
        return 0;
    }

    private static double gaussian(SplittableRandom random) {
        double u = 1 - random.nextDouble(), v = random.nextDouble();
        return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    }
}
