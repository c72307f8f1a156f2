package org.sparsertrl.harness;

import org.junit.jupiter.api.Test;
import org.sparsertrl.engine.cell.RecurrentCell;
import org.sparsertrl.engine.learn.Learner;
import org.sparsertrl.engine.learn.LearnerSpec;
import org.sparsertrl.engine.learn.Precision;
import org.sparsertrl.engine.learn.Selection;
import org.sparsertrl.engine.learn.SparseRtrl;
import org.sparsertrl.engine.learn.SubsetRtrl;
import org.sparsertrl.engine.runtime.Checkpoint;
import org.sparsertrl.engine.train.OnlineTrainer;
import org.sparsertrl.engine.train.TrainerState;
import org.sparsertrl.harness.oracle.Sequences;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.floats;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

/**
 * Sparse RTRL with its sensitivity stored in bfloat16 ({@link Precision#BF16}) against the same learner
 * in float32: the difference stays within a stated rounding model over 1,000 steps, and so do full RTRL's
 * and shared-subset RTRL's (the same model with S_i every unit, or the subset's units for its stored
 * rows); a checkpoint round
 * trips; a checkpoint of the other precision is refused naming the mismatch; bad options are refused
 * naming the option and the value.
 *
 * <h2>The rounding model and the bound tested</h2>
 *
 * Both learners run on the same vanilla network with its weights held fixed (computeGradient), so h_t,
 * d_t, W and M_t are the same bits in both and only J differs. Let u = 2^-8 (bf16 keeps 8 significant
 * bits: rounding to nearest, a relative error of at most u) and v = 2^-24 (float32). Per step and entry
 * (i, c) the bf16 learner computes in float32 the propagated value e = sum_{j in S_i} D[i, j] J_{t-1}[j, c],
 * D[i, j] = d_i W[i, j], from its own (rounded) J_{t-1} and stores bf16(e); on the entries of row i's own
 * unit, where the immediate term m = M_t[i, c] is added, it stores bf16(bf16(e) + m): two roundings. The
 * float32 learner stores e + m with float32 rounding only. Write F_t = J_f32,t and E_t = J_bf16,t - F_t.
 * The propagation carries the old error as at most sum |D[i, j]| |E_{t-1}[j, c]|; the first rounding adds
 * at most u |e| <= u sum |D[i, j]| (|F_{t-1}[j, c]| + |E_{t-1}[j, c]|), the second at most u |bf16(e) + m|
 * <= u (|F_t[i, c]| + sum |D[i, j]| |E_{t-1}[j, c]|) (every entry is charged for both: only the own unit's
 * get two, and charging all keeps the bound simple); the float32 operations (k + 2 per entry, k <= 62,
 * each at most v relative) are absorbed by the margin U = u (1 + 2^-6), and a bf16 subnormal adds at most
 * 2^-134 absolute per rounding. So, by induction from E_0 = 0 (both learners start at J = 0), entry by entry:
 * <pre>
 *   |E_t[i, c]| <= B_t[i, c],   B_0 = 0,
 *   B_t[i, c]   = (1 + 2U) sum_{j in S_i} |D_t[i, j]| B_{t-1}[j, c] + U (sum_{j in S_i} |D_t[i, j]| |F_{t-1}[j, c]| + |F_t[i, c]|) + 2^-132
 * </pre>
 * Each store adds a relative 2^-8 of the sensitivity's size (twice on the own unit's entries), and old
 * errors decay by the recursion's contraction |D_t|: where the products of |D_t| contract at rate gamma,
 * the bound settles near 2 u |F| / (1 - gamma). The test checks every entry at every one of 1,000 steps,
 * and that the bound is informative (at the end, below 1/16 of the largest |F_t| seen) on the networks it
 * draws: W Gaussian with gain 0.2 to 0.6 and k = 1 to 4 paths of n = 4 to 8, where |D_t| contracts (for
 * full RTRL, every path of n = 4 to 8, gain 0.2 to 0.4).
 */
class Bf16SensitivityTest {

    static final int STEPS = 1_000;
    /** u (1 + 2^-6): the bf16 rounding bound with room for the float32 roundings of the sums. */
    static final double U = 0x1p-8 * (1 + 0x1p-6);

    static LearnerSpec.SparseSpec sparse(int k, long seed, Precision precision) {
        return LearnerSpec.sparse(k, Selection.randomFixed(seed)).sensitivity(precision);
    }

    @Test
    void bf16StaysWithinTheRoundingModelOfFloat32Over1000Steps() {
        qt().withExamples(5).withShrinkCycles(0).forAll(integers().between(4, 8), integers().between(1, 4), floats().between(0.2f, 0.6f), longs().all())
                .checkAssert(this::compareOverTheHorizon);
    }

