package org.sparsertrl.harness.study;

import java.util.Arrays;
import java.util.List;

import org.sparsertrl.engine.cell.Initialization;
import org.sparsertrl.engine.cell.RnnLayout;
import org.sparsertrl.engine.learn.LearnerSpec;
import org.sparsertrl.engine.optim.OptimizerSpec;
import org.sparsertrl.engine.train.OnlineTrainer;
import org.sparsertrl.harness.task.Stream;

/**
 * How closely each learner's gradient follows a reference learner's (full RTRL in the alignment
 * study) along one trajectory, step by step, on the same hidden states and weights.
 *
 * <p>The reference runs the trajectory: at every step it computes its gradient and, when it has an
 * optimizer, updates its weights with it, so the weights move as they would under online full RTRL.
 * Every learner then computes its own gradient for the same steps, from the same weights and hidden
 * state, without updating: before each step its trainer is given the reference's weights and hidden
 * state of that step, and {@link OnlineTrainer#computeGradient} advances only its own sensitivities.
 * The learners share nothing but those states, so the result is the same as stepping them all in
 * lockstep beside the reference; they are run one after another over a recording of the reference
 * (its weights, hidden states and gradients, and its J at the sampled steps) because together they
 * would not fit in memory at large n (one sparse learner holds 2 n p floats of J: 143 MB at n = 256).
 *
 * <p>The first {@code burnIn} steps are not scored: every learner starts with zero sensitivities, as
 * the reference does, and its J needs a few multiples of the network's memory to reach its steady
 * state. At each scored step and for each learner: the cosine between its gradient and the
 * reference's over the recurrent parameters (W, U, b) and over every parameter (the readout's
 * gradient is exact in every learner, so this cosine is the higher one), the ratio of the recurrent
 * norms, and the fraction of recurrent parameters whose gradient has the reference's sign; every
 * {@code every} scored steps, the relative Frobenius error of the learner's J on the rows it keeps
 * (every row for most learners, the k rows of a shared subset, none for truncated BPTT), over at most
 * {@link #MAX_COLUMNS} of its p columns drawn uniformly once per trajectory: J is read one entry at a
 * time, and all n p entries of 36 learners at n = 256 would cost more than the steps themselves.
 */
final class GradientAlignment {

    /** Columns of J compared at most: every column up to n = 64 (p = 4224 with one input). */
    static final int MAX_COLUMNS = 8_192;

    private GradientAlignment() {
    }

    /**
     * One trajectory.
     *
     * @param n         hidden units
     * @param m         inputs
     * @param o         outputs
     * @param seed      seed of the trainers' initialisation (overridden by {@code weights} when given)
     * @param init      initialisation of the trainers (overridden by {@code weights} when given)
     * @param weights   the parameter slab to start from, or null for the seed's initialisation
     * @param hidden    the hidden state to start from, or null for zero
     * @param reference the learner whose gradient is the yardstick and moves the weights
     * @param optimizer the reference's optimizer, or null to hold the weights fixed
     * @param burnIn    unscored steps at the start
     * @param steps     scored steps after them
     * @param every     scored steps between two comparisons of J (the first at the first scored step)
     */
    record Setup(int n, int m, int o, long seed, Initialization init, float[] weights, float[] hidden,
                 LearnerSpec reference, OptimizerSpec optimizer, int burnIn, int steps, int every) {

        Setup {
            if (reference == null || init == null) {
                throw new IllegalArgumentException("reference = " + reference + ", init = " + init + ": both are required");
            }
            if (burnIn < 0 || steps < 1 || every < 1) {
                throw new IllegalArgumentException("burnIn = " + burnIn + ", steps = " + steps + ", every = " + every
                        + " must be >= 0, >= 1 and >= 1");
            }
        }

        /** Scored steps at which J is compared. */
        int samples() {
            return (steps + every - 1) / every;
        }
    }

