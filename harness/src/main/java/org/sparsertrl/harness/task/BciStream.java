package org.sparsertrl.harness.task;

import java.util.SplittableRandom;

/**
 * A synthetic intracortical recording with the structure of a Utah-array session: a population of
 * channels recorded while a hand makes center-out reaches, binned, and decoded into 2-D velocity.
 * Every modelling choice below is ours (the paper's data are not public) and is an option of
 * {@link Config}.
 *
 * <p><b>Behaviour.</b> Trials of center-out reaches to one of {@code targets} targets on a circle of
 * radius {@code reachCm}, in random order: a hold at the center, a reach with a minimum-jerk speed
 * profile ({@code v(s) = d / T (30 s^2 - 60 s^3 + 30 s^4)}, s = t / T), a hold at the target, and the
 * same profile back.
 *
 * <p><b>Channels.</b> Channel c fires at {@code lambda_c = max(0, b_c + g_c (v . u_c) / vMax)} spikes
 * per second: a baseline b_c, a gain g_c and a preferred direction u_c (cosine tuning to velocity).
 * Counts per bin are Poisson; the decoder sees {@code sqrt(count)} (or the raw count), and its target is
 * the velocity divided by the largest reach speed.
 *
 * <p><b>Drift between sessions.</b> At the shift (session A to session B) a seeded fraction of
 * channels goes silent (electrodes lost), another fraction is replaced by new units (new baseline, gain
 * and direction), and every surviving channel's gain and baseline are scaled by log-normal factors.
 * Within a session baselines can wander slowly (a bounded random walk).
 */
public final class BciStream implements Stream {

    /**
     * @param channels        recorded channels (96 on a Utah array)
     * @param binMs           bin width in milliseconds
     * @param targets         reach targets on the circle
     * @param reachCm         reach distance
     * @param reachMs         duration of one reach (and of the return)
     * @param holdMs          hold at the center and at the target
     * @param sqrtTransform   feed sqrt(count) rather than the count
     * @param lostFraction    channels silent in session B
     * @param replacedFraction channels with a new unit in session B
     * @param gainSpread      std of the log of session B's gain factor per channel
     * @param baselineSpread  std of the log of session B's baseline factor per channel
     * @param walkPerBin      std of the within-session random walk of each baseline, as a fraction per bin
     */
    public record Config(int channels, double binMs, int targets, double reachCm, double reachMs, double holdMs,
                         boolean sqrtTransform, double lostFraction, double replacedFraction, double gainSpread,
                         double baselineSpread, double walkPerBin) {

        public Config {
            if (channels < 1 || !(binMs > 0) || targets < 1 || !(reachCm > 0) || !(reachMs >= binMs) || holdMs < 0
                    || lostFraction < 0 || replacedFraction < 0 || lostFraction + replacedFraction > 1
                    || gainSpread < 0 || baselineSpread < 0 || walkPerBin < 0) {
                throw new IllegalArgumentException("BCI stream config " + this + " is not valid: need channels >= 1, "
                        + "binMs > 0, targets >= 1, reachMs >= binMs, fractions in [0, 1] summing to at most 1, "
                        + "spreads >= 0");
            }
        }

        /** 96 channels, 20 ms bins, 8 targets at 10 cm, 600 ms reaches, 300 ms holds; 20 % lost, 10 % replaced. */
        public static Config defaults() {
            return new Config(96, 20, 8, 10, 600, 300, true, 0.2, 0.1, 0.3, 0.3, 0.002);
        }
    }

    /** Speed at the peak of a minimum-jerk reach: 1.875 times the mean speed. */
    private static final double PEAK = 1.875;

    private final Config config;
    private final long shiftAt;
    private final SplittableRandom random;
    private final double vMax;                 // cm/s, the largest speed of a reach
    private final double[] baselineA, gainA, dirXA, dirYA;
    private final double[] baselineB, gainB, dirXB, dirYB;
    private final double[] walk;               // multiplicative baseline drift within the session
    private long step;
    // Trial state
    private int phase;                         // 0 hold center, 1 reach out, 2 hold target, 3 reach back
    private double phaseTime;                  // ms into the phase
    private double targetX;
    private double targetY;
    private double velocityX;
    private double velocityY;

