package org.sparsertrl.harness.study;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Every choice of the reproduction protocol in one place. The paper publishes only its abstract, so
 * apart from the figures it quotes, each value here is our definition; the report prints them all,
 * and the {@code reproduce} command can change each one.
 *
 * <p>The adaptation protocol (DESIGN.md section 4): pre-train online with full RTRL on regime A for
 * {@code pretrainSteps}; shift to regime B; from the same weights and hidden state, adapt online for
 * {@code adaptSteps} with each method, and also run the frozen network; L(method) is the mean
 * online loss over the whole adaptation window; recovery = (L(frozen) - L(method)) /
 * (L(frozen) - L(full RTRL)), per seed.
 *
 * @param mode             "quick", "full" or "custom": how the values were chosen
 * @param seeds            independent runs per setting (seeds 1..seeds)
 * @param n                hidden units of the studies run at one size
 * @param ks               the k of the adaptation study's sparse learners
 * @param k                the k of the selection, scaling, optimizer, Lorenz and subset studies
 * @param scalingSizes     n of the scaling study
 * @param spectralSizes    n of the spectral study
 * @param pretrainSteps    online steps on regime A with full RTRL
 * @param adaptSteps       online steps on regime B: the adaptation window
 * @param learningRate     Adam learning rate, pre-training and adaptation
 * @param sgdLearningRate  SGD learning rate of the optimizer study's SGD runs
 * @param recurrentGain    initial W ~ N(0, gain^2 / n)
 * @param omegaBefore      sine: radians per step on regime A
 * @param omegaAfter       sine: radians per step on regime B
 * @param lorenzN          hidden units of the Lorenz study
 * @param rhoBefore        Lorenz rho on regime A (sigma 10, beta 8/3 throughout)
 * @param rhoAfter         Lorenz rho on regime B
 * @param lorenzDt         Lorenz RK4 step
 * @param lorenzSubsteps   RK4 steps per sample
 * @param lorenzBurnIn     samples discarded before pre-training, to reach the attractor
 * @param refreshEvery     steps between path refreshes of the resampled, top-k and bottom-k policies
 * @param spectralSteps    steps of the regime-A trajectory along which Jacobians are sampled
 * @param spectralEvery    steps between two sampled Jacobians
 * @param curveBins        bins of the stored loss curves (pre-shift tail and adaptation window)
 * @param undefinedBelow   a recovery is undefined when its denominator is below this fraction of its baseline's loss
 */
