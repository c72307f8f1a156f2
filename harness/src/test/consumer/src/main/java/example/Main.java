package example;

import org.sparsertrl.engine.learn.LearnerSpec;
import org.sparsertrl.engine.learn.Selection;
import org.sparsertrl.engine.optim.OptimizerSpec;
import org.sparsertrl.engine.train.OnlineTrainer;

/** The README's usage example, verbatim between the markers (ReadmeExampleTest checks both). */
public final class Main {

    private Main() {
    }

    public static void main(String[] args) {
        // README-BEGIN
        try (OnlineTrainer trainer = OnlineTrainer.builder(64, 1, 1)      // n hidden, m inputs, o outputs
                .seed(42)
                .learner(LearnerSpec.sparse(4, Selection.randomFixed(7))) // k = 4 paths per row
                .optimizer(OptimizerSpec.adam(1e-3f))
                .build()) {
            float[] x = new float[1], target = new float[1];
            double sum = 0;
            for (int t = 0; t < 5_000; t++) {
                x[0] = (float) Math.sin(0.1 * t);
                target[0] = (float) Math.sin(0.1 * (t + 1));
                sum += trainer.step(x, target);                         // predict, learn, update
                if (t % 1_000 == 999) {
                    System.out.printf("steps %d-%d: mean loss %.2e%n", t - 998, t + 1, sum / 1_000);
                    sum = 0;
                }
            }
        }
        // README-END
    }
}