    public BciStream(Config config, long shiftAt, long seed) {
        this.config = config;
        this.shiftAt = shiftAt;
        this.random = new SplittableRandom(seed);
        this.vMax = PEAK * config.reachCm() / (config.reachMs() / 1000);
        int c = config.channels();
        baselineA = new double[c];
        gainA = new double[c];
        dirXA = new double[c];
        dirYA = new double[c];
        for (int i = 0; i < c; i++) {
            drawUnit(i, baselineA, gainA, dirXA, dirYA);
        }
        baselineB = baselineA.clone();
        gainB = gainA.clone();
        dirXB = dirXA.clone();
        dirYB = dirYA.clone();
        int lost = (int) Math.round(config.lostFraction() * c), replaced = (int) Math.round(config.replacedFraction() * c);
        int[] order = permutation(c);
        for (int r = 0; r < c; r++) {
            int i = order[r];
            if (r < lost) {
                baselineB[i] = 0;
                gainB[i] = 0;
            } else if (r < lost + replaced) {
                drawUnit(i, baselineB, gainB, dirXB, dirYB);
            } else {
                gainB[i] *= Math.exp(config.gainSpread() * random.nextGaussian());
                baselineB[i] *= Math.exp(config.baselineSpread() * random.nextGaussian());
            }
        }
        walk = new double[c];
        java.util.Arrays.fill(walk, 1.0);
        newTrial();
    }

    private void drawUnit(int i, double[] baseline, double[] gain, double[] dirX, double[] dirY) {
        baseline[i] = random.nextDouble(5, 30);
        gain[i] = random.nextDouble(10, 40);
        double angle = random.nextDouble(0, 2 * Math.PI);
        dirX[i] = Math.cos(angle);
        dirY[i] = Math.sin(angle);
    }

    private int[] permutation(int n) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = random.nextInt(i + 1), t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }

    private void newTrial() {
        double angle = 2 * Math.PI * random.nextInt(config.targets()) / config.targets();
        targetX = config.reachCm() * Math.cos(angle);
        targetY = config.reachCm() * Math.sin(angle);
        phase = 0;
        phaseTime = 0;
    }

    /** Velocity in cm/s at the middle of the next bin, then advances the trial by one bin. */
    private void advanceBehaviour() {
        double mid = phaseTime + config.binMs() / 2;
        velocityX = 0;
        velocityY = 0;
        if (phase == 1 || phase == 3) {
            double s = Math.min(1, mid / config.reachMs());
            double profile = 30 * s * s - 60 * s * s * s + 30 * s * s * s * s;
            double sign = phase == 1 ? 1 : -1, seconds = config.reachMs() / 1000;
            velocityX = sign * targetX / seconds * profile;
            velocityY = sign * targetY / seconds * profile;
        }
        phaseTime += config.binMs();
        double length = phase == 1 || phase == 3 ? config.reachMs() : config.holdMs();
        if (phaseTime >= length) {
            phaseTime = 0;
            phase++;
            if (phase == 4) {
                newTrial();
            }
        }
    }

    @Override
    public int inputs() {
        return config.channels();
    }

    @Override
    public int outputs() {
        return 2;
    }

    @Override
    public void next(float[] input, float[] target) {
        advanceBehaviour();
        boolean sessionB = step >= shiftAt;
        if (step == shiftAt) {
            java.util.Arrays.fill(walk, 1.0); // a new session starts from its own baselines
        }
        double[] baseline = sessionB ? baselineB : baselineA, gain = sessionB ? gainB : gainA;
        double[] dirX = sessionB ? dirXB : dirXA, dirY = sessionB ? dirYB : dirYA;
        double seconds = config.binMs() / 1000;
        for (int c = 0; c < config.channels(); c++) {
            if (config.walkPerBin() > 0 && baseline[c] > 0) {
                walk[c] = Math.min(2, Math.max(0.5, walk[c] * Math.exp(config.walkPerBin() * random.nextGaussian())));
            }
            double rate = Math.max(0, baseline[c] * walk[c]
                    + gain[c] * (velocityX * dirX[c] + velocityY * dirY[c]) / vMax);
            int count = poisson(rate * seconds);
            input[c] = (float) (config.sqrtTransform() ? Math.sqrt(count) : count);
        }
        target[0] = (float) (velocityX / vMax);
        target[1] = (float) (velocityY / vMax);
        step++;
    }

    /** Poisson draw by inversion (the means here are small: tens of spikes per bin at most). */
    private int poisson(double mean) {
        if (mean <= 0) {
            return 0;
        }
        double limit = Math.exp(-mean), product = random.nextDouble();
        int count = 0;
        while (product > limit) {
            count++;
            product *= random.nextDouble();
        }
        return count;
    }

    /** The largest reach speed in cm/s, the unit of the targets. */
    public double maxSpeed() {
        return vMax;
    }
}