    @Test
    void fullAndSubsetInBf16StayWithinTheSameRoundingModel() {
        qt().withExamples(3).withShrinkCycles(0).forAll(integers().between(4, 8), integers().between(1, 4), floats().between(0.2f, 0.4f), longs().all())
                .checkAssert((n, k, gain, seed) -> {
                    compare(n, gain, seed, p -> LearnerSpec.full().sensitivity(p));
                    compare(n, gain, seed, p -> LearnerSpec.subset(k, seed).sensitivity(p));
                });
    }

    private void compareOverTheHorizon(int n, int k, float gain, long seed) {
        compare(n, gain, seed, p -> sparse(k, seed, p));
    }

    /** The paths S_i of stored row i: sparse RTRL's own, the subset's units, or every unit for full RTRL. */
    private static int[] paths(Learner learner, int i, int n) {
        return switch (learner) {
            case SparseRtrl s -> s.paths(i);
            case SubsetRtrl s -> s.units();
            default -> java.util.stream.IntStream.range(0, n).toArray();
        };
    }

    /** The learner {@code spec} gives for float32 and for bf16, on the same network, against the bound. */
    private void compare(int n, float gain, long seed, java.util.function.Function<Precision, LearnerSpec> spec) {
        int m = 3;
        long began = System.nanoTime();
        float[][] xs = Sequences.gaussian(seed, STEPS, m), ys = Sequences.gaussian(~seed, STEPS, 2);
        try (OnlineTrainer f32 = trainer(n, m, gain, seed, spec.apply(Precision.FLOAT32));
             OnlineTrainer b16 = trainer(n, m, gain, seed, spec.apply(Precision.BF16))) {
            int width = f32.layout().recurrentSize();
            double[] bound = new double[n * width], next = new double[n * width];      // B_{t-1}, B_t
            double[] size = new double[n * width], nextSize = new double[n * width];   // |F_{t-1}|, |F_t|
            double[][] d = new double[n][];                                            // |D_t[i, j]| over S_i
            int[][] paths = new int[n][];
            double largest = 0, largestError = 0, tightest = 0;
            Learner exactLearner = f32.inspect().learner(), roundedLearner = b16.inspect().learner();
            RecurrentCell cell = f32.inspect().cell();
            // The stored rows: every unit's, or the subset's units (the rows its paths read are among them).
            int[] stored = exactLearner instanceof SubsetRtrl s ? s.units() : java.util.stream.IntStream.range(0, n).toArray();
            String what = spec.apply(Precision.BF16).label();
            for (int t = 0; t < STEPS; t++) {
                f32.computeGradient(xs[t], ys[t]);
                b16.computeGradient(xs[t], ys[t]);
                for (int i : stored) {
                    paths[i] = paths(exactLearner, i, n);
                    d[i] = new double[paths[i].length];
                    for (int r = 0; r < paths[i].length; r++) {
                        d[i][r] = Math.abs((double) cell.rowScale().getAtIndex(JAVA_FLOAT, i)
                                * cell.recurrentFactor(i, paths[i][r]));
                    }
                }
                for (int i : stored) {
                    int k = paths[i].length;
                    for (int c = 0; c < width; c++) {
                        double carried = 0, sized = 0;
                        for (int r = 0; r < k; r++) {
                            carried += d[i][r] * bound[paths[i][r] * width + c];
                            sized += d[i][r] * size[paths[i][r] * width + c];
                        }
                        double exact = exactLearner.sensitivity(i, c);
                        double error = Math.abs(roundedLearner.sensitivity(i, c) - exact);
                        nextSize[i * width + c] = Math.abs(exact);
                        next[i * width + c] = (1 + 2 * U) * carried + U * (sized + Math.abs(exact)) + 0x1p-132;
                        if (!(error <= next[i * width + c])) {
                            throw new AssertionError(what + " n=" + n + " gain=" + gain + " seed=" + seed + " t=" + t
                                    + ": |J_bf16 - J_f32| = " + error + " at row " + i + ", column " + c + ", above the bound "
                                    + next[i * width + c] + " (J_f32 = " + exact + ")");
                        }
                        largest = Math.max(largest, Math.abs(exact));
                        largestError = Math.max(largestError, error);
                        tightest = Math.max(tightest, error / next[i * width + c]);
                    }
                }
                double[] swap = bound;
                bound = next;
                next = swap;
                swap = size;
                size = nextSize;
                nextSize = swap;
            }
            double finalBound = java.util.Arrays.stream(bound).max().orElseThrow();
            System.out.printf("%s vs float32 over %,d steps, n=%d gain=%.2f: max |J_bf16 - J_f32| %.2e, max |J_f32| %.2e, "
                    + "max bound at the end %.2e, largest error / bound %.2f (%d ms)%n", what, STEPS, n, gain, largestError, largest,
                    finalBound, tightest, (System.nanoTime() - began) / 1_000_000);
            assertTrue(finalBound < largest / 16, "the bound is informative: max B_T = " + finalBound + ", max |J_f32| = "
                    + largest + " (" + what + " n=" + n + " gain=" + gain + " seed=" + seed + ")");
            assertTrue(largestError > 0, "bf16 and float32 differ at all (else the learner did not store bf16)");
        }
    }

