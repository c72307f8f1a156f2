package org.sparsertrl.flink;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.time.Duration;

import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.sparsertrl.engine.runtime.EmbeddedTrainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The optional state TTL, on Flink's keyed operator test harness (its processing-time and TTL clocks
 * set by hand): a key whose samples pause for the TTL or longer starts again from the template's fresh
 * trainer, a key whose pause is shorter keeps its trainer, bit for bit against the bare engine, both
 * with the key's trainer still cached and with it evicted to keyed state; and a key that never comes
 * back leaves no stored trainer.
 */
class StateTtlTest {

    static final TrainerTemplate TEMPLATE = TrainerTemplate.builder(8, 2, 1).learner("sparse-2").seed(5).build();
    static final long TTL = 1_000;
    static final GeneratedSamples SAMPLES = new GeneratedSamples(3, 2, 1, 4);

    /** One key's next sample of the generated stream (each key's steps counted apart). */
    private final Map<Integer, Integer> stepOf = new HashMap<>();
    private final List<Sample> sent = new ArrayList<>();
    private final List<Sample> sentAfterPause = new ArrayList<>();

    private KeyedOneInputStreamOperatorTestHarness<String, Sample, Prediction> harness;

    @ParameterizedTest(name = "at most {0} live trainers")
    @ValueSource(ints = {8, 1}) // 8: every trainer stays cached; 1: every switch of key evicts one to keyed state
    void aKeyQuietForTheTtlStartsFreshAndOneQuietForLessKeepsItsTrainer(int maxLiveTrainers) throws Exception {
        SparseRtrlOperator operator = SparseRtrlOperator.builder(TEMPLATE).maxLiveTrainers(maxLiveTrainers)
                .stateTtl(Duration.ofMillis(TTL)).recovery(EmbeddedTrainer.Recovery.ROLLBACK, 4).emitFinalStates(true).build();
        harness = new KeyedOneInputStreamOperatorTestHarness<>(operator, Sample::key, Types.STRING);
        harness.open();

        at(0);
        for (int step = 0; step < 10; step++) {
            send(0, false);
            send(1, false);
            send(2, false);
        }
        send(0, false); // k0 last, so with one live trainer it is evicted (written back) only at 201
        at(201);
        send(2, false);
        send(2, false);
        at(300);
        harness.snapshot(1, 300); // writes back every changed trainer: Flink's TTL of k0's value counts from here
        at(600);
        send(1, false);
        send(1, false);
        at(1_200); // k0 quiet for 1,200 ms: fresh; k1 for 600 and k2 for 999: kept
        for (int step = 0; step < 5; step++) {
            send(0, true);
            send(1, false);
            send(2, false);
        }

        List<Prediction> emitted = harness.extractOutputValues();
        Reference expected = Reference.run(TEMPLATE, sent, EmbeddedTrainer.Recovery.ROLLBACK, 4);
        Reference fresh = Reference.run(TEMPLATE, sentAfterPause, EmbeddedTrainer.Recovery.ROLLBACK, 4);
        expected.predictions.putAll(fresh.predictions);
        expected.assertSamePredictions(emitted);
        Prediction firstAfterPause = emitted.stream().filter(p -> p.key().equals(GeneratedSamples.key(0))
                && p.time() == sentAfterPause.get(0).time()).findFirst().orElseThrow();
        assertEquals(sentAfterPause.get(0).train() ? 1 : 0, firstAfterPause.updates(),
                "k0's first sample after its pause goes to a fresh trainer");

        // Everyone quiet for the TTL: the next checkpoint drops the cached trainers, and Flink's TTL hides the stored ones.
        at(1_200 + TTL);
        harness.snapshot(2, 1_200 + TTL);
        harness.endInput();
        List<String> left = new ArrayList<>();
        var finalStates = harness.getSideOutput(SparseRtrlOperator.FINAL_STATES); // null: nothing was emitted
        if (finalStates != null) {
            for (StreamRecord<KeyState> s : finalStates) {
                left.add(s.getValue().key());
            }
        }
        assertTrue(left.isEmpty(), "no key's trainer outlives the TTL, yet these did: " + left);
        harness.close();
    }

    /** Sets both clocks the operator reads: processing time (its own) and the one Flink's state TTL reads. */
    private void at(long millis) throws Exception {
        harness.setProcessingTime(millis);
        harness.setStateTtlProcessingTime(millis);
    }

    /** Sends key k's next sample; {@code afterPause}: it belongs to the key's life after it was forgotten. */
    private void send(int k, boolean afterPause) throws Exception {
        int step = stepOf.merge(k, 1, Integer::sum) - 1;
        Sample s = SAMPLES.sample((long) step * 3 + k);
        (afterPause ? sentAfterPause : sent).add(s);
        harness.processElement(s, 0);
    }
}
