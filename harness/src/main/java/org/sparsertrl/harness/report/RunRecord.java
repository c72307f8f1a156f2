package org.sparsertrl.harness.report;

/**
 * One row of the raw results: one run of one method on one seed at one learning rate, with or
 * without the shift (or, for the spectral study, one network's geometry). Missing scalar values are
 * null, never NaN, so the files stay valid JSON and CSV; only the curve marks bins after a divergence
 * with NaN. Recoveries are not per row: they are ratios of means over seeds, computed from these rows.
 *
 * @param study          the study that asked for the run
 * @param role           "evaluation" (an evaluation seed at the tuned rate), "tuning" (a tuning seed, one rate
 *                       of the grid), or "pre-trained" / "at init" for the spectral study's rows
 * @param task           the task (product, delay, sine, lorenz, bci)
 * @param cell           the cell kind (vanilla, lstm, gru) and initialisation, e.g. "vanilla orthogonal"
 * @param method         the method's label
 * @param n              hidden units
 * @param k              paths, subset units or window; n for full RTRL; null otherwise
 * @param seed           the seed of the cell
 * @param rate           the learning rate of the run (null for frozen)
 * @param shift          true on regime B (the shift), false for the no-shift run
 * @param lossBefore     mean loss of the frozen pre-trained network on regime A
 * @param loss           mean online loss over the window (null if the run diverged or its seed failed)
 * @param lossFirst      mean loss over the first quarter of the window
 * @param lossLast       mean loss over the last quarter of the window
 * @param microsPerStep  wall time per step of this run
 * @param divergedAt     step at which the run diverged, or null
 * @param note           why a value is missing (e.g. the seed's failed pre-training), or null
 * @param rho            spectral rows: spectral radius of W
 * @param kappaW         spectral rows: condition number of W
 * @param minD           spectral rows: smallest d = 1 - h^2 along the sampled steps
 * @param medianD        spectral rows: median d
 * @param kappaJacobian  spectral rows: median condition number of diag(d_t) W
 * @param cosine         alignment rows: mean over the phase's steps of the cosine between the learner's gradient and
 *                       full RTRL's over the recurrent parameters (W, U, b)
 * @param cosineAll      alignment rows: the same over every parameter (the readout's gradient is exact in every learner)
 * @param normRatio      alignment rows: mean of |g_learner| / |g_full| over the recurrent parameters
 * @param signAgreement  alignment rows: mean fraction of recurrent parameters whose gradient has full RTRL's sign
 * @param sensitivityError alignment rows: mean relative Frobenius error of J_t on the rows the learner keeps,
 *                       over the sampled steps (null where the learner keeps no J: truncated BPTT)
 * @param curve          binned loss over the window (JSON only)
 */
public record RunRecord(
        String study,
        String role,
        String task,
        String cell,
        String method,
        int n,
        Integer k,
        long seed,
        Double rate,
        Boolean shift,
        Double lossBefore,
        Double loss,
        Double lossFirst,
        Double lossLast,
        Double microsPerStep,
        Integer divergedAt,
        String note,
        Double rho,
        Double kappaW,
        Double minD,
        Double medianD,
        Double kappaJacobian,
        Double cosine,
        Double cosineAll,
        Double normRatio,
        Double signAgreement,
        Double sensitivityError,
        double[] curve) {

    /** A row without alignment values (every study but alignment). */
    public RunRecord(String study, String role, String task, String cell, String method, int n, Integer k, long seed,
                     Double rate, Boolean shift, Double lossBefore, Double loss, Double lossFirst, Double lossLast,
                     Double microsPerStep, Integer divergedAt, String note, Double rho, Double kappaW, Double minD,
                     Double medianD, Double kappaJacobian, double[] curve) {
        this(study, role, task, cell, method, n, k, seed, rate, shift, lossBefore, loss, lossFirst, lossLast, microsPerStep,
                divergedAt, note, rho, kappaW, minD, medianD, kappaJacobian, null, null, null, null, null, curve);
    }

    /** null for a non-finite value. */
    public static Double finite(double value) {
        return Double.isFinite(value) ? value : null;
    }

    /** NaN for null. */
    public static double value(Double boxed) {
        return boxed == null ? Double.NaN : boxed;
    }
}
