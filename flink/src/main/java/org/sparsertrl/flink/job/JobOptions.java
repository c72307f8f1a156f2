package org.sparsertrl.flink.job;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

import org.apache.flink.util.ParameterTool;
import org.sparsertrl.engine.runtime.EmbeddedTrainer;
import org.sparsertrl.flink.SparseRtrlOperator;
import org.sparsertrl.flink.TrainerTemplate;

/**
 * The options of the example job and the demo, read with Flink's ParameterTool ({@code --name value}):
 * {@link #JOB_USAGE} lists them. Every option has a default; a bad value throws IllegalArgumentException
 * naming the option and value, and so does an option no program knows (a misspelt one would otherwise be
 * ignored without a word). {@code --help} or {@code -h} prints the program's options.
 */
public final class JobOptions {

    /** The options every program here takes: the trainers', the operator's and the job's. */
    static final String JOB_USAGE = """
              --m 2 --o 1                    inputs and targets per CSV row (required by the job: they split a row)
              --n 32 --learner sparse-4      hidden units; learner by its compact name (LearnerSpec.parse)
              --optimizer adam --lr 0.001    adam | sgd | rmsprop; learning rate
              --seed 0                       the template's seed; each key's seed is derived from it
              --max-live-trainers 1024       off-heap trainers per parallel instance (LRU, written back on eviction)
              --state-ttl-minutes 0          forget a key (cached and stored) whose samples pause this long (0: never)
              --recovery rollback            rollback | reset, after a step that is not finite
              --snapshot-every 1000          updates between a key's rollback snapshots
              --batch 1 --batch-ms 20        hold up to this many samples, this long, and step them key by key (1: none)
              --checkpoint-ms 10000          Flink checkpoint interval (0: off)
              --parallelism 0                the operator's parallelism (0: the environment's default)
            """;

    private static final List<String> JOB_OPTIONS = List.of("m", "o", "n", "learner", "optimizer", "lr", "seed",
            "max-live-trainers", "state-ttl-minutes", "recovery", "snapshot-every", "batch", "batch-ms", "checkpoint-ms",
            "parallelism");

    final ParameterTool params;

    JobOptions(String[] args) {
        this.params = ParameterTool.fromArgs(args);
    }

    /**
     * Prints {@code usage} (the program's own options) and {@link #JOB_USAGE}, and returns true, if
     * {@code args} ask for help ({@code --help} or {@code -h} anywhere).
     */
    static boolean printedHelp(String[] args, String usage) {
        for (String a : args) {
            if (a.equals("--help") || a.equals("-h")) {
                System.out.print(usage + "and the job's options (the job's defaults; a line above overrides one):\n" + JOB_USAGE);
                return true;
            }
        }
        return false;
    }

    /**
     * Refuses any option that neither the job ({@link #JOB_USAGE}) nor {@code own} names.
     *
     * @return these options
     * @throws IllegalArgumentException naming the first unknown option
     */
    JobOptions requireKnown(String... own) {
        Set<String> known = new TreeSet<>(JOB_OPTIONS);
        known.addAll(List.of(own));
        for (String name : params.getProperties().stringPropertyNames()) {
            if (!known.contains(name)) {
                throw new IllegalArgumentException("unknown option --" + name + " (known: --" + String.join(", --", known)
                        + "; --help lists them)");
            }
        }
        return this;
    }

    String string(String name, String fallback) {
        return params.get(name, fallback);
    }

    boolean has(String name) {
        return params.has(name);
    }

    int integer(String name, int fallback, int min) {
        long v = longValue(name, fallback, min);
        if (v > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("--" + name + " = " + v + " must be <= " + Integer.MAX_VALUE);
        }
        return (int) v;
    }

    long longValue(String name, long fallback, long min) {
        String value = params.get(name);
        if (value == null) {
            return fallback;
        }
        try {
            long v = Long.parseLong(value.trim());
            if (v < min) {
                throw new IllegalArgumentException("--" + name + " = " + value + " must be >= " + min);
            }
            return v;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + name + " = '" + value + "' is not an integer");
        }
    }

    float real(String name, float fallback) {
        String value = params.get(name);
        if (value == null) {
            return fallback;
        }
        try {
            return Float.parseFloat(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + name + " = '" + value + "' is not a number");
        }
    }

    /** The constant of {@code type} the option names, case-insensitive; {@code expected} lists the names in the message. */
    <E extends Enum<E>> E choice(String name, String fallback, Class<E> type, String expected) {
        try {
            return Enum.valueOf(type, string(name, fallback).toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--" + name + " = '" + string(name, "") + "': expected " + expected);
        }
    }

    int m() {
        return integer("m", 2, 1);
    }

    int o() {
        return integer("o", 1, 1);
    }

    /** The template these options describe (checked by building one trainer). */
    TrainerTemplate template() {
        TrainerTemplate.Optimizer kind = choice("optimizer", "adam", TrainerTemplate.Optimizer.class, "adam, sgd or rmsprop");
        return TrainerTemplate.builder(integer("n", 32, 1), m(), o())
                .learner(string("learner", "sparse-4"))
                .optimizer(kind, real("lr", 1e-3f))
                .seed(longValue("seed", 0, Long.MIN_VALUE))
                .build();
    }

    /** The operator these options describe; {@code batch} and {@code batchMillis} are the defaults of {@code --batch} and {@code --batch-ms}. */
    SparseRtrlOperator operator(boolean emitFinalStates, int batch, long batchMillis) {
        EmbeddedTrainer.Recovery policy = choice("recovery", "rollback", EmbeddedTrainer.Recovery.class, "rollback or reset");
        SparseRtrlOperator.Builder b = SparseRtrlOperator.builder(template())
                .maxLiveTrainers(integer("max-live-trainers", 1_024, 1))
                .recovery(policy, integer("snapshot-every", 1_000, 1))
                .emitFinalStates(emitFinalStates)
                .batch(integer("batch", batch, 1), Duration.ofMillis(longValue("batch-ms", batchMillis, 1)));
        int ttl = integer("state-ttl-minutes", 0, 0);
        if (ttl > 0) {
            b.stateTtl(Duration.ofMinutes(ttl));
        }
        return b.build();
    }
}
