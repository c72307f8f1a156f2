package org.sparsertrl.flink;

/**
 * What the operator emits for each accepted sample.
 *
 * @param key      the sample's key
 * @param time     the sample's time
 * @param output   y_t, the prediction made before learning from this sample (length o)
 * @param loss     {@code 1/2 |y_t - y*_t|^2}, or NaN for a prediction-only sample without a target
 * @param updates  the key's weight updates after this sample
 * @param diverged true if this step was not finite: no update was made and the key's trainer was
 *                 recovered by the operator's policy (see {@link SparseRtrlOperator.Builder#recovery})
 */
public record Prediction(String key, long time, float[] output, float loss, long updates, boolean diverged) {
}
