package org.sparsertrl.harness.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

import org.sparsertrl.engine.train.OnlineTrainer;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Runs a model saved by {@code rtrl train --save} over a CSV, forward only or still learning ({@code --adapt}). */
@Command(name = "predict", mixinStandardHelpOptions = true,
        description = {"Runs a saved model over a CSV and writes each row's prediction.",
                "Forward only (no learning) unless --adapt; the target columns, if present, are written beside the predictions and scored."})
public final class PredictCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    CsvOptions csvRun;

    @Option(names = "--model", required = true, paramLabel = "FILE", description = "A model saved by rtrl train --save (with its sidecar FILE.meta).")
    Path model;

    @Option(names = "--data", required = true, paramLabel = "FILE", description = "CSV with a header; - reads standard input.")
    String data;

    @Option(names = "--out", required = true, paramLabel = "FILE", description = "Where the predictions go (CSV).")
    Path out;

    @Option(names = "--inputs", split = ",", paramLabel = "COLUMN", description = "Input columns; must be the model's (default: the model's).")
    List<String> inputs;

    @Option(names = "--targets", split = ",", paramLabel = "COLUMN", description = "Target columns; must be the model's (default: the model's).")
    List<String> targets;

    @Option(names = "--adapt", description = "Keep learning online (and updating the normalisation) while predicting.")
    boolean adapt;

    @Option(names = "--save", paramLabel = "FILE", description = "With --adapt: save the adapted model here at the end.")
    Path save;

    @Option(names = "--print-every", defaultValue = "2000", description = "Rows per printed line (default: ${DEFAULT-VALUE}).")
    int printEvery;

    @Option(names = "--key", paramLabel = "COLUMN", description = "The models of a keyed run (train --key): --model is their directory, each row goes to its key's model.")
    String key;

    @Override
    public Integer call() throws IOException {
        PrintWriter printer = spec.commandLine().getOut();
        if (printEvery < 1) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--print-every = " + printEvery + " must be >= 1");
        }
        if (save != null && !adapt) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--save needs --adapt (without it the model does not change)");
        }
        ModelFile saved = ModelFile.read(key == null ? model : TrainCommand.firstKeyModel(model));
        if (inputs != null && !inputs.equals(saved.inputs()) || targets != null && !targets.equals(saved.targets())) {
            throw new IllegalArgumentException(model + " was trained on inputs " + String.join(",", saved.inputs()) + " and targets "
                    + String.join(",", saved.targets()) + "; --inputs/--targets asked for "
                    + (inputs == null ? "(default)" : String.join(",", inputs)) + " and " + (targets == null ? "(default)" : String.join(",", targets)));
        }
        DataRun.Settings settings = new DataRun.Settings(adapt, printEvery, save, 0, out, null, csvRun.quiet);
        if (key != null) {
            try (CsvSource csv = csvRun.open(data)) {
                if (!csvRun.quiet) {
                    printer.printf("predict: one model per '%s' from %s, %s cell, %s, n=%d, inputs %s, targets %s%s%n", key, model,
                            saved.cell(), saved.learner(), saved.n(), String.join(",", saved.inputs()),
                            String.join(",", saved.targets()), adapt ? ", adapting" : ", frozen");
                }
                return DataRun.run(csv, new DataRun.Models() {
                    @Override
                    public String keyColumn() {
                        return key;
                    }

                    @Override
                    public DataRun.Model open(String value) throws IOException {
                        Path file = DataRun.keyFile(model, value);
                        if (!Files.exists(file)) {
                            throw new IllegalArgumentException(csv.name() + " line " + csv.line() + ": no model for " + key + " '"
                                    + value + "' in " + model + " (expected " + file.getFileName() + ")");
                        }
                        ModelFile one = ModelFile.read(file);
                        return new DataRun.Model(value, one.load(file), one);
                    }
                }, saved, settings, printer);
            }
        }
        try (CsvSource csv = csvRun.open(data); OnlineTrainer trainer = saved.load(model)) {
            if (!csvRun.quiet) {
                printer.printf("predict: %s, %s cell, %s, n=%d, trained on %d rows, inputs %s, targets %s%s%n", model,
                        trainer.cellKind().label(), trainer.learnerSpec().label(), saved.n(), saved.rows(),
                        String.join(",", saved.inputs()), String.join(",", saved.targets()), adapt ? ", adapting" : ", frozen");
            }
            return DataRun.run(csv, TrainCommand.single(trainer, saved), saved, settings, printer);
        }
    }
}
