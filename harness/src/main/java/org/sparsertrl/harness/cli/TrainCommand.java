package org.sparsertrl.harness.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;

import org.sparsertrl.engine.train.OnlineTrainer;
import org.sparsertrl.harness.task.SineStream;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Trains one network online on one-step-ahead sine prediction and prints the loss as it goes. */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = "Online one-step-ahead sine prediction with one learner; prints the loss every N steps.")
public final class TrainCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    LearnerOptions learner;

    @Option(names = "--n", defaultValue = "64", description = "Hidden units (default: ${DEFAULT-VALUE}).")
    int n;

    @Option(names = "--steps", defaultValue = "20000", description = "Training steps (default: ${DEFAULT-VALUE}).")
    int steps;

    @Option(names = "--print-every", defaultValue = "2000", description = "Steps per printed line (default: ${DEFAULT-VALUE}).")
    int printEvery;

    @Option(names = "--omega", defaultValue = "0.1", description = "Angular step of the sine, radians per step (default: ${DEFAULT-VALUE}).")
    double omega;

    @Option(names = "--seed", defaultValue = "1", description = "Seed of the weights and of random paths (default: ${DEFAULT-VALUE}).")
    long seed;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        if (steps < 1 || printEvery < 1) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                    "--steps = " + steps + " and --print-every = " + printEvery + " must be >= 1");
        }
        float[] x = new float[1], y = new float[1];
        SineStream sine = SineStream.constant(omega, 0.0);
        try (OnlineTrainer trainer = OnlineTrainer.builder(n, 1, 1).cell(learner.cell).seed(seed).learner(learner.learner(seed))
                .optimizer(learner.optimizer()).clipNorm(learner.clipNorm).build()) {
            out.printf("train: %s cell, %s, n=%d, %s, sine omega=%s, %d steps, %s%n", learner.cell.label(),
                    trainer.learnerSpec().label(), n,
                    trainer.optimizerSpec().label(), omega, steps, trainer.kernelsName() + " kernels");
            out.printf("%10s  %14s%n", "step", "mean loss");
            double window = 0, last = 0;
            int inWindow = 0;
            long start = System.nanoTime();
            for (int t = 1; t <= steps; t++) {
                sine.next(x, y);
                float loss = trainer.step(x, y);
                if (trainer.diverged()) {
                    out.printf("diverged at step %d (%s)%n", t, trainer.divergence().message());
                    return 1;
                }
                window += loss;
                inWindow++;
                if (t % printEvery == 0 || t == steps) {
                    last = window / inWindow;
                    out.printf("%10d  %14.6e%n", t, last);
                    window = 0;
                    inWindow = 0;
                }
            }
            double microsPerStep = (System.nanoTime() - start) / 1e3 / steps;
            out.printf("final mean loss (last %d steps): %.6e%n", Math.min(printEvery, steps), last);
            out.printf("time per step: %.2f us (including warm-up)%n", microsPerStep);
            out.flush();
        }
        return 0;
    }
}