public record Protocol(
        String mode,
        int seeds,
        int n,
        int[] ks,
        int k,
        int[] scalingSizes,
        int[] spectralSizes,
        int pretrainSteps,
        int adaptSteps,
        float learningRate,
        float sgdLearningRate,
        float recurrentGain,
        double omegaBefore,
        double omegaAfter,
        int lorenzN,
        double rhoBefore,
        double rhoAfter,
        double lorenzDt,
        int lorenzSubsteps,
        int lorenzBurnIn,
        int refreshEvery,
        int spectralSteps,
        int spectralEvery,
        int curveBins,
        double undefinedBelow) {

    public Protocol {
        require(seeds >= 1, "seeds", seeds);
        require(n >= 1, "n", n);
        require(k >= 0 && k <= n, "k", k);
        require(pretrainSteps >= 1, "pretrainSteps", pretrainSteps);
        require(adaptSteps >= curveBins && curveBins >= 1, "adaptSteps", adaptSteps);
        require(learningRate > 0 && Float.isFinite(learningRate), "learningRate", learningRate);
        require(sgdLearningRate > 0 && Float.isFinite(sgdLearningRate), "sgdLearningRate", sgdLearningRate);
        require(omegaBefore > 0 && omegaAfter > 0, "omega", omegaBefore);
        require(lorenzN >= 1 && lorenzN >= k, "lorenzN", lorenzN);
        require(refreshEvery >= 1, "refreshEvery", refreshEvery);
        require(spectralSteps >= 1 && spectralEvery >= 1, "spectralSteps", spectralSteps);
        require(undefinedBelow >= 0 && undefinedBelow < 1, "undefinedBelow", undefinedBelow);
        for (int kk : ks) {
            require(kk >= 0 && kk <= n, "ks", kk);
        }
        for (int size : scalingSizes) {
            require(size >= k, "scalingSizes", size);
        }
        ks = ks.clone();
        scalingSizes = scalingSizes.clone();
        spectralSizes = spectralSizes.clone();
    }

    private static void require(boolean ok, String name, Object value) {
        if (!ok) {
            throw new IllegalArgumentException(name + " = " + value + " is not valid for the protocol");
        }
    }

    /** The sizes of DESIGN.md and the issue: n = 64, scaling to 256. Expect about an hour on two cores. */
    public static Protocol full() {
        return new Protocol("full", 5, 64, new int[] {1, 2, 4, 8, 16}, 4, new int[] {64, 128, 256},
                new int[] {64, 128, 256}, 8_000, 2_000, 3e-4f, 1e-2f, 0.9f, 0.1, 0.3,
                64, 28, 40, 0.01, 5, 1_000, 100, 1_000, 20, 40, 0.05);
    }

    /**
     * The single-size studies at the paper's n = 64 as in full mode; the scaling and spectral studies
     * at n up to 64 and the Lorenz study at n = 32: about a minute on two cores.
     */
    public static Protocol quick() {
        return new Protocol("quick", 5, 64, new int[] {1, 2, 4, 8, 16}, 4, new int[] {16, 32, 64},
                new int[] {16, 32, 64}, 8_000, 2_000, 3e-4f, 1e-2f, 0.9f, 0.1, 0.3,
                32, 28, 40, 0.01, 5, 1_000, 100, 500, 20, 40, 0.05);
    }

    /** The values as name-value pairs, in declaration order, for the report. */
    public Map<String, String> describe() {
        Map<String, String> out = new LinkedHashMap<>();
        out.put("mode", mode);
        out.put("seeds", String.valueOf(seeds));
        out.put("n (single-size studies)", String.valueOf(n));
        out.put("k of the adaptation study", Arrays.toString(ks));
        out.put("k of the other studies", String.valueOf(k));
        out.put("n of the scaling study", Arrays.toString(scalingSizes));
        out.put("n of the spectral study", Arrays.toString(spectralSizes));
        out.put("pre-training steps (full RTRL, regime A)", String.valueOf(pretrainSteps));
        out.put("adaptation window (steps on regime B)", String.valueOf(adaptSteps));
        out.put("optimizer", "Adam, learning rate " + learningRate + " (beta1 0.9, beta2 0.999, eps 1e-8), no clipping");
        out.put("SGD learning rate (optimizer study)", String.valueOf(sgdLearningRate));
        out.put("initial recurrent weights", "W ~ N(0, " + recurrentGain + "^2 / n), U ~ N(0, 1/m), V ~ N(0, 1/n), b = c = 0");
        out.put("sine task", "one-step-ahead prediction of sin(phase), phase step " + omegaBefore + " -> " + omegaAfter
                + " rad at the shift, phase continuous, random start phase per seed");
        out.put("Lorenz task", "one-step-ahead prediction of (x/20, y/20, (z-25)/20); sigma 10, beta 8/3, rho "
                + rhoBefore + " -> " + rhoAfter + "; RK4 dt " + lorenzDt + ", " + lorenzSubsteps + " RK4 steps per sample, "
                + lorenzBurnIn + " samples of burn-in; n = " + lorenzN);
        out.put("refresh of resampled / top-k / bottom-k paths", "every " + refreshEvery + " steps");
        out.put("spectral sampling", "diag(d_t) W every " + spectralEvery + " steps along " + spectralSteps
                + " steps of regime A after pre-training, weights frozen");
        out.put("undefined recovery", "when L(baseline) - L(full) < " + undefinedBelow + " L(baseline), or a run diverged");
        return out;
    }

    /** Total steps of a stream up to the end of the adaptation window. */
    public long shiftAt() {
        return pretrainSteps;
    }
}
