package org.sparsertrl.harness.study;

import org.junit.jupiter.api.Test;
import org.sparsertrl.harness.task.AddingProblem;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The adding problem: one marker in each half, the target is their values' sum, its variance 1/6. */
class AddingProblemTest {

    @Test
    void oneMarkerInEachHalfAndTheTargetIsTheirSum() {
        AddingProblem task = new AddingProblem(11, 3);
        float[][] xs = new float[11][2];
        double squared = 0;
        int sequences = 200_000;
        for (int s = 0; s < sequences; s++) {
            float target = task.next(xs);
            int first = 0, second = 0;
            float sum = 0;
            for (int t = 0; t < 11; t++) {
                if (xs[t][1] == 1f) {
                    sum += xs[t][0];
                    if (t < 5) {
                        first++;
                    } else {
                        second++;
                    }
                }
            }
            assertEquals(1, first, "one marker in the first half");
            assertEquals(1, second, "one marker in the second half");
            assertEquals(sum, target);
            squared += (target - 1.0) * (target - 1.0);
        }
        // Var(U1 + U2) = 1/6; the mean of 200,000 squares has a standard error of about 0.0003.
        assertEquals(1.0 / 6, squared / sequences, 0.002);
    }

    @Test
    void tooShortOrWrongShapeIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> new AddingProblem(1, 1));
        assertThrows(IllegalArgumentException.class, () -> new AddingProblem(5, 1).next(new float[4][2]));
    }
}
