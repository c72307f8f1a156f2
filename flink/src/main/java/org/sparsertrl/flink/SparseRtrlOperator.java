package org.sparsertrl.flink;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.flink.api.common.state.StateTtlConfig;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.runtime.metrics.DescriptiveStatisticsHistogram;
import org.apache.flink.runtime.state.StateSnapshotContext;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.runtime.state.VoidNamespaceSerializer;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.BoundedOneInput;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.util.OutputTag;
import org.sparsertrl.engine.runtime.Checkpoint;
import org.sparsertrl.engine.runtime.EmbeddedTrainer;
import org.sparsertrl.engine.train.OnlineTrainer;
import org.sparsertrl.engine.train.TrainerState;

/**
 * The keyed operator: one {@link OnlineTrainer} per key, made from a {@link TrainerTemplate} on the
 * key's first sample, stepped on each of its samples (train or predict-only by the sample's kind);
 * it emits a {@link Prediction} with the loss for each.
 *
 * <pre>{@code
 * TrainerTemplate template = TrainerTemplate.builder(32, 4, 1).learner("sparse-4").seed(7).build();
 * SingleOutputStreamOperator<Prediction> predictions = SparseRtrlOperator.apply(samples,
 *         SparseRtrlOperator.builder(template).maxLiveTrainers(2_000).build());
 * DataStream<Rejected> rejected = predictions.getSideOutput(SparseRtrlOperator.REJECTED);
 * }</pre>
 *
 * <p><b>State.</b> A key's trainer (weights, hidden state, optimizer moments, sensitivities, update
 * count) lives in Flink keyed state as {@link TrainerBytes}: the engine's checkpoint behind a format
 * byte. The off-heap trainers are a cache in front of it, at most {@code maxLiveTrainers} per parallel
 * instance: the least recently used is written back to keyed state and closed to make room, and every
 * trainer changed since the last Flink checkpoint is written back when a checkpoint or savepoint is
 * taken, before the state backend snapshots. A restore (after a failure, or at another parallelism:
 * keyed state moves with its key groups) starts with an empty cache and reloads each key on its next
 * sample, so the results are those of an uninterrupted run, bit for bit, for every learner whose
 * checkpoint holds its whole state (not the random-resampled path selection: its generator is not
 * part of the engine's state). An optional state TTL forgets a key that went quiet: a key whose next
 * sample comes the TTL or more after its last one starts again from the template's fresh trainer,
 * whether its trainer was still cached or in keyed state, and a quiet key's cached trainer is dropped
 * at the next checkpoint. The stored values carry Flink's own TTL (processing time, counted from
 * their last write), so a key that never comes back leaves no state behind; a third keyed value
 * holds the time of the key's last sample, because a write-back can come a checkpoint interval after it.
 *
 * <p><b>Batches.</b> With {@link Builder#batch} the operator holds up to that many samples (at most a
 * given delay) and steps them key by key, each key's in arrival order, so a trainer stays in the
 * processor's caches for its run of steps. Keys are independent, so every key's results are the bits
 * it gets one sample at a time; only the order of different keys' predictions, and their latency, change.
 *
 * <p><b>Malformed samples</b> ({@link TrainerTemplate#problemWith}: wrong lengths, NaN or infinite
 * values) go to the {@link #REJECTED} side output with the reason, before the key's trainer is even
 * looked up: they never touch its state.
 *
 * <p><b>Divergence.</b> A step that is not finite makes no update (the engine's rule); the operator
 * then applies the engine's recovery policy ({@link EmbeddedTrainer.Recovery}) to that key alone and
 * counts it. ROLLBACK restores the key's last good snapshot, taken every {@code snapshotEvery} updates
 * into a second keyed value (the key's initial model if it has none yet); RESET keeps the weights and
 * zeroes hidden state, sensitivities and optimizer moments (the initial model if the weights
 * themselves are no longer finite). Snapshots are taken at update counts, never at wall-clock times,
 * so recovery is as reproducible as the steps.
 *
 * <p><b>Metrics</b> (the operator's metric group): counters {@code steps}, {@code predictions},
 * {@code rejectedSamples}, {@code divergences}, {@code evictions}; gauge {@code liveTrainers};
 * histogram {@code stepLatencyNanos} (the engine call alone, over the last 10,000 samples).
 */
