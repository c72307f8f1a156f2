package org.sparsertrl.harness.study;

import org.sparsertrl.engine.learn.LearnerSpec;
import org.sparsertrl.engine.learn.Precision;
import org.sparsertrl.engine.learn.Selection;
import org.sparsertrl.engine.optim.OptimizerSpec;

/**
 * What happens after the shift: frozen weights, or online adaptation with one learner and optimizer.
 *
 * @param kind      the learner family
 * @param k         paths (sparse), shared units (subset), the window (truncated BPTT); 0 for immediate, -1 for the others
 * @param policy    path selection of sparse learners, null otherwise
 * @param optimizer the optimizer used during adaptation
 * @param precision how the learner stores its sensitivity: float32, or bf16 for full, sparse and subset RTRL
 */
public record Method(Kind kind, int k, Selection.Policy policy, Optimizer optimizer, Precision precision) {

    public Method {
        if (policy == Selection.Policy.EXPLICIT) {
            throw new IllegalArgumentException("policy = explicit is not a study method: its sets have no name");
        }
        if (precision == null
                || precision != Precision.FLOAT32 && kind != Kind.SPARSE && kind != Kind.FULL && kind != Kind.SUBSET) {
            throw new IllegalArgumentException("precision = " + precision + " with kind = " + kind
                    + ": only full, sparse and subset RTRL store their sensitivity in bf16");
        }
    }

    /** A method whose learner keeps its sensitivity in float32. */
    public Method(Kind kind, int k, Selection.Policy policy, Optimizer optimizer) {
        this(kind, k, policy, optimizer, Precision.FLOAT32);
    }

    /** Learner families. */
    public enum Kind { FROZEN, READOUT, IMMEDIATE, SPARSE, SUBSET, FULL, SNAP1, UORO, KF, RFLO, EPROP, TBPTT }

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

    /** A peer learner of the baselines study: SNAP1, UORO, KF (KF-RTRL), RFLO or EPROP (symmetric feedback). */
    public static Method peer(Kind kind) {
        if (kind != Kind.SNAP1 && kind != Kind.UORO && kind != Kind.KF && kind != Kind.RFLO && kind != Kind.EPROP) {
            throw new IllegalArgumentException("kind = " + kind + " is not a peer learner");
        }
        return new Method(kind, -1, null, Optimizer.ADAM);
    }

    /** The same learner with another optimizer. */
    public Method with(Optimizer other) {
        return new Method(kind, k, policy, other, precision);
    }

    /** The same learner with its sensitivity stored at {@code other} (bf16: full, sparse and subset RTRL only). */
    public Method with(Precision other) {
        return new Method(kind, k, policy, optimizer, other);
    }

    /**
     * The learner's compact name ({@link LearnerSpec#name()}'s grammar) under protocol {@code p}, which
     * sets the refresh of refreshing paths and RFLO's tau: {@code sparse-4-top-k-every-100}; null for frozen.
     */
    public String learnerName(Protocol p) {
        String stored = precision == Precision.FLOAT32 ? "" : "-" + precision.label();
        return switch (kind) {
            case FROZEN -> null;
            case READOUT -> "readout-only";
            case IMMEDIATE -> "immediate";
            case FULL -> "full" + stored;
            case SNAP1 -> "snap-1";
            case UORO -> "uoro";
            case KF -> "kf";
            case RFLO -> "rflo-tau-" + p.rfloTau();
            case EPROP -> "eprop";
            case TBPTT -> "tbptt-" + k;
            case SUBSET -> "subset-" + k + stored;
            case SPARSE -> "sparse-" + k + "-" + policy.label()
                    + (policy == Selection.Policy.RANDOM_FIXED ? "" : "-every-" + p.refreshEvery()) + stored;
        };
    }

    /** The learner adapted from {@code cell}, with its random roles' seeds; null for frozen. */
    public LearnerSpec learner(Protocol p, Cell cell) {
        String name = learnerName(p);
        return name == null ? null
                : LearnerSpec.parse(name, cell.seedFor(kind == Kind.SUBSET ? Cell.Role.SUBSET : Cell.Role.PATHS));
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
            case FROZEN, READOUT, SNAP1, UORO, KF, RFLO, EPROP, TBPTT -> "";
            case FULL -> String.valueOf(n);
            default -> String.valueOf(k);
        };
    }

    /** A short name, unique among methods: {@code sparse k=4 top-k sgd}. */
    public String label() {
        String stored = precision == Precision.FLOAT32 ? "" : " " + precision.label();
        String base = switch (kind) {
            case FROZEN -> "frozen";
            case READOUT -> "readout-only";
            case IMMEDIATE -> "immediate (k=0)";
            case FULL -> "full RTRL" + stored;
            case SUBSET -> "subset k=" + k + stored;
            case SPARSE -> "sparse k=" + k + (policy == Selection.Policy.RANDOM_FIXED ? "" : " " + policy.label()) + stored;
            case SNAP1 -> "SnAp-1";
            case UORO -> "UORO";
            case KF -> "KF-RTRL";
            case RFLO -> "RFLO";
            case EPROP -> "e-prop";
            case TBPTT -> "truncated BPTT T=" + k;
        };
        return optimizer == Optimizer.SGD ? base + " (SGD)" : base;
    }
}
