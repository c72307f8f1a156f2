package org.sparsertrl.harness.report;

/**
 * One row of the raw results: one run of one method on one seed (or, for the spectral study, one
 * pre-trained network's sampled condition numbers). Missing scalar values are null, never NaN, so
 * the files stay valid JSON and CSV; only the curve marks bins after a divergence with NaN.
 *
 * @param study          the study that asked for the run
 * @param method         the method's label
 * @param n              hidden units
 * @param k              paths or subset units; n for full RTRL; null for frozen and spectral rows
 * @param seed           the seed of the cell
 * @param lossBefore     mean loss of the frozen pre-trained network on regime A
 * @param loss           mean online loss over the adaptation window (null if the run diverged)
 * @param recovery       recovery against the frozen network (null if undefined)
 * @param recoveryVsK0   recovery against immediate derivatives, k = 0 (null if undefined)
 * @param undefined      why a recovery is undefined, or null
 * @param microsPerStep  wall time per step of this run
 * @param divergedAt     step at which the run diverged, or null
 * @param conditionMin   spectral rows: smallest sampled condition number of diag(d_t) W
 * @param conditionMedian spectral rows: median
 * @param conditionMax   spectral rows: largest
 * @param curve          binned loss over the adaptation window (JSON only)
 */
public record RunRecord(
        String study,
        String method,
        int n,
        Integer k,
        long seed,
        Double lossBefore,
        Double loss,
        Double recovery,
        Double recoveryVsK0,
        String undefined,
        Double microsPerStep,
        Integer divergedAt,
        Double conditionMin,
        Double conditionMedian,
        Double conditionMax,
        double[] curve) {

    /** null for a non-finite value. */
    public static Double finite(double value) {
        return Double.isFinite(value) ? value : null;
    }

    /** NaN for null. */
    public static double value(Double boxed) {
        return boxed == null ? Double.NaN : boxed;
    }
}
