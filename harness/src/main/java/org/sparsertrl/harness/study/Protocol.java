package org.sparsertrl.harness.study;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

import org.sparsertrl.harness.task.BciStream;

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
 * @param annealFraction   the last fraction of pre-training over which the learning rate decays
 *                         linearly towards zero (to a thousandth of it), so that the pre-trained weights
 *                         are a settled solution rather than one that relies on continued updates
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
 * @param lstmN            hidden units of the LSTM study
 * @param bciN             hidden units of the BCI decoder
 * @param bci              the synthetic recording and its drift between sessions (bin width also for NWB files)
 * @param nwb              two NWB files, session A then session B, to use instead of the synthetic recording; or empty
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
        double annealFraction,
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
        double undefinedBelow,
        int tbpttWindow,
        float rfloTau,
        int scopeN,
        int scopeLength,
        int scopeSequences,
        int lstmN,
        int bciN,
        BciStream.Config bci,
        java.util.List<java.nio.file.Path> nwb) {

    public Protocol {
        require(seeds >= 1, "seeds", seeds, ">= 1");
        require(n >= 1 && n <= 16_384, "n", n, "in [1, 16384]");
        require(k >= 0 && k <= n, "k", k, "in [0, n = " + n + "]");
        require(curveBins >= 1, "curveBins", curveBins, ">= 1");
        require(adaptSteps >= curveBins, "adaptSteps", adaptSteps, ">= curveBins = " + curveBins);
        require(pretrainSteps >= adaptSteps, "pretrainSteps", pretrainSteps, ">= adaptSteps = " + adaptSteps
                + " (the curve before the shift covers as many steps as the window)");
        require(annealFraction >= 0 && annealFraction <= 1, "annealFraction", annealFraction, "in [0, 1]");
        require(learningRate > 0 && Float.isFinite(learningRate), "learningRate", learningRate, "finite and > 0");
        require(sgdLearningRate > 0 && Float.isFinite(sgdLearningRate), "sgdLearningRate", sgdLearningRate, "finite and > 0");
        require(recurrentGain > 0 && Float.isFinite(recurrentGain), "recurrentGain", recurrentGain, "finite and > 0");
        require(omegaBefore > 0 && Double.isFinite(omegaBefore), "omegaBefore", omegaBefore, "finite and > 0");
        require(omegaAfter > 0 && Double.isFinite(omegaAfter), "omegaAfter", omegaAfter, "finite and > 0");
        require(lorenzN >= Math.max(1, k) && lorenzN <= 16_384, "lorenzN", lorenzN, ">= max(1, k = " + k + ")");
        require(rhoBefore > 0 && Double.isFinite(rhoBefore), "rhoBefore", rhoBefore, "finite and > 0");
        require(rhoAfter > 0 && Double.isFinite(rhoAfter), "rhoAfter", rhoAfter, "finite and > 0");
        require(lorenzDt > 0 && Double.isFinite(lorenzDt), "lorenzDt", lorenzDt, "finite and > 0");
        require(lorenzSubsteps >= 1, "lorenzSubsteps", lorenzSubsteps, ">= 1");
        require(lorenzBurnIn >= 0, "lorenzBurnIn", lorenzBurnIn, ">= 0");
        require(refreshEvery >= 1, "refreshEvery", refreshEvery, ">= 1");
        require(spectralEvery >= 1, "spectralEvery", spectralEvery, ">= 1");
        require(spectralSteps >= spectralEvery, "spectralSteps", spectralSteps, ">= spectralEvery = " + spectralEvery);
        require(undefinedBelow >= 0 && undefinedBelow < 1, "undefinedBelow", undefinedBelow, "in [0, 1)");
        require(tbpttWindow >= 1 && tbpttWindow <= 1_000_000, "tbpttWindow", tbpttWindow, "in [1, 1000000]");
        require(rfloTau >= 1 && Float.isFinite(rfloTau), "rfloTau", rfloTau, "finite and >= 1");
        require(scopeN >= Math.max(1, k) && scopeN <= 16_384, "scopeN", scopeN, ">= max(1, k = " + k + ")");
        require(scopeLength >= 2, "scopeLength", scopeLength, ">= 2");
        require(scopeSequences >= 5, "scopeSequences", scopeSequences, ">= 5 (the last fifth is scored)");
        require(ks.length >= 1, "ks", java.util.Arrays.toString(ks), "non-empty");
        for (int kk : ks) {
            require(kk >= 1 && kk <= n, "ks", java.util.Arrays.toString(ks), "each in [1, n = " + n + "] (k = 0 always runs)");
        }
        require(scalingSizes.length >= 1, "scalingSizes", java.util.Arrays.toString(scalingSizes), "non-empty");
        for (int size : scalingSizes) {
            require(size >= Math.max(1, k) && size <= 16_384, "scalingSizes", java.util.Arrays.toString(scalingSizes),
                    "each >= max(1, k = " + k + ")");
        }
        require(lstmN >= Math.max(1, k) && lstmN <= 4_096, "lstmN", lstmN, "in [max(1, k = " + k + "), 4096]");
        require(bciN >= Math.max(1, k) && bciN <= 16_384, "bciN", bciN, ">= max(1, k = " + k + ")");
        require(bci != null, "bci", bci, "given");
        require(nwb != null && (nwb.isEmpty() || nwb.size() == 2), "nwb", nwb, "empty or two files (session A, session B)");
        nwb = java.util.List.copyOf(nwb);
        require(spectralSizes.length >= 1, "spectralSizes", java.util.Arrays.toString(spectralSizes), "non-empty");
        for (int size : spectralSizes) {
            require(size >= 1 && size <= 16_384, "spectralSizes", java.util.Arrays.toString(spectralSizes), "each in [1, 16384]");
        }
        ks = ks.clone();
        scalingSizes = scalingSizes.clone();
        spectralSizes = spectralSizes.clone();
    }

    private static void require(boolean ok, String name, Object value, String expected) {
        if (!ok) {
            throw new IllegalArgumentException(name + " = " + value + " must be " + expected);
        }
    }

    /** The sizes of DESIGN.md and the issue: n = 64, scaling to 256. Expect about an hour on two cores. */
    public static Protocol full() {
        return new Protocol("full", 5, 64, new int[] {1, 2, 4, 8, 16}, 4, new int[] {64, 128, 256},
                new int[] {64, 128, 256}, 8_000, 0.25, 2_000, 3e-4f, 1e-2f, 0.9f, 0.1, 0.3,
                64, 28, 40, 0.01, 5, 1_000, 100, 1_000, 20, 40, 0.05, 16, 4f, 64, 20, 4_000, 64, 64, BciStream.Config.defaults(), java.util.List.of());
    }

    /**
     * The single-size studies at the paper's n = 64 as in full mode; the scaling and spectral studies
     * at n up to 64, and the Lorenz, scope, LSTM and BCI studies at n = 32: a few minutes on two cores.
     */
    public static Protocol quick() {
        return new Protocol("quick", 5, 64, new int[] {1, 2, 4, 8, 16}, 4, new int[] {16, 32, 64},
                new int[] {16, 32, 64}, 8_000, 0.25, 2_000, 3e-4f, 1e-2f, 0.9f, 0.1, 0.3,
                32, 28, 40, 0.01, 5, 1_000, 100, 500, 20, 40, 0.05, 16, 4f, 32, 20, 1_500, 32, 32, BciStream.Config.defaults(), java.util.List.of());
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
        out.put("pre-training steps (full RTRL, regime A)", pretrainSteps + ", the learning rate decaying linearly "
                + "to a thousandth of itself over the last " + Math.round(100 * annealFraction) + " %");
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
        BciStream.Config b = bci;
        out.put("BCI task", nwb.isEmpty() ? String.format("synthetic: %d cosine-tuned Poisson channels, %.0f ms bins, "
                + "center-out reaches to %d targets at %.0f cm (minimum-jerk, %.0f ms), sqrt(counts) in, velocity / max "
                + "speed out; session B: %.0f %% of channels lost, %.0f %% replaced, gains and baselines scaled by "
                + "log-normal factors (sigma %.2f, %.2f), baselines wandering %.3f per bin; n = %d",
                b.channels(), b.binMs(), b.targets(), b.reachCm(), b.reachMs(), 100 * b.lostFraction(),
                100 * b.replacedFraction(), b.gainSpread(), b.baselineSpread(), b.walkPerBin(), bciN)
                : "NWB files " + nwb + " (session A, session B), " + b.binMs() + " ms bins; n = " + bciN);
        out.put("peer learners (baselines study)", "SnAp-1; UORO (random signs seeded per run); RFLO with trace time "
                + "constant tau = " + rfloTau + " and random feedback B ~ N(0, 1/n); truncated BPTT through the last "
                + tbpttWindow + " steps; each adapting with the optimizer above");
        out.put("adding problem (scope study)", "sequences of " + scopeLength + " steps of (value ~ U[0, 1), marker), "
                + "one marker in each half, target (the sum of the two marked values) at the last step only; a fresh "
                + "network of n = " + scopeN + " per seed and method, hidden state and sensitivities reset at every "
                + "sequence, one update per sequence (Adam, the learning rate above), " + scopeSequences + " sequences, "
                + "mean squared error of the last fifth");
        out.put("LSTM study", "the sine adaptation protocol above with an LSTM of n = " + lstmN + " (forget-gate bias 1, "
                + "gate weights initialised like W, U above); frozen, immediate, sparse and subset k = " + k + ", full RTRL");
        out.put("undefined recovery", "when L(baseline) - L(full) < " + undefinedBelow + " L(baseline), or a run diverged");
        return out;
    }

    /** The step of a stream at which the regime shifts: the end of pre-training. */
    public long shiftAt() {
        return pretrainSteps;
    }
}
