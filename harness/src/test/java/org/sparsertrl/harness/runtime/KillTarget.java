package org.sparsertrl.harness.runtime;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.sparsertrl.engine.learn.LearnerSpec;
import org.sparsertrl.engine.runtime.Checkpoint;
import org.sparsertrl.engine.train.OnlineTrainer;

/**
 * The process {@link KillTest} kills: resumes from the checkpoint if there is one, then trains on a
 * stream that depends only on the step count, writing a checkpoint (with sensitivities, so that a
 * resumed run is the uninterrupted one) every {@code every} steps, and printing each step it has
 * finished, until it is killed.
 */
public final class KillTarget {

    private KillTarget() {
    }

    static OnlineTrainer trainer() {
        return OnlineTrainer.builder(8, 1, 1).seed(11).learner(LearnerSpec.full()).build();
    }

    /** The sample of step {@code s}: a function of s alone, so a resumed run sees what the uninterrupted one would. */
    static void sample(long s, float[] x, float[] y) {
        x[0] = (float) Math.sin(0.1 * s);
        y[0] = (float) Math.sin(0.1 * (s + 1));
    }

    public static void main(String[] args) throws IOException {
        Path file = Path.of(args[0]);
        int every = Integer.parseInt(args[1]);
        try (OnlineTrainer trainer = trainer()) {
            if (Files.exists(file)) {
                Checkpoint.load(file, trainer);
            }
            System.out.println("resumed " + trainer.steps());
            System.out.flush();
            float[] x = new float[1], y = new float[1];
            while (true) {
                sample(trainer.steps(), x, y);
                trainer.step(x, y);
                if (trainer.steps() % every == 0) {
                    Checkpoint.write(file, trainer, true);
                }
                System.out.println("step " + trainer.steps());
                System.out.flush();
            }
        }
    }
}