    /**
     * What one trajectory measured; arrays are indexed [learner][scored step] (learners in the order
     * given), NaN after a learner's or the reference's divergence.
     *
     * @param cosine           cosine with the reference's gradient over the recurrent parameters
     * @param cosineAll        the same over every parameter
     * @param normRatio        |g| / |g_reference| over the recurrent parameters
     * @param signAgreement    fraction of recurrent parameters where sign(g) = sign(g_reference) (0 counts as a sign)
     * @param sensitivityError [learner][sample]: |J - J_reference|_F / |J_reference|_F on the rows the learner
     *                         keeps; NaN where it keeps none
     * @param referenceLoss    [scored step] the reference's online loss
     * @param failure          why the trajectory stopped early (the reference diverged), or null
     */
    record Result(double[][] cosine, double[][] cosineAll, double[][] normRatio, double[][] signAgreement,
                  double[][] sensitivityError, double[] referenceLoss, String failure) {

        /** A result of NaN throughout, for a trajectory that could not run. */
        static Result missing(int learners, Setup s, String why) {
            return new Result(nan(learners, s.steps()), nan(learners, s.steps()), nan(learners, s.steps()),
                    nan(learners, s.steps()), nan(learners, s.samples()), nan(1, s.steps())[0], why);
        }

        /** Mean of {@code metric[learner]} over scored steps [from, to), NaN steps left out (NaN if all are). */
        static double mean(double[][] metric, int learner, int from, int to) {
            double sum = 0;
            int count = 0;
            for (int t = from; t < to; t++) {
                double v = metric[learner][t];
                if (Double.isFinite(v)) {
                    sum += v;
                    count++;
                }
            }
            return count == 0 ? Double.NaN : sum / count;
        }
    }

    /**
     * Runs the reference along {@code stream} (positioned where the trajectory starts) and measures
     * each of {@code learners} against it.
     */
    static Result run(Setup s, Stream stream, List<LearnerSpec> learners) {
        int total = s.burnIn() + s.steps();
        RnnLayout layout = new RnnLayout(s.n(), s.m(), s.o());
        int[] recurrent = parameters(layout, true), readout = parameters(layout, false);
        int p = recurrent.length, r = readout.length;
        int[] columns = columns(recurrent, s.seed());   // the slab indices of the compared columns of J
        // The recording: the states every learner is given, and the reference's answers.
        float[][] x = new float[total][s.m()], y = new float[total][s.o()];
        float[][] weights = new float[total][layout.size()];  // before the step's update
        float[][] hidden = new float[total][s.n()];           // h_{t-1}
        float[][] gradient = new float[s.steps()][p + r];     // recurrent parameters, then readout
        float[][] sensitivity = new float[s.samples()][];     // (n, columns) row-major
        double[] loss = new double[s.steps()];
        Arrays.fill(loss, Double.NaN);
        int recorded = total;
        String failure = null;
        try (OnlineTrainer ref = trainer(s, s.reference(), s.optimizer())) {
            for (int t = 0; t < total; t++) {
                stream.next(x[t], y[t]);
                for (int i = 0; i < weights[t].length; i++) {
                    weights[t][i] = ref.inspect().cell().parameter(i);
                }
                ref.inspect().cell().hidden(hidden[t]);
                float l = s.optimizer() == null ? ref.computeGradient(x[t], y[t]) : ref.step(x[t], y[t]);
                if (ref.diverged()) {
                    recorded = t;
                    failure = "the reference diverged at step " + t + " (" + ref.divergence().message() + ")";
                    break;
                }
                int scored = t - s.burnIn();
                if (scored < 0) {
                    continue;
                }
                loss[scored] = l;
                for (int c = 0; c < p; c++) {
                    gradient[scored][c] = ref.gradient(recurrent[c]);
                }
                for (int c = 0; c < r; c++) {
                    gradient[scored][p + c] = ref.gradient(readout[c]);
                }
                if (scored % s.every() == 0) {
                    float[] j = new float[s.n() * columns.length];
                    for (int i = 0; i < s.n(); i++) {
                        for (int c = 0; c < columns.length; c++) {
                            j[i * columns.length + c] = ref.inspect().learner().sensitivity(i, columns[c]);
                        }
                    }
                    sensitivity[scored / s.every()] = j;
                }
            }
        }
        int k = learners.size();
        Result out = Result.missing(k, s, failure);
        System.arraycopy(loss, 0, out.referenceLoss(), 0, loss.length);
        float[] g = new float[p + r];
        for (int l = 0; l < k; l++) {
            try (OnlineTrainer learner = trainer(s, learners.get(l), null)) {
                for (int t = 0; t < recorded; t++) {
                    learner.setWeights(weights[t]);
                    learner.setHiddenState(hidden[t]);
                    learner.computeGradient(x[t], y[t]);
                    if (learner.diverged()) {
                        break; // the rest stays NaN
                    }
                    int scored = t - s.burnIn();
                    if (scored < 0) {
                        continue;
                    }
                    for (int c = 0; c < p; c++) {
                        g[c] = learner.gradient(recurrent[c]);
                    }
                    for (int c = 0; c < r; c++) {
                        g[p + c] = learner.gradient(readout[c]);
                    }
                    compare(g, gradient[scored], p, r, l, scored, out);
                    if (scored % s.every() == 0) {
                        out.sensitivityError()[l][scored / s.every()] = sensitivityError(learner, sensitivity[scored / s.every()],
                                columns, s.n());
                    }
                }
            }
        }
        return out;
    }

