package org.sparsertrl.engine.runtime;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.AtomicCounter;
import org.agrona.concurrent.status.CountersManager;
import org.agrona.concurrent.status.CountersReader;

/**
 * The runtime's agrona counters, in off-heap buffers that any thread may read while the agent runs
 * (and that a monitoring tool could map). Each counter is written by one thread only: the agent's by
 * the agent, {@code inputFull} by the producers (atomically, as there may be many).
 */
public final class RuntimeCounters implements AutoCloseable {

    private static final int MAX_COUNTERS = 32;

    private final Arena arena = Arena.ofShared();
    private final CountersManager manager;

    /** Training steps taken (updates made). */
    public final AtomicCounter steps;
    /** Predict-only samples served. */
    public final AtomicCounter predictions;
    /** Samples taken off the input ring, valid or not. */
    public final AtomicCounter received;
    /** Samples rejected because an input or target had the wrong length. */
    public final AtomicCounter rejectedLength;
    /** Samples rejected because an input or target held NaN or infinity. */
    public final AtomicCounter rejectedNonFinite;
    /** Offers refused because the input ring was full: the sample was not taken, and the producer was told. */
    public final AtomicCounter inputFull;
    /** Predictions not published because the output ring was full (the step itself was taken). */
    public final AtomicCounter outputFull;
    /** Steps whose loss, state or gradient was not finite, each followed by a rollback or reset. */
    public final AtomicCounter nonFiniteRecoveries;
    /** Checkpoints written and renamed into place. */
    public final AtomicCounter checkpointsWritten;
    /** Checkpoints that came due (a period of steps or time) while the writer was still busy with the previous one, and were not taken. */
    public final AtomicCounter checkpointsSkipped;
    /** Checkpoint writes that failed (the previous file stays in place). */
    public final AtomicCounter checkpointFailures;
    /** Samples dropped untrained because they had waited longer than the runtime's maximum sample age. */
    public final AtomicCounter droppedStale;
    /** Samples still in the input ring when the runtime stopped, dropped untrained. */
    public final AtomicCounter droppedAtStop;

    /** Allocates the counters, all zero, in an arena of their own (released by {@link #close()}). */
    public RuntimeCounters() {
        MemorySegment meta = arena.allocate((long) MAX_COUNTERS * CountersReader.METADATA_LENGTH, 64);
        MemorySegment values = arena.allocate((long) MAX_COUNTERS * CountersReader.COUNTER_LENGTH, 64);
        manager = new CountersManager(new UnsafeBuffer(meta.address(), (int) meta.byteSize()),
                new UnsafeBuffer(values.address(), (int) values.byteSize()));
        steps = manager.newCounter("steps");
        predictions = manager.newCounter("predictions");
        received = manager.newCounter("samples received");
        rejectedLength = manager.newCounter("samples rejected: wrong length");
        rejectedNonFinite = manager.newCounter("samples rejected: not finite");
        inputFull = manager.newCounter("input ring full");
        outputFull = manager.newCounter("output ring full");
        nonFiniteRecoveries = manager.newCounter("non-finite steps recovered");
        checkpointsWritten = manager.newCounter("checkpoints written");
        checkpointsSkipped = manager.newCounter("checkpoints skipped (writer busy)");
        checkpointFailures = manager.newCounter("checkpoint failures");
        droppedStale = manager.newCounter("samples dropped: older than max age");
        droppedAtStop = manager.newCounter("samples dropped: queued at stop");
    }

    /** {@return every counter as "label: value" lines, for logs and the demo} */
    public String describe() {
        StringBuilder out = new StringBuilder();
        manager.forEach((id, label) -> out.append(String.format("  %-36s %,d%n", label, manager.getCounterValue(id))));
        return out.toString();
    }

    @Override
    public void close() {
        arena.close();
    }
}
