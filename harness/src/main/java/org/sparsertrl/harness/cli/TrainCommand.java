package org.sparsertrl.harness.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Callable;

import org.sparsertrl.engine.train.OnlineTrainer;
import org.sparsertrl.harness.task.SineStream;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Trains one network online and prints the loss as it goes: on one's own CSV with {@code --data}
 * (saving, resuming and writing predictions), or on the built-in one-step-ahead sine without it.
 */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = {"Online training with one learner; prints the loss every N steps.",
                "With --data: on a CSV with a header (or - for standard input), read row by row.",
                "Without: one-step-ahead prediction of a sine."})
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

    @Option(names = "--data", paramLabel = "FILE", description = "CSV with a header line of column names; - reads standard input.")
    String data;

    @Option(names = "--inputs", split = ",", paramLabel = "COLUMN", description = "Input columns (default: every column but the targets).")
    List<String> inputs;

    @Option(names = "--targets", split = ",", paramLabel = "COLUMN", description = "Target columns (default: the last column).")
    List<String> targets;

    @Option(names = "--normalize", description = "Normalise every column by its running mean and standard deviation (stored with the model).")
    boolean normalize;

    @Option(names = "--save", paramLabel = "FILE", description = "Save the model here at the end (and its sidecar FILE.meta).")
    Path save;

    @Option(names = "--checkpoint-every", defaultValue = "0", paramLabel = "ROWS", description = "Also save every ROWS rows (default: only at the end).")
    long checkpointEvery;

    @Option(names = "--resume", paramLabel = "FILE", description = "Continue training a saved model (its columns, network and learner).")
    Path resume;

    @Option(names = "--predictions", paramLabel = "FILE", description = "Write each row's prediction (made before learning from it) beside its target.")
    Path predictions;

    @Option(names = "--plot", paramLabel = "FILE", description = "Draw the online loss (mean over each 100 rows) into this PNG.")
    Path plot;

    @Option(names = "--skip-bad-rows", description = "Count and skip rows with a wrong number of fields or a cell that is not a finite number (default: stop with an error).")
    boolean skipBadRows;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        if (data != null) {
            return trainOnData(out);
        }
        for (String option : List.of("--inputs", "--targets", "--normalize", "--save", "--checkpoint-every", "--resume",
                "--predictions", "--skip-bad-rows", "--plot")) {
            if (spec.commandLine().getParseResult().hasMatchedOption(option)) {
                throw new picocli.CommandLine.ParameterException(spec.commandLine(), option + " needs --data");
            }
        }
        if (steps < 1 || printEvery < 1) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                    "--steps = " + steps + " and --print-every = " + printEvery + " must be >= 1");
        }
        float[] x = new float[1], y = new float[1];
        SineStream sine = SineStream.constant(omega, 0.0);
        try (OnlineTrainer trainer = OnlineTrainer.builder(n, 1, 1).cell(learner.cell).seed(seed).learner(learner.learner(seed))
                .optimizer(learner.optimizer()).clipNorm(learner.clipNorm).weightDensity(learner.weightDensity).build()) {
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

    private Integer trainOnData(PrintWriter out) throws IOException {
        if (printEvery < 1 || checkpointEvery < 0) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                    "--print-every = " + printEvery + " must be >= 1 and --checkpoint-every = " + checkpointEvery + " >= 0");
        }
        if (checkpointEvery > 0 && save == null) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--checkpoint-every needs --save");
        }
        for (String option : List.of("--steps", "--omega")) {
            if (spec.commandLine().getParseResult().hasMatchedOption(option)) {
                throw new picocli.CommandLine.ParameterException(spec.commandLine(), option + " is for the sine; with --data every row is a step");
            }
        }
        try (CsvSource csv = CsvSource.open(data, skipBadRows)) {
            ModelFile model;
            if (resume != null) {
                model = ModelFile.read(resume);
                requireSameModel(model);
            } else {
                List<String> t = targets != null ? targets : List.of(csv.header().getLast());
                List<String> in = inputs != null ? inputs : DataRun.defaultInputs(csv.header(), t);
                if (in.isEmpty()) {
                    throw new IllegalArgumentException(csv.name() + ": no input columns (the header has only " + String.join(",", csv.header()) + ")");
                }
                model = new ModelFile(learner.cell.label(), n, learner.learnerName(), seed, learner.optimizer.toString(),
                        learner.learningRate, learner.momentum, learner.clipNorm, List.copyOf(in), List.copyOf(t), normalize,
                        new RunningStats(in.size() + t.size()), 0, 0);
            }
            try (OnlineTrainer trainer = resume != null ? model.load(resume) : model.newTrainer()) {
                out.printf("train: %s cell, %s, n=%d, %s, inputs %s, targets %s%s, %s%s%n", trainer.cellKind().label(),
                        trainer.learnerSpec().label(), model.n(), trainer.optimizerSpec().label(),
                        String.join(",", model.inputs()), String.join(",", model.targets()),
                        model.normalize() ? ", normalised" : "", trainer.kernelsName() + " kernels",
                        resume != null ? ", resumed from " + resume + " after " + model.rows() + " rows" : "");
                return DataRun.run(csv, trainer, model, new DataRun.Settings(true, printEvery, save, checkpointEvery, predictions, plot), out);
            }
        }
    }

    /** On --resume, the saved model decides; an option given explicitly must agree with it. */
    private void requireSameModel(ModelFile model) {
        var parsed = spec.commandLine().getParseResult();
        List<String> conflicts = new ArrayList<>();
        check(conflicts, parsed.hasMatchedOption("--n"), "--n", n, model.n());
        check(conflicts, parsed.hasMatchedOption("--cell"), "--cell", learner.cell.label(), model.cell());
        boolean learnerGiven = false;
        for (String o : List.of("--method", "--k", "--selection", "--refresh-every", "--window", "--tau", "--alpha-n-over-k")) {
            learnerGiven |= parsed.hasMatchedOption(o);
        }
        check(conflicts, learnerGiven, "learner", learner.learnerName(), model.learner());
        check(conflicts, parsed.hasMatchedOption("--optimizer"), "--optimizer", learner.optimizer.toString(), model.optimizer());
        check(conflicts, parsed.hasMatchedOption("--lr"), "--lr", learner.learningRate, model.lr());
        check(conflicts, parsed.hasMatchedOption("--momentum"), "--momentum", learner.momentum, model.momentum());
        check(conflicts, parsed.hasMatchedOption("--clip"), "--clip", learner.clipNorm, model.clip());
        check(conflicts, parsed.hasMatchedOption("--seed"), "--seed", seed, model.seed());
        check(conflicts, parsed.hasMatchedOption("--normalize"), "--normalize", normalize, model.normalize());
        check(conflicts, inputs != null, "--inputs", inputs == null ? null : String.join(",", inputs), String.join(",", model.inputs()));
        check(conflicts, targets != null, "--targets", targets == null ? null : String.join(",", targets), String.join(",", model.targets()));
        if (!conflicts.isEmpty()) {
            throw new IllegalArgumentException("--resume " + resume + ": the saved model has " + String.join(", ", conflicts)
                    + "; leave these options out to continue it as saved");
        }
    }

    private static void check(List<String> conflicts, boolean given, String option, Object asked, Object saved) {
        if (given && !Objects.equals(String.valueOf(asked), String.valueOf(saved))) {
            conflicts.add(option + " " + saved + " (asked: " + asked + ")");
        }
    }
}
