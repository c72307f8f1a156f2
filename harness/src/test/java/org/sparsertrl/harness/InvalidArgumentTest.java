package org.sparsertrl.harness;

import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.sparsertrl.engine.cell.CellKind;
import org.sparsertrl.engine.cell.Initialization;
import org.sparsertrl.engine.learn.LearnerSpec;
import org.sparsertrl.engine.learn.Selection;
import org.sparsertrl.engine.memory.ModelMemory;
import org.sparsertrl.engine.optim.OptimizerSpec;
import org.sparsertrl.engine.train.OnlineTrainer;
import org.sparsertrl.engine.transformer.HeadSelection;
import org.sparsertrl.engine.transformer.HeadTransport;
import org.sparsertrl.engine.transformer.OnlineTransformer;
import org.sparsertrl.harness.oracle.EngineProbe;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Property 8: every invalid argument is an IllegalArgumentException whose message names the argument
 * and its value, thrown before any state changes: the model's weights, hidden state, sensitivities
 * and step count are the same afterwards, and a failed build leaves no off-heap memory behind.
 */
class InvalidArgumentTest {

    static final int N = 6;
    static final int M = 3;
    static final int O = 2;

    @Test
    void badStepInputsAreRejectedAndChangeNothing() {
        float[] good = {0.1f, 0.2f, 0.3f}, target = {0.5f, -0.5f};
        List<Case> cases = List.of(
                new Case("input has length 2, expected m = 3", t -> t.step(new float[2], target)),
                new Case("input has length 4, expected m = 3", t -> t.step(new float[4], target)),
                new Case("input is null", t -> t.step(null, target)),
                new Case("input[1] = NaN is not finite", t -> t.step(new float[] {0f, Float.NaN, 0f}, target)),
                new Case("input[2] = Infinity is not finite", t -> t.step(new float[] {0f, 0f, Float.POSITIVE_INFINITY}, target)),
                new Case("input[0] = -Infinity is not finite", t -> t.step(new float[] {Float.NEGATIVE_INFINITY, 0f, 0f}, target)),
                new Case("target has length 1, expected o = 2", t -> t.step(good, new float[1])),
                new Case("target[0] = NaN is not finite", t -> t.step(good, new float[] {Float.NaN, 0f})),
                new Case("target[1] = Infinity is not finite", t -> t.computeGradient(good, new float[] {0f, Float.POSITIVE_INFINITY})),
                new Case("input[1] = NaN is not finite", t -> t.predict(new float[] {0f, Float.NaN, 0f}, new float[2])),
                new Case("output has length 3, expected o = 2", t -> t.predict(good, new float[3])),
                new Case("out has length 1, expected o = 2", t -> t.output(new float[1])),
                new Case("source is null", t -> t.copyWeightsFrom(null)),
                new Case("source is null", t -> t.copyHiddenStateFrom(null)),
                new Case("input has length 1, expected m = 3", t -> t.evaluate(new float[1], target)),
                new Case("learningRate = NaN must be finite and > 0", t -> t.setLearningRate(Float.NaN)),
                new Case("learningRate = 0.0 must be finite and > 0", t -> t.setLearningRate(0f)),
                new Case("learningRate = -0.1 must be finite and > 0", t -> t.setLearningRate(-0.1f)),
                new Case("learningRate = Infinity must be finite and > 0", t -> t.setLearningRate(Float.POSITIVE_INFINITY)));
        for (CellKind kind : CellKind.values()) {
            List<Case> all = new java.util.ArrayList<>(cases);
            int size = kind.statesPerUnit() * N;
            float[] outOfRange = new float[size];
            outOfRange[1] = 1.5f;
            all.add(new Case("hiddenState has length " + (size + 1) + ", expected state size = " + size,
                    t -> t.setHiddenState(new float[size + 1])));
            all.add(new Case("hiddenState[1] = 1.5 is outside [-1, 1]", t -> t.setHiddenState(outOfRange)));
            int last = new org.sparsertrl.engine.cell.RnnLayout(N, M, O, kind.gates()).size() - 1;
            all.add(new Case("index = -1 is out of range [0, " + last + "]", t -> t.gradient(-1)));
            for (LearnerSpec learner : kind == CellKind.VANILLA ? Learners.all(2) : Learners.gated(2)) {
                try (OnlineTrainer trainer = OnlineTrainer.builder(N, M, O).cell(kind).seed(3).learner(learner).build()) {
                    for (int t = 0; t < 5; t++) {
                        trainer.step(good, target); // some history, so that sensitivities and state are not zero
                    }
                    String label = kind.label() + " " + learner.label();
                    for (Case c : all) {
                        Snapshot before = Snapshot.of(trainer);
                        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> c.call.accept(trainer),
                                label + ": " + c.message);
                        assertEquals(c.message, e.getMessage(), label);
                        before.assertUnchanged(trainer, label + " after '" + c.message + "'");
                    }
                }
            }
        }
    }

    @Test
    void peerLearnersOnAGatedCellAreRefusedByName() {
        long live = ModelMemory.liveBytes();
        for (CellKind kind : List.of(CellKind.LSTM, CellKind.GRU)) {
            for (LearnerSpec learner : List.of(LearnerSpec.rflo(2f, org.sparsertrl.engine.learn.Rflo.Feedback.RANDOM, 1))) {
                expect("cell = " + kind.label() + ": learner '" + learner.label() + "' is implemented for the vanilla cell "
                        + "only (every other learner runs on every cell)",
                        () -> OnlineTrainer.builder(N, M, O).cell(kind).learner(learner).build());
            }
        }
        expect("k = 7 is out of range [0, n = 6]", () -> OnlineTrainer.builder(N, M, O).cell(CellKind.LSTM)
                .learner(LearnerSpec.sparse(7, Selection.randomFixed(1))).build());
        expect("cell = tanh is not one of vanilla, lstm, gru", () -> CellKind.of("tanh"));
        expect("cell is null", () -> OnlineTrainer.builder(N, M, O).cell(null));
        assertEquals(live, ModelMemory.liveBytes(), "a refused build must release what it allocated");
    }

    @Test
    void badConstructionArgumentsAreRejectedWithoutLeaking() {
        long live = ModelMemory.liveBytes();
        expect("n = 0 is out of range [1, 16384]", () -> OnlineTrainer.builder(0, M, O));
        expect("n = -3 is out of range [1, 16384]", () -> OnlineTrainer.builder(-3, M, O));
        expect("m = 0 is out of range [1, 16384]", () -> OnlineTrainer.builder(N, 0, O));
        expect("o = 0 is out of range [1, 16384]", () -> OnlineTrainer.builder(N, M, 0));
        expect("k = -1 must be >= 0", () -> LearnerSpec.sparse(-1, Selection.randomFixed(1)));
        expect("k = -2 must be >= 0", () -> LearnerSpec.subset(-2, 1));
        expect("window = 0 must be >= 1", () -> LearnerSpec.truncatedBptt(0));
        expect("tau = 0.5 must be finite and at least 1",
                () -> LearnerSpec.rflo(0.5f, org.sparsertrl.engine.learn.Rflo.Feedback.RANDOM, 1));
        expect("tau = NaN must be finite and at least 1",
                () -> LearnerSpec.rflo(Float.NaN, org.sparsertrl.engine.learn.Rflo.Feedback.RANDOM, 1));
        expect("k = 7 is out of range [0, n = 6]",
                () -> OnlineTrainer.builder(N, M, O).learner(LearnerSpec.sparse(7, Selection.randomFixed(1))).build());
        expect("k = 9 is out of range [0, n = 6]",
                () -> OnlineTrainer.builder(N, M, O).learner(LearnerSpec.subset(9, 1)).build());
        expect("learningRate = NaN must be finite and > 0", () -> OptimizerSpec.adam(Float.NaN));
        expect("learningRate = 0.0 must be finite and > 0", () -> OptimizerSpec.sgd(0f));
        expect("learningRate = -1.0 must be finite and > 0", () -> OptimizerSpec.rmsprop(-1f));
        expect("learningRate = Infinity must be finite and > 0", () -> OptimizerSpec.sgd(Float.POSITIVE_INFINITY, 0.5f));
        expect("momentum = 1.0 must be in [0.0, 1.0)", () -> OptimizerSpec.sgd(0.1f, 1f));
        expect("recurrentGain = NaN must be finite and > 0", () -> OnlineTrainer.builder(N, M, O).recurrentGain(Float.NaN));
        expect("recurrentGain = 0.0 must be finite and > 0", () -> Initialization.orthogonal(0f, 1f));
        expect("recurrentGain = NaN must be finite and > 0", () -> Initialization.gaussian(Float.NaN));
        expect("recurrentGain = Infinity must be finite and > 0", () -> Initialization.gaussian(Float.POSITIVE_INFINITY, 1f));
        expect("inputScale = -1.0 must be finite and > 0", () -> Initialization.orthogonal(0.9f, -1f));
        expect("inputScale = NaN must be finite and > 0", () -> Initialization.gaussian(0.9f, Float.NaN));
        expect("kind is null", () -> new Initialization(null, 0.9f, 1f));
        expect("initialization is null", () -> OnlineTrainer.builder(N, M, O).initialization(null));
        expect("clipNorm = -1.0 must be finite and > 0", () -> OnlineTrainer.builder(N, M, O).clipNorm(-1f));
        expect("refreshEvery = 0 must be >= 1", () -> Selection.topK(0));
        expect("refreshEvery = 100 must be 0 for the fixed policy random-fixed",
                () -> new Selection(Selection.Policy.RANDOM_FIXED, 100, 1, null));
        expect("explicit[1] has 1 units, expected k = 2", () -> OnlineTrainer.builder(3, M, O)
                .learner(LearnerSpec.sparse(2, Selection.explicit(new int[][] {{0, 1}, {2}, {0, 2}}))).build());
        expect("explicit[0] = [1, 1] must hold k distinct units in [0, n = 3)", () -> OnlineTrainer.builder(3, M, O)
                .learner(LearnerSpec.sparse(2, Selection.explicit(new int[][] {{1, 1}, {0, 2}, {0, 2}}))).build());
        expect("units = [0, 5] must be distinct units in [0, n = 3)",
                () -> OnlineTrainer.builder(3, M, O).learner(LearnerSpec.subset(new int[] {0, 5})).build());
        assertEquals(live, ModelMemory.liveBytes(), "a failed build must release what it allocated");
    }

    @Test
    void badTransformerShapesNameTheOption() {
        long live = ModelMemory.liveBytes();
        expect("heads = 5 does not divide dModel = 24", () -> OnlineTransformer.builder(1, 1).heads(5).build());
        expect("heads = 6 does not divide dModel = 16", () -> OnlineTransformer.builder(1, 1).dModel(16).build());
        expect("headFraction = 0.25 is not a multiple of 1/heads = 1/6 (s H = 1.5 heads)", () -> OnlineTransformer
                .builder(1, 1).transport(HeadTransport.sparse(0.25, HeadSelection.randomFixed(1))).build());
        expect("headFraction = 1.5 must be in [0, 1]", () -> HeadTransport.sparse(1.5, HeadSelection.randomFixed(1)));
        expect("context = 0 is out of range [1, 4096]", () -> OnlineTransformer.builder(1, 1).context(0));
        expect("context = -3 is out of range [1, 4096]", () -> OnlineTransformer.builder(1, 1).context(-3));
        expect("heads = 0 is out of range [1, 4096]", () -> OnlineTransformer.builder(1, 1).heads(0));
        expect("every = 0 must be >= 1", () -> HeadSelection.resampled(0, 1));
        expect("heads[1] lists 2 heads, expected headFraction x heads = 3", () -> OnlineTransformer.builder(1, 1)
                .transport(HeadTransport.sparse(0.5, HeadSelection.explicit(new int[][] {{0, 1, 2}, {3, 4}}))).build());
        expect("heads[0] = [0, 0, 2] must list distinct heads in [0, 5]", () -> OnlineTransformer.builder(1, 1)
                .transport(HeadTransport.sparse(0.5, HeadSelection.explicit(new int[][] {{0, 0, 2}, {3, 4, 5}}))).build());
        assertEquals(live, ModelMemory.liveBytes(), "a failed build must release what it allocated");
        try (OnlineTransformer model = OnlineTransformer.builder(2, 1).context(3).build()) {
            float[] before = model.weights();
            expect("input has length 1, expected inputs = 2", () -> model.step(new float[1], new float[1]));
            expect("target[0] = NaN is not finite", () -> model.step(new float[2], new float[] {Float.NaN}));
            assertArrayEquals(before, model.weights(), "a rejected step changes nothing");
            assertEquals(0, model.filled(), "a rejected step does not enter the window");
        }
    }

    private static void expect(String message, Executable call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call, message);
        assertEquals(message, e.getMessage());
    }

    private record Case(String message, Consumer<OnlineTrainer> call) {
    }

    /** What a rejected call must leave as it was. */
    private record Snapshot(double[] weights, double[] sensitivities, float[] hidden, long steps, float learningRate) {
        static Snapshot of(OnlineTrainer trainer) {
            float[] hidden = new float[trainer.inspect().cell().stateSize()];
            trainer.inspect().cell().hidden(hidden);
            return new Snapshot(EngineProbe.weights(trainer), EngineProbe.allSensitivities(trainer), hidden,
                    trainer.steps(), trainer.learningRate());
        }

        void assertUnchanged(OnlineTrainer trainer, String what) {
            Snapshot now = of(trainer);
            assertArrayEquals(weights, now.weights, what + ": weights changed");
            assertTrue(Arrays.equals(sensitivities, now.sensitivities), what + ": sensitivities changed");
            assertArrayEquals(hidden, now.hidden, what + ": hidden state changed");
            assertEquals(steps, now.steps, what + ": step count changed");
            assertEquals(learningRate, now.learningRate, what + ": learning rate changed");
        }
    }
}
