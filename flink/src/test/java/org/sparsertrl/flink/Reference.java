package org.sparsertrl.flink;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.sparsertrl.engine.runtime.EmbeddedTrainer;
import org.sparsertrl.engine.train.OnlineTrainer;
import org.sparsertrl.engine.train.TrainerState;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The oracle: every key's samples run through a bare engine trainer, one key after another, with no
 * Flink, no cache and no serialisation; divergence recovery done with the engine's own TrainerState
 * snapshots. What the operator emits and stores must equal this bit for bit.
 */
final class Reference {

    final Map<String, Prediction> predictions = new HashMap<>();
    final Map<String, byte[]> finalStates = new TreeMap<>();

    /** Runs {@code samples} (in stream order; each key's own order is what counts) through fresh trainers. */
    static Reference run(TrainerTemplate template, List<Sample> samples, EmbeddedTrainer.Recovery recovery, int snapshotEvery) {
        Map<String, List<Sample>> byKey = new TreeMap<>();
        for (Sample s : samples) {
            if (template.problemWith(s) == null) {
                byKey.computeIfAbsent(s.key(), k -> new ArrayList<>()).add(s);
            }
        }
        Reference ref = new Reference();
        for (Map.Entry<String, List<Sample>> e : byKey.entrySet()) {
            String key = e.getKey();
            OnlineTrainer trainer = template.create(key);
            TrainerState snapshot = trainer.newState(true);
            boolean haveSnapshot = false;
            try {
                for (Sample s : e.getValue()) {
                    float[] out = new float[template.o()];
                    float loss = Float.NaN;
                    if (s.train()) {
                        loss = trainer.step(s.input(), s.target());
                    } else if (s.target().length > 0) {
                        loss = trainer.evaluate(s.input(), s.target());
                    } else {
                        trainer.predict(s.input(), out);
                    }
                    trainer.output(out);
                    boolean diverged = trainer.diverged();
                    if (diverged) {
                        if (recovery == EmbeddedTrainer.Recovery.ROLLBACK && haveSnapshot) {
                            trainer.restoreState(snapshot);
                        } else if (recovery == EmbeddedTrainer.Recovery.RESET) {
                            trainer.reset();
                            trainer.resetOptimizer();
                        } else {
                            trainer.close();
                            snapshot.close();
                            trainer = template.create(key);
                            snapshot = trainer.newState(true);
                        }
                    } else if (s.train() && trainer.steps() % snapshotEvery == 0) {
                        trainer.saveState(snapshot);
                        haveSnapshot = true;
                    }
                    ref.predictions.put(id(key, s.time()), new Prediction(key, s.time(), out, loss, trainer.steps(), diverged));
                }
                ref.finalStates.put(key, TrainerBytes.save(trainer, snapshot));
            } finally {
                trainer.close();
                snapshot.close();
            }
        }
        return ref;
    }

    static String id(String key, long time) {
        return key + "@" + time;
    }

    /** Every emitted prediction equals the reference's, bit for bit, and each sample was emitted exactly once. */
    void assertSamePredictions(List<Prediction> emitted) {
        Map<String, Prediction> seen = new HashMap<>();
        for (Prediction p : emitted) {
            String id = id(p.key(), p.time());
            if (seen.put(id, p) != null) {
                fail("prediction for " + id + " emitted twice");
            }
            Prediction want = predictions.get(id);
            if (want == null) {
                fail("prediction for " + id + " emitted, but the reference has no such sample");
            }
            if (Float.floatToRawIntBits(want.loss()) != Float.floatToRawIntBits(p.loss())
                    || !Arrays.equals(bits(want.output()), bits(p.output()))
                    || want.updates() != p.updates() || want.diverged() != p.diverged()) {
                fail("prediction for " + id + " differs: reference loss " + want.loss() + " output "
                        + Arrays.toString(want.output()) + " updates " + want.updates() + " diverged " + want.diverged()
                        + ", emitted loss " + p.loss() + " output " + Arrays.toString(p.output()) + " updates "
                        + p.updates() + " diverged " + p.diverged());
            }
        }
        assertEquals(predictions.size(), seen.size(), "predictions emitted (each sample once)");
    }

    /** Every key's final stored trainer equals the reference's, byte for byte. */
    void assertSameFinalStates(List<KeyState> emitted) {
        Map<String, byte[]> got = new TreeMap<>();
        for (KeyState s : emitted) {
            assertTrue(got.put(s.key(), s.state()) == null, "final state of " + s.key() + " emitted twice");
        }
        assertEquals(finalStates.keySet(), got.keySet(), "keys with a final state");
        for (Map.Entry<String, byte[]> e : finalStates.entrySet()) {
            assertTrue(Arrays.equals(e.getValue(), got.get(e.getKey())), "final state of key " + e.getKey()
                    + " differs from the uninterrupted run's");
        }
    }

    private static int[] bits(float[] values) {
        int[] out = new int[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = Float.floatToRawIntBits(values[i]);
        }
        return out;
    }
}
