package org.sparsertrl.harness.study;

import org.sparsertrl.engine.learn.LearnerSpec;
import org.sparsertrl.engine.learn.Rflo;
import org.sparsertrl.engine.learn.Selection;
import org.sparsertrl.engine.optim.OptimizerSpec;

/**
 * What happens after the shift: frozen weights, or online adaptation with one learner and optimizer.
 *
 * @param kind      the learner family
 * @param k         paths (sparse), shared units (subset), the window (truncated BPTT); 0 for immediate, -1 for the others
 * @param policy    path selection of sparse learners, null otherwise
 * @param optimizer the optimizer used during adaptation
 */
public record Method(Kind kind, int k, Selection.Policy policy, Optimizer optimizer) {

    /** Learner families. */
    public enum Kind { FROZEN, READOUT, IMMEDIATE, SPARSE, SUBSET, FULL, SNAP1, UORO, RFLO, TBPTT }

    /** Optimizers of the adaptation runs. */
    public enum Optimizer { ADAM, SGD }

    public static Method frozen() {
        return new Method(Kind.FROZEN, -1, null, Optimizer.ADAM);
    }

    /** The do-little control: only the readout (V, c) learns. */
    public static Method readoutOnly() {
        return new Method(Kind.READOUT, -1, null, Optimizer.ADAM);
    }

    /** Truncated BPTT through the last {@code window} steps (window 1 is immediate derivatives). */
    public static Method tbptt(int window) {
        return new Method(Kind.TBPTT, window, null, Optimizer.ADAM);
    }

    public static Method immediate() {
        return new Method(Kind.IMMEDIATE, 0, null, Optimizer.ADAM);
    }

    public static Method full() {
        return new Method(Kind.FULL, -1, null, Optimizer.ADAM);
    }

    public static Method sparse(int k) {
        return sparse(k, Selection.Policy.RANDOM_FIXED);
    }

    public static Method sparse(int k, Selection.Policy policy) {
        return new Method(Kind.SPARSE, k, policy, Optimizer.ADAM);
    }

    public static Method subset(int k) {
        return new Method(Kind.SUBSET, k, null, Optimizer.ADAM);
    }

    /** A peer learner of the baselines study: SNAP1, UORO or RFLO. */
    public static Method peer(Kind kind) {
        if (kind != Kind.SNAP1 && kind != Kind.UORO && kind != Kind.RFLO) {
            throw new IllegalArgumentException("kind = " + kind + " is not a peer learner");
        }
        return new Method(kind, -1, null, Optimizer.ADAM);
    }

    /** The same learner with another optimizer. */
    public Method with(Optimizer other) {
        return new Method(kind, k, policy, other);
    }

    /** The learner adapted from {@code cell}, with its random roles' seeds; null for frozen. */
    public LearnerSpec learner(Protocol p, Cell cell) {
        long paths = cell.seedFor(Cell.Role.PATHS);
        return switch (kind) {
            case FROZEN -> null;
            case READOUT -> LearnerSpec.readoutOnly();
            case IMMEDIATE -> LearnerSpec.immediate();
            case FULL -> LearnerSpec.full();
            case SNAP1 -> LearnerSpec.snap1();
            case UORO -> LearnerSpec.uoro(paths);
            case RFLO -> LearnerSpec.rflo(p.rfloTau(), Rflo.Feedback.RANDOM, paths);
            case TBPTT -> LearnerSpec.truncatedBptt(k);
            case SUBSET -> LearnerSpec.subset(k, cell.seedFor(Cell.Role.SUBSET));
            case SPARSE -> LearnerSpec.sparse(k, switch (policy) {
                case RANDOM_FIXED -> Selection.randomFixed(paths);
                case RANDOM_RESAMPLED -> Selection.randomResampled(p.refreshEvery(), paths);
                case TOP_K -> Selection.topK(p.refreshEvery());
                case BOTTOM_K -> Selection.bottomK(p.refreshEvery());
                case EXPLICIT -> throw new IllegalStateException("explicit paths are not a study method");
            });
        };
    }

    /** This method's optimizer at learning rate {@code rate}. */
    public OptimizerSpec optimizer(float rate) {
        return optimizer == Optimizer.ADAM ? OptimizerSpec.adam(rate) : OptimizerSpec.sgd(rate);
    }

    /** True for the frozen network, which has no learning rate. */
    public boolean isFrozen() {
        return kind == Kind.FROZEN;
    }

    /** The k shown in tables: the number of paths, n for full RTRL, blank for frozen. */
    public String kLabel(int n) {
        return switch (kind) {
            case FROZEN, READOUT, SNAP1, UORO, RFLO, TBPTT -> "";
            case FULL -> String.valueOf(n);
            default -> String.valueOf(k);
        };
    }

    /** A short name, unique among methods: {@code sparse k=4 top-k sgd}. */
    public String label() {
        String base = switch (kind) {
            case FROZEN -> "frozen";
            case READOUT -> "readout-only";
            case IMMEDIATE -> "immediate (k=0)";
            case FULL -> "full RTRL";
            case SUBSET -> "subset k=" + k;
            case SPARSE -> "sparse k=" + k + (policy == Selection.Policy.RANDOM_FIXED ? "" : " " + policy.label());
            case SNAP1 -> "SnAp-1";
            case UORO -> "UORO";
            case RFLO -> "RFLO";
            case TBPTT -> "truncated BPTT T=" + k;
        };
        return optimizer == Optimizer.SGD ? base + " (SGD)" : base;
    }
}
