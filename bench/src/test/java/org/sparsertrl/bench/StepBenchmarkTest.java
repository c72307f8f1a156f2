package org.sparsertrl.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

/** The lists bench/run takes from StepBenchmark for the shapes it runs with one fork. */
class StepBenchmarkTest {

    @Test
    void theOtherValuesAreTheParametersButTheExcludedInTheirOrder() {
        List<String> targets = List.of("full", "sparse-4", "sparse-4-bf16");
        List<String> all = StepBenchmark.valuesBut("learner", List.of());
        assertTrue(all.containsAll(targets) && all.contains("immediate") && all.contains("subset-4"), all.toString());
        List<String> others = StepBenchmark.valuesBut("learner", targets);
        assertEquals(all.stream().filter(learner -> !targets.contains(learner)).toList(), others);
        assertEquals(List.of("32", "48", "64", "100"), StepBenchmark.valuesBut("n", List.of("128", "256")));
    }

    @Test
    void aValueThatIsNotAParameterValueIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> StepBenchmark.valuesBut("learner", List.of("full", "sparse-8")));
        assertEquals("excluded: sparse-8 is not a value of learner " + StepBenchmark.valuesBut("learner", List.of()),
                e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> StepBenchmark.valuesBut("cell", List.of()));
        assertEquals("name: StepBenchmark has no parameter cell", e.getMessage());
    }
}
