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
 * LearnerSpec.sparse(4, Selection.randomFixed(1)).sensitivity(Precision.BF16)   // the same, J stored in bfloat16
 * LearnerSpec.subset(4, 1)                             // k shared rows, O(k^2 n^2), O(k n^2) memory
 * LearnerSpec.full().sensitivity(Precision.BF16)       // full RTRL, J stored in bfloat16 (subset takes it too)
 * LearnerSpec.immediate()                              // k = 0: immediate derivatives only
 * LearnerSpec.snap1()                                  // SnAp-1: one-step sparsity pattern, O(n^2)
 * LearnerSpec.truncatedBptt(16)                        // online BPTT through the last 16 steps
 * LearnerSpec.uoro(1)                                  // UORO: unbiased rank-one estimate, O(n^2)
 * LearnerSpec.rflo(4f, Rflo.Feedback.RANDOM, 1)        // RFLO: local traces, random feedback, O(n^2)
 * LearnerSpec.eprop(EProp.Feedback.SYMMETRIC, 1)       // e-prop: traces through each unit's own state, O(n^2)
 * LearnerSpec.snap2()                                 // SnAp-2: two-step pattern of a sparse W (weightDensity)
 * LearnerSpec.kf(1)                                    // KF-RTRL: J ~ u (x) A, random Kronecker factors, O(n^3)
 * LearnerSpec.ostl()                                   // OSTL for one layer: SnAp-1's recursion under its name
 * LearnerSpec.readoutOnly()                            // control: W, U, b frozen, only V, c learn
 * }</pre>
 * k is checked against n when the learner is created, before anything is allocated.
 *
 * <p>Every learner but RFLO and KF-RTRL runs on every cell ({@link org.sparsertrl.engine.cell.CellKind});
 * RFLO is defined for leaky rate networks and KF-RTRL for a layer {@code h = f(W [h; x; 1])}, both
 * implemented for the vanilla cell, and creating either for a gated cell throws
 * IllegalArgumentException naming the cell.
 */
public sealed interface LearnerSpec {

    /**
     * Creates the learner for {@code cell}, with its buffers in {@code memory}; its sensitivity
     * kernels split their columns over {@code pool}.
     *
     * @param cell    the cell the learner differentiates
     * @param memory  the model's memory
     * @param kernels the kernels every step runs on
     * @param pool    the worker pool for the column split
     * @return the learner
     */
    Learner create(RecurrentCell cell, ModelMemory memory, Kernels kernels, ColumnPool pool);

    /** {@return a short label for tables and logs, e.g. {@code sparse k=4 random-fixed}; a bf16 learner's ends in {@code " bf16"}} */
    String label();

    /**
     * {@return how the learner stores its sensitivity between steps: {@link Precision#FLOAT32}, or
     * {@link Precision#BF16} for a spec given it with {@code sensitivity(Precision.BF16)} (full, sparse and
     * subset RTRL)}
     */
    default Precision precision() {
        return Precision.FLOAT32;
    }

    /** {@return full RTRL: J_t = D_t J_{t-1} + M_t, every path} */
    static FullSpec full() {
        return new FullSpec();
    }

    /**
     * {@return sparse RTRL: each row through its k paths S_i, chosen as {@code selection} says}
     *
     * @param k         paths per row, in [0, n]
     * @param selection how the S_i are chosen
     */
    static SparseSpec sparse(int k, Selection selection) {
        return new SparseSpec(k, selection, false);
    }

    /** {@return immediate derivatives only: J_t = M_t (k = 0)} */
    static LearnerSpec immediate() {
        return new ImmediateSpec();
    }

    /** {@return SnAp-1: sensitivities kept on their one-step sparsity pattern (S_i = {i}, stored as one value per parameter)} */
    static LearnerSpec snap1() {
        return new Snap1Spec();
    }

