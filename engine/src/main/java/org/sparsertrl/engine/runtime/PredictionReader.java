package org.sparsertrl.engine.runtime;

import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.ringbuffer.RingBuffer;

/** Reads predictions off the output ring into a {@link PredictionHandler}, reusing one output array. */
final class PredictionReader implements MessageHandler {

    private final RingBuffer ring;
    private final float[] output;
    private PredictionHandler handler;

    PredictionReader(RingBuffer ring, int outputs) {
        this.ring = ring;
        this.output = new float[outputs];
    }

    int poll(PredictionHandler target, int limit) {
        this.handler = target;
        return ring.read(this, limit);
    }

    @Override
    public void onMessage(int type, MutableDirectBuffer buffer, int index, int length) {
        int outputs = buffer.getInt(index + SampleMessages.OUTPUT_LENGTH_OFFSET);
        int at = index + SampleMessages.PREDICTION_HEADER_LENGTH;
        for (int j = 0; j < outputs && j < output.length; j++, at += Float.BYTES) {
            output[j] = buffer.getFloat(at);
        }
        handler.onPrediction(buffer.getLong(index + SampleMessages.SEQUENCE_OFFSET),
                buffer.getLong(index + SampleMessages.ENQUEUED_OFFSET),
                buffer.getLong(index + SampleMessages.PREDICTED_OFFSET),
                buffer.getFloat(index + SampleMessages.LOSS_OFFSET), output);
    }
}