    /** The four per-step measures of gradient {@code g} against the reference's {@code e}. */
    private static void compare(float[] g, float[] e, int p, int r, int learner, int step, Result out) {
        double dot = 0, gg = 0, ee = 0;
        int agree = 0;
        for (int c = 0; c < p; c++) {
            double a = g[c], b = e[c];
            dot += a * b;
            gg += a * a;
            ee += b * b;
            agree += Math.signum(a) == Math.signum(b) ? 1 : 0;
        }
        double dotAll = dot, ggAll = gg, eeAll = ee;
        for (int c = p; c < p + r; c++) {
            double a = g[c], b = e[c];
            dotAll += a * b;
            ggAll += a * a;
            eeAll += b * b;
        }
        out.cosine()[learner][step] = cosine(dot, gg, ee);
        out.cosineAll()[learner][step] = cosine(dotAll, ggAll, eeAll);
        out.normRatio()[learner][step] = ee > 0 ? Math.sqrt(gg / ee) : Double.NaN;
        out.signAgreement()[learner][step] = (double) agree / p;
    }

    /** The cosine of two vectors from their dot product and squared norms; NaN when either is zero. */
    static double cosine(double dot, double aa, double bb) {
        return aa > 0 && bb > 0 ? dot / Math.sqrt(aa * bb) : Double.NaN;
    }

    /**
     * |J - J_ref|_F / |J_ref|_F on {@code columns}, over the rows where the learner stores J (its
     * first compared column is not NaN); NaN when it stores none. Reads J one entry at a time through
     * {@code Learner.sensitivity}, which is why it is sampled.
     */
    private static double sensitivityError(OnlineTrainer learner, float[] reference, int[] columns, int n) {
        int p = columns.length;
        double error = 0, norm = 0;
        boolean any = false;
        for (int i = 0; i < n; i++) {
            if (Float.isNaN(learner.inspect().learner().sensitivity(i, columns[0]))) {
                continue;
            }
            any = true;
            for (int c = 0; c < p; c++) {
                double ref = reference[i * p + c], d = learner.inspect().learner().sensitivity(i, columns[c]) - ref;
                error += d * d;
                norm += ref * ref;
            }
        }
        return any && norm > 0 ? Math.sqrt(error / norm) : Double.NaN;
    }

    /** Every recurrent column if there are at most {@link #MAX_COLUMNS}, else that many drawn uniformly, in slab order. */
    static int[] columns(int[] recurrent, long seed) {
        if (recurrent.length <= MAX_COLUMNS) {
            return recurrent;
        }
        int[] pool = recurrent.clone();
        java.util.SplittableRandom random = new java.util.SplittableRandom(seed ^ 0x5DEECE66DL);
        for (int c = 0; c < MAX_COLUMNS; c++) {
            int pick = c + random.nextInt(pool.length - c);
            int t = pool[c];
            pool[c] = pool[pick];
            pool[pick] = t;
        }
        int[] out = Arrays.copyOf(pool, MAX_COLUMNS);
        Arrays.sort(out);
        return out;
    }

    /** Slab indices of the recurrent parameters (W, U, b) or of the readout's (V, c), padding left out. */
    static int[] parameters(RnnLayout layout, boolean recurrent) {
        int from = recurrent ? 0 : layout.recurrentSize(), to = recurrent ? layout.recurrentSize() : layout.size();
        int[] out = new int[to - from];
        int count = 0;
        for (int i = from; i < to; i++) {
            if (layout.isParameter(i)) {
                out[count++] = i;
            }
        }
        return Arrays.copyOf(out, count);
    }

    private static double[][] nan(int rows, int columns) {
        double[][] out = new double[rows][columns];
        for (double[] row : out) {
            Arrays.fill(row, Double.NaN);
        }
        return out;
    }

    private static OnlineTrainer trainer(Setup s, LearnerSpec learner, OptimizerSpec optimizer) {
        OnlineTrainer trainer = OnlineTrainer.builder(s.n(), s.m(), s.o()).seed(s.seed()).initialization(s.init())
                .learner(learner).optimizer(optimizer != null ? optimizer : OptimizerSpec.sgd(1e-3f)).build();
        try {
            if (s.weights() != null) {
                trainer.setWeights(s.weights());
            }
            if (s.hidden() != null) {
                trainer.setHiddenState(s.hidden());
            }
            return trainer;
        } catch (RuntimeException e) {
            trainer.close();
            throw e;
        }
    }
}
