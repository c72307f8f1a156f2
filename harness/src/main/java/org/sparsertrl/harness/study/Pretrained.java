package org.sparsertrl.harness.study;

/**
 * A network pre-trained on regime A, as every method of a cell starts from it.
 *
 * @param weights       the parameter slab after pre-training
 * @param hidden        the hidden state at the shift
 * @param lossBefore    mean loss of the frozen network over the next {@code adaptSteps} of regime A
 *                      (what "before the shift" means in the report), NaN if pre-training diverged
 * @param curve         binned online loss over the last {@code adaptSteps} steps of pre-training
 * @param microsPerStep wall time per pre-training step
 * @param diverged      true if pre-training produced a non-finite loss; the cell is then unusable
 */
public record Pretrained(float[] weights, float[] hidden, double lossBefore, double[] curve, double microsPerStep,
                         boolean diverged) {
}
