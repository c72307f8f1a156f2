package org.sparsertrl.engine.runtime;

/**
 * Receives predictions read from the runtime's output ring. The output array is reused between
 * calls: copy what must outlive the call.
 */
@FunctionalInterface
public interface PredictionHandler {

    /**
     * Called once per prediction, on the thread that polls.
     *
     * @param sequence       the sample's sequence number
     * @param enqueuedNanos  when the sample was offered (System.nanoTime)
     * @param predictedNanos when the prediction was made
     * @param loss           the training step's loss, NaN for a predict-only sample
     * @param output         the prediction y_t (reused)
     */
    void onPrediction(long sequence, long enqueuedNanos, long predictedNanos, float loss, float[] output);
}
