package org.sparsertrl.harness.study;

/**
 * A network pre-trained on regime A, as every method of a cell starts from it.
 *
 * @param weights       the parameter slab after pre-training
 * @param hidden        the hidden state at the shift
 * @param state         the trainer's state after pre-training without sensitivities (weights, hidden
 *                      state, Adam's moments), for adaptations that keep the moments across the shift
 * @param lossBefore    mean loss of the frozen network over the next {@code adaptSteps} of regime A
 *                      (what "before the shift" means in the report), NaN if pre-training diverged
 * @param trivialLoss   the loss of predicting the target's mean over the same steps: what a network
 *                      that learned nothing about the inputs achieves
 * @param curve         binned online loss over the last {@code adaptSteps} steps of pre-training
 * @param microsPerStep wall time per pre-training step
 * @param failure       why the cell cannot be used (pre-training diverged, or failed by the protocol's rule), or null
 * @param atInit        the recurrent Jacobian and W before pre-training (vanilla cells; NaN otherwise)
 * @param after         the same after pre-training, along the regime-A steps that measure lossBefore
 */
public record Pretrained(float[] weights, float[] hidden, byte[] state, double lossBefore, double trivialLoss,
                         double[] curve, double microsPerStep, String failure, Diagnostics atInit, Diagnostics after) {

    /** True when the cell's runs are counted apart (its pre-training diverged or failed). */
    public boolean failed() {
        return failure != null;
    }

    /**
     * Geometry of a network along a regime-A trajectory with frozen weights.
     *
     * @param rho         spectral radius of W
     * @param kappaW      condition number of W (largest over smallest singular value)
     * @param minD        smallest d = 1 - h^2 over units and sampled steps (saturation shows as d near 0)
     * @param medianD     median d over units and sampled steps
     * @param conditions  condition numbers of diag(d_t) W at the sampled steps
     */
    public record Diagnostics(double rho, double kappaW, double minD, double medianD, double[] conditions) {

        /** For cells where the quantities are not defined (gated cells, diverged pre-training). */
        public static Diagnostics none() {
            return new Diagnostics(Double.NaN, Double.NaN, Double.NaN, Double.NaN, new double[0]);
        }

        /** Median condition number of diag(d_t) W over the samples. */
        public double kappaJacobian() {
            return Stats.quantile(conditions, 0.5);
        }
    }
}
