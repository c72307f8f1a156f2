package org.sparsertrl.harness.cli;

import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;

import org.sparsertrl.engine.cell.CellKind;
import org.sparsertrl.engine.learn.LearnerSpec;
import org.sparsertrl.engine.optim.OptimizerSpec;
import org.sparsertrl.engine.runtime.Checkpoint;
import org.sparsertrl.engine.train.OnlineTrainer;

/**
 * A model trained on one's own data: the engine's {@link Checkpoint} ({@code model.ckpt}: weights,
 * hidden state, optimizer moments, sensitivities, checksummed and written atomically) and beside it
 * a sidecar {@code model.ckpt.meta} with what the checkpoint has no place for and {@code predict}
 * needs to rebuild the same network. The sidecar is a UTF-8 properties file:
 * <pre>
 * format=sparse-rtrl-model      version=1
 * cell, n, learner (LearnerSpec name), seed, optimizer, lr, momentum, clip
 * inputs, targets               column names, comma-separated, in the network's order
 * normalize                     true or false
 * stats.count, stats.mean, stats.m2   running statistics of inputs then targets (doubles, exact)
 * rows                          data rows trained on
 * updates                       the trainer's update count, the same as the checkpoint's
 * </pre>
 * The sidecar is written first and the checkpoint second, each to a temporary file renamed into
 * place; on loading, the update counts must agree, so a pair torn apart by a crash is refused
 * rather than silently mixed.
 */
