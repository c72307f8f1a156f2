package org.sparsertrl.harness.cli;

import java.util.Locale;

import org.sparsertrl.engine.cell.CellKind;
import org.sparsertrl.engine.learn.LearnerSpec;
import org.sparsertrl.engine.learn.Precision;
import org.sparsertrl.engine.optim.OptimizerSpec;
import org.sparsertrl.engine.train.OnlineTrainer;

import picocli.CommandLine.Option;

/** Command-line choice of learner and optimizer, shared by the commands that train. */
public final class LearnerOptions {

    /** The learners; on the command line by their lower-case names, with dashes ({@code readout-only}). */
    public enum Method {
        FULL, SPARSE, SUBSET, IMMEDIATE, SNAP1, SNAP2, TBPTT, UORO, KF, RFLO, EPROP, EPROP_RANDOM, OSTL, READOUT_ONLY;

        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }
    }

    /** The optimizers. */
    public enum Optimizer {
        ADAM, SGD, RMSPROP;

        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** The path-selection policies of per-row sparse RTRL. */
    public enum Policy {
        RANDOM_FIXED, RANDOM_RESAMPLED, TOP_K, BOTTOM_K;

        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }
    }

    @Option(names = "--cell", defaultValue = "vanilla", converter = CellConverter.class,
            description = "Recurrent cell: vanilla, lstm, gru (default: ${DEFAULT-VALUE}). The gated cells run every "
                    + "method but rflo and kf.")
    CellKind cell;

    @Option(names = "--method", defaultValue = "sparse",
            description = "Learner: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
    Method method;

    @Option(names = "--k", defaultValue = "4", description = "Paths per row (sparse) or shared units (subset) (default: ${DEFAULT-VALUE}).")
    int k;

    @Option(names = "--selection", defaultValue = "random-fixed", converter = PolicyConverter.class,
            description = "Path selection for sparse: random-fixed, random-resampled, top-k, bottom-k (default: ${DEFAULT-VALUE}).")
    Policy selection;

    @Option(names = "--refresh-every", defaultValue = "100",
            description = "Steps between refreshes of resampled, top-k and bottom-k paths (default: ${DEFAULT-VALUE}).")
    int refreshEvery;

    @Option(names = "--window", defaultValue = "16", description = "Steps truncated BPTT looks back (default: ${DEFAULT-VALUE}).")
    int window;

    @Option(names = "--tau", defaultValue = "4", description = "Time constant of RFLO's eligibility traces (default: ${DEFAULT-VALUE}).")
    float tau;

    @Option(names = "--alpha-n-over-k", description = "Scale the propagated sensitivity of sparse RTRL by n/k.")
    boolean alphaNOverK;

    @Option(names = "--precision", defaultValue = "float32", converter = PrecisionConverter.class,
            description = "How full, sparse and subset RTRL store their sensitivity J between steps: float32 or bf16 "
                    + "(bfloat16: half the memory and bytes per step, every sum still in float32; the README says when "
                    + "not to use it) (default: ${DEFAULT-VALUE}).")
    Precision precision;

    @Option(names = "--weight-density", defaultValue = "1",
            description = "Share of recurrent connections kept, in (0, 1]: the others are removed at random from the "
                    + "seed and stay zero; snap2 reads its sparsity pattern from them (default: ${DEFAULT-VALUE}, dense).")
    float weightDensity;

    @Option(names = "--optimizer", defaultValue = "adam",
            description = "Optimizer: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
    Optimizer optimizer;

    @Option(names = "--lr", defaultValue = "1e-3", description = "Learning rate (default: ${DEFAULT-VALUE}).")
    float learningRate;

    @Option(names = "--momentum", defaultValue = "0", description = "SGD momentum in [0, 1) (default: ${DEFAULT-VALUE}).")
    float momentum;

    @Option(names = "--clip", defaultValue = "Infinity", description = "Global gradient-norm limit (default: none).")
    float clipNorm;

    /**
     * The options as one compact learner name ({@link LearnerSpec#name()}'s grammar), e.g.
     * {@code sparse-4-top-k-every-100} for {@code --method sparse --k 4 --selection top-k}.
     *
     * @throws IllegalArgumentException for {@code --precision bf16} with a method other than full, sparse and
     *                                  subset, naming both
     */
    public String learnerName() {
        if (precision == Precision.BF16 && method != Method.SPARSE && method != Method.FULL && method != Method.SUBSET) {
            throw new IllegalArgumentException("--precision = " + precision.label() + " is for --method full, sparse and "
                    + "subset only; --method " + method + " stores its sensitivity in float32");
        }
        String stored = precision == Precision.BF16 ? "-bf16" : "";
        return switch (method) {
            case SPARSE -> "sparse-" + k + "-" + selection
                    + (selection == Policy.RANDOM_FIXED ? "" : "-every-" + refreshEvery)
                    + (alphaNOverK ? "-alpha-n-over-k" : "") + stored;
            case SUBSET -> "subset-" + k + stored;
            case FULL -> "full" + stored;
            case TBPTT -> "tbptt-" + window;
            case RFLO -> "rflo-tau-" + tau;
            default -> method.toString();
        };
    }

    /** The learner these options name; {@code seed} draws random paths or subsets. */
    public LearnerSpec learner(long seed) {
        return LearnerSpec.parse(learnerName(), seed);
    }

    /** {@return a trainer of n hidden units, m inputs and o outputs with these options, seeded with {@code seed}} */
    public OnlineTrainer trainer(int n, int m, int o, long seed) {
        return OnlineTrainer.builder(n, m, o).cell(cell).seed(seed).learner(learner(seed)).optimizer(optimizer())
                .clipNorm(clipNorm).weightDensity(weightDensity).build();
    }

    /** The optimizer these options name. */
    public OptimizerSpec optimizer() {
        return switch (optimizer) {
            case ADAM -> OptimizerSpec.adam(learningRate);
            case SGD -> OptimizerSpec.sgd(learningRate, momentum);
            case RMSPROP -> OptimizerSpec.rmsprop(learningRate);
        };
    }

    /** Precisions by name ({@link Precision#parse}): a bad one is one line naming the option and the value. */
    public static final class PrecisionConverter implements picocli.CommandLine.ITypeConverter<Precision> {
        @Override
        public Precision convert(String value) {
            try {
                return Precision.parse(value);
            } catch (IllegalArgumentException e) {
                throw new picocli.CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }

    /** Cell kinds by their lower-case names. */
    public static final class CellConverter implements picocli.CommandLine.ITypeConverter<CellKind> {
        @Override
        public CellKind convert(String value) {
            try {
                return CellKind.of(value);
            } catch (IllegalArgumentException e) {
                throw new picocli.CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }

    /** Accepts the policy names with dashes, as printed. */
    public static final class PolicyConverter implements picocli.CommandLine.ITypeConverter<Policy> {
        @Override
        public Policy convert(String value) {
            for (Policy p : Policy.values()) {
                if (p.toString().equalsIgnoreCase(value) || p.name().equalsIgnoreCase(value)) {
                    return p;
                }
            }
            throw new picocli.CommandLine.TypeConversionException("'" + value
                    + "' is not a selection policy; valid: random-fixed, random-resampled, top-k, bottom-k");
        }
    }
}