public final class SparseRtrlOperator extends AbstractStreamOperator<Prediction>
        implements OneInputStreamOperator<Sample, Prediction>, BoundedOneInput {

    private static final long serialVersionUID = 1L;

    /** Samples refused before they reached a trainer, with the reason. */
    public static final OutputTag<Rejected> REJECTED = new OutputTag<>("rejected", TypeInformation.of(Rejected.class));

    /** Each key's final stored trainer at the end of a bounded input, if {@link Builder#emitFinalStates} asked. */
    public static final OutputTag<KeyState> FINAL_STATES = new OutputTag<>("final-states", TypeInformation.of(KeyState.class));

    /** The operator's uid as {@link #apply} sets it: savepoints find the keyed state by it. */
    public static final String UID = "sparse-rtrl-trainers";

    private final TrainerTemplate template;
    private final int maxLiveTrainers;
    private final Duration stateTtl;
    private final EmbeddedTrainer.Recovery recovery;
    private final int snapshotEvery;
    private final boolean emitFinalStates;
    private final int batchSamples;
    private final long batchDelayMillis;

    private transient ValueStateDescriptor<byte[]> storedDescriptor;
    private transient ValueState<byte[]> stored;
    private transient ValueState<byte[]> lastGood;
    private transient ValueState<Long> lastSample;
    private transient LinkedHashMap<String, Live> live;
    private transient TrainerState scratch;
    private transient Counter steps;
    private transient Counter predictions;
    private transient Counter rejected;
    private transient Counter divergences;
    private transient Counter evictions;
    private transient Histogram stepLatency;
    private transient List<StreamRecord<Sample>> batch;
    private transient long batchGeneration;

    private static final Comparator<StreamRecord<Sample>> BY_KEY = Comparator.comparing(r -> r.getValue().key());

    /** A cached trainer, whether it changed since it was last written to keyed state, and when its key's last sample came. */
    private static final class Live {
        OnlineTrainer trainer;
        boolean dirty;
        long lastSample;

        Live(OnlineTrainer trainer, boolean dirty) {
            this.trainer = trainer;
            this.dirty = dirty;
        }
    }

    private SparseRtrlOperator(Builder b) {
        this.template = b.template;
        this.maxLiveTrainers = b.maxLiveTrainers;
        this.stateTtl = b.stateTtl;
        this.recovery = b.recovery;
        this.snapshotEvery = b.snapshotEvery;
        this.emitFinalStates = b.emitFinalStates;
        this.batchSamples = b.batchSamples;
        this.batchDelayMillis = b.batchDelay.toMillis();
    }

    public static Builder builder(TrainerTemplate template) {
        return new Builder(template);
    }

    /**
     * Keys {@code samples} by {@link Sample#key()} and runs {@code operator} on them, with the uid
     * {@link #UID} (a job that applies the operator twice must give the second another uid).
     */
    public static SingleOutputStreamOperator<Prediction> apply(DataStream<Sample> samples, SparseRtrlOperator operator) {
        return samples.keyBy(Sample::key, Types.STRING)
                .transform("sparse-rtrl " + operator.template, TypeInformation.of(Prediction.class), operator)
                .uid(UID);
    }

    @Override
    public void open() throws Exception {
        super.open();
        storedDescriptor = descriptor("trainer");
        stored = getPartitionedState(storedDescriptor);
        if (recovery == EmbeddedTrainer.Recovery.ROLLBACK) {
            lastGood = getPartitionedState(descriptor("last-good"));
        }
        if (stateTtl != null) {
            ValueStateDescriptor<Long> d = new ValueStateDescriptor<>("last-sample", Types.LONG);
            d.enableTimeToLive(ttlConfig());
            lastSample = getPartitionedState(d);
        }
        live = new LinkedHashMap<>(16, 0.75f, true);
        batch = new ArrayList<>(batchSamples);
        steps = getMetricGroup().counter("steps");
        predictions = getMetricGroup().counter("predictions");
        rejected = getMetricGroup().counter("rejectedSamples");
        divergences = getMetricGroup().counter("divergences");
        evictions = getMetricGroup().counter("evictions");
        getMetricGroup().gauge("liveTrainers", () -> live.size());
        stepLatency = getMetricGroup().histogram("stepLatencyNanos", new DescriptiveStatisticsHistogram(10_000));
    }

    private ValueStateDescriptor<byte[]> descriptor(String name) {
        ValueStateDescriptor<byte[]> d = new ValueStateDescriptor<>(name, PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO);
        if (stateTtl != null) {
            d.enableTimeToLive(ttlConfig());
        }
        return d;
    }

    private StateTtlConfig ttlConfig() {
        return StateTtlConfig.newBuilder(stateTtl)
                .setUpdateType(StateTtlConfig.UpdateType.OnCreateAndWrite)
                .setStateVisibility(StateTtlConfig.StateVisibility.NeverReturnExpired)
                .build();
    }

    /** Whether a key whose last sample came at {@code last} has gone quiet for the TTL at {@code now} (Flink's rule: expired at last + ttl). */
    private boolean quiet(long last, long now) {
        return stateTtl != null && now - last >= stateTtl.toMillis();
    }

    @Override
    public void processElement(StreamRecord<Sample> element) throws Exception {
        Sample sample = element.getValue();
        String problem = template.problemWith(sample);
        if (problem != null) {
            rejected.inc();
            output.collect(REJECTED, new StreamRecord<>(new Rejected(sample, problem), element.getTimestamp()));
            return;
        }
        if (batchSamples == 1) {
            process(element);
            return;
        }
        // Flink reuses the record, and the sample too when object reuse is on: keep copies.
        if (getExecutionConfig().isObjectReuseEnabled()) {
            sample = new Sample(sample.key(), sample.time(), sample.train(), sample.input().clone(), sample.target().clone());
        }
        batch.add(element.hasTimestamp() ? new StreamRecord<>(sample, element.getTimestamp()) : new StreamRecord<>(sample));
        if (batch.size() == 1) {
            long generation = ++batchGeneration;
            getProcessingTimeService().registerTimer(getProcessingTimeService().getCurrentProcessingTime() + batchDelayMillis,
                    time -> {
                        if (batchGeneration == generation) {
                            flush();
                        }
                    });
        }
        if (batch.size() >= batchSamples) {
            flush();
        }
    }

    /**
     * Processes the held samples key by key (each key's in arrival order), so that a key's trainer stays
     * in the processor's caches for its run of steps; every key sees the samples it would have seen one
     * by one, so the results are the same bits.
     */
    private void flush() throws Exception {
        if (batch.isEmpty()) {
            return;
        }
        batchGeneration++;
        batch.sort(BY_KEY); // stable: each key's samples keep their order
        for (StreamRecord<Sample> record : batch) {
            setCurrentKey(record.getValue().key());
            process(record);
        }
        batch.clear();
    }

    /** The held samples go out before a barrier, so a checkpoint never holds a sample the trainers have not seen. */
    @Override
    public void prepareSnapshotPreBarrier(long checkpointId) throws Exception {
        flush();
        super.prepareSnapshotPreBarrier(checkpointId);
    }

    /** The held samples' predictions go out before a watermark that follows them. */
    @Override
    public void processWatermark(Watermark mark) throws Exception {
        flush();
        super.processWatermark(mark);
    }

    /** One accepted sample: its key's trainer steps (or predicts) and the prediction goes out. */
    private void process(StreamRecord<Sample> element) throws Exception {
        Sample sample = element.getValue();
        String key = sample.key();
        long now = stateTtl == null ? 0 : getProcessingTimeService().getCurrentProcessingTime();
        Live entry = trainerFor(key, now);
        entry.lastSample = now;
        OnlineTrainer trainer = entry.trainer;
        float[] out = new float[template.o()];
        float loss = Float.NaN;
        long start = System.nanoTime();
        if (sample.train()) {
            loss = trainer.step(sample.input(), sample.target());
        } else if (sample.target().length > 0) {
            loss = trainer.evaluate(sample.input(), sample.target());
        } else {
            trainer.predict(sample.input(), out);
        }
        stepLatency.update(System.nanoTime() - start);
        trainer.output(out);
        entry.dirty = true;
        boolean diverged = trainer.diverged();
        if (diverged) {
            divergences.inc();
            recover(key, entry);
        } else if (sample.train()) {
            steps.inc();
            if (lastGood != null && trainer.steps() % snapshotEvery == 0) {
                lastGood.update(TrainerBytes.save(trainer, scratch));
            }
        } else {
            predictions.inc();
        }
        output.collect(element.replace(new Prediction(key, sample.time(), out, loss, entry.trainer.steps(), diverged)));
    }

    /**
     * The key's live trainer: cached, or loaded from keyed state, or new from the template; new also when
     * the key's last sample is a state TTL or more before {@code now}.
     */
    private Live trainerFor(String key, long now) throws Exception {
        Live entry = live.get(key);
        if (entry != null) {
            if (quiet(entry.lastSample, now)) {
                forget();
                entry.trainer.close();
                entry.trainer = template.create(key);
                entry.dirty = true;
            }
            return entry;
        }
        if (live.size() >= maxLiveTrainers) {
            evictEldest(key);
        }
        byte[] bytes = stored.value();
        if (bytes != null && stateTtl != null) {
            // Flink's TTL counts from the write-back, which may come a checkpoint interval after the last sample.
            Long last = lastSample.value();
            if (last == null || quiet(last, now)) {
                forget();
                bytes = null;
            }
        }
        OnlineTrainer trainer = load(key, bytes);
        if (scratch == null) {
            scratch = trainer.newState(true);
        }
        entry = new Live(trainer, bytes == null);
        live.put(key, entry);
        return entry;
    }

    /** A trainer for {@code key}, from its stored bytes if any; closes it again if they do not load. */
    private OnlineTrainer load(String key, byte[] bytes) {
        OnlineTrainer trainer = template.create(key);
        if (bytes != null) {
            try {
                TrainerBytes.load(bytes, trainer);
            } catch (Checkpoint.CorruptCheckpointException | RuntimeException e) {
                trainer.close();
                throw new IllegalStateException("key '" + key + "': its stored trainer does not load: " + e.getMessage(), e);
            }
        }
        return trainer;
    }

    private void evictEldest(String currentKey) {
        Iterator<Map.Entry<String, Live>> eldest = live.entrySet().iterator();
        Map.Entry<String, Live> e = eldest.next();
        eldest.remove();
        if (e.getValue().dirty) {
            setCurrentKey(e.getKey());
            try {
                store(e.getValue());
            } catch (java.io.IOException ex) {
                throw new java.io.UncheckedIOException(ex);
            } finally {
                setCurrentKey(currentKey);
            }
        }
        e.getValue().trainer.close();
        evictions.inc();
    }

    private void recover(String key, Live entry) throws Exception {
        OnlineTrainer trainer = entry.trainer;
        if (recovery == EmbeddedTrainer.Recovery.ROLLBACK) {
            byte[] good = lastGood.value();
            if (good != null) {
                TrainerBytes.load(good, trainer);
                return;
            }
        } else {
            trainer.reset();
            trainer.resetOptimizer();
            if (allFinite(trainer.weights())) {
                return;
            }
        }
        trainer.close();
        entry.trainer = template.create(key);
    }

    private static boolean allFinite(float[] values) {
        for (float v : values) {
            if (!Float.isFinite(v)) {
                return false;
            }
        }
        return true;
    }

    /** Writes the current key's trainer to keyed state, with the time of its last sample if there is a TTL. */
    private void store(Live entry) throws java.io.IOException {
        stored.update(TrainerBytes.save(entry.trainer, scratch));
        if (lastSample != null) {
            lastSample.update(entry.lastSample);
        }
        entry.dirty = false;
    }

    /** Drops the current key's stored trainer and rollback snapshot: it went quiet for the TTL. */
    private void forget() {
        stored.clear();
        if (lastGood != null) {
            lastGood.clear();
        }
        lastSample.clear();
    }

    /** Writes every trainer changed since the last write-back into keyed state, so the snapshot holds it. */
    @Override
    public void snapshotState(StateSnapshotContext context) throws Exception {
        super.snapshotState(context);
        writeBack();
    }

    /** Writes back every changed trainer; with a TTL, first drops the live trainers whose key has gone quiet. */
    private void writeBack() throws Exception {
        Object current = getCurrentKey();
        long now = stateTtl == null ? 0 : getProcessingTimeService().getCurrentProcessingTime();
        for (Iterator<Map.Entry<String, Live>> it = live.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<String, Live> e = it.next();
            Live entry = e.getValue();
            if (quiet(entry.lastSample, now)) {
                setCurrentKey(e.getKey());
                forget();
                entry.trainer.close();
                it.remove();
            } else if (entry.dirty) {
                setCurrentKey(e.getKey());
                store(entry);
            }
        }
        if (current != null) {
            setCurrentKey(current);
        }
    }

    @Override
    public void endInput() throws Exception {
        flush();
        writeBack();
        if (emitFinalStates) {
            getKeyedStateBackend().applyToAllKeys(VoidNamespace.INSTANCE, VoidNamespaceSerializer.INSTANCE,
                    storedDescriptor, (key, state) -> {
                        byte[] bytes = state.value();
                        if (bytes != null) { // null: expired by the TTL
                            output.collect(FINAL_STATES, new StreamRecord<>(new KeyState((String) key, bytes)));
                        }
                    });
        }
    }

    @Override
    public void close() throws Exception {
        if (live != null) {
            for (Live entry : live.values()) {
                entry.trainer.close();
            }
            live.clear();
        }
        if (scratch != null) {
            scratch.close();
            scratch = null;
        }
        super.close();
    }

    /** The operator's choices; each setter checks its argument at once. */
    public static final class Builder {
        private final TrainerTemplate template;
        private int maxLiveTrainers = 1_024;
        private Duration stateTtl;
        private EmbeddedTrainer.Recovery recovery = EmbeddedTrainer.Recovery.ROLLBACK;
        private int snapshotEvery = 1_000;
        private boolean emitFinalStates;
        private int batchSamples = 1;
        private Duration batchDelay = Duration.ofMillis(20);

        private Builder(TrainerTemplate template) {
            if (template == null) {
                throw new IllegalArgumentException("template is null");
            }
            this.template = template;
        }

        /** Off-heap trainers kept per parallel instance (default 1,024); the least recently used is written back and closed. */
        public Builder maxLiveTrainers(int max) {
            if (max < 1) {
                throw new IllegalArgumentException("maxLiveTrainers = " + max + " must be >= 1");
            }
            this.maxLiveTrainers = max;
            return this;
        }

        /** Forget a key, cached or stored, whose samples pause for {@code ttl} or longer (default: never; see the class comment). */
        public Builder stateTtl(Duration ttl) {
            if (ttl == null || ttl.isNegative() || ttl.isZero()) {
                throw new IllegalArgumentException("stateTtl = " + ttl + " must be a positive duration");
            }
            this.stateTtl = ttl;
            return this;
        }

        /**
         * What a non-finite step leads to (default ROLLBACK to a snapshot taken every 1,000 updates): the
         * engine's policy, applied to the key that diverged (see the class comment).
         */
        public Builder recovery(EmbeddedTrainer.Recovery recovery, int snapshotEvery) {
            if (recovery == null) {
                throw new IllegalArgumentException("recovery is null");
            }
            if (snapshotEvery < 1) {
                throw new IllegalArgumentException("snapshotEvery = " + snapshotEvery + " must be >= 1");
            }
            this.recovery = recovery;
            this.snapshotEvery = snapshotEvery;
            return this;
        }

        /**
         * Hold up to {@code samples} accepted samples, at most {@code maxDelay} (processing time), and then
         * step them key by key, each key's in arrival order (default 1: every sample at once). A trainer
         * whose key has several samples in a batch stays in the processor's caches for their steps, instead
         * of being fetched from memory for each: with 100 keys of n = 32 in turn this is most of the time
         * per step. The results are the same bits; a prediction waits up to {@code maxDelay} longer. Held
         * samples are processed before each checkpoint barrier, watermark and the end of the input, so a
         * checkpoint holds none.
         */
        public Builder batch(int samples, Duration maxDelay) {
            if (samples < 1) {
                throw new IllegalArgumentException("batch samples = " + samples + " must be >= 1");
            }
            if (maxDelay == null || maxDelay.isNegative() || maxDelay.isZero()) {
                throw new IllegalArgumentException("batch maxDelay = " + maxDelay + " must be a positive duration");
            }
            this.batchSamples = samples;
            this.batchDelay = maxDelay;
            return this;
        }

        /** At the end of a bounded input, emit every key's stored trainer to {@link #FINAL_STATES} (default false). */
        public Builder emitFinalStates(boolean emit) {
            this.emitFinalStates = emit;
            return this;
        }

        public SparseRtrlOperator build() {
            return new SparseRtrlOperator(this);
        }
    }
}