record ModelFile(String cell, int n, String learner, long seed, String optimizer, float lr, float momentum,
                 float clip, List<String> inputs, List<String> targets, boolean normalize, RunningStats stats,
                 long rows, long updates) {

    static final String FORMAT = "sparse-rtrl-model";
    static final int VERSION = 1;

    static Path sidecar(Path model) {
        return model.resolveSibling(model.getFileName() + ".meta");
    }

    OptimizerSpec optimizerSpec() {
        return switch (optimizer) {
            case "adam" -> OptimizerSpec.adam(lr);
            case "sgd" -> OptimizerSpec.sgd(lr, momentum);
            case "rmsprop" -> OptimizerSpec.rmsprop(lr);
            default -> throw new IllegalArgumentException("optimizer '" + optimizer + "' is not adam, sgd or rmsprop");
        };
    }

    /** A fresh network of this description (weights from the seed, before any checkpoint is loaded). */
    OnlineTrainer newTrainer() {
        return OnlineTrainer.builder(n, inputs.size(), targets.size()).cell(CellKind.of(cell)).seed(seed)
                .learner(LearnerSpec.parse(learner, seed)).optimizer(optimizerSpec()).clipNorm(clip).build();
    }

    ModelFile withProgress(RunningStats newStats, long newRows, long newUpdates) {
        return new ModelFile(cell, n, learner, seed, optimizer, lr, momentum, clip, inputs, targets, normalize,
                newStats, newRows, newUpdates);
    }

    /** Writes the sidecar, then the checkpoint with sensitivities (so that a resumed run continues exactly). */
    void save(Path model, OnlineTrainer trainer) throws IOException {
        Properties p = new Properties(); // stored with sorted keys (JDK 18 and later)
        p.setProperty("format", FORMAT);
        p.setProperty("version", Integer.toString(VERSION));
        p.setProperty("cell", cell);
        p.setProperty("n", Integer.toString(n));
        p.setProperty("learner", learner);
        p.setProperty("seed", Long.toString(seed));
        p.setProperty("optimizer", optimizer);
        p.setProperty("lr", Float.toString(lr));
        p.setProperty("momentum", Float.toString(momentum));
        p.setProperty("clip", Float.toString(clip));
        p.setProperty("inputs", String.join(",", inputs));
        p.setProperty("targets", String.join(",", targets));
        p.setProperty("normalize", Boolean.toString(normalize));
        p.setProperty("stats.count", Long.toString(stats.count()));
        p.setProperty("stats.mean", doubles(stats.mean()));
        p.setProperty("stats.m2", doubles(stats.m2()));
        p.setProperty("rows", Long.toString(rows));
        p.setProperty("updates", Long.toString(updates));
        Path meta = sidecar(model), temporary = meta.resolveSibling(meta.getFileName() + ".tmp");
        try (Writer w = Files.newBufferedWriter(temporary, StandardCharsets.UTF_8)) {
            p.store(w, null);
        }
        Files.move(temporary, meta, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        Checkpoint.write(model, trainer, true);
    }

    /** Reads the sidecar of {@code model}; every problem is one line naming the file and the key. */
    static ModelFile read(Path model) throws IOException {
        Path meta = sidecar(model);
        if (!Files.exists(model)) {
            throw new IllegalArgumentException(model + ": no such model file");
        }
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(meta, StandardCharsets.UTF_8)) {
            p.load(r);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException(meta + ": missing; a model saved by 'rtrl train --save' has this "
                    + "sidecar beside its checkpoint");
        }
        Reading in = new Reading(meta, p);
        if (!FORMAT.equals(p.getProperty("format"))) {
            throw new IllegalArgumentException(meta + ": not a sparse-rtrl model sidecar (format is not " + FORMAT + ")");
        }
        int version = in.integer("version");
        if (version != VERSION) {
            throw new IllegalArgumentException(meta + ": version " + version + " is not supported (this build reads "
                    + VERSION + ")");
        }
        List<String> inputs = List.of(in.string("inputs").split(",")), targets = List.of(in.string("targets").split(","));
        double[] mean = in.doubles("stats.mean"), m2 = in.doubles("stats.m2");
        if (mean.length != inputs.size() + targets.size() || m2.length != mean.length) {
            throw new IllegalArgumentException(meta + ": " + mean.length + " means and " + m2.length
                    + " sums of squares for " + (inputs.size() + targets.size()) + " columns");
        }
        return new ModelFile(in.string("cell"), in.integer("n"), in.string("learner"), in.longValue("seed"),
                in.string("optimizer"), in.floatValue("lr"), in.floatValue("momentum"), in.floatValue("clip"),
                inputs, targets, Boolean.parseBoolean(in.string("normalize")),
                new RunningStats(in.longValue("stats.count"), mean, m2), in.longValue("rows"), in.longValue("updates"));
    }

    /** Builds the network this sidecar describes and loads the checkpoint into it, checking that the two belong together. */
    OnlineTrainer load(Path model) throws IOException {
        OnlineTrainer trainer = newTrainer();
        try {
            Checkpoint.load(model, trainer);
            if (trainer.steps() != updates) {
                throw new IllegalArgumentException(model + ": the checkpoint has " + trainer.steps()
                        + " updates, its sidecar " + sidecar(model).getFileName() + " " + updates
                        + "; they were not saved together");
            }
            return trainer;
        } catch (IOException | RuntimeException e) {
            trainer.close();
            if (e instanceof Checkpoint.CorruptCheckpointException) {
                throw new IllegalArgumentException(e.getMessage(), e);
            }
            throw e;
        }
    }

    private static String doubles(double[] values) {
        StringBuilder b = new StringBuilder();
        for (double v : values) {
            b.append(b.isEmpty() ? "" : ",").append(v);
        }
        return b.toString();
    }

    private record Reading(Path file, Properties p) {
        String string(String key) {
            String v = p.getProperty(key);
            if (v == null) {
                throw new IllegalArgumentException(file + ": no '" + key + "'");
            }
            return v;
        }

        int integer(String key) {
            return (int) number(key, Integer.MIN_VALUE, Integer.MAX_VALUE);
        }

        long longValue(String key) {
            return number(key, Long.MIN_VALUE, Long.MAX_VALUE);
        }

        private long number(String key, long min, long max) {
            try {
                long v = Long.parseLong(string(key));
                if (v < min || v > max) {
                    throw new NumberFormatException();
                }
                return v;
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(file + ": '" + key + "' = '" + p.getProperty(key) + "' is not an integer");
            }
        }

        float floatValue(String key) {
            try {
                return Float.parseFloat(string(key));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(file + ": '" + key + "' = '" + p.getProperty(key) + "' is not a number");
            }
        }

        double[] doubles(String key) {
            String v = string(key);
            if (v.isEmpty()) {
                return new double[0];
            }
            try {
                return Arrays.stream(v.split(",")).mapToDouble(Double::parseDouble).toArray();
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(file + ": '" + key + "' holds something that is not a number");
            }
        }
    }
}
