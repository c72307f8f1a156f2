package org.sparsertrl.engine.runtime;

import org.agrona.concurrent.AtomicBuffer;
import org.agrona.concurrent.ringbuffer.RingBuffer;
import org.agrona.concurrent.status.AtomicCounter;

/**
 * Offers samples to the runtime's input ring. Backpressure is explicit: an offer returns false when
 * the ring is full, and the refusal is counted ({@link RuntimeCounters#inputFull}); nothing is
 * dropped silently. Offers allocate nothing. Whether several threads may offer at once depends on
 * the ring the runtime was built with ({@link EmbeddedTrainer.Builder#manyProducers}).
 *
 * <pre>{@code
 * SampleProducer producer = runtime.producer();
 * if (!producer.offerTrain(sequence, input, target)) {
 *     // the agent is behind: retry later, or drop on purpose (already counted)
 * }
 * }</pre>
 * Inputs and targets are not validated here; the agent rejects (and counts) malformed samples, so a
 * producer that writes raw messages is held to the same rules.
 */
public final class SampleProducer {

    private final RingBuffer ring;
    private final AtomicBuffer buffer;
    private final AtomicCounter inputFull;

    SampleProducer(RingBuffer ring, AtomicCounter inputFull) {
        this.ring = ring;
        this.buffer = ring.buffer();
        this.inputFull = inputFull;
    }

    /**
     * Offers a sample to learn from; true if it was taken.
     *
     * @param sequence the sample's sequence number
     * @param input    x_t (length m)
     * @param target   y*_t (length o)
     * @return true if the ring took it, false if it was full (counted)
     */
    public boolean offerTrain(long sequence, float[] input, float[] target) {
        return offer(SampleMessages.TRAIN, sequence, input, target, target.length);
    }

    /**
     * Offers a sample to predict only; true if it was taken.
     *
     * @param sequence the sample's sequence number
     * @param input    x_t (length m)
     * @return true if the ring took it, false if it was full (counted)
     */
    public boolean offerPredict(long sequence, float[] input) {
        return offer(SampleMessages.PREDICT, sequence, input, null, 0);
    }

    private boolean offer(int type, long sequence, float[] input, float[] target, int targetLength) {
        int length = SampleMessages.sampleLength(input.length, targetLength);
        int index = ring.tryClaim(type, length);
        if (index <= 0) {
            inputFull.increment(); // atomic: several producers may share the ring
            return false;
        }
        buffer.putLong(index + SampleMessages.SEQUENCE_OFFSET, sequence);
        buffer.putLong(index + SampleMessages.ENQUEUED_OFFSET, System.nanoTime());
        buffer.putInt(index + SampleMessages.INPUT_LENGTH_OFFSET, input.length);
        buffer.putInt(index + SampleMessages.TARGET_LENGTH_OFFSET, targetLength);
        int at = index + SampleMessages.SAMPLE_HEADER_LENGTH;
        for (float v : input) {
            buffer.putFloat(at, v);
            at += Float.BYTES;
        }
        for (int j = 0; j < targetLength; j++) {
            buffer.putFloat(at, target[j]);
            at += Float.BYTES;
        }
        ring.commit(index);
        return true;
    }
}
