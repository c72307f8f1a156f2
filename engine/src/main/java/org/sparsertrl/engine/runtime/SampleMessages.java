package org.sparsertrl.engine.runtime;

/**
 * The layout of the messages on the runtime's ring buffers, offsets computed once. All values are
 * little-endian as agrona writes them; floats follow the header back to back.
 * <pre>
 *   sample (input ring), type TRAIN or PREDICT:
 *     0  long  sequence          the producer's number for the sample
 *     8  long  enqueuedNanos     System.nanoTime() when offered
 *    16  int   inputLength       floats of input that follow
 *    20  int   targetLength      floats of target after them (0 for PREDICT)
 *    24  float input[inputLength], float target[targetLength]
 *
 *   prediction (output ring), type PREDICTION:
 *     0  long  sequence          the sample's sequence
 *     8  long  enqueuedNanos     copied from the sample
 *    16  long  predictedNanos    System.nanoTime() when the prediction was made
 *    24  float loss              the step's loss (NaN for PREDICT)
 *    28  int   outputLength
 *    32  float output[outputLength]
 * </pre>
 */
public final class SampleMessages {

    /** A sample to learn from: predict, measure the loss against the target, update. */
    public static final int TRAIN = 1;
    /** A sample to predict only: no target, no update. */
    public static final int PREDICT = 2;
    /** A prediction on the output ring. */
    public static final int PREDICTION = 3;

    /** Sample header: the sequence number (long). */
    public static final int SEQUENCE_OFFSET = 0;
    /** Sample header: when the sample was offered, System.nanoTime (long). */
    public static final int ENQUEUED_OFFSET = 8;
    /** Sample header: the input length (int). */
    public static final int INPUT_LENGTH_OFFSET = 16;
    /** Sample header: the target length (int). */
    public static final int TARGET_LENGTH_OFFSET = 20;
    /** Bytes of a sample's header; the input and the target floats follow. */
    public static final int SAMPLE_HEADER_LENGTH = 24;

    /** Prediction header: when the prediction was made, System.nanoTime (long). */
    public static final int PREDICTED_OFFSET = 16;
    /** Prediction header: the step's loss (float). */
    public static final int LOSS_OFFSET = 24;
    /** Prediction header: the output length (int). */
    public static final int OUTPUT_LENGTH_OFFSET = 28;
    /** Bytes of a prediction's header; the output floats follow. */
    public static final int PREDICTION_HEADER_LENGTH = 32;

    private SampleMessages() {
    }

    /**
     * {@return bytes of a sample message with these lengths}
     *
     * @param inputs  floats of the input
     * @param targets floats of the target
     */
    public static int sampleLength(int inputs, int targets) {
        return SAMPLE_HEADER_LENGTH + (inputs + targets) * Float.BYTES;
    }

    /**
     * {@return bytes of a prediction message with this many outputs}
     *
     * @param outputs floats of the output
     */
    public static int predictionLength(int outputs) {
        return PREDICTION_HEADER_LENGTH + outputs * Float.BYTES;
    }
}
