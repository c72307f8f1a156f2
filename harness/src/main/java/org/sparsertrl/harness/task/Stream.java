package org.sparsertrl.harness.task;

/**
 * An endless supervised stream: each call writes the next input and its target. Streams are
 * deterministic given how they were built (seed and parameters), so a run can be repeated exactly.
 */
public interface Stream {

    /** Values in each input: one unless the stream says otherwise (Lorenz, BCI and NWB streams do). */
    default int inputs() {
        return 1;
    }

    /** Values in each target: one unless the stream says otherwise. */
    default int outputs() {
        return 1;
    }

    /** Writes the next input (length {@link #inputs()}) and target (length {@link #outputs()}). */
    void next(float[] input, float[] target);
}