    /**
     * {@return online truncated BPTT: each step's error carried back through the last {@code window} steps}
     *
     * @param window the steps carried back, >= 1
     */
    static LearnerSpec truncatedBptt(int window) {
        return new TruncatedBpttSpec(window);
    }

    /**
     * {@return UORO, its random signs drawn from {@code seed}}
     *
     * @param seed the seed of the signs
     */
    static LearnerSpec uoro(long seed) {
        return new UoroSpec(seed);
    }

    /**
     * {@return RFLO with trace time constant {@code tau} (>= 1) and the given feedback; B drawn from {@code seed}}
     *
     * @param tau      the trace time constant
     * @param feedback how the error reaches the hidden units
     * @param seed     the seed of B
     */
    static LearnerSpec rflo(float tau, Rflo.Feedback feedback, long seed) {
        return new RfloSpec(tau, feedback, seed);
    }

    /**
     * {@return e-prop: eligibility traces through each unit's internal state, the error through V^T or a random B}
     *
     * @param feedback V^T (symmetric) or a random B
     * @param seed     the seed of B
     */
    static LearnerSpec eprop(EProp.Feedback feedback, long seed) {
        return new EPropSpec(feedback, seed);
    }

    /**
     * {@return KF-RTRL, its random signs drawn from {@code seed}; vanilla cell only}
     *
     * @param seed seed of the random signs
     */
    static LearnerSpec kf(long seed) {
        return new KfSpec(seed);
    }

    /** {@return SnAp-2: sensitivities kept on their two-step sparsity pattern, read from the zeros of W (see {@link Snap2})} */
    static LearnerSpec snap2() {
        return new Snap2Spec();
    }

    /** {@return OSTL (Bohnstingl et al., 2022) for one recurrent layer, which is SnAp-1's recursion: see {@link OstlSpec}} */
    static LearnerSpec ostl() {
        return new OstlSpec();
    }

    /**
     * The control that learns only the readout: a zero recurrent gradient, so W, U and b keep their
     * initial values and V, c learn from the exact readout gradient, as a fixed reservoir would.
     *
     * @return the readout-only control
     */
    static LearnerSpec readoutOnly() {
        return new ReadoutOnlySpec();
    }

    /**
     * {@return shared-subset RTRL over k units drawn with {@code seed}}
     *
     * @param k    units in S, in [0, n]
     * @param seed the seed of the draw
     */
    static SubsetSpec subset(int k, long seed) {
        return new SubsetSpec(k, seed, null);
    }

    /**
     * {@return shared-subset RTRL over the given units}
     *
     * @param units the units of S, distinct, each in [0, n)
     */
    static SubsetSpec subset(int[] units) {
        if (units == null) {
            throw new IllegalArgumentException("units is null");
        }
        return new SubsetSpec(units.length, 0L, units);
    }

    /**
     * Exact RTRL: {@code J_t = diag(d_t) (W J_{t-1} + M_t)}.
     *
     * @param precision how J is stored between steps (the sums are float32 either way)
     */
    record FullSpec(Precision precision) implements LearnerSpec {
        /** Checks the component; a null precision throws IllegalArgumentException naming it. */
        public FullSpec {
            requirePrecision(precision);
        }

        /** Full RTRL with J stored in float32. */
        public FullSpec() {
            this(Precision.FLOAT32);
        }

        /**
         * {@return the same learner with J stored at {@code precision} between steps: {@link Precision#BF16}
         * halves its memory; the step stays bound by its FLOPs, so not its time (see {@link Precision})}
         *
         * @param precision FLOAT32 or BF16, not null
         * @throws IllegalArgumentException if {@code precision} is null
         */
        public FullSpec sensitivity(Precision precision) {
            return new FullSpec(precision);
        }

        @Override
        public Learner create(RecurrentCell cell, ModelMemory memory, Kernels kernels, ColumnPool pool) {
            return new FullRtrl(this, cell, memory, kernels, pool);
        }

        @Override
        public String label() {
            return "full" + precisionSuffix(precision, " ");
        }
    }

