package org.sparsertrl.engine.learn;

import java.util.Arrays;

import org.sparsertrl.engine.Arguments;
import org.sparsertrl.engine.cell.RecurrentCell;
import org.sparsertrl.engine.cell.VanillaRnn;
import org.sparsertrl.engine.kernel.ColumnPool;
import org.sparsertrl.engine.kernel.Kernels;
import org.sparsertrl.engine.memory.ModelMemory;

/**
 * What learner to train with; the trainer turns it into a {@link Learner} bound to a model.
 *
 * <pre>{@code
 * LearnerSpec.full()                                   // exact RTRL, O(n^4) per step
 * LearnerSpec.sparse(4, Selection.randomFixed(1))      // k paths per row, O(k n^3)
 * LearnerSpec.subset(4, 1)                             // k shared rows, O(k^2 n^2), O(k n^2) memory
 * LearnerSpec.immediate()                              // k = 0: immediate derivatives only
 * LearnerSpec.snap1()                                  // SnAp-1: one-step sparsity pattern, O(n^2)
 * LearnerSpec.truncatedBptt(16)                        // online BPTT through the last 16 steps
 * LearnerSpec.uoro(1)                                  // UORO: unbiased rank-one estimate, O(n^2)
 * LearnerSpec.rflo(4f, Rflo.Feedback.RANDOM, 1)        // RFLO: local traces, random feedback, O(n^2)
 * LearnerSpec.readoutOnly()                            // control: W, U, b frozen, only V, c learn
 * }</pre>
 * k is checked against n when the learner is created, before anything is allocated.
 *
 * <p>Every learner but RFLO runs on every cell ({@link org.sparsertrl.engine.cell.CellKind}); RFLO
 * is defined for leaky rate networks and implemented for the vanilla cell, and creating it for a
 * gated cell throws IllegalArgumentException naming the cell.
 */
public sealed interface LearnerSpec {

    /**
     * Creates the learner for {@code cell}, with its buffers in {@code memory}; its sensitivity
     * kernels split their columns over {@code pool}.
     */
    Learner create(RecurrentCell cell, ModelMemory memory, Kernels kernels, ColumnPool pool);

    /** A short label for tables and logs, e.g. {@code sparse k=4 random-fixed}. */
    String label();

    static LearnerSpec full() {
        return new FullSpec();
    }

    static SparseSpec sparse(int k, Selection selection) {
        return new SparseSpec(k, selection, false);
    }

    static LearnerSpec immediate() {
        return new ImmediateSpec();
    }

    /** SnAp-1: sensitivities kept on their one-step sparsity pattern (S_i = {i}, stored as one value per parameter). */
    static LearnerSpec snap1() {
        return new Snap1Spec();
    }

    /** Online truncated BPTT: each step's error carried back through the last {@code window} steps. */
    static LearnerSpec truncatedBptt(int window) {
        return new TruncatedBpttSpec(window);
    }

    /** UORO, its random signs drawn from {@code seed}. */
    static LearnerSpec uoro(long seed) {
        return new UoroSpec(seed);
    }

    /** RFLO with trace time constant {@code tau} (>= 1) and the given feedback; B drawn from {@code seed}. */
    static LearnerSpec rflo(float tau, Rflo.Feedback feedback, long seed) {
        return new RfloSpec(tau, feedback, seed);
    }

    /**
     * The control that learns only the readout: a zero recurrent gradient, so W, U and b keep their
     * initial values and V, c learn from the exact readout gradient, as a fixed reservoir would.
     */
    static LearnerSpec readoutOnly() {
        return new ReadoutOnlySpec();
    }

    /** Shared-subset RTRL over k units drawn with {@code seed}. */
    static LearnerSpec subset(int k, long seed) {
        return new SubsetSpec(k, seed, null);
    }

    /** Shared-subset RTRL over the given units. */
    static LearnerSpec subset(int[] units) {
        if (units == null) {
            throw new IllegalArgumentException("units is null");
        }
        return new SubsetSpec(units.length, 0L, units);
    }

    /** Exact RTRL: {@code J_t = diag(d_t) (W J_{t-1} + M_t)}. */
    record FullSpec() implements LearnerSpec {
        @Override
        public Learner create(RecurrentCell cell, ModelMemory memory, Kernels kernels, ColumnPool pool) {
            return new FullRtrl(this, cell, memory, kernels, pool);
        }

        @Override
        public String label() {
            return "full";
        }
    }

    /**
     * Per-row sparse RTRL:
     * {@code J_t[i,:] = d_t[i] (alpha sum_{j in S_i} W[i,j] J_{t-1}[j,:] + M_t[i,:])}.
     *
     * @param k              paths per row, in [0, n]
     * @param selection      how the S_i are chosen
     * @param scaleByNOverK  alpha = n / k instead of 1 (a k = 0 learner ignores it)
     */
    record SparseSpec(int k, Selection selection, boolean scaleByNOverK) implements LearnerSpec {
        public SparseSpec {
            Arguments.requireAtLeast("k", k, 0);
            if (selection == null) {
                throw new IllegalArgumentException("selection is null");
            }
        }

        /** The same learner with alpha = n / k. */
        public SparseSpec scaledByNOverK() {
            return new SparseSpec(k, selection, true);
        }

        @Override
        public Learner create(RecurrentCell cell, ModelMemory memory, Kernels kernels, ColumnPool pool) {
            requireKAtMostN(k, cell);
            return new SparseRtrl(this, cell, memory, kernels, pool);
        }

        @Override
        public String label() {
            return "sparse k=" + k + " " + selection.policy().label() + (scaleByNOverK ? " alpha=n/k" : "");
        }
    }

