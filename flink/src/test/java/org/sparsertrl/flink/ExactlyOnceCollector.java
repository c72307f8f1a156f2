package org.sparsertrl.flink;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.api.java.typeutils.TupleTypeInfo;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.runtime.state.StateSnapshotContext;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

/**
 * The tests' transactional sink (a two-phase commit into this JVM): records are held per checkpoint
 * in operator state and published only when their checkpoint completes, under that checkpoint's id,
 * so output replayed after a failure is never published twice, and a restored job publishes the
 * records of the checkpoint it restored from (idempotently: the id is the key). Runs at parallelism 1.
 */
final class ExactlyOnceCollector<T> extends AbstractStreamOperator<Void> implements OneInputStreamOperator<T, Void> {

    private static final long serialVersionUID = 1L;
    private static final ConcurrentMap<String, ConcurrentMap<Long, List<Object>>> COMMITTED = new ConcurrentHashMap<>();

    private final String run;
    private final TypeInformation<T> type;
    private transient List<T> current;
    private transient TreeMap<Long, List<T>> pending;
    private transient ListState<Tuple2<Long, T>> state;

    private ExactlyOnceCollector(String run, TypeInformation<T> type) {
        this.run = run;
        this.type = type;
    }

    /** Collects {@code stream} under the name {@code run} (operator uid {@code "collect-" + uid}). */
    static <T> void collect(DataStream<T> stream, String run, String uid, Class<T> type) {
        stream.transform("collect " + uid, Types.VOID, new ExactlyOnceCollector<>(run, TypeInformation.of(type)))
                .setParallelism(1).uid("collect-" + uid);
    }

    /** Everything published under the runs named, each checkpoint's records once (a checkpoint published by two runs must match). */
    @SuppressWarnings("unchecked")
    static <T> List<T> committed(String... runs) {
        TreeMap<Long, List<Object>> merged = new TreeMap<>();
        for (String r : runs) {
            for (Map.Entry<Long, List<Object>> e : COMMITTED.getOrDefault(r, new ConcurrentHashMap<>()).entrySet()) {
                List<Object> before = merged.putIfAbsent(e.getKey(), e.getValue());
                if (before != null && before.size() != e.getValue().size()) {
                    throw new AssertionError("checkpoint " + e.getKey() + " published " + before.size() + " and "
                            + e.getValue().size() + " records");
                }
            }
        }
        List<T> all = new ArrayList<>();
        merged.values().forEach(l -> l.forEach(x -> all.add((T) x)));
        return all;
    }

    /** Records published under {@code run} so far. */
    static int count(String run) {
        return COMMITTED.getOrDefault(run, new ConcurrentHashMap<>()).values().stream().mapToInt(List::size).sum();
    }

    @Override
    public void initializeState(StateInitializationContext context) throws Exception {
        super.initializeState(context);
        state = context.getOperatorStateStore().getListState(
                new ListStateDescriptor<>("pending", new TupleTypeInfo<>(Types.LONG, type)));
        current = new ArrayList<>();
        pending = new TreeMap<>();
        if (context.isRestored()) {
            for (Tuple2<Long, T> e : state.get()) {
                pending.computeIfAbsent(e.f0, id -> new ArrayList<>()).add(e.f1);
            }
            // Restored from a completed checkpoint: everything it held pending belongs to completed checkpoints.
            commitUpTo(Long.MAX_VALUE);
        }
    }

    @Override
    public void processElement(StreamRecord<T> element) {
        current.add(element.getValue());
    }

    @Override
    public void snapshotState(StateSnapshotContext context) throws Exception {
        super.snapshotState(context);
        pending.put(context.getCheckpointId(), current);
        current = new ArrayList<>();
        List<Tuple2<Long, T>> flat = new ArrayList<>();
        pending.forEach((id, records) -> records.forEach(r -> flat.add(Tuple2.of(id, r))));
        state.update(flat);
    }

    @Override
    public void notifyCheckpointComplete(long checkpointId) throws Exception {
        super.notifyCheckpointComplete(checkpointId);
        commitUpTo(checkpointId);
    }

    private void commitUpTo(long checkpointId) {
        ConcurrentMap<Long, List<Object>> published = COMMITTED.computeIfAbsent(run, r -> new ConcurrentHashMap<>());
        while (!pending.isEmpty() && pending.firstKey() <= checkpointId) {
            Map.Entry<Long, List<T>> e = pending.pollFirstEntry();
            published.putIfAbsent(e.getKey(), List.copyOf(e.getValue()));
        }
    }
}
