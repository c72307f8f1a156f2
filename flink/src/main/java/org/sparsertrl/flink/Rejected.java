package org.sparsertrl.flink;

/**
 * A sample the operator refused before it reached the key's trainer, with the reason, e.g.
 * {@code input has length 3, expected m = 2} or {@code target[0] = NaN is not finite}.
 */
public record Rejected(Sample sample, String reason) {
}