    /**
     * Shared-subset RTRL: only the k rows of J for the units in S are stored.
     *
     * @param k     number of units in S, in [0, n]
     * @param seed  seed for drawing S when {@code units} is null
     * @param units the units of S, or null to draw k of them
     */
    record SubsetSpec(int k, long seed, int[] units) implements LearnerSpec {
        public SubsetSpec {
            Arguments.requireAtLeast("k", k, 0);
            if (units != null) {
                units = units.clone();
                if (units.length != k) {
                    throw new IllegalArgumentException("units has length " + units.length + ", expected k = " + k);
                }
            }
        }

        @Override
        public Learner create(RecurrentCell cell, ModelMemory memory, Kernels kernels, ColumnPool pool) {
            requireKAtMostN(k, cell);
            return new SubsetRtrl(this, cell, memory, kernels, pool);
        }

        @Override
        public String label() {
            return "subset k=" + k;
        }

        /** The given units (a copy), or null when they are drawn. */
        @Override
        public int[] units() {
            return units == null ? null : units.clone();
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof SubsetSpec s && s.k == k && s.seed == seed && Arrays.equals(s.units, units);
        }

        @Override
        public int hashCode() {
            return 31 * (31 * k + Long.hashCode(seed)) + Arrays.hashCode(units);
        }

        @Override
        public String toString() {
            return "SubsetSpec[k=" + k + ", seed=" + seed + ", units=" + Arrays.toString(units) + "]";
        }
    }

    /** Immediate derivatives only (k = 0): {@code J_t = diag(d_t) M_t}. */
    record ImmediateSpec() implements LearnerSpec {
        @Override
        public Learner create(RecurrentCell cell, ModelMemory memory, Kernels kernels, ColumnPool pool) {
            return new Immediate(this, cell, kernels);
        }

        @Override
        public String label() {
            return "immediate";
        }
    }

    /** SnAp-1: {@code s_t[theta] = d_t[i] (W[i,i] s_{t-1}[theta] + M_t[i,theta])} for theta of unit i. */
    record Snap1Spec() implements LearnerSpec {
        @Override
        public Learner create(RecurrentCell cell, ModelMemory memory, Kernels kernels, ColumnPool pool) {
            return new Snap1(this, cell, memory, kernels);
        }

        @Override
        public String label() {
            return "snap-1";
        }
    }

    /**
     * Online truncated BPTT over the last {@code window} steps, from a preallocated ring of past states.
     *
     * @param window steps the error is carried back, in [1, 1_000_000]
     */
    record TruncatedBpttSpec(int window) implements LearnerSpec {
        public TruncatedBpttSpec {
            Arguments.requireAtLeast("window", window, 1);
            if (window > 1_000_000) {
                throw new IllegalArgumentException("window = " + window + " is out of range [1, 1000000]");
            }
        }

        @Override
        public Learner create(RecurrentCell cell, ModelMemory memory, Kernels kernels, ColumnPool pool) {
            return new TruncatedBptt(this, cell, memory, kernels);
        }

        @Override
        public String label() {
            return "tbptt T=" + window;
        }
    }

    /** UORO: the rank-one unbiased estimate J_t ~ h~_t theta~_t^T, random signs from {@code seed}. */
    record UoroSpec(long seed) implements LearnerSpec {
        @Override
        public Learner create(RecurrentCell cell, ModelMemory memory, Kernels kernels, ColumnPool pool) {
            return new Uoro(this, cell, memory, kernels);
        }

        @Override
        public String label() {
            return "uoro";
        }
    }

    /** Readout only: the recurrent gradient is zero, so only V and c learn; runs on every cell. */
    record ReadoutOnlySpec() implements LearnerSpec {
        @Override
        public Learner create(RecurrentCell cell, ModelMemory memory, Kernels kernels, ColumnPool pool) {
            return new ReadoutOnly(this, cell, kernels);
        }

        @Override
        public String label() {
            return "readout-only";
        }
    }

    /**
     * RFLO: local eligibility traces with time constant {@code tau}, the error fed back through B.
     *
     * @param tau      the trace's time constant, finite and at least 1 (1: no memory)
     * @param feedback a fixed random B, or the readout's V^T
     * @param seed     seed of B
     */
    record RfloSpec(float tau, Rflo.Feedback feedback, long seed) implements LearnerSpec {
        public RfloSpec {
            if (!(tau >= 1f) || Float.isInfinite(tau)) {
                throw new IllegalArgumentException("tau = " + tau + " must be finite and at least 1");
            }
            if (feedback == null) {
                throw new IllegalArgumentException("feedback is null");
            }
        }

        @Override
        public Learner create(RecurrentCell cell, ModelMemory memory, Kernels kernels, ColumnPool pool) {
            return new Rflo(this, vanilla(cell, label()), memory, kernels);
        }

        @Override
        public String label() {
            return "rflo tau=" + tau + " " + feedback.name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** The cell as a vanilla RNN, or an IllegalArgumentException naming the cell and the learner. */
    private static VanillaRnn vanilla(RecurrentCell cell, String learner) {
        if (cell instanceof VanillaRnn vanilla) {
            return vanilla;
        }
        throw new IllegalArgumentException("cell = " + cell.kind().label() + ": learner '" + learner
                + "' is implemented for the vanilla cell only (every other learner runs on every cell)");
    }

    private static void requireKAtMostN(int k, RecurrentCell cell) {
        int n = cell.layout().n();
        if (k > n) {
            throw new IllegalArgumentException("k = " + k + " is out of range [0, n = " + n + "]");
        }
    }
}
