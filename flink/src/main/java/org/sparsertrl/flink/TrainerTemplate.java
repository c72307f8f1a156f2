package org.sparsertrl.flink;

import java.io.Serializable;

import org.sparsertrl.engine.cell.CellKind;
import org.sparsertrl.engine.cell.Initialization;
import org.sparsertrl.engine.learn.LearnerSpec;
import org.sparsertrl.engine.optim.OptimizerSpec;
import org.sparsertrl.engine.train.OnlineTrainer;

/**
 * What every key's trainer is made from: cell, sizes, learner, optimizer, and a seed from which each
 * key's own seed is derived, so a key's model depends on the key and the template only, never on
 * which task or in which order it was first seen. Serializable: it travels inside the job graph.
 *
 * <pre>{@code
 * TrainerTemplate template = TrainerTemplate.builder(32, 4, 1)   // n hidden, m inputs, o outputs
 *         .learner("sparse-4")                                   // LearnerSpec.parse names
 *         .optimizer(TrainerTemplate.Optimizer.ADAM, 1e-3f)
 *         .seed(7)
 *         .build();                                              // checks it by building one trainer
 * try (OnlineTrainer trainer = template.create("sensor-17")) { ... }
 * }</pre>
 *
 * <p>The per-key seed is our definition (no paper prescribes one): FNV-1a over the key's UTF-16 code
 * units, started from the template's seed, then SplitMix64's finaliser. It seeds the weights and
 * whatever the learner draws (sparse RTRL's random paths).
 */
public final class TrainerTemplate implements Serializable {

    private static final long serialVersionUID = 1L;

    /** The optimizers, by name (the engine's specs are not serializable). */
    public enum Optimizer {
        ADAM, SGD, RMSPROP
    }

    private final CellKind cell;
    private final int n;
    private final int m;
    private final int o;
    private final String learner;
    private final Optimizer optimizer;
    private final float learningRate;
    private final float momentum;
    private final float clipNorm;
    private final float recurrentGain;
    private final long seed;

    private TrainerTemplate(Builder b) {
        this.cell = b.cell;
        this.n = b.n;
        this.m = b.m;
        this.o = b.o;
        this.learner = b.learner;
        this.optimizer = b.optimizer;
        this.learningRate = b.learningRate;
        this.momentum = b.momentum;
        this.clipNorm = b.clipNorm;
        this.recurrentGain = b.recurrentGain;
        this.seed = b.seed;
    }

    public static Builder builder(int n, int m, int o) {
        return new Builder(n, m, o);
    }

    /** A new trainer for {@code key}: the same key always gets the same initial model. The caller closes it. */
    public OnlineTrainer create(String key) {
        long keySeed = seedFor(key);
        return OnlineTrainer.builder(n, m, o)
                .cell(cell)
                .seed(keySeed)
                .initialization(Initialization.gaussian(recurrentGain))
                .learner(LearnerSpec.parse(learner, keySeed))
                .optimizer(optimizerSpec())
                .clipNorm(clipNorm)
                .build();
    }

    /** The seed of {@code key}'s trainer (see the class comment). */
    public long seedFor(String key) {
        if (key == null) {
            throw new IllegalArgumentException("key is null");
        }
        long h = 0xcbf29ce484222325L ^ seed;
        for (int i = 0; i < key.length(); i++) {
            h ^= key.charAt(i);
            h *= 0x100000001b3L;
        }
        h = (h ^ (h >>> 30)) * 0xbf58476d1ce4e5b9L;
        h = (h ^ (h >>> 27)) * 0x94d049bb133111ebL;
        return h ^ (h >>> 31);
    }

