package org.sparsertrl.harness;

import java.util.Arrays;
import java.util.Comparator;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;
import org.sparsertrl.engine.cell.RnnLayout;
import org.sparsertrl.engine.learn.LearnerSpec;
import org.sparsertrl.engine.learn.Selection;
import org.sparsertrl.engine.learn.SparseRtrl;
import org.sparsertrl.engine.train.OnlineTrainer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

/** The selection policies choose what they promise, reproducibly, and refresh when they promise. */
class SelectionPolicyTest {

    static final float[] X = {0.3f, -0.2f}, Y = {0.1f};

    @Test
    void topAndBottomKPickTheLargestAndSmallestWeights() {
        qt().withExamples(100).forAll(integers().between(1, 30), longs().all()).checkAssert((n, seed) -> {
            int k = (int) Math.floorMod(seed, (long) n + 1);
            for (boolean top : new boolean[] {true, false}) {
                Selection policy = top ? Selection.topK(1000) : Selection.bottomK(1000);
                try (OnlineTrainer trainer = trainer(n, seed, LearnerSpec.sparse(k, policy))) {
                    float[][] before = weights(trainer);
                    trainer.step(X, Y);
                    SparseRtrl learner = (SparseRtrl) trainer.inspect().learner();
                    for (int i = 0; i < n; i++) {
                        float[] row = before[i];
                        Comparator<Integer> order = Comparator.comparingDouble(j -> Math.abs(row[j]));
                        if (top) {
                            order = order.reversed();
                        }
                        int[] expected = IntStream.range(0, n).boxed().sorted(order.thenComparing(j -> j))
                                .limit(k).mapToInt(Integer::intValue).sorted().toArray();
                        assertArrayEquals(expected, learner.paths(i), policy + " row " + i + " n=" + n + " k=" + k);
                    }
                }
            }
        });
    }

    @Test
    void randomSetsAreDistinctSortedAndReproducible() {
        qt().withExamples(100).forAll(integers().between(1, 40), longs().all()).checkAssert((n, seed) -> {
            int k = (int) Math.floorMod(seed, (long) n + 1);
            int[][] first = paths(n, seed, LearnerSpec.sparse(k, Selection.randomFixed(seed)), 1);
            int[][] again = paths(n, seed, LearnerSpec.sparse(k, Selection.randomFixed(seed)), 1);
            for (int i = 0; i < n; i++) {
                assertArrayEquals(first[i], again[i], "same seed, same sets");
                assertEquals(k, first[i].length);
                for (int r = 0; r < k; r++) {
                    assertTrue(first[i][r] >= 0 && first[i][r] < n);
                    assertTrue(r == 0 || first[i][r] > first[i][r - 1], "ascending and distinct: " + Arrays.toString(first[i]));
                }
            }
        });
    }

    @Test
    void randomSelectionIsUniform() {
        // Each unit should be chosen with probability k/n: count over many rows and seeds.
        int n = 16, k = 4, trials = 0;
        int[] counts = new int[n];
        for (long seed = 0; seed < 200; seed++) {
            for (int[] row : paths(n, seed, LearnerSpec.sparse(k, Selection.randomFixed(seed)), 1)) {
                for (int j : row) {
                    counts[j]++;
                }
                trials++;
            }
        }
        double expected = trials * (double) k / n;
        for (int j = 0; j < n; j++) {
            // Binomial standard deviation is sqrt(trials p (1 - p)) ~ 24 here; allow 5 of them.
            assertEquals(expected, counts[j], 5 * Math.sqrt(trials * (k / (double) n) * (1 - k / (double) n)),
                    "unit " + j + " chosen " + counts[j] + " times of " + trials);
        }
    }

    @Test
    void resampledSetsChangeOnlyAtTheRefreshSteps() {
        int n = 20, k = 3, every = 5;
        try (OnlineTrainer trainer = trainer(n, 9, LearnerSpec.sparse(k, Selection.randomResampled(every, 9)))) {
            int[][] previous = null;
            for (int t = 0; t < 4 * every; t++) {
                trainer.step(X, Y);
                int[][] now = current(trainer);
                if (previous != null) {
                    boolean changed = !Arrays.deepEquals(previous, now);
                    assertEquals(t % every == 0, changed, "step " + t);
                }
                previous = now;
            }
        }
    }

    @Test
    void fixedSetsNeverChange() {
        try (OnlineTrainer trainer = trainer(12, 4, LearnerSpec.sparse(3, Selection.randomFixed(4)))) {
            trainer.step(X, Y);
            int[][] first = current(trainer);
            for (int t = 0; t < 50; t++) {
                trainer.step(X, Y);
            }
            assertTrue(Arrays.deepEquals(first, current(trainer)));
        }
    }

    @Test
    void topKFollowsTheWeightsAtRefresh() {
        try (OnlineTrainer trainer = trainer(8, 1, LearnerSpec.sparse(1, Selection.topK(3)))) {
            trainer.step(X, Y);
            RnnLayout l = trainer.layout();
            int[][] first = current(trainer);
            int before = first[0][0];
            int other = (before + 1) % 8;
            trainer.inspect().cell().setParameter(l.w(0, other), 100f);
            trainer.step(X, Y);
            trainer.step(X, Y);
            assertTrue(Arrays.deepEquals(first, current(trainer)), "no refresh before step 3, though W[0, " + other
                    + "] is now the largest: " + Arrays.deepToString(current(trainer)));
            // The refresh at step 3 ranks the weights as they are when the step starts: every row's set is
            // the top-1 of those weights, and row 0's is the path made largest.
            float[][] seen = weights(trainer);
            trainer.step(X, Y);
            int[][] refreshed = current(trainer);
            assertEquals(other, refreshed[0][0], "row 0 refreshed at step 3");
            for (int i = 0; i < 8; i++) {
                int largest = 0;
                for (int j = 1; j < 8; j++) {
                    largest = Math.abs(seen[i][j]) > Math.abs(seen[i][largest]) ? j : largest;
                }
                assertArrayEquals(new int[] {largest}, refreshed[i], "row " + i + " at step 3: " + Arrays.toString(seen[i]));
            }
        }
    }

    private static OnlineTrainer trainer(int n, long seed, LearnerSpec learner) {
        return OnlineTrainer.builder(n, 2, 1).seed(seed).learner(learner).build();
    }

    private static int[][] paths(int n, long seed, LearnerSpec learner, int steps) {
        try (OnlineTrainer trainer = trainer(n, seed, learner)) {
            for (int t = 0; t < steps; t++) {
                trainer.step(X, Y);
            }
            return current(trainer);
        }
    }

    private static int[][] current(OnlineTrainer trainer) {
        SparseRtrl learner = (SparseRtrl) trainer.inspect().learner();
        int[][] out = new int[trainer.layout().n()][];
        for (int i = 0; i < out.length; i++) {
            out[i] = learner.paths(i);
        }
        return out;
    }

    private static float[][] weights(OnlineTrainer trainer) {
        RnnLayout l = trainer.layout();
        float[][] w = new float[l.n()][l.n()];
        for (int i = 0; i < l.n(); i++) {
            for (int j = 0; j < l.n(); j++) {
                w[i][j] = trainer.inspect().cell().parameter(l.w(i, j));
            }
        }
        return w;
    }
}
