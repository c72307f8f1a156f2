package org.sparsertrl.harness.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

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

    @Mixin
    CsvOptions csvRun;

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

    @Option(names = "--key", paramLabel = "COLUMN", description = {"Train one model per distinct value of this column (text), all in this process;",
            "--save and --resume then name a directory holding KEY.ckpt and KEY.ckpt.meta per key (the key URL-encoded)."})
    String key;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        if (data != null) {
            return trainOnData(out);
        }
        for (String option : List.of("--inputs", "--targets", "--normalize", "--save", "--checkpoint-every", "--resume",
                "--predictions", "--skip-bad-rows", "--plot", "--key")) {
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
        try (OnlineTrainer trainer = learner.trainer(n, 1, 1, seed)) {
            if (!csvRun.quiet) {
                out.printf("train: %s cell, %s, n=%d, %s, sine omega=%s, %d steps, %s%n", learner.cell.label(),
                        trainer.learnerSpec().label(), n,
                        trainer.optimizerSpec().label(), omega, steps, trainer.kernelsName() + " kernels");
                out.printf("%10s  %14s%n", "step", "mean loss");
            }
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
                    if (!csvRun.quiet) {
                        out.printf("%10d  %14.6e%n", t, last);
                    }
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
        if (key != null && save != null && Files.isRegularFile(save)) {
            throw new IllegalArgumentException("--save " + save + ": with --key this is a directory (one model per key), not a file");
        }
        try (CsvSource csv = csvRun.open(data)) {
            ModelFile model;
            Path first = resume == null ? null : key == null ? resume : firstKeyModel(resume);
            if (first != null) {
                model = ModelFile.read(first);
                requireSameModel(model);
            } else {
                List<String> t = targets != null ? targets : List.of(csv.header().getLast());
                List<String> in = inputs != null ? inputs : DataRun.defaultInputs(csv.header(), t);
                if (key != null) {
                    in = new ArrayList<>(in);
                    in.remove(key);
                }
                if (in.isEmpty()) {
                    throw new IllegalArgumentException(csv.name() + ": no input columns (the header has only " + String.join(",", csv.header()) + ")");
                }
                model = new ModelFile(learner.cell.label(), n, learner.learnerName(), seed, learner.optimizer.toString(),
                        learner.learningRate, learner.momentum, learner.clipNorm, List.copyOf(in), List.copyOf(t), normalize,
                        new RunningStats(in.size() + t.size()), 0, 0);
            }
            DataRun.Settings settings = new DataRun.Settings(true, printEvery, save, checkpointEvery, predictions, plot, csvRun.quiet);
            if (key != null) {
                ModelFile template = model;
                if (!csvRun.quiet) {
                    out.printf("train: one model per '%s', %s cell, %s, n=%d, inputs %s, targets %s%s%s%n", key, template.cell(),
                            template.learner(), template.n(), String.join(",", template.inputs()), String.join(",", template.targets()),
                            template.normalize() ? ", normalised" : "", resume != null ? ", resuming the models in " + resume : "");
                }
                return DataRun.run(csv, keyedModels(template), template, settings, out);
            }
            try (OnlineTrainer trainer = resume != null ? model.load(resume) : model.newTrainer()) {
                if (!csvRun.quiet) {
                    out.printf("train: %s cell, %s, n=%d, %s, inputs %s, targets %s%s, %s%s%n", trainer.cellKind().label(),
                            trainer.learnerSpec().label(), model.n(), trainer.optimizerSpec().label(),
                            String.join(",", model.inputs()), String.join(",", model.targets()),
                            model.normalize() ? ", normalised" : "", trainer.kernelsName() + " kernels",
                            resume != null ? ", resumed from " + resume + " after " + model.rows() + " rows" : "");
                }
                return DataRun.run(csv, single(trainer, model), model, settings, out);
            }
        }
    }

    /** A run of one model, whose trainer the caller owns. */
    static DataRun.Models single(OnlineTrainer trainer, ModelFile model) {
        return new DataRun.Models() {
            @Override
            public String keyColumn() {
                return null;
            }

            @Override
            public DataRun.Model open(String ignored) {
                return new DataRun.Model("", trainer, model);
            }
        };
    }

    /** One model per key: loaded from the --resume directory if it has the key's files, else new from {@code template}. */
    private DataRun.Models keyedModels(ModelFile template) {
        return new DataRun.Models() {
            @Override
            public String keyColumn() {
                return key;
            }

            @Override
            public DataRun.Model open(String value) throws IOException {
                Path saved = resume == null ? null : DataRun.keyFile(resume, value);
                if (saved != null && Files.exists(saved)) {
                    ModelFile file = ModelFile.read(saved);
                    if (!file.withProgress(template.stats(), 0, 0).equals(template.withProgress(template.stats(), 0, 0))) {
                        throw new IllegalArgumentException(saved + ": another network or other columns than "
                                + firstKeyModel(resume).getFileName() + " in the same directory");
                    }
                    return new DataRun.Model(value, file.load(saved), file);
                }
                ModelFile fresh = template.withProgress(new RunningStats(template.inputs().size() + template.targets().size()), 0, 0);
                return new DataRun.Model(value, fresh.newTrainer(), fresh);
            }
        };
    }

    /** The first model file (by name) in a keyed run's directory; an error if there is none. */
    static Path firstKeyModel(Path directory) throws IOException {
        if (!Files.isDirectory(directory)) {
            throw new IllegalArgumentException(directory + ": with --key, a directory of models (KEY.ckpt per key), and this is "
                    + (Files.exists(directory) ? "not a directory" : "missing"));
        }
        try (Stream<Path> files = Files.list(directory)) {
            return files.filter(f -> DataRun.keyOf(f) != null && Files.isRegularFile(f)).sorted().findFirst()
                    .orElseThrow(() -> new IllegalArgumentException(directory + ": no model files (KEY.ckpt) in it"));
        }
    }

    /** On --resume, the saved model decides; an option given explicitly must agree with it. */
    private void requireSameModel(ModelFile model) {
        var parsed = spec.commandLine().getParseResult();
        List<String> conflicts = new ArrayList<>();
        check(conflicts, parsed.hasMatchedOption("--n"), "--n", n, model.n());
        check(conflicts, parsed.hasMatchedOption("--cell"), "--cell", learner.cell.label(), model.cell());
        boolean learnerGiven = false;
        for (String o : List.of("--method", "--k", "--selection", "--refresh-every", "--window", "--tau", "--alpha-n-over-k",
                "--precision")) {
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