    /**
     * Why {@code sample} cannot be given to a trainer of this template, or null if it can: a null key
     * or vector, an input not of length m, a target not of length o (a prediction-only sample may have
     * none), a value that is NaN or infinite. Allocates nothing unless it finds a problem.
     */
    public String problemWith(Sample sample) {
        if (sample == null) {
            return "sample is null";
        }
        if (sample.key() == null) {
            return "key is null";
        }
        String bad = problemWith("input", sample.input(), m, "m", false);
        if (bad == null) {
            bad = problemWith("target", sample.target(), o, "o", !sample.train());
        }
        return bad;
    }

    private static String problemWith(String name, float[] values, int length, String lengthName, boolean mayBeEmpty) {
        if (values == null) {
            return name + " is null";
        }
        if (values.length != length && !(mayBeEmpty && values.length == 0)) {
            return name + " has length " + values.length + ", expected " + lengthName + " = " + length
                    + (mayBeEmpty ? " (or 0 for a prediction-only sample)" : "");
        }
        for (int i = 0; i < values.length; i++) {
            if (!Float.isFinite(values[i])) {
                return name + "[" + i + "] = " + values[i] + " is not finite";
            }
        }
        return null;
    }

    private OptimizerSpec optimizerSpec() {
        return switch (optimizer) {
            case ADAM -> OptimizerSpec.adam(learningRate);
            case SGD -> OptimizerSpec.sgd(learningRate, momentum);
            case RMSPROP -> OptimizerSpec.rmsprop(learningRate);
        };
    }

    public int n() {
        return n;
    }

    public int m() {
        return m;
    }

    public int o() {
        return o;
    }

    /** The learner's compact name, as {@link LearnerSpec#parse(String, long)} reads it. */
    public String learner() {
        return learner;
    }

    @Override
    public String toString() {
        return cell.label() + " n=" + n + " m=" + m + " o=" + o + ", " + learner + ", " + optimizerSpec().label()
                + ", seed " + seed;
    }

    /** Collects a template's choices; {@link #build} checks them by building one trainer. */
    public static final class Builder {
        private final int n;
        private final int m;
        private final int o;
        private CellKind cell = CellKind.VANILLA;
        private String learner = "sparse-4";
        private Optimizer optimizer = Optimizer.ADAM;
        private float learningRate = 1e-3f;
        private float momentum;
        private float clipNorm = Float.POSITIVE_INFINITY;
        private float recurrentGain = 0.9f;
        private long seed;

        private Builder(int n, int m, int o) {
            this.n = n;
            this.m = m;
            this.o = o;
        }

        /** The recurrent cell (default vanilla tanh). */
        public Builder cell(CellKind cell) {
            if (cell == null) {
                throw new IllegalArgumentException("cell is null");
            }
            this.cell = cell;
            return this;
        }

        /** The learner by its compact name (default {@code sparse-4}), e.g. {@code full}, {@code sparse-4}, {@code snap-1}. */
        public Builder learner(String name) {
            LearnerSpec.parse(name); // names a bad name now, in the caller's words
            this.learner = name;
            return this;
        }

        /** The optimizer and its learning rate (default Adam, 1e-3); momentum applies to SGD only. */
        public Builder optimizer(Optimizer optimizer, float learningRate) {
            if (optimizer == null) {
                throw new IllegalArgumentException("optimizer is null");
            }
            this.optimizer = optimizer;
            this.learningRate = learningRate;
            return this;
        }

        /** SGD's momentum (default 0). */
        public Builder momentum(float momentum) {
            this.momentum = momentum;
            return this;
        }

        /** Global-norm clipping limit (default none). */
        public Builder clipNorm(float clipNorm) {
            this.clipNorm = clipNorm;
            return this;
        }

        /** Gaussian initialisation gain of W (default 0.9: W ~ N(0, 0.81 / n)). */
        public Builder recurrentGain(float gain) {
            this.recurrentGain = gain;
            return this;
        }

        /** The seed every key's seed is derived from (default 0). */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /** The template, after building one trainer from it so that every bad choice fails here, naming itself. */
        public TrainerTemplate build() {
            TrainerTemplate template = new TrainerTemplate(this);
            template.create("").close();
            return template;
        }
    }
}
