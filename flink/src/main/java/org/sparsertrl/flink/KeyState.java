package org.sparsertrl.flink;

/**
 * One key's trainer as the operator stores it (see {@link TrainerBytes}), emitted at the end of a
 * bounded input when {@link SparseRtrlOperator.Builder#emitFinalStates} asks for it: each key's final
 * model, ready to be written out or loaded with {@link TrainerBytes#load}.
 */
public record KeyState(String key, byte[] state) {
}