    private static OnlineTrainer trainer(int n, int m, float gain, long seed, LearnerSpec learner) {
        return OnlineTrainer.builder(n, m, 2).seed(seed).recurrentGain(gain).learner(learner).build();
    }

    @Test
    void aCheckpointRoundTripsAndHalvesTheSensitivity() throws Exception {
        float[][] xs = Sequences.gaussian(3, 80, 3), ys = Sequences.gaussian(4, 80, 2);
        try (OnlineTrainer saved = trainer(16, 3, 1f, 7, sparse(4, 7, Precision.BF16));
             OnlineTrainer loaded = trainer(16, 3, 1f, 7, sparse(4, 7, Precision.BF16));
             OnlineTrainer f32 = trainer(16, 3, 1f, 7, sparse(4, 7, Precision.FLOAT32));
             TrainerState scratch = saved.newState(true); TrainerState f32State = f32.newState(true)) {
            for (int t = 0; t < 40; t++) {
                saved.step(xs[t], ys[t]);
            }
            byte[] bytes = Checkpoint.toBytes(saved, scratch);
            Checkpoint.load(bytes, loaded);
            assertArrayEquals(bytes, Checkpoint.toBytes(loaded, scratch), "the loaded trainer saves the same bytes");
            for (int t = 40; t < 80; t++) {
                assertEquals(Float.floatToRawIntBits(saved.step(xs[t], ys[t])), Float.floatToRawIntBits(loaded.step(xs[t], ys[t])),
                        "loss at step " + t + " after the round trip");
            }
            long jBytes = 16L * saved.layout().recurrentSize();
            assertTrue(scratch.manifest().contains("sparse.J:bf16:" + 2 * jBytes), scratch.manifest());
            assertTrue(f32State.manifest().contains("sparse.J:" + 4 * jBytes), f32State.manifest());
            assertEquals(2 * jBytes, f32State.bytes() - scratch.bytes(), "bf16 stores J in half the bytes");
        }
    }

    @Test
    void aCheckpointOfTheOtherPrecisionIsRefusedNamingTheMismatch() throws Exception {
        for (boolean withSensitivities : new boolean[] {true, false}) {
            try (OnlineTrainer f32 = trainer(8, 3, 1f, 7, sparse(4, 7, Precision.FLOAT32));
                 OnlineTrainer b16 = trainer(8, 3, 1f, 7, sparse(4, 7, Precision.BF16));
                 TrainerState f32State = f32.newState(withSensitivities); TrainerState b16State = b16.newState(withSensitivities)) {
                byte[] before = Checkpoint.toBytes(b16, b16State);
                Checkpoint.CorruptCheckpointException e = assertThrows(Checkpoint.CorruptCheckpointException.class,
                        () -> Checkpoint.load(Checkpoint.toBytes(f32, f32State), b16));
                assertTrue(e.getMessage().contains("sensitivity precision mismatch: the file's learner (sparse k=4 random-fixed) "
                        + "stores J in float32, the trainer's (sparse k=4 random-fixed bf16) in bf16"), e.getMessage());
                assertArrayEquals(before, Checkpoint.toBytes(b16, b16State), "the refused load changed nothing");
                e = assertThrows(Checkpoint.CorruptCheckpointException.class, () -> Checkpoint.load(before, f32));
                assertTrue(e.getMessage().contains("stores J in bf16, the trainer's (sparse k=4 random-fixed) in float32"),
                        e.getMessage());
            }
        }
    }

    @Test
    void badPrecisionsAreRefusedNamingTheOptionAndTheValue() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Precision.parse("fp8"));
        assertEquals("precision = 'fp8': expected one of float32, bf16", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> sparse(4, 1, null));
        assertEquals("precision is null: expected one of float32, bf16", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> LearnerSpec.parse("sparse-4-fp16"));
        assertTrue(e.getMessage().startsWith("learner = 'sparse-4-fp16': expected one of")
                && e.getMessage().contains("sparse-K[-POLICY][-every-R][-alpha-n-over-k][-bf16]"), e.getMessage());
        assertEquals(Precision.BF16, Precision.parse("BF16"));
        assertEquals(sparse(4, 9, Precision.BF16), LearnerSpec.parse("sparse-4-bf16", 9));
        assertEquals("sparse-4-top-k-alpha-n-over-k-bf16",
                LearnerSpec.sparse(4, Selection.topK(100)).scaledByNOverK().sensitivity(Precision.BF16).name());
        assertEquals("sparse k=4 random-fixed bf16", LearnerSpec.parse("sparse-4-bf16").label());
        assertEquals(sparse(4, 9, Precision.FLOAT32), LearnerSpec.parse("sparse-4-float32", 9));
    }
}