    /**
     * Per-row sparse RTRL:
     * {@code J_t[i,:] = d_t[i] (alpha sum_{j in S_i} W[i,j] J_{t-1}[j,:] + M_t[i,:])}.
     *
     * @param k              paths per row, in [0, n]
     * @param selection      how the S_i are chosen
     * @param scaleByNOverK  alpha = n / k instead of 1 (a k = 0 learner ignores it)
     * @param precision      how J is stored between steps (the sums are float32 either way)
     */
    record SparseSpec(int k, Selection selection, boolean scaleByNOverK, Precision precision) implements LearnerSpec {
        /** Checks the components; a bad one throws IllegalArgumentException naming it and its value. */
        public SparseSpec {
            Arguments.requireAtLeast("k", k, 0);
            if (selection == null) {
                throw new IllegalArgumentException("selection is null");
            }
            requirePrecision(precision);
        }

        /**
         * Sparse RTRL with J stored in float32.
         *
         * @param k             paths per row, in [0, n]
         * @param selection     how the S_i are chosen
         * @param scaleByNOverK alpha = n / k instead of 1
         */
        public SparseSpec(int k, Selection selection, boolean scaleByNOverK) {
            this(k, selection, scaleByNOverK, Precision.FLOAT32);
        }

        /** {@return the same learner with alpha = n / k} */
        public SparseSpec scaledByNOverK() {
            return new SparseSpec(k, selection, true, precision);
        }

        /**
         * {@return the same learner with J stored at {@code precision} between steps: {@link Precision#BF16}
         * halves its memory and the bytes a step moves; every sum stays float32 (see {@link Precision})}
         *
         * @param precision FLOAT32 or BF16, not null
         * @throws IllegalArgumentException if {@code precision} is null
         */
        public SparseSpec sensitivity(Precision precision) {
            return new SparseSpec(k, selection, scaleByNOverK, precision);
        }

        @Override
        public Learner create(RecurrentCell cell, ModelMemory memory, Kernels kernels, ColumnPool pool) {
            requireKAtMostN(k, cell);
            return new SparseRtrl(this, cell, memory, kernels, pool);
        }

        @Override
        public String label() {
            return "sparse k=" + k + " " + selection.policy().label() + (scaleByNOverK ? " alpha=n/k" : "")
                    + precisionSuffix(precision, " ");
        }
    }

    /**
     * Shared-subset RTRL: only the k rows of J for the units in S are stored.
     *
     * @param k         number of units in S, in [0, n]
     * @param seed      seed for drawing S when {@code units} is null
     * @param units     the units of S, or null to draw k of them
     * @param precision how the stored rows are kept between steps (the sums are float32 either way)
     */
    record SubsetSpec(int k, long seed, int[] units, Precision precision) implements LearnerSpec {
        /** Checks the components; a bad one throws IllegalArgumentException naming it and its value. */
        public SubsetSpec {
            Arguments.requireAtLeast("k", k, 0);
            if (units != null) {
                units = units.clone();
                if (units.length != k) {
                    throw new IllegalArgumentException("units has length " + units.length + ", expected k = " + k);
                }
            }
            requirePrecision(precision);
        }

        /**
         * Shared-subset RTRL with its rows stored in float32.
         *
         * @param k     number of units in S, in [0, n]
         * @param seed  seed for drawing S when {@code units} is null
         * @param units the units of S, or null to draw k of them
         */
        public SubsetSpec(int k, long seed, int[] units) {
            this(k, seed, units, Precision.FLOAT32);
        }

        /**
         * {@return the same learner with its stored rows kept at {@code precision} between steps:
         * {@link Precision#BF16} halves their memory and the bytes a step moves (see {@link Precision})}
         *
         * @param precision FLOAT32 or BF16, not null
         * @throws IllegalArgumentException if {@code precision} is null
         */
        public SubsetSpec sensitivity(Precision precision) {
            return new SubsetSpec(k, seed, units, precision);
        }

