package org.sparsertrl.harness;

import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.sparsertrl.engine.cell.CellKind;
import org.sparsertrl.engine.cell.RnnLayout;
import org.sparsertrl.engine.learn.LearnerSpec;
import org.sparsertrl.engine.learn.Selection;
import org.sparsertrl.engine.optim.OptimizerSpec;
import org.sparsertrl.engine.train.OnlineTrainer;
import org.sparsertrl.harness.oracle.Differences;
import org.sparsertrl.harness.oracle.EngineProbe;
import org.sparsertrl.harness.oracle.ReferenceGatedRnn;
import org.sparsertrl.harness.oracle.Sequences;
import org.sparsertrl.harness.oracle.Tolerance;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

/**
 * The LSTM and the GRU under every RTRL variant: the double reference's BPTT agrees with finite
 * differences; full RTRL's summed gradient with frozen weights is that BPTT gradient; per-row
 * sparse with k = n is full RTRL, with k = 0 it is the immediate learner; shared-subset over S is
 * per-row sparse with S_i = S; SnAp-1 is per-row sparse with S_i = {i} (its definition) and, for
 * n = 1, full RTRL. Each property runs for both cells.
 */
class GatedCellTest {

    static final CellKind[] GATED = {CellKind.LSTM, CellKind.GRU};

    /** Float32 engine against the double oracle; a gated step has more terms than a vanilla one. */
    static final Tolerance FLOAT = new Tolerance(5e-5, 2e-3);

    /** Two float32 learners that sum the same terms in different orders. */
    static final Tolerance ORDER = new Tolerance(1e-5, 1e-4);

    @Test
    void referenceBpttEqualsFiniteDifferences() {
        for (CellKind kind : GATED) {
            SequenceProperty.forAll(30, 8, 4, 12, (n, m, steps, seed, floatXs, floatYs) -> {
                double[][] xs = Sequences.widen(floatXs);
                double[][] ys = Sequences.widen(floatYs);
                try (OnlineTrainer trainer = trainer(kind, n, m, seed, LearnerSpec.immediate())) {
                    ReferenceGatedRnn reference = ReferenceGatedRnn.of(trainer.inspect().cell());
                    double[] bptt = reference.bptt(xs, ys);
                    int[] parameters = parameterIndices(trainer.layout(), trainer.layout().size());
                    Differences d = Differences.sample(seed, 30, parameters.length,
                            (i, h) -> reference.perturbed(parameters[i], h).totalLoss(xs, ys), i -> bptt[parameters[i]]);
                    RtrlEqualsBpttTest.DIFFERENCES.assertClose(kind.label() + " BPTT vs differences n=" + n + " m=" + m
                            + " seed=" + seed, d.expected(), d.actual());
                }
            });
        }
    }

    @Test
    void summedFullRtrlGradientEqualsBptt() {
        for (CellKind kind : GATED) {
            SequenceProperty.forAll(40, 10, 4, 15, (n, m, steps, seed, xs, ys) -> {
                try (OnlineTrainer trainer = trainer(kind, n, m, seed, LearnerSpec.full())) {
                    double[] bptt = ReferenceGatedRnn.of(trainer.inspect().cell()).bptt(Sequences.widen(xs), Sequences.widen(ys));
                    double[] summed = RtrlEqualsBpttTest.summedGradient(trainer, xs, ys);
                    FLOAT.assertClose(kind.label() + " gradient n=" + n + " m=" + m + " steps=" + steps + " seed=" + seed,
                            RtrlEqualsBpttTest.parametersOnly(trainer.layout(), bptt), summed);
                }
            });
        }
    }

    @Test
    void sparseWithKEqualToNIsFullRtrl() {
        for (CellKind kind : GATED) {
            SequenceProperty.forAll(30, 10, 4, 15, (n, m, steps, seed, xs, ys) -> {
                Selection[] policies = {Selection.randomFixed(seed), Selection.randomResampled(3, seed), Selection.topK(3),
                        Selection.bottomK(3)};
                Selection policy = policies[(int) Math.floorMod(seed, (long) policies.length)];
                compareWhileTraining(kind, n, m, steps, seed, LearnerSpec.full(), LearnerSpec.sparse(n, policy), true);
            });
        }
    }

