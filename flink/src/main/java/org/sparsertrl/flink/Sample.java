package org.sparsertrl.flink;

/**
 * One sample of one key's stream: the input x_t and, for training, the target y*_t.
 *
 * <pre>{@code
 * new Sample("sensor-17", 1_700_000_000_000L, true, new float[] {0.4f, -0.1f}, new float[] {0.3f})   // train
 * new Sample("sensor-17", 1_700_000_000_020L, false, new float[] {0.5f, -0.2f}, new float[0])         // predict only
 * }</pre>
 *
 * A training sample needs a target of length o; a prediction-only sample may carry one (length o,
 * then its loss is measured without learning) or none (length 0). Samples are checked by the
 * operator, not here: a malformed one goes to the operator's side output with its reason.
 *
 * @param key    the stream it belongs to: one trainer per key
 * @param time   the sample's time, carried through to its prediction (any unit; the operator does not read it)
 * @param train  true: predict, then learn from the target; false: predict only
 * @param input  x_t, length m
 * @param target y*_t, length o (or 0 for a prediction-only sample)
 */
public record Sample(String key, long time, boolean train, float[] input, float[] target) {
}