        @Override
        public Learner create(RecurrentCell cell, ModelMemory memory, Kernels kernels, ColumnPool pool) {
            requireKAtMostN(k, cell);
            return new SubsetRtrl(this, cell, memory, kernels, pool);
        }

        @Override
        public String label() {
            return "subset k=" + k + precisionSuffix(precision, " ");
        }

        /** {@return the given units (a copy), or null when they are drawn} */
        @Override
        public int[] units() {
            return units == null ? null : units.clone();
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof SubsetSpec s && s.k == k && s.seed == seed && Arrays.equals(s.units, units)
                    && s.precision == precision;
        }

        @Override
        public int hashCode() {
            return 31 * (31 * (31 * k + Long.hashCode(seed)) + Arrays.hashCode(units)) + precision.hashCode();
        }

        @Override
        public String toString() {
            return "SubsetSpec[k=" + k + ", seed=" + seed + ", units=" + Arrays.toString(units) + ", precision=" + precision + "]";
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

    /** SnAp-2: J[r, theta_j] for j in P(i) = {i} and the units W connects to i (see {@link Snap2}). */
    record Snap2Spec() implements LearnerSpec {
        @Override
        public Learner create(RecurrentCell cell, ModelMemory memory, Kernels kernels, ColumnPool pool) {
            return new Snap2(this, cell, memory, kernels);
        }

        @Override
        public String label() {
            return "snap-2";
        }
    }

    /**
     * Online truncated BPTT over the last {@code window} steps, from a preallocated ring of past states.
     *
     * @param window steps the error is carried back, in [1, 1_000_000]
     */
    record TruncatedBpttSpec(int window) implements LearnerSpec {
        /** Checks the components; a bad one throws IllegalArgumentException naming it and its value. */
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

    /**
     * UORO: the rank-one unbiased estimate J_t ~ h~_t theta~_t^T, random signs from {@code seed}.
     *
     * @param seed the seed of the signs
     */
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

    /**
     * KF-RTRL: {@code J_t ~ u_t^T (x) A_t}, mixed with random signs (see {@link KfRtrl}).
     *
     * @param seed seed of the random signs
     */
    record KfSpec(long seed) implements LearnerSpec {
        @Override
        public Learner create(RecurrentCell cell, ModelMemory memory, Kernels kernels, ColumnPool pool) {
            return new KfRtrl(this, vanilla(cell, label()), memory, kernels);
        }

        @Override
        public String label() {
            return "kf-rtrl";
        }
    }

    /**
     * OSTL, online spatio-temporal learning, for a single recurrent layer. OSTL splits the gradient into
     * a spatial part (the error at this step times the immediate derivative) and a temporal eligibility
     * trace that each unit carries through its own state only, dropping the paths through other units.
     * For one layer that is exactly SnAp-1's recursion ({@link Snap1}; on the LSTM and GRU through the
     * unit's own state rows, our reading of OSTL's per-unit treatment), so this spec creates that
     * learner under OSTL's name; a test checks the two give the same bits on every cell.
     */
    record OstlSpec() implements LearnerSpec {
        @Override
        public Learner create(RecurrentCell cell, ModelMemory memory, Kernels kernels, ColumnPool pool) {
            return new Snap1(this, cell, memory, kernels);
        }

        @Override
        public String label() {
            return "ostl";
        }
    }

    /** Readout only: the recurrent gradient is zero, so only V and c learn; runs on every cell. */
    record ReadoutOnlySpec() implements LearnerSpec {
        @Override
        public Learner create(RecurrentCell cell, ModelMemory memory, Kernels kernels, ColumnPool pool) {
            return new ReadoutOnly(cell, kernels);
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
        /** Checks the components; a bad one throws IllegalArgumentException naming it and its value. */
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

    /**
     * e-prop: eligibility traces carried through each unit's internal state only, the error fed back
     * through the readout's V^T (symmetric) or a fixed random B (random); runs on every cell.
     *
     * @param feedback where the learning signal comes from
     * @param seed     seed of B (random feedback only)
     */
    record EPropSpec(EProp.Feedback feedback, long seed) implements LearnerSpec {
        /** Checks the components; a bad one throws IllegalArgumentException naming it and its value. */
        public EPropSpec {
            if (feedback == null) {
                throw new IllegalArgumentException("feedback is null");
            }
        }

        @Override
        public Learner create(RecurrentCell cell, ModelMemory memory, Kernels kernels, ColumnPool pool) {
            return new EProp(this, cell, memory, kernels);
        }

        @Override
        public String label() {
            return "e-prop " + feedback.name().toLowerCase(java.util.Locale.ROOT);
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

    // ---- Compact names: one grammar for the command line, the studies and the benchmarks ----

    /**
     * The learner's compact name, which {@link #parse(String, long)} takes back: {@code sparse-4},
     * {@code sparse-16-top-k-every-50}, {@code subset-4}, {@code tbptt-16}, {@code rflo-tau-2.5}. Unlike
     * {@link #label()} it has no spaces and leaves out nothing but the seed, so
     * {@code LearnerSpec.parse(spec.name(), seed).equals(spec)} for the seed the spec was made with.
     * Parameters at their defaults are left out (random-fixed paths, a refresh every 100 steps,
     * tau = 4, random feedback).
     *
     * @throws IllegalStateException for a spec built from explicit path sets or units, which a name
     *                               cannot carry
     * @return the compact name
     */
    default String name() {
        return switch (this) {
            case FullSpec f -> "full" + precisionSuffix(f.precision(), "-");
            case ImmediateSpec _ -> "immediate";
            case Snap1Spec _ -> "snap-1";
            case Snap2Spec _ -> "snap-2";
            case UoroSpec _ -> "uoro";
            case KfSpec _ -> "kf";
            case OstlSpec _ -> "ostl";
            case ReadoutOnlySpec _ -> "readout-only";
            case EPropSpec e -> e.feedback() == EProp.Feedback.SYMMETRIC ? "eprop" : "eprop-random";
            case TruncatedBpttSpec t -> "tbptt-" + t.window();
            case SubsetSpec s -> {
                if (s.units() != null) {
                    throw new IllegalStateException("a subset of given units has no name; its label is " + s.label());
                }
                yield "subset-" + s.k() + precisionSuffix(s.precision(), "-");
            }
            case SparseSpec s -> {
                Selection.Policy policy = s.selection().policy();
                if (policy == Selection.Policy.EXPLICIT) {
                    throw new IllegalStateException("explicit path sets have no name; the label is " + s.label());
                }
                int every = s.selection().refreshEvery();
                yield "sparse-" + s.k() + (policy == Selection.Policy.RANDOM_FIXED ? "" : "-" + policy.label())
                        + (every == 0 || every == defaultRefreshEvery() ? "" : "-every-" + every)
                        + (s.scaleByNOverK() ? "-alpha-n-over-k" : "")
                        + precisionSuffix(s.precision(), "-");
            }
            case RfloSpec r -> "rflo" + (r.tau() == defaultTau() ? "" : "-tau-" + compact(r.tau()))
                    + (r.feedback() == Rflo.Feedback.RANDOM ? ""
                            : "-feedback-" + r.feedback().name().toLowerCase(java.util.Locale.ROOT));
        };
    }

    /**
     * {@return {@link #parse(String, long)} with seed 0, the trainer's default seed}
     *
     * @param name a learner name
     */
    static LearnerSpec parse(String name) {
        return parse(name, 0L);
    }

    /**
     * The learner with the compact name {@code name} ({@link #name()} prints it); {@code seed} draws
     * whatever the learner draws at random (sparse RTRL's random paths, subset's units, UORO's signs,
     * RFLO's and random e-prop's feedback matrix) and is ignored by the others. The grammar:
     * <pre>
     *   full[-bf16] | immediate | snap-1 | snap-2 | uoro | readout-only   (snap1, snap2 are taken too; -bf16:
     *                                                     J stored in bfloat16)
     *   kf | ostl                                         KF-RTRL (kf-rtrl is taken too), OSTL
     *   eprop | eprop-random                              e-prop with symmetric or random feedback
     *   sparse-K[-POLICY][-every-R][-alpha-n-over-k][-bf16]
     *                                                     POLICY: random-fixed (default), random-resampled,
     *                                                     top-k, bottom-k; R steps between refreshes of the
     *                                                     refreshing policies (default 100); -bf16: J stored
     *                                                     in bfloat16 (-float32, the default, is taken too)
     *   subset-K[-bf16]
     *   tbptt-T
     *   rflo[-tau-F][-feedback-readout]                   F: the trace's time constant (default 4)
     * </pre>
     *
     * <pre>{@code
     * LearnerSpec.parse("sparse-4", 7)            // LearnerSpec.sparse(4, Selection.randomFixed(7))
     * LearnerSpec.parse("sparse-4-top-k", 7)      // LearnerSpec.sparse(4, Selection.topK(100))
     * LearnerSpec.parse("sparse-4-bf16", 7)       // LearnerSpec.sparse(4, Selection.randomFixed(7)).sensitivity(Precision.BF16)
     * LearnerSpec.parse("subset-8", 7)            // LearnerSpec.subset(8, 7)
     * LearnerSpec.parse("full-bf16", 7)           // LearnerSpec.full().sensitivity(Precision.BF16)
     * LearnerSpec.parse("tbptt-16", 7)            // LearnerSpec.truncatedBptt(16)
     * LearnerSpec.parse("rflo", 7)                // LearnerSpec.rflo(4f, Rflo.Feedback.RANDOM, 7)
     * }</pre>
     *
     * @param name a learner name
     * @param seed the seed of the random choices a learner makes
     * @throws IllegalArgumentException naming the name and what was expected, e.g.
     *                                  {@code learner = 'foo': expected one of full, immediate, ...}, or
     *                                  what is out of range, e.g. {@code learner = 'tbptt-0': window = 0 must be >= 1}
     * @return the spec the name describes
     */
    static LearnerSpec parse(String name, long seed) {
        if (name == null) {
            throw new IllegalArgumentException("learner is null");
        }
        try {
            return fromName(name, seed);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("learner = '" + name + "': " + e.getMessage(), e);
        }
    }

    private static LearnerSpec fromName(String name, long seed) {
        LearnerSpec plain = switch (name) {
            case "full" -> full();
            case "immediate" -> immediate();
            case "snap-1", "snap1" -> snap1();
            case "snap-2", "snap2" -> snap2();
            case "uoro" -> uoro(seed);
            case "kf", "kf-rtrl" -> kf(seed);
            case "ostl" -> ostl();
            case "readout-only" -> readoutOnly();
            case "eprop" -> eprop(EProp.Feedback.SYMMETRIC, seed);
            case "eprop-random" -> eprop(EProp.Feedback.RANDOM, seed);
            default -> null;
        };
        if (plain != null) {
            return plain;
        }
        StringBuilder policies = new StringBuilder();
        for (Selection.Policy p : Selection.Policy.values()) {
            if (p != Selection.Policy.EXPLICIT) {
                policies.append(policies.isEmpty() ? "" : "|").append(p.label());
            }
        }
        java.util.regex.Matcher m;
        if ((m = matcher("sparse-(-?\\d+)(?:-(" + policies + "))?(?:-every-(-?\\d+))?(-alpha-n-over-k)?(?:-(bf16|float32))?", name)) != null) {
            int k = wholeNumber("k", m.group(1));
            Selection.Policy policy = Selection.Policy.RANDOM_FIXED;
            for (Selection.Policy p : Selection.Policy.values()) {
                policy = p.label().equals(m.group(2)) ? p : policy;
            }
            int every = m.group(3) != null ? wholeNumber("every", m.group(3))
                    : policy == Selection.Policy.RANDOM_FIXED ? 0 : defaultRefreshEvery();
            Selection selection = switch (policy) {
                case RANDOM_RESAMPLED -> Selection.randomResampled(every, seed);
                case TOP_K -> Selection.topK(every);
                case BOTTOM_K -> Selection.bottomK(every);
                default -> new Selection(Selection.Policy.RANDOM_FIXED, every, seed, null);
            };
            SparseSpec spec = sparse(k, selection).sensitivity(m.group(5) == null ? Precision.FLOAT32 : Precision.parse(m.group(5)));
            return m.group(4) == null ? spec : spec.scaledByNOverK();
        }
        if ((m = matcher("full-(bf16|float32)", name)) != null) {
            return full().sensitivity(Precision.parse(m.group(1)));
        }
        if ((m = matcher("subset-(-?\\d+)(?:-(bf16|float32))?", name)) != null) {
            return subset(wholeNumber("k", m.group(1)), seed)
                    .sensitivity(m.group(2) == null ? Precision.FLOAT32 : Precision.parse(m.group(2)));
        }
        if ((m = matcher("tbptt-(-?\\d+)", name)) != null) {
            return truncatedBptt(wholeNumber("window", m.group(1)));
        }
        if ((m = matcher("rflo(?:-tau-([^-]+))?(?:-feedback-(random|readout))?", name)) != null) {
            float tau = m.group(1) == null ? defaultTau() : decimal("tau", m.group(1));
            Rflo.Feedback feedback = m.group(2) == null ? Rflo.Feedback.RANDOM
                    : Rflo.Feedback.valueOf(m.group(2).toUpperCase(java.util.Locale.ROOT));
            return rflo(tau, feedback, seed);
        }
        throw new IllegalArgumentException("expected one of full[-bf16], immediate, snap-1, snap-2, uoro, kf, ostl, readout-only, eprop, "
                + "eprop-random, sparse-K[-POLICY][-every-R][-alpha-n-over-k][-bf16] (POLICY: " + policies.toString().replace("|", ", ")
                + "), subset-K[-bf16], tbptt-T, rflo[-tau-F][-feedback-readout]");
    }

    private static java.util.regex.Matcher matcher(String regex, String name) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile(regex).matcher(name);
        return m.matches() ? m : null;
    }

    // A sign is taken so that a negative number reaches the spec's own range check and its message.
    private static int wholeNumber(String what, String digits) {
        try {
            return Integer.parseInt(digits);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(what + " = " + digits + " is out of the range of an int");
        }
    }

    private static float decimal(String what, String text) {
        try {
            if (text.matches("[0-9.Ee+]+|NaN|Infinity")) {
                return Float.parseFloat(text);
            }
        } catch (NumberFormatException e) {
            // said below
        }
        throw new IllegalArgumentException(what + " = " + text + " is not a number");
    }

    private static void requirePrecision(Precision precision) {
        if (precision == null) {
            throw new IllegalArgumentException("precision is null: expected one of float32, bf16");
        }
    }

    /** {@return nothing for float32, else {@code separator} and the precision's label: " bf16", "-bf16"} */
    private static String precisionSuffix(Precision precision, String separator) {
        return precision == Precision.FLOAT32 ? "" : separator + precision.label();
    }

    /** Steps between refreshes of a sparse name that does not say (the CLI's and the studies' default too). */
    private static int defaultRefreshEvery() {
        return 100;
    }

    /** RFLO's time constant of a name that does not say (the CLI's and the studies' default too). */
    private static float defaultTau() {
        return 4f;
    }

    /** {@code tau} as few characters as Float.parseFloat takes back exactly: 4 rather than 4.0. */
    private static String compact(float tau) {
        return tau == (int) tau ? String.valueOf((int) tau) : Float.toString(tau);
    }
}