    @Test
    void sparseWithKZeroIsTheImmediateLearner() {
        for (CellKind kind : GATED) {
            SequenceProperty.forAll(30, 10, 4, 15, (n, m, steps, seed, xs, ys) -> {
                try (OnlineTrainer immediate = trainer(kind, n, m, seed, LearnerSpec.immediate());
                     OnlineTrainer sparse = trainer(kind, n, m, seed, LearnerSpec.sparse(0, Selection.randomFixed(seed)))) {
                    for (int t = 0; t < steps; t++) {
                        immediate.step(xs[t], ys[t]);
                        sparse.step(xs[t], ys[t]);
                        assertArrayEquals(EngineProbe.gradient(immediate), EngineProbe.gradient(sparse),
                                kind.label() + " n=" + n + " seed=" + seed + " t=" + t);
                    }
                }
            });
        }
    }

    @Test
    void subsetEqualsPerRowSparseWithTheSameSetInEveryRow() {
        for (CellKind kind : GATED) {
            SequenceProperty.forAll(30, 10, 4, 15, (n, m, steps, seed, xs, ys) -> {
                int k = new SplittableRandom(seed).nextInt(n + 1);
                int[] units = new SplittableRandom(~seed).ints(0, n).distinct().limit(k).sorted().toArray();
                int[][] sets = new int[n][];
                for (int i = 0; i < n; i++) {
                    sets[i] = units;
                }
                compareWhileTraining(kind, n, m, steps, seed, LearnerSpec.sparse(k, Selection.explicit(sets)),
                        LearnerSpec.subset(units), false);
            });
        }
    }

    @Test
    void snap1IsPerRowSparseThroughItsOwnUnitOnly() {
        for (CellKind kind : GATED) {
            SequenceProperty.forAll(30, 10, 4, 15, (n, m, steps, seed, xs, ys) -> {
                int[][] own = new int[n][];
                for (int i = 0; i < n; i++) {
                    own[i] = new int[] {i};
                }
                compareWhileTraining(kind, n, m, steps, seed, LearnerSpec.sparse(1, Selection.explicit(own)),
                        LearnerSpec.snap1(), true);
            });
        }
    }

    @Test
    void snap1WithOneUnitIsFullRtrl() {
        for (CellKind kind : GATED) {
            qt().withExamples(30).forAll(integers().between(1, 4), integers().between(1, 15), longs().all()
            ).checkAssert((m, steps, seed) -> compareWhileTraining(kind, 1, m, steps, seed, LearnerSpec.full(),
                    LearnerSpec.snap1(), true));
        }
    }

    /**
     * Trains two trainers side by side and checks their gradients at every step and, if
     * {@code allRows}, all of J_t (otherwise the rows the second one stores).
     */
    private static void compareWhileTraining(CellKind kind, int n, int m, int steps, long seed,
                                             LearnerSpec expectedSpec, LearnerSpec actualSpec, boolean allRows) {
        float[][] xs = Sequences.gaussian(seed, steps, m);
        float[][] ys = Sequences.gaussian(~seed, steps, 2);
        try (OnlineTrainer expected = trainer(kind, n, m, seed, expectedSpec);
             OnlineTrainer actual = trainer(kind, n, m, seed, actualSpec)) {
            int[] columns = parameterIndices(expected.layout(), expected.layout().recurrentSize());
            for (int t = 0; t < steps; t++) {
                expected.step(xs[t], ys[t]);
                actual.step(xs[t], ys[t]);
                String at = kind.label() + " " + actualSpec.label() + " n=" + n + " m=" + m + " seed=" + seed + " t=" + t;
                ORDER.assertClose("gradient " + at, EngineProbe.gradient(expected), EngineProbe.gradient(actual));
                for (int r = 0; r < expected.inspect().cell().stateSize(); r++) {
                    if (allRows || !Float.isNaN(actual.inspect().learner().sensitivity(r, columns[0]))) {
                        ORDER.assertClose("J[" + r + "] " + at, row(expected, r, columns), row(actual, r, columns));
                    }
                }
            }
        }
    }

    static OnlineTrainer trainer(CellKind kind, int n, int m, long seed, LearnerSpec learner) {
        return OnlineTrainer.builder(n, m, 2).cell(kind).seed(seed).learner(learner)
                .optimizer(OptimizerSpec.adam(1e-2f)).build();
    }

    /** The slab indices below {@code end} that hold parameters. */
    static int[] parameterIndices(RnnLayout layout, int end) {
        return java.util.stream.IntStream.range(0, end).filter(layout::isParameter).toArray();
    }

    private static double[] row(OnlineTrainer trainer, int r, int[] columns) {
        double[] out = new double[columns.length];
        for (int c = 0; c < columns.length; c++) {
            out[c] = trainer.inspect().learner().sensitivity(r, columns[c]);
        }
        return out;
    }
}
