package org.sparsertrl.harness.task;

/**
 * An endless supervised stream: each call writes the next input and its target. Streams are
 * deterministic given how they were built (seed and parameters), so a run can be repeated exactly.
 */
public interface Stream {

    int inputs();

    int outputs();

    /** Writes the next input (length {@link #inputs()}) and target (length {@link #outputs()}). */
    void next(float[] input, float[] target);
}
