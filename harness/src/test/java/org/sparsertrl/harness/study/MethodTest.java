package org.sparsertrl.harness.study;

import java.util.Map;

import org.junit.jupiter.api.Test;
import org.sparsertrl.engine.learn.EProp;
import org.sparsertrl.engine.learn.LearnerSpec;
import org.sparsertrl.engine.learn.Rflo;
import org.sparsertrl.engine.learn.Selection;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * A study method names its learner through {@link LearnerSpec#parse}, and gets the learner it got from
 * the factories: the protocol's refresh and tau, the cell's paths seed, and its subset seed for subset.
 */
class MethodTest {

    @Test
    void everyMethodAdaptsWithTheLearnerItAlwaysHad() {
        Protocol p = Protocol.quickBuilder().refreshEvery(37).rfloTau(2.5f).build();
        Cell cell = new Cell(p, Cell.Task.SINE, 16, 11);
        long paths = cell.seedFor(Cell.Role.PATHS), subset = cell.seedFor(Cell.Role.SUBSET);
        Map<Method, LearnerSpec> expected = Map.ofEntries(
                Map.entry(Method.readoutOnly(), LearnerSpec.readoutOnly()),
                Map.entry(Method.immediate(), LearnerSpec.immediate()),
                Map.entry(Method.full(), LearnerSpec.full()),
                Map.entry(Method.tbptt(3), LearnerSpec.truncatedBptt(3)),
                Map.entry(Method.subset(5), LearnerSpec.subset(5, subset)),
                Map.entry(Method.peer(Method.Kind.SNAP1), LearnerSpec.snap1()),
                Map.entry(Method.peer(Method.Kind.UORO), LearnerSpec.uoro(paths)),
                Map.entry(Method.peer(Method.Kind.RFLO), LearnerSpec.rflo(2.5f, Rflo.Feedback.RANDOM, paths)),
                Map.entry(Method.peer(Method.Kind.EPROP), LearnerSpec.eprop(EProp.Feedback.SYMMETRIC, paths)),
                Map.entry(Method.sparse(4), LearnerSpec.sparse(4, Selection.randomFixed(paths))),
                Map.entry(Method.sparse(4, Selection.Policy.RANDOM_RESAMPLED),
                        LearnerSpec.sparse(4, Selection.randomResampled(37, paths))),
                Map.entry(Method.sparse(2, Selection.Policy.TOP_K).with(Method.Optimizer.SGD),
                        LearnerSpec.sparse(2, Selection.topK(37))),
                Map.entry(Method.sparse(2, Selection.Policy.BOTTOM_K), LearnerSpec.sparse(2, Selection.bottomK(37))));
        expected.forEach((method, spec) -> assertEquals(spec, method.learner(p, cell), method.label()));
        assertNull(Method.frozen().learner(p, cell));
        assertEquals("sparse-2-top-k-every-37", Method.sparse(2, Selection.Policy.TOP_K).learnerName(p));
    }

    @Test
    void explicitPathsAreNotAMethod() {
        assertThrows(IllegalArgumentException.class, () -> Method.sparse(2, Selection.Policy.EXPLICIT));
    }
}
