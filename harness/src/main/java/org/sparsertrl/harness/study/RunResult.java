package org.sparsertrl.harness.study;

/**
 * One adaptation run.
 *
 * @param meanLoss      mean online loss over the adaptation window; NaN if the run (or its pre-training) diverged
 * @param curve         binned online loss over the window (bins of equal length), NaN after divergence
 * @param microsPerStep wall time per step over the second half of the window, after the JIT has warmed
 *                      up (forward only for the frozen network); NaN if the run diverged
 * @param divergedAt    the step of the window at which the loss, state or gradient became non-finite, or -1
 * @param unusable      true when the cell's pre-training diverged, so the run never started
 */
public record RunResult(double meanLoss, double[] curve, double microsPerStep, int divergedAt, boolean unusable) {

    /** The run of a cell whose pre-training diverged: no loss, a curve of {@code bins} NaN, no time. */
    static RunResult unusable(int bins) {
        double[] nan = new double[bins];
        java.util.Arrays.fill(nan, Double.NaN);
        return new RunResult(Double.NaN, nan, Double.NaN, -1, true);
    }

    /** True if this run itself diverged (not its pre-training). */
    public boolean diverged() {
        return divergedAt >= 0;
    }
}
