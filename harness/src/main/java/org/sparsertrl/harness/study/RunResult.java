package org.sparsertrl.harness.study;

/**
 * One adaptation run.
 *
 * @param meanLoss      mean online loss over the adaptation window; NaN if the run diverged
 * @param curve         binned online loss over the window (bins of equal length), NaN after divergence
 * @param microsPerStep wall time per step over the second half of the window, after the JIT has warmed
 *                      up (forward only for the frozen network)
 * @param divergedAt    the step at which the loss, state or gradient became non-finite, or -1
 */
public record RunResult(double meanLoss, double[] curve, double microsPerStep, int divergedAt) {

    public boolean diverged() {
        return divergedAt >= 0;
    }
}
